/* Byte-pair merging by rank: the algorithm of tiktoken's byte_pair_merge (src/lib.rs).
 * A piece starts as single bytes; repeatedly, the adjacent pair whose concatenation has the
 * lowest rank is merged (leftmost on ties), until no adjacent pair is a token. Short pieces use
 * tiktoken's linear scan over an array of (start, rank); long pieces use a linked list and a
 * binary min-heap keyed by (rank, start) with lazy deletion: O(n log n) instead of O(n^2), same
 * result because (rank, start) orders candidates exactly as the linear scan's "first minimum". */
#include <stdlib.h>
#include <string.h>

#include "tok/bpe_internal.h"

#define LINEAR_MAX 128 /* pieces up to this many bytes use the linear scan */

void ep_bpe_merge_ws_free(ep_bpe_merge_ws *ws)
{
    if (!ws) return;
    free(ws->a);
    free(ws->b);
    free(ws->c);
    free(ws->heap);
    free(ws->rc);
    memset(ws, 0, sizeof *ws);
}

static int ws_reserve(ep_bpe_merge_ws *ws, size_t n)
{
    if (!ws->rc) ws->rc = calloc((size_t)1 << EP_BPE_RC_BITS, sizeof *ws->rc); /* optional: NULL = no cache */
    if (n <= ws->cap) return 1;
    size_t c = ws->cap ? ws->cap : 256;
    while (c < n) c *= 2;
    uint32_t *a = realloc(ws->a, c * sizeof *a);
    if (a) ws->a = a;
    uint32_t *b = realloc(ws->b, c * sizeof *b);
    if (b) ws->b = b;
    uint32_t *cc = realloc(ws->c, c * sizeof *cc);
    if (cc) ws->c = cc;
    uint64_t *h = realloc(ws->heap, 3 * c * sizeof *h);
    if (h) ws->heap = h;
    if (!a || !b || !cc || !h) return 0;
    ws->cap = c;
    return 1;
}

static inline uint32_t load32(const uint8_t *p)
{
    uint32_t x;
    memcpy(&x, p, 4);
    return x;
}

/* Merge rank of p[0..n) through the per-thread rank cache (exact: the key and length identify the
 * string; for 4 <= n <= 8 its first and last 4 bytes overlap and cover it). */
static inline uint32_t rank_of(const ep_bpe_vocab *v, ep_bpe_merge_ws *ws, const uint8_t *p, size_t n)
{
    if (n == 2) return v->pair_rank[(unsigned)p[0] << 8 | p[1]];
    if (n > 8 || !ws->rc) return ep_bpe_vocab_rank(v, p, n);
    uint64_t k = n == 3 ? (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16
                        : (uint64_t)load32(p) | (uint64_t)load32(p + n - 4) << 32;
    ep_bpe_rc_entry *e = &ws->rc[((k ^ (uint64_t)n << 59) * 0x9E3779B97F4A7C15ull) >> (64 - EP_BPE_RC_BITS)];
    if (e->len == n && e->key == k) return e->rank;
    uint32_t r = ep_bpe_vocab_rank(v, p, n);
    e->key = k;
    e->len = (uint32_t)n;
    e->rank = r;
    return r;
}

/* Id of a part (a token). Where rank == id (tiktoken files), through the rank cache. */
static inline uint32_t piece_id(const ep_bpe_vocab *v, ep_bpe_merge_ws *ws, const uint8_t *p, size_t n)
{
    if (n == 1) return v->byte_id[p[0]];
    if (!v->rank && n > 2) return rank_of(v, ws, p, n);
    return ep_bpe_vocab_find(v, p, n);
}

size_t ep_bpe_merge_linear(const ep_bpe_vocab *v, ep_bpe_merge_ws *ws, const uint8_t *p, size_t n,
                           uint32_t *out)
{
    if (n == 1) { out[0] = v->byte_id[p[0]]; return 1; }
    if (!ws_reserve(ws, n + 1)) return 0;
    uint32_t *st = ws->a, *rk = ws->b; /* parts: (st[i], rk[i]), i < m */
    for (size_t i = 0; i + 1 < n; i++) { st[i] = (uint32_t)i; rk[i] = ep_bpe_vocab_rank(v, p + i, 2); }
    st[n - 1] = (uint32_t)(n - 1);
    rk[n - 1] = EP_BPE_NO_RANK;
    st[n] = (uint32_t)n;
    rk[n] = EP_BPE_NO_RANK;
    size_t m = n + 1;
    for (;;) {
        uint32_t best = EP_BPE_NO_RANK;
        size_t bi = 0;
        for (size_t i = 0; i + 1 < m; i++)
            if (rk[i] < best) { best = rk[i]; bi = i; }
        if (best == EP_BPE_NO_RANK) break;
        /* rank of parts[i..i+3) after the merge of parts i and i+1 (tiktoken's get_rank) */
        if (bi > 0)
            rk[bi - 1] = bi + 2 < m ? rank_of(v, ws, p + st[bi - 1], st[bi + 2] - st[bi - 1]) : EP_BPE_NO_RANK;
        rk[bi] = bi + 3 < m ? rank_of(v, ws, p + st[bi], st[bi + 3] - st[bi]) : EP_BPE_NO_RANK;
        memmove(st + bi + 1, st + bi + 2, (m - bi - 2) * sizeof *st);
        memmove(rk + bi + 1, rk + bi + 2, (m - bi - 2) * sizeof *rk);
        m--;
    }
    for (size_t i = 0; i + 1 < m; i++) out[i] = piece_id(v, ws, p + st[i], st[i + 1] - st[i]);
    return m - 1;
}

/* Min-heap of (rank << 32 | start). */
static void heap_push(uint64_t *h, size_t *hn, uint64_t x)
{
    size_t i = (*hn)++;
    while (i > 0) {
        size_t par = (i - 1) / 2;
        if (h[par] <= x) break;
        h[i] = h[par];
        i = par;
    }
    h[i] = x;
}

static uint64_t heap_pop(uint64_t *h, size_t *hn)
{
    uint64_t top = h[0], x = h[--(*hn)];
    size_t i = 0, n = *hn;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && h[c + 1] < h[c]) c++;
        if (x <= h[c]) break;
        h[i] = h[c];
        i = c;
    }
    if (n) h[i] = x;
    return top;
}

