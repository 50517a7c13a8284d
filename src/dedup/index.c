/* Exact and near-duplicate index (docs/dedup.md).
 *
 * Input:  documents in canonical order, each a k-slot MinHash signature plus XXH3-128 of its bytes.
 * Stages of ep_dedup_index_run:
 *   1. exact groups: gids sorted by (hash_lo, hash_hi, gid); all but the first of a group are
 *      exact duplicates and leave the LSH stage (their first occurrence stands for them);
 *   2. LSH: for each band b and hash partition p, a table of (band hash, gid) for the documents
 *      whose band hash falls in p, sorted; in a bucket (equal hashes) each query document is
 *      verified against the bucket's first member and its bucket_cap nearest earlier members;
 *   3. verification: agree(sig_i, sig_j) / k >= threshold (the MinHash estimate of Jaccard);
 *      an accepted pair marks the later document a near duplicate, remembers its best match,
 *      and joins the two in a union-find whose root is always the smaller gid (so the partition
 *      and the roots do not depend on the order of unions).
 * Every step is a function of the sorted tables: the result does not depend on the budget
 * (which only changes the number of partitions) nor on threads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "base/xxh.h"
#include "dedup/dedup_internal.h"

#define EP_DEDUP_PER_DOC_BYTES (8 + 8 + 4 + 4 + 2 + 1 + 1)

struct ep_dedup_index_s {
    ep_dedup_config cfg;
    int k;
    int min_agree;       /* ceil(threshold * k) */
    ep_sigstore sigs;
    size_t n, cap;
    uint64_t *hlo, *hhi; /* (cap) XXH3-128 of document bytes */
    uint32_t *parent;    /* (cap) union-find, root = smallest gid of the set */
    uint32_t *match;     /* (cap) exact: first occurrence; near: best verified earlier document */
    uint16_t *agree;     /* (cap) equal slots with match */
    uint8_t *kind;       /* (cap) ep_dup_kind */
    uint8_t *empty;      /* (cap) 1 = no shingle */
    ep_dedup_stats stats;
};

static uint64_t budget_of(const ep_dedup_config *cfg) { return cfg->mem_bytes ? cfg->mem_bytes : (1ull << 30); }

/* Half of the budget may hold signatures in memory; the rest is for per-document state and band
 * tables. */
static uint64_t sig_cap_mem(const ep_dedup_config *cfg)
{
    return budget_of(cfg) / 2 / ((uint64_t)cfg->bands * (uint64_t)cfg->rows * 4);
}

int ep_dedup_min_agree(const ep_dedup_config *cfg)
{
    return (int)ceil(cfg->threshold * (cfg->bands * cfg->rows) - 1e-9);
}

ep_status ep_dedup_index_create(ep_dedup_index **out, const ep_dedup_config *cfg, ep_error *err)
{
    *out = NULL;
    ep_status st = ep_dedup_config_check(cfg, err);
    if (st != EP_OK) return st;
    ep_dedup_index *ix = calloc(1, sizeof *ix);
    if (!ix) return ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory");
    ix->cfg = *cfg;
    ix->cfg.tmp_dir = NULL; /* copied into the store; the caller's string need not outlive us */
    ix->k = cfg->bands * cfg->rows;
    ix->min_agree = ep_dedup_min_agree(cfg);
    ep_sigstore_init(&ix->sigs, ix->k, (size_t)sig_cap_mem(cfg), cfg->tmp_dir);
    *out = ix;
    return EP_OK;
}

void ep_dedup_index_free(ep_dedup_index *ix)
{
    if (!ix) return;
    ep_sigstore_free(&ix->sigs);
    free(ix->hlo);
    free(ix->hhi);
    free(ix->parent);
    free(ix->match);
    free(ix->agree);
    free(ix->kind);
    free(ix->empty);
    free(ix);
}

/* Reallocates the array *p to cap elements (ep_realloc_array); 0 with *p untouched on failure. */
#define GROW(p, cap) (((tmp = ep_realloc_array((p), (cap), sizeof *(p))) != NULL) ? ((p) = tmp, 1) : 0)

