/* BPE encode/decode and the per-thread scratch (regex match data, JIT stack, merge work space,
 * cache of pre-token -> ids). Nothing here is global: a tokenizer is read-only after open, and
 * each thread brings its own scratch. */
#include <stdlib.h>
#include <string.h>

#include "base/xxh.h"
#include "tok/bpe_impl.h"

/* Cache: open addressing over CACHE_SLOTS entries, keys and ids in two arenas. When any part is
 * full the whole cache is cleared (cheap, and the output never depends on the cache). Only
 * pieces of 2..CACHE_MAX_KEY bytes that take more than one token are cached: a piece that is a
 * token is answered by one vocabulary lookup, which is as fast as a cache hit. */
#define CACHE_SLOTS (1u << 15)
#define CACHE_MAX_KEY 255
#define CACHE_KEY_BYTES (1u << 20)
#define CACHE_ID_CAP (1u << 18)

typedef struct {
    uint64_t hash; /* 0 = empty */
    uint32_t key_off;
    uint32_t id_off;
    uint16_t key_len;
    uint16_t n_ids;
} cache_entry;

/* Hot cache: direct-mapped, HOT_SLOTS entries of 32 bytes (512 KiB, L2-resident), for pieces of
 * 2..HOT_MAX bytes that take at most HOT_IDS tokens, single-token pieces included: a hit replaces
 * the vocabulary lookup (a DRAM miss into a 4-8 MiB table) and the XXH3 hash. Key = the piece's
 * first 8 bytes (zero-padded) and its last 8 bytes when longer than 8 (the two overlap and cover
 * it) + its length; slot = multiplicative hash (Knuth, TAOCP 6.4) of those. A new piece
 * overwrites its slot. */
#define HOT_BITS 14
#define HOT_SLOTS (1u << HOT_BITS)
#define HOT_IDS 3
#define HOT_MAX 16

typedef struct {
    uint64_t lo, hi;
} hot_key_t;

typedef struct {
    hot_key_t key;
    uint8_t len; /* 0 = empty */
    uint8_t n_ids;
    uint16_t pad;
    uint32_t ids[HOT_IDS];
} hot_entry;

static inline hot_key_t hot_key(const uint8_t *p, size_t n, size_t avail)
{
    hot_key_t k = {0, 0};
    if (n > 8) {
        memcpy(&k.lo, p, 8);
        memcpy(&k.hi, p + n - 8, 8);
    } else if (avail >= 8) {
        memcpy(&k.lo, p, 8);
        if (n < 8) k.lo &= ~0ull >> (64 - 8 * n);
    } else {
        memcpy(&k.lo, p, n);
    }
    return k;
}

static inline size_t hot_slot(hot_key_t k, size_t n)
{
    uint64_t x = k.lo ^ (k.hi * 0xC2B2AE3D27D4EB4Full) ^ (uint64_t)n << 59;
    return (size_t)((x * 0x9E3779B97F4A7C15ull) >> (64 - HOT_BITS));
}

static inline int hot_eq(const hot_entry *e, hot_key_t k, size_t n)
{
    return e->len == n && e->key.lo == k.lo && e->key.hi == k.hi;
}

typedef struct {
    ep_tok_scratch hdr; /* first: lets ep_tok_scratch_free find the destructor */
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit_stack;
    ep_bpe_merge_ws ws;
    uint32_t *tmp;      /* (tmp_cap) ids of one piece */
    size_t tmp_cap;
    uint8_t *fix;       /* (fix_cap) repaired copy of invalid UTF-8 input */
    size_t fix_cap;
    cache_entry *slots; /* (CACHE_SLOTS) */
    uint8_t *keys;      /* (CACHE_KEY_BYTES) */
    uint32_t *ids;      /* (CACHE_ID_CAP) */
    uint32_t n_used, key_used, id_used;
    hot_entry *hot;     /* (HOT_SLOTS) */
    ep_bpe_norm_ws norm; /* tokenizer.json normalizer work space */
    ep_bpe_pretok_ws pretok; /* tokenizer.json pre-tokenizer steps' work space */
} bpe_scratch;

static void bpe_scratch_free(ep_tok_scratch *s0)
{
    bpe_scratch *s = (bpe_scratch *)s0;
    if (!s) return;
    pcre2_match_data_free(s->md);
    pcre2_match_context_free(s->mctx);
    pcre2_jit_stack_free(s->jit_stack);
    ep_bpe_merge_ws_free(&s->ws);
    free(s->tmp);
    free(s->fix);
    free(s->slots);
    free(s->keys);
    free(s->ids);
    free(s->hot);
    ep_bpe_norm_ws_free(&s->norm);
    ep_bpe_pretok_ws_free(&s->pretok);
    free(s);
}

