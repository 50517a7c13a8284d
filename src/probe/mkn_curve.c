/* Learning curve fit of held-out code lengths (see mkn_curve.h). */
#include "probe/mkn_curve.h"

#include <math.h>

/* Weighted least squares of v = c + a x (x = n^-alpha); returns chi^2, or INFINITY when a < 0 or
 * the system is singular. */
static double wls(const ep_mkn_curve_point *p, size_t k, double alpha, double *c, double *a)
{
    double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t i = 0; i < k; i++) {
        double w = 1.0 / (p[i].se * p[i].se), x = pow(p[i].n, -alpha);
        sw += w, sx += w * x, sy += w * p[i].v, sxx += w * x * x, sxy += w * x * p[i].v;
    }
    double det = sw * sxx - sx * sx;
    *c = *a = 0;
    if (!(fabs(det) > 1e-12 * sw * sxx)) return INFINITY;
    *a = (sw * sxy - sx * sy) / det;
    *c = (sy - *a * sx) / sw;
    if (*a < 0) return INFINITY;
    double chi2 = 0;
    for (size_t i = 0; i < k; i++) {
        double r = (p[i].v - *c - *a * pow(p[i].n, -alpha)) / p[i].se;
        chi2 += r * r;
    }
    return chi2;
}

int ep_mkn_curve_fit_power(const ep_mkn_curve_point *pts, size_t npts, ep_mkn_curve_fit *out)
{
    if (npts < 3) return -1;
    double vmin = INFINITY;
    for (size_t i = 0; i < npts; i++) {
        if (!(pts[i].n > 0 && pts[i].se > 0 && isfinite(pts[i].v))) return -1;
        if (pts[i].v < vmin) vmin = pts[i].v;
    }
    double chi[199], cs[199];
    double best = INFINITY;
    for (int i = 0; i < 199; i++) {
        double alpha = 0.02 + 0.01 * i, a = 0;
        chi[i] = wls(pts, npts, alpha, &cs[i], &a);
        if (chi[i] < best) {
            best = chi[i];
            out->c = out->c_fit = cs[i], out->a = a, out->alpha = alpha, out->chi2 = chi[i];
        }
    }
    if (!isfinite(best)) return -1;
    out->determined = out->alpha > 0.02 + 1e-9 && out->alpha < 2.0 - 1e-9 && out->c_fit >= 0;
    out->lo = out->hi = out->c;
    for (int i = 0; i < 199; i++) {
        if (chi[i] > best + 4) continue;
        if (cs[i] < out->lo) out->lo = cs[i];
        if (cs[i] > out->hi) out->hi = cs[i];
    }
    if (out->lo < 0) out->lo = 0;
    if (out->hi > vmin) out->hi = vmin;
    if (out->c < out->lo) out->c = out->lo;
    if (out->c > out->hi) out->c = out->hi;
    return 0;
}

int ep_mkn_curve_interpolate(const ep_mkn_curve_point *pts, size_t npts, double n, double *v, double *se)
{
    const ep_mkn_curve_point *below = NULL, *above = NULL; /* largest n_j <= n, smallest n_j >= n */
    for (size_t i = 0; i < npts; i++) {
        if (pts[i].n <= n && (!below || pts[i].n > below->n)) below = &pts[i];
        if (pts[i].n >= n && (!above || pts[i].n < above->n)) above = &pts[i];
    }
    if (!below || !above) return -1;
    if (below == above || above->n == below->n) {
        *v = below->v, *se = below->se;
        return 0;
    }
    double t = (log(n) - log(below->n)) / (log(above->n) - log(below->n));
    *v = below->v + t * (above->v - below->v);
    *se = below->se + t * (above->se - below->se);
    return 0;
}

double ep_mkn_curve_at(const ep_mkn_curve_fit *f, double n) { return f->c_fit + f->a * pow(n, -f->alpha); }