ep_status ep_dedup_index_add(ep_dedup_index *ix, const uint32_t *sig, size_t n_shingles, uint64_t hash_lo,
                             uint64_t hash_hi, uint32_t *gid_out, ep_error *err)
{
    ep_status lim = ep_dedup_check_doc_count(&ix->cfg, ix->n + 1, err);
    if (lim != EP_OK) return lim;
    if (ix->n == ix->cap) {
        size_t cap = ix->cap ? 2 * ix->cap : 1024;
        void *tmp;
        if (!GROW(ix->hlo, cap) || !GROW(ix->hhi, cap) || !GROW(ix->parent, cap) || !GROW(ix->match, cap) ||
            !GROW(ix->agree, cap) || !GROW(ix->kind, cap) || !GROW(ix->empty, cap))
            return ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory for %zu documents", cap);
        ix->cap = cap;
    }
    ep_status st = ep_sigstore_append(&ix->sigs, sig, err);
    if (st != EP_OK) return st;
    size_t g = ix->n++;
    ix->hlo[g] = hash_lo;
    ix->hhi[g] = hash_hi;
    ix->parent[g] = (uint32_t)g;
    ix->match[g] = (uint32_t)g;
    ix->agree[g] = (uint16_t)ix->k;
    ix->kind[g] = EP_DUP_NONE;
    ix->empty[g] = n_shingles == 0;
    if (gid_out) *gid_out = (uint32_t)g;
    return EP_OK;
}

static uint32_t uf_find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]]; /* path halving */
        x = parent[x];
    }
    return x;
}

static void uf_union(uint32_t *parent, uint32_t a, uint32_t b)
{
    uint32_t ra = uf_find(parent, a), rb = uf_find(parent, b);
    if (ra < rb) parent[rb] = ra;
    else if (rb < ra) parent[ra] = rb;
}

static int cmp_exact(const void *pa, const void *pb, void *ctx)
{
    const ep_dedup_index *ix = ctx;
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    if (ix->hlo[a] != ix->hlo[b]) return ix->hlo[a] < ix->hlo[b] ? -1 : 1;
    if (ix->hhi[a] != ix->hhi[b]) return ix->hhi[a] < ix->hhi[b] ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* Stable LSD radix sort of t[0..m) by h, 8 bits per pass (passes whose digit is the same for
 * every item are skipped). Items that enter in ascending gid leave in (h, gid) order, the order
 * the former qsort by (h, gid) gave. tmp holds m items (glibc's qsort allocated as much). */
void ep_dedup_radix_sort_h(ep_band_item *t, size_t m, ep_band_item *tmp)
{
    size_t cnt[8][256];
    memset(cnt, 0, sizeof cnt);
    for (size_t i = 0; i < m; i++) {
        uint64_t h = t[i].h;
        for (int d = 0; d < 8; d++) cnt[d][(h >> (8 * d)) & 0xFF]++;
    }
    ep_band_item *src = t, *dst = tmp;
    for (int d = 0; d < 8; d++) {
        size_t *c = cnt[d], sum = 0;
        if (m == 0 || c[(t[0].h >> (8 * d)) & 0xFF] == m) continue;
        for (int v = 0; v < 256; v++) {
            size_t x = c[v];
            c[v] = sum;
            sum += x;
        }
        for (size_t i = 0; i < m; i++) dst[c[(src[i].h >> (8 * d)) & 0xFF]++] = src[i];
        ep_band_item *x = src;
        src = dst;
        dst = x;
    }
    if (src != t) memcpy(t, src, m * sizeof *t);
}

/* t[0..nq) sorted by (h, gid) and t[nq..m) in ascending gid, all below the gids of the first run:
 * sorts the second run by h, then merges (on equal h the second run's smaller gids go first). */
static void sort_merge(ep_band_item *t, size_t nq, size_t m, ep_band_item *tmp)
{
    ep_dedup_radix_sort_h(t + nq, m - nq, tmp);
    if (nq == 0 || nq == m) return;
    memcpy(tmp, t, m * sizeof *t);
    const ep_band_item *a = tmp, *ae = tmp + nq, *b = tmp + nq, *be = tmp + m;
    ep_band_item *o = t;
    while (a < ae && b < be) *o++ = b->h <= a->h ? *b++ : *a++;
    while (a < ae) *o++ = *a++;
    while (b < be) *o++ = *b++;
}

static ep_status exact_stage(ep_dedup_index *ix, uint32_t q, ep_error *err)
{
    size_t n = ix->n;
    /* Order by (hash_lo, hash_hi, gid): a stable radix sort by hash_lo of items entered in gid
     * order, then the rare runs of equal hash_lo sorted by (hash_hi, gid). */
    ep_band_item *it = malloc((n ? n : 1) * sizeof *it), *tmp = malloc((n ? n : 1) * sizeof *tmp);
    uint32_t *order = malloc((n ? n : 1) * sizeof *order);
    if (!it || !tmp || !order) {
        free(it);
        free(tmp);
        free(order);
        return ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory (exact stage)");
    }
    for (size_t i = 0; i < n; i++) it[i] = (ep_band_item){ix->hlo[i], (uint32_t)i, 0};
    ep_dedup_radix_sort_h(it, n, tmp);
    free(tmp);
    for (size_t i = 0; i < n; i++) order[i] = it[i].gid;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && it[j].h == it[i].h) j++;
        if (j - i > 1) qsort_r(order + i, j - i, sizeof *order, cmp_exact, ix);
        i = j;
    }
    free(it);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && ix->hlo[order[j]] == ix->hlo[order[i]] && ix->hhi[order[j]] == ix->hhi[order[i]]) j++;
        uint32_t first = order[i];
        for (size_t t = i + 1; t < j; t++) {
            uint32_t g = order[t];
            ix->kind[g] = EP_DUP_EXACT; /* references too: they leave the LSH stage */
            ix->match[g] = first;
            ix->agree[g] = (uint16_t)ix->k;
            if (g >= q) uf_union(ix->parent, first, g);
        }
        i = j;
    }
    free(order);
    return EP_OK;
}

