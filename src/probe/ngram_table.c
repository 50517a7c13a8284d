/* Budgeted fingerprint count table with consistent key sampling (see ngram_table.h). */
#include <stdlib.h>
#include <string.h>

#include "probe/ngram_table.h"

#define slot_of ep_ngtab_slot_of

static size_t max_cap_of(uint64_t budget_bytes)
{
    if (budget_bytes < 1024) budget_bytes = 1024;
    return (size_t)(budget_bytes * 2 / 3 / sizeof(ep_ngtab_slot));
}

size_t ep_ngtab_max_keys(uint64_t budget_bytes)
{
    return max_cap_of(budget_bytes) / 2;
}

void ep_ngtab_init(ep_ngtab *t, uint64_t budget_bytes)
{
    memset(t, 0, sizeof *t);
    t->max_cap = max_cap_of(budget_bytes);
    t->max_keys = ep_ngtab_max_keys(budget_bytes);
}

void ep_ngtab_free(ep_ngtab *t)
{
    free(t->slots);
    t->slots = NULL;
    t->cap = t->size = 0;
}

static void put(ep_ngtab_slot *slots, size_t cap, uint64_t key, uint64_t count)
{
    size_t j = slot_of(key, cap);
    while (slots[j].key != 0) j = j + 1 == cap ? 0 : j + 1;
    slots[j].key = key;
    slots[j].count = count;
}

static ep_status resize(ep_ngtab *t, size_t ncap)
{
    ep_ngtab_slot *ns = calloc(ncap, sizeof *ns);
    if (!ns) return EP_ERR_NOMEM;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].key) put(ns, ncap, t->slots[i].key, t->slots[i].count);
    free(t->slots);
    t->slots = ns;
    t->cap = ncap;
    return EP_OK;
}

ep_status ep_ngtab_raise_shift(ep_ngtab *t, unsigned shift)
{
    if (shift <= t->shift) return EP_OK;
    t->shift = shift > 64 ? 64 : shift;
    if (!t->size) return EP_OK;
    size_t kept = 0;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].key && ep_ngtab_keeps(t, t->slots[i].key)) kept++;
    ep_ngtab_slot *list = malloc((kept ? kept : 1) * sizeof *list);
    if (!list) return EP_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].key && ep_ngtab_keeps(t, t->slots[i].key)) list[k++] = t->slots[i];
    memset(t->slots, 0, t->cap * sizeof *t->slots);
    for (size_t i = 0; i < kept; i++) put(t->slots, t->cap, list[i].key, list[i].count);
    t->size = kept;
    free(list);
    return EP_OK;
}

ep_status ep_ngtab_add(ep_ngtab *t, uint64_t key, uint64_t delta)
{
    if (!ep_ngtab_keeps(t, key)) return EP_OK;
    if (t->cap) {
        size_t j = slot_of(key, t->cap);
        while (t->slots[j].key != 0) {
            if (t->slots[j].key == key) {
                t->slots[j].count += delta;
                return EP_OK;
            }
            j = j + 1 == t->cap ? 0 : j + 1;
        }
    }
    /* A new key. */
    while (t->size + 1 > t->max_keys) {
        ep_status st = ep_ngtab_raise_shift(t, t->shift + 1);
        if (st != EP_OK) return st;
        if (!ep_ngtab_keeps(t, key)) return EP_OK;
    }
    if (2 * (t->size + 1) > t->cap) {
        /* Sizes max_cap >> j, so the last step is from about max_cap / 2 to max_cap: old + new
         * slots stay within 1.5 max_cap = the budget. */
        size_t ncap;
        if (!t->cap) {
            unsigned j = 0;
            while ((t->max_cap >> j) > 1024) j++;
            ncap = t->max_cap >> j;
        } else {
            ncap = 2 * t->cap;
            if (2 * ncap > t->max_cap) ncap = t->max_cap;
        }
        if (ncap < 2) ncap = 2;
        if (ncap > t->cap) {
            ep_status st = resize(t, ncap);
            if (st != EP_OK) return st;
        }
    }
    put(t->slots, t->cap, key, delta);
    t->size++;
    return EP_OK;
}

double ep_ngtab_p(const ep_ngtab *t)
{
    double p = 1.0;
    for (unsigned i = 0; i < t->shift; i++) p *= 0.5;
    return p;
}

void ep_ngtab_counts(const ep_ngtab *t, uint64_t *counts)
{
    size_t k = 0;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].key) counts[k++] = t->slots[i].count;
}
