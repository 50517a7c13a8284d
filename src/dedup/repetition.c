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

typedef struct {
    uint64_t key;  /* 0 = empty slot (keys are forced nonzero) */
    uint32_t count;
    uint32_t first; /* order of first sight, for ties */
} rep_slot;

struct ep_repetition_scratch_s {
    rep_slot *slots; /* (cap) */
    size_t cap;
    size_t used;
    uint64_t *wh;    /* (w_cap) word hashes */
    uint32_t *wc;    /* (w_cap) word lengths in code points */
    size_t w_cap;
};

ep_repetition_scratch *ep_repetition_scratch_create(void) { return calloc(1, sizeof(ep_repetition_scratch)); }

void ep_repetition_scratch_free(ep_repetition_scratch *s)
{
    if (!s) return;
    free(s->slots);
    free(s->wh);
    free(s->wc);
    free(s);
}

/* Clears and sizes the set for up to n keys (load <= 1/2). */
static int set_reset(ep_repetition_scratch *s, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n + 2) cap *= 2;
    if (cap > s->cap) {
        rep_slot *p = realloc(s->slots, cap * sizeof *p);
        if (!p) return 0;
        s->slots = p;
        s->cap = cap;
    }
    memset(s->slots, 0, s->cap * sizeof *s->slots);
    s->used = 0;
    return 1;
}

/* Adds one sight of key. @return the slot. */
static rep_slot *set_add(ep_repetition_scratch *s, uint64_t key)
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

static int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

ep_status ep_repetition_doc(ep_repetition_scratch *s, const char *text, size_t len, ep_repetition_counts *c)
{
    memset(c, 0, sizeof *c);
    c->chars = cp_count(text, len);
    /* Lines. */
    size_t nlines_max = 1;
    for (size_t i = 0; i < len; i++) nlines_max += text[i] == '\n';
    if (!set_reset(s, nlines_max)) return EP_ERR_NOMEM;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && text[j] != '\n') j++;
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
    /* Words. */
    size_t nw = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && is_space((unsigned char)text[i])) i++;
        if (i >= len) break;
        size_t j = i;
        while (j < len && !is_space((unsigned char)text[j])) j++;
        if (nw == s->w_cap) {
            size_t cap = s->w_cap ? 2 * s->w_cap : 1024;
            uint64_t *a = realloc(s->wh, cap * sizeof *a);
            if (!a) return EP_ERR_NOMEM;
            s->wh = a;
            uint32_t *b = realloc(s->wc, cap * sizeof *b);
            if (!b) return EP_ERR_NOMEM;
            s->wc = b;
            s->w_cap = cap;
        }
        s->wh[nw] = XXH3_64bits(text + i, j - i);
        s->wc[nw] = (uint32_t)cp_count(text + i, j - i);
        nw++;
        i = j;
    }
    /* Most frequent n-gram, n = 2..4. */
    for (int n = 2; n <= 4; n++) {
        if (nw < (size_t)n) continue;
        if (!set_reset(s, nw)) return EP_ERR_NOMEM;
        size_t best = (size_t)-1;
        uint32_t best_count = 0, best_first = 0;
        for (size_t i = 0; i + (size_t)n <= nw; i++) {
            rep_slot *sl = set_add(s, XXH3_64bits_withSeed(s->wh + i, (size_t)n * 8, (uint64_t)n));
            if (sl->count > best_count || (sl->count == best_count && sl->first < best_first)) {
                best_count = sl->count;
                best_first = sl->first;
                best = i;
            }
        }
        /* characters of the n-gram joined by single spaces */
        uint64_t gram_chars = (uint64_t)n - 1;
        for (int t = 0; t < n; t++) gram_chars += s->wc[best + (size_t)t];
        c->top_ngram_chars[n - 2] = gram_chars * best_count;
    }
    /* Repeated n-grams, n = 5..10 (greedy scan). */
    for (int n = 5; n <= 10; n++) {
        if (nw < (size_t)n) continue;
        if (!set_reset(s, nw)) return EP_ERR_NOMEM;
        uint64_t rep = 0;
        for (size_t i = 0; i + (size_t)n <= nw;) {
            rep_slot *sl = set_add(s, XXH3_64bits_withSeed(s->wh + i, (size_t)n * 8, (uint64_t)n));
            if (sl->count > 1) {
                for (int t = 0; t < n; t++) rep += s->wc[i + (size_t)t];
                i += (size_t)n;
            } else {
                i++;
            }
        }
        c->dup_ngram_chars[n - 5] = rep;
    }
    return EP_OK;
}
