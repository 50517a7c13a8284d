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

#include "base/xxh.h"
#include "entroprof/heldout.h"
#include "probe/mkn_curve.h"
#include "probe/mkn_model.h"
#include "probe/mkn_pool.h"
#include "probe/ngram_internal.h"
#include "probe/probes_internal.h"

#define SPLIT_SALT 0x6D6B6E2D73706C74ull  /* "mkn-splt" */
#define SAMPLE_SALT 0x6D6B6E2D73616D70ull /* "mkn-samp" */
#define HALF_SALT 0x6D6B6E2D68616C66ull  /* "mkn-half" */
#define SCORE_BLOCK ((size_t)4096) /* held-out documents scored per parallel block */
#define TOKEN_BYTES (EP_MKN_POOL_TOKEN_BYTES * 3 / 2) /* a pooled token, realloc growth included */
/* Learning curve (docs/estimators.md §2, "Size"): the reference sample every shard is compared
 * at, the held-out subset the curve is scored on, its number of nested levels, and the smallest
 * training sample worth a point. */
#define EP_MKN_REF_TRAIN_TOKENS 524288
#define EP_MKN_CURVE_HELDOUT_TOKENS 131072
#define EP_MKN_CURVE_LEVELS 2
#define EP_MKN_CURVE_MIN_TRAIN 1024
#define EP_MKN_CURVE_MAX_EXTRAPOLATION 2.0 /* reference H from the fit up to 2x the largest level */

typedef struct {
    int K;
    uint64_t seed;
    double heldout_fraction;
    uint64_t budget;
    uint64_t dense_vocab;
    ep_mkn_pool train, test;
    ep_ngram_tokens toks; /* encoder for the ordered lane */
} mkn_state;

int ep_heldout_is_test(uint64_t hash_lo, uint64_t seed, double heldout_fraction)
{
    uint64_t h = XXH3_64bits_withSeed(&hash_lo, sizeof hash_lo, seed ^ SPLIT_SALT);
    return (double)(h >> 11) * (1.0 / 9007199254740992.0) < heldout_fraction;
}

static ep_status mkn_create(void **out, const ep_probe_env *env, ep_error *err)
{
    mkn_state *s = calloc(1, sizeof *s);
    *out = s;
    if (!s) return ep_error_set(err, EP_ERR_NOMEM, "heldout_mkn: out of memory");
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
    return EP_OK;
}

static ep_status mkn_observe(void *st, const ep_doc *doc, const ep_token *ids, size_t n_ids, ep_error *err)
{
    mkn_state *s = st;
    ep_status te = ep_ngram_tokens_get(&s->toks, doc, &ids, &n_ids);
    if (te != EP_OK) return ep_error_set(err, te, "heldout_mkn: cannot tokenize document %llu: %s",
                                         (unsigned long long)doc->index, ep_strerror(te));
    if (n_ids == 0) return EP_OK; /* an empty document is not a sentence (KenLM skips nothing, but
                                     the reader never delivers empty documents) */
    if (n_ids > UINT32_MAX)
        return ep_error_set(err, EP_ERR_LIMIT, "heldout_mkn: document %llu has %zu tokens, more than 2^32 - 1",
                            (unsigned long long)doc->index, n_ids);
    ep_mkn_doc d = {0};
    d.h = ep_mkn_pool_hash(doc->hash_lo, doc->hash_hi, s->seed ^ SAMPLE_SALT);
    d.lo = doc->hash_lo;
    d.hi = doc->hash_hi;
    d.bytes = doc->len;
    d.len = (uint32_t)n_ids;
    ep_mkn_pool *p = ep_heldout_is_test(doc->hash_lo, s->seed, s->heldout_fraction) ? &s->test : &s->train;
    p->offered_docs++;
    p->offered_tokens += n_ids;
    ep_status r = ep_mkn_pool_add(p, &d, ids);
    if (r != EP_OK) return ep_error_set(err, r, "heldout_mkn: document pool: %s", ep_strerror(r));
    return EP_OK;
}

/* Union of both pools under their caps: commutative and exact (mkn_pool.h). Used as fold (the
 * scan never merges an ORDERED probe's states) and by tests. */
