/* The n-gram ladder: block entropies H_1..H_K and conditional entropies h_n = H_{n+1} - H_n
 * (n = 0..K-1, H_0 = 0), plug-in and Grassberger, from exact counts of n-grams keyed by 64-bit
 * fingerprints (XXH3-64 of the token ids widened to 64 bits, one seed per order). Formulas:
 * docs/estimators.md.
 *
 * Documents: n-grams never cross a document boundary; a document of L tokens gives L - n + 1
 * n-grams of order n (none if L < n). No padding symbols.
 * Documents are pooled (mkn_pool.h: a consistent, content-hashed document sample under a token
 * budget, a quarter of the state's memory) and counted in finish, every order on its own thread.
 * So observe is cheap (the ordered lane never holds up the scan), the work per shard is bounded by
 * the pool, and shards larger than the pool are compared on equal-size samples. The kept set depends
 * only on the documents offered, never on threads or order.
 * Memory of the tables: order n gets 3/4 of mem_bytes / K; over that, consistent key sampling
 * (ngram_table.h). The exact number N_n of n-grams in the pool is always known; sums over sampled keys
 * are divided by p (Horvitz-Thompson), so block entropies stay unbiased in expectation and get a
 * standard error. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/xxh.h"
#include "entroprof/entropy.h"
#include "probe/ngram_internal.h"
#include "probe/mkn_pool.h"
#include "probe/ngram_table.h"
#include "probe/probes_internal.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#define POOL_SALT 0x6e6772616d706f6full /* "ngrampoo": independent of the MKN split and pools */
#define KEY_BLOCK 1024                  /* n-gram fingerprints computed per block (key_block) */

/* Fingerprints of the n-grams of order n at positions [a, b) of ids (b + n - 1 <= the document's
 * length), into keys[0..b-a). An n-gram's fingerprint is XXH3-64 of its ids widened to 64 bits:
 * the bytes ep_token had when it was 64-bit, so that keys, sampling and every number of a profile
 * are those of that version. The ids are widened once per block, not once per n-gram. */
static void key_block(const ep_token *ids, size_t a, size_t b, int n, uint64_t seed, uint64_t *keys)
{
    uint64_t wide[KEY_BLOCK + EP_NGRAM_MAX_ORDER - 1];
    for (size_t lo = a; lo < b; lo += KEY_BLOCK) {
        size_t hi = b - lo < KEY_BLOCK ? b : lo + KEY_BLOCK, w = hi - lo + (size_t)n - 1;
        for (size_t q = 0; q < w; q++) wide[q] = ids[lo + q];
        for (size_t i = lo; i < hi; i++)
            keys[i - a] = ep_ngtab_key(XXH3_64bits_withSeed(wide + (i - lo), (size_t)n * sizeof *wide, seed));
    }
}

typedef struct {
    int K;
    uint64_t seed;
    uint64_t tokens, bytes, docs;        /* of the pooled (sampled) documents, set in finish */
    uint64_t table_budget;
    ep_mkn_pool pool;                    /* the documents counted in finish */
    ep_ngram_tokens toks;                /* encoder when the scan passes no ids */
} ngram_state;

int ep_ngram_default_order(const ep_scan_config *cfg, const ep_tokenizer *tok)
{
    if (cfg && cfg->ngram_order > 0)
        return cfg->ngram_order > EP_NGRAM_MAX_ORDER ? EP_NGRAM_MAX_ORDER : cfg->ngram_order;
    const char *name = tok ? ep_tokenizer_name(tok) : NULL;
    if (name && (!strcmp(name, "byte") || !strcmp(name, "char"))) return 8;
    return 5;
}

void ep_ngram_tokens_init(ep_ngram_tokens *t, const ep_tokenizer *tok)
{
    memset(t, 0, sizeof *t);
    t->tok = tok;
}

void ep_ngram_tokens_free(ep_ngram_tokens *t)
{
    ep_tok_scratch_free(t->scratch);
    ep_token_buf_free(&t->buf);
    memset(t, 0, sizeof *t);
}

