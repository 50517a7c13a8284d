/* UTF-8 validation and repair for the BPE pre-tokenizer (PCRE2 in UTF mode needs valid input).
 * Repair follows the WHATWG Encoding Standard's UTF-8 decoder ("maximal subpart" rule, also
 * Unicode 15 ch. 3 U+FFFD substitution of maximal subparts), which is what JavaScript's
 * TextDecoder and Rust's String::from_utf8_lossy do: each maximal invalid subsequence becomes
 * one U+FFFD. */
#include <string.h>

#include "tok/bpe_internal.h"

/* Length of the valid sequence at p (n bytes left) or 0; *bad = bytes of the maximal invalid
 * subpart when 0 is returned. */
static size_t utf8_seq(const uint8_t *p, size_t n, size_t *bad)
{
    uint8_t c = p[0];
    if (c < 0x80) return 1;
    size_t need;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) need = 1;
    else if (c >= 0xE0 && c <= 0xEF) { need = 2; if (c == 0xE0) lo = 0xA0; else if (c == 0xED) hi = 0x9F; }
    else if (c >= 0xF0 && c <= 0xF4) { need = 3; if (c == 0xF0) lo = 0x90; else if (c == 0xF4) hi = 0x8F; }
    else { *bad = 1; return 0; }
    size_t k = 1;
    for (; k <= need; k++) {
        if (k >= n) { *bad = k; return 0; }
        uint8_t b = p[k];
        if (b < lo || b > hi) { *bad = k; return 0; }
        lo = 0x80;
        hi = 0xBF;
    }
    return need + 1;
}

size_t ep_bpe_utf8_valid_prefix(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* ASCII fast path, 8 bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ull) break;
            i += 8;
        }
        if (i >= n) break;
        size_t bad, k = utf8_seq(p + i, n - i, &bad);
        if (!k) return i;
        i += k;
    }
    return n;
}

size_t ep_bpe_utf8_repair(uint8_t *dst, const uint8_t *p, size_t n)
{
    size_t i = 0, o = 0;
    while (i < n) {
        size_t bad, k = utf8_seq(p + i, n - i, &bad);
        if (k) {
            memcpy(dst + o, p + i, k);
            o += k;
            i += k;
        } else {
            dst[o++] = 0xEF;
            dst[o++] = 0xBF;
            dst[o++] = 0xBD;
            i += bad;
        }
    }
    return o;
}