uint64_t ep_dedup_band_hash(const uint32_t *sig, int b, int rows, uint64_t seed)
{
    return XXH3_64bits_withSeed(sig + (size_t)b * (size_t)rows, (size_t)rows * sizeof(uint32_t), seed + (uint64_t)b);
}

static uint64_t band_hash(const ep_dedup_index *ix, const uint32_t *sig, int b)
{
    return ep_dedup_band_hash(sig, b, ix->cfg.rows, ix->cfg.seed);
}

ep_status ep_dedup_check_doc_count(const ep_dedup_config *cfg, size_t n_docs, ep_error *err)
{
    /* First count c (adding documents one by one) at which ep_dedup_index_add fails: the 2^32-1
     * cap is checked first, at c = 2^32; the per-document state at c * PER_DOC > budget / 2. */
    uint64_t budget = budget_of(cfg);
    uint64_t c_state = budget / 2 / EP_DEDUP_PER_DOC_BYTES + 1;
    uint64_t c_cap = (uint64_t)UINT32_MAX + 1;
    if ((uint64_t)n_docs >= c_cap && c_cap <= c_state)
        return ep_error_set(err, EP_ERR_LIMIT, "dedup: more than 2^32-1 documents");
    if ((uint64_t)n_docs >= c_state)
        return ep_error_set(err, EP_ERR_LIMIT,
                            "dedup: %zu documents need %llu bytes of per-document state, over half of the "
                            "budget (%llu bytes); raise --mem",
                            (size_t)c_state, (unsigned long long)c_state * EP_DEDUP_PER_DOC_BYTES,
                            (unsigned long long)budget);
    return EP_OK;
}

uint64_t ep_dedup_partitions_per_band(const ep_dedup_config *cfg, size_t n, size_t eligible)
{
    /* Band table budget: what the signatures and per-document state leave, at least 4 KiB. */
    uint64_t budget = budget_of(cfg), k = (uint64_t)cfg->bands * (uint64_t)cfg->rows;
    uint64_t cap_mem = sig_cap_mem(cfg); /* signatures the index keeps in memory */
    uint64_t used = (uint64_t)n * EP_DEDUP_PER_DOC_BYTES + ((uint64_t)n < cap_mem ? (uint64_t)n : cap_mem) * k * 4;
    uint64_t avail = budget > used ? budget - used : 0;
    if (avail < (4u << 10)) avail = 4u << 10;
    uint64_t need = (uint64_t)eligible * sizeof(ep_band_item) * 5 / 4; /* 25% slack for uneven partitions */
    return need / avail + 1;
}

static uint32_t partition_of(uint64_t h, uint64_t nparts) { return (uint32_t)(((h >> 32) * nparts) >> 32); }

/* Set of the query band hashes of one (band, partition) pass, asked once per reference: open
 * addressing on the low bits of h (already a hash), 0 kept aside as the empty mark. Same answers
 * as a binary search of the sorted queries, without its cache misses. */
