/* Incremental exact + near-duplicate index: documents arrive in batches (the shards of a scan)
 * and each batch is classified against everything committed before it (docs/dedup.md,
 * "Incremental index").
 *
 * Persistent state over the committed documents, gids 0..n:
 *   - exact table: open addressing on (hash_lo, hash_hi) -> first gid with those bytes;
 *   - band runs: per band, (band hash, gid) keys held as a few runs each sorted by (h, gid).
 *     Run r covers gids below those of run r+1 and holds more than twice as many keys (commit
 *     merges the newest runs until that holds), so there are at most log2(n) + 1 runs and every
 *     key is re-merged O(log n) times over the whole corpus (a binary counter / LSM tree).
 *     Two run lists: "all" has every eligible document (not an exact duplicate, at least one
 *     shingle) in every band; "active" has, in band b, those not marked near in a band before b
 *     by the whole-corpus rule.
 *
 * ep_dedup_index_run (index.c) processes bands in order and a query marked near in band b leaves
 * the tables of the later bands; references (gid < first_query) are never marked. Query here
 * follows it exactly. A batch document is an exact duplicate when an earlier document (committed
 * or of the batch) has the same 128-bit hash; match = the first one. Otherwise, if eligible, in
 * band b (in order) while not yet near, its bucket is the table members with its band hash in
 * gid order: the committed ones ("all" for the shard rule, first_query = n; "active" for the
 * corpus rule, first_query = 0; one binary-searched range per run, oldest run first) followed by
 * the batch's documents not near before b; with pos its place in that bucket, it is verified
 * against the bucket's first member and the members at max(1, pos - bucket_cap) .. pos - 1.
 * Verification (estimated Jaccard >= threshold) keeps the highest agreement, ties to the smaller
 * gid. Band hashes and the per-band sorts run in parallel for batches of at least 65,536 eligible
 * documents (ep_dedup_incr_query); the bucket walk is sequential. */
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "dedup/dedup_internal.h"

typedef struct {
    size_t *off;   /* (bands + 1): band b's keys are [off[b], off[b + 1]) */
    uint64_t *h;   /* (off[bands]) sorted by (h, gid) within each band */
    uint32_t *gid; /* (off[bands]) */
} incr_run;

typedef struct {
    incr_run *r;   /* (cap) oldest first */
    size_t n, cap;
} run_list;

typedef struct {
    uint64_t lo, hi;
    uint32_t gid;
    uint32_t used;
} exact_slot;

struct ep_dedup_incr_s {
    ep_dedup_config cfg;
    int k, min_agree;
    size_t n;            /* documents committed */
    size_t n_eligible;   /* of which eligible */
    exact_slot *ex;      /* (ex_cap) first occurrences, load <= 1/2 */
    size_t ex_cap, ex_size;
    run_list all, act;
    uint64_t *filt;      /* (bands, 2^filt_log2) blocked Bloom filters of the committed band keys,
                            16..32 bits per key; NULL = none (every lookup searches the runs) */
    int filt_log2;
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
    ix->min_agree = ep_dedup_min_agree(cfg);
    *out = ix;
    return EP_OK;
}

static void run_free(incr_run *r)
{
    free(r->off);
    free(r->h);
    free(r->gid);
}

static void runs_free(run_list *l)
{
    for (size_t r = 0; r < l->n; r++) run_free(&l->r[r]);
    free(l->r);
}

void ep_dedup_incr_free(ep_dedup_incr *ix)
{
    if (!ix) return;
    runs_free(&ix->all);
    runs_free(&ix->act);
    free(ix->ex);
    free(ix->filt);
    free(ix);
}

size_t ep_dedup_incr_count(const ep_dedup_incr *ix) { return ix->n; }
size_t ep_dedup_incr_eligible(const ep_dedup_incr *ix) { return ix->n_eligible; }

