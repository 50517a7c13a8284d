/* Budgeted document pool with consistent document sampling (see mkn_pool.h). */
#include <stdlib.h>
#include <string.h>

#include "base/xxh.h"
#include "probe/mkn_pool.h"

static int keeps(unsigned shift, uint64_t h)
{
    return shift == 0 || (shift < 64 && (h >> (64 - shift)) == 0);
}

void ep_mkn_pool_init(ep_mkn_pool *p, uint64_t max_cost)
{
    memset(p, 0, sizeof *p);
    p->max_cost = max_cost;
}

void ep_mkn_pool_free(ep_mkn_pool *p)
{
    free(p->docs);
    free(p->tok);
    memset(p, 0, sizeof *p);
}

static uint64_t cost(const ep_mkn_pool *p)
{
    return (uint64_t)p->ntok + (uint64_t)p->ndocs * EP_MKN_DOC_COST;
}

void ep_mkn_pool_raise_shift(ep_mkn_pool *p, unsigned shift)
{
    if (shift <= p->shift) return;
    p->shift = shift > 64 ? 64 : shift;
    size_t nd = 0, nt = 0;
    for (size_t i = 0; i < p->ndocs; i++) {
        ep_mkn_doc d = p->docs[i];
        if (!keeps(p->shift, d.h)) continue;
        memmove(p->tok + nt, p->tok + d.off, d.len * sizeof *p->tok);
        d.off = nt;
        nt += d.len;
        p->docs[nd++] = d;
    }
    p->ndocs = nd;
    p->ntok = nt;
}

ep_status ep_mkn_pool_add(ep_mkn_pool *p, const ep_mkn_doc *d, const ep_token *ids)
{
    while (keeps(p->shift, d->h) && cost(p) + d->len + EP_MKN_DOC_COST > p->max_cost)
        ep_mkn_pool_raise_shift(p, p->shift + 1);
    if (!keeps(p->shift, d->h)) return EP_OK;
    if (p->ndocs == p->capdocs) {
        size_t nc = p->capdocs ? 2 * p->capdocs : 64;
        ep_mkn_doc *nd = realloc(p->docs, nc * sizeof *nd);
        if (!nd) return EP_ERR_NOMEM;
        p->docs = nd;
        p->capdocs = nc;
    }
    if (p->ntok + d->len > p->captok) {
        size_t nc = p->captok ? p->captok : 4096;
        while (nc < p->ntok + d->len) nc *= 2;
        if (nc > p->max_cost) nc = p->max_cost;
        ep_token *nt = realloc(p->tok, nc * sizeof *nt);
        if (!nt) return EP_ERR_NOMEM;
        p->tok = nt;
        p->captok = nc;
    }
    ep_mkn_doc c = *d;
    c.off = p->ntok;
    if (d->len) memcpy(p->tok + p->ntok, ids, d->len * sizeof *ids);
    p->ntok += d->len;
    p->docs[p->ndocs++] = c;
    return EP_OK;
}

ep_status ep_mkn_pool_merge(ep_mkn_pool *into, const ep_mkn_pool *from)
{
    ep_mkn_pool_raise_shift(into, from->shift);
    for (size_t i = 0; i < from->ndocs; i++) {
        ep_status st = ep_mkn_pool_add(into, &from->docs[i], from->tok + from->docs[i].off);
        if (st != EP_OK) return st;
    }
    into->offered_docs += from->offered_docs;
    into->offered_tokens += from->offered_tokens;
    return EP_OK;
}

static int cmp_doc(const void *a, const void *b)
{
    const ep_mkn_doc *x = a, *y = b;
    if (x->lo != y->lo) return x->lo < y->lo ? -1 : 1;
    if (x->hi != y->hi) return x->hi < y->hi ? -1 : 1;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return 0;
}

void ep_mkn_pool_sort(ep_mkn_pool *p)
{
    if (p->ndocs > 1) qsort(p->docs, p->ndocs, sizeof *p->docs, cmp_doc);
}

double ep_mkn_pool_p(const ep_mkn_pool *p)
{
    double r = 1.0;
    for (unsigned i = 0; i < p->shift; i++) r *= 0.5;
    return r;
}

ep_status ep_mkn_pool_subsample(ep_mkn_pool *dst, const ep_mkn_pool *src, unsigned shift)
{
    for (size_t i = 0; i < src->ndocs; i++) {
        const ep_mkn_doc *d = &src->docs[i];
        if (!keeps(shift, d->h)) continue;
        ep_status r = ep_mkn_pool_add(dst, d, src->tok + d->off);
        if (r != EP_OK) return r;
    }
    dst->shift = shift;
    return EP_OK;
}

uint64_t ep_mkn_pool_hash(uint64_t lo, uint64_t hi, uint64_t seed)
{
    uint64_t hh[2] = {lo, hi};
    return XXH3_64bits_withSeed(hh, sizeof hh, seed);
}