static ep_status mkn_merge(void *into, const void *from, ep_error *err)
{
    mkn_state *a = into;
    const mkn_state *b = from;
    if (a->K != b->K) return ep_error_set(err, EP_ERR_INTERNAL, "heldout_mkn: merging orders %d and %d", a->K, b->K);
    ep_status r = ep_mkn_pool_merge(&a->train, &b->train);
    if (r == EP_OK) r = ep_mkn_pool_merge(&a->test, &b->test);
    if (r != EP_OK) return ep_error_set(err, r, "heldout_mkn: document pool: %s", ep_strerror(r));
    return EP_OK;
}

/* 1-based order with the fewest bits (the lowest such order on ties). */
static int best_order(const double *bits, int K)
{
    int b = 0;
    for (int k = 1; k < K; k++)
        if (bits[k] < bits[b]) b = k;
    return b + 1;
}

/* Sums over scored held-out documents, per half h (top bit of a hash of the content hash) and
 * order k: bits, and for the standard error (ratio estimator over documents) sums of b^2 and b*t
 * per order and of t^2, with b the bits and t the predicted tokens (+ </s>) of a document. */
typedef struct {
    double bits[2][EP_NGRAM_MAX_ORDER], bb[2][EP_NGRAM_MAX_ORDER], bt[2][EP_NGRAM_MAX_ORDER], tt[2];
    double all[EP_NGRAM_MAX_ORDER];
    uint64_t pred[2], oov, tokens, bytes, docs;
} score_sums;

/* Cross-fitted value: each half scored at the order best on the other half. */
typedef struct {
    double v, se, bits;
    uint64_t predicted;
    int pick[2], best;
} crossfit;

static crossfit crossfit_of(const score_sums *z, int K)
{
    crossfit c;
    c.best = best_order(z->all, K);
    for (int h = 0; h < 2; h++) c.pick[h] = z->pred[h] ? best_order(z->bits[h], K) : K;
    c.bits = z->bits[0][c.pick[1] - 1] + z->bits[1][c.pick[0] - 1];
    c.predicted = z->pred[0] + z->pred[1];
    c.v = c.predicted ? c.bits / (double)c.predicted : NAN;
    /* Var(R) of R = sum b / sum t over n documents, linearized (Cochran 1977, ratio estimator):
     * n/(n-1) * sum (b_i - R t_i)^2 / (sum t)^2; each half's b at the order it is scored with. */
    double q = 0;
    for (int h = 0; h < 2; h++) {
        int k = c.pick[1 - h] - 1;
        q += z->bb[h][k] - 2 * c.v * z->bt[h][k] + c.v * c.v * z->tt[h];
    }
    c.se = z->docs > 1 && q > 0 ? sqrt((double)z->docs / (double)(z->docs - 1) * q) / (double)c.predicted : NAN;
    return c;
}

/* Scores the first nd documents of the (sorted) held-out pool under every order k = 1..K, in
 * blocks of SCORE_BLOCK documents: in parallel into per-document slots, then summed in document
 * order, so the values do not depend on the thread count. Documents i < nsub are also summed
 * into *sub (may be NULL). */
static ep_status score(const ep_mkn_model *m, const ep_mkn_pool *test, size_t nd, int K, uint64_t seed,
                       int T, score_sums *all, score_sums *sub, size_t nsub)
{
    double *dbits = malloc(SCORE_BLOCK * (size_t)K * sizeof *dbits);
    uint64_t *doov = malloc(SCORE_BLOCK * sizeof *doov);
    if (!dbits || !doov) {
        free(dbits);
        free(doov);
        return EP_ERR_NOMEM;
    }
    memset(all, 0, sizeof *all);
    if (sub) memset(sub, 0, sizeof *sub);
    for (size_t b0 = 0; b0 < nd; b0 += SCORE_BLOCK) {
        long nb = (long)(nd - b0 < SCORE_BLOCK ? nd - b0 : SCORE_BLOCK);
#pragma omp parallel for schedule(dynamic, 8) num_threads(T)
        for (long i = 0; i < nb; i++) {
            const ep_mkn_doc *doc = &test->docs[b0 + (size_t)i];
            doov[i] = 0;
            ep_mkn_doc_bits_orders(m, test->tok + doc->off, doc->len, &doov[i], dbits + (size_t)i * (size_t)K);
        }
        for (size_t i = 0; i < (size_t)nb; i++) {
            const ep_mkn_doc *doc = &test->docs[b0 + i];
            int h = (int)(XXH3_64bits_withSeed(&doc->lo, sizeof doc->lo, seed ^ HALF_SALT) >> 63);
            double t = (double)doc->len + 1;
            for (int w = 0; w < 2; w++) {
                score_sums *z = w ? (sub && b0 + i < nsub ? sub : NULL) : all;
                if (!z) continue;
                for (int k = 0; k < K; k++) {
                    double b = dbits[i * (size_t)K + (size_t)k];
                    z->all[k] += b;
                    z->bits[h][k] += b;
                    z->bb[h][k] += b * b;
                    z->bt[h][k] += b * t;
                }
                z->tt[h] += t * t;
                z->pred[h] += (uint64_t)doc->len + 1;
                z->oov += doov[i];
                z->tokens += doc->len;
                z->bytes += doc->bytes;
                z->docs++;
            }
        }
    }
    free(dbits);
    free(doov);
    return EP_OK;
}

