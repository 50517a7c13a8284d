/* The scan driver: shards in canonical order; inside a shard, batches of documents are read by one
 * thread while the others tokenize and run the unordered probes on the previous batch (per-thread
 * states), and one thread feeds the ordered probes (compression) in document order. Thread states
 * are merged in thread order with exact (integer) merges, so results do not depend on how many
 * threads ran or which documents each one saw. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/u64map.h"
#include "entroprof/analyze.h"
#include "entroprof/probe.h"
#include "entroprof/scan.h"
#include "io/walk.h"

void ep_scan_config_default(ep_scan_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    ep_reader_config_default(&cfg->reader);
    cfg->tokenizer = "cl100k_base";
    cfg->batch_bytes = (size_t)4 << 20;
    cfg->zstd_level = 3;
    cfg->zstd_strong_level = 19;
    cfg->zstd_strong_fraction = 1.0 / 32;
    cfg->heldout_fraction = 0.1;
    cfg->lm_tokens = 1u << 16;
    cfg->ngram_sample_tokens = (uint64_t)4 << 20;
    cfg->verbose = 1;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* ---- batches: documents copied out of the reader into one arena ---- */

#define EP_MAX_CHUNKS 256

typedef struct {
    ep_doc *docs;   /* (n) text/id point into arena */
    size_t n, cap;
    char *arena;
    size_t used, arena_cap;
    /* Token ids kept for the ordered lanes (only when an ordered probe needs tokens): chunk k of
     * the batch appends its documents' ids to ctok[k]; doc i's ids are ctok[chunk].ids + tok_off[i]. */
    size_t chunks;
    ep_token_buf ctok[EP_MAX_CHUNKS];
    size_t *tok_off, *tok_len; /* (cap) */
} batch;

static int batch_reserve(batch *b, size_t bytes)
{
    if (b->used + bytes <= b->arena_cap) return 0;
    /* Documents point into the arena: grow by allocating a larger one and rebasing. */
    size_t ncap = b->arena_cap ? b->arena_cap : (1u << 20);
    while (ncap < b->used + bytes) ncap *= 2;
    char *na = malloc(ncap);
    if (!na) return -1;
    if (b->used) memcpy(na, b->arena, b->used);
    for (size_t i = 0; i < b->n; i++) {
        b->docs[i].text = na + (b->docs[i].text - b->arena);
        if (b->docs[i].id) b->docs[i].id = na + (b->docs[i].id - b->arena);
    }
    free(b->arena);
    b->arena = na;
    b->arena_cap = ncap;
    return 0;
}

/* Reads documents until the batch holds at least `target` bytes. @return 1 docs read, 0 end,
 * -1 reader error (the documents read before it are in the batch). */
static int read_batch(ep_reader *r, batch *b, size_t target, ep_u64map *seen, int *oom, ep_error *err)
{
    b->n = 0;
    b->used = 0;
    while (b->used < target) {
        ep_doc d;
        int k = ep_reader_next(r, &d, err);
        if (k <= 0) return k < 0 ? -1 : (b->n > 0);
        if (b->n == b->cap) {
            size_t nc = b->cap ? 2 * b->cap : 1024;
            ep_doc *nd = realloc(b->docs, nc * sizeof *nd);
            if (!nd) { *oom = 1; return -1; }
            b->docs = nd;
            size_t *no = realloc(b->tok_off, nc * sizeof *no);
            if (!no) { *oom = 1; return -1; }
            b->tok_off = no;
            size_t *nl = realloc(b->tok_len, nc * sizeof *nl);
            if (!nl) { *oom = 1; return -1; }
            b->tok_len = nl;
            b->cap = nc;
        }
        if (batch_reserve(b, d.len + d.id_len)) { *oom = 1; return -1; }
        ep_doc *o = &b->docs[b->n++];
        *o = d;
        if (seen) { /* the reader thread runs in canonical order: "earlier" is well defined */
            uint64_t *hi = ep_u64map_find(seen, d.hash_lo);
            if (hi && *hi == d.hash_hi) o->flags |= EP_DOC_EXACT_DUP;
            else if (!hi && ep_u64map_add(seen, d.hash_lo, d.hash_hi) != EP_OK) { *oom = 1; return -1; }
            /* equal low halves with different high halves (p ~ 2^-64 per pair): kept as unique */
        }
        o->text = b->arena + b->used;
        memcpy(b->arena + b->used, d.text, d.len);
        b->used += d.len;
        if (d.id) {
            o->id = b->arena + b->used;
            memcpy(b->arena + b->used, d.id, d.id_len);
            b->used += d.id_len;
        }
    }
    return 1;
}

