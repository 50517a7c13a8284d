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
#include <sys/mman.h>

#include <omp.h>

#include "base/xxh.h"
#include "probe/mkn_model.h"

#define F_BOS (1u << 31)
#define C_MASK ((1u << 31) - 1)
#define MAX_LOAD 0.85
#define EP_MKN_RESIZE ((ep_status)1000) /* internal: a table filled up; resize and recount */

#define slot_of ep_ngtab_slot_of

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
    if (n + 1 < K) b += 3 * sizeof(uint32_t);         /* cnr[3] (order n+1 as a top order) */
    return b;
}

/* Tables of 4 MiB and more are mapped directly and advised onto transparent huge pages (the
 * random probes of the build and of the scoring then miss the TLB far less); smaller ones come
 * from calloc. Both are zero-filled. */
#define HUGE_MIN (4u << 20)
static ep_status table_alloc(ep_mkn_table *t, size_t cap, int n, int K)
{
    memset(t, 0, sizeof *t);
    size_t bytes = cap * slot_bytes(n, K);
    if (bytes >= HUGE_MIN) {
        void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return EP_ERR_NOMEM;
#ifdef MADV_HUGEPAGE
        (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
        t->mem = p;
        t->mem_bytes = bytes;
    } else {
        t->mem = calloc(cap, slot_bytes(n, K));
        if (!t->mem) return EP_ERR_NOMEM;
    }
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
        p += cap * 3 * sizeof(uint32_t);
    }
    if (n + 1 < K) t->cnr = (uint32_t *)p;
    return EP_OK;
}

static void table_free(ep_mkn_table *t)
{
    if (t->mem_bytes) munmap(t->mem, t->mem_bytes);
    else free(t->mem);
    memset(t, 0, sizeof *t);
}

void ep_mkn_free(ep_mkn_model *m)
{
    for (int n = 0; n < EP_NGRAM_MAX_ORDER; n++) table_free(&m->t[n]);
    m->bytes_used = 0;
}

/* HyperLogLog (Flajolet et al. 2007) with 2^12 registers: distinct count to ~1.6%. Registers
 * are maxima, so per-thread registers merged by max equal those of one sequential pass. */
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

static void discounts(const uint64_t *s, double *D, int *fallback)
{
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
    *fallback = bad;
    if (bad) {
        D[1] = 0.5;
        D[2] = 1.0;
        D[3] = 1.5;
    }
}

/* Positions: document d contributes L_d + 1 positions j = 1..L_d + 1 of its padded form
 * x = <s> w_1 .. w_L </s> (x[j] ends the n-grams of that position; order n exists iff n <= j + 1).
 * Global position numbering: pos_off[d] + j - 1. */
/* The window x[j-w+1..j], w = min(j + 1, n), of a document t[0..L) padded as <s> t </s>
 * (x[0] = <s>, x[L+1] = </s>), into buf[EP_NGRAM_MAX_ORDER - w..]; @return one past x[j]. Ids are
 * widened to 64 bits: <s> and </s> are 64-bit values, and an n-gram's fingerprint is XXH3-64 of the
 * bytes it had when ep_token was 64-bit, so models and profiles are those of that version. */
static inline const uint64_t *window(uint64_t *buf, const ep_token *t, size_t L, size_t j, int n)
{
    int w = j + 1 < (size_t)n ? (int)j + 1 : n;
    for (int q = 0; q < w; q++) {
        size_t pos = j - (size_t)q;
        buf[EP_NGRAM_MAX_ORDER - 1 - q] = pos == 0 ? EP_MKN_BOS : pos == L + 1 ? EP_MKN_EOS : t[pos - 1];
    }
    return buf + EP_NGRAM_MAX_ORDER;
}

typedef struct {
    const ep_mkn_pool *p;
    const size_t *pos_off; /* (ndocs + 1) */
    uint64_t oseed[EP_NGRAM_MAX_ORDER + 1];
    int K;
} posctx;

