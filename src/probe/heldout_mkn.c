/* Held-out cross-entropy of an interpolated modified Kneser-Ney model of order K (mkn_model.h).
 *
 * Split: a document is held out iff u < heldout_fraction, u = top 53 bits of
 * XXH3-64(hash_lo, seed = cfg->seed ^ SPLIT_SALT) / 2^53; duplicates share the side of the split.
 * Memory (mem_bytes = B): held-out tokens B/8, training tokens 3B/8 (both pools with consistent
 * document sampling, mkn_pool.h), model tables B/2 at finish. If the tables do not fit, finish
 * halves the training sample (again consistently, by document hash) and rebuilds. Every sampling
 * rate is reported (train_sampling_p, heldout_sampling_p): nothing is truncated silently.
 * Cross-entropy of one order k: -(1/T) sum log2 p over held-out tokens and one </s> per document
 * (T counts both), as KenLM query's perplexity "including OOVs" of an order-k model; one order-K
 * build gives every k = 1..K exactly (mkn_model.h), reported as by_order. Value: the order is
 * chosen by cross-fitting (docs/estimators.md): the held-out documents are split in two halves by
 * content hash, each half is scored at the order that is best on the other half, value = total
 * bits / T; perplexity = 2^value. `order` is the best order on the whole held-out set (display). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xxh.h"
#include "entroprof/heldout.h"
#include "probe/mkn_model.h"
#include "probe/mkn_pool.h"
#include "probe/ngram_internal.h"
#include "probe/probes_internal.h"

#define SPLIT_SALT 0x6D6B6E2D73706C74ull  /* "mkn-splt" */
#define SAMPLE_SALT 0x6D6B6E2D73616D70ull /* "mkn-samp" */
#define HALF_SALT 0x6D6B6E2D68616C66ull  /* "mkn-half" */
#define SCORE_BLOCK ((size_t)4096) /* held-out documents scored per parallel block */
#define TOKEN_BYTES (sizeof(ep_token) * 3 / 2) /* a pooled token, realloc growth included */

typedef struct {
    int K;
    uint64_t seed;
    double heldout_fraction;
    uint64_t budget;
    uint64_t dense_vocab;
    ep_mkn_pool train, test;
    ep_status status;
    ep_ngram_tokens toks; /* encoder for the ordered lane */
} mkn_state;

int ep_heldout_is_test(uint64_t hash_lo, uint64_t seed, double heldout_fraction)
{
    uint64_t h = XXH3_64bits_withSeed(&hash_lo, sizeof hash_lo, seed ^ SPLIT_SALT);
    return (double)(h >> 11) * (1.0 / 9007199254740992.0) < heldout_fraction;
}

static void *mkn_create(const ep_probe_env *env)
{
    mkn_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->K = ep_ngram_default_order(env->cfg, env->tok);
    s->seed = env->cfg ? env->cfg->seed : 0;
    s->heldout_fraction = env->cfg && env->cfg->heldout_fraction > 0 ? env->cfg->heldout_fraction : 0.1;
    s->budget = ep_ngram_state_budget(env);
    s->dense_vocab = env->tok ? ep_tokenizer_vocab_size(env->tok) : 0;
    ep_ngram_tokens_init(&s->toks, env->tok);
    /* Pools: by memory, and by --ngram-sample-tokens (train at most N tokens, held-out N/4): the
     * cost of the model per shard stays bounded and shards are compared on equal-size samples. */
    uint64_t test_cost = s->budget / 8 / TOKEN_BYTES, train_cost = s->budget * 3 / 8 / TOKEN_BYTES;
    uint64_t cap = env->cfg ? env->cfg->ngram_sample_tokens : 0;
    if (cap && cap < train_cost) train_cost = cap;
    if (cap && cap / 4 < test_cost) test_cost = cap / 4;
    ep_mkn_pool_init(&s->test, test_cost);
    ep_mkn_pool_init(&s->train, train_cost);
    return s;
}

static void mkn_observe(void *st, const ep_doc *doc, const ep_token *ids, size_t n_ids)
{
    mkn_state *s = st;
    ep_status te = ep_ngram_tokens_get(&s->toks, doc, &ids, &n_ids);
    if (te != EP_OK) {
        if (s->status == EP_OK) s->status = te;
        return;
    }
    if (n_ids == 0) return; /* an empty document is not a sentence (KenLM skips nothing, but
                               the reader never delivers empty documents) */
    if (n_ids > UINT32_MAX) {
        if (s->status == EP_OK) s->status = EP_ERR_LIMIT;
        return;
    }
    ep_mkn_doc d = {0};
    uint64_t hh[2] = {doc->hash_lo, doc->hash_hi};
    d.h = XXH3_64bits_withSeed(hh, sizeof hh, s->seed ^ SAMPLE_SALT);
    d.lo = doc->hash_lo;
    d.hi = doc->hash_hi;
    d.bytes = doc->len;
    d.len = (uint32_t)n_ids;
    ep_mkn_pool *p = ep_heldout_is_test(doc->hash_lo, s->seed, s->heldout_fraction) ? &s->test : &s->train;
    p->offered_docs++;
    p->offered_tokens += n_ids;
    ep_status r = ep_mkn_pool_add(p, &d, ids);
    if (r != EP_OK && s->status == EP_OK) s->status = r;
}

