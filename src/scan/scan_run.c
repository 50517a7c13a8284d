/* A scan split into shards (include/entroprof/partial.h): the run (configuration, tokenizer,
 * canonical shard list, corpus states, the profile being built), its manifest, the task split, and
 * records as whole partial files (header, body from scan_record.c, checksum; docs/partial-format.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/xxh.h"
#include "io/walk.h"
#include "scan/scan_run.h"
#include "entroprof/analyze.h"

static const char REC_MAGIC[8] = {'E', 'P', 'P', 'A', 'R', 'T', 'L', 0x1a};
static const char MAN_MAGIC[8] = {'E', 'P', 'M', 'A', 'N', 'F', 'S', 0x1a};
#define FORMAT_VERSION 1u
#define BYTE_ORDER_MARK 0x01020304u
#define FP_SPAN (64u << 10) /* content fingerprint: the first and the last 64 KiB */

static const char *comp_fmt[] = {"auto", "text", "jsonl"}, *comp_split[] = {"paragraph", "line", "file"};

static ep_jv *config_json(const ep_scan_config *cfg, const char *tokname)
{
    ep_jv *o = ep_jv_obj();
    ep_jv_set(o, "tokenizer", ep_jv_str(tokname));
    ep_jv_set(o, "format", ep_jv_str(comp_fmt[cfg->reader.format]));
    ep_jv_set(o, "split", ep_jv_str(comp_split[cfg->reader.split]));
    ep_jv_set(o, "field", ep_jv_str(cfg->reader.field ? cfg->reader.field : "text"));
    ep_jv_set(o, "max_doc_bytes", ep_jv_int((int64_t)cfg->reader.max_doc_bytes));
    ep_jv_set(o, "zstd_level", ep_jv_int(cfg->zstd_level));
    ep_jv_set(o, "zstd_strong_level", ep_jv_int(cfg->zstd_strong_level));
    ep_jv_set(o, "zstd_strong_fraction", ep_jv_num(cfg->zstd_strong_fraction));
    ep_jv_set(o, "zstd_long", ep_jv_int(cfg->zstd_long));
    ep_jv_set(o, "ngram_order", ep_jv_int(cfg->ngram_order));
    ep_jv_set(o, "ngram_sample_tokens", ep_jv_int((int64_t)cfg->ngram_sample_tokens));
    ep_jv_set(o, "heldout_fraction", ep_jv_num(cfg->heldout_fraction));
    ep_jv_set(o, "seed", ep_jv_int((int64_t)cfg->seed));
    ep_jv_set(o, "dedup_estimators", ep_jv_bool(cfg->dedup_estimators));
    /* The memory budget as resolved: past it the n-gram and MKN tables sample keys, which moves
     * their values (alice29 h_7: 0.436 at --mem 64M, -1.440 raw at 4M). */
    ep_jv_set(o, "mem", ep_jv_int((int64_t)ep_scan_mem_budget(cfg)));
    ep_jv_set(o, "lm", ep_jv_bool(cfg->lm_enable));
    ep_jv_set(o, "lm_tokens", ep_jv_int((int64_t)cfg->lm_tokens));
    return o;
}

void ep_scan_run_free(ep_scan_run *run)
{
    if (!run) return;
    scan_ctx *c = &run->c;
    ep_scan_probes_free(c);
    ep_u64map_free(&c->seen);
    for (int t = 0; c->scratch && t < c->nthreads; t++) ep_tok_scratch_free(c->scratch[t]);
    for (int t = 0; c->tokbuf && t < c->nthreads; t++) ep_token_buf_free(&c->tokbuf[t]);
    free(c->scratch);
    free(c->tokbuf);
    free(c->tok_failed);
    ep_list_free(run->paths, run->n_paths);
    free(run->sizes);
    ep_tokenizer_free(run->tok);
    ep_jv_free(run->profile);
    free(run->own_tokenizer);
    free(run->own_field);
    free(run->own_id_field);
    free(run->own_probes);
    free(run);
}

