/* The tiny-model pass over one token sample (docs/lm.md): class mapping with an exact escape
 * code, the step-0 loss (Corollary 4.1 taken literally), one prequential pass (Blier & Ollivier
 * 2018, sec. 2.4: each batch is coded with the model trained on all earlier batches, then trained
 * on), the loss curve, L_final, absorbed information, and the power-law fit of the curve. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/u64map.h"
#include "entroprof/lm.h"
#include "lm/lm_internal.h"

#define LN2 0.69314718055994530942

typedef struct {
    uint64_t id, count;
} type_count;

static int by_count_desc(const void *a, const void *b)
{
    const type_count *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void ep_lm_result_free(ep_lm_result *res)
{
    if (!res) return;
    free(res->curve);
    res->curve = NULL;
    res->n_curve = 0;
}

/* Maps ids to classes. Dense vocabularies with V <= max_classes use class = id (the whole
 * vocabulary, seen or not). Otherwise the K = max_classes - 1 most frequent types of the sample
 * (ties by smaller id) get classes 0..K-1 and every other type the escape class K, whose
 * probability is shared uniformly by the V - K types outside the K: cost -log p(esc) + ln(V - K). */
static ep_status map_classes(const ep_lm_config *cfg, const ep_token *ids, size_t n, uint64_t vocab_size,
                             int32_t *cls, ep_lm_result *res, double *esc_nats, ep_error *err)
{
    ep_u64map map;
    ep_u64map_init(&map);
    ep_status st = EP_OK;
    for (size_t i = 0; i < n && st == EP_OK; i++) {
        if (vocab_size && ids[i] >= vocab_size) {
            ep_u64map_free(&map);
            ep_error_set(err, EP_ERR_ARG, "lm: token id %llu >= vocabulary size %llu",
                         (unsigned long long)ids[i], (unsigned long long)vocab_size);
            return EP_ERR_ARG; /* spelled out, not ep_error_set's result: the analyzer sees it is not EP_OK */
        }
        st = ep_u64map_add(&map, ids[i], 1);
    }
    if (st != EP_OK) {
        ep_u64map_free(&map);
        ep_error_set(err, st, "lm: out of memory");
        return st;
    }
    const uint64_t distinct = map.size;
    const uint64_t V = vocab_size ? vocab_size : distinct;
    res->vocab_size = V;
    res->vocab_open = vocab_size == 0;
    *esc_nats = 0.0;
    const uint64_t cap = (uint64_t)(cfg->max_classes < 2 ? 2 : cfg->max_classes);
    if (vocab_size && V <= cap) {
        res->classes = (uint32_t)(V < 2 ? 2 : V);
        res->frequent_types = (uint32_t)V;
        for (size_t i = 0; i < n; i++) cls[i] = (int32_t)ids[i];
        res->escape_fraction = 0.0;
        ep_u64map_free(&map);
        return EP_OK;
    }
    type_count *tc = malloc((distinct ? distinct : 1) * sizeof *tc);
    if (!tc) {
        ep_u64map_free(&map);
        ep_error_set(err, EP_ERR_NOMEM, "lm: out of memory");
        return EP_ERR_NOMEM;
    }
    size_t it = 0, k = 0;
    uint64_t key, val;
    while (ep_u64map_next(&map, &it, &key, &val)) { tc[k].id = key; tc[k].count = val; k++; }
    qsort(tc, k, sizeof *tc, by_count_desc);
    uint64_t K = V <= cap ? V : cap - 1;
    if (K > distinct) K = distinct;
    int escape = V > K;
    res->frequent_types = (uint32_t)K;
    res->classes = (uint32_t)(K + (uint64_t)escape < 2 ? 2 : K + (uint64_t)escape);
    if (escape) *esc_nats = log((double)(V - K));
    /* reuse the map: value = class + 1 for the K frequent types, 0 for the others */
    for (size_t i = 0; i < k; i++) {
        uint64_t *slot = ep_u64map_find(&map, tc[i].id);
        *slot = i < K ? i + 1 : 0;
    }
    free(tc);
    uint64_t n_esc = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t c = *ep_u64map_find(&map, ids[i]);
        cls[i] = c ? (int32_t)(c - 1) : (int32_t)K;
        n_esc += c == 0;
    }
    res->escape_fraction = n ? (double)n_esc / (double)n : 0.0;
    ep_u64map_free(&map);
    return EP_OK;
}

