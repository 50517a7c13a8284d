/* A count table of 64-bit n-gram fingerprints inside a fixed memory budget, with consistent key
 * sampling (docs/estimators.md, "Memory").
 *
 * Keys are kept iff key < 2^64 / 2^shift (shift 0 keeps all): the sampling rate is p = 2^-shift.
 * The table may hold at most max_keys keys, a number fixed by the budget alone. When a new kept
 * key would exceed it, shift grows by one and the keys above the new threshold are dropped.
 * Hence after any sequence of adds the table holds exactly the keys below 2^64 p of
 * the inputs, with exact counts, for the smallest shift at which they fit: the
 * result depends on the multiset of inputs only, not on their order.
 * Memory: the slot array is at most 2/3 of the budget; growing (old + new) and dropping (the
 * slot array + a list of the kept keys, at most half the slots) both stay within the budget. */
#ifndef EP_PROBE_NGRAM_TABLE_H
#define EP_PROBE_NGRAM_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include "entroprof/common.h"

typedef struct {
    uint64_t key; /* 0 = empty */
    uint64_t count;
} ep_ngtab_slot;

typedef struct {
    ep_ngtab_slot *slots; /* (cap) */
    size_t cap;           /* slots allocated (any size >= 2; index by multiply-shift) */
    size_t size;          /* keys stored */
    size_t max_cap;       /* slots allowed by the budget */
    size_t max_keys;      /* keys allowed: max_cap / 2 */
    unsigned shift;       /* sampling rate p = 2^-shift */
} ep_ngtab;

/** Sizes the table for budget_bytes (>= 1 KiB; smaller is raised to 1 KiB). Allocates lazily. */
void ep_ngtab_init(ep_ngtab *t, uint64_t budget_bytes);
void ep_ngtab_free(ep_ngtab *t);

/** Slot of a key in a table of cap slots: mix (sampled keys have zero high bits), then map to
 *  [0, cap) by multiply-shift. Shared by every fingerprint table of the n-gram probes. */
static inline size_t ep_ngtab_slot_of(uint64_t key, size_t cap)
{
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    return (size_t)(((unsigned __int128)h * cap) >> 64);
}

/** Keys a table of budget_bytes may hold (max_keys after ep_ngtab_init). */
size_t ep_ngtab_max_keys(uint64_t budget_bytes);

/** Maps a fingerprint to a valid key (0 is reserved for empty slots). */
static inline uint64_t ep_ngtab_key(uint64_t fp) { return fp + (fp == 0); }

/** 1 iff key is below the current sampling threshold. */
static inline int ep_ngtab_keeps(const ep_ngtab *t, uint64_t key)
{
    return t->shift == 0 || (t->shift < 64 && (key >> (64 - t->shift)) == 0);
}

/** Adds delta to key's count if the key is sampled; may raise shift. @return EP_OK or NOMEM. */
ep_status ep_ngtab_add(ep_ngtab *t, uint64_t key, uint64_t delta);
/** Raises the shift to at least `shift`, dropping keys above the new threshold. */
ep_status ep_ngtab_raise_shift(ep_ngtab *t, unsigned shift);
/** Sampling rate p = 2^-shift. */
double ep_ngtab_p(const ep_ngtab *t);
/** Fills counts[0..size) with the counts (table order). */
void ep_ngtab_counts(const ep_ngtab *t, uint64_t *counts);

#endif
