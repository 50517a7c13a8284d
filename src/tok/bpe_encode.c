/* BPE encode/decode and the per-thread scratch (regex match data, JIT stack, merge work space,
 * cache of pre-token -> ids). Nothing here is global: a tokenizer is read-only after open, and
 * each thread brings its own scratch. */
#include <stdlib.h>
#include <string.h>

#include "core/xxh.h"
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
    free(s);
}

static ep_tok_scratch *bpe_scratch_create(const ep_tokenizer *tok)
{
    const ep_bpe_impl *b = tok->impl;
    bpe_scratch *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->hdr.ops = tok->ops;
    s->md = pcre2_match_data_create_from_pattern(b->re, NULL);
    s->mctx = pcre2_match_context_create(NULL);
    /* 1 MiB JIT stack: \s+(?!\S) backtracks over whitespace runs; 32 KiB (the default) is too
     * small for runs of tens of thousands of spaces. */
    s->jit_stack = b->jit ? pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL) : NULL;
    s->slots = calloc(CACHE_SLOTS, sizeof *s->slots);
    s->keys = malloc(CACHE_KEY_BYTES);
    s->ids = malloc(CACHE_ID_CAP * sizeof *s->ids);
    if (!s->md || !s->mctx || (b->jit && !s->jit_stack) || !s->slots || !s->keys || !s->ids) {
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

static ep_status encode_piece(const ep_bpe_impl *b, bpe_scratch *s, const uint8_t *p, size_t n, uint64_t vh,
                              ep_token_buf *out)
{
    const ep_bpe_vocab *v = &b->vocab;
    uint32_t id = n == 1 ? v->byte_id[p[0]] : ep_bpe_vocab_find_h(v, p, n, vh);
    if (id != EP_BPE_NO_RANK) {
        if (out->len == out->cap && ep_token_buf_reserve(out, 1) != EP_OK) return EP_ERR_NOMEM;
        out->ids[out->len++] = id;
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
            if (e->hash == h && e->key_len == n && memcmp(s->keys + e->key_off, p, n) == 0)
                return push_ids(out, s->ids + e->id_off, e->n_ids);
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
    return push_ids(out, s->tmp, m);
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
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
    /* Pieces are found in batches: the hash of each is computed and its vocabulary slot
     * prefetched before any is looked up, so that the cache misses of a batch overlap. */
    enum { BATCH = 16 };
    size_t pa[BATCH], pe[BATCH];
    uint64_t ph[BATCH];
    int np = 0;
    size_t off = 0;
    for (;;) {
        if (np == BATCH || (off >= len && np > 0)) {
            for (int k = 0; k < np; k++) {
                ep_status st = encode_piece(b, s, t + pa[k], pe[k] - pa[k], ph[k], out);
                if (st != EP_OK) return st;
            }
            np = 0;
        }
        if (off >= len) break;
        int rc = b->jit ? pcre2_jit_match(b->re, t, len, off, PCRE2_NO_UTF_CHECK, s->md, s->mctx)
                        : pcre2_match(b->re, t, len, off, PCRE2_NO_UTF_CHECK, s->md, s->mctx);
        if (rc == PCRE2_ERROR_NOMATCH) { off = len; continue; } /* the rest matches nothing: dropped, as in tiktoken */
        if (rc < 0) return rc == PCRE2_ERROR_NOMEMORY ? EP_ERR_NOMEM : EP_ERR_LIMIT;
        size_t a = ov[0], e = ov[1];
        if (e == a) { /* empty match (none of the built-in patterns can): step one code point */
            off = a + 1;
            while (off < len && (t[off] & 0xC0) == 0x80) off++;
            continue;
        }
        pa[np] = a;
        pe[np] = e;
        ph[np++] = e - a > 1 ? ep_bpe_vocab_hash_prefetch(&b->vocab, t + a, e - a) : 0;
        off = e;
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
    pcre2_code_free(b->re);
    free(b->pattern);
    free(b);
}

const ep_tokenizer_ops ep_bpe_ops = {bpe_encode, bpe_decode, bpe_scratch_create, bpe_scratch_free, bpe_free_impl};