/* Everything but the shard list: tokenizer, threads, probes, the profile's head. */
static ep_status run_setup(ep_scan_run *run, const ep_scan_config *cfg, ep_error *err)
{
    scan_ctx *c = &run->c;
    c->cfg = cfg;
    c->t0 = ep_scan_now_s();
    ep_status st = ep_tokenizer_open(&run->tok, cfg->tokenizer, err);
    if (st != EP_OK) return st;
    c->tok = run->tok;
    ep_jv *profile = run->profile = ep_jv_obj();
    if (!profile) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    ep_jv_set(profile, "schema", ep_jv_str("entroprof.profile/1"));
    ep_jv *tool = ep_jv_child(profile, "tool");
    ep_jv_set(tool, "name", ep_jv_str("entroprof"));
    ep_jv_set(tool, "version", ep_jv_str(EP_VERSION_STRING));
    ep_jv_set(profile, "tokenizer", ep_jv_str(ep_tokenizer_name(run->tok)));
    ep_jv_set(profile, "vocab_size", ep_jv_int((int64_t)ep_tokenizer_vocab_size(run->tok)));
    ep_jv_set(profile, "config", config_json(cfg, ep_tokenizer_name(run->tok)));
    run->warnings = ep_jv_set(profile, "warnings", ep_jv_arr());
    run->shards = ep_jv_set(profile, "shards", ep_jv_arr());
#ifdef _OPENMP
    c->nthreads = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
#else
    c->nthreads = 1;
#endif
    if (c->nthreads < 1) c->nthreads = 1;
    c->scratch = calloc((size_t)c->nthreads, sizeof(ep_tok_scratch *));
    c->tokbuf = calloc((size_t)c->nthreads, sizeof *c->tokbuf);
    c->tok_failed = calloc((size_t)c->nthreads, sizeof *c->tok_failed);
    if (!c->scratch || !c->tokbuf || !c->tok_failed) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    for (int t = 0; t < c->nthreads; t++)
        if (!(c->scratch[t] = ep_tok_scratch_create(run->tok))) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    st = ep_scan_probes_create(c, err);
    if (st != EP_OK) return st;
    ep_jv *probes_used = ep_jv_set(ep_jv_child(profile, "config"), "probes", ep_jv_arr());
    for (size_t p = 0; p < c->n_probes; p++) ep_jv_push(probes_used, ep_jv_str(c->probes[p].vt->name));
    return EP_OK;
}

/* The configuration's identity: every number of the profile depends only on the inputs and on
 * this (the profile's config object, the tool version, the tokenizer's vocabulary size). */
static void run_hash_config(ep_scan_run *run)
{
    ep_wbuf w;
    ep_wbuf_init(&w);
    ep_wbuf_u32(&w, FORMAT_VERSION);
    ep_wbuf_str(&w, EP_VERSION_STRING);
    ep_wbuf_u64(&w, ep_tokenizer_vocab_size(run->tok));
    ep_wbuf_jv(&w, ep_jv_get(run->profile, "config"));
    run->config_hash = XXH3_64bits(w.data, w.len);
    ep_wbuf_free(&w);
}

static ep_status run_sizes(ep_scan_run *run, ep_error *err)
{
    run->sizes = calloc(run->n_paths + 1, sizeof *run->sizes);
    if (!run->sizes) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < run->n_paths; i++) {
        struct stat sb;
        if (strcmp(run->paths[i], "-") != 0 && stat(run->paths[i], &sb) == 0) run->sizes[i] = (uint64_t)sb.st_size;
        run->c.bytes_total += run->sizes[i];
    }
    run->c.shards_total = run->n_paths;
    return EP_OK;
}

ep_status ep_scan_run_open(ep_scan_run **out, const char *const *inputs, size_t n_inputs, const ep_scan_config *cfg,
                           ep_error *err)
{
    *out = NULL;
    if (cfg->dedup_estimators)
        return ep_error_set(err, EP_ERR_ARG, "--dedup-estimators needs one sequential pass over the shards (which "
                                             "documents an estimator sees depends on every earlier shard): it cannot "
                                             "be split into partial states");
    return ep_scan_run_open_sequential(out, inputs, n_inputs, cfg, err);
}