static ep_status mkn_merge(void *into, const void *from)
{
    mkn_state *a = into;
    const mkn_state *b = from;
    if (a->K != b->K) return EP_ERR_INTERNAL;
    ep_status r = ep_mkn_pool_merge(&a->train, &b->train);
    if (r == EP_OK) r = ep_mkn_pool_merge(&a->test, &b->test);
    if (a->status == EP_OK) a->status = b->status;
    return r;
}

/* 1-based order with the fewest bits (the lowest such order on ties). */
static int best_order(const double *bits, int K)
{
    int b = 0;
    for (int k = 1; k < K; k++)
        if (bits[k] < bits[b]) b = k;
    return b + 1;
}

static ep_status mkn_finish(void *st, const void *before, ep_jv *out, const ep_probe_env *env)
{
    (void)before;
    mkn_state *s = st;
    int T = env && env->nthreads > 0 ? env->nthreads : 1;
    if (s->status != EP_OK) return s->status;
    if (s->train.ndocs == 0 || s->test.ndocs == 0) return EP_OK; /* nothing to estimate: absent */
    ep_mkn_model m;
    ep_status r;
    for (;;) {
        r = ep_mkn_build(&m, &s->train, s->K, s->seed, s->budget / 2, s->dense_vocab, T);
        if (r != EP_ERR_LIMIT) break;
        ep_mkn_pool_raise_shift(&s->train, s->train.shift + 1);
        if (s->train.ndocs == 0) return EP_OK; /* budget too small for a single document */
    }
    if (r != EP_OK) return r;
    ep_mkn_pool_sort(&s->test);
    /* Documents scored under every order k = 1..K, in blocks of SCORE_BLOCK documents: in parallel
     * into per-document slots, then summed in document order, so the values do not depend on the
     * thread count. Cross-fitted order selection: half h of a held-out document = the top bit of a
     * hash of its content hash; the order picked on one half (fewest bits per token, the lower
     * order on a tie) scores the other half, so the selected value carries no selection bias. */
    size_t nd = s->test.ndocs, K = (size_t)s->K;
    double *dbits = malloc(SCORE_BLOCK * K * sizeof *dbits);
    uint64_t *doov = malloc(SCORE_BLOCK * sizeof *doov);
    if (!dbits || !doov) {
        free(dbits);
        free(doov);
        ep_mkn_free(&m);
        return EP_ERR_NOMEM;
    }
    double bits_all[EP_NGRAM_MAX_ORDER] = {0}, bits_h[2][EP_NGRAM_MAX_ORDER] = {{0}};
    /* Standard error (ratio estimator over documents): per half and order, sums of b^2 and b*t,
     * and per half of t^2, with b the bits and t the predicted tokens of a document. */
    double bb_h[2][EP_NGRAM_MAX_ORDER] = {{0}}, bt_h[2][EP_NGRAM_MAX_ORDER] = {{0}}, tt_h[2] = {0, 0};
    uint64_t oov = 0, tokens = 0, bytes = 0, pred_h[2] = {0, 0};
    for (size_t b0 = 0; b0 < nd; b0 += SCORE_BLOCK) {
        long nb = (long)(nd - b0 < SCORE_BLOCK ? nd - b0 : SCORE_BLOCK);
#pragma omp parallel for schedule(dynamic, 8) num_threads(T)
        for (long i = 0; i < nb; i++) {
            const ep_mkn_doc *doc = &s->test.docs[b0 + (size_t)i];
            doov[i] = 0;
            ep_mkn_doc_bits_orders(&m, s->test.tok + doc->off, doc->len, &doov[i], dbits + (size_t)i * K);
        }
        for (size_t i = 0; i < (size_t)nb; i++) {
            const ep_mkn_doc *doc = &s->test.docs[b0 + i];
            int h = (int)(XXH3_64bits_withSeed(&doc->lo, sizeof doc->lo, s->seed ^ HALF_SALT) >> 63);
            double t = (double)doc->len + 1;
            for (size_t k = 0; k < K; k++) {
                double b = dbits[i * K + k];
                bits_all[k] += b;
                bits_h[h][k] += b;
                bb_h[h][k] += b * b;
                bt_h[h][k] += b * t;
            }
            tt_h[h] += t * t;
            pred_h[h] += (uint64_t)doc->len + 1;
            oov += doov[i];
            tokens += doc->len;
            bytes += doc->bytes;
        }
    }
    free(dbits);
    free(doov);
    uint64_t predicted = tokens + s->test.ndocs; /* + one </s> per document */
    int pick[2], best = best_order(bits_all, (int)K);
    for (int h = 0; h < 2; h++) pick[h] = pred_h[h] ? best_order(bits_h[h], (int)K) : (int)K;
    double bits = bits_h[0][pick[1] - 1] + bits_h[1][pick[0] - 1];
    double v = bits / (double)predicted;
    /* Var(R) of R = sum b / sum t over n documents, linearized (Cochran 1977, ratio estimator):
     * n/(n-1) * sum (b_i - R t_i)^2 / (sum t)^2; each half's b at the order it is scored with. */
    double q = 0;
    for (int h = 0; h < 2; h++) {
        int k = pick[1 - h] - 1;
        q += bb_h[h][k] - 2 * v * bt_h[h][k] + v * v * tt_h[h];
    }
    double se = nd > 1 && q > 0 ? sqrt((double)nd / (double)(nd - 1) * q) / (double)predicted : NAN;
    ep_jv *e = ep_estimate_add(out, "heldout_mkn", v, "bits_per_token", "upper_bound",
                               "held-out cross-entropy, interpolated modified Kneser-Ney (KenLM-exact)",
                               predicted);
    if (e) {
        if (bytes) ep_jv_set(e, "bits_per_byte", ep_jv_num(bits / (double)bytes));
        if (isfinite(se)) {
            ep_jv_set(e, "stderr", ep_jv_num(se));
            if (bytes) ep_jv_set(e, "stderr_bits_per_byte", ep_jv_num(se * (double)predicted / (double)bytes));
        }
        ep_jv_set(e, "order", ep_jv_int(best));
        ep_jv_set(e, "max_order", ep_jv_int(s->K));
        ep_jv *oc = ep_jv_set(e, "orders_crossfit", ep_jv_arr());
        ep_jv_push(oc, ep_jv_int(pick[0]));
        ep_jv_push(oc, ep_jv_int(pick[1]));
        ep_jv *bo = ep_jv_set(e, "by_order", ep_jv_arr());
        for (size_t k = 0; k < K; k++) ep_jv_push(bo, ep_jv_num(bits_all[k] / (double)predicted));
        ep_jv_set(e, "order_selection", ep_jv_str("cross-fit over two halves of the held-out documents"));
        ep_jv_set(e, "perplexity", ep_jv_num(exp2(v)));
        ep_jv_set(e, "heldout_docs", ep_jv_int((int64_t)s->test.ndocs));
        ep_jv_set(e, "heldout_tokens", ep_jv_int((int64_t)tokens));
        ep_jv_set(e, "eos_counted", ep_jv_bool(1));
        ep_jv_set(e, "oov_tokens", ep_jv_int((int64_t)oov));
        ep_jv_set(e, "train_docs", ep_jv_int((int64_t)s->train.ndocs));
        ep_jv_set(e, "train_tokens", ep_jv_int((int64_t)s->train.ntok));
        ep_jv_set(e, "vocab_size", ep_jv_num(m.vocab));
        ep_jv_set(e, "train_sampling_p", ep_jv_num(ep_mkn_pool_p(&s->train)));
        ep_jv_set(e, "heldout_sampling_p", ep_jv_num(ep_mkn_pool_p(&s->test)));
        ep_jv_set(e, "heldout_fraction", ep_jv_num(s->heldout_fraction));
        ep_jv *ds = ep_jv_set(e, "discounts", ep_jv_arr());
        int fb = 0;
        for (int n = 0; n < s->K; n++) {
            ep_jv *row = ep_jv_push(ds, ep_jv_arr());
            for (int j = 1; j <= 3; j++) ep_jv_push(row, ep_jv_num(m.D[n][j]));
            fb |= m.fallback[n];
        }
        ep_jv_set(e, "discount_fallback", ep_jv_bool(fb));
        ep_jv_set(e, "table_bytes_peak", ep_jv_int((int64_t)m.bytes_peak));
    }
    ep_mkn_free(&m);
    return EP_OK;
}

static void mkn_free(void *st)
{
    mkn_state *s = st;
    if (!s) return;
    ep_mkn_pool_free(&s->train);
    ep_mkn_pool_free(&s->test);
    ep_ngram_tokens_free(&s->toks);
    free(s);
}

static int mkn_enabled(const ep_scan_config *cfg)
{
    (void)cfg;
    return 1;
}

const ep_probe_vtable ep_probe_heldout_mkn = {
    .name = "heldout_mkn",
    .flags = EP_PROBE_NEEDS_TOKENS | EP_PROBE_ORDERED | EP_PROBE_ESTIMATOR, /* see ep_ngram_state_budget */
    .enabled = mkn_enabled,
    .mem_weight = 4.0,
    .create = mkn_create,
    .observe = mkn_observe,
    .merge = mkn_merge,
    .finish = mkn_finish,
    .free = mkn_free,
};
