/* Comparison of a tokenizer with the reference ids of tests/fixtures/tok (gen_hf_fixtures.mjs):
 * cases.txt holds one base64 text per line, <family>.ids the reference ids per line. Shared by
 * test_hf_tokenizer.c (the committed reduced Qwen3 vocabulary) and test_hf_families.c (the npm
 * packages' own files). */
#ifndef EP_TEST_HF_FIXTURE_H
#define EP_TEST_HF_FIXTURE_H

#include <string.h>

#include "ep_test.h"
#include "entroprof/tokenizer.h"

#define HF_FIX EP_TEST_SOURCE_DIR "/tests/fixtures/tok/"

/* GPT-2 byte alphabet: byte b is written as U+0100 + k for the k-th non-printable byte (escaped
 * for a JSON string when it is '"' or '\\'). */
static inline void hf_put_alphabet_char(char **p, int b)
{
    int printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    int cp = b;
    if (!printable) {
        int k = 0;
        for (int c = 0; c < b; c++)
            if (!((c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF))) k++;
        cp = 256 + k;
    }
    if (cp == '"' || cp == '\\') { *(*p)++ = '\\'; *(*p)++ = (char)cp; }
    else if (cp < 0x80) *(*p)++ = (char)cp;
    else { *(*p)++ = (char)(0xC0 | cp >> 6); *(*p)++ = (char)(0x80 | (cp & 0x3F)); }
}

static inline size_t hf_b64dec(const char *s, size_t n, unsigned char *out)
{
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26
              : c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' ? 62 : c == '/' ? 63 : -1;
        if (v < 0) continue;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) { bits -= 8; out[o++] = (unsigned char)(acc >> bits); }
    }
    return o;
}

/* Splits buf into NUL-terminated lines in place (a final newline ends the last line). */
static inline size_t hf_lines(char *buf, size_t n, char ***lines)
{
    size_t cnt = 0, cap = 1024;
    char **l = malloc(cap * sizeof *l);
    char *p = buf, *end = buf + n;
    while (p < end) {
        char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e) e = end;
        *e = 0;
        if (cnt == cap) l = realloc(l, (cap *= 2) * sizeof *l);
        l[cnt++] = p;
        p = e + 1;
    }
    *lines = l;
    return cnt;
}

/* Encodes every case with tok and compares with <family>.ids. idmap (may be NULL, n_map entries)
 * maps the tokenizer's ids to the reference's (a reduced vocabulary). Fails the test at the first
 * difference, naming the case and the position. @return the number of ids compared. */
static inline size_t hf_check_family(const ep_tokenizer *tok, const char *family, const unsigned long *idmap, size_t n_map)
{
    size_t nc = 0, ni = 0;
    char path[512];
    char *cb = ep_test_slurp(HF_FIX "cases.txt", &nc);
    snprintf(path, sizeof path, HF_FIX "%s.ids", family);
    char *ib = ep_test_slurp(path, &ni);
    assert_non_null(cb);
    assert_non_null(ib);
    char **cases, **ids;
    size_t ncase = hf_lines(cb, nc, &cases), nids = hf_lines(ib, ni, &ids);
    assert_int_equal(ncase, nids);
    assert_true(ncase >= 421);
    ep_tok_scratch *s = ep_tok_scratch_create(tok);
    assert_non_null(s);
    ep_token_buf buf = {0};
    unsigned char *text = malloc(nc + 1);
    size_t total = 0;
    for (size_t k = 0; k < ncase; k++) {
        size_t tn = hf_b64dec(cases[k], strlen(cases[k]), text);
        buf.len = 0;
        assert_int_equal(ep_tokenizer_encode(tok, s, (const char *)text, tn, &buf), EP_OK);
        char *p = ids[k];
        size_t j = 0;
        while (*p) {
            char *q;
            unsigned long want = strtoul(p, &q, 10);
            if (q == p) break;
            unsigned long got = j < buf.len ? buf.ids[j] : ~0ul;
            if (idmap && got < n_map) got = idmap[got];
            if (got != want) fail_msg("%s case %zu: id %zu is %lu, reference %lu", family, k, j, got, want);
            j++;
            p = q;
        }
        if (j != buf.len) fail_msg("%s case %zu: %zu ids, reference %zu", family, k, buf.len, j);
        total += j;
    }
    free(text);
    ep_token_buf_free(&buf);
    ep_tok_scratch_free(s);
    free(cases);
    free(ids);
    free(cb);
    free(ib);
    return total;
}

#endif
