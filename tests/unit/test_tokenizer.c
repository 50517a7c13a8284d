/* Built-in tokenizers: byte, char, word rules and decoding. */
#include <stdlib.h>
#include <string.h>

#include "ep_test.h"
#include "base/xxh.h"
#include "entroprof/tokenizer.h"

static size_t encode(const char *name, const char *text, ep_token_buf *buf)
{
    ep_tokenizer *t = NULL;
    ep_error err;
    assert_int_equal(ep_tokenizer_open(&t, name, &err), EP_OK);
    ep_tok_scratch *s = ep_tok_scratch_create(t);
    buf->len = 0;
    assert_int_equal(ep_tokenizer_encode(t, s, text, strlen(text), buf), EP_OK);
    ep_tok_scratch_free(s);
    ep_tokenizer_free(t);
    return buf->len;
}

static void byte_and_char_ids_are_bytes_and_code_points(void **state)
{
    (void)state;
    ep_token_buf b = {0};
    assert_int_equal(encode("byte", "a\xC3\xA9", &b), 3);
    assert_int_equal(b.ids[1], 0xC3);
    assert_int_equal(encode("char", "a\xC3\xA9\xF0\x9F\x98\x80", &b), 3);
    assert_int_equal(b.ids[1], 0xE9);
    assert_int_equal(b.ids[2], 0x1F600);
    ep_tokenizer *t = NULL;
    assert_int_equal(ep_tokenizer_open(&t, "char", NULL), EP_OK);
    char *out = NULL;
    size_t len = 0, cap = 0;
    assert_int_equal(ep_tokenizer_decode(t, b.ids, b.len, &out, &len, &cap), EP_OK);
    assert_int_equal(len, 7);
    assert_memory_equal(out, "a\xC3\xA9\xF0\x9F\x98\x80", 7);
    free(out);
    ep_tokenizer_free(t);
    ep_token_buf_free(&b);
}

static void word_splits_letters_digits_and_punctuation(void **state)
{
    (void)state;
    ep_token_buf b = {0};
    /* "Don't" -> Don ' t ; "co-op" -> co - op ; digits join letters; U+00A0 separates; CJK run is one word */
    const char *text = "Don't  co-op x86\xC2\xA0" "caf\xC3\xA9\t\xE4\xB8\xAD\xE6\x96\x87!";
    assert_int_equal(encode("word", text, &b), 10);
    const char *want[] = {"Don", "'", "t", "co", "-", "op", "x86", "caf\xC3\xA9", "\xE4\xB8\xAD\xE6\x96\x87", "!"};
    for (int i = 0; i < 10; i++) /* id = low 32 bits of the seeded XXH3-64 (docs/tokenizers.md) */
        assert_int_equal(b.ids[i], (uint32_t)XXH3_64bits_withSeed(want[i], strlen(want[i]), 0x656e74726f70726full));
    ep_token_buf_free(&b);
}

/* Ids take 4 bytes: a document of n tokens costs 4n bytes of ids (issue 12, item 9). */
static void token_ids_are_four_bytes(void **state)
{
    (void)state;
    assert_int_equal(sizeof(ep_token), 4);
}

/* A word's id depends on its bytes only: pinned values (a change of the scheme changes every
 * word profile, so it must be deliberate), the same ids whether the text is encoded at once or
 * word by word (as different threads would see it), and distinct ids for these distinct words. */
static void word_ids_are_deterministic_32_bit_hashes(void **state)
{
    (void)state;
    ep_token_buf whole = {0}, part = {0};
    assert_int_equal(encode("word", "hello world", &whole), 2);
    assert_int_equal(whole.ids[0], 0xa5e90689u); /* computed with the system libxxhash */
    assert_int_equal(whole.ids[1], 0x48f03d6fu);
    const char *text = "the cat saw the other cat, then 42 cats: \xC3\xA9t\xC3\xA9 \xE4\xB8\xAD";
    size_t n = encode("word", text, &whole);
    assert_int_equal(n, 13);
    ep_token ids[13];
    memcpy(ids, whole.ids, sizeof ids);
    size_t k = 0;
    char *copy = strdup(text);
    for (char *w = strtok(copy, " "); w; w = strtok(NULL, " ")) {
        size_t m = encode("word", w, &part);
        for (size_t i = 0; i < m; i++) assert_int_equal(part.ids[i], ids[k++]);
    }
    assert_int_equal(k, n);
    free(copy);
    /* the cat saw the other cat , then 42 cats : été 中: equal ids exactly for equal words */
    const int word_of[13] = {0, 1, 2, 0, 3, 1, 4, 5, 6, 7, 8, 9, 10};
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) assert_int_equal(ids[i] == ids[j], word_of[i] == word_of[j]);
    ep_token_buf_free(&whole);
    ep_token_buf_free(&part);
}

/* 4-byte ids hold every byte and every code point: decode(encode(x)) = x at the extremes. */
static void byte_and_char_ids_round_trip(void **state)
{
    (void)state;
    char bytes[255];
    for (int i = 0; i < 255; i++) bytes[i] = (char)(i + 1); /* 0 ends the C string */
    const char *cps = "\x01\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF";
    const struct { const char *name; const char *text; size_t len, ids; } c[] = {
        {"byte", bytes, 255, 255}, {"char", cps, strlen(cps), 8}};
    for (size_t k = 0; k < 2; k++) {
        ep_tokenizer *t = NULL;
        assert_int_equal(ep_tokenizer_open(&t, c[k].name, NULL), EP_OK);
        ep_tok_scratch *s = ep_tok_scratch_create(t);
        ep_token_buf b = {0};
        assert_int_equal(ep_tokenizer_encode(t, s, c[k].text, c[k].len, &b), EP_OK);
        assert_int_equal(b.len, c[k].ids);
        char *out = NULL;
        size_t len = 0, cap = 0;
        assert_int_equal(ep_tokenizer_decode(t, b.ids, b.len, &out, &len, &cap), EP_OK);
        assert_int_equal(len, c[k].len);
        assert_memory_equal(out, c[k].text, len);
        if (k == 1) assert_int_equal(b.ids[7], 0x10FFFF);
        free(out);
        ep_token_buf_free(&b);
        ep_tok_scratch_free(s);
        ep_tokenizer_free(t);
    }
}

static void unknown_tokenizer_is_not_found(void **state)
{
    (void)state;
    ep_tokenizer *t = NULL;
    ep_error err;
    ep_error_clear(&err);
    assert_int_equal(ep_tokenizer_open(&t, "no-such-tokenizer-xyz", &err), EP_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "no-such-tokenizer-xyz"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(byte_and_char_ids_are_bytes_and_code_points),
        cmocka_unit_test(word_splits_letters_digits_and_punctuation),
        cmocka_unit_test(token_ids_are_four_bytes),
        cmocka_unit_test(word_ids_are_deterministic_32_bit_hashes),
        cmocka_unit_test(byte_and_char_ids_round_trip),
        cmocka_unit_test(unknown_tokenizer_is_not_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