ep_status ep_ngram_tokens_get(ep_ngram_tokens *t, const ep_doc *doc, const ep_token **ids, size_t *n)
{
    if (*ids || *n) return EP_OK;
    if (!t->tok) return doc->len ? EP_ERR_ARG : EP_OK;
    if (!t->scratch && !(t->scratch = ep_tok_scratch_create(t->tok))) return EP_ERR_NOMEM;
    t->buf.len = 0;
    ep_status st = ep_tokenizer_encode(t->tok, t->scratch, doc->text, doc->len, &t->buf);
    if (st != EP_OK) return st;
    *ids = t->buf.ids;
    *n = t->buf.len;
    return EP_OK;
}

uint64_t ep_ngram_state_budget(const ep_probe_env *env)
{
    /* The scan (src/scan/scan_probes.c) gives each state of an ORDERED probe half of the probe's
     * share (shard + corpus state), independent of the thread count, so sampling decisions are too. */
    return env->mem_bytes ? env->mem_bytes : EP_NGRAM_DEFAULT_MEM;
}

uint64_t ep_ngram_order_seed(uint64_t seed, int n)
{
    return seed * 0x9E3779B97F4A7C15ull + (uint64_t)n * 0xC2B2AE3D27D4EB4Full + 0x27D4EB2F165667C5ull;
}

static ep_status ngram_create(void **out, const ep_probe_env *env, ep_error *err)
{
    ngram_state *s = calloc(1, sizeof *s);
    *out = s;
    if (!s) return ep_error_set(err, EP_ERR_NOMEM, "ngram: out of memory");
    s->K = ep_ngram_default_order(env->cfg, env->tok);
    s->seed = env->cfg ? env->cfg->seed : 0;
    ep_ngram_tokens_init(&s->toks, env->tok);
    uint64_t budget = ep_ngram_state_budget(env);
    s->table_budget = budget - budget / 4;
    uint64_t pool_cost = budget / 4 / EP_MKN_POOL_TOKEN_BYTES;
    uint64_t cap = env->cfg ? env->cfg->ngram_sample_tokens : 0;
    if (cap && cap < pool_cost) pool_cost = cap; /* equal-size samples across shards */
    ep_mkn_pool_init(&s->pool, pool_cost);
    return EP_OK;
}

static ep_status ngram_observe(void *st, const ep_doc *doc, const ep_token *ids, size_t n_ids, ep_error *err)
{
    ngram_state *s = st;
    ep_status te = ep_ngram_tokens_get(&s->toks, doc, &ids, &n_ids);
    if (te != EP_OK) return ep_error_set(err, te, "ngram: cannot tokenize document %llu: %s",
                                         (unsigned long long)doc->index, ep_strerror(te));
    if (n_ids == 0) return EP_OK;
    if (n_ids > UINT32_MAX)
        return ep_error_set(err, EP_ERR_LIMIT, "ngram: document %llu has %zu tokens, more than 2^32 - 1",
                            (unsigned long long)doc->index, n_ids);
    ep_mkn_doc d = {0};
    d.h = ep_mkn_pool_hash(doc->hash_lo, doc->hash_hi, s->seed ^ POOL_SALT);
    d.lo = doc->hash_lo;
    d.hi = doc->hash_hi;
    d.bytes = doc->len;
    d.len = (uint32_t)n_ids;
    s->pool.offered_docs++; /* sampled or not: the `offered_tokens` of the estimates */
    s->pool.offered_tokens += n_ids;
    ep_status r = ep_mkn_pool_add(&s->pool, &d, ids);
    if (r != EP_OK) return ep_error_set(err, r, "ngram: document pool: %s", ep_strerror(r));
    return EP_OK;
}

/* Hash path: counts the n-grams of order n of every pooled document into one table that
 * samples keys when they outgrow its budget (ngram_table.h). Used when the sort path's array does
 * not fit the order's budget. */
static ep_status count_order_hashed(const ep_mkn_pool *pool, int n, uint64_t seed, uint64_t total,
                                    uint64_t budget, ep_ngram_block *out)
{
    ep_ngtab tab, *t = &tab;
    ep_ngtab_init(t, budget);
    uint64_t keys[KEY_BLOCK];
    for (size_t k = 0; k < pool->ndocs; k++) {
        const ep_mkn_doc *d = &pool->docs[k];
        const ep_token *ids = pool->tok + d->off;
        size_t m = d->len >= (uint32_t)n ? d->len - (size_t)n + 1 : 0;
        for (size_t a = 0; a < m; a += KEY_BLOCK) {
            size_t b = m - a < KEY_BLOCK ? m : a + KEY_BLOCK;
            key_block(ids, a, b, n, seed, keys);
            for (size_t i = 0; i < b - a; i++) {
                ep_status r = ep_ngtab_add(t, keys[i], 1);
                if (r != EP_OK) {
                    ep_ngtab_free(t);
                    return r;
                }
            }
        }
    }
    ep_status r = ep_ngram_block_stats(t, total, out);
    ep_ngtab_free(t);
    return r;
}

