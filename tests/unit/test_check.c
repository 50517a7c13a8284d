/* check: the profile checker on a hand-made profile that holds every invariant, and on copies of
 * it that violate exactly one invariant each (each must be reported once, with its name). */
#include <string.h>

#include "ep_test.h"
#include "entroprof/check.h"

/* 1000 tokens over 4000 bytes (4 bytes/token). Headline 2.0 bits/token = 0.5 bits/byte; lower side
 * 1.8 bits/token; upper bounds heldout_mkn 2.4 bits/token (0.6/byte) and zstd_3 0.7 bits/byte. */
static const char *GOOD =
    "{\"schema\":\"entroprof.profile/1\",\"config\":{\"tokenizer\":\"word\",\"format\":\"auto\",\"split\":\"paragraph\","
    "\"field\":\"text\",\"max_doc_bytes\":67108864,\"zstd_level\":3,\"zstd_strong_level\":19,\"zstd_strong_fraction\":0.03125,"
    "\"zstd_long\":0,\"ngram_order\":5,\"ngram_sample_tokens\":4194304,\"heldout_fraction\":0.1,\"seed\":0,"
    "\"dedup_estimators\":false,\"probes\":[\"counts\"],\"mem\":1073741824,\"lm\":false,\"lm_tokens\":65536},"
    "\"shards\":[{\"path\":\"a.txt\",\"status\":\"ok\",\"tokens\":1000,\"bytes\":4000,"
    "\"estimates\":{"
    "\"ngram_grassberger_h1\":{\"value\":1.8,\"unit\":\"bits_per_token\",\"kind\":\"point\",\"bits_per_byte\":0.45},"
    "\"heldout_mkn\":{\"value\":2.4,\"unit\":\"bits_per_token\",\"kind\":\"upper_bound\",\"bits_per_byte\":0.6},"
    "\"zstd_3\":{\"value\":0.7,\"unit\":\"bits_per_byte\",\"kind\":\"upper_bound\",\"bits_per_byte\":0.7}},"
    "\"entropy\":{\"bits_per_token\":2.0,\"bits_per_byte\":0.5,\"method\":\"x\",\"lower_bits_per_token\":1.8,"
    "\"lower_bits_per_byte\":0.45,\"lower_method\":\"ngram_grassberger_h1\",\"upper_bits_per_token\":2.4,"
    "\"upper_bits_per_byte\":0.6,\"upper_method\":\"heldout_mkn\"}}],"
    "\"corpus\":{\"tokens\":1000,\"bytes\":4000,\"estimates\":{},\"entropy\":{\"bits_per_token\":2.0,\"bits_per_byte\":0.5}}}";

static ep_jv *load(const char *text)
{
    ep_error err;
    ep_jv *p = ep_jv_parse(text, strlen(text), &err);
    assert_non_null(p);
    return p;
}

/* Runs the checker and asserts exactly `expect` violations, all of invariant `name`, the first at `where`. */
static void expect_violations(const ep_jv *p, size_t expect, const char *name, const char *where)
{
    ep_jv *v = NULL;
    ep_error err;
    assert_int_equal(ep_profile_check(p, &v, &err), EP_OK);
    if (ep_jv_len(v) != expect) {
        ep_jv_write(v, stderr, 2);
        fail_msg("%zu violations, expected %zu", ep_jv_len(v), expect);
    }
    for (size_t i = 0; i < ep_jv_len(v); i++) {
        assert_string_equal(ep_jv_as_str(ep_jv_get(ep_jv_at(v, i), "invariant")), name);
        assert_non_null(ep_jv_as_str(ep_jv_get(ep_jv_at(v, i), "message")));
    }
    if (expect) assert_string_equal(ep_jv_as_str(ep_jv_get(ep_jv_at(v, 0), "where")), where);
    ep_jv_free(v);
}

static void check_accepts_a_consistent_profile(void **state)
{
    (void)state;
    ep_jv *p = load(GOOD);
    expect_violations(p, 0, "", "");
    ep_jv_free(p);
}

static void check_reports_a_negative_estimate(void **state)
{
    (void)state;
    ep_jv *p = load(GOOD);
    ep_jv *e = (ep_jv *)ep_jv_at(ep_jv_get(p, "shards"), 0);
    ep_jv_set((ep_jv *)ep_jv_path(e, "estimates.ngram_grassberger_h1"), "value", ep_jv_num(-6e-5));
    expect_violations(p, 1, "finite_nonnegative", "shard a.txt");
    ep_jv_free(p);
}

