/* Fit of the prequential loss curve to L(D) = E + B * D^-beta (the data term of the Chinchilla
 * law, Hoffmann et al. 2022, eq. 2 and sec. D.2: Huber loss on log L, delta 1e-3 there; we use
 * 1e-2 because a window of a tiny sample is noisier). Search: grid over (beta, E), golden-section
 * search over log B for each grid point, then (fine) a local refinement around the best point.
 * Deterministic: fixed grids and iteration counts. */
#include <math.h>

#include "lm/lm_internal.h"

#define HUBER_DELTA 1e-2
#define BETA_LO 0.02
#define BETA_HI 2.0

static double huber(double r)
{
    double a = fabs(r);
    return a <= HUBER_DELTA ? 0.5 * r * r : HUBER_DELTA * (a - 0.5 * HUBER_DELTA);
}

/* Objective for fixed (E, beta) at log B = lb; x[i] = d[i]^-beta precomputed. */
static double objective(const double *x, const double *logl, const double *w, int n, double e, double lb)
{
    double b = exp(lb), s = 0.0;
    for (int i = 0; i < n; i++) s += w[i] * huber(log(e + b * x[i]) - logl[i]);
    return s;
}

/* Golden-section search of log B in [lo, hi]; returns the objective, *lb_out the argmin. */
static double best_b(const double *x, const double *logl, const double *w, int n, double e, double lo,
                     double hi, double *lb_out)
{
    const double g = 0.6180339887498949;
    double a = lo, b = hi, c = b - g * (b - a), d = a + g * (b - a);
    double fc = objective(x, logl, w, n, e, c), fd = objective(x, logl, w, n, e, d);
    for (int it = 0; it < 40; it++) {
        if (fc < fd) { b = d; d = c; fd = fc; c = b - g * (b - a); fc = objective(x, logl, w, n, e, c); }
        else { a = c; c = d; fc = fd; d = a + g * (b - a); fd = objective(x, logl, w, n, e, d); }
    }
    *lb_out = fc < fd ? c : d;
    return fc < fd ? fc : fd;
}

static double eval_point(const double *d, const double *l, const double *logl, const double *w, int n,
                         double e, double beta, double *x, double *lb)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++) {
        x[i] = pow(d[i], -beta);
        double r = l[i] - e;
        double li = log(r > 1e-12 ? r : 1e-12) - log(x[i]);
        if (li < lo) lo = li;
        if (li > hi) hi = li;
    }
    return best_b(x, logl, w, n, e, lo - 2.0, hi + 2.0, lb);
}

void ep_lm_powfit_run(ep_lm_powfit *fit, const double *d, const double *l, const double *w, int n,
                      int fine)
{
    enum { MAXN = 4096 };
    double x[MAXN], logl[MAXN];
    if (n > MAXN) n = MAXN;
    double lmin = INFINITY;
    for (int i = 0; i < n; i++) { logl[i] = log(l[i]); if (l[i] < lmin) lmin = l[i]; }
    const int G = fine ? 40 : 24;
    const double emax = 0.999 * lmin;
    double best = INFINITY, be = 0, bbeta = BETA_LO, blb = 0;
    int bi = 0, bj = 0;
    for (int i = 0; i < G; i++) {
        double beta = BETA_LO * pow(BETA_HI / BETA_LO, (double)i / (G - 1));
        for (int j = 0; j < G; j++) {
            double e = emax * j / (G - 1), lb;
            double f = eval_point(d, l, logl, w, n, e, beta, x, &lb);
            if (f < best) { best = f; be = e; bbeta = beta; blb = lb; bi = i; bj = j; }
        }
    }
    if (fine) { /* shrink a box around the best grid point, 3x3 evaluations per round */
        double hb = log(BETA_HI / BETA_LO) / (G - 1), he = emax / (G - 1);
        for (int round = 0; round < 30; round++) {
            double cb = bbeta, ce = be;
            for (int a = -1; a <= 1; a++)
                for (int c = -1; c <= 1; c++) {
                    double beta = cb * exp(a * hb), e = ce + c * he, lb;
                    if (beta < BETA_LO || beta > BETA_HI || e < 0 || e > emax) continue;
                    double f = eval_point(d, l, logl, w, n, e, beta, x, &lb);
                    if (f < best) { best = f; be = e; bbeta = beta; blb = lb; }
                }
            hb *= 0.6;
            he *= 0.6;
        }
    }
    fit->e = be;
    fit->beta = bbeta;
    fit->b = exp(blb);
    fit->loss = best;
    fit->e_at_bound = be <= 0.0 || be >= emax * (1 - 1e-9) || (!fine && (bj == 0 || bj == G - 1));
    fit->beta_at_bound = bbeta <= BETA_LO * 1.0001 || bbeta >= BETA_HI * 0.9999 || (!fine && (bi == 0 || bi == G - 1));
}
