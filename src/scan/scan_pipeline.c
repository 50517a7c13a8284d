/* The pipeline of one shard: three batches of documents in flight in an OpenMP ring. While one
 * thread reads batch k+1 from the reader (in canonical order: it also marks exact duplicates for
 * --dedup-estimators), the other threads tokenize batch k in chunks and run the unordered probes on
 * their own per-thread states, and each ordered probe (compression, n-gram ladder, held-out MKN)
 * observes batch k-1 in document order in its own lane, one lane per probe, any thread. Results do
 * not depend on the thread count: chunks go to whichever thread is free, but unordered probes merge
 * exactly, and each ordered probe sees every document in order. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "scan/scan_internal.h"

double ep_scan_now_s(void)
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
    if (b->arena && b->used + bytes <= b->arena_cap) return 0; /* on success the arena exists */
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

void ep_scan_progress(scan_ctx *c, ep_reader *r, int final)
{
    if (!c->cfg->progress) return;
    double t = ep_scan_now_s();
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

/* Observes one document with one state; the first failure marks the state failed (not observed
 * again). */
static void observe_one(const ep_probe_vtable *vt, void *st, ep_error *e, const ep_doc *d, const ep_token *ids,
                        size_t n)
{
    if (!st || e->status != EP_OK || skips(vt, d)) return;
    ep_status r = vt->observe(st, d, ids, n, e);
    if (r != EP_OK) ep_scan_outcome(e, r, vt->name);
}

/* Tokenizes chunk k of b and runs the unordered probes on this thread's states. */
static void process_chunk(scan_ctx *c, scan_states *s, batch *b, size_t k)
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
        size_t P = s->n_probes;
        for (size_t p = 0; p < P; p++)
            if (!(c->probes[p].vt->flags & EP_PROBE_ORDERED))
                observe_one(c->probes[p].vt, s->worker[(size_t)t * P + p], &s->worker_err[(size_t)t * P + p], d,
                            tb->ids + off, tb->len - off);
    }
}

/* One ordered probe over a whole batch, in document order, with the ids kept by process_chunk. */
static void process_ordered(scan_ctx *c, scan_states *s, size_t p, const batch *b)
{
    int with_ids = c->ordered_need_tokens && (c->probes[p].vt->flags & EP_PROBE_NEEDS_TOKENS);
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++) {
        while (with_ids && i >= chunk_lo(b, k + 1)) k++;
        const ep_token *ids = with_ids ? b->ctok[k].ids + b->tok_off[i] : NULL;
        observe_one(c->probes[p].vt, s->shard[p], &s->probe_err[p], &b->docs[i], ids, with_ids ? b->tok_len[i] : 0);
    }
}

ep_status ep_scan_pipeline_run(scan_ctx *c, ep_reader *r, scan_states *s, scan_read *rd, const char *path,
                               ep_error *err)
{
    int T = c->nthreads;
    size_t P = c->n_probes;
    ep_error_clear(&rd->rerr);
    rd->read_failed = 0;
    size_t *lanes = calloc(P ? P : 1, sizeof *lanes), n_lanes = 0; /* ordered probes: one lane each */
    int oom = !lanes;
    for (size_t p = 0; !oom && p < P; p++)
        if (c->probes[p].vt->flags & EP_PROBE_ORDERED) lanes[n_lanes++] = p;
    /* Three batches in flight: read k+1 | tokenize + unordered probes on k | ordered lanes on k-1. */
    batch *bufs = calloc(3, sizeof *bufs);
    if (!bufs) oom = 1;
    int cur = 0, have_cur = 0, have_prev = 0, reading = 1;
    if (!oom) {
        int got = read_batch(r, &bufs[cur], c->cfg->batch_bytes, c->cfg->dedup_estimators ? &c->seen : NULL, &oom,
                             &rd->rerr);
        if (got < 0) { rd->read_failed = !oom; got = bufs[cur].n > 0; reading = 0; }
        have_cur = got > 0;
        if (got == 0) reading = 0;
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
                    next_rd = read_batch(r, nb, c->cfg->batch_bytes, c->cfg->dedup_estimators ? &c->seen : NULL, &next_oom, &rd->rerr);
                    if (next_rd < 0) { next_failed = !next_oom; next_rd = nb->n > 0; }
                }
                ep_scan_progress(c, r, 0);
            }
#pragma omp for schedule(dynamic, 1) nowait
            for (size_t k = 0; k < lanes_now; k++) process_ordered(c, s, lanes[k], pb);
#pragma omp for schedule(dynamic, 1) nowait
            for (size_t k = 0; k < chunks; k++) process_chunk(c, s, b, k);
        }
        oom |= next_oom;
        have_prev = have_cur;
        if (do_read) {
            if (next_failed) { rd->read_failed = 1; reading = 0; }
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
    ep_status st = EP_OK;
    for (int t = 0; t < T; t++)
        if (c->tok_failed[t]) { st = ep_error_set(err, EP_ERR_INTERNAL, "tokenizer failed on %s", path); c->tok_failed[t] = 0; }
    if (oom && st == EP_OK) st = ep_error_set(err, EP_ERR_NOMEM, "out of memory while scanning %s", path);
    return st;
}
