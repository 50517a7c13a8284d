/* JSON strings that are not UTF-8 (written as \udcXY, read back to the bytes), top-level scalars,
 * and error offsets. */
#include <string.h>

#include "ep_test.h"
#include "entroprof/json.h"

/* Compact JSON of v, NUL-terminated, caller frees. */

static char *string_json(const char *bytes, size_t n)
{
    ep_jv *v = ep_jv_strn(bytes, n);
    char *json = ep_test_json_text(v);
    ep_jv_free(v);
    return json;
}

/* Parses json (a JSON string) and asserts that it holds exactly the n bytes of expect. */
static void assert_parses_to(const char *json, const char *expect, size_t n)
{
    ep_error err;
    ep_error_clear(&err);
    ep_jv *v = ep_jv_parse(json, strlen(json), &err);
    if (!v) fail_msg("parse of %s: %s", json, err.msg);
    assert_int_equal(ep_jv_typeof(v), EP_JV_STR);
    const char *s = ep_jv_as_str(v);
    /* compare n + 1 bytes: the value ends exactly there */
    assert_memory_equal(s, expect, n);
    assert_int_equal(s[n], '\0');
    ep_jv_free(v);
}

static void bytes_that_are_not_utf8_are_written_as_lone_low_surrogates(void **state)
{
    (void)state;
    /* 0xFF never occurs in UTF-8; C3 28 is a lead byte without continuation; ED A0 80 encodes the
     * surrogate U+D800; F4 90 80 80 is above U+10FFFF; C0 AF is an overlong '/'. */
    static const char in[] = "a\xff" "b\xc3(" "\xed\xa0\x80" "\xf4\x90\x80\x80" "\xc0\xaf";
    char *json = string_json(in, sizeof in - 1);
    assert_string_equal(json, "\"a\\udcffb\\udcc3(\\udced\\udca0\\udc80\\udcf4\\udc90\\udc80\\udc80"
                              "\\udcc0\\udcaf\"");
    free(json);
}

static void well_formed_utf8_is_written_as_is(void **state)
{
    (void)state;
    /* U+00E9, U+20AC, U+D7FF, U+E000, U+10FFFF, U+1F600: every sequence length and range edge */
    static const char in[] = "\xc3\xa9 \xe2\x82\xac \xed\x9f\xbf \xee\x80\x80 \xf4\x8f\xbf\xbf \xf0\x9f\x98\x80";
    char *json = string_json(in, sizeof in - 1);
    assert_int_equal(strlen(json), sizeof in - 1 + 2);
    assert_memory_equal(json + 1, in, sizeof in - 1);
    free(json);
}

static void every_byte_string_round_trips(void **state)
{
    (void)state;
    /* each single byte, then pseudo-random strings rich in bytes >= 0x80 */
    char buf[64];
    for (int b = 1; b < 256; b++) {
        buf[0] = (char)b;
        char *json = string_json(buf, 1);
        assert_parses_to(json, buf, 1);
        free(json);
    }
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int round = 0; round < 2000; round++) {
        size_t n = 1 + (size_t)(round % (int)sizeof buf);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17; /* xorshift64 */
            unsigned char c = (unsigned char)(x >> 24);
            buf[i] = (char)(c == 0 ? 0x80 : (c < 0x40 ? c | 0x80 : c)); /* no NUL: compared as C string */
        }
        char *json = string_json(buf, n);
        assert_parses_to(json, buf, n);
        free(json);
    }
}

static void parser_keeps_surrogate_pairs_and_escaped_backslashes(void **state)
{
    (void)state;
    assert_parses_to("\"\\udcff\"", "\xff", 1);
    assert_parses_to("\"x\\uDC80y\"", "x\x80y", 3);
    /* a high surrogate then \udcff is the pair for U+1F4FF, UTF-8 F0 9F 93 BF */
    assert_parses_to("\"\\ud83d\\udcff\"", "\xf0\x9f\x93\xbf", 4);
    /* an escaped backslash followed by the letters udcff */
    assert_parses_to("\"\\\\udcff\"", "\\udcff", 6);
    /* \udc41 is not a byte escape (bytes below 0x80 are never escaped that way) */
    ep_jv *v = ep_jv_parse("\"\\udc41\"", 8, NULL);
    assert_non_null(v);
    assert_true(strcmp(ep_jv_as_str(v), "A") != 0);
    ep_jv_free(v);
}

static void object_keys_round_trip_too(void **state)
{
    (void)state;
    ep_jv *o = ep_jv_obj();
    ep_jv_set(o, "k\xfe", ep_jv_str("v\xff"));
    char *json = ep_test_json_text(o);
    assert_string_equal(json, "{\"k\\udcfe\":\"v\\udcff\"}");
    ep_jv *back = ep_jv_parse(json, strlen(json), NULL);
    assert_non_null(back);
    assert_string_equal(ep_jv_as_str(ep_jv_get(back, "k\xfe")), "v\xff");
    ep_jv_free(back);
    ep_jv_free(o);
    free(json);
}

static void top_level_number_parses_and_is_not_an_object(void **state)
{
    (void)state;
    ep_error err;
    ep_error_clear(&err);
    ep_jv *v = ep_jv_parse("5", 1, &err);
    assert_non_null(v);
    assert_int_equal(ep_jv_typeof(v), EP_JV_INT);
    assert_int_equal(ep_jv_as_int(v, 0), 5);
    ep_jv_free(v);
    v = ep_jv_parse("null", 4, &err);
    assert_non_null(v);
    assert_int_equal(ep_jv_typeof(v), EP_JV_NULL);
    ep_jv_free(v);

    char path[] = "/tmp/ep_json_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("1e308\n", f);
    fclose(f);
    assert_null(ep_jv_load_object(path, "a profile", &err));
    assert_int_equal(err.status, EP_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "not a profile: top level is a number"));
    remove(path);
}

static void error_offsets_count_bytes_of_the_original_text(void **state)
{
    (void)state;
    ep_error err;
    ep_error_clear(&err);
    const char *with_escape = "{\"a\": \"\\udcff\", \"b\": x}"; /* x at byte 21 */
    assert_null(ep_jv_parse(with_escape, strlen(with_escape), &err));
    assert_non_null(strstr(err.msg, "at byte 21:"));
    assert_null(ep_jv_parse("{\"a\":", 5, &err));
    assert_non_null(strstr(err.msg, "at byte 5:"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bytes_that_are_not_utf8_are_written_as_lone_low_surrogates),
        cmocka_unit_test(well_formed_utf8_is_written_as_is),
        cmocka_unit_test(every_byte_string_round_trips),
        cmocka_unit_test(parser_keeps_surrogate_pairs_and_escaped_backslashes),
        cmocka_unit_test(object_keys_round_trip_too),
        cmocka_unit_test(top_level_number_parses_and_is_not_an_object),
        cmocka_unit_test(error_offsets_count_bytes_of_the_original_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