ep_status ep_scan_run_open_sequential(ep_scan_run **out, const char *const *inputs, size_t n_inputs,
                                      const ep_scan_config *cfg, ep_error *err)
{
    *out = NULL;
    if (!inputs || n_inputs == 0) return ep_error_set(err, EP_ERR_ARG, "no inputs");
    ep_status st = ep_scan_config_check(cfg, err);
    if (st != EP_OK) return st;
    ep_scan_run *run = calloc(1, sizeof *run);
    if (!run) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    st = run_setup(run, cfg, err);
    if (st == EP_OK) st = ep_walk_inputs(inputs, n_inputs, &run->paths, &run->n_paths, run->warnings, err);
    if (st == EP_OK && run->n_paths == 0) st = ep_error_set(err, EP_ERR_NOTFOUND, "no input files found");
    if (st == EP_OK) st = run_sizes(run, err);
    if (st != EP_OK) {
        ep_scan_run_free(run);
        return st;
    }
    run_hash_config(run);
    *out = run;
    return EP_OK;
}

size_t ep_scan_run_shards(const ep_scan_run *run) { return run->n_paths; }
const char *ep_scan_run_shard_path(const ep_scan_run *run, size_t i) { return i < run->n_paths ? run->paths[i] : NULL; }
uint64_t ep_scan_run_shard_size(const ep_scan_run *run, size_t i) { return i < run->n_paths ? run->sizes[i] : 0; }

/* ---- task split ---- */

typedef struct {
    uint64_t size;
    size_t i;
} by_size;

static int by_size_desc(const void *a, const void *b)
{
    const by_size *x = a, *y = b;
    if (x->size != y->size) return x->size > y->size ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

ep_status ep_scan_run_task(const ep_scan_run *run, size_t task, size_t ntasks, size_t **idx, size_t *n, ep_error *err)
{
    *idx = NULL;
    *n = 0;
    if (ntasks == 0 || task >= ntasks) return ep_error_set(err, EP_ERR_ARG, "task %zu of %zu does not exist", task, ntasks);
    size_t N = run->n_paths;
    by_size *o = malloc((N + 1) * sizeof *o);
    uint64_t *load = calloc(ntasks, sizeof *load);
    size_t *mine = malloc((N + 1) * sizeof *mine);
    unsigned char *is_mine = calloc(N + 1, 1);
    if (!o || !load || !mine || !is_mine) {
        free(o), free(load), free(mine), free(is_mine);
        return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < N; i++) o[i] = (by_size){run->sizes[i], i};
    qsort(o, N, sizeof *o, by_size_desc);
    /* Longest processing time first: each shard to the least loaded task (ties: lower task). A
     * shard counts at least 1 byte, so empty shards spread too. */
    for (size_t k = 0; k < N; k++) {
        size_t best = 0;
        for (size_t t = 1; t < ntasks; t++)
            if (load[t] < load[best]) best = t;
        load[best] += o[k].size ? o[k].size : 1;
        if (best == task) is_mine[o[k].i] = 1;
    }
    for (size_t i = 0; i < N; i++)
        if (is_mine[i]) mine[(*n)++] = i;
    free(o), free(load), free(is_mine);
    *idx = mine;
    return EP_OK;
}

/* ---- records ---- */

void ep_partial_file_name(const ep_scan_run *run, size_t i, char *buf, size_t cap)
{
    const char *p = ep_scan_run_shard_path(run, i);
    snprintf(buf, cap, "shard-%08zu-%016llx.epp", i, (unsigned long long)XXH3_64bits(p ? p : "", p ? strlen(p) : 0));
}

/* The input's identity: size, mtime and a fingerprint of its first and last 64 KiB. All zero
 * when it cannot be read (the record then says why). */
typedef struct {
    uint64_t size, fp;
    int64_t mtime_s, mtime_ns;
} input_id;

static void input_identity(const char *path, input_id *id)
{
    memset(id, 0, sizeof *id);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return;
    }
    id->size = (uint64_t)sb.st_size;
    id->mtime_s = (int64_t)sb.st_mtim.tv_sec;
    id->mtime_ns = (int64_t)sb.st_mtim.tv_nsec;
    XXH3_state_t *h = XXH3_createState();
    unsigned char *buf = malloc(FP_SPAN);
    if (h && buf) {
        XXH3_64bits_reset(h);
        XXH3_64bits_update(h, &id->size, sizeof id->size);
        uint64_t offs[2] = {0, id->size > FP_SPAN ? id->size - FP_SPAN : 0};
        for (int k = 0; k < 2; k++) {
            ssize_t got = pread(fd, buf, FP_SPAN, (off_t)offs[k]);
            if (got > 0) XXH3_64bits_update(h, buf, (size_t)got);
        }
        id->fp = XXH3_64bits_digest(h);
    }
    free(buf);
    XXH3_freeState(h);
    close(fd);
}

