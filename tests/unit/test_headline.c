/* The headline rule (src/scan/headline.c, docs/estimators.md §5) on hand-made estimate sets:
 * which estimate wins in each regime, and the invariants every profile must satisfy. */
#include "ep_test.h"

#include <string.h>

#include "entroprof/check.h"
#include "entroprof/json.h"
#include "entroprof/probe.h"
#include "entroprof/scan.h"

#define BPT 4.0 /* bytes per token of the made-up shard */

static ep_jv *shard_new(void)
{
    ep_jv *o = ep_jv_obj();
    ep_jv_set(o, "bytes_per_token", ep_jv_num(BPT));
    ep_jv_set(o, "estimates", ep_jv_obj());
    return o;
}

static ep_jv *est(ep_jv *o, const char *key, double bpt, const char *kind)
{
    ep_jv *e = ep_jv_set(ep_jv_child(o, "estimates"), key, ep_jv_obj());
    ep_jv_set(e, "value", ep_jv_num(bpt));
    ep_jv_set(e, "unit", ep_jv_str("bits_per_token"));
    ep_jv_set(e, "kind", ep_jv_str(kind));
    ep_jv_set(e, "bits_per_byte", ep_jv_num(bpt / BPT));
    ep_jv_set(e, "sample_tokens", ep_jv_int(1000000));
    return e;
}

/* Ladder h_0.. with the given values and distinct/N of their (n+1)-grams. */
static void ladder(ep_jv *o, int K, const double *h, const double *d)
{
    for (int n = 0; n < K; n++) {
        char k[40];
        snprintf(k, sizeof k, "ngram_grassberger_h%d", n);
        ep_jv *e = est(o, k, h[n], "point");
        ep_jv_set(e, "distinct_over_n", ep_jv_num(d[n]));
    }
}

static ep_jv *mkn(ep_jv *o, double v, int ka, int kb, int64_t heldout, double se)
{
    ep_jv *e = est(o, "heldout_mkn", v, "upper_bound");
    ep_jv *oc = ep_jv_set(e, "orders_crossfit", ep_jv_arr());
    ep_jv_push(oc, ep_jv_int(ka));
    ep_jv_push(oc, ep_jv_int(kb));
    ep_jv_set(e, "heldout_tokens", ep_jv_int(heldout));
    ep_jv_set(e, "stderr", ep_jv_num(se));
    ep_jv_set(e, "stderr_bits_per_byte", ep_jv_num(se / BPT));
    return e;
}

static void zstd(ep_jv *o, const char *key, double bpb)
{
    ep_jv *e = ep_jv_set(ep_jv_child(o, "estimates"), key, ep_jv_obj());
    ep_jv_set(e, "value", ep_jv_num(bpb));
    ep_jv_set(e, "unit", ep_jv_str("bits_per_byte"));
    ep_jv_set(e, "kind", ep_jv_str("upper_bound"));
}

static double hnum(const ep_jv *o, const char *key) { return ep_jv_as_num(ep_jv_path(o, key), NAN); }
static const char *hstr(const ep_jv *o, const char *key) { return ep_jv_as_str(ep_jv_path(o, key)); }

/* The scan's order: estimates made publishable (no negative or non-finite value), then the rule. */
static void choose(ep_jv *o)
{
    ep_estimates_clamp(o);
    ep_profile_choose_headline(o);
}

/* The invariants of docs/estimators.md §5, by the library's own checker (`entroprof check`) on a
 * one-shard profile, plus what it does not test: the headline per token against the bounds that
 * are per byte (converted), and that `undersampled` is always said. */
static void assert_consistent(const ep_jv *o)
{
    ep_jv *p = ep_jv_obj(), *cfg = ep_jv_set(p, "config", ep_jv_obj());
    for (const char *const *k = ep_profile_config_keys(); *k; k++) ep_jv_set(cfg, *k, ep_jv_int(0));
    ep_jv *sh = ep_jv_push(ep_jv_set(p, "shards", ep_jv_arr()), ep_jv_clone(o));
    ep_jv_set(sh, "path", ep_jv_str("made-up"));
    ep_jv *viol = NULL;
    assert_int_equal(ep_profile_check(p, &viol, NULL), EP_OK);
    for (size_t i = 0; i < ep_jv_len(viol); i++)
        print_error("%s\n", ep_jv_as_str(ep_jv_get(ep_jv_at(viol, i), "message")));
    assert_int_equal(ep_jv_len(viol), 0);
    ep_jv_free(viol);
    ep_jv_free(p);
    double ht = hnum(o, "entropy.bits_per_token");
    const ep_jv *ests = ep_jv_get(o, "estimates");
    for (size_t i = 0; i < ep_jv_len(ests); i++) {
        const ep_jv *e = ep_jv_at(ests, i);
        if (strcmp(ep_jv_as_str(ep_jv_get(e, "kind")), "upper_bound") ||
            !strcmp(ep_jv_as_str(ep_jv_get(e, "unit")), "bits_per_token"))
            continue;
        assert_true(ht <= ep_jv_as_num(ep_jv_get(e, "value"), NAN) * BPT * (1 + 1e-12));
    }
    assert_non_null(ep_jv_path(o, "entropy.undersampled"));
}

