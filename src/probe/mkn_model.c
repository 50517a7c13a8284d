/* Interpolated modified Kneser-Ney, exactly as KenLM lmplz + query (see mkn_model.h).
 *
 *   p_0(w) = 1 / |V|
 *   p_n(w | h) = max(a(hw) - D_n(a(hw)), 0) / s(h) + gamma(h) p_{n-1}(w | h')     if s(h) > 0
 *              = p_{n-1}(w | h')                                                   otherwise
 *   gamma(h) = (D_n(1) N1(h.) + D_n(2) N2(h.) + D_n(3+) N3+(h.)) / s(h),  s(h) = sum_v a(hv)
 * (Chen & Goodman 1998, eqs. 17 and 19; KenLM initial_probabilities.cc AddRight/MergeRight,
 * interpolate.cc Enter). Adjusted counts a (KenLM adjust_counts.cc): raw counts at order K and
 * for n-grams that start with <s>; otherwise the number of distinct left extensions (continuation
 * counts). Discounts from the count-of-counts n_1..n_4 of adjusted counts per order:
 * Y = n1 / (n1 + 2 n2), D(j) = j - (j + 1) Y n_{j+1} / n_j (KenLM computes them in float, so do
 * we); when some n_j = 0 or a D(j) falls outside [0, j], the fallback 0.5, 1, 1.5 of
 * `lmplz --discount_fallback`. |V| = distinct training types + 2 (<unk> and </s>; <s> excluded),
 * KenLM pipeline.cc; for a dense tokenizer, its vocabulary + 1 (</s>). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xxh.h"
#include "probe/mkn_model.h"

#define F_BOS (1u << 31)
#define C_MASK ((1u << 31) - 1)
#define MAX_LOAD 0.85
#define EP_MKN_RESIZE ((ep_status)1000) /* internal: a table filled up; resize and recount */

static inline size_t slot_of(uint64_t key, size_t cap)
{
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    return (size_t)(((unsigned __int128)h * cap) >> 64);
}

static inline uint64_t fp(const ep_mkn_model *m, const ep_token *x, int n)
{
    return ep_ngtab_key(XXH3_64bits_withSeed(x, (size_t)n * sizeof *x, ep_ngram_order_seed(m->seed, n)));
}

/* @return the slot of key, or SIZE_MAX. */
static inline size_t find(const ep_mkn_table *t, uint64_t key)
{
    if (!t->cap) return SIZE_MAX;
    size_t j = slot_of(key, t->cap);
    while (t->key[j]) {
        if (t->key[j] == key) return j;
        j = j + 1 == t->cap ? 0 : j + 1;
    }
    return SIZE_MAX;
}

/* Slot of key, inserted if new (*fresh = 1). EP_MKN_RESIZE when the table is full. */
static inline ep_status insert(ep_mkn_table *t, uint64_t key, size_t *slot, int *fresh)
{
    size_t j = slot_of(key, t->cap);
    while (t->key[j]) {
        if (t->key[j] == key) {
            *slot = j;
            *fresh = 0;
            return EP_OK;
        }
        j = j + 1 == t->cap ? 0 : j + 1;
    }
    if ((double)(t->size + 1) > MAX_LOAD * (double)t->cap) return EP_MKN_RESIZE;
    t->key[j] = key;
    t->size++;
    *slot = j;
    *fresh = 1;
    return EP_OK;
}

/* Bytes per slot of order n (1-based) of K. */
static size_t slot_bytes(int n, int K)
{
    size_t b = sizeof(uint64_t) + sizeof(uint32_t);  /* key, count */
    if (n > 1) b += 2 * sizeof(uint32_t);             /* suf, pre */
    if (n < K) b += 5 * sizeof(uint32_t);             /* adj, csum, cn[3] */
    return b;
}