typedef struct {
    uint64_t *slot;
    size_t alloc, mask;
    int has_zero;
} hash_set;

static int hset_build(hash_set *hs, const ep_band_item *t, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n + 2) cap *= 2;
    if (cap > hs->alloc) {
        free(hs->slot);
        if (!(hs->slot = malloc(cap * sizeof *hs->slot))) {
            hs->alloc = 0;
            return 0;
        }
        hs->alloc = cap;
    }
    hs->mask = cap - 1;
    hs->has_zero = 0;
    memset(hs->slot, 0, cap * sizeof *hs->slot);
    for (size_t i = 0; i < n; i++) {
        uint64_t h = t[i].h;
        if (i && h == t[i - 1].h) continue; /* sorted: equal hashes are adjacent */
        if (!h) {
            hs->has_zero = 1;
            continue;
        }
        size_t j = (size_t)h & hs->mask;
        while (hs->slot[j]) j = (j + 1) & hs->mask;
        hs->slot[j] = h;
    }
    return 1;
}

static int hset_has(const hash_set *hs, uint64_t h)
{
    if (!h) return hs->has_zero;
    for (size_t j = (size_t)h & hs->mask;; j = (j + 1) & hs->mask) {
        if (hs->slot[j] == h) return 1;
        if (!hs->slot[j]) return 0;
    }
}

static ep_status verify(ep_dedup_index *ix, uint32_t i, uint32_t j, uint32_t *bi, uint32_t *bj, ep_error *err)
{
    const uint32_t *sj = ep_sigstore_get(&ix->sigs, j, bj);
    const uint32_t *si = ep_sigstore_get(&ix->sigs, i, bi);
    if (!sj || !si) return ep_error_set(err, EP_ERR_IO, "dedup: cannot read spilled signature");
    ix->stats.candidate_pairs++;
    int a = ep_sig_agree(si, sj, ix->k);
    if (a < ix->min_agree) return EP_OK;
    ix->stats.verified_pairs++;
    if (ep_dedup_better_match(ix->kind[j] == EP_DUP_NEAR, a, ix->agree[j], i, ix->match[j])) {
        ix->kind[j] = EP_DUP_NEAR;
        ix->match[j] = i;
        ix->agree[j] = (uint16_t)a;
    }
    uf_union(ix->parent, i, j);
    return EP_OK;
}