static ep_tok_scratch *bpe_scratch_create(const ep_tokenizer *tok)
{
    const ep_bpe_impl *b = tok->impl;
    bpe_scratch *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->hdr.ops = tok->ops;
    s->md = b->re ? pcre2_match_data_create_from_pattern(b->re, NULL) : pcre2_match_data_create(1, NULL);
    s->mctx = pcre2_match_context_create(NULL);
    /* 1 MiB JIT stack: \s+(?!\S) backtracks over whitespace runs; 32 KiB (the default) is too
     * small for runs of tens of thousands of spaces. */
    s->jit_stack = b->jit ? pcre2_jit_stack_create((size_t)32 * 1024, (size_t)1024 * 1024, NULL) : NULL;
    s->slots = calloc(CACHE_SLOTS, sizeof *s->slots);
    s->keys = malloc(CACHE_KEY_BYTES);
    s->ids = malloc(CACHE_ID_CAP * sizeof *s->ids);
    s->hot = calloc(HOT_SLOTS, sizeof *s->hot);
    if (!s->hot || !s->md || !s->mctx || (b->jit && !s->jit_stack) || !s->slots || !s->keys || !s->ids) {
        bpe_scratch_free(&s->hdr);
        return NULL;
    }
    if (s->jit_stack) pcre2_jit_stack_assign(s->mctx, NULL, s->jit_stack);
    return &s->hdr;
}

static void cache_clear(bpe_scratch *s)
{
    memset(s->slots, 0, CACHE_SLOTS * sizeof *s->slots);
    s->n_used = s->key_used = s->id_used = 0;
}

static ep_status push_ids(ep_token_buf *out, const uint32_t *ids, size_t n)
{
    if (ep_token_buf_reserve(out, n) != EP_OK) return EP_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) out->ids[out->len++] = ids[i];
    return EP_OK;
}

static void hot_put(bpe_scratch *s, hot_key_t k, size_t n, const uint32_t *ids, size_t m)
{
    if (m > HOT_IDS) return;
    hot_entry *e = &s->hot[hot_slot(k, n)];
    e->key = k;
    e->len = (uint8_t)n;
    e->n_ids = (uint8_t)m;
    memcpy(e->ids, ids, m * sizeof *ids);
}

/* Encodes piece p[0..n) (n >= 2); vh = its vocabulary hash; hk = its hot key when n <= HOT_MAX. */
static ep_status encode_piece(const ep_bpe_impl *b, bpe_scratch *s, const uint8_t *p, size_t n, uint64_t vh,
                              hot_key_t hk, ep_token_buf *out)
{
    const ep_bpe_vocab *v = &b->vocab;
    uint32_t id = ep_bpe_vocab_find_h(v, p, n, vh);
    if (id != EP_BPE_NO_RANK && (b->whole_piece_lookup || b->merges_to_self[id])) {
        if (out->len == out->cap && ep_token_buf_reserve(out, 1) != EP_OK) return EP_ERR_NOMEM;
        out->ids[out->len++] = id;
        if (n <= HOT_MAX) hot_put(s, hk, n, &id, 1);
        return EP_OK;
    }
    uint64_t h = 0;
    size_t slot = 0;
    int cacheable = n <= CACHE_MAX_KEY;
    if (cacheable) {
        h = vh | 1; /* the vocabulary hash, never 0 */
        for (slot = (size_t)h & (CACHE_SLOTS - 1);; slot = (slot + 1) & (CACHE_SLOTS - 1)) {
            const cache_entry *e = &s->slots[slot];
            if (!e->hash) break;
            if (e->hash == h && e->key_len == n && memcmp(s->keys + e->key_off, p, n) == 0) {
                if (n <= HOT_MAX) hot_put(s, hk, n, s->ids + e->id_off, e->n_ids);
                return push_ids(out, s->ids + e->id_off, e->n_ids);
            }
        }
    }
    if (n > s->tmp_cap) {
        size_t c = s->tmp_cap ? s->tmp_cap : 256;
        while (c < n) c *= 2;
        uint32_t *t = realloc(s->tmp, c * sizeof *t);
        if (!t) return EP_ERR_NOMEM;
        s->tmp = t;
        s->tmp_cap = c;
    }
    size_t m = ep_bpe_merge(v, &s->ws, p, n, s->tmp);
    if (!m) return EP_ERR_NOMEM;
    if (cacheable) {
        if (s->n_used >= CACHE_SLOTS / 2 || s->key_used + n > CACHE_KEY_BYTES || s->id_used + m > CACHE_ID_CAP) {
            cache_clear(s);
            for (slot = (size_t)h & (CACHE_SLOTS - 1); s->slots[slot].hash; slot = (slot + 1) & (CACHE_SLOTS - 1)) {}
        }
        cache_entry *e = &s->slots[slot];
        e->hash = h;
        e->key_off = s->key_used;
        e->key_len = (uint16_t)n;
        e->id_off = s->id_used;
        e->n_ids = (uint16_t)m;
        memcpy(s->keys + s->key_used, p, n);
        memcpy(s->ids + s->id_used, s->tmp, m * sizeof *s->tmp);
        s->key_used += (uint32_t)n;
        s->id_used += (uint32_t)m;
        s->n_used++;
    }
    if (n <= HOT_MAX) hot_put(s, hk, n, s->tmp, m);
    return push_ids(out, s->tmp, m);
}

