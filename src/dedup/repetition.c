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

#include "base/xxh.h"
#include "dedup/dedup_internal.h"

/* Speed notes (docs/dedup.md, "Speed"). Every word n-gram gets an id, the position of its first
 * occurrence, and all counting is done on ids with plain arrays:
 *   id_1(i)  from a hash set of the word hashes (the only set lookup per word);
 *   id_n(i)  = i when id_{n-1}(i) = i (a prefix never seen before makes a new n-gram: no lookup);
 *            else p = id_{n-1}(i) < i and the n-gram repeats p's when word i+n-1 equals word
 *            p+n-1; otherwise a set of (p, word hash) pairs gives the first position with that
 *            pair. So n-grams cost a set lookup only where their prefix repeats.
 * Two n-grams are equal when their word hashes are equal, as before (the former 64-bit hash of
 * the word hashes only added a chance of collision). Sets start small and double when half full,
 * so they are sized by the distinct keys (words, lines, pairs) of the document, not by its number
 * of words: a 64 MiB document of ordinary text held 512 MiB of slots sized to its 12M words, where
 * its distinct words need a few MiB (docs/design.md, "Memory"). Lines are found with memchr; one
 * table-driven pass over the bytes finds words and code points. */

typedef struct {
    uint64_t key;   /* word hash (words) or line hash (lines) */
    uint32_t aux;   /* pairs: the prefix id p; else unused */
    uint32_t val;   /* 0 = empty; else first position + 1 (words, pairs) or sightings (lines) */
} rep_slot;

struct ep_repetition_scratch_s {
    rep_slot *slots; /* (alloc) */
    size_t alloc;    /* slots allocated */
    size_t cap;      /* slots in use for the current set, a power of two <= alloc */
    size_t size;     /* keys in the current set (<= cap / 2) */
    size_t start_keys; /* a set starts with room for min(n, start_keys) keys, then doubles */
    uint64_t *wh;    /* (w_cap) word hashes */
    uint32_t *wc;    /* (w_cap) word lengths in code points */
    uint32_t *id;    /* (w_cap) n-gram ids of the current n */
    uint32_t *cnt;   /* (w_cap) occurrences per id (top n-gram) */
    uint8_t *seen;   /* (w_cap) id already met at a visited position (greedy scan) */
    size_t w_cap;
};

#define SET_START_KEYS 4096 /* default start_keys: small documents never grow a set */

ep_repetition_scratch *ep_repetition_scratch_create(void)
{
    ep_repetition_scratch *s = calloc(1, sizeof *s);
    if (s) s->start_keys = SET_START_KEYS;
    return s;
}

void ep_repetition_scratch_set_start_keys(ep_repetition_scratch *s, size_t keys)
{
    s->start_keys = keys ? keys : 1;
}

void ep_repetition_scratch_free(ep_repetition_scratch *s)
{
    if (!s) return;
    free(s->slots);
    free(s->wh);
    free(s->wc);
    free(s->id);
    free(s->cnt);
    free(s->seen);
    free(s);
}

/* Clears the set and sizes it for min(n, start_keys) keys (load <= 1/2); set_get doubles it as
 * keys arrive. Clears only the slots it uses. */
static int set_reset(ep_repetition_scratch *s, size_t n)
{
    if (n > s->start_keys) n = s->start_keys;
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
    s->size = 0;
    memset(s->slots, 0, cap * sizeof *s->slots);
    return 1;
}

static inline uint64_t mix64(uint64_t x) /* murmur3 finalizer */
{
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDull;
    x ^= x >> 33;
    x *= 0xC4CEB9FE1A85EC53ull;
    x ^= x >> 33;
    return x;
}

static inline size_t slot_of(uint64_t key, uint32_t aux, size_t mask)
{
    return (size_t)mix64(key + aux * 0x9E3779B97F4A7C15ull) & mask;
}

/* Doubles the set (a new table; the old one is freed). @return 0 when out of memory. */
static int set_grow(ep_repetition_scratch *s)
{
    size_t cap = 2 * s->cap, mask = cap - 1;
    rep_slot *t = calloc(cap, sizeof *t);
    if (!t) return 0;
    for (size_t j = 0; j < s->cap; j++) {
        if (!s->slots[j].val) continue;
        size_t i = slot_of(s->slots[j].key, s->slots[j].aux, mask);
        while (t[i].val) i = (i + 1) & mask;
        t[i] = s->slots[j];
    }
    free(s->slots);
    s->slots = t;
    s->alloc = s->cap = cap;
    return 1;
}