static void write_identity(ep_wbuf *w, const input_id *id)
{
    ep_wbuf_u64(w, id->size);
    ep_wbuf_i64(w, id->mtime_s);
    ep_wbuf_i64(w, id->mtime_ns);
    ep_wbuf_u64(w, id->fp);
}

ep_status ep_scan_run_rec_bytes(ep_scan_run *run, size_t i, const scan_rec *rec, ep_wbuf *w, ep_error *err)
{
    size_t start = w->len;
    input_id id;
    input_identity(run->paths[i], &id);
    ep_wbuf_raw(w, REC_MAGIC, sizeof REC_MAGIC);
    ep_wbuf_u32(w, FORMAT_VERSION);
    ep_wbuf_u32(w, BYTE_ORDER_MARK);
    ep_wbuf_u64(w, run->config_hash);
    ep_wbuf_u64(w, (uint64_t)i);
    ep_wbuf_u64(w, (uint64_t)run->n_paths);
    ep_wbuf_str(w, run->paths[i]);
    write_identity(w, &id);
    ep_status st = ep_scan_rec_save(&run->c, rec, w, err);
    if (st != EP_OK) return st;
    if (ep_wbuf_status(w) != EP_OK) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    ep_wbuf_u64(w, XXH3_64bits(w->data + start, w->len - start));
    return ep_wbuf_status(w) == EP_OK ? EP_OK : ep_error_set(err, EP_ERR_NOMEM, "out of memory");
}

ep_status ep_scan_run_shard(ep_scan_run *run, size_t i, ep_wbuf *w, ep_error *err)
{
    if (i >= run->n_paths) return ep_error_set(err, EP_ERR_ARG, "shard %zu does not exist", i);
    scan_rec rec;
    ep_status st = ep_scan_rec_make(&run->c, run->paths[i], &rec, err);
    if (st == EP_OK) st = ep_scan_run_rec_bytes(run, i, &rec, w, err);
    ep_scan_rec_free(&run->c, &rec);
    return st;
}

/* Reads and checks a record's header; leaves r at the body (its end excludes the checksum). */
static ep_status rec_header(const ep_scan_run *run, size_t i, const void *bytes, size_t len, ep_rbuf *r,
                            input_id *id, ep_error *err)
{
    if (len < sizeof REC_MAGIC + 16 || memcmp(bytes, REC_MAGIC, sizeof REC_MAGIC) != 0)
        return ep_error_set(err, EP_ERR_FORMAT, "not an entroprof partial-state file");
    ep_rbuf_init(r, bytes, len - 8);
    ep_rbuf_raw(r, sizeof REC_MAGIC);
    uint32_t version = ep_rbuf_u32(r), bom = ep_rbuf_u32(r);
    if (version != FORMAT_VERSION)
        return ep_error_set(err, EP_ERR_FORMAT, "partial-state format version %u (this entroprof reads %u)", version,
                            FORMAT_VERSION);
    if (bom != BYTE_ORDER_MARK) return ep_error_set(err, EP_ERR_CORRUPT, "byte-order mark is wrong");
    ep_rbuf sum;
    ep_rbuf_init(&sum, (const unsigned char *)bytes + len - 8, 8);
    if (ep_rbuf_u64(&sum) != XXH3_64bits(bytes, len - 8))
        return ep_error_set(err, EP_ERR_CORRUPT, "checksum mismatch (truncated or damaged)");
    uint64_t hash = ep_rbuf_u64(r), idx = ep_rbuf_u64(r), n = ep_rbuf_u64(r);
    int nomem = 0;
    char *path = ep_rbuf_str(r, NULL, &nomem);
    if (!path) return nomem ? ep_error_set(err, EP_ERR_NOMEM, "out of memory") : ep_error_set(err, EP_ERR_CORRUPT, "bad header");
    id->size = ep_rbuf_u64(r);
    id->mtime_s = ep_rbuf_i64(r);
    id->mtime_ns = ep_rbuf_i64(r);
    id->fp = ep_rbuf_u64(r);
    ep_status st = EP_OK;
    if (r->failed) st = ep_error_set(err, EP_ERR_CORRUPT, "bad header");
    else if (hash != run->config_hash)
        st = ep_error_set(err, EP_ERR_ARG, "made with another configuration (tokenizer, options, probes, --mem or "
                                           "entroprof version differ)");
    else if (n != run->n_paths || idx != i)
        st = ep_error_set(err, EP_ERR_ARG, "made for shard %llu of %llu, expected shard %zu of %zu", (unsigned long long)idx,
                          (unsigned long long)n, i, run->n_paths);
    else if (strcmp(path, run->paths[i]) != 0)
        st = ep_error_set(err, EP_ERR_ARG, "made for input '%s', expected '%s'", path, run->paths[i]);
    free(path);
    return st;
}