/* Fingerprints of orders n0..n1 at global positions [a, b): either added to HyperLogLog
 * registers (hll != NULL, K * 2^HLL_B) or, for n0 = n1 = n, stored at fpo[i - a] with
 * jj[i - a] = min(j, 255); 0 where the n-gram does not exist. */
static void fp_range(const posctx *c, size_t a, size_t b, int n0, int n1, uint8_t *hll, uint64_t *fpo,
                     uint8_t *jj)
{
    const size_t *po = c->pos_off;
    size_t lo = 0, hi = c->p->ndocs; /* largest d with po[d] <= a */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (po[mid] <= a) lo = mid;
        else hi = mid;
    }
    size_t d = lo, j = a - po[d] + 1;
    uint64_t buf[EP_NGRAM_MAX_ORDER]; /* x[j-n1+1..j] widened (see window()) */
    const ep_token *t = c->p->tok + c->p->docs[d].off;
    size_t L = c->p->docs[d].len;
    for (size_t i = a; i < b; i++) {
        if (j > L + 1) {
            d++;
            j = 1;
            t = c->p->tok + c->p->docs[d].off;
            L = c->p->docs[d].len;
        }
        const uint64_t *end = window(buf, t, L, j, n1); /* one past x[j] */
        for (int n = n0; n <= n1; n++) {
            uint64_t f = 0;
            if ((size_t)n <= j + 1)
                f = ep_ngtab_key(XXH3_64bits_withSeed(end - n, (size_t)n * sizeof *end, c->oseed[n]));
            if (hll) {
                if (f) hll_add(hll + ((size_t)(n - 1) << HLL_B), f);
            } else fpo[i - a] = f;
        }
        if (jj) jj[i - a] = (uint8_t)(j < 255 ? j : 255);
        j++;
    }
}

#define PREFETCH 32          /* keys ahead */
#define FP_BLOCK 4096        /* positions per parallel HyperLogLog task */
#define NO_SLOT UINT32_MAX

/* Inserts one window of order n's fingerprints in position order (the same order as a
 * sequential pass: slots and first occurrences do not depend on the thread count); slot[i] and
 * fresh[i] per position. */
static ep_status insert_run(ep_mkn_table *t, int n, const uint64_t *fpv, const uint8_t *jj, uint32_t *slot,
                            uint8_t *fresh, size_t len)
{
    size_t cap = t->cap;
    for (size_t i = 0; i < len; i++) {
        if (i + PREFETCH < len && fpv[i + PREFETCH]) {
            size_t h = slot_of(fpv[i + PREFETCH], cap);
            __builtin_prefetch(&t->key[h], 1);
            __builtin_prefetch(&t->count[h], 1);
        }
        uint64_t k = fpv[i];
        fresh[i] = 0;
        slot[i] = NO_SLOT;
        if (!k) continue;
        size_t s;
        int f;
        ep_status st = insert(t, k, &s, &f);
        if (st != EP_OK) return st;
        t->count[s]++;
        if (f) {
            fresh[i] = 1;
            if ((size_t)jj[i] + 1 == (size_t)n) t->count[s] |= F_BOS;
        }
        slot[i] = (uint32_t)s;
    }
    return EP_OK;
}

/* Links the n-grams first seen in a window (order n >= 2) to their suffix (the (n-1)-gram at
 * the same position) and prefix (the (n-1)-gram one position earlier; <s> at j = 1). */
static void link_run(ep_mkn_table *t, const uint32_t *slot, const uint8_t *fresh, const uint32_t *slot_lo,
                     uint32_t carry_lo, const uint8_t *jj, uint32_t bos_slot, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (i + PREFETCH < len && fresh[i + PREFETCH]) {
            __builtin_prefetch(&t->suf[slot[i + PREFETCH]], 1);
            __builtin_prefetch(&t->pre[slot[i + PREFETCH]], 1);
        }
        if (!fresh[i]) continue;
        t->suf[slot[i]] = slot_lo[i];
        t->pre[slot[i]] = jj[i] == 1 ? bos_slot : i ? slot_lo[i - 1] : carry_lo;
    }
}