/* Sort path: every key of order n in one array (8 bytes per n-gram), sorted in place, equal keys
 * counted as runs. Random inserts into a table far larger than the caches cost a miss each; the
 * radix sort streams. The kept set is the one the hash path's table would hold: the smallest shift
 * s at which the distinct keys below 2^(64-s) fit max_keys (ngram_table.h), so both paths give
 * identical statistics. */
static ep_status count_order_sorted(const ep_mkn_pool *pool, int n, uint64_t seed, uint64_t total,
                                    uint64_t budget, ep_ngram_block *out)
{
    uint64_t *keys = malloc((total ? total : 1) * sizeof *keys);
    if (!keys) return EP_ERR_NOMEM;
    size_t m = 0;
    for (size_t k = 0; k < pool->ndocs; k++) {
        const ep_mkn_doc *d = &pool->docs[k];
        if (d->len < (uint32_t)n) continue;
        size_t dm = d->len - (size_t)n + 1;
        key_block(pool->tok + d->off, 0, dm, n, seed, keys + m);
        m += dm;
    }
    ep_ngram_sort_u64(keys, m);
    /* Distinct keys by leading zeros: a key is kept at shift s iff clz(key) >= s. */
    uint64_t by_clz[65] = {0};
    size_t distinct = 0;
    for (size_t i = 0; i < m; i++) {
        if (i && keys[i] == keys[i - 1]) continue;
        by_clz[__builtin_clzll(keys[i])]++;
        distinct++;
    }
    unsigned shift = 0;
    uint64_t kept = distinct, max_keys = ep_ngtab_max_keys(budget);
    while (kept > max_keys && shift < 64) kept -= by_clz[shift++];
    /* The kept keys are a prefix of the sorted array; their run lengths are the counts. */
    size_t c = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i + 1;
        while (j < m && keys[j] == keys[i]) j++;
        if (shift && (shift >= 64 || (keys[i] >> (64 - shift)) != 0)) break;
        keys[c++] = j - i; /* c <= i: overwrites only consumed keys */
        i = j;
    }
    double p = 1.0;
    for (unsigned i = 0; i < shift; i++) p *= 0.5;
    ep_status r = ep_ngram_block_stats_counts(keys, c, p, total, out);
    free(keys);
    return r;
}

/* Cache path: an order with few distinct n-grams (orders 1-2 of bytes, say) is counted in a small
 * table that stays in the cache (SMALL_SLOTS x 16 bytes), a few ns per n-gram. It gives up
 * (returns 0) as soon as the distinct keys exceed half its slots; the caller then sorts. Used only
 * when the budget's max_keys exceeds that limit, so no sampling would have happened: p = 1 and the
 * statistics are those of the other paths. */
#define SMALL_SLOTS (1u << 16)
static int count_order_small(const ep_mkn_pool *pool, int n, uint64_t seed, uint64_t total,
                             ep_ngram_block *out, ep_status *st)
{
    ep_ngtab_slot *t = calloc(SMALL_SLOTS, sizeof *t);
    if (!t) {
        *st = EP_ERR_NOMEM;
        return 1;
    }
    size_t size = 0;
    uint64_t keys[KEY_BLOCK];
    for (size_t k = 0; k < pool->ndocs; k++) {
        const ep_mkn_doc *d = &pool->docs[k];
        const ep_token *ids = pool->tok + d->off;
        size_t m = d->len >= (uint32_t)n ? d->len - (size_t)n + 1 : 0;
        for (size_t a = 0; a < m; a += KEY_BLOCK) {
            size_t b = m - a < KEY_BLOCK ? m : a + KEY_BLOCK;
            key_block(ids, a, b, n, seed, keys);
            for (size_t i = 0; i < b - a; i++) {
                uint64_t key = keys[i];
                size_t j = ep_ngtab_slot_of(key, SMALL_SLOTS);
                while (t[j].key && t[j].key != key) j = (j + 1) & (SMALL_SLOTS - 1);
                if (!t[j].key) {
                    if (++size > SMALL_SLOTS / 2) {
                        free(t);
                        return 0;
                    }
                    t[j].key = key;
                }
                t[j].count++;
            }
        }
    }
    uint64_t *counts = malloc((size ? size : 1) * sizeof *counts);
    if (!counts) {
        free(t);
        *st = EP_ERR_NOMEM;
        return 1;
    }
    size_t c = 0;
    for (size_t j = 0; j < SMALL_SLOTS; j++)
        if (t[j].key) counts[c++] = t[j].count;
    free(t);
    *st = ep_ngram_block_stats_counts(counts, c, 1.0, total, out);
    free(counts);
    return 1;
}

