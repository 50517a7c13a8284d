/* Gopher repetition signals of one document (Rae et al. 2021, "Scaling Language Models: Methods,
 * Analysis & Insights from Training Gopher", appendix A1, table A1), computed as datatrove's
 * GopherRepetitionFilter does (find_duplicates, find_top_duplicate, find_all_duplicate), with
 * two documented differences: words are runs of non-whitespace (no NLTK tokenizer), and word
 * n-grams are compared as word sequences (64-bit hashes of the words' hashes) instead of joined
 * strings. Characters are Unicode code points, as Python's len() counts them.
 *
 *  dup_line_frac       = dup_lines / lines
 *  dup_line_char_frac  = dup_line_chars / chars
 *  top_n_gram_frac(n)  = chars(" ".join(top n-gram)) * count(top) / chars,  n = 2, 3, 4
 *                        (top = most frequent; ties: the one seen first)
 *  dup_n_gram_frac(n)  = repeated_chars(n) / chars, n = 5..10, where a left-to-right scan adds
 *                        the characters of an n-gram already seen and skips n words past it. */
#include <stdlib.h>
#include <string.h>

#include "core/xxh.h"
#include "dedup/dedup_internal.h"

/* Speed notes (docs/dedup.md, "Speed"): the sets are sized to the document and only that part
 * is cleared; lines are found with memchr; one pass over the bytes classifies them with a table
 * (word boundaries and code points together); the word n-gram keys are chained, key_n(i) =
 * chain(key_{n-1}(i), word_hash(i + n - 1)), so every n costs one mix per position instead of
 * hashing n words again. A key only decides equality, so any 64-bit hash of the word sequence
 * gives the same counts (up to a 64-bit collision, as before). */

typedef struct {
    uint64_t key;  /* 0 = empty slot (keys are forced nonzero) */
    uint32_t count;
    uint32_t first; /* order of first sight, for ties */
} rep_slot;

struct ep_repetition_scratch_s {
    rep_slot *slots; /* (alloc) */
    size_t alloc;    /* slots allocated */
    size_t cap;      /* slots in use for the current set, a power of two <= alloc */
    size_t used;
    uint64_t *wh;    /* (w_cap) word hashes */
    uint64_t *gk;    /* (w_cap) n-gram keys of the current n */
    uint32_t *wc;    /* (w_cap) word lengths in code points */
    size_t w_cap;
};

ep_repetition_scratch *ep_repetition_scratch_create(void) { return calloc(1, sizeof(ep_repetition_scratch)); }

void ep_repetition_scratch_free(ep_repetition_scratch *s)
{
    if (!s) return;
    free(s->slots);
    free(s->wh);
    free(s->gk);
    free(s->wc);
    free(s);
}

/* Clears and sizes the set for up to n keys (load <= 1/2); clears only the slots it uses. */
static int set_reset(ep_repetition_scratch *s, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n + 2) cap *= 2;
    if (cap > s->alloc) {
        free(s->slots);
        s->slots = malloc(cap * sizeof *s->slots);
        if (!s->slots) {
            s->alloc = s->cap = 0;
            return 0;
        }
        s->alloc = cap;
    }
    s->cap = cap;
    memset(s->slots, 0, cap * sizeof *s->slots);
    s->used = 0;
    return 1;
}

/* Adds one sight of key. @return the slot. */
static inline rep_slot *set_add(ep_repetition_scratch *s, uint64_t key)
{
    key |= 1; /* nonzero; halves the key space, harmless at 64 bits */
    size_t mask = s->cap - 1, i = (size_t)(key * 0x9E3779B97F4A7C15ull >> 20) & mask;
    while (s->slots[i].key && s->slots[i].key != key) i = (i + 1) & mask;
    if (!s->slots[i].key) {
        s->slots[i].key = key;
        s->slots[i].first = (uint32_t)s->used++;
    }
    s->slots[i].count++;
    return &s->slots[i];
}

static uint64_t cp_count(const char *t, size_t n)
{
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++) c += ((unsigned char)t[i] & 0xC0) != 0x80;
    return c;
}

/* Byte classes: bit 0 = ASCII whitespace (Python's str.split() ASCII set as in is_space
 * before), bit 1 = starts a code point (not a UTF-8 continuation byte). */
#define SP 1
#define CP 2
static const unsigned char byte_class[256] = {
    [0x00 ... 0x08] = CP, [0x09 ... 0x0D] = CP | SP, /* \t \n \v \f \r */
    [0x0E ... 0x1F] = CP, [0x20] = CP | SP,          /* space */
    [0x21 ... 0x7F] = CP, [0xC0 ... 0xFF] = CP,      /* 0x80..0xBF: continuation bytes */
};

