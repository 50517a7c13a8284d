/* compress: zstd over the shard's document stream (each document followed by one '\n', in
 * canonical order). 8 * compressed / input bytes is an upper bound on the entropy in bits per
 * byte (up to the frame overhead, which is included). The fast level runs on every document and
 * gives exactly the size that `zstd -LEVEL` prints for the same stream (frame checksum on, as the
 * CLI); the strong level runs on a content-hashed sample of documents (zstd_strong_fraction)
 * because strong levels are ~100x slower. Corpus figures are sums over shards compressed
 * independently. */
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "base/xxh.h"
#include "probe/probes_internal.h"

#define OUT_CAP (1u << 17)

typedef struct {
    ZSTD_CCtx *cctx;
    int level;
    uint64_t in_bytes, out_bytes, docs;
    int failed;
} zstream;

typedef struct {
    zstream z;
    uint64_t threshold;  /* sample a document iff mixed hash < threshold (UINT64_MAX: all) */
    double fraction;
    int window_log;
    unsigned char *out;  /* (OUT_CAP) scratch for compressed output, discarded */
} compress_state;

static int fast_enabled(const ep_scan_config *cfg) { return cfg->zstd_level > 0; }
static int strong_enabled(const ep_scan_config *cfg)
{
    return cfg->zstd_strong_level > 0 && cfg->zstd_strong_level != cfg->zstd_level;
}

/* nworkers >= 1 puts zstd in its multithreaded mode, whose output does not depend on the number
 * of workers (checked: zstd -T1, -T2, -T4 write identical frames), so results stay independent of
 * --threads while compression runs in zstd's own threads, off the scan's ordered lane. */
static int zstream_init(zstream *z, int level, int window_log, int nworkers)
{
    z->level = level;
    z->cctx = ZSTD_createCCtx();
    if (!z->cctx) return -1;
    ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_checksumFlag, 1);
    if (ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_nbWorkers, nworkers < 1 ? 1 : nworkers))) {
        ZSTD_freeCCtx(z->cctx); /* a libzstd without threads would give different frames: refuse */
        z->cctx = NULL;
        return -1;
    }
    if (window_log) {
        ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_enableLongDistanceMatching, 1);
        ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_windowLog, window_log);
    }
    return 0;
}

/* Documents whose mixed hash is below this are sampled (UINT64_MAX: all). */
static uint64_t sample_threshold(double fraction)
{
    return fraction >= 1.0 ? UINT64_MAX : (uint64_t)(fraction * 18446744073709551616.0);
}

static ep_status create_common(void **out, const ep_probe_env *env, int level, double fraction, ep_error *err)
{
    *out = NULL;
    compress_state *s = calloc(1, sizeof *s);
    if (!s) return ep_error_set(err, EP_ERR_NOMEM, "compress: out of memory");
    s->z.level = level;
    s->fraction = fraction;
    s->window_log = env->cfg->zstd_long;
    s->threshold = sample_threshold(fraction);
    if (!env->is_corpus) { /* the corpus state only sums shard figures: no stream */
        s->out = malloc(OUT_CAP);
        if (!s->out || zstream_init(&s->z, level, env->cfg->zstd_long, env->nthreads)) {
            ZSTD_freeCCtx(s->z.cctx);
            free(s->out);
            free(s);
            return ep_error_set(err, EP_ERR_NOMEM, "compress: cannot create a zstd level %d stream", level);
        }
    }
    *out = s;
    return EP_OK;
}

static ep_status fast_create(void **out, const ep_probe_env *env, ep_error *err)
{
    return create_common(out, env, env->cfg->zstd_level, 1.0, err);
}
static ep_status strong_create(void **out, const ep_probe_env *env, ep_error *err)
{
    return create_common(out, env, env->cfg->zstd_strong_level, env->cfg->zstd_strong_fraction, err);
}

