/* The built-in tokenizers: byte (id = byte value), char (id = code point) and word (id = 32-bit
 * hash of a letter/digit run or of one other code point). */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "base/grow.h"
#include "base/xxh.h"
#include "text/utf8.h"
#include "tok/tokenizer_internal.h"

static int reserve_bytes(char **out, size_t *cap, size_t need)
{
    char *q = ep_grow_array(*out, cap, need, 1, 256);
    if (!q) return -1;
    *out = q;
    return 0;
}

/* ---- byte: id = byte value ---- */

static ep_status byte_encode(const ep_tokenizer *tok, ep_tok_scratch *s, const char *text, size_t len, ep_token_buf *out)
{
    (void)tok; (void)s;
    if (ep_token_buf_reserve(out, len)) return EP_ERR_NOMEM;
    ep_token *o = out->ids + out->len;
    for (size_t i = 0; i < len; i++) o[i] = (unsigned char)text[i];
    out->len += len;
    return EP_OK;
}

static ep_status byte_decode(const ep_tokenizer *tok, const ep_token *ids, size_t n, char **out, size_t *len, size_t *cap)
{
    (void)tok;
    if (reserve_bytes(out, cap, *len + n)) return EP_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] > 255) return EP_ERR_ARG;
        (*out)[(*len)++] = (char)ids[i];
    }
    return EP_OK;
}

/* ---- char: id = Unicode code point ---- */

static ep_status char_encode(const ep_tokenizer *tok, ep_tok_scratch *s, const char *text, size_t len, ep_token_buf *out)
{
    (void)tok; (void)s;
    if (ep_token_buf_reserve(out, len)) return EP_ERR_NOMEM;
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        size_t l = ep_utf8_seq_len(p + i, len - i);
        if (l == 0) { out->ids[out->len++] = 0xFFFD; i++; continue; } /* invalid byte: U+FFFD */
        out->ids[out->len++] = ep_utf8_decode(p + i, &l);
        i += l;
    }
    return EP_OK;
}

static ep_status char_decode(const ep_tokenizer *tok, const ep_token *ids, size_t n, char **out, size_t *len, size_t *cap)
{
    (void)tok;
    if (reserve_bytes(out, cap, *len + 4 * n)) return EP_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] > 0x10FFFF) return EP_ERR_ARG;
        utf8proc_ssize_t k = utf8proc_encode_char((utf8proc_int32_t)ids[i], (utf8proc_uint8_t *)*out + *len);
        if (k <= 0) return EP_ERR_ARG;
        *len += (size_t)k;
    }
    return EP_OK;
}

/* ---- word: letter/mark/digit runs; other non-space code points alone; spaces separate ---- */

enum { CLS_SPACE = 0, CLS_WORD = 1, CLS_OTHER = 2 };

static int classify(uint32_t cp)
{
    if (cp < 128) {
        if (cp == ' ' || (cp >= 9 && cp <= 13)) return CLS_SPACE;
        if ((cp >= '0' && cp <= '9') || ((cp | 32) >= 'a' && (cp | 32) <= 'z')) return CLS_WORD;
        return CLS_OTHER;
    }
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
        return CLS_WORD;
    case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
        return CLS_SPACE;
    default:
        return cp == 0x85 ? CLS_SPACE : CLS_OTHER;
    }
}

#define EP_WORD_SEED 0x656e74726f70726full

/* A word's id: the low 32 bits of XXH3-64 (seeded) of its bytes. The same bytes give the same id
 * on every thread, with no shared dictionary. Distinct words can collide (then they are one token,
 * which can only lower an entropy estimate): among n distinct words the expected number of
 * colliding pairs is n(n-1)/2 / 2^32, about n^2 / 2^33 (1.2 at n = 10^5, 116 at 10^6). */
static ep_token word_id(const unsigned char *word, size_t len)
{
    return (ep_token)XXH3_64bits_withSeed(word, len, EP_WORD_SEED);
}

static ep_status word_encode(const ep_tokenizer *tok, ep_tok_scratch *s, const char *text, size_t len, ep_token_buf *out)
{
    (void)tok; (void)s;
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        size_t l = ep_utf8_seq_len(p + i, len - i);
        uint32_t cp = l ? ep_utf8_decode(p + i, &l) : 0xFFFD;
        if (!l) l = 1;
        int cls = classify(cp);
        if (cls == CLS_SPACE) { i += l; continue; }
        size_t start = i;
        i += l;
        if (cls == CLS_WORD) {
            while (i < len) {
                size_t l2 = ep_utf8_seq_len(p + i, len - i);
                if (!l2) break;
                uint32_t c2 = ep_utf8_decode(p + i, &l2);
                if (classify(c2) != CLS_WORD) break;
                i += l2;
            }
        }
        if (ep_token_buf_reserve(out, 1)) return EP_ERR_NOMEM;
        out->ids[out->len++] = word_id(p + start, i - start);
    }
    return EP_OK;
}

static const ep_tokenizer_ops byte_ops = {byte_encode, byte_decode, NULL, NULL, NULL};
static const ep_tokenizer_ops char_ops = {char_encode, char_decode, NULL, NULL, NULL};
static const ep_tokenizer_ops word_ops = {word_encode, NULL, NULL, NULL, NULL};

ep_status ep_builtin_tokenizer_open(ep_tokenizer **out, const char *name, ep_error *err)
{
    const ep_tokenizer_ops *ops = NULL;
    uint64_t vocab = 0;
    if (!name || strcmp(name, "byte") == 0) { ops = &byte_ops; vocab = 256; name = "byte"; }
    else if (strcmp(name, "char") == 0) { ops = &char_ops; vocab = 0x110000; }
    else if (strcmp(name, "word") == 0) { ops = &word_ops; vocab = 0; }
    if (!ops) return EP_ERR_NOTFOUND; /* not a built-in name: no message, the caller tries BPE */
    *out = ep_tokenizer_new(ops, name, vocab, NULL);
    return *out ? EP_OK : ep_error_set(err, EP_ERR_NOMEM, "out of memory");
}