/* Key of the n-gram (words i..i+n-1) from the key of words i..i+n-2 and the hash of word
 * i+n-1: for a fixed prefix key it is a bijection of the word hash and for a fixed word hash a
 * bijection of the prefix key (odd multiplier, then the murmur3 finalizer, both invertible), so
 * two different word sequences share a key only by a 2^-64 coincidence. */
static inline uint64_t chain(uint64_t h, uint64_t w)
{
    uint64_t x = h * 0x9E3779B97F4A7C15ull + w;
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDull;
    x ^= x >> 33;
    x *= 0xC4CEB9FE1A85EC53ull;
    x ^= x >> 33;
    return x;
}

static int grow_words(ep_repetition_scratch *s)
{
    size_t cap = s->w_cap ? 2 * s->w_cap : 1024;
    uint64_t *a = realloc(s->wh, cap * sizeof *a);
    if (!a) return 0;
    s->wh = a;
    uint64_t *g = realloc(s->gk, cap * sizeof *g);
    if (!g) return 0;
    s->gk = g;
    uint32_t *b = realloc(s->wc, cap * sizeof *b);
    if (!b) return 0;
    s->wc = b;
    s->w_cap = cap;
    return 1;
}

ep_status ep_repetition_doc(ep_repetition_scratch *s, const char *text, size_t len, ep_repetition_counts *c)
{
    memset(c, 0, sizeof *c);
    /* Lines. */
    size_t nlines_max = 1;
    for (const char *p = text, *e = text + len; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) nlines_max++;
    if (!set_reset(s, nlines_max)) return EP_ERR_NOMEM;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t j = nl ? (size_t)(nl - text) : len;
        if (j > i) {
            c->lines++;
            rep_slot *sl = set_add(s, XXH3_64bits(text + i, j - i));
            if (sl->count > 1) {
                c->dup_lines++;
                c->dup_line_chars += cp_count(text + i, j - i);
            }
        }
        i = j + 1;
    }
    /* Words and code points in one pass. */
    const unsigned char *u = (const unsigned char *)text;
    size_t nw = 0;
    uint64_t chars = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && (byte_class[u[i]] & SP)) i++, chars++;
        if (i >= len) break;
        size_t j = i;
        uint32_t wcp = 0;
        unsigned char k;
        while (j < len && !((k = byte_class[u[j]]) & SP)) wcp += k >> 1, j++;
        if (nw == s->w_cap && !grow_words(s)) return EP_ERR_NOMEM;
        s->wh[nw] = XXH3_64bits(text + i, j - i);
        s->wc[nw] = wcp;
        chars += wcp;
        nw++;
        i = j;
    }
    c->chars = chars;
    if (nw < 2) return EP_OK;
    /* gk[i] = key of the n-gram starting at word i, built up one word per n. */
    uint64_t *gk = s->gk;
    const uint64_t *wh = s->wh;
    const uint32_t *wc = s->wc;
    memcpy(gk, wh, nw * sizeof *gk);
    for (size_t n = 2; n <= 10 && n <= nw; n++) {
        size_t m = nw - n + 1; /* n-grams */
        for (size_t i = 0; i < m; i++) gk[i] = chain(gk[i], wh[i + n - 1]);
        if (!set_reset(s, m)) return EP_ERR_NOMEM;
        if (n <= 4) {
            /* Most frequent n-gram (ties: the one seen first). */
            size_t best = 0;
            uint32_t best_count = 0, best_first = 0;
            for (size_t i = 0; i < m; i++) {
                rep_slot *sl = set_add(s, gk[i]);
                if (sl->count > best_count || (sl->count == best_count && sl->first < best_first)) {
                    best_count = sl->count;
                    best_first = sl->first;
                    best = i;
                }
            }
            /* characters of the n-gram joined by single spaces */
            uint64_t gram_chars = (uint64_t)n - 1;
            for (size_t t = 0; t < n; t++) gram_chars += wc[best + t];
            c->top_ngram_chars[n - 2] = gram_chars * best_count;
        } else {
            /* Repeated n-grams (greedy scan). */
            uint64_t rep = 0;
            for (size_t i = 0; i < m;) {
                rep_slot *sl = set_add(s, gk[i]);
                if (sl->count > 1) {
                    for (size_t t = 0; t < n; t++) rep += wc[i + t];
                    i += n;
                } else {
                    i++;
                }
            }
            c->dup_ngram_chars[n - 5] = rep;
        }
    }
    return EP_OK;
}