ep_status ep_dedup_index_run(ep_dedup_index *ix, uint32_t q, ep_error *err)
{
    size_t n = ix->n;
    int k = ix->k;
    memset(&ix->stats.band_passes, 0, sizeof ix->stats - offsetof(ep_dedup_stats, band_passes));
    for (size_t i = 0; i < n; i++) {
        ix->parent[i] = (uint32_t)i;
        ix->match[i] = (uint32_t)i;
        ix->agree[i] = (uint16_t)k;
        ix->kind[i] = EP_DUP_NONE;
    }
    ep_status st = exact_stage(ix, q, err);
    if (st != EP_OK) return st;

    size_t eligible = 0;
    for (size_t i = 0; i < n; i++) eligible += ix->kind[i] == EP_DUP_NONE && !ix->empty[i];
    uint64_t nparts = ep_dedup_partitions_per_band(&ix->cfg, n, eligible);
    ix->stats.partitions_per_band = nparts;
    size_t tcap = (size_t)((uint64_t)eligible / nparts * 5 / 4 + 64);
    ep_band_item *t = malloc(tcap * sizeof *t), *tmp = malloc(tcap * sizeof *tmp);
    uint32_t *bi = malloc((size_t)k * sizeof *bi), *bj = malloc((size_t)k * sizeof *bj);
    if (!t || !tmp || !bi || !bj) {
        free(t);
        free(tmp);
        free(bi);
        free(bj);
        return ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory for a band table of %zu entries", tcap);
    }
    st = EP_OK;
    hash_set hs = {NULL, 0, 0, 0};
    int cap = ix->cfg.bucket_cap;
    for (int b = 0; b < ix->cfg.bands && st == EP_OK; b++) {
        for (uint64_t p = 0; p < nparts && st == EP_OK; p++) {
            ix->stats.band_passes++;
            size_t m = 0, nq = 0;
            /* Queries first (sorted), then the references whose hash some query has. */
            for (int pass = 0; pass < 2 && st == EP_OK; pass++) {
                size_t g0 = pass == 0 ? q : 0, g1 = pass == 0 ? n : q;
                for (size_t g = g0; g < g1; g++) {
                    if (ix->kind[g] != EP_DUP_NONE || ix->empty[g]) continue;
                    const uint32_t *sg = ep_sigstore_get(&ix->sigs, g, bi);
                    if (!sg) {
                        st = ep_error_set(err, EP_ERR_IO, "dedup: cannot read spilled signature");
                        break;
                    }
                    uint64_t h = band_hash(ix, sg, b);
                    if (partition_of(h, nparts) != p) continue;
                    if (pass == 1 && !hset_has(&hs, h)) continue;
                    if (m == tcap) {
                        size_t nc = tcap * 2;
                        ep_band_item *t2 = realloc(t, nc * sizeof *t2);
                        if (t2) t = t2;
                        ep_band_item *tmp2 = t2 ? realloc(tmp, nc * sizeof *tmp2) : NULL;
                        if (tmp2) tmp = tmp2;
                        if (!t2 || !tmp2) {
                            st = ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory for a band table");
                            break;
                        }
                        tcap = nc;
                    }
                    t[m].h = h;
                    t[m].gid = (uint32_t)g;
                    t[m].pad = 0;
                    m++;
                }
                if (pass == 0) {
                    ep_dedup_radix_sort_h(t, m, tmp);
                    nq = m;
                    if (q > 0 && !hset_build(&hs, t, nq)) {
                        st = ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory for a band hash set");
                        break;
                    }
                }
            }
            if (st != EP_OK) break;
            if (q > 0) sort_merge(t, nq, m, tmp);
            if ((uint64_t)tcap * sizeof *t > ix->stats.peak_table_bytes)
                ix->stats.peak_table_bytes = (uint64_t)tcap * sizeof *t;
            for (size_t s = 0; s < m && st == EP_OK;) {
                size_t e = s + 1;
                while (e < m && t[e].h == t[s].h) e++;
                for (size_t j = s + 1; j < e && st == EP_OK; j++) {
                    if (t[j].gid < q) continue;
                    size_t lo = j > s + (size_t)cap ? j - (size_t)cap : s + 1;
                    st = verify(ix, t[s].gid, t[j].gid, bi, bj, err);
                    for (size_t i = lo; i < j && st == EP_OK; i++) st = verify(ix, t[i].gid, t[j].gid, bi, bj, err);
                }
                s = e;
            }
        }
    }
    free(t);
    free(tmp);
    free(hs.slot);
    free(bi);
    free(bj);
    return st;
}

void ep_dedup_index_result(const ep_dedup_index *ix, uint32_t gid, ep_dedup_result *res)
{
    memset(res, 0, sizeof *res);
    res->kind = (ep_dup_kind)ix->kind[gid];
    res->kept = gid;
    res->match = gid;
    res->jaccard_kept = res->jaccard_match = 1.0;
    if (res->kind == EP_DUP_EXACT) {
        res->kept = res->match = ix->match[gid];
    } else if (res->kind == EP_DUP_NEAR) {
        uint32_t r = gid;
        while (ix->parent[r] != r) r = ix->parent[r];
        res->kept = r;
        res->match = ix->match[gid];
        res->jaccard_match = (double)ix->agree[gid] / ix->k;
        if (r == res->match) {
            res->jaccard_kept = res->jaccard_match;
        } else {
            uint32_t *b1 = malloc((size_t)ix->k * 4), *b2 = malloc((size_t)ix->k * 4);
            const uint32_t *s1 = b1 ? ep_sigstore_get(&ix->sigs, gid, b1) : NULL;
            const uint32_t *s2 = b2 ? ep_sigstore_get(&ix->sigs, r, b2) : NULL;
            res->jaccard_kept = s1 && s2 ? ep_minhash_jaccard(s1, s2, ix->k) : NAN;
            free(b1);
            free(b2);
        }
    }
}

uint32_t ep_dedup_index_count(const ep_dedup_index *ix) { return (uint32_t)ix->n; }

void ep_dedup_index_stats(const ep_dedup_index *ix, ep_dedup_stats *st)
{
    *st = ix->stats;
    st->docs = ix->n;
    st->sig_docs_in_memory = ix->n < ix->sigs.cap_mem ? ix->n : ix->sigs.cap_mem;
    st->sig_docs_spilled = ix->n - st->sig_docs_in_memory;
}
