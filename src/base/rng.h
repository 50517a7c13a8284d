/* The one pseudo-random generator of the library: SplitMix64 and small variates built on it (no
 * global state; the caller owns the 64-bit state). Used by the synthetic sources, the MinHash
 * slot family and the tiny model's initialisation. */
#ifndef EP_BASE_RNG_H
#define EP_BASE_RNG_H

#include <math.h>
#include <stdint.h>

/* SplitMix64 (Steele, Lea & Flood 2014). */
static inline uint64_t ep_rng_u64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double ep_rng_uniform(uint64_t *x)
{
    return (double)(ep_rng_u64(x) >> 11) * (1.0 / 9007199254740992.0);
}

static inline double ep_rng_normal(uint64_t *x)
{
    double u1 = 1.0 - ep_rng_uniform(x), u2 = ep_rng_uniform(x);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2); /* Box-Muller */
}

/* Gamma(a, 1) by Marsaglia & Tsang 2000; a < 1 via Gamma(a+1) * U^(1/a). */
static inline double ep_rng_gamma(double a, uint64_t *x)
{
    if (a < 1.0) {
        double u = 1.0 - ep_rng_uniform(x);
        return ep_rng_gamma(a + 1.0, x) * pow(u, 1.0 / a);
    }
    double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double z = ep_rng_normal(x), v = 1.0 + c * z;
        if (v <= 0) continue;
        v = v * v * v;
        double u = 1.0 - ep_rng_uniform(x);
        if (log(u) < 0.5 * z * z + d - d * v + d * log(v)) return d * v;
    }
}

#endif
