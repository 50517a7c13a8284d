/* Hand-written pre-tokenizer for ASCII text, for the built-in patterns and Qwen's (r50k, cl100k, o200k, qwen;
 * docs/tokenizers-bpe.md). ep_bpe_ascii_piece decides the regex match that starts at position i
 * when every byte that the decision depends on is ASCII, and declines (returns 0) otherwise; the
 * caller then asks PCRE2 for that one match. A decision never looks before i (the patterns have no
 * lookbehind), so mixing the two per match gives the same pieces as PCRE2 alone. Proven equal to
 * PCRE2 at every start position of the fixture texts and of random ASCII-heavy text by
 * tests/unit/test_bpe.c (ascii_scanner_equals_pcre2).
 *
 * ASCII classes in Unicode terms: \p{L} = [A-Za-z] (Lu = A-Z, Ll = a-z, no Lt/Lm/Lo/M),
 * \p{N} = [0-9], \s (White_Space) = [\t\n\v\f\r ]; every other ASCII byte (punctuation and the
 * other controls) is "other" ([^\s\p{L}\p{N}]). A byte >= 0x80 starts a code point whose class
 * is unknown here: any rule that needs it declines.
 *
 * Qwen2/Qwen3's tokenizer.json pattern is cl100k's with \p{N} for \p{N}{1,3}: kind QWEN, digit runs
 * of 1; its JavaScript semantics (bpe_pattern.c) differ from Rust's only beyond ASCII, where the
 * scanner declines.
 *
 * Leftmost-first alternation and greedy quantifiers reduce, for each start byte, to:
 *  contraction  '  + s|t|m|d, or re|ve|ll (case-insensitive in cl100k/o200k: then a non-ASCII
 *               byte after ' declines, since U+017F folds to s and U+212A to k).
 *  letters      [other-but-not-CR/LF]? L+ (cl100k; r50k: only ' ' as prefix). o200k: prefix?,
 *               then the A-Z run U and the a-z run l after it: U l (alternative 1, if l is
 *               non-empty) or U (alternative 2), then an optional contraction.
 *  digits       N{1,3} (cl100k/o200k), ' '? N+ (r50k).
 *  other        ' '? other+ then [\r\n]* (cl100k), [\r\n/]* (o200k: a / after a CR or LF is
 *               taken), nothing (r50k).
 *  whitespace   for the maximal whitespace run [i, R): \s*[\r\n]+ (cl100k/o200k) ends after the
 *               last CR/LF of the run; else \s+(?!\S) gives [i, R) at the end of the text, or
 *               [i, R-1) if the run has >= 2 bytes; else \s+ gives [i, R). */
#include <string.h>

#include "tok/bpe_internal.h"

enum { C_OTHER = 0, C_LOWER = 1, C_UPPER = 2, C_DIGIT = 3, C_WS = 4, C_NL = 5, C_HIGH = 6 };

