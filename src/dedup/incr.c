/* Incremental exact + near-duplicate index: documents arrive in batches (the shards of a scan)
 * and each batch is classified against everything committed before it (docs/dedup.md,
 * "Incremental index").
 *
 * Persistent state over the committed documents, gids 0..n:
 *   - exact table: open addressing on (hash_lo, hash_hi) -> first gid with those bytes;
 *   - band runs: per band, the (band hash, gid) of every eligible document (not an exact
 *     duplicate, at least one shingle), held as a few runs each sorted by (h, gid). Run r covers
 *     gids below those of run r+1 and holds more than twice as many keys (commit merges the
 *     newest runs until that holds), so there are at most log2(n) + 1 runs and every key is
 *     re-merged O(log n) times over the whole corpus (a binary counter / LSM tree).
 *
 * Query (same rule as ep_dedup_index_run with first_query = n over the n + m documents, see
 * index.c): a batch document is an exact duplicate when an earlier document (committed or of the
 * batch) has the same 128-bit hash; match = the first one. Otherwise, if eligible, in band b its
 * bucket is the eligible documents with its band hash in gid order: the committed ones (one
 * binary-searched range per run, oldest run first) followed by the batch's; with pos its place
 * in that bucket, it is verified against the bucket's first member and the members at
 * max(1, pos - bucket_cap) .. pos - 1. Verification (estimated Jaccard >= threshold) keeps the
 * highest agreement, ties to the smaller gid, an order-free rule: bands run in parallel, each
 * collecting its accepted pairs, applied afterwards in band order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "dedup/dedup_internal.h"

typedef struct {
    size_t n;      /* keys per band */
    uint64_t *h;   /* (bands, n) each band sorted by (h, gid) */
    uint32_t *gid; /* (bands, n) */
} incr_run;

typedef struct {
    uint64_t lo, hi;
    uint32_t gid;
    uint32_t used;
} exact_slot;

struct ep_dedup_incr_s {
    ep_dedup_config cfg;
    int k, min_agree;
    size_t n;            /* documents committed */
    size_t n_eligible;   /* keys per band over all runs */
    exact_slot *ex;      /* (ex_cap) first occurrences, load <= 1/2 */
    size_t ex_cap, ex_size;
    incr_run *runs;      /* (runs_cap) oldest first */
    size_t nruns, runs_cap;
};

ep_status ep_dedup_incr_create(ep_dedup_incr **out, const ep_dedup_config *cfg, ep_error *err)
{
    *out = NULL;
    ep_status st = ep_dedup_config_check(cfg, err);
    if (st != EP_OK) return st;
    ep_dedup_incr *ix = calloc(1, sizeof *ix);
    if (!ix) return ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory");
    ix->cfg = *cfg;
    ix->cfg.tmp_dir = NULL;
    ix->k = cfg->bands * cfg->rows;
    ix->min_agree = (int)ceil(cfg->threshold * ix->k - 1e-9); /* as index.c */
    *out = ix;
    return EP_OK;
}

void ep_dedup_incr_free(ep_dedup_incr *ix)
{
    if (!ix) return;
    for (size_t r = 0; r < ix->nruns; r++) {
        free(ix->runs[r].h);
        free(ix->runs[r].gid);
    }
    free(ix->runs);
    free(ix->ex);
    free(ix);
}

size_t ep_dedup_incr_count(const ep_dedup_incr *ix) { return ix->n; }
size_t ep_dedup_incr_eligible(const ep_dedup_incr *ix) { return ix->n_eligible; }

void ep_dedup_batch_free(ep_dedup_batch *b)
{
    free(b->kind);
    free(b->match);
    free(b->h);
    free(b->gid);
    memset(b, 0, sizeof *b);
}

/* ---- exact table ---------------------------------------------------------------------------- */

/* hash_lo is already a strong hash: its low bits pick the slot. */
static const exact_slot *ex_find(const exact_slot *t, size_t cap, uint64_t lo, uint64_t hi)
{
    if (!cap) return NULL;
    for (size_t j = (size_t)lo & (cap - 1);; j = (j + 1) & (cap - 1)) {
        if (!t[j].used) return NULL;
        if (t[j].lo == lo && t[j].hi == hi) return &t[j];
    }
}

static void ex_put(exact_slot *t, size_t cap, uint64_t lo, uint64_t hi, uint32_t gid)
{
    size_t j = (size_t)lo & (cap - 1);
    while (t[j].used) j = (j + 1) & (cap - 1);
    t[j] = (exact_slot){lo, hi, gid, 1};
}