static void check_reports_a_non_finite_estimate(void **state)
{
    (void)state;
    ep_jv *p = load(GOOD);
    ep_jv_set((ep_jv *)ep_jv_path(p, "corpus.estimates"), "zstd_3", load("{\"value\":null,\"unit\":\"bits_per_byte\",\"kind\":\"upper_bound\"}"));
    expect_violations(p, 1, "finite_nonnegative", "corpus");
    ep_jv_free(p);
}

/* The headline above zstd_3 per byte only (the bracket's upper side stays heldout_mkn). */
static void check_reports_headline_above_an_upper_bound_per_byte(void **state)
{
    (void)state;
    ep_jv *p = load(GOOD);
    ep_jv *e = (ep_jv *)ep_jv_at(ep_jv_get(p, "shards"), 0);
    ep_jv_set((ep_jv *)ep_jv_path(e, "estimates.zstd_3"), "value", ep_jv_num(0.49));
    ep_jv_set((ep_jv *)ep_jv_path(e, "estimates.zstd_3"), "bits_per_byte", ep_jv_num(0.49));
    expect_violations(p, 1, "headline_le_upper_bound", "shard a.txt");
    ep_jv_free(p);
}

/* heldout_mkn 1.9 bits/token is below the headline 2.0 per token, while its per-byte value (counted
 * on the held-out bytes) stays above: only the per-token comparison catches it. */
static void check_reports_headline_above_an_upper_bound_per_token(void **state)
{
    (void)state;
    ep_jv *p = load(GOOD);
    ep_jv *e = (ep_jv *)ep_jv_at(ep_jv_get(p, "shards"), 0);
    ep_jv_set((ep_jv *)ep_jv_path(e, "estimates.heldout_mkn"), "value", ep_jv_num(1.9));
    expect_violations(p, 1, "headline_le_upper_bound", "shard a.txt");
    ep_jv_free(p);
}

static void check_reports_an_inverted_bracket(void **state)
{
    (void)state;
    ep_jv *p = load(GOOD);
    ep_jv *h = (ep_jv *)ep_jv_path(ep_jv_at(ep_jv_get(p, "shards"), 0), "entropy");
    ep_jv_set(h, "lower_bits_per_byte", ep_jv_num(0.55)); /* above the headline 0.5, below the upper 0.6 */
    expect_violations(p, 1, "bracket_order", "shard a.txt");
    ep_jv_free(p);
}

/* Rounding is not a violation: the headline equal to an upper bound up to 1e-12 relative. */
static void check_tolerates_rounding(void **state)
{
    (void)state;
    ep_jv *p = load(GOOD);
    ep_jv *h = (ep_jv *)ep_jv_path(ep_jv_at(ep_jv_get(p, "shards"), 0), "entropy");
    ep_jv_set(h, "bits_per_byte", ep_jv_num(0.6 * (1 + 1e-12)));
    expect_violations(p, 0, "", "");
    ep_jv_free(p);
}

static void check_reports_a_missing_upper_per_token(void **state)
{
    (void)state;
    ep_jv *p = load(GOOD);
    ep_jv *h = (ep_jv *)ep_jv_path(ep_jv_at(ep_jv_get(p, "shards"), 0), "entropy");
    ep_jv_del(h, "upper_bits_per_token");
    expect_violations(p, 1, "upper_per_token_present", "shard a.txt");
    ep_jv_free(p);
}

static void check_reports_each_missing_config_key(void **state)
{
    (void)state;
    ep_jv *p = load(GOOD);
    ep_jv *c = (ep_jv *)ep_jv_get(p, "config");
    ep_jv_del(c, "mem");
    expect_violations(p, 1, "config_complete", "config");
    ep_jv_del(c, "lm_tokens");
    expect_violations(p, 2, "config_complete", "config");
    ep_jv_free(p);
}

static void check_refuses_a_non_profile(void **state)
{
    (void)state;
    ep_jv *p = load("{\"schema\":\"x\"}"), *v = (ep_jv *)1;
    ep_error err;
    assert_int_equal(ep_profile_check(p, &v, &err), EP_ERR_FORMAT);
    assert_null(v);
    ep_jv_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_accepts_a_consistent_profile),
        cmocka_unit_test(check_reports_a_negative_estimate),
        cmocka_unit_test(check_reports_a_non_finite_estimate),
        cmocka_unit_test(check_reports_headline_above_an_upper_bound_per_byte),
        cmocka_unit_test(check_reports_headline_above_an_upper_bound_per_token),
        cmocka_unit_test(check_reports_an_inverted_bracket),
        cmocka_unit_test(check_tolerates_rounding),
        cmocka_unit_test(check_reports_a_missing_upper_per_token),
        cmocka_unit_test(check_reports_each_missing_config_key),
        cmocka_unit_test(check_refuses_a_non_profile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