/* Finds (key, aux) or inserts it with val = v. @return the slot (valid until the next insert), or
 * NULL when the set could not grow. */
static inline rep_slot *set_get(ep_repetition_scratch *s, uint64_t key, uint32_t aux, uint32_t v)
{
    size_t mask = s->cap - 1, i = slot_of(key, aux, mask);
    rep_slot *t = s->slots;
    while (t[i].val && (t[i].key != key || t[i].aux != aux)) i = (i + 1) & mask;
    if (!t[i].val) {
        if (2 * (s->size + 1) > s->cap) { /* load would pass 1/2: double, then find the free slot */
            if (!set_grow(s)) return NULL;
            mask = s->cap - 1;
            t = s->slots;
            i = slot_of(key, aux, mask);
            while (t[i].val) i = (i + 1) & mask;
        }
        s->size++;
        t[i].key = key;
        t[i].aux = aux;
        t[i].val = v;
    }
    return &t[i];
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

static int grow_words(ep_repetition_scratch *s)
{
    size_t cap = s->w_cap ? 2 * s->w_cap : 1024;
    uint64_t *a = realloc(s->wh, cap * sizeof *a);
    if (!a) return 0;
    s->wh = a;
    uint32_t *b = realloc(s->wc, cap * sizeof *b);
    if (!b) return 0;
    s->wc = b;
    if (!(b = realloc(s->id, cap * sizeof *b))) return 0;
    s->id = b;
    if (!(b = realloc(s->cnt, cap * sizeof *b))) return 0;
    s->cnt = b;
    uint8_t *f = realloc(s->seen, cap);
    if (!f) return 0;
    s->seen = f;
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
            rep_slot *sl = set_get(s, XXH3_64bits(text + i, j - i), 0, 0);
            if (!sl) return EP_ERR_NOMEM;
            if (++sl->val > 1) {
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
    if (nw >= UINT32_MAX) return EP_ERR_LIMIT;
    const uint64_t *wh = s->wh;
    const uint32_t *wc = s->wc;
    uint32_t *id = s->id;
    /* id_1: first position of each word. */
    if (!set_reset(s, nw)) return EP_ERR_NOMEM;
    for (size_t i = 0; i < nw; i++) {
        rep_slot *sl = set_get(s, wh[i], 0, (uint32_t)i + 1);
        if (!sl) return EP_ERR_NOMEM;
        id[i] = sl->val - 1;
    }
    for (size_t n = 2; n <= 10 && n <= nw; n++) {
        size_t m = nw - n + 1; /* n-grams */
        size_t r = 0;          /* n-grams whose prefix repeats */
        for (size_t i = 0; i < m; i++) r += id[i] != i;
        if (!set_reset(s, r)) return EP_ERR_NOMEM;
        for (size_t i = 0; i < m; i++) {
            uint32_t p = id[i];
            if (p == i) continue;
            uint64_t w = wh[i + n - 1];
            if (w == wh[p + n - 1]) continue;
            rep_slot *sl = set_get(s, w, p, (uint32_t)i + 1);
            if (!sl) return EP_ERR_NOMEM;
            id[i] = sl->val - 1;
        }
        if (n <= 4) {
            /* Most frequent n-gram; ties: the one seen first, i.e. the smallest id. */
            uint32_t *cnt = s->cnt;
            memset(cnt, 0, m * sizeof *cnt);
            for (size_t i = 0; i < m; i++) cnt[id[i]]++;
            size_t best = 0;
            for (size_t i = 1; i < m; i++)
                if (cnt[i] > cnt[best]) best = i;
            /* characters of the n-gram joined by single spaces */
            uint64_t gram_chars = (uint64_t)n - 1;
            for (size_t t = 0; t < n; t++) gram_chars += wc[best + t];
            c->top_ngram_chars[n - 2] = gram_chars * cnt[best];
        } else {
            /* Repeated n-grams (greedy scan): an n-gram repeats when its id was met at an
             * earlier visited position. */
            uint8_t *seen = s->seen;
            memset(seen, 0, m);
            uint64_t rep = 0;
            for (size_t i = 0; i < m;) {
                if (seen[id[i]]) {
                    for (size_t t = 0; t < n; t++) rep += wc[i + t];
                    i += n;
                } else {
                    seen[id[i]] = 1;
                    i++;
                }
            }
            c->dup_ngram_chars[n - 5] = rep;
        }
    }
    return EP_OK;
}
