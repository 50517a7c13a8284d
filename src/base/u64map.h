/* Open-addressing hash map from 64-bit keys to 64-bit counts (linear probing, power-of-two
 * capacity, load <= 1/2). Keys are expected to be well mixed (hashes or fingerprints); key 0 is
 * stored in a side slot. One allocation for the table: 16 bytes per slot.
 * Not thread-safe: one map per thread, merged with ep_u64map_merge. */
#ifndef EP_CORE_U64MAP_H
#define EP_CORE_U64MAP_H

#include <stdint.h>
#include <stddef.h>
#include "entroprof/common.h"

typedef struct {
    uint64_t key;
    uint64_t val;
} ep_u64map_slot;

typedef struct {
    ep_u64map_slot *slots; /* (cap) */
    size_t cap;            /* power of two, or 0 before the first insert */
    size_t size;           /* keys stored, the zero key included */
    int has_zero;
    uint64_t zero_val;
} ep_u64map;

void ep_u64map_init(ep_u64map *m);
void ep_u64map_free(ep_u64map *m);
/** Adds delta to key's value (inserting it at 0). @return EP_OK or EP_ERR_NOMEM. */
ep_status ep_u64map_add(ep_u64map *m, uint64_t key, uint64_t delta);
/** @return pointer to key's value, or NULL if absent. */
uint64_t *ep_u64map_find(const ep_u64map *m, uint64_t key);
/** Adds every (key, value) of from into into. */
ep_status ep_u64map_merge(ep_u64map *into, const ep_u64map *from);
/** Bytes held by the table. */
size_t ep_u64map_bytes(const ep_u64map *m);
/** Fills vals[0..size) with the values (table order; use only for order-free statistics). */
void ep_u64map_values(const ep_u64map *m, uint64_t *vals);

/** Iteration: for (size_t i = 0; ep_u64map_next(m, &i, &k, &v);) { ... } (zero key first). */
int ep_u64map_next(const ep_u64map *m, size_t *it, uint64_t *key, uint64_t *val);

#endif
