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
    for (int i = 0; i < 10; i++)
        assert_int_equal(b.ids[i], XXH3_64bits_withSeed(want[i], strlen(want[i]), 0x656e74726f70726full));
    ep_token_buf_free(&b);
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
        cmocka_unit_test(unknown_tokenizer_is_not_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