static void batch_free(batch *b)
{
    free(b->docs);
    free(b->arena);
    free(b->tok_off);
    free(b->tok_len);
    for (size_t k = 0; k < EP_MAX_CHUNKS; k++) ep_token_buf_free(&b->ctok[k]);
}

/* Chunk k of a batch of n documents covers [n*k/chunks, n*(k+1)/chunks). */
static size_t chunk_lo(const batch *b, size_t k) { return b->n * k / b->chunks; }

/* ---- probes in use ---- */

typedef struct {
    const ep_probe_vtable *vt;
    ep_probe_env env_shard, env_corpus;
    void *corpus;
} probe_use;

typedef struct {
    const ep_scan_config *cfg;
    const ep_tokenizer *tok;
    probe_use *probes;
    size_t n_probes;
    int need_tokens;         /* some probe needs token ids */
    int ordered_need_tokens; /* some ordered probe needs them: keep them with the batch */
    int nthreads;
    ep_u64map seen;          /* --dedup-estimators: hash_lo -> hash_hi of every document so far */
    /* per thread */
    ep_tok_scratch **scratch; /* (nthreads) */
    ep_token_buf *tokbuf;     /* (nthreads) */
    int *tok_failed;          /* (nthreads) */
    /* progress */
    uint64_t bytes_total, bytes_before_shard;
    size_t shards_done, shards_total;
    double t0, last_progress;
} scan_ctx;

static int probe_selected(const ep_scan_config *cfg, const char *name)
{
    if (!cfg->probes || !*cfg->probes) return 1;
    size_t n = strlen(name);
    const char *p = cfg->probes;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0) return 1;
        if (!e) break;
        p = e + 1;
    }
    return !strcmp(name, "counts"); /* counts always runs: every profile has its sizes */
}

/* Default budget: a quarter of physical RAM, at most 2 GiB. Past that, exact n-gram tables cost more
 * time in cache misses than they buy in precision: tables switch to consistent key sampling and
 * report p and a standard error. --mem raises it. */
static uint64_t default_mem(void)
{
    const uint64_t cap = (uint64_t)2 << 30;
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || size <= 0) return (uint64_t)1 << 30;
    uint64_t quarter = (uint64_t)pages * (uint64_t)size / 4;
    return quarter < cap ? quarter : cap;
}

static void report_progress(scan_ctx *c, ep_reader *r, int final)
{
    if (!c->cfg->progress) return;
    double t = now_s();
    if (!final && t - c->last_progress < 1.0 / 6.0) return;
    c->last_progress = t;
    ep_progress p;
    p.input_bytes_done = c->bytes_before_shard + (r ? ep_reader_input_offset(r) : 0);
    p.input_bytes_total = c->bytes_total;
    p.decoded_bytes_done = r ? ep_reader_counters_get(r)->decoded_bytes : 0;
    p.shards_done = c->shards_done;
    p.shards_total = c->shards_total;
    p.seconds = t - c->t0;
    p.final = final;
    c->cfg->progress(c->cfg->progress_user, &p);
}

/* With --dedup-estimators, estimator probes do not see exact duplicates (the flag is only set then). */
static int skips(const ep_probe_vtable *vt, const ep_doc *d)
{
    return (vt->flags & EP_PROBE_ESTIMATOR) && (d->flags & EP_DOC_EXACT_DUP);
}

