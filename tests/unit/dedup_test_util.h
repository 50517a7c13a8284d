/* Helpers shared by the dedup unit tests (test_dedup.c, test_dedup_incr.c). */
#ifndef EP_DEDUP_TEST_UTIL_H
#define EP_DEDUP_TEST_UTIL_H

#include <stdint.h>
#include <string.h>

#include "base/xxh.h"
#include "entroprof/doc.h"

/* 64-bit LCG step with a murmur-style output mix: deterministic test data. */
static inline uint64_t rng_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t z = *s;
    z = (z ^ (z >> 33)) * 0xff51afd7ed558ccdull;
    return z ^ (z >> 33);
}

/* A document over text t (not copied) with its XXH3-128, as the reader would hand it to a probe. */
static inline ep_doc mkdoc(const char *t, uint64_t index)
{
    ep_doc d;
    memset(&d, 0, sizeof d);
    d.text = t;
    d.len = strlen(t);
    d.index = index;
    XXH128_hash_t h = XXH3_128bits(t, d.len);
    d.hash_lo = h.low64;
    d.hash_hi = h.high64;
    return d;
}

#endif
