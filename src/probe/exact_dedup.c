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

/* Partial state (docs/partial-format.md, "exact_dedup"), saved before finish (EP_PROBE_CROSS_SHARD:
 * the merge finishes it against the earlier shards): u64 docs, u64 distinct documents, then per
 * distinct document u64 hash_lo, u64 hash_hi, u64 count, u64 bytes of one copy, sorted by
 * (hash_lo, hash_hi) so that the bytes do not depend on the table's insertion order (threads).
 * 16 + 32 x distinct documents bytes per shard. */
static int slot_cmp(const void *a, const void *b)
{
    const dslot *x = a, *y = b;
    if (x->lo != y->lo) return x->lo < y->lo ? -1 : 1;
    return x->hi < y->hi ? -1 : x->hi > y->hi;
}

static ep_status dedup_save(const void *st, ep_wbuf *w, ep_error *err)
{
    const dedup_state *s = st;
    dslot *sorted = malloc((s->size ? s->size : 1) * sizeof *sorted);
    if (!sorted) return ep_error_set(err, EP_ERR_NOMEM, "exact_dedup: out of memory for %zu distinct documents", s->size);
    size_t n = 0;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].count) sorted[n++] = s->slots[i];
    qsort(sorted, n, sizeof *sorted, slot_cmp);
    ep_wbuf_u64(w, s->docs);
    ep_wbuf_u64(w, (uint64_t)n);
    for (size_t i = 0; i < n; i++) {
        ep_wbuf_u64(w, sorted[i].lo);
        ep_wbuf_u64(w, sorted[i].hi);
        ep_wbuf_u64(w, sorted[i].count);
        ep_wbuf_u64(w, sorted[i].len);
    }
    free(sorted);
    return EP_OK;
}

static ep_status dedup_corrupt(dedup_state *s, ep_rbuf *r, ep_error *err, const char *what)
{
    dedup_free(s);
    ep_rbuf_fail(r);
    return ep_error_set(err, EP_ERR_CORRUPT, "exact_dedup: partial state: %s", what);
}

/* Refuses hashes out of order (or repeated), zero counts, counts that do not sum to the documents
 * (each observed document is counted once), and more bytes than the profile can print (int64). */
static ep_status dedup_load(void **out, ep_rbuf *r, const ep_probe_env *env, ep_error *err)
{
    (void)env;
    *out = NULL;
    dedup_state *s = calloc(1, sizeof *s);
    if (!s) return ep_error_set(err, EP_ERR_NOMEM, "exact_dedup: out of memory");
    s->docs = ep_rbuf_u64(r);
    uint64_t n = ep_rbuf_count(r, sizeof(dslot));
    if (ep_rbuf_status(r) != EP_OK) return dedup_corrupt(s, r, err, "truncated or too many documents");
    if (s->docs > INT64_MAX) return dedup_corrupt(s, r, err, "document count out of range");
    size_t cap = 1024; /* as add() grows it: a power of two, load <= 1/2 */
    while (2 * (n + 1) > cap) cap *= 2;
    if (n && !(s->slots = calloc(cap, sizeof *s->slots))) {
        dedup_free(s);
        return ep_error_set(err, EP_ERR_NOMEM, "exact_dedup: out of memory for %llu distinct documents",
                            (unsigned long long)n);
    }
    s->cap = n ? cap : 0;
    uint64_t counted = 0, bytes = 0;
    dslot prev = {0};
    for (uint64_t i = 0; i < n; i++) {
        dslot d;
        d.lo = ep_rbuf_u64(r);
        d.hi = ep_rbuf_u64(r);
        d.count = ep_rbuf_u64(r);
        d.len = ep_rbuf_u64(r);
        if (ep_rbuf_status(r) != EP_OK) return dedup_corrupt(s, r, err, "truncated");
        if (i > 0 && slot_cmp(&prev, &d) >= 0) return dedup_corrupt(s, r, err, "hashes not increasing");
        if (d.count == 0 || d.count > s->docs - counted)
            return dedup_corrupt(s, r, err, "a count is 0 or the counts exceed the documents");
        if (d.len && d.count > (INT64_MAX - bytes) / d.len) return dedup_corrupt(s, r, err, "bytes out of range");
        counted += d.count;
        bytes += d.count * d.len;
        *find_slot(s->slots, s->cap, d.lo, d.hi) = d;
        s->size++;
        prev = d;
    }
    if (counted != s->docs) return dedup_corrupt(s, r, err, "the counts do not sum to the documents");
    *out = s;
    return EP_OK;
}

const ep_probe_vtable ep_probe_exact_dedup = {
    "exact_dedup", EP_PROBE_CROSS_SHARD, dedup_enabled, 0.5,
    dedup_create, dedup_observe, dedup_merge, dedup_finish, dedup_merge, dedup_free, dedup_save, dedup_load,
};