/* Bytes of one document's record in a saved pool: lo, hi, bytes (u64), len (u32). */
#define SAVED_DOC_BYTES 28

void ep_mkn_pool_save(const ep_mkn_pool *p, ep_wbuf *w)
{
    ep_wbuf_u8(w, (uint8_t)p->shift);
    ep_wbuf_u64(w, p->offered_docs);
    ep_wbuf_u64(w, p->offered_tokens);
    ep_wbuf_u64(w, p->ndocs);
    for (size_t i = 0; i < p->ndocs; i++) {
        const ep_mkn_doc *d = &p->docs[i];
        ep_wbuf_u64(w, d->lo);
        ep_wbuf_u64(w, d->hi);
        ep_wbuf_u64(w, d->bytes);
        ep_wbuf_u32(w, d->len);
    }
    /* The ids document by document: after ep_mkn_pool_sort the documents are no longer in the
     * order of their ids in p->tok. */
    ep_wbuf_u64(w, p->ntok);
    for (size_t i = 0; i < p->ndocs; i++) ep_wbuf_u32s(w, p->tok + p->docs[i].off, p->docs[i].len);
}

static ep_status load_fail(ep_mkn_pool *p, ep_rbuf *r, ep_status st, const char **why, const char *reason)
{
    uint64_t max_cost = p->max_cost;
    ep_mkn_pool_free(p);
    ep_mkn_pool_init(p, max_cost);
    if (st == EP_ERR_CORRUPT) ep_rbuf_fail(r);
    *why = st == EP_ERR_NOMEM ? "out of memory" : reason;
    return st;
}

ep_status ep_mkn_pool_load(ep_mkn_pool *p, ep_rbuf *r, uint64_t h_seed, uint64_t vocab, const char **why)
{
    unsigned shift = ep_rbuf_u8(r);
    p->offered_docs = ep_rbuf_u64(r);
    p->offered_tokens = ep_rbuf_u64(r);
    uint64_t nd = ep_rbuf_count(r, SAVED_DOC_BYTES);
    if (r->failed) return load_fail(p, r, EP_ERR_CORRUPT, why, "truncated, or a document count past the end");
    if (shift > 64) return load_fail(p, r, EP_ERR_CORRUPT, why, "a shift over 64");
    if (nd > p->offered_docs) return load_fail(p, r, EP_ERR_CORRUPT, why, "more documents kept than offered");
    p->shift = shift;
    if (nd && !(p->docs = malloc((size_t)nd * sizeof *p->docs))) return load_fail(p, r, EP_ERR_NOMEM, why, NULL);
    p->capdocs = (size_t)nd;
    uint64_t sum = 0;
    for (size_t i = 0; i < (size_t)nd; i++) {
        ep_mkn_doc *d = &p->docs[i];
        d->lo = ep_rbuf_u64(r);
        d->hi = ep_rbuf_u64(r);
        d->bytes = ep_rbuf_u64(r);
        d->len = ep_rbuf_u32(r);
        d->h = ep_mkn_pool_hash(d->lo, d->hi, h_seed);
        d->off = (size_t)sum;
        sum += d->len; /* the ids follow: sum stays below the bytes left, so it cannot wrap */
        if (r->failed || sum > ep_rbuf_left(r) / sizeof(uint32_t))
            return load_fail(p, r, EP_ERR_CORRUPT, why, "truncated, or documents longer than the ids that follow");
        if (!keeps(shift, d->h)) return load_fail(p, r, EP_ERR_CORRUPT, why, "a document its shift does not keep");
    }
    p->ndocs = (size_t)nd;
    uint64_t nt = ep_rbuf_count(r, sizeof(uint32_t));
    if (r->failed || nt != sum) return load_fail(p, r, EP_ERR_CORRUPT, why, "an id count other than the documents' lengths");
    if (nt > p->offered_tokens) return load_fail(p, r, EP_ERR_CORRUPT, why, "more tokens kept than offered");
    if (nt + nd * EP_MKN_DOC_COST > p->max_cost)
        return load_fail(p, r, EP_ERR_CORRUPT, why, "more than this scan's pool holds (another --mem or --ngram-sample-tokens?)");
    if (nt && !(p->tok = malloc((size_t)nt * sizeof *p->tok))) return load_fail(p, r, EP_ERR_NOMEM, why, NULL);
    p->captok = (size_t)nt;
    if (ep_rbuf_u32s(r, p->tok, (size_t)nt) != 0) return load_fail(p, r, EP_ERR_CORRUPT, why, "truncated ids");
    p->ntok = (size_t)nt;
    for (size_t i = 0; vocab && i < p->ntok; i++)
        if (p->tok[i] >= vocab) return load_fail(p, r, EP_ERR_CORRUPT, why, "a token id outside the vocabulary");
    return EP_OK;
}