static ep_status table_alloc(ep_mkn_table *t, size_t cap, int n, int K)
{
    memset(t, 0, sizeof *t);
    t->mem = calloc(cap, slot_bytes(n, K));
    if (!t->mem) return EP_ERR_NOMEM;
    t->cap = cap;
    char *p = t->mem;
    t->key = (uint64_t *)p;
    p += cap * sizeof(uint64_t);
    t->count = (uint32_t *)p;
    p += cap * sizeof(uint32_t);
    if (n > 1) {
        t->suf = (uint32_t *)p;
        p += cap * sizeof(uint32_t);
        t->pre = (uint32_t *)p;
        p += cap * sizeof(uint32_t);
    }
    if (n < K) {
        t->adj = (uint32_t *)p;
        p += cap * sizeof(uint32_t);
        t->csum = (uint32_t *)p;
        p += cap * sizeof(uint32_t);
        t->cn = (uint32_t *)p;
    }
    return EP_OK;
}

void ep_mkn_free(ep_mkn_model *m)
{
    for (int n = 0; n < EP_NGRAM_MAX_ORDER; n++) free(m->t[n].mem);
    memset(m->t, 0, sizeof m->t);
    m->bytes_used = 0;
}

/* HyperLogLog (Flajolet et al. 2007) with 2^12 registers: distinct count to ~1.6%. */
#define HLL_B 12
static void hll_add(uint8_t *reg, uint64_t h)
{
    size_t i = (size_t)(h >> (64 - HLL_B));
    uint64_t w = (h << HLL_B) | (1ull << (HLL_B - 1));
    uint8_t rho = (uint8_t)(__builtin_clzll(w) + 1);
    if (rho > reg[i]) reg[i] = rho;
}

static double hll_estimate(const uint8_t *reg)
{
    const double m = (double)(1u << HLL_B), alpha = 0.7213 / (1.0 + 1.079 / m);
    double z = 0;
    size_t zeros = 0;
    for (size_t i = 0; i < (1u << HLL_B); i++) {
        z += ldexp(1.0, -reg[i]);
        zeros += reg[i] == 0;
    }
    double e = alpha * m * m / z;
    if (e <= 2.5 * m && zeros) e = m * log(m / (double)zeros); /* linear counting */
    return e;
}

/* x = <s> ids </s> in buf (len + 2). */
static void pad(ep_token *buf, const ep_token *ids, size_t len)
{
    buf[0] = EP_MKN_BOS;
    if (len) memcpy(buf + 1, ids, len * sizeof *ids);
    buf[len + 1] = EP_MKN_EOS;
}

static void discounts(ep_mkn_model *m, int n)
{
    const uint64_t *s = m->nstat[n];
    double *D = m->D[n];
    D[0] = 0;
    int bad = s[1] == 0 || s[2] == 0 || s[3] == 0;
    if (!bad) {
        /* KenLM adjust_counts.cc CalculateDiscounts, in float as there. */
        float y = (float)s[1] / (float)(s[1] + 2.0 * s[2]);
        for (unsigned j = 1; j < 4; j++) {
            float d = (float)j - (float)(j + 1) * y * (float)s[j + 1] / (float)s[j];
            if (d < 0 || d > (float)j) bad = 1;
            D[j] = d;
        }
    }
    m->fallback[n] = bad;
    if (bad) {
        D[1] = 0.5;
        D[2] = 1.0;
        D[3] = 1.5;
    }
}

/* Pass 1 over the training documents into tables of the given capacities: raw counts, and for
 * each new n-gram the index of its suffix (the (n-1)-gram ending at the same position) and of its
 * prefix (the (n-1)-gram ending one position earlier). */