/* Class of each byte (C_NL = CR or LF, also whitespace). */
static const uint8_t CLS[256] = {
    ['\t'] = C_WS, ['\n'] = C_NL, ['\v'] = C_WS, ['\f'] = C_WS, ['\r'] = C_NL, [' '] = C_WS,
    ['0'] = C_DIGIT, ['1'] = C_DIGIT, ['2'] = C_DIGIT, ['3'] = C_DIGIT, ['4'] = C_DIGIT,
    ['5'] = C_DIGIT, ['6'] = C_DIGIT, ['7'] = C_DIGIT, ['8'] = C_DIGIT, ['9'] = C_DIGIT,
    ['A'] = C_UPPER, ['B'] = C_UPPER, ['C'] = C_UPPER, ['D'] = C_UPPER, ['E'] = C_UPPER, ['F'] = C_UPPER,
    ['G'] = C_UPPER, ['H'] = C_UPPER, ['I'] = C_UPPER, ['J'] = C_UPPER, ['K'] = C_UPPER, ['L'] = C_UPPER,
    ['M'] = C_UPPER, ['N'] = C_UPPER, ['O'] = C_UPPER, ['P'] = C_UPPER, ['Q'] = C_UPPER, ['R'] = C_UPPER,
    ['S'] = C_UPPER, ['T'] = C_UPPER, ['U'] = C_UPPER, ['V'] = C_UPPER, ['W'] = C_UPPER, ['X'] = C_UPPER,
    ['Y'] = C_UPPER, ['Z'] = C_UPPER,
    ['a'] = C_LOWER, ['b'] = C_LOWER, ['c'] = C_LOWER, ['d'] = C_LOWER, ['e'] = C_LOWER, ['f'] = C_LOWER,
    ['g'] = C_LOWER, ['h'] = C_LOWER, ['i'] = C_LOWER, ['j'] = C_LOWER, ['k'] = C_LOWER, ['l'] = C_LOWER,
    ['m'] = C_LOWER, ['n'] = C_LOWER, ['o'] = C_LOWER, ['p'] = C_LOWER, ['q'] = C_LOWER, ['r'] = C_LOWER,
    ['s'] = C_LOWER, ['t'] = C_LOWER, ['u'] = C_LOWER, ['v'] = C_LOWER, ['w'] = C_LOWER, ['x'] = C_LOWER,
    ['y'] = C_LOWER, ['z'] = C_LOWER,
    [0x80] = C_HIGH, [0x81] = C_HIGH, [0x82] = C_HIGH, [0x83] = C_HIGH, [0x84] = C_HIGH, [0x85] = C_HIGH,
    [0x86] = C_HIGH, [0x87] = C_HIGH, [0x88] = C_HIGH, [0x89] = C_HIGH, [0x8A] = C_HIGH, [0x8B] = C_HIGH,
    [0x8C] = C_HIGH, [0x8D] = C_HIGH, [0x8E] = C_HIGH, [0x8F] = C_HIGH, [0x90] = C_HIGH, [0x91] = C_HIGH,
    [0x92] = C_HIGH, [0x93] = C_HIGH, [0x94] = C_HIGH, [0x95] = C_HIGH, [0x96] = C_HIGH, [0x97] = C_HIGH,
    [0x98] = C_HIGH, [0x99] = C_HIGH, [0x9A] = C_HIGH, [0x9B] = C_HIGH, [0x9C] = C_HIGH, [0x9D] = C_HIGH,
    [0x9E] = C_HIGH, [0x9F] = C_HIGH, [0xA0] = C_HIGH, [0xA1] = C_HIGH, [0xA2] = C_HIGH, [0xA3] = C_HIGH,
    [0xA4] = C_HIGH, [0xA5] = C_HIGH, [0xA6] = C_HIGH, [0xA7] = C_HIGH, [0xA8] = C_HIGH, [0xA9] = C_HIGH,
    [0xAA] = C_HIGH, [0xAB] = C_HIGH, [0xAC] = C_HIGH, [0xAD] = C_HIGH, [0xAE] = C_HIGH, [0xAF] = C_HIGH,
    [0xB0] = C_HIGH, [0xB1] = C_HIGH, [0xB2] = C_HIGH, [0xB3] = C_HIGH, [0xB4] = C_HIGH, [0xB5] = C_HIGH,
    [0xB6] = C_HIGH, [0xB7] = C_HIGH, [0xB8] = C_HIGH, [0xB9] = C_HIGH, [0xBA] = C_HIGH, [0xBB] = C_HIGH,
    [0xBC] = C_HIGH, [0xBD] = C_HIGH, [0xBE] = C_HIGH, [0xBF] = C_HIGH, [0xC0] = C_HIGH, [0xC1] = C_HIGH,
    [0xC2] = C_HIGH, [0xC3] = C_HIGH, [0xC4] = C_HIGH, [0xC5] = C_HIGH, [0xC6] = C_HIGH, [0xC7] = C_HIGH,
    [0xC8] = C_HIGH, [0xC9] = C_HIGH, [0xCA] = C_HIGH, [0xCB] = C_HIGH, [0xCC] = C_HIGH, [0xCD] = C_HIGH,
    [0xCE] = C_HIGH, [0xCF] = C_HIGH, [0xD0] = C_HIGH, [0xD1] = C_HIGH, [0xD2] = C_HIGH, [0xD3] = C_HIGH,
    [0xD4] = C_HIGH, [0xD5] = C_HIGH, [0xD6] = C_HIGH, [0xD7] = C_HIGH, [0xD8] = C_HIGH, [0xD9] = C_HIGH,
    [0xDA] = C_HIGH, [0xDB] = C_HIGH, [0xDC] = C_HIGH, [0xDD] = C_HIGH, [0xDE] = C_HIGH, [0xDF] = C_HIGH,
    [0xE0] = C_HIGH, [0xE1] = C_HIGH, [0xE2] = C_HIGH, [0xE3] = C_HIGH, [0xE4] = C_HIGH, [0xE5] = C_HIGH,
    [0xE6] = C_HIGH, [0xE7] = C_HIGH, [0xE8] = C_HIGH, [0xE9] = C_HIGH, [0xEA] = C_HIGH, [0xEB] = C_HIGH,
    [0xEC] = C_HIGH, [0xED] = C_HIGH, [0xEE] = C_HIGH, [0xEF] = C_HIGH, [0xF0] = C_HIGH, [0xF1] = C_HIGH,
    [0xF2] = C_HIGH, [0xF3] = C_HIGH, [0xF4] = C_HIGH, [0xF5] = C_HIGH, [0xF6] = C_HIGH, [0xF7] = C_HIGH,
    [0xF8] = C_HIGH, [0xF9] = C_HIGH, [0xFA] = C_HIGH, [0xFB] = C_HIGH, [0xFC] = C_HIGH, [0xFD] = C_HIGH,
    [0xFE] = C_HIGH, [0xFF] = C_HIGH,
};

