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
#define F_V2 (1u << 30)
#define F_V3 (1u << 29)
#define C_MASK ((1u << 29) - 1)

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

static ep_mkn_entry *find(const ep_mkn_table *t, uint64_t key)
{
    if (!t->cap) return NULL;
    size_t j = slot_of(key, t->cap);
    while (t->e[j].key) {
        if (t->e[j].key == key) return &t->e[j];
        j = j + 1 == t->cap ? 0 : j + 1;
    }
    return NULL;
}

static ep_status insert(ep_mkn_model *m, ep_mkn_table *t, uint64_t key, ep_mkn_entry **out)
{
    ep_mkn_entry *e = find(t, key);
    if (e) {
        *out = e;
        return EP_OK;
    }
    if (2 * (t->size + 1) > t->cap) {
        size_t ncap = t->cap ? 2 * t->cap : 1024;
        uint64_t nbytes = (uint64_t)ncap * sizeof(ep_mkn_entry);
        if (m->bytes_used + nbytes > m->budget) return EP_ERR_LIMIT;
        ep_mkn_entry *ne = calloc(ncap, sizeof *ne);
        if (!ne) return EP_ERR_NOMEM;
        m->bytes_used += nbytes;
        if (m->bytes_used > m->bytes_peak) m->bytes_peak = m->bytes_used;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->e[i].key) continue;
            size_t j = slot_of(t->e[i].key, ncap);
            while (ne[j].key) j = j + 1 == ncap ? 0 : j + 1;
            ne[j] = t->e[i];
        }
        free(t->e);
        m->bytes_used -= (uint64_t)t->cap * sizeof(ep_mkn_entry);
        t->e = ne;
        t->cap = ncap;
    }
    size_t j = slot_of(key, t->cap);
    while (t->e[j].key) j = j + 1 == t->cap ? 0 : j + 1;
    t->e[j].key = key;
    t->size++;
    *out = &t->e[j];
    return EP_OK;
}

void ep_mkn_free(ep_mkn_model *m)
{
    for (int n = 0; n < EP_NGRAM_MAX_ORDER; n++) free(m->t[n].e);
    memset(m->t, 0, sizeof m->t);
    m->bytes_used = 0;
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
    if (!x) return EP_ERR_NOMEM;
    ep_status st = EP_OK;
    ep_mkn_entry *e, *c;
    /* Pass 1: raw counts of every n-gram ending at w_1..w_L, </s> (starting at <s> or later). */
    if (train->ndocs) {
        ep_token bos = EP_MKN_BOS;
        st = insert(m, &m->t[0], fp(m, &bos, 1), &e);
        if (st == EP_OK) e->count |= F_BOS; /* <s> is in the vocabulary with count 0 */
    }
    for (size_t d = 0; st == EP_OK && d < train->ndocs; d++) {
        size_t L = train->docs[d].len;
        pad(x, train->tok + train->docs[d].off, L);
        for (size_t j = 1; st == EP_OK && j <= L + 1; j++) {
            for (int n = 1; n <= K && (size_t)n <= j + 1; n++) {
                st = insert(m, &m->t[n - 1], fp(m, x + j - n + 1, n), &e);
                if (st != EP_OK) break;
                e->count++;
                if (j + 1 == (size_t)n) e->count |= F_BOS;
            }
        }
    }
    /* Pass 2: continuation counts: each distinct n-gram (n >= 2) adds 1 to its suffix. */
    for (size_t d = 0; st == EP_OK && d < train->ndocs; d++) {
        size_t L = train->docs[d].len;
        pad(x, train->tok + train->docs[d].off, L);
        for (size_t j = 1; j <= L + 1; j++) {
            for (int n = 2; n <= K && (size_t)n <= j + 1; n++) {
                e = find(&m->t[n - 1], fp(m, x + j - n + 1, n));
                if (e->count & F_V2) continue;
                e->count |= F_V2;
                find(&m->t[n - 2], fp(m, x + j - n + 2, n - 1))->adj++;
            }
        }
    }
    if (st == EP_OK) {
        for (int n = 1; n <= K; n++) {
            ep_mkn_table *t = &m->t[n - 1];
            for (size_t i = 0; i < t->cap; i++) {
                e = &t->e[i];
                if (!e->key) continue;
                if (n == K || (e->count & F_BOS)) e->adj = e->count & C_MASK;
                if (e->adj >= 1 && e->adj <= 4) m->nstat[n - 1][e->adj]++;
            }
            discounts(m, n - 1);
        }
    }
    /* Pass 3: context sums: each distinct n-gram adds its adjusted count to its prefix. */
    for (size_t d = 0; st == EP_OK && d < train->ndocs; d++) {
        size_t L = train->docs[d].len;
        pad(x, train->tok + train->docs[d].off, L);
        for (size_t j = 1; j <= L + 1; j++) {
            for (int n = 1; n <= K && (size_t)n <= j + 1; n++) {
                e = find(&m->t[n - 1], fp(m, x + j - n + 1, n));
                if (e->count & F_V3) continue;
                e->count |= F_V3;
                uint32_t a = e->adj;
                if (a == 0) continue;
                if (n == 1) {
                    m->root_csum += a;
                    m->root_cn[(a < 3 ? a : 3) - 1]++;
                } else {
                    c = find(&m->t[n - 2], fp(m, x + j - n + 1, n - 1));
                    c->csum += a;
                    c->cn[(a < 3 ? a : 3) - 1]++;
                }
            }
        }
    }
    free(x);
    if (st != EP_OK) {
        ep_mkn_free(m);
        return st;
    }
    m->vocab = dense_vocab ? (double)dense_vocab + 1.0 : (double)m->t[0].size;
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
        if (!find(&m->t[0], fp(m, w_end - 1, 1))) (*oov)++;
        for (int n = 1; n <= wlen; n++) {
            uint64_t csum;
            const uint32_t *cn;
            if (n == 1) {
                csum = m->root_csum;
                cn = (const uint32_t *)NULL;
            } else {
                const ep_mkn_entry *c = find(&m->t[n - 2], fp(m, w_end - n, n - 1));
                if (!c || c->csum == 0) break;
                csum = c->csum;
                cn = c->cn;
            }
            if (csum == 0) break;
            const double *D = m->D[n - 1];
            double g;
            if (n == 1)
                g = D[1] * (double)m->root_cn[0] + D[2] * (double)m->root_cn[1] + D[3] * (double)m->root_cn[2];
            else
                g = D[1] * (double)cn[0] + D[2] * (double)cn[1] + D[3] * (double)cn[2];
            const ep_mkn_entry *e = find(&m->t[n - 1], fp(m, w_end - n, n));
            uint32_t a = e ? e->adj : 0;
            double num = a ? (double)a - D[a < 3 ? a : 3] : 0.0;
            p = num / (double)csum + g / (double)csum * p;
        }
        bits -= log2(p);
    }
    return bits;
}