ep_status ep_scan_run_check_record(const ep_scan_run *run, size_t i, const void *rec, size_t len, ep_error *err)
{
    if (i >= run->n_paths) return ep_error_set(err, EP_ERR_ARG, "shard %zu does not exist", i);
    ep_rbuf r;
    input_id id;
    return rec_header(run, i, rec, len, &r, &id, err);
}

int ep_scan_run_record_is_current(const ep_scan_run *run, size_t i, const void *rec, size_t len, ep_error *err)
{
    ep_rbuf r;
    input_id have, now;
    if (i >= run->n_paths || rec_header(run, i, rec, len, &r, &have, err) != EP_OK) return 0;
    input_identity(run->paths[i], &now);
    if (now.size == 0 && now.fp == 0 && now.mtime_s == 0) { /* unreadable now: scan it to say why */
        ep_error_set(err, EP_ERR_IO, "input cannot be read now");
        return 0;
    }
    if (memcmp(&have, &now, sizeof have) != 0) {
        ep_error_set(err, EP_ERR_ARG, "input changed (size, mtime or content)");
        return 0;
    }
    return 1;
}

ep_status ep_scan_run_add(ep_scan_run *run, size_t i, const void *bytes, size_t len, ep_error *err)
{
    if (i != run->next)
        return ep_error_set(err, EP_ERR_ARG, "shard %zu added out of order (next is %zu)", i, run->next);
    ep_rbuf r;
    input_id id;
    ep_status st = rec_header(run, i, bytes, len, &r, &id, err);
    if (st != EP_OK) return st;
    scan_rec rec;
    st = ep_scan_rec_load(&run->c, &r, &rec, err);
    if (st == EP_OK && ep_rbuf_left(&r) != 0) st = ep_error_set(err, EP_ERR_CORRUPT, "corrupt record: trailing bytes");
    if (st == EP_OK) st = ep_scan_run_apply(run, &rec, err);
    ep_scan_rec_free(&run->c, &rec);
    return st;
}

ep_status ep_scan_run_apply(ep_scan_run *run, scan_rec *rec, ep_error *err)
{
    ep_status st = ep_scan_rec_apply(&run->c, run->paths[run->next], rec, run->shards, &run->total, &run->failed,
                                     &run->partial, err);
    if (st == EP_OK) run->next++;
    return st;
}

ep_status ep_scan_run_finish(ep_scan_run *run, ep_jv **profile, size_t *n_failed, ep_error *err)
{
    *profile = NULL;
    if (n_failed) *n_failed = 0;
    if (run->next != run->n_paths)
        return ep_error_set(err, EP_ERR_ARG, "%zu of %zu shards were added", run->next, run->n_paths);
    scan_ctx *c = &run->c;
    ep_scan_progress(c, NULL, 1);
    ep_jv *corpus = ep_jv_set(run->profile, "corpus", ep_jv_obj());
    if (!corpus) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    ep_jv_set(corpus, "shards", ep_jv_int((int64_t)run->n_paths));
    ep_jv_set(corpus, "shards_failed", ep_jv_int((int64_t)run->failed));
    ep_jv_set(corpus, "shards_partial", ep_jv_int((int64_t)run->partial));
    ep_scan_corpus_finish(c, corpus);
    ep_scan_counters_json(corpus, &run->total, 0);
    ep_scan_flags_json(corpus, &run->total, run->failed > 0);
    ep_estimates_clamp(corpus);
    ep_profile_choose_headline(corpus);
    if (n_failed) *n_failed = run->failed;
    *profile = run->profile;
    run->profile = NULL;
    return EP_OK;
}

/* ---- manifest ---- */