static int ex_reserve(ep_dedup_incr *ix, size_t more)
{
    size_t need = ix->ex_size + more, cap = ix->ex_cap ? ix->ex_cap : 1024;
    while (cap < 2 * need) cap *= 2;
    if (cap == ix->ex_cap) return 1;
    exact_slot *t = calloc(cap, sizeof *t);
    if (!t) return 0;
    for (size_t i = 0; i < ix->ex_cap; i++)
        if (ix->ex[i].used) ex_put(t, cap, ix->ex[i].lo, ix->ex[i].hi, ix->ex[i].gid);
    free(ix->ex);
    ix->ex = t;
    ix->ex_cap = cap;
    return 1;
}

/* ---- query ------------------------------------------------------------------------------- */

typedef struct {
    uint32_t j;     /* batch-local index of the later document */
    uint32_t i;     /* gid of the earlier one */
    uint32_t agree; /* equal slots */
} accepted;

typedef struct {
    accepted *a;
    size_t n, cap;
    uint64_t candidates, verified;
    int failed;     /* 1 = out of memory, 2 = signature read error */
} band_out;

/* First index in h[0..n) with h[i] >= key (or > key when upper). */
static size_t bound(const uint64_t *h, size_t n, uint64_t key, int upper)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (upper ? h[mid] <= key : h[mid] < key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

typedef struct {
    const ep_dedup_incr *ix;
    ep_dedup_sig_fn sig;
    void *ctx;
    size_t base;
} query_ctx;

static void verify(const query_ctx *q, band_out *o, uint32_t i, uint32_t jg, uint32_t *bi, uint32_t *bj)
{
    const uint32_t *si = q->sig(q->ctx, i, bi), *sj = q->sig(q->ctx, jg, bj);
    if (!si || !sj) {
        o->failed = 2;
        return;
    }
    o->candidates++;
    int a = ep_sig_agree(si, sj, q->ix->k);
    if (a < q->ix->min_agree) return;
    o->verified++;
    if (o->n == o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 256;
        accepted *p = realloc(o->a, cap * sizeof *p);
        if (!p) {
            o->failed = 1;
            return;
        }
        o->a = p;
        o->cap = cap;
    }
    o->a[o->n++] = (accepted){jg - (uint32_t)q->base, i, (uint32_t)a};
}

/* Band b: sorts the batch's keys (h[0..ne), gid[0..ne) in gid order on entry, (h, gid) order on
 * return) and verifies each eligible batch document against its bucket. */
static void query_band(const query_ctx *q, int b, uint64_t *h, uint32_t *gid, size_t ne, ep_band_item *t,
                       ep_band_item *tmp, size_t *rlo, size_t *rcnt, uint32_t *bi, uint32_t *bj, band_out *o)
{
    const ep_dedup_incr *ix = q->ix;
    for (size_t e = 0; e < ne; e++) t[e] = (ep_band_item){h[e], gid[e], 0};
    ep_dedup_radix_sort_h(t, ne, tmp);
    for (size_t e = 0; e < ne; e++) {
        h[e] = t[e].h;
        gid[e] = t[e].gid;
    }
    size_t cap = (size_t)ix->cfg.bucket_cap, nr = ix->nruns;
    for (size_t s = 0; s < ne && !o->failed;) {
        size_t e = s + 1;
        while (e < ne && h[e] == h[s]) e++;
        /* Committed members of the bucket: one range per run, oldest (smallest gids) first. */
        size_t R = 0;
        uint32_t first = gid[s];
        for (size_t r = nr; r-- > 0;) {
            const incr_run *run = &ix->runs[r];
            const uint64_t *rh = run->h + (size_t)b * run->n;
            size_t lo = bound(rh, run->n, h[s], 0);
            size_t hi = lo < run->n && rh[lo] == h[s] ? bound(rh, run->n, h[s], 1) : lo;
            rlo[r] = lo;
            rcnt[r] = hi - lo;
            R += hi - lo;
            if (hi > lo) first = run->gid[(size_t)b * run->n + lo];
        }
        for (size_t l = 0; l < e - s && !o->failed; l++) {
            size_t pos = R + l;
            if (pos == 0) continue;
            uint32_t jg = gid[s + l];
            verify(q, o, first, jg, bi, bj);
            size_t lo = pos > cap ? pos - cap : 1;
            /* members lo..pos-1: committed ones through the runs (oldest first), then the batch's */
            size_t idx = lo, r = 0, skip = 0;
            while (idx < R && !o->failed) {
                while (idx - skip >= rcnt[r]) skip += rcnt[r++];
                const incr_run *run = &ix->runs[r];
                verify(q, o, run->gid[(size_t)b * run->n + rlo[r] + (idx - skip)], jg, bi, bj);
                idx++;
            }
            for (; idx < pos && !o->failed; idx++) verify(q, o, gid[s + (idx - R)], jg, bi, bj);
        }
        s = e;
    }
}

ep_status ep_dedup_incr_query(const ep_dedup_incr *ix, size_t m, const uint64_t *hlo, const uint64_t *hhi,
                              const uint8_t *empty, ep_dedup_sig_fn sig, void *ctx, int nthreads,
                              ep_dedup_batch *b, ep_error *err)
{
    memset(b, 0, sizeof *b);
    b->base = ix->n;
    b->n = m;
    ep_status st = ep_dedup_check_doc_count(&ix->cfg, ix->n + m, err);
    if (st != EP_OK) return st;
    int bands = ix->cfg.bands, k = ix->k;
    size_t m1 = m ? m : 1;
    uint16_t *agree = malloc(m1 * sizeof *agree);
    uint32_t *elig = malloc(m1 * sizeof *elig);
    size_t lcap = 16;
    while (lcap < 2 * m + 2) lcap *= 2;
    exact_slot *local = calloc(lcap, sizeof *local);
    b->kind = malloc(m1);
    b->match = malloc(m1 * sizeof *b->match);
    if (!agree || !elig || !local || !b->kind || !b->match) {
        st = ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory for %zu documents", m);
        goto done;
    }
    /* Exact stage: first occurrence among committed documents, then among the batch's. */
    size_t ne = 0;
    for (size_t t = 0; t < m; t++) {
        const exact_slot *f = ex_find(ix->ex, ix->ex_cap, hlo[t], hhi[t]);
        if (!f) f = ex_find(local, lcap, hlo[t], hhi[t]);
        agree[t] = (uint16_t)k;
        if (f) {
            b->kind[t] = EP_DUP_EXACT;
            b->match[t] = f->gid;
            continue;
        }
        ex_put(local, lcap, hlo[t], hhi[t], (uint32_t)(ix->n + t));
        b->kind[t] = EP_DUP_NONE;
        b->match[t] = (uint32_t)(ix->n + t);
        if (!empty[t]) elig[ne++] = (uint32_t)t;
    }
    free(local);
    local = NULL;
    b->n_eligible = ne;
    size_t ne1 = ne ? ne : 1;
    b->h = malloc((size_t)bands * ne1 * sizeof *b->h);
    b->gid = malloc((size_t)bands * ne1 * sizeof *b->gid);
    band_out *outs = calloc((size_t)bands, sizeof *outs);
    if (!b->h || !b->gid || !outs) {
        free(outs);
        st = ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory for %zu band keys", ne);
        goto done;
    }
    query_ctx q = {ix, sig, ctx, ix->n};
    int nt = nthreads > 0 ? nthreads : 1, read_failed = 0, oom = 0;
    /* Band hashes, document by document (one signature read each). */
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) reduction(| : read_failed, oom)
#endif
    {
        uint32_t *buf = malloc((size_t)k * sizeof *buf);
        if (!buf) oom = 1;
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
        for (size_t e = 0; e < ne; e++) {
            if (!buf) continue;
            uint32_t g = (uint32_t)(ix->n + elig[e]);
            const uint32_t *s = sig(ctx, g, buf);
            if (!s) {
                read_failed = 1;
                continue;
            }
            for (int bd = 0; bd < bands; bd++) {
                b->h[(size_t)bd * ne + e] = ep_dedup_band_hash(s, bd, ix->cfg.rows, ix->cfg.seed);
                b->gid[(size_t)bd * ne + e] = g;
            }
        }
        free(buf);
    }
    if (!read_failed && !oom) {
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) reduction(| : oom)
#endif
        {
            size_t nr = ix->nruns ? ix->nruns : 1;
            ep_band_item *t = malloc(ne1 * sizeof *t), *tmp = malloc(ne1 * sizeof *tmp);
            size_t *rlo = malloc(nr * sizeof *rlo), *rcnt = malloc(nr * sizeof *rcnt);
            uint32_t *bi = malloc((size_t)k * sizeof *bi), *bj = malloc((size_t)k * sizeof *bj);
            int ok = t && tmp && rlo && rcnt && bi && bj;
            if (!ok) oom = 1;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
            for (int bd = 0; bd < bands; bd++)
                if (ok)
                    query_band(&q, bd, b->h + (size_t)bd * ne, b->gid + (size_t)bd * ne, ne, t, tmp, rlo, rcnt, bi, bj,
                               &outs[bd]);
            free(t);
            free(tmp);
            free(rlo);
            free(rcnt);
            free(bi);
            free(bj);
        }
    }
    /* Accepted pairs in band order; the kept match does not depend on that order. */
    for (int bd = 0; bd < bands; bd++) {
        band_out *o = &outs[bd];
        if (o->failed == 1) oom = 1;
        if (o->failed == 2) read_failed = 1;
        b->candidate_pairs += o->candidates;
        b->verified_pairs += o->verified;
        for (size_t x = 0; x < o->n; x++) {
            const accepted *p = &o->a[x];
            if (b->kind[p->j] != EP_DUP_NEAR || p->agree > agree[p->j] ||
                (p->agree == agree[p->j] && p->i < b->match[p->j])) {
                b->kind[p->j] = EP_DUP_NEAR;
                b->match[p->j] = p->i;
                agree[p->j] = (uint16_t)p->agree;
            }
        }
        free(o->a);
    }
    free(outs);
    if (read_failed) st = ep_error_set(err, EP_ERR_IO, "dedup: cannot read spilled signature");
    else if (oom) st = ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory for a band table");