/* Builds the model on pool p, halving the pool (by document hash) while the tables do not fit. */
static ep_status build(ep_mkn_model *m, ep_mkn_pool *p, const mkn_state *s, int T)
{
    for (;;) {
        ep_status r = ep_mkn_build(m, p, s->K, s->seed, s->budget / 2, s->dense_vocab, T);
        if (r != EP_ERR_LIMIT) return r;
        ep_mkn_pool_raise_shift(p, p->shift + 1);
        if (p->ndocs == 0) return EP_ERR_LIMIT; /* budget too small for a single document */
    }
}

/* The learning curve (docs/estimators.md §2, "Size"): the full model's value on the curve's
 * held-out subset (the first documents of the sorted pool, up to EP_MKN_CURVE_HELDOUT_TOKENS),
 * then models trained on nested subsamples of the training pool (document hash below 2^64/2^j
 * more), from the first level at or below EP_MKN_REF_TRAIN_TOKENS, EP_MKN_CURVE_LEVELS levels. */
static ep_status curve(const mkn_state *s, const score_sums *full_sub, size_t nsub, int T,
                       ep_mkn_curve_point *pts, size_t *npts, double *bytes_per_pred)
{
    size_t np = 0;
    *npts = 0;
    crossfit c = crossfit_of(full_sub, s->K);
    if (!isfinite(c.se) || full_sub->bytes == 0) return EP_OK;
    *bytes_per_pred = (double)full_sub->bytes / (double)c.predicted;
    pts[np++] = (ep_mkn_curve_point){(double)s->train.ntok, c.v, c.se};
    unsigned j = 1;
    while (((double)s->train.ntok / (double)(1u << j)) > (double)EP_MKN_REF_TRAIN_TOKENS && j < 30) j++;
    ep_status r = EP_OK;
    for (int lev = 0; lev < EP_MKN_CURVE_LEVELS && np < EP_MKN_CURVE_MAX_POINTS && r == EP_OK; lev++, j++) {
        ep_mkn_pool sub;
        ep_mkn_pool_init(&sub, UINT64_MAX);
        r = ep_mkn_pool_subsample(&sub, &s->train, s->train.shift + j);
        if (r != EP_OK || sub.ndocs < 2 || sub.ntok < EP_MKN_CURVE_MIN_TRAIN) {
            ep_mkn_pool_free(&sub);
            break; /* too small for another point (or out of memory: r says) */
        }
        ep_mkn_model m;
        r = ep_mkn_build(&m, &sub, s->K, s->seed, s->budget / 2, s->dense_vocab, T);
        if (r == EP_OK) {
            score_sums all;
            r = score(&m, &s->test, nsub, s->K, s->seed, T, &all, NULL, 0);
            ep_mkn_free(&m);
            crossfit cj = crossfit_of(&all, s->K);
            if (r == EP_OK && isfinite(cj.se)) pts[np++] = (ep_mkn_curve_point){(double)sub.ntok, cj.v, cj.se};
        }
        ep_mkn_pool_free(&sub);
    }
    *npts = np;
    /* A level whose tables do not fit ends the curve (a smaller sample than the main model's, so
     * only at tiny budgets); any other failure is the probe's error, as for the main model. */
    return r == EP_ERR_LIMIT ? EP_OK : r;
}

/* heldout_mkn_ref: H at the reference training size R. Inside the points' range: on the fitted
 * curve (its interpolant; the standard error interpolated in ln n), or linearly in ln n when no
 * fit exists. Outside: on a determined fitted curve up to EP_MKN_CURVE_MAX_EXTRAPOLATION times the
 * largest level (flagged, kind point, no standard error); farther: absent, not guessed. */
