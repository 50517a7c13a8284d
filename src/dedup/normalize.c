/* Text normalization for shingling (docs/dedup.md, "Normalization").
 *
 * 1. Unicode NFC and case folding (utf8proc: STABLE | COMPOSE | CASEFOLD). ASCII-only text is
 *    already NFC; its fold is tolower, done by a byte table (the fast path).
 * 2. Letters, marks and numbers (L*, M*, N*) form tokens; punctuation and symbols (P*, S*) and
 *    unassigned/format/private code points are deleted (so "don't" -> "dont"); separators (Z*)
 *    and control characters (Cc: tab, newline) end a token.
 * 3. Scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar,
 *    Tibetan) give one token per code point, so word n-gram shingles become character n-grams
 *    there and mixed text needs no per-document switch.
 * Output: tokens separated by single spaces, no leading or trailing space. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "base/xxh.h"
#include "dedup/dedup_internal.h"

ep_minhash_scratch *ep_minhash_scratch_create(void) { return calloc(1, sizeof(ep_minhash_scratch)); }

void ep_minhash_scratch_free(ep_minhash_scratch *s)
{
    if (!s) return;
    free(s->out);
    free(s->cps);
    free(s->th);
    free(s);
}

static int grow_out(ep_minhash_scratch *s, size_t need)
{
    if (need <= s->out_cap) return 1;
    size_t cap = s->out_cap ? s->out_cap : 4096;
    while (cap < need) cap *= 2;
    char *p = realloc(s->out, cap);
    if (!p) return 0;
    s->out = p;
    s->out_cap = cap;
    return 1;
}

/* Scripts without spaces between words: one token per code point. */
static int nospace_script(int32_t c)
{
    return (c >= 0x0E00 && c <= 0x0EFF)      /* Thai, Lao */
        || (c >= 0x0F00 && c <= 0x0FFF)      /* Tibetan */
        || (c >= 0x1000 && c <= 0x109F)      /* Myanmar */
        || (c >= 0x1780 && c <= 0x17FF)      /* Khmer */
        || (c >= 0x3040 && c <= 0x30FF)      /* Hiragana, Katakana */
        || (c >= 0x31F0 && c <= 0x31FF)      /* Katakana phonetic extensions */
        || (c >= 0x3400 && c <= 0x4DBF)      /* CJK extension A */
        || (c >= 0x4E00 && c <= 0x9FFF)      /* CJK unified ideographs */
        || (c >= 0xF900 && c <= 0xFAFF)      /* CJK compatibility ideographs */
        || (c >= 0xFF66 && c <= 0xFF9F)      /* halfwidth Katakana */
        || (c >= 0x20000 && c <= 0x3FFFF);   /* CJK extensions B.. */
}

/* ASCII fast path table: 0 = delete (punctuation, symbols), 1 = separator (space, control),
 * else the folded byte of a token character. */