/* Class at j; end of text reads as "other" (it ends every run and matches no class). */
#define CL(j) ((j) < len ? CLS[t[j]] : C_OTHER)
#define IS_LETTER(c) ((c) == C_LOWER || (c) == C_UPPER)
#define IS_WS(c) ((c) == C_WS || (c) == C_NL)

int ep_bpe_ascii_kind(const char *pattern)
{
    if (!strcmp(pattern, EP_BPE_PAT_R50K)) return EP_BPE_ASCII_R50K;
    if (!strcmp(pattern, EP_BPE_PAT_CL100K)) return EP_BPE_ASCII_CL100K;
    if (!strcmp(pattern, EP_BPE_PAT_O200K)) return EP_BPE_ASCII_O200K;
    if (!strcmp(pattern, EP_BPE_PAT_QWEN)) return EP_BPE_ASCII_QWEN;
    return EP_BPE_ASCII_NONE;
}

/* Contraction at j (t[j] == '\''): its length (2 or 3), 0 if none, -1 if undecidable. */
static int contraction(const uint8_t *t, size_t len, size_t j, int caseless)
{
    if (j + 1 >= len) return 0;
    unsigned c1 = t[j + 1];
    if (c1 >= 0x80) return caseless ? -1 : 0;
    if (caseless) c1 |= 0x20 * (c1 >= 'A' && c1 <= 'Z');
    if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return 2;
    if (c1 != 'r' && c1 != 'v' && c1 != 'l') return 0;
    if (j + 2 >= len) return 0;
    unsigned c2 = t[j + 2];
    if (c2 >= 0x80) return caseless ? -1 : 0;
    if (caseless) c2 |= 0x20 * (c2 >= 'A' && c2 <= 'Z');
    return c2 == (c1 == 'l' ? 'l' : 'e') ? 3 : 0;
}

/* End of the run of bytes of class a or b from j, or 0 (= undecidable) if a byte >= 0x80 ends it. */
static size_t run_end(const uint8_t *t, size_t len, size_t j, int a, int b)
{
    while (j < len && (CLS[t[j]] == a || CLS[t[j]] == b)) j++;
    return j < len && t[j] >= 0x80 ? 0 : j;
}

/* Whitespace alternatives at i (t[i] whitespace). */
static int ws_piece(int kind, const uint8_t *t, size_t len, size_t i, size_t *end)
{
    size_t r = run_end(t, len, i, C_WS, C_NL);
    if (!r) return 0;
    if (kind != EP_BPE_ASCII_R50K) {
        for (size_t j = r; j > i; j--)
            if (CLS[t[j - 1]] == C_NL) { *end = j; return 1; }
    }
    *end = r == len || r - i == 1 ? r : r - 1;
    return 1;
}

