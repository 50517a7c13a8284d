/* exact_dedup: documents with identical bytes (XXH3-128 of the repaired text), within the shard and
 * against every earlier shard in canonical order; the first occurrence is kept, later ones count as
 * duplicates. Memory: 32 bytes per slot at load <= 1/2, i.e. about 64 bytes per distinct document
 * for each shard state and for the corpus state. */
#include <stdlib.h>
#include <string.h>

#include "probe/probes_internal.h"

typedef struct {
    uint64_t lo, hi;
    uint64_t count; /* 0 = empty slot */
    uint64_t len;   /* bytes of one copy */
} dslot;

typedef struct {
    dslot *slots; /* (cap) */
    size_t cap, size;
    uint64_t docs;
} dedup_state;

static int dedup_enabled(const ep_scan_config *cfg) { (void)cfg; return 1; }
static ep_status dedup_create(void **out, const ep_probe_env *env, ep_error *err)
{
    (void)env;
    *out = calloc(1, sizeof(dedup_state));
    return *out ? EP_OK : ep_error_set(err, EP_ERR_NOMEM, "exact_dedup: out of memory");
}

static dslot *find_slot(dslot *slots, size_t cap, uint64_t lo, uint64_t hi)
{
    size_t j = (size_t)(lo >> 7) & (cap - 1);
    while (slots[j].count && (slots[j].lo != lo || slots[j].hi != hi)) j = (j + 1) & (cap - 1);
    return &slots[j];
}

static int add(dedup_state *s, uint64_t lo, uint64_t hi, uint64_t count, uint64_t len)
{
    if (2 * (s->size + 1) > s->cap) {
        size_t ncap = s->cap ? 2 * s->cap : 1024;
        dslot *ns = calloc(ncap, sizeof *ns);
        if (!ns) return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i].count) *find_slot(ns, ncap, s->slots[i].lo, s->slots[i].hi) = s->slots[i];
        free(s->slots);
        s->slots = ns;
        s->cap = ncap;
    }
    dslot *d = find_slot(s->slots, s->cap, lo, hi);
    if (!d->count) { d->lo = lo; d->hi = hi; d->len = len; s->size++; }
    d->count += count;
    return 0;
}

static const dslot *lookup(const dedup_state *s, uint64_t lo, uint64_t hi)
{
    if (!s || !s->cap) return NULL;
    const dslot *d = find_slot(s->slots, s->cap, lo, hi);
    return d->count ? d : NULL;
}

static ep_status dedup_observe(void *st, const ep_doc *doc, const ep_token *ids, size_t n, ep_error *err)
{
    (void)ids; (void)n;
    dedup_state *s = st;
    s->docs++;
    if (add(s, doc->hash_lo, doc->hash_hi, 1, doc->len))
        return ep_error_set(err, EP_ERR_NOMEM, "exact_dedup: out of memory for %zu distinct documents", s->size + 1);
    return EP_OK;
}

/* Union of the count tables: commutative and exact. Also the fold (the corpus table is the union
 * of its shards'). */
static ep_status dedup_merge(void *into, const void *from, ep_error *err)
{
    dedup_state *a = into;
    const dedup_state *b = from;
    a->docs += b->docs;
    for (size_t i = 0; i < b->cap; i++)
        if (b->slots[i].count && add(a, b->slots[i].lo, b->slots[i].hi, b->slots[i].count, b->slots[i].len))
            return ep_error_set(err, EP_ERR_NOMEM, "exact_dedup: out of memory for %zu distinct documents",
                                a->size + 1);
    return EP_OK;
}

static ep_status dedup_finish(void *st, const void *before, ep_jv *out, const ep_probe_env *env, ep_error *err)
{
    (void)env; (void)err;
    const dedup_state *s = st, *prev = before;
    uint64_t within = 0, within_bytes = 0, cross = 0, cross_bytes = 0;
    for (size_t i = 0; i < s->cap; i++) {
        const dslot *d = &s->slots[i];
        if (!d->count) continue;
        within += d->count - 1;
        within_bytes += (d->count - 1) * d->len;
        if (lookup(prev, d->lo, d->hi)) { cross++; cross_bytes += d->len; }
    }
    ep_jv *dd = ep_jv_child(out, "dedup");
    uint64_t dups = within + cross;
    ep_jv_set(dd, "exact_dup_docs", ep_jv_int((int64_t)dups));
    ep_jv_set(dd, "exact_dup_bytes", ep_jv_int((int64_t)(within_bytes + cross_bytes)));
    ep_jv_set(dd, "exact_dup_docs_within", ep_jv_int((int64_t)within));
    ep_jv_set(dd, "exact_dup_docs_earlier_shards", ep_jv_int((int64_t)cross));
    ep_jv_set(dd, "exact_unique_docs", ep_jv_int((int64_t)(s->docs - dups)));
    ep_jv_set(dd, "dup_fraction_docs", ep_jv_num(s->docs ? (double)dups / (double)s->docs : 0.0));
    return EP_OK;
}

static void dedup_free(void *st)
{
    dedup_state *s = st;
    if (!s) return;
    free(s->slots);
    free(s);
}

const ep_probe_vtable ep_probe_exact_dedup = {
    "exact_dedup", EP_PROBE_CROSS_SHARD, dedup_enabled, 0.5,
    dedup_create, dedup_observe, dedup_merge, dedup_finish, dedup_merge, dedup_free, NULL, NULL,
};