/* Per order and window buffer (two buffers: window w is inserted while window w-1 is linked). */
typedef struct {
    uint64_t *fp;   /* (K, W) this window's fingerprints, per order */
    uint32_t *slot; /* (2, K, W) */
    uint8_t *fresh; /* (2, K, W) */
    uint8_t *jj;    /* (2, K, W) min(j, 255) per position */
} scratch;

/* Raw counts and links, window by window, with one barrier per window: in phase w the thread of
 * order n fingerprints and inserts window w into table n, and links the n-grams first seen in
 * window w-1 (whose slots of order n-1 were written in phase w-1). Only that thread writes
 * table n. On a full table: EP_MKN_RESIZE with over[n-1] = 1 for each order that filled up. */
static ep_status count_pass(ep_mkn_model *m, const posctx *c, size_t P, scratch *sc, int *over)
{
    /* T is read by num_threads(T) below, which the analyzer does not see */
    // NOLINTNEXTLINE(clang-analyzer-deadcode.DeadStores)
    int K = m->K, T = m->nthreads;
    const size_t W = EP_MKN_WINDOW, KW = (size_t)K * W;
    size_t bos_slot = 0;
    int fresh;
    uint64_t bos = EP_MKN_BOS;
    ep_status st = insert(&m->t[0], ep_ngtab_key(XXH3_64bits_withSeed(&bos, sizeof bos, c->oseed[1])),
                          &bos_slot, &fresh);
    if (st != EP_OK) {
        over[0] = 1;
        return st;
    }
    m->t[0].count[bos_slot] |= F_BOS; /* <s> is in the vocabulary with count 0 */
    m->bos_slot = bos_slot;
    uint32_t carry[EP_NGRAM_MAX_ORDER];
    ep_status ost[EP_NGRAM_MAX_ORDER];
    size_t nwin = (P + W - 1) / W;
    for (size_t w = 0; w <= nwin; w++) {
        size_t cb = (w & 1) * KW, pb = KW - cb; /* this window's buffer, the previous one's */
        if (w >= 2) /* last slots of window w-2 (full length), before its buffer is reused */
            for (int n = 0; n < K; n++) carry[n] = sc->slot[cb + (size_t)n * W + W - 1];
        size_t a = w * W, len = w < nwin ? (P - a < W ? P - a : W) : 0;
        size_t plen = w >= 1 ? (P - (a - W) < W ? P - (a - W) : W) : 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(T)
        for (int n = K; n >= 1; n--) {
            size_t o = (size_t)(n - 1) * W;
            ost[n - 1] = EP_OK;
            if (len) {
                fp_range(c, a, a + len, n, n, NULL, sc->fp + o, sc->jj + cb + o);
                ost[n - 1] = insert_run(&m->t[n - 1], n, sc->fp + o, sc->jj + cb + o, sc->slot + cb + o,
                                        sc->fresh + cb + o, len);
            }
            if (plen && n >= 2)
                link_run(&m->t[n - 1], sc->slot + pb + o, sc->fresh + pb + o, sc->slot + pb + o - W,
                         w >= 2 ? carry[n - 2] : NO_SLOT, sc->jj + pb + o, (uint32_t)bos_slot, plen);
        }
        int bad = 0;
        for (int n = 0; n < K; n++)
            if (ost[n] != EP_OK) over[n] = bad = 1;
        if (bad) return EP_MKN_RESIZE;
    }
    return EP_OK;
}