/* Tokenizes chunk k of b and runs the unordered probes on this thread's states. */
static void process_chunk(scan_ctx *c, void ***states, batch *b, size_t k)
{
    int t = thread_id();
    size_t lo = chunk_lo(b, k), hi = chunk_lo(b, k + 1);
    ep_token_buf *tb = c->ordered_need_tokens ? &b->ctok[k] : &c->tokbuf[t];
    tb->len = 0;
    for (size_t i = lo; i < hi; i++) {
        const ep_doc *d = &b->docs[i];
        if (!c->ordered_need_tokens) tb->len = 0;
        size_t off = tb->len;
        if (c->need_tokens && ep_tokenizer_encode(c->tok, c->scratch[t], d->text, d->len, tb) != EP_OK)
            c->tok_failed[t] = 1;
        b->tok_off[i] = off;
        b->tok_len[i] = tb->len - off;
        for (size_t p = 0; p < c->n_probes; p++)
            if (!(c->probes[p].vt->flags & EP_PROBE_ORDERED) && !skips(c->probes[p].vt, d))
                c->probes[p].vt->observe(states[t][p], d, tb->ids + off, tb->len - off);
    }
}

/* One ordered probe over a whole batch, in document order, with the ids kept by process_chunk. */
static void process_ordered(scan_ctx *c, void **ordered, size_t p, const batch *b)
{
    int with_ids = c->ordered_need_tokens && (c->probes[p].vt->flags & EP_PROBE_NEEDS_TOKENS);
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++) {
        while (with_ids && i >= chunk_lo(b, k + 1)) k++;
        const ep_token *ids = with_ids ? b->ctok[k].ids + b->tok_off[i] : NULL;
        if (skips(c->probes[p].vt, &b->docs[i])) continue;
        c->probes[p].vt->observe(ordered[p], &b->docs[i], ids, with_ids ? b->tok_len[i] : 0);
    }
}

static void reader_counters_json(ep_jv *o, const ep_reader_counters *rc, int with_lines)
{
    ep_jv *c = ep_jv_child(o, "counters");
#define C(name) ep_jv_set(c, #name, ep_jv_int((int64_t)rc->name))
    C(input_bytes); C(decoded_bytes); C(lines); C(docs); C(doc_bytes); C(empty_docs); C(invalid_utf8);
    C(crlf); C(nul_bytes); C(truncated_docs); C(truncated_bytes); C(json_malformed); C(json_missing_field);
    C(json_nonstring_field); C(blank_lines_jsonl); C(jsonl_overlong); C(zero_padding_bytes); C(error_dropped_bytes);
#undef C
    if (with_lines) {
        ep_jv *a = ep_jv_set(c, "first_skipped_lines", ep_jv_arr());
        for (uint32_t i = 0; i < rc->n_first_bad_lines; i++) ep_jv_push(a, ep_jv_int((int64_t)rc->first_bad_lines[i]));
    }
}

static void read_flags(ep_jv *o, const ep_reader_counters *rc, int failed)
{
    ep_jv *f = ep_jv_set(o, "flags", ep_jv_arr());
    if (failed) ep_jv_push(f, ep_jv_str("read_error"));
    if (rc->docs == 0) ep_jv_push(f, ep_jv_str("empty"));
    if (rc->invalid_utf8) ep_jv_push(f, ep_jv_str("invalid_utf8_repaired"));
    if (rc->nul_bytes) ep_jv_push(f, ep_jv_str("nul_bytes_removed"));
    if (rc->truncated_docs) ep_jv_push(f, ep_jv_str("docs_truncated"));
    if (rc->json_malformed + rc->json_missing_field + rc->json_nonstring_field + rc->jsonl_overlong)
        ep_jv_push(f, ep_jv_str("records_skipped"));
}

static const char *comp_name(ep_compression c)
{
    return c == EP_COMP_ZSTD ? "zstd" : c == EP_COMP_GZIP ? "gzip" : "none";
}