/* o200k letters from j (t[j] a letter): U run, l run, optional contraction. */
static int o200k_letters(const uint8_t *t, size_t len, size_t j, size_t *end)
{
    size_t u = run_end(t, len, j, C_UPPER, C_UPPER);
    if (!u) return 0;
    size_t l = u;
    if (CL(u) == C_LOWER && !(l = run_end(t, len, u, C_LOWER, C_LOWER))) return 0;
    if (l < len && t[l] == '\'') {
        int c = contraction(t, len, l, 1);
        if (c < 0) return 0;
        l += (size_t)c;
    }
    *end = l;
    return 1;
}

/* "other" run from j, then the tail of the pattern. */
static int other_piece(int kind, const uint8_t *t, size_t len, size_t j, size_t *end)
{
    size_t e = run_end(t, len, j, C_OTHER, C_OTHER);
    if (!e) return 0;
    if (kind == EP_BPE_ASCII_CL100K || kind == EP_BPE_ASCII_QWEN)
        while (e < len && CLS[t[e]] == C_NL) e++;
    if (kind == EP_BPE_ASCII_O200K)
        while (e < len && (CLS[t[e]] == C_NL || t[e] == '/')) e++;
    *end = e;
    return 1;
}

int ep_bpe_ascii_piece(int kind, const uint8_t *t, size_t len, size_t i, size_t *end)
{
    int c = CLS[t[i]];
    if (c == C_HIGH) return 0;
    if (kind == EP_BPE_ASCII_R50K) {
        size_t j = i;
        if (t[i] == '\'') {
            int k = contraction(t, len, i, 0);
            if (k) { *end = i + (size_t)k; return 1; }
        }
        if (t[i] == ' ') {
            int c1 = CL(i + 1);
            if (c1 == C_HIGH) return 0;
            if (c1 == C_WS || c1 == C_NL || i + 1 == len) return ws_piece(kind, t, len, i, end);
            j = i + 1;
            c = c1;
        }
        size_t e;
        if (IS_LETTER(c)) e = run_end(t, len, j, C_LOWER, C_UPPER);
        else if (c == C_DIGIT) e = run_end(t, len, j, C_DIGIT, C_DIGIT);
        else if (c == C_OTHER) return other_piece(kind, t, len, j, end);
        else return ws_piece(kind, t, len, i, end);
        if (!e) return 0;
        *end = e;
        return 1;
    }
    int o200k = kind == EP_BPE_ASCII_O200K;
    if (IS_LETTER(c)) {
        if (o200k) return o200k_letters(t, len, i, end);
        size_t e = run_end(t, len, i, C_LOWER, C_UPPER);
        if (!e) return 0;
        *end = e;
        return 1;
    }
    if (c == C_DIGIT) {
        size_t e = i + 1, most = kind == EP_BPE_ASCII_QWEN ? 1 : 3; /* \p{N}{1,3} or \p{N} */
        while (e < len && e < i + most && CLS[t[e]] == C_DIGIT) e++;
        if (e < i + most && e < len && t[e] >= 0x80) return 0;
        *end = e;
        return 1;
    }
    if (c == C_NL) return ws_piece(kind, t, len, i, end);
    /* c is C_WS or C_OTHER: optional prefix of the letter alternatives */
    if (!o200k && t[i] == '\'') {
        int k = contraction(t, len, i, 1);
        if (k < 0) return 0;
        if (k) { *end = i + (size_t)k; return 1; }
    }
    int c1 = CL(i + 1);
    if (c1 == C_HIGH) return 0;
    if (IS_LETTER(c1)) {
        if (o200k) return o200k_letters(t, len, i + 1, end);
        size_t e = run_end(t, len, i + 1, C_LOWER, C_UPPER);
        if (!e) return 0;
        *end = e;
        return 1;
    }
    if (c == C_OTHER) return other_piece(kind, t, len, i, end);
    if (t[i] == ' ' && c1 == C_OTHER && i + 1 < len) return other_piece(kind, t, len, i + 1, end);
    return ws_piece(kind, t, len, i, end);
}
