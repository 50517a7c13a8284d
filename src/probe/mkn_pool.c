/* Budgeted document pool with consistent document sampling (see mkn_pool.h). */
#include <stdlib.h>
#include <string.h>

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
