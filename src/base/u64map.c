#include "base/u64map.h"

#include <stdlib.h>
#include <string.h>

void ep_u64map_init(ep_u64map *m) { memset(m, 0, sizeof *m); }

void ep_u64map_free(ep_u64map *m)
{
    if (!m) return;
    free(m->slots);
    memset(m, 0, sizeof *m);
}

/* Fibonacci hashing spreads keys that are not perfectly mixed (small ids) over the table. */
static inline size_t slot_of(uint64_t key, size_t cap)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
}

static ep_status grow(ep_u64map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    ep_u64map_slot *ns = calloc(ncap, sizeof *ns);
    if (!ns) return EP_ERR_NOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key == 0) continue;
        size_t j = slot_of(m->slots[i].key, ncap);
        while (ns[j].key != 0) j = (j + 1) & (ncap - 1);
        ns[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return EP_OK;
}

ep_status ep_u64map_add(ep_u64map *m, uint64_t key, uint64_t delta)
{
    if (key == 0) {
        if (!m->has_zero) { m->has_zero = 1; m->size++; }
        m->zero_val += delta;
        return EP_OK;
    }
    if (2 * (m->size + 1) > m->cap) {
        ep_status st = grow(m);
        if (st != EP_OK) return st;
    }
    size_t j = slot_of(key, m->cap);
    for (;;) {
        ep_u64map_slot *s = &m->slots[j];
        if (s->key == key) { s->val += delta; return EP_OK; }
        if (s->key == 0) { s->key = key; s->val = delta; m->size++; return EP_OK; }
        j = (j + 1) & (m->cap - 1);
    }
}

uint64_t *ep_u64map_find(const ep_u64map *m, uint64_t key)
{
    if (key == 0) return m->has_zero ? (uint64_t *)&m->zero_val : NULL;
    if (!m->cap) return NULL;
    size_t j = slot_of(key, m->cap);
    for (;;) {
        ep_u64map_slot *s = &m->slots[j];
        if (s->key == key) return &s->val;
        if (s->key == 0) return NULL;
        j = (j + 1) & (m->cap - 1);
    }
}

ep_status ep_u64map_merge(ep_u64map *into, const ep_u64map *from)
{
    uint64_t k, v;
    for (size_t it = 0; ep_u64map_next(from, &it, &k, &v);) {
        ep_status st = ep_u64map_add(into, k, v);
        if (st != EP_OK) return st;
    }
    return EP_OK;
}

size_t ep_u64map_bytes(const ep_u64map *m) { return m->cap * sizeof(ep_u64map_slot); }

void ep_u64map_values(const ep_u64map *m, uint64_t *vals)
{
    uint64_t k, v;
    size_t n = 0;
    for (size_t it = 0; ep_u64map_next(m, &it, &k, &v);) vals[n++] = v;
}

int ep_u64map_next(const ep_u64map *m, size_t *it, uint64_t *key, uint64_t *val)
{
    /* it == 0 means "zero slot next"; it == i + 1 means "table slot i next". */
    if (*it == 0) {
        *it = 1;
        if (m->has_zero) { *key = 0; *val = m->zero_val; return 1; }
    }
    for (size_t i = *it - 1; i < m->cap; i++) {
        if (m->slots[i].key != 0) {
            *it = i + 2;
            *key = m->slots[i].key;
            *val = m->slots[i].val;
            return 1;
        }
    }
    *it = m->cap + 1;
    return 0;
}