/* @return 0, or the zstd error code (the stream is then failed). */
static size_t feed(zstream *z, unsigned char *out, const char *p, size_t n, ZSTD_EndDirective mode)
{
    ZSTD_inBuffer in = {p, n, 0};
    for (;;) {
        ZSTD_outBuffer ob = {out, OUT_CAP, 0};
        size_t rem = ZSTD_compressStream2(z->cctx, &ob, &in, mode);
        if (ZSTD_isError(rem)) { z->failed = 1; return rem; }
        z->out_bytes += ob.pos;
        if (mode == ZSTD_e_end ? rem == 0 : in.pos == in.size) break;
    }
    z->in_bytes += n;
    return 0;
}

static ep_status zstd_failed(ep_error *err, const zstream *z, size_t code)
{
    return ep_error_set(err, EP_ERR_INTERNAL, "compress: zstd level %d failed: %s", z->level, ZSTD_getErrorName(code));
}

static ep_status compress_observe(void *st, const ep_doc *doc, const ep_token *ids, size_t n, ep_error *err)
{
    (void)ids; (void)n;
    compress_state *s = st;
    if (s->threshold != UINT64_MAX && (doc->hash_hi ^ 0x5bd1e9955bd1e995ull) >= s->threshold) return EP_OK;
    size_t code = feed(&s->z, s->out, doc->text, doc->len, ZSTD_e_continue);
    if (!code) code = feed(&s->z, s->out, "\n", 1, ZSTD_e_continue);
    if (code) return zstd_failed(err, &s->z, code);
    s->z.docs++;
    return EP_OK;
}

static size_t zstream_end(zstream *z, unsigned char *out)
{
    if (!z->cctx) return 0;
    size_t code = feed(z, out, NULL, 0, ZSTD_e_end);
    ZSTD_freeCCtx(z->cctx);
    z->cctx = NULL;
    return code;
}

/* The corpus figures are sums of the shards' (each shard compressed on its own). A shard whose
 * stream failed (its finish gave up) has no size to add. */
static ep_status compress_fold(void *corpus, const void *shard, ep_error *err)
{
    compress_state *a = corpus;
    const compress_state *b = shard;
    if (b->z.failed)
        return ep_error_set(err, EP_ERR_INTERNAL, "compress: a shard's zstd level %d stream failed", b->z.level);
    a->z.in_bytes += b->z.in_bytes;
    a->z.out_bytes += b->z.out_bytes;
    a->z.docs += b->z.docs;
    return EP_OK;
}

static void write_one(ep_jv *out, const zstream *z, double fraction, int window_log)
{
    if (z->in_bytes == 0) return;
    char key[32], method[160];
    snprintf(key, sizeof key, "zstd_%d", z->level);
    snprintf(method, sizeof method, "zstd level %d%s over documents joined by newlines; 8 x compressed / input bytes",
             z->level, window_log ? " with long-distance matching" : "");
    double bpb = 8.0 * (double)z->out_bytes / (double)z->in_bytes;
    ep_jv *e = ep_estimate_add(out, key, bpb, "bits_per_byte", "upper_bound", method, 0);
    ep_jv_set(e, "bits_per_byte", ep_jv_num(bpb));
    ep_jv_set(e, "level", ep_jv_int(z->level));
    ep_jv_set(e, "input_bytes", ep_jv_int((int64_t)z->in_bytes));
    ep_jv_set(e, "compressed_bytes", ep_jv_int((int64_t)z->out_bytes));
    ep_jv_set(e, "ratio", ep_jv_num((double)z->in_bytes / (double)z->out_bytes));
    ep_jv_set(e, "sample_docs", ep_jv_int((int64_t)z->docs));
    ep_jv_set(e, "sample_fraction", ep_jv_num(fraction));
    if (window_log) ep_jv_set(e, "window_log", ep_jv_int(window_log));
}

static ep_status compress_finish(void *st, const void *before, ep_jv *out, const ep_probe_env *env, ep_error *err)
{
    (void)before; (void)env;
    compress_state *s = st;
    size_t code = zstream_end(&s->z, s->out);
    if (code) return zstd_failed(err, &s->z, code);
    write_one(out, &s->z, s->fraction, s->window_log);
    return EP_OK;
}

