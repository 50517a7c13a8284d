/* entroprof: entropy of a discrete distribution from its count-of-counts.
 *
 * Every estimator here depends on the sample only through the count-of-counts
 * f_m = number of types seen exactly m times, so results are exact functions of integer state
 * and deterministic. Formulas: docs/estimators.md (sources cited there and in entropy.c). */
#ifndef ENTROPROF_ENTROPY_H
#define ENTROPROF_ENTROPY_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Count-of-counts: pairs (m, f_m) sorted by m ascending, m >= 1, f_m >= 1. */
typedef struct {
    uint64_t *m;   /**< (n) counts */
    uint64_t *f;   /**< (n) number of types with that count */
    size_t n;
    size_t cap;
} ep_coc;

/** Builds count-of-counts from raw counts (any order, zeros ignored). Replaces c's content. */
EP_API ep_status ep_coc_from_counts(ep_coc *c, const uint64_t *counts, size_t n_counts);
EP_API void ep_coc_free(ep_coc *c);
EP_API uint64_t ep_coc_total(const ep_coc *c);         /**< N = sum m f_m */
EP_API uint64_t ep_coc_types(const ep_coc *c);         /**< K = sum f_m */
EP_API uint64_t ep_coc_f(const ep_coc *c, uint64_t m); /**< f_m (0 if absent) */

/** Plug-in (maximum likelihood) entropy in bits: log2 N - (1/N) sum f_m m log2 m. */
EP_API double ep_entropy_plugin_bits(const ep_coc *c);
/** Miller-Madow: plug-in + (K - 1) / (2N ln 2) bits. */
EP_API double ep_entropy_miller_madow_bits(const ep_coc *c);
/** Grassberger 2003 (eq. 35 there): ln N - (1/N) sum f_m m G(m), in bits. */
EP_API double ep_entropy_grassberger_bits(const ep_coc *c);
/** G(n) of Grassberger 2003: psi(n) + (1/2)(-1)^n (psi((n+1)/2) - psi(n/2)). */
EP_API double ep_grassberger_G(uint64_t n);
/** Digamma function for x > 0 (recurrence + asymptotic series, ~1e-15 relative). */
EP_API double ep_digamma(double x);

#ifdef __cplusplus
}
#endif
#endif
