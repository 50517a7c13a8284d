/* mix: token allocation across sources that maximises information under a budget.
 *
 * Objective (docs/analyze.md): I(t) = sum_i h_i D'_i(t_i), with D'_i the effective tokens of
 * Muennighoff et al. 2023 eq. 5: D'(t) = t for t <= U, U + U R* (1 - exp(-(t/U - 1)/R*)) beyond.
 * Each term is concave and non-decreasing with marginal h for t < U and h exp(-(t/U - 1)/R*) after,
 * so the KKT conditions give water-filling: at multiplier lambda each source takes
 * t_i(lambda) = clamp(g_i(lambda), lo_i, hi_i), g_i = U_i (1 + R* ln(h_i / lambda)) for lambda < h_i,
 * 0 for lambda > h_i; sum_i t_i(lambda) is non-increasing, so bisection finds lambda*. A jump at
 * lambda* (a flat marginal, t <= U) is filled by interpolating the two bracketing allocations, which
 * are both optimal for multipliers within 1e-15 relative of lambda*. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "entroprof/analyze.h"

void ep_mix_config_default(ep_mix_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_epochs = 0;
    cfg->r_star = EP_MUENNIGHOFF_RD_STAR;
}

double ep_mix_info_bits(const ep_mix_source *s, double tokens, double r_star)
{
    return s->h_bits_per_token * ep_muennighoff_effective(tokens, s->unique_tokens, r_star);
}

static double alloc_at(const ep_mix_source *s, double lo, double hi, double lambda, double r_star)
{
    double g = 0;
    if (lambda < s->h_bits_per_token) g = s->unique_tokens * (1.0 + r_star * log(s->h_bits_per_token / lambda));
    return g < lo ? lo : (g > hi ? hi : g);
}

static double total_at(const ep_mix_source *src, size_t n, const double *lo, const double *hi, double lambda,
                       double r_star, double *t)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        t[i] = alloc_at(&src[i], lo[i], hi[i], lambda, r_star);
        sum += t[i];
    }
    return sum;
}

ep_status ep_mix_solve(const ep_mix_source *src, size_t n, const ep_mix_config *cfg, double *tokens_out,
                       ep_error *err)
{
    double b = cfg->budget_tokens, r = cfg->r_star > 0 ? cfg->r_star : EP_MUENNIGHOFF_RD_STAR;
    if (n == 0 || !(b > 0) || !isfinite(b))
        return ep_error_set(err, EP_ERR_ARG, "need at least one source and a finite budget > 0");
    double *lo = calloc(4 * n, sizeof *lo);
    if (!lo) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    double *hi = lo + n, *ta = lo + 2 * n, *tb = lo + 3 * n, sum_lo = 0, sum_hi = 0, hmax = 0;
    for (size_t i = 0; i < n; i++) {
        const ep_mix_source *s = &src[i];
        if (!(s->unique_tokens > 0) || !(s->h_bits_per_token >= 0) || s->min_share < 0 || s->max_share > 1 ||
            s->min_share > s->max_share) {
            free(lo);
            return ep_error_set(err, EP_ERR_ARG, "source %s: need U > 0, H >= 0, 0 <= min <= max <= 1",
                                s->name ? s->name : "?");
        }
        lo[i] = s->min_share * b;
        hi[i] = s->max_share * b;
        if (cfg->max_epochs > 0 && hi[i] > cfg->max_epochs * s->unique_tokens)
            hi[i] = cfg->max_epochs * s->unique_tokens;
        if (lo[i] > hi[i]) {
            free(lo);
            return ep_error_set(err, EP_ERR_ARG, "source %s: minimum share %.4g of the budget needs more than %g "
                                "epochs", s->name ? s->name : "?", s->min_share, cfg->max_epochs);
        }
        sum_lo += lo[i];
        sum_hi += hi[i];
        if (s->h_bits_per_token > hmax) hmax = s->h_bits_per_token;
    }
    if (sum_lo > b * (1 + 1e-12)) {
        free(lo);
        return ep_error_set(err, EP_ERR_ARG, "minimum shares add up to %.4g of the budget (> 1)", sum_lo / b);
    }
    if (sum_hi <= b || hmax <= 0) {
        /* Every source at its upper limit (the rest of the budget cannot be used), or no information
         * anywhere (any feasible allocation is optimal: take the limits' lower ends plus U order). */
        for (size_t i = 0; i < n; i++) tokens_out[i] = sum_hi <= b ? hi[i] : lo[i];
        free(lo);
        return EP_OK;
    }
    /* Bisection on log lambda: T(lambda) >= b at a, T(lambda) <= b at c. */
    double a = hmax * 1e-300, c = hmax * (1 + 1e-12);
    if (total_at(src, n, lo, hi, a, r, ta) < b) { /* cannot happen: T(tiny) = sum hi > b */
        free(lo);
        return ep_error_set(err, EP_ERR_INTERNAL, "mix: bisection bracket");
    }
    for (int it = 0; it < 2000 && c - a > 1e-15 * c; it++) {
        double m = sqrt(a * c);
        if (!(m > a && m < c)) m = 0.5 * (a + c);
        if (total_at(src, n, lo, hi, m, r, ta) >= b) a = m;
        else c = m;
    }
    double sa = total_at(src, n, lo, hi, a, r, ta), sc = total_at(src, n, lo, hi, c, r, tb);
    double th = sa > sc ? (b - sc) / (sa - sc) : 0;
    if (th < 0) th = 0;
    if (th > 1) th = 1;
    for (size_t i = 0; i < n; i++) tokens_out[i] = tb[i] + th * (ta[i] - tb[i]);
    free(lo);
    return EP_OK;
}
