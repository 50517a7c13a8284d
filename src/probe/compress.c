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

static void *create_common(const ep_probe_env *env, int level, double fraction)
{
    compress_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->z.level = level;
    s->fraction = fraction;
    s->window_log = env->cfg->zstd_long;
    s->threshold = fraction >= 1.0 ? UINT64_MAX : (uint64_t)(fraction * 18446744073709551616.0);
    if (env->is_corpus) return s; /* the corpus state only sums shard figures */
    s->out = malloc(OUT_CAP);
    if (!s->out || zstream_init(&s->z, level, env->cfg->zstd_long, env->nthreads)) {
        ZSTD_freeCCtx(s->z.cctx);
        free(s->out);
        free(s);
        return NULL;
    }
    return s;
}

static void *fast_create(const ep_probe_env *env) { return create_common(env, env->cfg->zstd_level, 1.0); }
static void *strong_create(const ep_probe_env *env)
{
    return create_common(env, env->cfg->zstd_strong_level, env->cfg->zstd_strong_fraction);
}

static void feed(zstream *z, unsigned char *out, const char *p, size_t n, ZSTD_EndDirective mode)
{
    if (z->failed) return;
    ZSTD_inBuffer in = {p, n, 0};
    for (;;) {
        ZSTD_outBuffer ob = {out, OUT_CAP, 0};
        size_t rem = ZSTD_compressStream2(z->cctx, &ob, &in, mode);
        if (ZSTD_isError(rem)) { z->failed = 1; return; }
        z->out_bytes += ob.pos;
        if (mode == ZSTD_e_end ? rem == 0 : in.pos == in.size) break;
    }
    z->in_bytes += n;
}

static void compress_observe(void *st, const ep_doc *doc, const ep_token *ids, size_t n)
{
    (void)ids; (void)n;
    compress_state *s = st;
    if (s->threshold != UINT64_MAX && (doc->hash_hi ^ 0x5bd1e9955bd1e995ull) >= s->threshold) return;
    feed(&s->z, s->out, doc->text, doc->len, ZSTD_e_continue);
    feed(&s->z, s->out, "\n", 1, ZSTD_e_continue);
    s->z.docs++;
}

static void zstream_end(zstream *z, unsigned char *out)
{
    if (!z->cctx) return;
    feed(z, out, NULL, 0, ZSTD_e_end);
    ZSTD_freeCCtx(z->cctx);
    z->cctx = NULL;
}

static ep_status compress_merge(void *into, const void *from)
{
    compress_state *a = into;
    const compress_state *b = from;
    a->z.in_bytes += b->z.in_bytes;
    a->z.out_bytes += b->z.out_bytes;
    a->z.docs += b->z.docs;
    a->z.failed |= b->z.failed;
    return EP_OK;
}

static void write_one(ep_jv *out, const zstream *z, double fraction, int window_log)
{
    if (z->in_bytes == 0 || z->failed) return;
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

static ep_status compress_finish(void *st, const void *before, ep_jv *out, const ep_probe_env *env)
{
    (void)before; (void)env;
    compress_state *s = st;
    zstream_end(&s->z, s->out);
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

/* Two probes, so that each runs in its own ordered lane (scan.c) and the slow strong level does
 * not hold up the fast one. */
const ep_probe_vtable ep_probe_compress = {
    "compress", EP_PROBE_ORDERED | EP_PROBE_ESTIMATOR, fast_enabled, 0.0,
    fast_create, compress_observe, compress_merge, compress_finish, compress_free,
};

const ep_probe_vtable ep_probe_compress_strong = {
    "compress_strong", EP_PROBE_ORDERED | EP_PROBE_ESTIMATOR, strong_enabled, 0.0,
    strong_create, compress_observe, compress_merge, compress_finish, compress_free,
};