ep_status ep_scan_run_manifest(const ep_scan_run *run, ep_wbuf *w, ep_error *err)
{
    const ep_scan_config *cfg = run->c.cfg;
    size_t start = w->len;
    ep_wbuf_raw(w, MAN_MAGIC, sizeof MAN_MAGIC);
    ep_wbuf_u32(w, FORMAT_VERSION);
    ep_wbuf_u32(w, BYTE_ORDER_MARK);
    ep_wbuf_u64(w, run->config_hash);
    /* the configuration, field by field (what ep_scan_run_open_manifest needs to redo it) */
    ep_wbuf_str(w, cfg->tokenizer);
    ep_wbuf_u32(w, (uint32_t)cfg->reader.format);
    ep_wbuf_u32(w, (uint32_t)cfg->reader.split);
    ep_wbuf_str(w, cfg->reader.field);
    ep_wbuf_str(w, cfg->reader.id_field);
    ep_wbuf_u64(w, cfg->reader.max_doc_bytes);
    ep_wbuf_u64(w, ep_scan_mem_budget(cfg));
    ep_wbuf_i64(w, cfg->zstd_level);
    ep_wbuf_i64(w, cfg->zstd_strong_level);
    ep_wbuf_i64(w, cfg->zstd_long);
    ep_wbuf_f64(w, cfg->zstd_strong_fraction);
    ep_wbuf_i64(w, cfg->ngram_order);
    ep_wbuf_f64(w, cfg->heldout_fraction);
    ep_wbuf_i64(w, cfg->lm_enable);
    ep_wbuf_u64(w, cfg->lm_tokens);
    ep_wbuf_u64(w, cfg->seed);
    ep_wbuf_str(w, cfg->probes);
    ep_wbuf_u64(w, cfg->ngram_sample_tokens);
    ep_wbuf_u64(w, (uint64_t)run->n_paths);
    for (size_t i = 0; i < run->n_paths; i++) ep_wbuf_str(w, run->paths[i]);
    ep_wbuf_jv(w, run->warnings);
    if (ep_wbuf_status(w) != EP_OK) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    ep_wbuf_u64(w, XXH3_64bits(w->data + start, w->len - start));
    return ep_wbuf_status(w) == EP_OK ? EP_OK : ep_error_set(err, EP_ERR_NOMEM, "out of memory");
}

static int int_in(int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; }