/* Runs one shard. @return EP_OK (the shard object says whether it failed) or a fatal status. */
static ep_status scan_shard(scan_ctx *c, const char *path, ep_jv *shard, ep_reader_counters *total, int *failed,
                            ep_error *err)
{
    ep_jv_set(shard, "path", ep_jv_str(path));
    ep_jv_set(shard, "status", ep_jv_str("ok"));
    ep_error rerr;
    ep_error_clear(&rerr);
    ep_reader *r = NULL;
    if (ep_reader_open(&r, path, &c->cfg->reader, &rerr) != EP_OK) {
        ep_jv_set(shard, "status", ep_jv_str("error"));
        ep_jv_set(shard, "error", ep_jv_str(rerr.msg));
        ep_jv_set(shard, "error_offset", ep_jv_int(0));
        ep_jv_set(shard, "docs", ep_jv_int(0));
        ep_jv_set(shard, "bytes", ep_jv_int(0));
        ep_jv_set(shard, "tokens", ep_jv_int(0));
        ep_jv *f = ep_jv_set(shard, "flags", ep_jv_arr());
        ep_jv_push(f, ep_jv_str("read_error"));
        *failed = 1;
        return EP_OK;
    }
    ep_jv_set(shard, "format", ep_jv_str(ep_reader_format(r) == EP_FORMAT_JSONL ? "jsonl" : "text"));
    ep_jv_set(shard, "compression", ep_jv_str(comp_name(ep_reader_compression(r))));

    int T = c->nthreads;
    size_t P = c->n_probes;
    ep_status st = EP_OK;
    void ***states = calloc((size_t)T, sizeof *states);
    void **ordered = calloc(P ? P : 1, sizeof *ordered);
    int oom = !states || !ordered;
    for (int t = 0; !oom && t < T; t++) {
        states[t] = calloc(P ? P : 1, sizeof **states);
        if (!states[t]) { oom = 1; break; }
        for (size_t p = 0; p < P; p++) {
            if (c->probes[p].vt->flags & EP_PROBE_ORDERED) continue;
            states[t][p] = c->probes[p].vt->create(&c->probes[p].env_shard);
            if (!states[t][p]) oom = 1;
        }
    }
    for (size_t p = 0; !oom && p < P; p++)
        if (c->probes[p].vt->flags & EP_PROBE_ORDERED) {
            ordered[p] = c->probes[p].vt->create(&c->probes[p].env_shard);
            if (!ordered[p]) oom = 1;
        }

    size_t *lanes = calloc(P ? P : 1, sizeof *lanes), n_lanes = 0; /* ordered probes: one lane each */
    if (!lanes) oom = 1;
    for (size_t p = 0; !oom && p < P; p++)
        if (c->probes[p].vt->flags & EP_PROBE_ORDERED) lanes[n_lanes++] = p;
    /* Three batches in flight: read k+1 | tokenize + unordered probes on k | ordered lanes on k-1. */
    batch *bufs = calloc(3, sizeof *bufs);
    if (!bufs) oom = 1;
    int cur = 0, have_cur = 0, have_prev = 0, read_failed = 0, reading = 1;
    if (!oom) {
        int rd = read_batch(r, &bufs[cur], c->cfg->batch_bytes, c->cfg->dedup_estimators ? &c->seen : NULL, &oom, &rerr);
        if (rd < 0) { read_failed = !oom; rd = bufs[cur].n > 0; reading = 0; }
        have_cur = rd > 0;
        if (rd == 0) reading = 0;
    }
    while (!oom && (have_cur || have_prev)) {
        int nxt = (cur + 1) % 3, prv = (cur + 2) % 3;
        batch *b = &bufs[cur], *nb = &bufs[nxt], *pb = &bufs[prv];
        int next_rd = 0, next_failed = 0, next_oom = 0;
        if (have_cur) {
            b->chunks = (size_t)T * 8;
            if (b->chunks > EP_MAX_CHUNKS) b->chunks = EP_MAX_CHUNKS;
            if (b->chunks > b->n) b->chunks = b->n;
        } else {
            b->n = 0;
            b->chunks = 0;
        }
        size_t chunks = b->chunks, lanes_now = have_prev ? n_lanes : 0;
        int do_read = reading && have_cur;
#pragma omp parallel num_threads(T)
        {
#pragma omp single nowait
            {
                if (do_read) {
                    next_rd = read_batch(r, nb, c->cfg->batch_bytes, c->cfg->dedup_estimators ? &c->seen : NULL, &next_oom, &rerr);
                    if (next_rd < 0) { next_failed = !next_oom; next_rd = nb->n > 0; }
                }
                report_progress(c, r, 0);
            }
#pragma omp for schedule(dynamic, 1) nowait
            for (size_t k = 0; k < lanes_now; k++) process_ordered(c, ordered, lanes[k], pb);
#pragma omp for schedule(dynamic, 1) nowait
            for (size_t k = 0; k < chunks; k++) process_chunk(c, states, b, k);
        }
        oom |= next_oom;
        have_prev = have_cur;
        if (do_read) {
            if (next_failed) { read_failed = 1; reading = 0; }
            if (next_rd <= 0 && !next_failed) reading = 0;
            if (next_rd == 0) nb->n = 0;
            have_cur = next_rd > 0;
        } else {
            have_cur = 0;
        }
        cur = nxt;
    }
    for (int i = 0; bufs && i < 3; i++) batch_free(&bufs[i]);
    free(bufs);
    free(lanes);
    for (int t = 0; t < T; t++)
        if (c->tok_failed[t]) { st = ep_error_set(err, EP_ERR_INTERNAL, "tokenizer failed on %s", path); c->tok_failed[t] = 0; }

    /* Merge thread states in thread order into the shard state (thread 0's). */
    for (size_t p = 0; st == EP_OK && !oom && p < P; p++) {
        if (c->probes[p].vt->flags & EP_PROBE_ORDERED) continue;
        ordered[p] = states[0][p];
        states[0][p] = NULL;
        for (int t = 1; t < T && st == EP_OK; t++) st = c->probes[p].vt->merge(ordered[p], states[t][p]);
    }
    if (oom && st == EP_OK) st = ep_error_set(err, EP_ERR_NOMEM, "out of memory while scanning %s", path);

    const ep_reader_counters *rc = ep_reader_counters_get(r);
    if (read_failed) {
        ep_jv_set(shard, "status", ep_jv_str("error"));
        ep_jv_set(shard, "error", ep_jv_str(rerr.msg));
        ep_jv_set(shard, "error_offset", ep_jv_int((int64_t)ep_reader_input_offset(r)));
        *failed = 1;
    }
    for (size_t p = 0; st == EP_OK && p < P; p++) {
        st = c->probes[p].vt->finish(ordered[p], c->probes[p].corpus, shard, &c->probes[p].env_shard);
        if (st != EP_OK) { ep_error_set(err, st, "probe %s failed on %s: %s", c->probes[p].vt->name, path, ep_strerror(st)); break; }
        st = c->probes[p].vt->merge(c->probes[p].corpus, ordered[p]);
    }
    /* A probe that gave up (ep_probe_gave_up) leaves the shard partial; a read error outranks that. */
    if (st == EP_OK && !read_failed && ep_jv_len(ep_jv_get(shard, "probe_errors")) > 0)
        ep_jv_set(shard, "status", ep_jv_str("partial"));
    reader_counters_json(shard, rc, 1);
    read_flags(shard, rc, read_failed);
    ep_estimates_clamp(shard);
    ep_profile_choose_headline(shard);
    /* The guardrails rank and report apply (one function), recorded with their default thresholds. */
    ep_rank_config guard;
    ep_rank_config_default(&guard);
    if (st == EP_OK && (st = ep_rank_mark_shard(shard, &guard)) != EP_OK) ep_error_set(err, st, "out of memory");
    ep_reader_counters_merge(total, rc);
    c->bytes_before_shard += ep_reader_input_offset(r);

    for (int t = 0; states && t < T; t++) {
        for (size_t p = 0; states[t] && p < P; p++)
            if (states[t][p]) c->probes[p].vt->free(states[t][p]);
        free(states[t]);
    }
    for (size_t p = 0; ordered && p < P; p++)
        if (ordered[p]) c->probes[p].vt->free(ordered[p]);
    free(states);
    free(ordered);
    ep_reader_close(r);
    return st;
}