static ep_status count_pass(ep_mkn_model *m, const ep_mkn_pool *train, ep_token *x, int *full)
{
    int K = m->K;
    size_t bos_slot = 0, prev[EP_NGRAM_MAX_ORDER + 1], cur[EP_NGRAM_MAX_ORDER + 1];
    int fresh;
    ep_token bos = EP_MKN_BOS;
    ep_status st = insert(&m->t[0], fp(m, &bos, 1), &bos_slot, &fresh);
    if (st != EP_OK) {
        *full = 0;
        return st;
    }
    m->t[0].count[bos_slot] |= F_BOS; /* <s> is in the vocabulary with count 0 */
    for (size_t d = 0; d < train->ndocs; d++) {
        size_t L = train->docs[d].len;
        pad(x, train->tok + train->docs[d].off, L);
        prev[1] = bos_slot;
        for (size_t j = 1; j <= L + 1; j++) {
            for (int n = 1; n <= K && (size_t)n <= j + 1; n++) {
                ep_mkn_table *t = &m->t[n - 1];
                size_t i;
                st = insert(t, fp(m, x + j - n + 1, n), &i, &fresh);
                if (st != EP_OK) {
                    *full = n - 1;
                    return st;
                }
                t->count[i]++;
                if (fresh) {
                    if (j + 1 == (size_t)n) t->count[i] |= F_BOS;
                    if (n > 1) {
                        t->suf[i] = (uint32_t)cur[n - 1];
                        t->pre[i] = (uint32_t)prev[n - 1];
                    }
                }
                cur[n] = i;
            }
            memcpy(prev, cur, sizeof prev);
        }
    }
    return EP_OK;
}

ep_status ep_mkn_build(ep_mkn_model *m, const ep_mkn_pool *train, int K, uint64_t seed,
                       uint64_t table_budget, uint64_t dense_vocab)
{
    memset(m, 0, sizeof *m);
    m->K = K;
    m->seed = seed;
    m->budget = table_budget;
    if (train->ntok + train->ndocs >= C_MASK) return EP_ERR_LIMIT;
    size_t maxlen = 0;
    for (size_t d = 0; d < train->ndocs; d++)
        if (train->docs[d].len > maxlen) maxlen = train->docs[d].len;
    ep_token *x = malloc((maxlen + 2) * sizeof *x);
    uint8_t *reg = calloc((size_t)K << HLL_B, 1);
    if (!x || !reg) {
        free(x);
        free(reg);
        return EP_ERR_NOMEM;
    }
    /* Distinct n-grams per order (HyperLogLog), to size the tables once. */
    for (size_t d = 0; d < train->ndocs; d++) {
        size_t L = train->docs[d].len;
        pad(x, train->tok + train->docs[d].off, L);
        for (size_t j = 1; j <= L + 1; j++)
            for (int n = 1; n <= K && (size_t)n <= j + 1; n++)
                hll_add(reg + ((size_t)(n - 1) << HLL_B), fp(m, x + j - n + 1, n));
    }
    size_t cap[EP_NGRAM_MAX_ORDER];
    for (int n = 1; n <= K; n++)
        cap[n - 1] = (size_t)(hll_estimate(reg + ((size_t)(n - 1) << HLL_B)) * 1.08 / MAX_LOAD) + 64;
    free(reg);
    ep_status st;
    for (;;) {
        uint64_t bytes = 0;
        for (int n = 1; n <= K; n++) bytes += (uint64_t)cap[n - 1] * slot_bytes(n, K);
        if (bytes > table_budget) {
            st = EP_ERR_LIMIT;
            break;
        }
        st = EP_OK;
        for (int n = 1; n <= K && st == EP_OK; n++) {
            if (cap[n - 1] >= UINT32_MAX) st = EP_ERR_LIMIT;
            else st = table_alloc(&m->t[n - 1], cap[n - 1], n, K);
        }
        m->bytes_used = m->bytes_peak = bytes;
        int full = 0;
        if (st == EP_OK) st = count_pass(m, train, x, &full);
        if (st != EP_MKN_RESIZE) break;
        /* the estimate was short (rare): grow that order and count again */
        cap[full] = cap[full] + cap[full] / 2;
        ep_mkn_free(m);
    }
    free(x);
    if (st != EP_OK) {
        ep_mkn_free(m);
        return st;
    }
    /* Continuation counts (KenLM adjust_counts.cc): every distinct n-gram, n >= 2, adds 1 to its
     * suffix; n-grams that start with <s> and order K keep their raw counts. */
    for (int n = K; n >= 2; n--) {
        const ep_mkn_table *t = &m->t[n - 1];
        ep_mkn_table *lo = &m->t[n - 2];
        for (size_t i = 0; i < t->cap; i++)
            if (t->key[i]) lo->adj[t->suf[i]]++;
    }
    for (int n = 1; n <= K; n++) {
        ep_mkn_table *t = &m->t[n - 1];
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->key[i]) continue;
            uint32_t a;
            if (n == K) a = t->count[i] & C_MASK;
            else {
                if (t->count[i] & F_BOS) t->adj[i] = t->count[i] & C_MASK;
                a = t->adj[i];
            }
            if (a >= 1 && a <= 4) m->nstat[n - 1][a]++;
        }
        discounts(m, n - 1);
    }
    /* Context sums: every distinct n-gram adds its adjusted count to its prefix. */
    for (int n = 1; n <= K; n++) {
        const ep_mkn_table *t = &m->t[n - 1];
        ep_mkn_table *lo = n > 1 ? &m->t[n - 2] : NULL;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->key[i]) continue;
            uint32_t a = n == K ? t->count[i] & C_MASK : t->adj[i];
            if (a == 0) continue;
            unsigned k = (a < 3 ? a : 3) - 1;
            if (!lo) {
                m->root_csum += a;
                m->root_cn_u32[k]++;
            } else {
                lo->csum[t->pre[i]] += a;
                lo->cn[(size_t)t->pre[i] * 3 + k]++;
            }
        }
    }
    size_t types = m->t[0].size;
    m->vocab = dense_vocab ? (double)dense_vocab + 1.0 : (double)types;
    if (m->vocab < 1) m->vocab = 1;
    return EP_OK;
}