ep_status ep_ngram_count_order(const ep_mkn_pool *pool, int n, uint64_t seed, uint64_t budget, int path,
                               ep_ngram_block *out)
{
    uint64_t total = 0;
    for (size_t k = 0; k < pool->ndocs; k++)
        if (pool->docs[k].len >= (uint32_t)n) total += pool->docs[k].len - (uint32_t)n + 1;
    uint64_t os = ep_ngram_order_seed(seed, n);
    if (path == EP_NGRAM_PATH_SMALL || path == EP_NGRAM_PATH_AUTO) {
        ep_status st = EP_OK;
        if ((path == EP_NGRAM_PATH_SMALL || ep_ngtab_max_keys(budget) >= SMALL_SLOTS / 2) &&
            count_order_small(pool, n, os, total, out, &st))
            return st;
        if (path == EP_NGRAM_PATH_SMALL) return EP_ERR_LIMIT;
    }
    if (path == EP_NGRAM_PATH_SORT || (path == EP_NGRAM_PATH_AUTO && total * sizeof(uint64_t) <= budget))
        return count_order_sorted(pool, n, os, total, budget, out);
    return count_order_hashed(pool, n, os, total, budget, out);
}

/* Union of the document pools under the pool's cap (mkn_pool.h): the kept set depends only on
 * the documents, so this is commutative and exact. Used as fold (the scan never merges an ORDERED
 * probe's states) and by tests. */
static ep_status ngram_merge(void *into, const void *from, ep_error *err)
{
    ngram_state *a = into;
    const ngram_state *b = from;
    if (a->K != b->K) return ep_error_set(err, EP_ERR_INTERNAL, "ngram: merging orders %d and %d", a->K, b->K);
    ep_status r = ep_mkn_pool_merge(&a->pool, &b->pool);
    if (r != EP_OK) return ep_error_set(err, r, "ngram: document pool: %s", ep_strerror(r));
    return EP_OK;
}

ep_status ep_ngram_block_stats(const ep_ngtab *t, uint64_t total, ep_ngram_block *out)
{
    memset(out, 0, sizeof *out);
    out->n = total;
    out->p = ep_ngtab_p(t);
    if (total == 0) return EP_OK;
    uint64_t *counts = malloc((t->size ? t->size : 1) * sizeof *counts);
    if (!counts) return EP_ERR_NOMEM;
    ep_ngtab_counts(t, counts);
    ep_status st = ep_ngram_block_stats_counts(counts, t->size, out->p, total, out);
    free(counts);
    return st;
}

ep_status ep_ngram_block_stats_counts(const uint64_t *counts, size_t n_counts, double p, uint64_t total,
                                      ep_ngram_block *out)
{
    memset(out, 0, sizeof *out);
    out->n = total;
    out->p = p;
    if (total == 0) return EP_OK;
    ep_coc c = {0};
    ep_status st = ep_coc_from_counts(&c, counts, n_counts);
    if (st != EP_OK) return st;
    /* Sums over the sampled types, in the fixed order of the count-of-counts (m ascending). */
    double s_plug = 0, s_gr = 0, v_plug = 0, v_gr = 0, pairs = 0;
    for (size_t i = 0; i < c.n; i++) {
        double m = (double)c.m[i], f = (double)c.f[i];
        pairs += f * m * (m - 1) / 2;
        double gp = m * log2(m), gg = m * ep_grassberger_G(c.m[i]) / M_LN2;
        s_plug += f * gp;
        s_gr += f * gg;
        v_plug += f * gp * gp;
        v_gr += f * gg * gg;
    }
    double N = (double)total;
    /* Plug-in: H = log2 N - (1/N) sum_i n_i log2 n_i; Grassberger 2003 eq. 35:
     * H = (ln N - (1/N) sum_i n_i G(n_i)) / ln 2. Sampled: sum_i -> (1/p) sum_{i sampled}. */
    out->plugin_bits = log2(N) - s_plug / (p * N);
    out->grassberger_bits = log2(N) - s_gr / (p * N);
    /* Horvitz-Thompson variance of a Bernoulli(p) sample sum: (1-p)/p^2 sum_{sampled} g^2. */
    out->plugin_se = sqrt((1 - p) / (p * p) * v_plug) / N;
    out->grassberger_se = sqrt((1 - p) / (p * p) * v_gr) / N;
    out->distinct = (double)ep_coc_types(&c) / p;
    for (uint64_t m = 1; m <= 4; m++) out->f[m - 1] = (double)ep_coc_f(&c, m) / p;
    out->pairs = pairs / p;
    ep_coc_free(&c);
    return EP_OK;
}

