/* UTF-8 repair: maximal-subpart replacement, CRLF, NUL; boundaries; counting. */
#include <string.h>

#include "ep_test.h"
#include "text/utf8.h"

static void check_repair(const char *in, size_t n, const char *want, uint64_t inv, uint64_t crlf, uint64_t nul)
{
    char out[256];
    ep_repair_counts c = {0, 0, 0};
    size_t k = ep_utf8_repair(in, n, out, &c);
    out[k] = 0;
    assert_int_equal(k, strlen(want));
    assert_memory_equal(out, want, k);
    assert_int_equal(c.invalid, inv);
    assert_int_equal(c.crlf, crlf);
    assert_int_equal(c.nul, nul);
}

#define FFFD "\xEF\xBF\xBD"

static void valid_text_is_unchanged(void **state)
{
    (void)state;
    const char *s = "plain ascii, caf\xC3\xA9, \xE4\xB8\xAD\xE6\x96\x87, \xF0\x9F\x98\x80 emoji";
    check_repair(s, strlen(s), s, 0, 0, 0);
}

static void invalid_sequences_become_one_replacement_each(void **state)
{
    (void)state;
    check_repair("a\xFF" "b", 3, "a" FFFD "b", 1, 0, 0);
    /* truncated 3-byte sequence: its maximal subpart (2 bytes) is one U+FFFD */
    check_repair("a\xE4\xB8" "b", 4, "a" FFFD "b", 1, 0, 0);
    /* overlong encoding of '/': C0 is never valid, 2 replacements */
    check_repair("\xC0\xAF", 2, FFFD FFFD, 2, 0, 0);
    /* surrogate D800 encoded: ED A0 80 -> ED is a maximal subpart alone, then 2 lone continuations */
    check_repair("\xED\xA0\x80", 3, FFFD FFFD FFFD, 3, 0, 0);
    /* cut at end */
    check_repair("x\xF0\x9F\x98", 4, "x" FFFD, 1, 0, 0);
}

static void crlf_and_nul_are_repaired_and_counted(void **state)
{
    (void)state;
    check_repair("a\r\nb\rc\0d", 8, "a\nb\rcd", 0, 1, 1);
}

static void floor_cuts_on_code_point_boundary(void **state)
{
    (void)state;
    const char *s = "ab\xE4\xB8\xAD";
    assert_int_equal(ep_utf8_floor(s, 5), 5);
    assert_int_equal(ep_utf8_floor(s, 4), 2);
    assert_int_equal(ep_utf8_floor(s, 3), 2);
    assert_int_equal(ep_utf8_floor(s, 2), 2);
    assert_int_equal(ep_utf8_count(s, 5), 3);
}

/* The capped repair writes the longest whole-code-point prefix that fits (= ep_utf8_floor of the
 * full repair), measures the full length, and counts the whole input, for every cap. */
static void capped_repair_is_a_floored_prefix_of_the_full_repair(void **state)
{
    (void)state;
    static const char in[] = "ab\xC3\xA9\xFF\r\nc\x00d\xE2\x82\xAC\xF0\x9F\x98\x80\xE2\x82z\r";
    size_t n = sizeof in - 1;
    char full[128], out[128];
    ep_repair_counts c0 = {0, 0, 0};
    size_t full_len = ep_utf8_repair(in, n, full, &c0);
    for (size_t cap = 0; cap <= full_len + 2; cap++) {
        ep_repair_counts c = {0, 0, 0};
        size_t written = 99;
        memset(out, '#', sizeof out);
        assert_int_equal(ep_utf8_repair_capped(in, n, out, cap, &c, &written), full_len);
        size_t want = ep_utf8_floor(full, cap < full_len ? cap : full_len);
        if (written != want) fail_msg("cap %zu: wrote %zu, want %zu", cap, written, want);
        assert_memory_equal(out, full, written);
        assert_int_equal(out[written], '#'); /* nothing past the prefix */
        assert_int_equal(c.invalid, c0.invalid);
        assert_int_equal(c.crlf, c0.crlf);
        assert_int_equal(c.nul, c0.nul);
    }
    ep_repair_counts c = {0, 0, 0};
    size_t written = 99;
    assert_int_equal(ep_utf8_repair_capped(in, n, NULL, 0, &c, &written), full_len); /* measure only */
    assert_int_equal(written, 0);
    assert_int_equal(c.invalid, c0.invalid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_text_is_unchanged),
        cmocka_unit_test(invalid_sequences_become_one_replacement_each),
        cmocka_unit_test(crlf_and_nul_are_repaired_and_counted),
        cmocka_unit_test(floor_cuts_on_code_point_boundary),
        cmocka_unit_test(capped_repair_is_a_floored_prefix_of_the_full_repair),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
