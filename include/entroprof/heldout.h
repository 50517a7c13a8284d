/* entroprof: the held-out split shared by the held-out estimators and by tools that export it
 * (tools/ep_mkn.c writes the same train/test split for a comparison with KenLM). */
#ifndef ENTROPROF_HELDOUT_H
#define ENTROPROF_HELDOUT_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** 1 iff a document with content hash hash_lo (ep_doc.hash_lo) is held out: the top 53 bits of
 *  XXH3-64(hash_lo as 8 little-endian bytes, seed ^ 0x6D6B6E2D73706C74) / 2^53 < heldout_fraction.
 *  Duplicated documents fall on the same side. */
EP_API int ep_heldout_is_test(uint64_t hash_lo, uint64_t seed, double heldout_fraction);

#ifdef __cplusplus
}
#endif
#endif