static void add_estimate(ep_jv *out, const char *kind_name, int n, double h, double se,
                         const ep_ngram_block *hi, double bytes_per_token, const char *kind,
                         const char *method)
{
    char key[48];
    snprintf(key, sizeof key, "ngram_%s_h%d", kind_name, n);
    ep_jv *e = ep_estimate_add(out, key, h, "bits_per_token", kind, method, hi->n);
    if (!e) return;
    if (bytes_per_token > 0) ep_jv_set(e, "bits_per_byte", ep_jv_num(h / bytes_per_token));
    ep_jv_set(e, "order", ep_jv_int(n));
    double dn = hi->n ? hi->distinct / (double)hi->n : 0;
    ep_jv_set(e, "distinct_over_n", ep_jv_num(dn));
    ep_jv_set(e, "undersampled", ep_jv_bool(dn > EP_NGRAM_UNDERSAMPLED));
    ep_jv_set(e, "sampling_p", ep_jv_num(hi->p));
    ep_jv_set(e, "stderr", ep_jv_num(se));
    static const char *fk[4] = {"f1", "f2", "f3", "f4"};
    for (int m = 0; m < 4; m++) ep_jv_set(e, fk[m], ep_jv_num(hi->f[m]));
    ep_jv_set(e, "coincident_pairs", ep_jv_num(hi->pairs));
}

static ep_status ngram_finish(void *st, const void *before, ep_jv *out, const ep_probe_env *env, ep_error *err)
{
    (void)before;
    ngram_state *s = st;
    if (s->pool.offered_docs > 0 && s->pool.ndocs == 0) {
        /* Every document was sampled out: each alone is over the pool (the sample cap, or a quarter
         * of the probe's memory share). No estimate is not an estimate of zero: say so. */
        return ep_error_set(err, EP_ERR_LIMIT,
                            "no estimate: each of the %llu documents is longer than the n-gram sample (%llu tokens; "
                            "raise --ngram-sample-tokens or --mem)",
                            (unsigned long long)s->pool.offered_docs, (unsigned long long)s->pool.max_cost);
    }
    s->docs = s->pool.ndocs;
    s->tokens = s->bytes = 0;
    for (size_t k = 0; k < s->pool.ndocs; k++) {
        s->tokens += s->pool.docs[k].len;
        s->bytes += s->pool.docs[k].bytes;
    }
    /* Orders are independent tables: one per thread, results independent of the thread count. */
    ep_status rs[EP_NGRAM_MAX_ORDER];
    ep_ngram_block blk[EP_NGRAM_MAX_ORDER];
    int K = s->K;
#pragma omp parallel for schedule(dynamic, 1) num_threads(env && env->nthreads > 0 ? env->nthreads : 1)
    for (int n = 0; n < K; n++) {
        rs[n] = ep_ngram_count_order(&s->pool, n + 1, s->seed, s->table_budget / (uint64_t)K,
                                     EP_NGRAM_PATH_AUTO, &blk[n]);
    }
    for (int n = 0; n < K; n++)
        if (rs[n] != EP_OK) return ep_error_set(err, rs[n], "ngram: counting order %d: %s", n + 1, ep_strerror(rs[n]));
    double bpt = s->tokens ? (double)s->bytes / (double)s->tokens : 0;
    for (int n = 0; n < s->K; n++) {
        const ep_ngram_block *hi = &blk[n];
        if (hi->n == 0) break;
        /* h_n = H_{n+1} - H_n with H_0 = 0 (Cover & Thomas 2006, eq. 4.2 and thm 4.2.1). */
        double hp = hi->plugin_bits - (n ? blk[n - 1].plugin_bits : 0);
        double hg = hi->grassberger_bits - (n ? blk[n - 1].grassberger_bits : 0);
        double sp = sqrt(hi->plugin_se * hi->plugin_se + (n ? blk[n - 1].plugin_se * blk[n - 1].plugin_se : 0));
        double sg = sqrt(hi->grassberger_se * hi->grassberger_se +
                         (n ? blk[n - 1].grassberger_se * blk[n - 1].grassberger_se : 0));
        add_estimate(out, "plugin", n, hp, sp, hi, bpt, "point",
                     "n-gram ladder, plug-in H_{n+1} - H_n (biased low)");
        add_estimate(out, "grassberger", n, hg, sg, hi, bpt, "point",
                     "n-gram ladder, Grassberger 2003 H_{n+1} - H_n");
    }
    /* The document sample behind every order (p = 1: all documents). */
    for (int n = 0; n < s->K && blk[n].n; n++) {
        const char *kinds[2] = {"plugin", "grassberger"};
        for (int k = 0; k < 2; k++) {
            char key[48];
            snprintf(key, sizeof key, "estimates.ngram_%s_h%d", kinds[k], n);
            ep_jv *e = (ep_jv *)ep_jv_path(out, key);
            if (!e) continue;
            ep_jv_set(e, "doc_sampling_p", ep_jv_num(ep_mkn_pool_p(&s->pool)));
            ep_jv_set(e, "offered_tokens", ep_jv_int((int64_t)s->pool.offered_tokens));
        }
    }
    return EP_OK;
}