/* The pre-tokenizer steps (bpe_pretok.c), then each piece as in the fast path below. */
static ep_status encode_steps(const ep_bpe_impl *b, bpe_scratch *s, const uint8_t *t, size_t len, ep_token_buf *out)
{
    const uint8_t *bytes;
    const size_t *sp;
    size_t np;
    ep_status st = ep_bpe_pretok_run(b, &s->pretok, s->mctx, t, len, &bytes, &sp, &np);
    if (st != EP_OK) return st;
    const ep_bpe_vocab *v = &b->vocab;
    size_t end = np ? sp[2 * np - 1] : 0; /* arena bytes readable after a piece start */
    for (size_t k = 0; k < np; k++) {
        const uint8_t *p = bytes + sp[2 * k];
        size_t n = sp[2 * k + 1] - sp[2 * k];
        hot_key_t hk = {0, 0};
        if (n == 1) {
            if (push_ids(out, &v->byte_id[p[0]], 1) != EP_OK) return EP_ERR_NOMEM;
            continue;
        }
        if (n <= HOT_MAX) {
            hk = hot_key(p, n, end > sp[2 * k] ? end - sp[2 * k] : n);
            const hot_entry *he = &s->hot[hot_slot(hk, n)];
            if (hot_eq(he, hk, n)) {
                if (push_ids(out, he->ids, he->n_ids) != EP_OK) return EP_ERR_NOMEM;
                continue;
            }
        }
        st = encode_piece(b, s, p, n, ep_bpe_vocab_hash_prefetch(v, p, n), hk, out);
        if (st != EP_OK) return st;
    }
    return EP_OK;
}