static void compress_free(void *st)
{
    compress_state *s = st;
    if (!s) return;
    ZSTD_freeCCtx(s->z.cctx);
    free(s->out);
    free(s);
}

/* Partial state (docs/partial-format.md, "compress, compress_strong"): the finished stream's sizes,
 * which fold reads (no zstd context: the stream is closed): u32 level, u8 failed, u64 input
 * bytes, u64 compressed bytes, u64 documents; 29 bytes per shard. */
static ep_status compress_save(const void *st, ep_wbuf *w, ep_error *err)
{
    (void)err;
    const compress_state *s = st;
    ep_wbuf_u32(w, (uint32_t)s->z.level);
    ep_wbuf_u8(w, (uint8_t)(s->z.failed != 0));
    ep_wbuf_u64(w, s->z.in_bytes);
    ep_wbuf_u64(w, s->z.out_bytes);
    ep_wbuf_u64(w, s->z.docs);
    return EP_OK;
}

/* A state as create makes it for the corpus (no stream), with the saved sizes. Refuses another
 * level than this probe's under env's configuration, sizes the profile could not print (int64),
 * more documents than input bytes (each document adds at least its '\n'), and input without
 * output (a closed zstd frame is never empty). */
static ep_status load_common(void **out, ep_rbuf *r, const ep_probe_env *env, int level, double fraction,
                             const char *name, ep_error *err)
{
    *out = NULL;
    uint32_t saved_level = ep_rbuf_u32(r);
    uint8_t failed = ep_rbuf_u8(r);
    uint64_t in = ep_rbuf_u64(r), comp = ep_rbuf_u64(r), docs = ep_rbuf_u64(r);
    if (ep_rbuf_status(r) != EP_OK) return ep_error_set(err, EP_ERR_CORRUPT, "%s: partial state truncated", name);
    if (saved_level != (uint32_t)level || failed > 1 || in > INT64_MAX || comp > INT64_MAX || docs > in ||
        (!failed && in && !comp)) {
        ep_rbuf_fail(r);
        return ep_error_set(err, EP_ERR_CORRUPT, "%s: partial state out of range (level %u, expected %d; failed %u; "
                            "%llu input bytes, %llu compressed, %llu documents)", name, saved_level, level,
                            (unsigned)failed, (unsigned long long)in, (unsigned long long)comp,
                            (unsigned long long)docs);
    }
    compress_state *s = calloc(1, sizeof *s);
    if (!s) return ep_error_set(err, EP_ERR_NOMEM, "%s: out of memory", name);
    s->z.level = level;
    s->z.failed = failed;
    s->z.in_bytes = in;
    s->z.out_bytes = comp;
    s->z.docs = docs;
    s->fraction = fraction;
    s->window_log = env->cfg->zstd_long;
    s->threshold = sample_threshold(fraction);
    *out = s;
    return EP_OK;
}

static ep_status fast_load(void **out, ep_rbuf *r, const ep_probe_env *env, ep_error *err)
{
    return load_common(out, r, env, env->cfg->zstd_level, 1.0, "compress", err);
}
static ep_status strong_load(void **out, ep_rbuf *r, const ep_probe_env *env, ep_error *err)
{
    return load_common(out, r, env, env->cfg->zstd_strong_level, env->cfg->zstd_strong_fraction,
                       "compress_strong", err);
}

/* Two probes, so that each runs in its own ordered lane (src/scan/scan_pipeline.c) and the slow
 * strong level does not hold up the fast one. */
const ep_probe_vtable ep_probe_compress = {
    "compress", EP_PROBE_ORDERED | EP_PROBE_ESTIMATOR, fast_enabled, 0.0,
    fast_create, compress_observe, NULL, compress_finish, compress_fold, compress_free, compress_save, fast_load,
};

const ep_probe_vtable ep_probe_compress_strong = {
    "compress_strong", EP_PROBE_ORDERED | EP_PROBE_ESTIMATOR, strong_enabled, 0.0,
    strong_create, compress_observe, NULL, compress_finish, compress_fold, compress_free, compress_save, strong_load,
};