ep_status ep_scan_run_open_manifest(ep_scan_run **out, const void *bytes, size_t len, ep_error *err)
{
    *out = NULL;
    if (len < sizeof MAN_MAGIC + 16 || memcmp(bytes, MAN_MAGIC, sizeof MAN_MAGIC) != 0)
        return ep_error_set(err, EP_ERR_FORMAT, "not an entroprof partial-state manifest");
    ep_rbuf sum;
    ep_rbuf_init(&sum, (const unsigned char *)bytes + len - 8, 8);
    if (ep_rbuf_u64(&sum) != XXH3_64bits(bytes, len - 8))
        return ep_error_set(err, EP_ERR_CORRUPT, "manifest checksum mismatch (truncated or damaged)");
    ep_rbuf r;
    ep_rbuf_init(&r, bytes, len - 8);
    ep_rbuf_raw(&r, sizeof MAN_MAGIC);
    uint32_t version = ep_rbuf_u32(&r);
    if (version != FORMAT_VERSION)
        return ep_error_set(err, EP_ERR_FORMAT, "manifest format version %u (this entroprof reads %u)", version,
                            FORMAT_VERSION);
    if (ep_rbuf_u32(&r) != BYTE_ORDER_MARK) return ep_error_set(err, EP_ERR_CORRUPT, "manifest byte-order mark is wrong");
    ep_scan_run *run = calloc(1, sizeof *run);
    if (!run) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    uint64_t hash = ep_rbuf_u64(&r);
    ep_scan_config *cfg = &run->own_cfg;
    ep_scan_config_default(cfg);
    cfg->verbose = 0;
    run->own_tokenizer = ep_rbuf_str(&r, NULL, NULL);
    cfg->tokenizer = run->own_tokenizer;
    uint32_t fmt = ep_rbuf_u32(&r), split = ep_rbuf_u32(&r);
    run->own_field = ep_rbuf_str(&r, NULL, NULL);
    run->own_id_field = ep_rbuf_str(&r, NULL, NULL);
    cfg->reader.field = run->own_field;
    cfg->reader.id_field = run->own_id_field;
    cfg->reader.max_doc_bytes = (size_t)ep_rbuf_u64(&r);
    cfg->mem_bytes = ep_rbuf_u64(&r);
    int64_t zl = ep_rbuf_i64(&r), zsl = ep_rbuf_i64(&r), zlong = ep_rbuf_i64(&r);
    cfg->zstd_strong_fraction = ep_rbuf_f64(&r);
    int64_t order = ep_rbuf_i64(&r);
    cfg->heldout_fraction = ep_rbuf_f64(&r);
    int64_t lm = ep_rbuf_i64(&r);
    cfg->lm_tokens = ep_rbuf_u64(&r);
    cfg->seed = ep_rbuf_u64(&r);
    run->own_probes = ep_rbuf_str(&r, NULL, NULL);
    cfg->probes = run->own_probes;
    cfg->ngram_sample_tokens = ep_rbuf_u64(&r);
    ep_status st = EP_OK;
    if (r.failed || !cfg->tokenizer || fmt > EP_FORMAT_JSONL || split > EP_SPLIT_FILE || !int_in(zl, 0, 22) ||
        !int_in(zsl, 0, 22) || !int_in(zlong, 0, 31) || !int_in(order, 0, 16) || !int_in(lm, 0, 1))
        st = ep_error_set(err, EP_ERR_CORRUPT, "manifest: bad configuration");
    if (st == EP_OK) {
        cfg->reader.format = (ep_format)fmt;
        cfg->reader.split = (ep_split)split;
        cfg->zstd_level = (int)zl;
        cfg->zstd_strong_level = (int)zsl;
        cfg->zstd_long = (int)zlong;
        cfg->ngram_order = (int)order;
        cfg->lm_enable = (int)lm;
        cfg->threads = 0;
        st = ep_scan_config_check(cfg, err);
    }
    if (st == EP_OK) st = run_setup(run, cfg, err);
    if (st == EP_OK) {
        uint64_t n = ep_rbuf_count(&r, 8);
        run->paths = calloc(n + 1, sizeof *run->paths);
        if (!run->paths) st = ep_error_set(err, EP_ERR_NOMEM, "out of memory");
        for (uint64_t i = 0; st == EP_OK && i < n; i++) {
            if (!(run->paths[i] = ep_rbuf_str(&r, NULL, NULL))) st = ep_error_set(err, EP_ERR_CORRUPT, "manifest: bad shard list");
            run->n_paths = (size_t)i + 1;
        }
        if (st == EP_OK && (r.failed || n == 0)) st = ep_error_set(err, EP_ERR_CORRUPT, "manifest: bad shard list");
    }
    if (st == EP_OK) {
        ep_jv *w = ep_rbuf_jv(&r);
        if (!w || ep_jv_typeof(w) != EP_JV_ARR || ep_rbuf_left(&r) != 0) {
            ep_jv_free(w);
            st = ep_error_set(err, EP_ERR_CORRUPT, "manifest: bad warnings");
        } else {
            for (size_t k = 0; k < ep_jv_len(w); k++) ep_jv_push(run->warnings, ep_jv_clone(ep_jv_at(w, k)));
            ep_jv_free(w);
        }
    }
    if (st == EP_OK) st = run_sizes(run, err);
    if (st == EP_OK) {
        run_hash_config(run);
        if (run->config_hash != hash)
            st = ep_error_set(err, EP_ERR_ARG, "manifest: made by another entroprof version or tokenizer file (configuration "
                                               "hash differs)");
    }
    if (st != EP_OK) {
        ep_scan_run_free(run);
        return st;
    }
    *out = run;
    return EP_OK;
}

/* Reads a whole file into memory. @return EP_OK, EP_ERR_NOTFOUND (missing), EP_ERR_IO. */
ep_status ep_scan_read_file(const char *path, unsigned char **data, size_t *len, ep_error *err)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return ep_error_set(err, errno == ENOENT ? EP_ERR_NOTFOUND : EP_ERR_IO, "%s: %s", path, strerror(errno));
    size_t cap = 0, n = 0;
    unsigned char *buf = NULL;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 1 << 16;
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                fclose(f);
                return ep_error_set(err, EP_ERR_NOMEM, "%s: out of memory", path);
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return ep_error_set(err, EP_ERR_IO, "%s: read error", path);
    }
    *data = buf;
    *len = n;
    return EP_OK;
}
