/* Entropy of a distribution from count-of-counts.
 * Sources: plug-in and Miller-Madow (Miller 1955); Grassberger, "Entropy estimates from
 * insufficient samplings", arXiv physics/0307138 (2003), eq. 35 with G(n) as in eq. 30-31. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "entroprof/entropy.h"

#define EP_LN2 0.69314718055994530942
#define EP_EULER_GAMMA 0.57721566490153286061

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Small counts (the bulk: most types of a large sample are rare) go to a dense histogram, the
 * few large ones are sorted; the result, m ascending, does not depend on the order of counts. */
#define COC_DENSE 4096

static ep_status coc_reserve(ep_coc *c, size_t n)
{
    if (n <= c->cap) return EP_OK;
    uint64_t *nm = realloc(c->m, n * sizeof *nm);
    if (!nm) return EP_ERR_NOMEM;
    c->m = nm;
    uint64_t *nf = realloc(c->f, n * sizeof *nf);
    if (!nf) return EP_ERR_NOMEM;
    c->f = nf;
    c->cap = n;
    return EP_OK;
}

ep_status ep_coc_from_counts(ep_coc *c, const uint64_t *counts, size_t n_counts)
{
    uint64_t *hist = calloc(COC_DENSE, sizeof *hist);
    if (!hist) return EP_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n_counts; i++) {
        if (counts[i] < COC_DENSE) hist[counts[i]]++;
        else k++;
    }
    uint64_t *big = malloc((k ? k : 1) * sizeof *big);
    if (!big) {
        free(hist);
        return EP_ERR_NOMEM;
    }
    k = 0;
    for (size_t i = 0; i < n_counts; i++)
        if (counts[i] >= COC_DENSE) big[k++] = counts[i];
    qsort(big, k, sizeof *big, cmp_u64);
    size_t distinct = 0;
    for (size_t m = 1; m < COC_DENSE; m++) distinct += hist[m] != 0;
    for (size_t i = 0; i < k; i++)
        if (i == 0 || big[i] != big[i - 1]) distinct++;
    ep_status st = coc_reserve(c, distinct);
    if (st == EP_OK) {
        c->n = 0;
        for (size_t m = 1; m < COC_DENSE; m++) {
            if (!hist[m]) continue;
            c->m[c->n] = m;
            c->f[c->n++] = hist[m];
        }
        for (size_t i = 0; i < k; i++) {
            if (i == 0 || big[i] != big[i - 1]) {
                c->m[c->n] = big[i];
                c->f[c->n++] = 0;
            }
            c->f[c->n - 1]++;
        }
    }
    free(big);
    free(hist);
    return st;
}

void ep_coc_free(ep_coc *c)
{
    if (!c) return;
    free(c->m);
    free(c->f);
    memset(c, 0, sizeof *c);
}

uint64_t ep_coc_total(const ep_coc *c)
{
    uint64_t n = 0;
    for (size_t i = 0; i < c->n; i++) n += c->m[i] * c->f[i];
    return n;
}

uint64_t ep_coc_types(const ep_coc *c)
{
    uint64_t k = 0;
    for (size_t i = 0; i < c->n; i++) k += c->f[i];
    return k;
}

uint64_t ep_coc_f(const ep_coc *c, uint64_t m)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->m[i] == m) return c->f[i];
    return 0;
}

double ep_entropy_plugin_bits(const ep_coc *c)
{
    uint64_t n = ep_coc_total(c);
    if (n == 0) return 0.0;
    double s = 0.0; /* sum in ascending m: a fixed order, so the result is deterministic */
    for (size_t i = 0; i < c->n; i++) {
        double m = (double)c->m[i];
        s += (double)c->f[i] * m * log2(m);
    }
    return log2((double)n) - s / (double)n;
}

double ep_entropy_miller_madow_bits(const ep_coc *c)
{
    uint64_t n = ep_coc_total(c);
    if (n == 0) return 0.0;
    return ep_entropy_plugin_bits(c) + (double)(ep_coc_types(c) - 1) / (2.0 * (double)n * EP_LN2);
}

double ep_digamma(double x)
{
    double r = 0.0;
    while (x < 12.0) { r -= 1.0 / x; x += 1.0; }
    double f = 1.0 / (x * x);
    /* Asymptotic series (Abramowitz & Stegun 6.3.18). */
    double t = f * (-1.0 / 12 + f * (1.0 / 120 + f * (-1.0 / 252 + f * (1.0 / 240 + f * (-1.0 / 132)))));
    return r + log(x) - 0.5 / x + t;
}

double ep_grassberger_G(uint64_t n)
{
    if (n == 0) return 0.0;
    /* Small n by the exact recurrence (Grassberger 2003, eq. 31), large n by digamma. */
    if (n <= 64) {
        double g = -EP_EULER_GAMMA - log(2.0); /* G(1) = G(0+1); G(2) = G(1) + 2 */
        if (n == 1) return g;
        double even = 2.0 - EP_EULER_GAMMA - log(2.0); /* G(2) */
        for (uint64_t k = 1; 2 * k + 2 <= n; k++) even += 2.0 / (double)(2 * k + 1);
        /* even = G(2*floor(n/2)); odd n shares the value of n-1. */
        return even;
    }
    double x = (double)n;
    double sign = (n & 1) ? -1.0 : 1.0;
    return ep_digamma(x) + 0.5 * sign * (ep_digamma((x + 1.0) / 2.0) - ep_digamma(x / 2.0));
}

double ep_entropy_grassberger_bits(const ep_coc *c)
{
    uint64_t n = ep_coc_total(c);
    if (n == 0) return 0.0;
    double s = 0.0;
    for (size_t i = 0; i < c->n; i++)
        s += (double)c->f[i] * (double)c->m[i] * ep_grassberger_G(c->m[i]);
    return (log((double)n) - s / (double)n) / EP_LN2;
}
