/* Private pieces of the dedup module shared between its files (never included from another
 * module; the index other modules use is dedup/dedup_index.h). */
#ifndef EP_DEDUP_INTERNAL_H
#define EP_DEDUP_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "dedup/dedup_index.h"
#include "entroprof/dedup.h"

struct ep_minhash_scratch_s {
    char *out;        /* normalized text (out_cap) */
    size_t out_cap;
    int32_t *cps;     /* utf8proc code point buffer (cps_cap) */
    size_t cps_cap;
    uint64_t *th;     /* token hashes of the last normalized text (ntok of th_cap) */
    size_t th_cap;
    size_t ntok;
};

/** Number of equal slots of two k-slot signatures. */
int ep_sig_agree(const uint32_t *a, const uint32_t *b, int k);

/* ---- Shared pieces of the band stage (index.c), used by the incremental index (incr.c) ---- */

typedef struct {
    uint64_t h;
    uint32_t gid;
    uint32_t pad;
} ep_band_item;

/** Stable LSD radix sort of t[0..m) by h; tmp holds m items. Items entered in ascending gid
 *  leave in (h, gid) order. */
void ep_dedup_radix_sort_h(ep_band_item *t, size_t m, ep_band_item *tmp);
/** Hash of band b of a k-slot signature: XXH3-64 of its rows, seeded with seed + b. */
uint64_t ep_dedup_band_hash(const uint32_t *sig, int b, int rows, uint64_t seed);
/** Whether a verified earlier document i with agreement a becomes the best match of a document
 *  (is_near: it already has one, best_i with agreement best_a): highest agreement, then smallest
 *  gid. index.c and incr.c must pick the same match. */
static inline int ep_dedup_better_match(int is_near, int a, int best_a, uint32_t i, uint32_t best_i)
{
    return !is_near || a > best_a || (a == best_a && i < best_i);
}
/** Least number of equal slots of two signatures for a verified pair: ceil(threshold * k). */
int ep_dedup_min_agree(const ep_dedup_config *cfg);

/** Every set of s (repetition.c) starts with room for at most `keys` keys (default 4096, 0 means
 *  1) and doubles as keys arrive; no count depends on it. Tests set it low to make the sets grow. */
void ep_repetition_scratch_set_start_keys(ep_repetition_scratch *s, size_t keys);

#endif