static const unsigned char ascii_map[128] = {
    [0 ... 32] = 1, [127] = 1,
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
    ['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
    ['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f', ['g'] = 'g',
    ['h'] = 'h', ['i'] = 'i', ['j'] = 'j', ['k'] = 'k', ['l'] = 'l', ['m'] = 'm', ['n'] = 'n',
    ['o'] = 'o', ['p'] = 'p', ['q'] = 'q', ['r'] = 'r', ['s'] = 's', ['t'] = 't', ['u'] = 'u',
    ['v'] = 'v', ['w'] = 'w', ['x'] = 'x', ['y'] = 'y', ['z'] = 'z',
    ['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e', ['F'] = 'f', ['G'] = 'g',
    ['H'] = 'h', ['I'] = 'i', ['J'] = 'j', ['K'] = 'k', ['L'] = 'l', ['M'] = 'm', ['N'] = 'n',
    ['O'] = 'o', ['P'] = 'p', ['Q'] = 'q', ['R'] = 'r', ['S'] = 's', ['T'] = 't', ['U'] = 'u',
    ['V'] = 'v', ['W'] = 'w', ['X'] = 'x', ['Y'] = 'y', ['Z'] = 'z',
};

/* Token hashes are taken as each token ends, so signing needs no second scan. th holds at least
 * as many slots as the text can have tokens (reserve_tokens), so pushing never reallocates. */
static int reserve_tokens(ep_minhash_scratch *s, size_t max_tokens)
{
    if (max_tokens <= s->th_cap) return 1;
    size_t cap = s->th_cap ? s->th_cap : 1024;
    while (cap < max_tokens) cap *= 2;
    uint64_t *p = realloc(s->th, cap * sizeof *p);
    if (!p) return 0;
    s->th = p;
    s->th_cap = cap;
    return 1;
}

static inline void push_token(ep_minhash_scratch *s, const char *o, size_t start, size_t end)
{
    s->th[s->ntok++] = XXH3_64bits(o + start, end - start);
}

static const char *normalize_ascii(ep_minhash_scratch *s, const char *text, size_t len, size_t *out_len)
{
    /* tokens are separated by at least one byte: at most (len + 1) / 2 of them */
    if (!grow_out(s, len + 1) || !reserve_tokens(s, len / 2 + 1)) return NULL;
    char *o = s->out;
    size_t n = 0, start = 0;
    int in_tok = 0;
    s->ntok = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char m = ascii_map[(unsigned char)text[i] & 0x7F];
        if (m > 1) {
            if (!in_tok) {
                if (n) o[n++] = ' ';
                start = n;
                in_tok = 1;
            }
            o[n++] = (char)m;
        } else if (m == 1 && in_tok) {
            push_token(s, o, start, n);
            in_tok = 0;
        }
    }
    if (in_tok) push_token(s, o, start, n);
    o[n] = 0;
    *out_len = n;
    return o;
}

const char *ep_dedup_normalize(ep_minhash_scratch *s, const char *text, size_t len, size_t *out_len)
{
    /* ASCII check 8 bytes at a time */
    size_t i = 0;
    uint64_t hi = 0;
    for (; i + 8 <= len && !hi; i += 8) {
        uint64_t w;
        memcpy(&w, text + i, 8);
        hi = w & 0x8080808080808080ull;
    }
    if (hi) i -= 8;
    while (i < len && !((unsigned char)text[i] & 0x80)) i++;
    if (i == len) return normalize_ascii(s, text, len, out_len);

    const utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD;
    utf8proc_ssize_t ncp;
    for (;;) {
        ncp = utf8proc_decompose((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)len, s->cps,
                                 (utf8proc_ssize_t)s->cps_cap, opt);
        if (ncp < 0) return normalize_ascii(s, text, len, out_len); /* not UTF-8: bytes as ASCII */
        if ((size_t)ncp <= s->cps_cap) break;
        size_t cap = s->cps_cap ? s->cps_cap : 1024;
        while (cap < (size_t)ncp) cap *= 2;
        int32_t *p = realloc(s->cps, cap * sizeof *p);
        if (!p) return NULL;
        s->cps = p;
        s->cps_cap = cap;
    }
    ncp = utf8proc_normalize_utf32(s->cps, ncp, opt);
    if (ncp < 0) return normalize_ascii(s, text, len, out_len);
    /* Each code point is at most 4 bytes plus a separator before it; each is at most one token. */
    if (!grow_out(s, (size_t)ncp * 5 + 1) || !reserve_tokens(s, (size_t)ncp + 1)) return NULL;
    char *o = s->out;
    size_t n = 0, start = 0;
    int in_tok = 0;
    s->ntok = 0;
    for (utf8proc_ssize_t j = 0; j < ncp; j++) {
        int32_t c = s->cps[j];
        int tokch, sep;
        if (c < 0x80) {
            unsigned char m = ascii_map[c];
            tokch = m > 1;
            sep = m == 1;
            c = tokch ? m : c;
        } else {
            utf8proc_category_t cat = utf8proc_category(c);
            tokch = cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO;
            sep = (cat >= UTF8PROC_CATEGORY_ZS && cat <= UTF8PROC_CATEGORY_ZP) || cat == UTF8PROC_CATEGORY_CC;
        }
        if (tokch) {
            int alone = nospace_script(c);
            if (alone && in_tok) {
                push_token(s, o, start, n);
                in_tok = 0;
            }
            if (!in_tok) {
                if (n) o[n++] = ' ';
                start = n;
                in_tok = 1;
            }
            n += (size_t)utf8proc_encode_char(c, (utf8proc_uint8_t *)o + n);
            if (alone) {
                push_token(s, o, start, n);
                in_tok = 0;
            }
        } else if (sep && in_tok) {
            push_token(s, o, start, n);
            in_tok = 0;
        }
    }
    if (in_tok) push_token(s, o, start, n);
    o[n] = 0;
    *out_len = n;
    return o;
}