double ep_mkn_doc_bits(const ep_mkn_model *m, const ep_token *ids, size_t L, uint64_t *oov)
{
    double bits = 0;
    ep_token buf[EP_NGRAM_MAX_ORDER + 1];
    int K = m->K;
    for (size_t j = 1; j <= L + 1; j++) {
        /* window = x[j-K+1 .. j] of the padded document, built without copying the document */
        size_t start = j + 1 >= (size_t)K ? j + 1 - (size_t)K : 0; /* in padded coordinates */
        int wlen = (int)(j - start + 1);
        for (int i = 0; i < wlen; i++) {
            size_t pos = start + (size_t)i;
            buf[i] = pos == 0 ? EP_MKN_BOS : pos == L + 1 ? EP_MKN_EOS : ids[pos - 1];
        }
        const ep_token *w_end = buf + wlen; /* one past w */
        double p = 1.0 / m->vocab;
        for (int n = 1; n <= wlen; n++) {
            uint64_t csum;
            const uint32_t *cn;
            if (n == 1) {
                csum = m->root_csum;
                cn = (const uint32_t *)m->root_cn_u32;
            } else {
                const ep_mkn_table *c = &m->t[n - 2];
                size_t ci = find(c, fp(m, w_end - n, n - 1));
                if (ci == SIZE_MAX || c->csum[ci] == 0) break;
                csum = c->csum[ci];
                cn = c->cn + ci * 3;
            }
            if (csum == 0) break;
            const double *D = m->D[n - 1];
            double g = D[1] * (double)cn[0] + D[2] * (double)cn[1] + D[3] * (double)cn[2];
            const ep_mkn_table *t = &m->t[n - 1];
            size_t ei = find(t, fp(m, w_end - n, n));
            uint32_t a = 0;
            if (ei != SIZE_MAX) a = n == K ? t->count[ei] & C_MASK : t->adj[ei];
            if (n == 1 && ei == SIZE_MAX) (*oov)++;
            double num = a ? (double)a - D[a < 3 ? a : 3] : 0.0;
            p = num / (double)csum + g / (double)csum * p;
        }
        bits -= log2(p);
    }
    return bits;
}