void ep_dedup_batch_free(ep_dedup_batch *b)
{
    for (int r = 0; r < 2; r++) {
        free(b->rule[r].kind);
        free(b->rule[r].match);
        free(b->rule[r].near_band);
    }
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

/* ---- key filter ------------------------------------------------------------------------------
 * Most of a batch's band hashes occur in no committed run (unique documents): a blocked Bloom
 * filter per band (two bits in one 64-bit word per key, Putze, Sanders & Singler 2007) answers
 * those without a search per run. The band hash is already a hash: its top bits pick the word,
 * so a band's sorted keys touch the filter in ascending address order (queries, additions and
 * rebuilds all stream), and its low 12 bits pick the two bits. A false positive only costs the
 * searches. */

static uint64_t filt_bits(uint64_t h) { return (1ull << (h & 63)) | (1ull << ((h >> 6) & 63)); }

static size_t filt_word(const ep_dedup_incr *ix, uint64_t h, int band)
{
    return ((size_t)band << ix->filt_log2) | (size_t)(h >> (64 - ix->filt_log2));
}

static int filt_maybe(const ep_dedup_incr *ix, uint64_t h, int band)
{
    if (!ix->filt) return 1;
    uint64_t m = filt_bits(h);
    return (ix->filt[filt_word(ix, h, band)] & m) == m;
}

static void filt_add(ep_dedup_incr *ix, uint64_t h, int band) { ix->filt[filt_word(ix, h, band)] |= filt_bits(h); }

/* Makes room for `keys` keys per band: rebuilt from the "all" runs at 32 bits per key when it
 * falls below 16. Without memory the filter is dropped (lookups then always search).
 * @return 1 when it was rebuilt (or dropped): it then already holds every key of the runs. */
static int filt_reserve(ep_dedup_incr *ix, size_t keys)
{
    if (ix->filt && ((size_t)64 << ix->filt_log2) >= 16 * keys) return 0;
    int lg = 6;
    while (((size_t)64 << lg) < 32 * keys) lg++;
    free(ix->filt);
    ix->filt = calloc((size_t)ix->cfg.bands << lg, sizeof *ix->filt);
    if (!ix->filt) return 1;
    ix->filt_log2 = lg;
    for (size_t r = 0; r < ix->all.n; r++) {
        const incr_run *run = &ix->all.r[r];
        for (int bd = 0; bd < ix->cfg.bands; bd++)
            for (size_t x = run->off[bd]; x < run->off[bd + 1]; x++) filt_add(ix, run->h[x], bd);
    }
    return 1;
}

/* ---- query ------------------------------------------------------------------------------- */

/* First index i >= from in h[0..n) with h[i] >= key (or > key when upper), given that every
 * h[i] with i < from is below key: galloping (exponential then binary) search from `from`, so a
 * sorted sequence of keys walks a run in O(m log(n / m)) steps, mostly in cache. */
static size_t gallop(const uint64_t *h, size_t n, size_t from, uint64_t key, int upper)
{
    size_t lo = from, step = 1, hi = from;
    while (hi < n && (upper ? h[hi] <= key : h[hi] < key)) {
        lo = hi + 1;
        hi = from + step;
        step *= 2;
    }
    if (hi > n) hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (upper ? h[mid] <= key : h[mid] < key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

typedef struct {
    const ep_dedup_incr *ix;
    const run_list *runs;
    ep_dedup_sig_fn sig;
    void *ctx;
    size_t base;
    ep_dedup_verdicts *v;
    uint16_t *agree;  /* (m) */
} query_ctx;

/* Buffers and counters of the bucket walk. */
typedef struct {
    uint32_t *bi, *bj;  /* (k) */
    size_t *rlo, *rcnt; /* (runs) */
    size_t *cur;        /* (runs) search start in each run's band (buckets come in ascending hash) */
    uint32_t *act;      /* (n_eligible) batch members of the current bucket still in the tables */
    uint64_t candidates, verified;
    int read_failed;
} worker;

/* As verify() in index.c: j (a batch gid) against the earlier i. */
static void verify(const query_ctx *q, worker *w, uint32_t i, uint32_t jg, int band)
{
    const uint32_t *si = q->sig(q->ctx, i, w->bi), *sj = q->sig(q->ctx, jg, w->bj);
    if (!si || !sj) {
        w->read_failed = 1;
        return;
    }
    w->candidates++;
    int a = ep_sig_agree(si, sj, q->ix->k);
    if (a < q->ix->min_agree) return;
    w->verified++;
    size_t j = jg - q->base;
    ep_dedup_verdicts *b = q->v;
    if (ep_dedup_better_match(b->kind[j] == EP_DUP_NEAR, a, q->agree[j], i, b->match[j])) {
        if (b->kind[j] != EP_DUP_NEAR) b->near_band[j] = (uint16_t)band;
        b->kind[j] = EP_DUP_NEAR;
        b->match[j] = i;
        q->agree[j] = (uint16_t)a;
    }
}

/* The bucket of band `band` whose batch keys are h[s..e) (sorted, equal h): verifies each batch
 * member still in the tables against its predecessors. */
static void query_bucket(const query_ctx *q, worker *w, int band, const uint64_t *h, const uint32_t *gid, size_t s,
                         size_t e)
{
    const ep_dedup_verdicts *b = q->v;
    size_t na = 0;
    for (size_t x = s; x < e; x++)
        if (b->near_band[gid[x] - q->base] >= band) w->act[na++] = gid[x];
    if (!na) return;
    const run_list *L = q->runs;
    size_t R = 0, cap = (size_t)q->ix->cfg.bucket_cap;
    uint32_t first = w->act[0];
    for (size_t r = filt_maybe(q->ix, h[s], band) ? L->n : 0; r-- > 0;) {
        const incr_run *run = &L->r[r];
        const uint64_t *rh = run->h + run->off[band];
        size_t nk = run->off[band + 1] - run->off[band];
        size_t lo = gallop(rh, nk, w->cur[r], h[s], 0);
        size_t hi = lo < nk && rh[lo] == h[s] ? gallop(rh, nk, lo, h[s], 1) : lo;
        w->cur[r] = hi;
        w->rlo[r] = run->off[band] + lo;
        w->rcnt[r] = hi - lo;
        R += hi - lo;
        if (hi > lo) first = run->gid[run->off[band] + lo];
    }
    for (size_t l = 0; l < na && !w->read_failed; l++) {
        size_t pos = R + l;
        if (pos == 0) continue;
        uint32_t jg = w->act[l];
        verify(q, w, first, jg, band);
        /* members lo..pos-1: committed ones through the runs (oldest first), then the batch's */
        size_t idx = pos > cap ? pos - cap : 1, r = 0, skip = 0;
        for (; idx < R && !w->read_failed; idx++) {
            while (idx - skip >= w->rcnt[r]) skip += w->rcnt[r++];
            verify(q, w, L->r[r].gid[w->rlo[r] + (idx - skip)], jg, band);
        }
        for (; idx < pos && !w->read_failed; idx++) verify(q, w, w->act[idx - R], jg, band);
    }
}

/* The bucket walk of one rule over the sorted batch keys; v holds the exact stage's verdicts. */
static int walk(const ep_dedup_incr *ix, const ep_dedup_batch *b, const run_list *runs, ep_dedup_verdicts *v,
                ep_dedup_sig_fn sig, void *ctx)
{
    int k = ix->k, bands = ix->cfg.bands;
    size_t ne = b->n_eligible, nr = runs->n ? runs->n : 1, m = b->n;
    uint16_t *agree = malloc((m ? m : 1) * sizeof *agree);
    query_ctx q = {ix, runs, sig, ctx, b->base, v, agree};
    worker w = {malloc((size_t)k * sizeof(uint32_t)), malloc((size_t)k * sizeof(uint32_t)), malloc(nr * sizeof(size_t)),
                malloc(nr * sizeof(size_t)), malloc(nr * sizeof(size_t)), malloc((ne ? ne : 1) * sizeof(uint32_t)), 0, 0, 0};
    int rc = 0;
    if (!agree || !w.bi || !w.bj || !w.rlo || !w.rcnt || !w.cur || !w.act) rc = 1;
    for (size_t t = 0; agree && t < m; t++) agree[t] = (uint16_t)k;
    /* Bands in order, buckets in ascending hash order, on this thread: the lookups walk each run
     * forward and there are few verifications, too little work per band to pay for a parallel
     * region (whose idle threads spin). */
    for (int bd = 0; bd < bands && !rc && !w.read_failed; bd++) {
        const uint64_t *h = b->h + (size_t)bd * ne;
        const uint32_t *gid = b->gid + (size_t)bd * ne;
        memset(w.cur, 0, nr * sizeof *w.cur);
        for (size_t s0 = 0; s0 < ne && !w.read_failed;) {
            size_t e = s0 + 1;
            while (e < ne && h[e] == h[s0]) e++;
            query_bucket(&q, &w, bd, h, gid, s0, e);
            s0 = e;
        }
    }
    v->candidate_pairs = w.candidates;
    v->verified_pairs = w.verified;
    if (!rc && w.read_failed) rc = 2;
    free(agree);
    free(w.bi);
    free(w.bj);
    free(w.rlo);
    free(w.rcnt);
    free(w.cur);
    free(w.act);
    return rc;
}

static int verdicts_alloc(ep_dedup_verdicts *v, size_t m1)
{
    v->kind = malloc(m1);
    v->match = malloc(m1 * sizeof *v->match);
    v->near_band = malloc(m1 * sizeof *v->near_band);
    return v->kind && v->match && v->near_band;
}

static void verdicts_copy(ep_dedup_verdicts *to, const ep_dedup_verdicts *from, size_t m)
{
    memcpy(to->kind, from->kind, m);
    memcpy(to->match, from->match, m * sizeof *to->match);
    memcpy(to->near_band, from->near_band, m * sizeof *to->near_band);
    to->candidate_pairs = from->candidate_pairs;
    to->verified_pairs = from->verified_pairs;
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
    uint32_t *elig = malloc(m1 * sizeof *elig);
    size_t lcap = 16;
    while (lcap < 2 * m + 2) lcap *= 2;
    exact_slot *local = calloc(lcap, sizeof *local);
    ep_dedup_verdicts *v = &b->rule[EP_INCR_SHARD];
    if (!elig || !local || !verdicts_alloc(&b->rule[0], m1) || !verdicts_alloc(&b->rule[1], m1)) {
        st = ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory for %zu documents", m);
        goto done;
    }
    /* Exact stage (both rules): first occurrence among committed documents, then the batch's. */
    size_t ne = 0;
    for (size_t t = 0; t < m; t++) {
        const exact_slot *f = ex_find(ix->ex, ix->ex_cap, hlo[t], hhi[t]);
        if (!f) f = ex_find(local, lcap, hlo[t], hhi[t]);
        v->near_band[t] = 0xFFFF;
        if (f) {
            v->kind[t] = EP_DUP_EXACT;
            v->match[t] = f->gid;
            continue;
        }
        ex_put(local, lcap, hlo[t], hhi[t], (uint32_t)(ix->n + t));
        v->kind[t] = EP_DUP_NONE;
        v->match[t] = (uint32_t)(ix->n + t);
        if (!empty[t]) elig[ne++] = (uint32_t)t;
    }
    verdicts_copy(&b->rule[EP_INCR_CORPUS], v, m);
    free(local);
    local = NULL;
    b->n_eligible = ne;
    size_t ne1 = ne ? ne : 1;
    b->h = malloc((size_t)bands * ne1 * sizeof *b->h);
    b->gid = malloc((size_t)bands * ne1 * sizeof *b->gid);
    if (!b->h || !b->gid) {
        st = ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory for %zu band keys", ne);
        goto done;
    }
    /* Threads only for big batches: after a parallel region libgomp's idle threads spin-wait
     * for a while, which on a busy machine takes the core from the sequential bucket walk. */
    int nt = nthreads > 1 && ne >= 65536 ? nthreads : 1, read_failed = 0, oom = 0;
    /* Band hashes, document by document (one signature read each), then each band sorted by
     * (h, gid): the keys enter in gid order and the radix sort is stable. */
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1) reduction(| : read_failed, oom)
#endif
    {
        uint32_t *buf = malloc((size_t)k * sizeof *buf);
        ep_band_item *t = malloc(ne1 * sizeof *t), *tmp = malloc(ne1 * sizeof *tmp);
        int ok = buf && t && tmp;
        if (!ok) oom = 1;
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
        for (size_t e = 0; e < ne; e++) {
            if (!ok) continue;
            uint32_t g = (uint32_t)(ix->n + elig[e]);
            const uint32_t *sg = sig(ctx, g, buf);
            if (!sg) {
                read_failed = 1;
                continue;
            }
            for (int bd = 0; bd < bands; bd++) {
                b->h[(size_t)bd * ne + e] = ep_dedup_band_hash(sg, bd, ix->cfg.rows, ix->cfg.seed);
                b->gid[(size_t)bd * ne + e] = g;
            }
        }
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (int bd = 0; bd < bands; bd++) {
            if (!ok) continue;
            uint64_t *h = b->h + (size_t)bd * ne;
            uint32_t *gid = b->gid + (size_t)bd * ne;
            for (size_t e = 0; e < ne; e++) t[e] = (ep_band_item){h[e], gid[e], 0};
            ep_dedup_radix_sort_h(t, ne, tmp);
            for (size_t e = 0; e < ne; e++) {
                h[e] = t[e].h;
                gid[e] = t[e].gid;
            }
        }
        free(buf);
        free(t);
        free(tmp);
    }
    if (!read_failed && !oom) {
        /* With nothing committed the two rules coincide. */
        int rc = walk(ix, b, &ix->all, &b->rule[EP_INCR_SHARD], sig, ctx);
        if (!rc && ix->n == 0) verdicts_copy(&b->rule[EP_INCR_CORPUS], &b->rule[EP_INCR_SHARD], m);
        else if (!rc) rc = walk(ix, b, &ix->act, &b->rule[EP_INCR_CORPUS], sig, ctx);
        oom |= rc == 1;
        read_failed |= rc == 2;
    }
    if (read_failed) st = ep_error_set(err, EP_ERR_IO, "dedup: cannot read spilled signature");
    else if (oom) st = ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory for a band table");
done:
    free(elig);
    free(local);
    if (st != EP_OK) ep_dedup_batch_free(b);
    return st;
}

/* ---- commit -------------------------------------------------------------------------------- */

static size_t run_keys(const incr_run *r, int bands) { return r->off[bands]; }

/* Merges run r+1 into run r of l (all of r's gids are smaller: on equal h, r's key goes first). */
static int merge_runs(run_list *l, size_t r, int bands)
{
    incr_run *a = &l->r[r], *c = &l->r[r + 1];
    size_t n = run_keys(a, bands) + run_keys(c, bands);
    incr_run o = {malloc(((size_t)bands + 1) * sizeof(size_t)), malloc((n ? n : 1) * sizeof(uint64_t)),
                  malloc((n ? n : 1) * sizeof(uint32_t))};
    if (!o.off || !o.h || !o.gid) {
        run_free(&o);
        return 0;
    }
    size_t x = 0;
    for (int b = 0; b < bands; b++) {
        o.off[b] = x;
        size_t i = a->off[b], ie = a->off[b + 1], j = c->off[b], je = c->off[b + 1];
        while (i < ie && j < je) {
            if (c->h[j] < a->h[i]) {
                o.h[x] = c->h[j];
                o.gid[x++] = c->gid[j++];
            } else {
                o.h[x] = a->h[i];
                o.gid[x++] = a->gid[i++];
            }
        }
        for (; i < ie; i++, x++) {
            o.h[x] = a->h[i];
            o.gid[x] = a->gid[i];
        }
        for (; j < je; j++, x++) {
            o.h[x] = c->h[j];
            o.gid[x] = c->gid[j];
        }
    }
    o.off[bands] = x;
    run_free(a);
    run_free(c);
    *a = o;
    l->n--;
    return 1;
}

/* Appends the batch's keys of each band (only those still in the band's table under the corpus
 * rule when active_only) as the newest run, then merges runs to keep their sizes halving. */
static int push_run(run_list *l, const ep_dedup_batch *b, int bands, int active_only)
{
    size_t ne = b->n_eligible, n = 0;
    for (int bd = 0; bd < bands; bd++)
        for (size_t e = 0; e < ne; e++)
            n += !active_only || b->rule[EP_INCR_CORPUS].near_band[b->gid[(size_t)bd * ne + e] - b->base] >= bd;
    if (!n) return 1;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        incr_run *p = realloc(l->r, cap * sizeof *p);
        if (!p) return 0;
        l->r = p;
        l->cap = cap;
    }
    incr_run o = {malloc(((size_t)bands + 1) * sizeof(size_t)), malloc(n * sizeof(uint64_t)), malloc(n * sizeof(uint32_t))};
    if (!o.off || !o.h || !o.gid) {
        run_free(&o);
        return 0;
    }
    size_t x = 0;
    for (int bd = 0; bd < bands; bd++) {
        o.off[bd] = x;
        for (size_t e = 0; e < ne; e++) {
            uint32_t g = b->gid[(size_t)bd * ne + e];
            if (active_only && b->rule[EP_INCR_CORPUS].near_band[g - b->base] < bd) continue;
            o.h[x] = b->h[(size_t)bd * ne + e];
            o.gid[x++] = g;
        }
    }
    o.off[bands] = x;
    l->r[l->n++] = o;
    /* Merging only bounds the number of runs: without memory for it, the runs stay apart. */
    while (l->n >= 2 && run_keys(&l->r[l->n - 2], bands) <= 2 * run_keys(&l->r[l->n - 1], bands))
        if (!merge_runs(l, l->n - 2, bands)) break;
    return 1;
}

ep_status ep_dedup_incr_commit(ep_dedup_incr *ix, const ep_dedup_batch *b, const uint64_t *hlo,
                               const uint64_t *hhi, ep_error *err)
{
    if (b->base != ix->n) return ep_error_set(err, EP_ERR_INTERNAL, "dedup: batch queried against another state");
    if (!ex_reserve(ix, b->n)) return ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory for the exact table");
    /* On failure ix is inconsistent: the caller stops using it (the probe marks its state failed). */
    if (!push_run(&ix->all, b, ix->cfg.bands, 0) || !push_run(&ix->act, b, ix->cfg.bands, 1))
        return ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory for %zu band keys", b->n_eligible);
    /* The filter covers the "all" keys (a superset of the "active" ones). */
    size_t keys = ix->n_eligible + b->n_eligible;
    if (!filt_reserve(ix, keys)) /* a rebuild read the runs, the batch's keys included */
        for (int bd = 0; bd < ix->cfg.bands; bd++)
            for (size_t e = 0; e < b->n_eligible; e++) filt_add(ix, b->h[(size_t)bd * b->n_eligible + e], bd);
    for (size_t t = 0; t < b->n; t++) {
        if (b->rule[EP_INCR_CORPUS].kind[t] == EP_DUP_EXACT) continue; /* its bytes are in the table already */
        ex_put(ix->ex, ix->ex_cap, hlo[t], hhi[t], (uint32_t)(b->base + t));
        ix->ex_size++;
    }
    ix->n += b->n;
    ix->n_eligible += b->n_eligible;
    return EP_OK;
}