static void well_sampled_ladder_at_the_order_mkn_selects(void **state)
{
    (void)state;
    ep_jv *o = shard_new();
    double h[] = {4.0, 3.5, 3.04, 3.03, 2.9}, d[] = {0.001, 0.01, 0.05, 0.2, 0.4};
    ladder(o, 5, h, d);
    mkn(o, 3.06, 3, 3, 100000, 0.002);
    choose(o);
    assert_string_equal(hstr(o, "entropy.method"), "ngram_grassberger_h2");
    assert_string_equal(hstr(o, "entropy.kind"), "point");
    assert_near(hnum(o, "entropy.bits_per_token"), 3.04, 1e-12);
    assert_int_equal(ep_jv_as_int(ep_jv_path(o, "entropy.order"), -1), 2);
    assert_false(ep_jv_as_bool(ep_jv_path(o, "entropy.undersampled"), 1));
    assert_string_equal(hstr(o, "entropy.lower_method"), "ngram_grassberger_h2");
    assert_string_equal(hstr(o, "entropy.upper_method"), "heldout_mkn");
    assert_near(hnum(o, "entropy.upper_bits_per_token"), 3.06 + 2 * 0.002, 1e-12);
    assert_consistent(o);
    ep_jv_free(o);
}

/* distinct/N 0.3 at the selected order: past the first version's 0.1, within the Grassberger
 * limit, so the ladder gives the headline instead of MKN (the first version took MKN). */
static void ladder_past_the_old_limit_still_gives_the_headline(void **state)
{
    (void)state;
    ep_jv *o = shard_new();
    double h[] = {4.0, 3.9, 3.0, 2.0}, d[] = {0.001, 0.03, 0.3, 0.45};
    ladder(o, 4, h, d);
    mkn(o, 3.4, 3, 3, 100000, 0.01);
    choose(o);
    assert_string_equal(hstr(o, "entropy.method"), "ngram_grassberger_h2");
    assert_false(ep_jv_as_bool(ep_jv_path(o, "entropy.undersampled"), 1));
    assert_consistent(o);
    ep_jv_free(o);
}

/* The order MKN selects is past the ladder's limit: MKN is the headline, the shard is flagged
 * undersampled, and the lower side is the smallest ladder value (far below: a wide bracket). */
static void selected_order_out_of_reach_is_undersampled(void **state)
{
    (void)state;
    ep_jv *o = shard_new();
    double h[] = {6.0, 5.9, 4.0, 1.2, 0.3}, d[] = {0.01, 0.2, 0.6, 0.9, 0.99};
    ladder(o, 5, h, d);
    mkn(o, 5.0, 3, 3, 200000, 0.01);
    choose(o);
    assert_string_equal(hstr(o, "entropy.method"), "heldout_mkn");
    assert_string_equal(hstr(o, "entropy.kind"), "upper_bound");
    assert_true(ep_jv_as_bool(ep_jv_path(o, "entropy.undersampled"), 0));
    assert_string_equal(hstr(o, "entropy.lower_method"), "ngram_grassberger_h4");
    assert_near(hnum(o, "entropy.lower_bits_per_token"), 0.3, 1e-12);
    assert_consistent(o);
    ep_jv_free(o);
}

/* Coincidences: an i.i.d.-looking sample (MKN selects no context) whose 4-grams coincide 3x as
 * often as the unigram collision rate predicts has a memory it cannot resolve: flagged, headline
 * unchanged, wide bracket. Without the excess, not flagged. */
static void excess_coincidences_flag_an_unresolved_memory(void **state)
{
    (void)state;
    for (int excess = 0; excess < 2; excess++) {
        ep_jv *o = shard_new();
        double h[] = {6.0, 6.0, 5.99, 5.9, 3.0}, d[] = {0.0001, 0.004, 0.2, 0.45, 0.49};
        ladder(o, 5, h, d);
        double N = 1e6, c = 1.0 / 64;
        for (int n = 0; n < 5; n++) {
            char k[40];
            snprintf(k, sizeof k, "ngram_grassberger_h%d", n);
            double coll = pow(c, n + 1) * (excess && n >= 3 ? 3.0 : 1.0);
            ep_jv *e = (ep_jv *)ep_jv_get(ep_jv_child(o, "estimates"), k); /* ours to change */
            ep_jv_set(e, "coincident_pairs", ep_jv_num(coll * N * (N - 1) / 2));
        }
        mkn(o, 6.01, 1, 1, 100000, 0.005);
        choose(o);
        assert_string_equal(hstr(o, "entropy.method"), "ngram_grassberger_h0");
        assert_int_equal(ep_jv_as_bool(ep_jv_path(o, "entropy.undersampled"), -1), excess);
        assert_int_equal(ep_jv_as_bool(ep_jv_path(o, "entropy.longer_memory_unresolved"), 0), excess);
        if (excess) assert_near(hnum(o, "entropy.lower_bits_per_token"), 3.0, 1e-12);
        assert_consistent(o);
        ep_jv_free(o);
    }
}

