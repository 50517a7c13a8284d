/* Learning curve of a held-out code length against training size (docs/estimators.md §2, "Size").
 *
 * Points (n_j, v_j, se_j): training tokens, held-out bits per token, its standard error. The fit
 * is v(n) = c + a n^-alpha with a >= 0, weighted least squares (weights 1/se^2) for (c, a) at each
 * alpha of a grid (0.02..2 by 0.01), alpha at the smallest chi^2. c estimates the rate the code
 * length tends to with unlimited training data; the interval is the range of c over the alphas
 * whose chi^2 is within 4 of the minimum (a profile-likelihood interval, about 95%), clipped to
 * [0, min v_j]. */
#ifndef EP_PROBE_MKN_CURVE_H
#define EP_PROBE_MKN_CURVE_H

#include <stddef.h>

#define EP_MKN_CURVE_MAX_POINTS 8

typedef struct {
    double n, v, se;
} ep_mkn_curve_point;

typedef struct {
    double c, lo, hi; /* asymptote (clipped into its interval) and its interval */
    double c_fit;     /* c of the best fit, unclipped: the curve is c_fit + a n^-alpha */
    double a, alpha, chi2;
    int determined;   /* 1 when alpha is inside the grid and c_fit >= 0: the asymptote means something */
} ep_mkn_curve_fit;

/** The fitted curve at n. */
double ep_mkn_curve_at(const ep_mkn_curve_fit *f, double n);

/** Fits at least 3 points with n > 0 and se > 0; returns 0 on success, -1 if it cannot (too few
 *  points, no decreasing fit). */
int ep_mkn_curve_fit_power(const ep_mkn_curve_point *pts, size_t npts, ep_mkn_curve_fit *out);

/** v at n: linear interpolation in ln n between the two points that bracket n (points in any
 *  order); returns 0, or -1 when n is outside the points' range. */
int ep_mkn_curve_interpolate(const ep_mkn_curve_point *pts, size_t npts, double n, double *v, double *se);

#endif