/* Fills batch `step` (sequences j = step*B .. ): inputs cls[jT + t], targets cls[jT + t + 1]. */
static int make_batch(int32_t *inp, int32_t *tgt, const int32_t *cls, size_t n, size_t step, int B, int T)
{
    size_t nseq = (n - 1 + (size_t)T - 1) / (size_t)T;
    int b = 0;
    for (; b < B && step * (size_t)B + (size_t)b < nseq; b++) {
        size_t j = step * (size_t)B + (size_t)b;
        for (int t = 0; t < T; t++) {
            size_t pos = j * (size_t)T + (size_t)t;
            inp[b * T + t] = pos < n ? cls[pos] : 0;
            tgt[b * T + t] = pos + 1 < n ? cls[pos + 1] : -1;
        }
    }
    return b;
}

static void fit_curve(const ep_lm_config *cfg, ep_lm_result *res)
{
    enum { MAXP = 4096 };
    double d[MAXP], l[MAXP], w[MAXP];
    int np = 0;
    for (size_t i = 0; i < res->n_curve && np < MAXP; i++)
        if (res->curve[i].tokens_trained_mean > 0 && res->curve[i].tokens > 0) {
            d[np] = res->curve[i].tokens_trained_mean;
            l[np] = res->curve[i].bits_per_token;
            w[np] = 1.0;
            np++;
        }
    if (np < 6) {
        snprintf(res->fit_note, sizeof res->fit_note, "not identifiable: %d curve points (need 6)", np);
        return;
    }
    ep_lm_powfit f;
    ep_lm_powfit_run(&f, d, l, w, np, 1);
    res->fit_e = f.e;
    res->fit_b = f.b;
    res->fit_beta = f.beta;
    double reducible = f.b * pow(d[np - 1], -f.beta);
    res->fit_e_lo = res->fit_e_hi = NAN;
    if (f.e_at_bound || f.beta_at_bound) {
        snprintf(res->fit_note, sizeof res->fit_note,
                 "not flattened: best fit at the search boundary (E %.4g, beta %.3g)", f.e, f.beta);
        return;
    }
    if (reducible > 0.1 * f.e) {
        snprintf(res->fit_note, sizeof res->fit_note,
                 "not flattened: last window still %.3g bits/token above the fitted asymptote (> 10%%)",
                 reducible);
        return;
    }
    /* Only a fit that passed the checks above gets its (costly) bootstrap interval. */
    if (cfg->bootstrap > 0) {
        double *es = malloc((size_t)cfg->bootstrap * sizeof *es);
        if (es) {
            uint64_t rng = cfg->seed ^ 0x626f6f74ull;
            for (int r = 0; r < cfg->bootstrap; r++) {
                for (int i = 0; i < np; i++) w[i] = 0.0;
                for (int i = 0; i < np; i++) { /* cases bootstrap: resample curve points */
                    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
                    w[(rng >> 33) % (uint64_t)np] += 1.0;
                }
                ep_lm_powfit fb;
                ep_lm_powfit_run(&fb, d, l, w, np, 0);
                es[r] = fb.e;
            }
            qsort(es, (size_t)cfg->bootstrap, sizeof *es, cmp_double);
            res->fit_e_lo = es[(size_t)(0.05 * (cfg->bootstrap - 1))];
            res->fit_e_hi = es[(size_t)ceil(0.95 * (cfg->bootstrap - 1))];
            free(es);
        }
    }
    if (!(res->fit_e_lo > 0.0))
        snprintf(res->fit_note, sizeof res->fit_note, "not identifiable: bootstrap interval reaches E = 0");
    else
        res->fit_ok = 1;
}