size_t ep_bpe_merge_heap(const ep_bpe_vocab *v, ep_bpe_merge_ws *ws, const uint8_t *p, size_t n,
                         uint32_t *out)
{
    if (n == 1) { out[0] = v->byte_id[p[0]]; return 1; }
    if (!ws_reserve(ws, n + 1)) return 0;
    /* Node = start byte of a part. nx[i]: start of the next part (n = end); pv[i]: previous part;
     * rk[i]: rank of part i concatenated with the next part. */
    uint32_t *nx = ws->a, *rk = ws->b, *pv = ws->c;
    uint64_t *h = ws->heap;
    size_t hn = 0;
    for (size_t i = 0; i < n; i++) {
        nx[i] = (uint32_t)(i + 1);
        pv[i] = (uint32_t)i - 1; /* wraps for i = 0: never read */
        rk[i] = i + 1 < n ? ep_bpe_vocab_rank(v, p + i, 2) : EP_BPE_NO_RANK;
        if (rk[i] != EP_BPE_NO_RANK) h[hn++] = (uint64_t)rk[i] << 32 | i;
    }
    /* heapify */
    for (size_t k = hn / 2; k-- > 0;) {
        uint64_t x = h[k];
        size_t i = k;
        for (;;) {
            size_t c = 2 * i + 1;
            if (c >= hn) break;
            if (c + 1 < hn && h[c + 1] < h[c]) c++;
            if (x <= h[c]) break;
            h[i] = h[c];
            i = c;
        }
        h[i] = x;
    }
    while (hn) {
        uint64_t e = heap_pop(h, &hn);
        uint32_t r = (uint32_t)(e >> 32), i = (uint32_t)e;
        if (rk[i] != r) continue; /* stale (dead nodes have rk = NO_RANK) */
        uint32_t j = nx[i], k = nx[j];
        /* merge part i with part j */
        nx[i] = k;
        if (k < n) pv[k] = i;
        rk[j] = EP_BPE_NO_RANK;
        rk[i] = k < n ? rank_of(v, ws, p + i, nx[k] - i) : EP_BPE_NO_RANK;
        if (rk[i] != EP_BPE_NO_RANK) heap_push(h, &hn, (uint64_t)rk[i] << 32 | i);
        if (i > 0) {
            uint32_t q = pv[i];
            rk[q] = rank_of(v, ws, p + q, k - q);
            if (rk[q] != EP_BPE_NO_RANK) heap_push(h, &hn, (uint64_t)rk[q] << 32 | q);
        }
    }
    size_t m = 0;
    for (uint32_t i = 0; i < n; i = nx[i]) out[m++] = piece_id(v, ws, p + i, nx[i] - i);
    return m;
}

size_t ep_bpe_merge(const ep_bpe_vocab *v, ep_bpe_merge_ws *ws, const uint8_t *p, size_t n, uint32_t *out)
{
    return n <= LINEAR_MAX ? ep_bpe_merge_linear(v, ws, p, n, out) : ep_bpe_merge_heap(v, ws, p, n, out);
}