ep_status ep_bpe_encode_ordinary(const ep_tokenizer *tok, ep_tok_scratch *s0, const char *text, size_t len,
                                 ep_token_buf *out)
{
    const ep_bpe_impl *b = tok->impl;
    bpe_scratch *s = (bpe_scratch *)s0;
    const uint8_t *t = (const uint8_t *)text;
    if (ep_bpe_utf8_valid_prefix(t, len) < len) {
        /* Invalid UTF-8: replace each maximal invalid subpart with U+FFFD first (docs). */
        if (len > (SIZE_MAX - 16) / 3) return EP_ERR_LIMIT;
        if (3 * len > s->fix_cap) {
            uint8_t *f = realloc(s->fix, 3 * len);
            if (!f) return EP_ERR_NOMEM;
            s->fix = f;
            s->fix_cap = 3 * len;
        }
        len = ep_bpe_utf8_repair(s->fix, t, len);
        t = s->fix;
    }
    if (b->norm.n) {
        ep_status st = ep_bpe_normalize(&b->norm, &s->norm, t, len, &t, &len);
        if (st != EP_OK) return st;
    }
    if (!b->re) return encode_steps(b, s, t, len, out);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
    const ep_bpe_vocab *v = &b->vocab;
    /* Pieces are found in batches. A piece of 1 byte is its byte's id; one of 2..8 bytes is looked
     * up in the hot cache at once; for the others the vocabulary hash is computed and its slot
     * prefetched before any is looked up, so that the DRAM misses of a batch overlap. */
    enum { BATCH = 16 };
    size_t pa[BATCH], pe[BATCH];
    uint64_t ph[BATCH];
    hot_key_t pk[BATCH];
    uint8_t phot[BATCH]; /* 1: was a hot-cache hit when found */
    int np = 0;
    size_t off = 0;
    /* keep_gaps (tokenizer.json, as transformers.js regexSplit): text that no match covers is a
     * piece of its own. gap = start of the text not yet in a piece (len when gaps are dropped);
     * a match found after a gap waits in (pend_a, pend_e) while the gap is emitted. */
    const int keep = b->keep_gaps;
    size_t gap = keep ? 0 : len, pend_a = 0, pend_e = 0;
    int pending = 0;
    for (;;) {
        const int done = off >= len && gap >= len && !pending;
        if (np == BATCH || (done && np > 0)) {
            for (int k = 0; k < np; k++) {
                size_t n = pe[k] - pa[k];
                if (n == 1) {
                    if (push_ids(out, &v->byte_id[t[pa[k]]], 1) != EP_OK) return EP_ERR_NOMEM;
                    continue;
                }
                if (phot[k]) { /* a hot hit when found; an earlier piece may have evicted it */
                    const hot_entry *he = &s->hot[hot_slot(pk[k], n)];
                    if (hot_eq(he, pk[k], n)) {
                        if (push_ids(out, he->ids, he->n_ids) != EP_OK) return EP_ERR_NOMEM;
                        continue;
                    }
                    ph[k] = ep_bpe_vocab_hash_prefetch(v, t + pa[k], n);
                }
                ep_status st = encode_piece(b, s, t + pa[k], n, ph[k], pk[k], out);
                if (st != EP_OK) return st;
            }
            np = 0;
        }
        if (done) break;
        size_t a = off, e;
        if (pending) {
            a = pend_a;
            e = pend_e;
            pending = 0;
        } else if (off >= len) { /* keep_gaps: the text after the last match */
            a = gap;
            e = len;
        } else if (!b->ascii_kind || !ep_bpe_ascii_piece(b->ascii_kind, t, len, off, &e)) {
            int rc = b->jit ? pcre2_jit_match(b->re, t, len, off, PCRE2_NO_UTF_CHECK, s->md, s->mctx)
                            : pcre2_match(b->re, t, len, off, PCRE2_NO_UTF_CHECK, s->md, s->mctx);
            if (rc == PCRE2_ERROR_NOMATCH) { off = len; continue; } /* the rest matches nothing: a gap, or dropped as in tiktoken */
            if (rc < 0) return rc == PCRE2_ERROR_NOMEMORY ? EP_ERR_NOMEM : EP_ERR_LIMIT;
            a = ov[0];
            e = ov[1];
            if (a > gap) { /* keep_gaps: emit the gap first */
                pend_a = a;
                pend_e = e;
                pending = 1;
                e = a;
                a = gap;
            }
        }
        if (e == a) { /* empty match (none of the built-in patterns can): step one code point */
            if (keep) gap = a;
            off = a + 1;
            while (off < len && (t[off] & 0xC0) == 0x80) off++;
            continue;
        }
        if (keep) gap = e;
        if (!pending) off = e;
        size_t n = e - a;
        hot_key_t hk = {0, 0};
        const uint32_t *ids = NULL;
        size_t m = 0;
        if (n == 1) {
            ids = &v->byte_id[t[a]];
            m = 1;
        } else if (n <= HOT_MAX) {
            hk = hot_key(t + a, n, len - a);
            const hot_entry *he = &s->hot[hot_slot(hk, n)];
            if (hot_eq(he, hk, n)) { ids = he->ids; m = he->n_ids; }
        }
        if (ids && np == 0) { /* known now and nothing pending: emit */
            if (push_ids(out, ids, m) != EP_OK) return EP_ERR_NOMEM;
            continue;
        }
        pa[np] = a;
        pe[np] = e;
        pk[np] = hk;
        phot[np] = ids != NULL;
        ph[np++] = ids ? 0 : ep_bpe_vocab_hash_prefetch(v, t + a, n);
    }
    return EP_OK;
}

static ep_status bpe_encode(const ep_tokenizer *tok, ep_tok_scratch *s, const char *text, size_t len,
                            ep_token_buf *out)
{
    return ep_bpe_encode_ordinary(tok, s, text, len, out);
}

static ep_status bpe_decode(const ep_tokenizer *tok, const ep_token *ids, size_t n, char **out, size_t *out_len,
                            size_t *out_cap)
{
    const ep_bpe_vocab *v = &((const ep_bpe_impl *)tok->impl)->vocab;
    size_t need = *out_len;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] >= v->n_ids || !v->len[ids[i]]) return EP_ERR_ARG;
        need += v->len[ids[i]];
    }
    if (need > *out_cap || !*out) {
        size_t c = *out_cap ? *out_cap : 256;
        while (c < need) c *= 2;
        char *o = realloc(*out, c);
        if (!o) return EP_ERR_NOMEM;
        *out = o;
        *out_cap = c;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(*out + *out_len, v->blob + v->start[ids[i]], v->len[ids[i]]);
        *out_len += v->len[ids[i]];
    }
    return EP_OK;
}

static void bpe_free_impl(void *impl)
{
    ep_bpe_impl *b = impl;
    if (!b) return;
    ep_bpe_vocab_free(&b->vocab);
    ep_bpe_normalizer_free(&b->norm);
    free(b->merges_to_self);
    for (size_t i = 0; i < b->n_steps; i++) pcre2_code_free(b->step_re ? b->step_re[i] : NULL);
    free(b->step_re);
    ep_bpe_pretok_steps_free(b->steps, b->n_steps);
    pcre2_code_free(b->re);
    free(b->pattern);
    free(b);
}

const ep_tokenizer_ops ep_bpe_ops = {bpe_encode, bpe_decode, bpe_scratch_create, bpe_scratch_free, bpe_free_impl};