ep_status ep_mkn_build(ep_mkn_model *m, const ep_mkn_pool *train, int K, uint64_t seed,
                       uint64_t table_budget, uint64_t dense_vocab, int nthreads)
{
    memset(m, 0, sizeof *m);
    m->K = K;
    m->seed = seed;
    m->budget = table_budget;
    m->nthreads = nthreads > 0 ? nthreads : 1;
    m->ndocs = train->ndocs;
    int T = m->nthreads;
    if (train->ntok + train->ndocs >= C_MASK) return EP_ERR_LIMIT;
    posctx c = {.p = train, .K = K};
    for (int n = 1; n <= K; n++) c.oseed[n] = ep_ngram_order_seed(seed, n);
    size_t *pos_off = malloc((train->ndocs + 1) * sizeof *pos_off);
    uint8_t *regs = calloc((size_t)T * ((size_t)K << HLL_B), 1);
    scratch sc = {0};
    if (!pos_off || !regs) {
        free(pos_off);
        free(regs);
        return EP_ERR_NOMEM;
    }
    pos_off[0] = 0;
    for (size_t d = 0; d < train->ndocs; d++) pos_off[d + 1] = pos_off[d] + train->docs[d].len + 1;
    c.pos_off = pos_off;
    size_t P = pos_off[train->ndocs];
    /* Distinct n-grams per order (HyperLogLog), to size the tables once. */
    long nb = (long)((P + FP_BLOCK - 1) / FP_BLOCK);
    const size_t rb = (size_t)K << HLL_B;
#pragma omp parallel num_threads(T)
    {
        uint8_t *r = regs + (size_t)omp_get_thread_num() * rb;
#pragma omp for schedule(dynamic, 4)
        for (long b = 0; b < nb; b++) {
            size_t s = (size_t)b * FP_BLOCK, e = s + FP_BLOCK < P ? s + FP_BLOCK : P;
            fp_range(&c, s, e, 1, K, r, NULL, NULL);
        }
    }
    for (int t = 1; t < T; t++)
        for (size_t i = 0; i < rb; i++)
            if (regs[(size_t)t * rb + i] > regs[i]) regs[i] = regs[(size_t)t * rb + i];
    size_t cap[EP_NGRAM_MAX_ORDER];
    for (int n = 1; n <= K; n++)
        cap[n - 1] = (size_t)(hll_estimate(regs + ((size_t)(n - 1) << HLL_B)) * 1.08 / MAX_LOAD) + 64;
    free(regs);
    const size_t W = EP_MKN_WINDOW;
    sc.fp = malloc((size_t)K * W * sizeof *sc.fp);
    sc.slot = malloc(2 * (size_t)K * W * sizeof *sc.slot);
    sc.fresh = malloc(2 * (size_t)K * W);
    sc.jj = malloc(2 * (size_t)K * W);
    ep_status st = sc.fp && sc.slot && sc.fresh && sc.jj ? EP_OK : EP_ERR_NOMEM;
    while (st == EP_OK) {
        uint64_t bytes = 0;
        for (int n = 1; n <= K; n++) bytes += (uint64_t)cap[n - 1] * slot_bytes(n, K);
        if (bytes > table_budget) {
            st = EP_ERR_LIMIT;
            break;
        }
        for (int n = 1; n <= K && st == EP_OK; n++) {
            if (cap[n - 1] >= UINT32_MAX) st = EP_ERR_LIMIT;
            else st = table_alloc(&m->t[n - 1], cap[n - 1], n, K);
        }
        m->bytes_used = m->bytes_peak = bytes;
        int over[EP_NGRAM_MAX_ORDER] = {0};
        if (st == EP_OK) st = count_pass(m, &c, P, &sc, over);
        if (st != EP_MKN_RESIZE) break;
        /* an estimate was short (rare): grow the orders that filled up and count again. Each
         * order grows until it fits, so the final capacities are those of any growth schedule. */
        for (int n = 0; n < K; n++)
            if (over[n]) cap[n] = cap[n] + cap[n] / 2;
        ep_mkn_free(m);
        st = EP_OK;
    }
    free(pos_off);
    free(sc.fp);
    free(sc.slot);
    free(sc.fresh);
    free(sc.jj);
    if (st != EP_OK) {
        ep_mkn_free(m);
        return st;
    }
    /* Continuation counts (KenLM adjust_counts.cc): every distinct n-gram, n >= 2, adds 1 to its
     * suffix; n-grams that start with <s> and order K keep their raw counts. Order n writes only
     * table n-1, so the orders run in parallel. */
#pragma omp parallel for schedule(dynamic, 1) num_threads(T)
    for (int n = K; n >= 2; n--) {
        const ep_mkn_table *t = &m->t[n - 1];
        ep_mkn_table *lo = &m->t[n - 2];
        for (size_t i = 0; i < t->cap; i++)
            if (t->key[i]) lo->adj[t->suf[i]]++;
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads(T)
    for (int n = K; n >= 1; n--) {
        ep_mkn_table *t = &m->t[n - 1];
        uint64_t *ns = m->nstat[n - 1], *nr = m->nstat_raw[n - 1];
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->key[i]) continue;
            uint32_t a, r = t->count[i] & C_MASK;
            if (r >= 1 && r <= 4) nr[r]++;
            if (n == K) a = t->count[i] & C_MASK;
            else {
                if (t->count[i] & F_BOS) t->adj[i] = t->count[i] & C_MASK;
                a = t->adj[i];
            }
            if (a >= 1 && a <= 4) ns[a]++;
        }
        discounts(ns, m->D[n - 1], &m->fallback[n - 1]);
        discounts(nr, m->Dr[n - 1], &m->fallback_raw[n - 1]);
    }
    /* Context sums: every distinct n-gram adds its adjusted count to its prefix (order n writes
     * only table n-1, order 1 the root). For order n < K as a top order, also N1/N2/N3+ of its raw
     * counts (cnr); the raw context sum is not stored: sum_v c(hv) = c(h), every occurrence of a
     * context being followed by a token (a context never ends with </s>), except for <s>, whose
     * raw count is 0 and whose extensions sum to the number of documents. */