static ep_jv *config_json(const ep_scan_config *cfg, const char *tokname)
{
    ep_jv *o = ep_jv_obj();
    ep_jv_set(o, "tokenizer", ep_jv_str(tokname));
    const char *fmt[] = {"auto", "text", "jsonl"}, *split[] = {"paragraph", "line", "file"};
    ep_jv_set(o, "format", ep_jv_str(fmt[cfg->reader.format]));
    ep_jv_set(o, "split", ep_jv_str(split[cfg->reader.split]));
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
    ep_jv_set(o, "mem", ep_jv_int((int64_t)(cfg->mem_bytes ? cfg->mem_bytes : default_mem())));
    ep_jv_set(o, "lm", ep_jv_bool(cfg->lm_enable));
    ep_jv_set(o, "lm_tokens", ep_jv_int((int64_t)cfg->lm_tokens));
    return o;
}

ep_status ep_scan(const char *const *inputs, size_t n_inputs, const ep_scan_config *cfg, ep_jv **profile_out,
                  size_t *n_failed, ep_error *err)
{
    *profile_out = NULL;
    if (n_failed) *n_failed = 0;
    if (!inputs || n_inputs == 0) return ep_error_set(err, EP_ERR_ARG, "no inputs");
    ep_status cst = ep_scan_config_check(cfg, err);
    if (cst != EP_OK) return cst;
    scan_ctx c;
    memset(&c, 0, sizeof c);
    c.cfg = cfg;
    c.t0 = now_s();
    ep_tokenizer *tok = NULL;
    ep_status st = ep_tokenizer_open(&tok, cfg->tokenizer, err);
    if (st != EP_OK) return st;
    c.tok = tok;

    ep_jv *profile = ep_jv_obj();
    ep_jv_set(profile, "schema", ep_jv_str("entroprof.profile/1"));
    ep_jv *tool = ep_jv_child(profile, "tool");
    ep_jv_set(tool, "name", ep_jv_str("entroprof"));
    ep_jv_set(tool, "version", ep_jv_str(EP_VERSION_STRING));
    ep_jv_set(profile, "tokenizer", ep_jv_str(ep_tokenizer_name(tok)));
    ep_jv_set(profile, "vocab_size", ep_jv_int((int64_t)ep_tokenizer_vocab_size(tok)));
    ep_jv_set(profile, "config", config_json(cfg, ep_tokenizer_name(tok)));
    ep_jv *warnings = ep_jv_set(profile, "warnings", ep_jv_arr());
    ep_jv *shards = ep_jv_set(profile, "shards", ep_jv_arr());

    char **paths = NULL;
    size_t n_paths = 0;
    st = ep_walk_inputs((const char *const *)inputs, n_inputs, &paths, &n_paths, warnings, err);
    if (st != EP_OK) goto done;
    if (n_paths == 0) { st = ep_error_set(err, EP_ERR_NOTFOUND, "no input files found"); goto done; }

#ifdef _OPENMP
    c.nthreads = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
#else
    c.nthreads = 1;
#endif
    if (c.nthreads < 1) c.nthreads = 1;
    size_t nreg = 0;
    const ep_probe_vtable *const *reg = ep_probe_registry(&nreg);
    c.probes = calloc(nreg, sizeof *c.probes);
    c.scratch = calloc((size_t)c.nthreads, sizeof *c.scratch);
    c.tokbuf = calloc((size_t)c.nthreads, sizeof *c.tokbuf);
    c.tok_failed = calloc((size_t)c.nthreads, sizeof *c.tok_failed);
    if (!c.probes || !c.scratch || !c.tokbuf || !c.tok_failed) { st = ep_error_set(err, EP_ERR_NOMEM, "out of memory"); goto done; }
    for (int t = 0; t < c.nthreads; t++)
        if (!(c.scratch[t] = ep_tok_scratch_create(tok))) { st = ep_error_set(err, EP_ERR_NOMEM, "out of memory"); goto done; }

    /* The memory budget is split over probes by weight; each probe's share is split between its
     * shard state and its corpus state. It must not depend on the thread count, or a probe that
     * samples under its budget would give different numbers for different --threads: probes that
     * sample are ORDERED (one shard state), and unordered per-thread states keep exact state. */
    uint64_t mem = cfg->mem_bytes ? cfg->mem_bytes : default_mem();
    double wsum = 0;
    for (size_t i = 0; i < nreg; i++)
        if (reg[i]->enabled(cfg) && probe_selected(cfg, reg[i]->name)) wsum += reg[i]->mem_weight;
    for (size_t i = 0; i < nreg; i++) {
        if (!reg[i]->enabled(cfg) || !probe_selected(cfg, reg[i]->name)) continue;
        probe_use *u = &c.probes[c.n_probes++];
        u->vt = reg[i];
        uint64_t share = wsum > 0 ? (uint64_t)((double)mem * reg[i]->mem_weight / wsum) : 0;
        u->env_shard.cfg = u->env_corpus.cfg = cfg;
        u->env_shard.tok = u->env_corpus.tok = tok;
        u->env_shard.mem_bytes = u->env_corpus.mem_bytes = share / 2;
        u->env_corpus.is_corpus = 1;
        u->env_shard.nthreads = u->env_corpus.nthreads = c.nthreads;
        if (reg[i]->flags & EP_PROBE_NEEDS_TOKENS) c.need_tokens = 1;
        if ((reg[i]->flags & EP_PROBE_NEEDS_TOKENS) && (reg[i]->flags & EP_PROBE_ORDERED)) c.ordered_need_tokens = 1;
        u->corpus = reg[i]->create(&u->env_corpus);
        if (!u->corpus) { st = ep_error_set(err, EP_ERR_NOMEM, "out of memory"); goto done; }
    }
    ep_jv *probes_used = ep_jv_set(ep_jv_child(profile, "config"), "probes", ep_jv_arr());
    for (size_t p = 0; p < c.n_probes; p++) ep_jv_push(probes_used, ep_jv_str(c.probes[p].vt->name));

    c.shards_total = n_paths;
    for (size_t i = 0; i < n_paths; i++) {
        struct stat sb;
        if (strcmp(paths[i], "-") && stat(paths[i], &sb) == 0) c.bytes_total += (uint64_t)sb.st_size;
    }

    ep_reader_counters total;
    memset(&total, 0, sizeof total);
    size_t failed = 0, partial = 0;
    for (size_t i = 0; i < n_paths && st == EP_OK; i++) {
        ep_jv *shard = ep_jv_push(shards, ep_jv_obj());
        int f = 0;
        st = scan_shard(&c, paths[i], shard, &total, &f, err);
        failed += (size_t)f;
        const char *status = ep_jv_as_str(ep_jv_get(shard, "status"));
        partial += status && !strcmp(status, "partial");
        c.shards_done++;
    }
    if (st != EP_OK) goto done;
    report_progress(&c, NULL, 1);

    ep_jv *corpus = ep_jv_set(profile, "corpus", ep_jv_obj());
    ep_jv_set(corpus, "shards", ep_jv_int((int64_t)n_paths));
    ep_jv_set(corpus, "shards_failed", ep_jv_int((int64_t)failed));
    ep_jv_set(corpus, "shards_partial", ep_jv_int((int64_t)partial));
    for (size_t p = 0; p < c.n_probes && st == EP_OK; p++) {
        st = c.probes[p].vt->finish(c.probes[p].corpus, NULL, corpus, &c.probes[p].env_corpus);
        if (st != EP_OK) ep_error_set(err, st, "probe %s failed on the corpus: %s", c.probes[p].vt->name, ep_strerror(st));
    }
    reader_counters_json(corpus, &total, 0);
    read_flags(corpus, &total, failed > 0);
    ep_estimates_clamp(corpus);
    ep_profile_choose_headline(corpus);
    if (n_failed) *n_failed = failed;

done:
    for (size_t p = 0; c.probes && p < c.n_probes; p++)
        if (c.probes[p].corpus) c.probes[p].vt->free(c.probes[p].corpus);
    free(c.probes);
    ep_u64map_free(&c.seen);
    for (int t = 0; c.scratch && t < c.nthreads; t++) ep_tok_scratch_free(c.scratch[t]);
    for (int t = 0; c.tokbuf && t < c.nthreads; t++) ep_token_buf_free(&c.tokbuf[t]);
    free(c.scratch);
    free(c.tokbuf);
    free(c.tok_failed);
    ep_list_free(paths, n_paths);
    ep_tokenizer_free(tok);
    if (st != EP_OK) { ep_jv_free(profile); return st; }
    *profile_out = profile;
    return EP_OK;
}