static void add_reference(ep_jv *out, const ep_mkn_curve_point *pts, size_t np, const ep_mkn_curve_fit *fit,
                          double bytes_per_pred, uint64_t nsub_tokens)
{
    double v, se, R = (double)EP_MKN_REF_TRAIN_TOKENS, nmax = 0;
    int extrapolated = 0;
    for (size_t i = 0; i < np; i++)
        if (pts[i].n > nmax) nmax = pts[i].n;
    if (ep_mkn_curve_interpolate(pts, np, R, &v, &se) == 0) {
        if (fit) v = ep_mkn_curve_at(fit, R);
    } else if (fit && fit->determined && R <= EP_MKN_CURVE_MAX_EXTRAPOLATION * nmax) {
        v = ep_mkn_curve_at(fit, R);
        se = NAN;
        extrapolated = 1;
    } else {
        return;
    }
    ep_jv *e = ep_estimate_add(out, "heldout_mkn_ref", v, "bits_per_token", extrapolated ? "point" : "upper_bound",
                               "held-out MKN cross-entropy of a model trained on the reference sample "
                               "(524,288 tokens), on the learning curve of nested training samples",
                               nsub_tokens);
    if (!e) return;
    ep_jv_set(e, "bits_per_byte", ep_jv_num(v / bytes_per_pred));
    ep_jv_set(e, "reference_train_tokens", ep_jv_int(EP_MKN_REF_TRAIN_TOKENS));
    ep_jv_set(e, "extrapolated", ep_jv_bool(extrapolated));
    if (isfinite(se)) {
        ep_jv_set(e, "stderr", ep_jv_num(se));
        ep_jv_set(e, "stderr_bits_per_byte", ep_jv_num(se / bytes_per_pred));
    }
}

/* heldout_mkn_rate_fit: the asymptote of a determined fit (alpha inside its grid, c >= 0). */
static void add_rate_fit(ep_jv *out, const ep_mkn_curve_point *pts, size_t np, const ep_mkn_curve_fit *fit,
                         double bytes_per_pred, uint64_t nsub_tokens)
{
    ep_jv *e = ep_estimate_add(out, "heldout_mkn_rate_fit", fit->c, "bits_per_token", "point",
                               "entropy rate extrapolated from held-out MKN cross-entropy against training "
                               "size: fit c + a n^-alpha over nested training samples",
                               nsub_tokens);
    if (!e) return;
    ep_jv_set(e, "estimates", ep_jv_str("entropy_rate"));
    ep_jv_set(e, "bits_per_byte", ep_jv_num(fit->c / bytes_per_pred));
    ep_jv *iv = ep_jv_set(e, "interval", ep_jv_arr());
    ep_jv_push(iv, ep_jv_num(fit->lo));
    ep_jv_push(iv, ep_jv_num(fit->hi));
    ep_jv *ib = ep_jv_set(e, "interval_bits_per_byte", ep_jv_arr());
    ep_jv_push(ib, ep_jv_num(fit->lo / bytes_per_pred));
    ep_jv_push(ib, ep_jv_num(fit->hi / bytes_per_pred));
    ep_jv_set(e, "interval_rule", ep_jv_str("alphas with chi^2 within 4 of the minimum (about 95%)"));
    ep_jv_set(e, "alpha", ep_jv_num(fit->alpha));
    ep_jv_set(e, "a", ep_jv_num(fit->a));
    ep_jv_set(e, "chi2", ep_jv_num(fit->chi2));
    ep_jv *pa = ep_jv_set(e, "points", ep_jv_arr());
    for (size_t i = 0; i < np; i++) {
        ep_jv *row = ep_jv_push(pa, ep_jv_arr());
        ep_jv_push(row, ep_jv_int((int64_t)pts[i].n));
        ep_jv_push(row, ep_jv_num(pts[i].v));
        ep_jv_push(row, ep_jv_num(pts[i].se));
    }
}

static void add_curve_estimates(ep_jv *out, const ep_mkn_curve_point *pts, size_t np, double bytes_per_pred,
                                uint64_t nsub_tokens)
{
    if (np < 2) return;
    ep_mkn_curve_fit fit;
    int fitted = ep_mkn_curve_fit_power(pts, np, &fit) == 0;
    add_reference(out, pts, np, fitted ? &fit : NULL, bytes_per_pred, nsub_tokens);
    if (fitted && fit.determined) add_rate_fit(out, pts, np, &fit, bytes_per_pred, nsub_tokens);
}