ep_status ep_lm_pass(const ep_lm_config *cfg, const ep_token *ids, size_t n, uint64_t vocab_size,
                     ep_lm_result *res, ep_error *err)
{
    memset(res, 0, sizeof *res);
    if (n < 2) return ep_error_set(err, EP_ERR_ARG, "lm: the sample needs at least 2 tokens");
    if (n > (size_t)INT32_MAX) return ep_error_set(err, EP_ERR_LIMIT, "lm: sample too large");
    /* Checked before the B*T buffers are sized (ep_lm_create checks the whole shape later). */
    if (cfg->batch < 1 || cfg->seq_len < 1)
        return ep_error_set(err, EP_ERR_ARG, "lm: bad model shape (T %d, B %d)", cfg->seq_len, cfg->batch);
    const int B = cfg->batch, T = cfg->seq_len;
    int32_t *cls = malloc(n * sizeof *cls);
    float *tokloss = malloc(n * sizeof *tokloss); /* nats; tokloss[i] codes token i (i >= 1) */
    int32_t *inp = malloc((size_t)B * T * sizeof *inp), *tgt = malloc((size_t)B * T * sizeof *tgt);
    ep_lm *m = NULL;
    ep_status st = EP_OK;
    if (!cls || !tokloss || !inp || !tgt) { st = ep_error_set(err, EP_ERR_NOMEM, "lm: out of memory"); goto done; }
    double esc_nats;
    if ((st = map_classes(cfg, ids, n, vocab_size, cls, res, &esc_nats, err)) != EP_OK) goto done;
    const int32_t esc_class = (int32_t)res->frequent_types;
    const int has_esc = esc_nats > 0.0 || res->classes > res->frequent_types;
    res->tokens = n;
    res->log2_vocab = log2((double)(res->vocab_size > 1 ? res->vocab_size : 1));
    if ((st = ep_lm_create(&m, cfg, res->classes, err)) != EP_OK) goto done;
    res->n_params = ep_lm_num_params(m);
    const size_t nseq = (n - 1 + (size_t)T - 1) / (size_t)T;
    const size_t steps = (nseq + (size_t)B - 1) / (size_t)B;
    res->steps = (int)steps;
    /* n >= 2 and B, T >= 1 give steps >= 1; the check makes that visible to the static analyzer. */
    if (steps == 0) { st = ep_error_set(err, EP_ERR_INTERNAL, "lm: no training step"); goto done; }

    /* L0: the random-init model on the first step0_batches batches (no training). */
    {
        double sum = 0.0, s1 = 0.0, s2 = 0.0, cnt = 0.0;
        uint64_t ntok = 0, nesc = 0;
        size_t nb = (size_t)(cfg->step0_batches > 0 ? cfg->step0_batches : 1);
        if (nb > steps) nb = steps;
        for (size_t s = 0; s < nb; s++) {
            int Bc = make_batch(inp, tgt, cls, n, s, B, T);
            sum += ep_lm_forward(m, inp, tgt, Bc);
            uint64_t nv = 0;
            for (int i = 0; i < Bc * T; i++)
                if (tgt[i] >= 0) { nv++; if (has_esc && tgt[i] == esc_class) { nesc++; sum += esc_nats; } }
            double mu, sd;
            ep_lm_logit_moments(m, &mu, &sd);
            double c = (double)nv * res->classes;
            s1 += mu * c;
            s2 += (sd * sd + mu * mu) * c;
            cnt += c;
            ntok += nv;
        }
        double mu = s1 / cnt, var = s2 / cnt - mu * mu;
        double s = sqrt(var > 0 ? var : 0), V = (double)res->classes, fesc = (double)nesc / (double)ntok;
        res->l0_tokens = ntok;
        res->l0_bits_per_token = sum / (double)ntok / LN2;
        res->logit_std = s;
        /* E[CE0] = ln V + s^2/2 - (e^{s^2} - 1)/(2V) + O(V^-2) nats for i.i.d. N(0, s^2) logits
         * (second-order delta method on ln sum_v e^{x_v}; ../shared/REFERENCES.md), over the V
         * classes, plus the escape's uniform code for the fraction of escaped targets. */
        res->l0_formula_bits_per_token =
            (log(V) + 0.5 * s * s - expm1(s * s) / (2.0 * V) + fesc * esc_nats) / LN2;
    }

    /* The prequential pass: score batch k with the model trained on batches 0..k-1, then train. */
    uint64_t *trained_before = malloc(steps * sizeof *trained_before);
    if (!trained_before) { st = ep_error_set(err, EP_ERR_NOMEM, "lm: out of memory"); goto done; }
    uint64_t trained = 0;
    tokloss[0] = (float)log((double)(res->vocab_size > 1 ? res->vocab_size : 1));
    for (size_t s = 0; s < steps; s++) {
        int Bc = make_batch(inp, tgt, cls, n, s, B, T);
        ep_lm_forward(m, inp, tgt, Bc);
        const float *lo = ep_lm_losses(m);
        uint64_t nv = 0;
        for (int i = 0; i < Bc * T; i++) {
            if (tgt[i] < 0) continue;
            size_t pos = (s * (size_t)B + (size_t)(i / T)) * (size_t)T + (size_t)(i % T) + 1;
            tokloss[pos] = lo[i] + (float)(has_esc && tgt[i] == esc_class ? esc_nats : 0.0);
            nv++;
        }
        trained_before[s] = trained;
        trained += nv;
        ep_lm_backward(m);
        ep_lm_update(m);
    }
    double total = 0.0;
    /* tokloss[0] is set above and the steps' batches cover every target position 1..n-1 once
       (make_batch: sequence j holds positions j*T .. j*T+T-1). */
    // NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Assign): every element is written, see above
    for (size_t i = 0; i < n; i++) total += tokloss[i];
    res->preq_bits_per_token = total / (double)n / LN2;

    /* Curve: windows of equal step counts; token 0 (uniform code) is outside every window. */
    size_t np = (size_t)(cfg->curve_points > 0 ? cfg->curve_points : 1);
    if (np > steps) np = steps;
    size_t per = (steps + np - 1) / np;
    np = (steps + per - 1) / per;
    res->curve = calloc(np, sizeof *res->curve);
    if (!res->curve) { free(trained_before); st = ep_error_set(err, EP_ERR_NOMEM, "lm: out of memory"); goto done; }
    res->n_curve = np;
    for (size_t k = 0; k < np; k++) {
        ep_lm_curve_point *cp = &res->curve[k];
        size_t s0 = k * per, s1 = s0 + per < steps ? s0 + per : steps;
        size_t p0 = s0 * (size_t)B * T + 1, p1 = s1 * (size_t)B * T + 1;
        if (p1 > n) p1 = n;
        double sum = 0.0, dsum = 0.0;
        for (size_t pos = p0; pos < p1; pos++) {
            sum += tokloss[pos];
            dsum += (double)trained_before[(pos - 1) / ((size_t)B * T)];
        }
        cp->tokens_trained = trained_before[s0];
        cp->tokens = p1 - p0;
        cp->tokens_trained_mean = cp->tokens ? dsum / (double)cp->tokens : 0.0;
        cp->bits_per_token = cp->tokens ? sum / (double)cp->tokens / LN2 : 0.0;
    }
    free(trained_before);
    res->final_bits_per_token = res->curve[np - 1].bits_per_token;
    res->info_absorbed_bits = (double)n * (res->preq_bits_per_token - res->final_bits_per_token);
    fit_curve(cfg, res);

done:
    ep_lm_free(m);
    free(cls);
    free(tokloss);
    free(inp);
    free(tgt);
    if (st != EP_OK) ep_lm_result_free(res);
    return st;
}
