/* Shared body of the BPE loader harnesses (fuzz_tiktoken.c, fuzz_tokenizer_json.c): load the
 * input as a vocabulary file through the public ep_tokenizer_open, and when it loads, check the
 * tokenizer's promises (include/entroprof/tokenizer.h, docs/tokenizers-bpe.md):
 *   - encoding succeeds and every id is < vocab_size;
 *   - decode(encode(x)) = x with each maximal ill-formed UTF-8 subpart replaced by U+FFFD, for a
 *     fixed set of strings and for the input bytes themselves, whenever the pre-tokenizer pattern is
 *     one whose alternatives cover every character (the built-in patterns: any tiktoken file, and a
 *     tokenizer.json whose pre_tokenizer is ByteLevel with its GPT-2 regex);
 *   - with a tokenizer.json's own Split steps, text may be dropped (Split behavior Removed), so
 *     there decode(encode(x)) must be in-order, disjoint substrings of the repaired x;
 *   - a tokenizer.json with a normalizer (NFC, Replace, Prepend ...) or a ByteLevel
 *     add_prefix_space encodes a changed text: only the ids and decode's success are checked. */
#ifndef EP_FUZZ_BPE_H
#define EP_FUZZ_BPE_H

#include <json-c/json.h>

#include "entroprof/tokenizer.h"
#include "fuzz_util.h"

/* 1 when the file's pre-tokenizer is a built-in pattern: a tiktoken file (no leading '{'), or a
 * tokenizer.json whose pre_tokenizer.type is ByteLevel; -1 when a tokenizer.json changes the text
 * (a normalizer, or add_prefix_space true in the pre_tokenizer or one of its pretokenizers); else
 * 0. Parsed with json-c as the loader does. */
static int fz_bpe_builtin_pattern(const uint8_t *data, size_t n)
{
    size_t i = 0;
    while (i < n && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t')) i++;
    if (i == n || data[i] != '{') return 1;
    json_tokener *tk = json_tokener_new_ex(64);
    FZ_CHECK(tk != NULL, "out of memory");
    json_object *root = json_tokener_parse_ex(tk, (const char *)data, (int)n), *pre, *type;
    int builtin = root && json_object_object_get_ex(root, "pre_tokenizer", &pre) &&
                  json_object_object_get_ex(pre, "type", &type) && json_object_is_type(type, json_type_string) &&
                  !strcmp(json_object_get_string(type), "ByteLevel");
    json_object *norm, *list, *aps;
    if (root && json_object_object_get_ex(root, "normalizer", &norm) && norm) builtin = -1;
    if (root && json_object_object_get_ex(root, "pre_tokenizer", &pre) && pre) {
        if (json_object_object_get_ex(pre, "add_prefix_space", &aps) && json_object_get_boolean(aps)) builtin = -1;
        if (json_object_object_get_ex(pre, "pretokenizers", &list) && json_object_is_type(list, json_type_array))
            for (size_t k = 0; k < json_object_array_length(list); k++)
                if (json_object_object_get_ex(json_object_array_get_idx(list, k), "add_prefix_space", &aps) &&
                    json_object_get_boolean(aps))
                    builtin = -1;
    }
    json_object_put(root);
    json_tokener_free(tk);
    return builtin;
}

/* 1 when got[0..gn) is a subsequence of want[0..wn) (greedy scan, exact for subsequences). In-order
 * disjoint substrings of want concatenate to a subsequence of it, so a correct output always
 * passes; bytes that are not in x, or out of order, fail. */
static int fz_is_subsequence(const char *got, size_t gn, const char *want, size_t wn)
{
    size_t j = 0;
    for (size_t i = 0; i < gn; i++) {
        while (j < wn && want[j] != got[i]) j++;
        if (j == wn) return 0;
        j++;
    }
    return 1;
}

static void fz_bpe_round_trip(const ep_tokenizer *tok, ep_tok_scratch *scr, const char *text, size_t n, int exact)
{
    ep_token_buf ids = {0};
    ep_status st = ep_tokenizer_encode(tok, scr, text, n, &ids);
    if (exact <= 0 && st == EP_ERR_LIMIT) { /* a tokenizer.json's own regex may exhaust PCRE2's limits */
        ep_token_buf_free(&ids);
        return;
    }
    FZ_CHECK(st == EP_OK, "encode of %zu bytes: %s", n, ep_strerror(st));
    uint64_t vocab = ep_tokenizer_vocab_size(tok);
    for (size_t i = 0; i < ids.len; i++)
        FZ_CHECK(ids.ids[i] < vocab, "id %llu >= vocab_size %llu", (unsigned long long)ids.ids[i],
                 (unsigned long long)vocab);
    char *out = NULL;
    size_t out_len = 0, out_cap = 0;
    st = ep_tokenizer_decode(tok, ids.ids, ids.len, &out, &out_len, &out_cap);
    FZ_CHECK(st == EP_OK, "decode of %zu ids: %s", ids.len, ep_strerror(st));
    char *want = malloc(3 * n + 1);
    FZ_CHECK(want != NULL, "out of memory");
    size_t wn = fz_utf8_lossy(text, n, want);
    if (exact < 0) {
        /* the text was normalized: nothing to compare */
    } else if (exact)
        FZ_CHECK(out_len == wn && (wn == 0 || memcmp(out, want, wn) == 0),
                 "decode(encode(x)) != x for %zu input bytes (%zu bytes back, %zu expected)", n, out_len, wn);
    else
        FZ_CHECK(fz_is_subsequence(out, out_len, want, wn), "decode(encode(x)) holds bytes not in x");
    free(want);
    free(out);
    ep_token_buf_free(&ids);
}

/* Writes the input to dir/name, opens it as a tokenizer and checks it when it loads. */
static void fz_bpe_run(const uint8_t *data, size_t size, const char *name)
{
    static const char *const fixed[] = {
        "",
        "hello world",
        "Hello, World! It's 2026; we'll see.\n\nThe END.",
        "  leading spaces\n\n\ttabs\r\nand CRLF\r\n",
        "na\xc3\xafve caf\xc3\xa9 \xe2\x80\x94 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x99\x82 \xc5\xbf",
        "12345678901234567890 3.14159 0xFF",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "<|endoftext|> is not special here",
        "bad \xff\xfe bytes \xed\xa0\x80 and \xf0\x9f",
    };
    const char *path = fz_write(name, data, size);
    ep_tokenizer *tok = NULL;
    ep_error err;
    ep_error_clear(&err);
    ep_status st = ep_tokenizer_open(&tok, path, &err);
    if (st != EP_OK) {
        FZ_CHECK(tok == NULL, "a failed open returns no tokenizer");
        FZ_CHECK(err.msg[0] != 0, "a failed open leaves a message");
        return;
    }
    int exact = fz_bpe_builtin_pattern(data, size);
    ep_tok_scratch *scr = ep_tok_scratch_create(tok);
    FZ_CHECK(scr != NULL, "scratch");
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) fz_bpe_round_trip(tok, scr, fixed[i], strlen(fixed[i]), exact);
    fz_bpe_round_trip(tok, scr, (const char *)data, size, exact);
    ep_tok_scratch_free(scr);
    ep_tokenizer_free(tok);
}

#endif