done:
    free(agree);
    free(elig);
    free(local);
    if (st != EP_OK) ep_dedup_batch_free(b);
    return st;
}

/* ---- commit -------------------------------------------------------------------------------- */

/* Merges run r+1 into run r (all of r's gids are smaller: on equal h, r's key goes first). */
static int merge_runs(ep_dedup_incr *ix, size_t r)
{
    incr_run *a = &ix->runs[r], *c = &ix->runs[r + 1];
    size_t n = a->n + c->n, bands = (size_t)ix->cfg.bands;
    uint64_t *h = malloc(bands * n * sizeof *h);
    uint32_t *g = malloc(bands * n * sizeof *g);
    if (!h || !g) {
        free(h);
        free(g);
        return 0;
    }
    for (size_t b = 0; b < bands; b++) {
        const uint64_t *ah = a->h + b * a->n, *ch = c->h + b * c->n;
        const uint32_t *ag = a->gid + b * a->n, *cg = c->gid + b * c->n;
        uint64_t *oh = h + b * n;
        uint32_t *og = g + b * n;
        size_t i = 0, j = 0, o = 0;
        while (i < a->n && j < c->n) {
            if (ch[j] < ah[i]) {
                oh[o] = ch[j];
                og[o++] = cg[j++];
            } else {
                oh[o] = ah[i];
                og[o++] = ag[i++];
            }
        }
        for (; i < a->n; i++, o++) {
            oh[o] = ah[i];
            og[o] = ag[i];
        }
        for (; j < c->n; j++, o++) {
            oh[o] = ch[j];
            og[o] = cg[j];
        }
    }
    free(a->h);
    free(a->gid);
    free(c->h);
    free(c->gid);
    a->h = h;
    a->gid = g;
    a->n = n;
    ix->nruns--;
    return 1;
}