static void ngram_free(void *st)
{
    ngram_state *s = st;
    if (!s) return;
    ep_mkn_pool_free(&s->pool);
    ep_ngram_tokens_free(&s->toks);
    free(s);
}

/* Partial state (docs/partial-format.md, "ngram"): what fold reads, the order K and the document
 * pool as finish left it. */
static ep_status ngram_save(const void *st, ep_wbuf *w, ep_error *err)
{
    const ngram_state *s = st;
    ep_wbuf_u32(w, (uint32_t)s->K);
    ep_mkn_pool_save(&s->pool, w);
    if (ep_wbuf_status(w) != EP_OK) return ep_error_set(err, EP_ERR_NOMEM, "ngram: out of memory for the partial state");
    return EP_OK;
}

static ep_status ngram_load(void **out, ep_rbuf *r, const ep_probe_env *env, ep_error *err)
{
    *out = NULL;
    void *st = NULL;
    ep_status rc = ngram_create(&st, env, err);
    if (rc != EP_OK) return rc;
    ngram_state *s = st;
    uint32_t K = ep_rbuf_u32(r);
    if (r->failed || K != (uint32_t)s->K) {
        if (r->failed) ep_error_set(err, EP_ERR_CORRUPT, "ngram: partial state: truncated");
        else ep_error_set(err, EP_ERR_CORRUPT, "ngram: partial state: order %u, this scan's is %d", K, s->K);
        ngram_free(s);
        return ep_rbuf_fail(r);
    }
    const char *why = NULL;
    uint64_t vocab = env->tok ? ep_tokenizer_vocab_size(env->tok) : 0;
    rc = ep_mkn_pool_load(&s->pool, r, s->seed ^ POOL_SALT, vocab, &why);
    if (rc != EP_OK) {
        ngram_free(s);
        return ep_error_set(err, rc, "ngram: partial state: document pool: %s", why);
    }
    *out = s;
    return EP_OK;
}

static int ngram_enabled(const ep_scan_config *cfg)
{
    (void)cfg;
    return 1;
}

const ep_probe_vtable ep_probe_ngram = {
    .name = "ngram",
    .flags = EP_PROBE_NEEDS_TOKENS | EP_PROBE_ORDERED | EP_PROBE_ESTIMATOR, /* see ep_ngram_state_budget */
    .enabled = ngram_enabled,
    .mem_weight = 4.0,
    .create = ngram_create,
    .observe = ngram_observe,
    .merge = ngram_merge,
    .finish = ngram_finish,
    .fold = ngram_merge,
    .free = ngram_free,
    .save = ngram_save,
    .load = ngram_load,
};