/* Junk-like shard: MKN and the ladder above what zstd already achieves. The headline is the zstd
 * bound, per byte and (converted) per token, and says what it was clamped from. */
static void headline_never_above_the_smallest_upper_bound(void **state)
{
    (void)state;
    ep_jv *o = shard_new();
    double h[] = {6.3, 6.25}, d[] = {0.01, 0.05};
    ladder(o, 2, h, d);
    mkn(o, 6.22 * BPT, 2, 2, 100000, 0.001);
    zstd(o, "zstd_3", 6.02 / BPT);
    choose(o);
    assert_string_equal(hstr(o, "entropy.method"), "zstd_3");
    assert_string_equal(hstr(o, "entropy.kind"), "upper_bound");
    assert_near(hnum(o, "entropy.bits_per_byte"), 6.02 / BPT, 1e-12);
    assert_near(hnum(o, "entropy.bits_per_token"), 6.02, 1e-12);
    assert_string_equal(hstr(o, "entropy.clamped_from"), "ngram_grassberger_h1");
    assert_string_equal(hstr(o, "entropy.upper_method"), "zstd_3");
    assert_near(hnum(o, "entropy.upper_bits_per_token"), 6.02, 1e-12);
    assert_consistent(o);
    ep_jv_free(o);
}

/* Few held-out tokens: MKN does not give the headline even when lower (its value scatters). */
static void mkn_needs_enough_heldout_tokens(void **state)
{
    (void)state;
    ep_jv *o = shard_new();
    double h[] = {4.0, 3.0, 2.9}, d[] = {0.001, 0.05, 0.2};
    ladder(o, 3, h, d);
    mkn(o, 2.5, 2, 2, EP_HEADLINE_MKN_MIN_HELDOUT - 1, 0.05);
    choose(o);
    /* the ladder value is above the MKN upper bound: clamped to it (kind upper_bound) */
    assert_string_equal(hstr(o, "entropy.method"), "heldout_mkn");
    assert_string_equal(hstr(o, "entropy.clamped_from"), "ngram_grassberger_h1");
    ep_jv_free(o);
    o = shard_new();
    double h2[] = {4.0, 3.0, 2.9}, d2[] = {0.001, 0.5, 0.8};
    ladder(o, 3, h2, d2);
    mkn(o, 4.5, 2, 2, EP_HEADLINE_MKN_MIN_HELDOUT - 1, 0.05);
    choose(o);
    /* order 1 out of reach and MKN not allowed: the ladder at order 0, flagged */
    assert_string_equal(hstr(o, "entropy.method"), "ngram_grassberger_h0");
    assert_true(ep_jv_as_bool(ep_jv_path(o, "entropy.undersampled"), 0));
    ep_jv_free(o);
}

/* Random estimate sets: the invariants hold whatever the numbers (negative ladder values
 * included: the lower side is never below 0). */
static void invariants_hold_on_random_estimate_sets(void **state)
{
    (void)state;
    uint64_t x = 12345;
    for (int it = 0; it < 2000; it++) {
        double r[16];
        for (int i = 0; i < 16; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            r[i] = (double)(x >> 11) / 9007199254740992.0;
        }
        ep_jv *o = shard_new();
        int K = 1 + (int)(r[0] * 6);
        double h[8], d[8], acc = 0;
        for (int n = 0; n < K; n++) {
            h[n] = 8 * r[1 + n] - 0.5;
            acc += r[8 + n] * 0.5;
            d[n] = acc > 1 ? 1 : acc;
        }
        ladder(o, K, h, d);
        if (r[14] < 0.8) mkn(o, 8 * r[7], 1 + (int)(r[15] * K), 1 + (int)(r[13] * K), (int64_t)(r[12] * 1e5), 0.05 * r[11]);
        if (r[10] < 0.7) zstd(o, "zstd_3", 2.5 * r[9]);
        choose(o);
        assert_consistent(o);
        ep_jv_free(o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(well_sampled_ladder_at_the_order_mkn_selects),
        cmocka_unit_test(ladder_past_the_old_limit_still_gives_the_headline),
        cmocka_unit_test(selected_order_out_of_reach_is_undersampled),
        cmocka_unit_test(excess_coincidences_flag_an_unresolved_memory),
        cmocka_unit_test(headline_never_above_the_smallest_upper_bound),
        cmocka_unit_test(mkn_needs_enough_heldout_tokens),
        cmocka_unit_test(invariants_hold_on_random_estimate_sets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