static ep_status mkn_finish(void *st, const void *before, ep_jv *out, const ep_probe_env *env, ep_error *err)
{
    (void)before;
    mkn_state *s = st;
    int T = env && env->nthreads > 0 ? env->nthreads : 1;
    /* A side with no document offered (a small shard: no held-out document) has nothing to
     * estimate: absent. A side whose offered documents were all sampled away by the memory budget,
     * or tables that fit no document, is the probe giving up: said, and the shard is partial. */
    if ((s->train.offered_docs && !s->train.ndocs) || (s->test.offered_docs && !s->test.ndocs))
        return ep_error_set(err, EP_ERR_LIMIT,
                            "no document fits its share of --mem (the pools sampled every document away)");
    if (s->train.ndocs == 0 || s->test.ndocs == 0) return EP_OK; /* nothing to estimate: absent */
    ep_mkn_model m;
    ep_status r = build(&m, &s->train, s, T);
    if (r == EP_ERR_LIMIT)
        return ep_error_set(err, r, "its model tables fit no training document within its share of --mem");
    if (r != EP_OK) return ep_error_set(err, r, "heldout_mkn: building the model: %s", ep_strerror(r));
    ep_mkn_pool_sort(&s->test);
    /* The curve's held-out subset: the first documents of the sorted pool (a hash order, so a
     * deterministic pseudo-random subset) up to EP_MKN_CURVE_HELDOUT_TOKENS tokens. */
    size_t nd = s->test.ndocs, nsub = 0;
    uint64_t nsub_tok = 0;
    while (nsub < nd && nsub_tok < EP_MKN_CURVE_HELDOUT_TOKENS) nsub_tok += s->test.docs[nsub++].len + 1;
    score_sums z, zsub;
    r = score(&m, &s->test, nd, s->K, s->seed, T, &z, &zsub, nsub);
    double vocab = m.vocab;
    int K = s->K;
    double D[EP_NGRAM_MAX_ORDER][4];
    int fb = 0;
    for (int n = 0; n < K; n++) {
        for (int j = 1; j <= 3; j++) D[n][j] = m.D[n][j];
        fb |= m.fallback[n];
    }
    uint64_t bytes_peak = m.bytes_peak;
    ep_mkn_free(&m); /* before the curve's builds: one model at a time */
    if (r != EP_OK) return ep_error_set(err, r, "heldout_mkn: scoring: %s", ep_strerror(r));
    crossfit c = crossfit_of(&z, K);
    ep_jv *e = ep_estimate_add(out, "heldout_mkn", c.v, "bits_per_token", "upper_bound",
                               "held-out cross-entropy, interpolated modified Kneser-Ney (KenLM-exact)",
                               c.predicted);
    if (e) {
        if (z.bytes) ep_jv_set(e, "bits_per_byte", ep_jv_num(c.bits / (double)z.bytes));
        if (isfinite(c.se)) {
            ep_jv_set(e, "stderr", ep_jv_num(c.se));
            if (z.bytes) ep_jv_set(e, "stderr_bits_per_byte", ep_jv_num(c.se * (double)c.predicted / (double)z.bytes));
        }
        ep_jv_set(e, "order", ep_jv_int(c.best));
        ep_jv_set(e, "max_order", ep_jv_int(K));
        ep_jv *oc = ep_jv_set(e, "orders_crossfit", ep_jv_arr());
        ep_jv_push(oc, ep_jv_int(c.pick[0]));
        ep_jv_push(oc, ep_jv_int(c.pick[1]));
        ep_jv *bo = ep_jv_set(e, "by_order", ep_jv_arr());
        for (int k = 0; k < K; k++) ep_jv_push(bo, ep_jv_num(z.all[k] / (double)c.predicted));
        ep_jv_set(e, "order_selection", ep_jv_str("cross-fit over two halves of the held-out documents"));
        ep_jv_set(e, "perplexity", ep_jv_num(exp2(c.v)));
        ep_jv_set(e, "heldout_docs", ep_jv_int((int64_t)s->test.ndocs));
        ep_jv_set(e, "heldout_tokens", ep_jv_int((int64_t)z.tokens));
        ep_jv_set(e, "eos_counted", ep_jv_bool(1));
        ep_jv_set(e, "oov_tokens", ep_jv_int((int64_t)z.oov));
        ep_jv_set(e, "train_docs", ep_jv_int((int64_t)s->train.ndocs));
        ep_jv_set(e, "train_tokens", ep_jv_int((int64_t)s->train.ntok));
        ep_jv_set(e, "vocab_size", ep_jv_num(vocab));
        ep_jv_set(e, "train_sampling_p", ep_jv_num(ep_mkn_pool_p(&s->train)));
        ep_jv_set(e, "heldout_sampling_p", ep_jv_num(ep_mkn_pool_p(&s->test)));
        ep_jv_set(e, "heldout_fraction", ep_jv_num(s->heldout_fraction));
        ep_jv *ds = ep_jv_set(e, "discounts", ep_jv_arr());
        for (int n = 0; n < K; n++) {
            ep_jv *row = ep_jv_push(ds, ep_jv_arr());
            for (int j = 1; j <= 3; j++) ep_jv_push(row, ep_jv_num(D[n][j]));
        }
        ep_jv_set(e, "discount_fallback", ep_jv_bool(fb));
        ep_jv_set(e, "table_bytes_peak", ep_jv_int((int64_t)bytes_peak));
    }
    ep_mkn_curve_point pts[EP_MKN_CURVE_MAX_POINTS];
    double bpp = NAN;
    size_t np = 0;
    r = curve(s, &zsub, nsub, T, pts, &np, &bpp);
    if (r != EP_OK) return ep_error_set(err, r, "heldout_mkn: the size curve: %s", ep_strerror(r));
    add_curve_estimates(out, pts, np, bpp, nsub_tok);
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

/* Partial state (docs/partial-format.md, "heldout_mkn"): what fold reads, the order K and both
 * pools as finish left them (the training pool possibly at a higher shift, the held-out pool
 * sorted). */
static ep_status mkn_save(const void *st, ep_wbuf *w, ep_error *err)
{
    const mkn_state *s = st;
    ep_wbuf_u32(w, (uint32_t)s->K);
    ep_mkn_pool_save(&s->train, w);
    ep_mkn_pool_save(&s->test, w);
    if (ep_wbuf_status(w) != EP_OK)
        return ep_error_set(err, EP_ERR_NOMEM, "heldout_mkn: out of memory for the partial state");
    return EP_OK;
}

/* 1 iff every document of p is on side `test` of the split. */
static int on_side(const ep_mkn_pool *p, const mkn_state *s, int test)
{
    for (size_t i = 0; i < p->ndocs; i++)
        if (ep_heldout_is_test(p->docs[i].lo, s->seed, s->heldout_fraction) != test) return 0;
    return 1;
}

static ep_status mkn_load(void **out, ep_rbuf *r, const ep_probe_env *env, ep_error *err)
{
    *out = NULL;
    void *st = NULL;
    ep_status rc = mkn_create(&st, env, err);
    if (rc != EP_OK) return rc;
    mkn_state *s = st;
    uint32_t K = ep_rbuf_u32(r);
    if (r->failed || K != (uint32_t)s->K) {
        if (r->failed) ep_error_set(err, EP_ERR_CORRUPT, "heldout_mkn: partial state: truncated");
        else ep_error_set(err, EP_ERR_CORRUPT, "heldout_mkn: partial state: order %u, this scan's is %d", K, s->K);
        mkn_free(s);
        return ep_rbuf_fail(r);
    }
    const char *why = NULL, *pool = "training pool";
    rc = ep_mkn_pool_load(&s->train, r, s->seed ^ SAMPLE_SALT, s->dense_vocab, &why);
    if (rc == EP_OK) {
        pool = "held-out pool";
        rc = ep_mkn_pool_load(&s->test, r, s->seed ^ SAMPLE_SALT, s->dense_vocab, &why);
    }
    if (rc == EP_OK && (!on_side(&s->train, s, 0) || !on_side(&s->test, s, 1))) {
        rc = ep_rbuf_fail(r);
        pool = "pools";
        why = "a document on the wrong side of the held-out split (another --heldout-fraction or --seed?)";
    }
    if (rc != EP_OK) {
        mkn_free(s);
        return ep_error_set(err, rc, "heldout_mkn: partial state: %s: %s", pool, why);
    }
    *out = s;
    return EP_OK;
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
    .fold = mkn_merge,
    .free = mkn_free,
    .save = mkn_save,
    .load = mkn_load,
};