#pragma omp parallel for schedule(dynamic, 1) num_threads(T)
    for (int n = K; n >= 1; n--) {
        const ep_mkn_table *t = &m->t[n - 1];
        ep_mkn_table *lo = n > 1 ? &m->t[n - 2] : NULL;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->key[i]) continue;
            uint32_t a = n == K ? t->count[i] & C_MASK : t->adj[i], r = t->count[i] & C_MASK;
            unsigned kr = r ? (r < 3 ? r : 3) - 1 : 0;
            if (n < K && r) {
                if (!lo) {
                    m->root_csum_raw += r;
                    m->root_cnr_u32[kr]++;
                } else lo->cnr[(size_t)t->pre[i] * 3 + kr]++;
            }
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

/* Scoring. At position j the context of order n is the (n-1)-gram ending at j-1, which position
 * j-1 looked up as its own n-gram of order n-1: its slot is carried over (prev[]) instead of being
 * hashed and probed again. Where position j-1 stopped early (a context absent, or one without
 * extensions), the longer n-grams at j-1 contain that context and are absent too. The
 * fingerprints of a position are computed first and their slots prefetched, so that the probes of
 * the orders overlap. */
/* bits_k: NULL for the order-K sum only (returned), else the sums of every order. */
static double score(const ep_mkn_model *m, const ep_token *ids, size_t L, uint64_t *oov, double *bits_k)
{
    double bits = 0;
    int K = m->K;
    if (K < 1) return 0; /* never: a model has order 1..EP_NGRAM_MAX_ORDER; it bounds oseed's use below */
    uint64_t oseed[EP_NGRAM_MAX_ORDER + 1], f[EP_NGRAM_MAX_ORDER];
    for (int n = 1; n <= K; n++) oseed[n] = ep_ngram_order_seed(m->seed, n);
    size_t sa[EP_NGRAM_MAX_ORDER], sb[EP_NGRAM_MAX_ORDER], *prev = sa, *cur = sb;
    for (int n = 0; n < K; n++) prev[n] = SIZE_MAX;
    prev[0] = m->bos_slot; /* the unigram <s> at position 0 */
    uint64_t buf[EP_NGRAM_MAX_ORDER];
    for (size_t j = 1; j <= L + 1; j++) {
        int wlen = j + 1 < (size_t)K ? (int)j + 1 : K;
        /* orders whose context is known to be present at all */
        int reach = 1;
        while (reach < wlen && prev[reach - 1] != SIZE_MAX) reach++;
        const uint64_t *end = window(buf, ids, L, j, reach); /* one past x[j] */
        for (int n = 1; n <= reach; n++) {
            const ep_mkn_table *t = &m->t[n - 1];
            f[n - 1] = ep_ngtab_key(XXH3_64bits_withSeed(end - n, (size_t)n * sizeof *end, oseed[n]));
            size_t h = slot_of(f[n - 1], t->cap);
            __builtin_prefetch(&t->key[h]);
            __builtin_prefetch(n == K ? &t->count[h] : &t->adj[h]);
            if (n >= 2) {
                const ep_mkn_table *c = &m->t[n - 2];
                __builtin_prefetch(&c->csum[prev[n - 2]]);
                __builtin_prefetch(&c->cn[prev[n - 2] * 3]);
            }
        }
        double p = 1.0 / m->vocab;
        int n;
        for (n = 1; n <= reach; n++) {
            uint64_t csum;
            const uint32_t *cn;
            if (n == 1) {
                csum = m->root_csum;
                cn = (const uint32_t *)m->root_cn_u32;
            } else {
                const ep_mkn_table *c = &m->t[n - 2];
                size_t ci = prev[n - 2];
                if (c->csum[ci] == 0) break;
                csum = c->csum[ci];
                cn = c->cn + ci * 3;
            }
            if (csum == 0) break;
            const double *D = m->D[n - 1];
            double g = D[1] * (double)cn[0] + D[2] * (double)cn[1] + D[3] * (double)cn[2];
            const ep_mkn_table *t = &m->t[n - 1];
            size_t ei = find(t, f[n - 1]);
            cur[n - 1] = ei;
            uint32_t a = 0;
            if (ei != SIZE_MAX) a = n == K ? t->count[ei] & C_MASK : t->adj[ei];
            if (n == 1 && ei == SIZE_MAX) (*oov)++;
            double num = a ? (double)a - D[a < 3 ? a : 3] : 0.0;
            if (bits_k && n < K) {
                /* order n as the top order: raw counts, raw discounts, raw context sums */
                uint64_t cr;
                const uint32_t *cnr;
                if (n == 1) {
                    cr = m->root_csum_raw;
                    cnr = m->root_cnr_u32;
                } else {
                    size_t ci = prev[n - 2];
                    cr = n == 2 && ci == m->bos_slot ? m->ndocs : m->t[n - 2].count[ci] & C_MASK;
                    cnr = m->t[n - 2].cnr + ci * 3;
                }
                const double *Dr = m->Dr[n - 1];
                uint32_t r = ei != SIZE_MAX ? t->count[ei] & C_MASK : 0;
                double gr = Dr[1] * (double)cnr[0] + Dr[2] * (double)cnr[1] + Dr[3] * (double)cnr[2];
                double numr = r ? (double)r - Dr[r < 3 ? r : 3] : 0.0;
                bits_k[n - 1] -= log2(numr / (double)cr + gr / (double)cr * p);
            }
            p = num / (double)csum + g / (double)csum * p;
        }
        int stop = n; /* first order not reached */
        for (n = n - 1; n < K; n++) cur[n] = SIZE_MAX; /* not reached: absent */
        double lp = log2(p);
        bits -= lp;
        if (bits_k) /* orders >= stop back off to the chain below, as an order-k model does; order
                       K (reached or not) is the chain itself */
            for (int k = stop <= K ? stop : K; k <= K; k++) bits_k[k - 1] -= lp;
        size_t *sw = prev;
        prev = cur;
        cur = sw;
    }
    return bits;
}

double ep_mkn_doc_bits(const ep_mkn_model *m, const ep_token *ids, size_t L, uint64_t *oov)
{
    return score(m, ids, L, oov, NULL);
}

void ep_mkn_doc_bits_orders(const ep_mkn_model *m, const ep_token *ids, size_t L, uint64_t *oov, double *bits)
{
    for (int k = 0; k < m->K; k++) bits[k] = 0;
    score(m, ids, L, oov, bits);
}