ep_status ep_dedup_incr_commit(ep_dedup_incr *ix, const ep_dedup_batch *b, const uint64_t *hlo,
                               const uint64_t *hhi, ep_error *err)
{
    if (b->base != ix->n) return ep_error_set(err, EP_ERR_INTERNAL, "dedup: batch queried against another state");
    if (!ex_reserve(ix, b->n)) return ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory for the exact table");
    if (b->n_eligible && ix->nruns == ix->runs_cap) {
        size_t cap = ix->runs_cap ? 2 * ix->runs_cap : 8;
        incr_run *p = realloc(ix->runs, cap * sizeof *p);
        if (!p) return ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory");
        ix->runs = p;
        ix->runs_cap = cap;
    }
    incr_run run = {b->n_eligible, NULL, NULL};
    if (b->n_eligible) {
        size_t keys = (size_t)ix->cfg.bands * b->n_eligible;
        run.h = malloc(keys * sizeof *run.h);
        run.gid = malloc(keys * sizeof *run.gid);
        if (!run.h || !run.gid) {
            free(run.h);
            free(run.gid);
            return ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory for %zu band keys", keys);
        }
        memcpy(run.h, b->h, keys * sizeof *run.h);
        memcpy(run.gid, b->gid, keys * sizeof *run.gid);
    }
    for (size_t t = 0; t < b->n; t++) {
        if (b->kind[t] == EP_DUP_EXACT) continue; /* its bytes are in the table already */
        ex_put(ix->ex, ix->ex_cap, hlo[t], hhi[t], (uint32_t)(b->base + t));
        ix->ex_size++;
    }
    if (b->n_eligible) {
        ix->runs[ix->nruns++] = run;
        /* Merging only bounds the number of runs: without memory for it, the runs stay apart. */
        while (ix->nruns >= 2 && ix->runs[ix->nruns - 2].n <= 2 * ix->runs[ix->nruns - 1].n)
            if (!merge_runs(ix, ix->nruns - 2)) break;
    }
    ix->n += b->n;
    ix->n_eligible += b->n_eligible;
    return EP_OK;
}
