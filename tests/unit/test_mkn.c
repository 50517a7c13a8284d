/* heldout_mkn: held-out interpolated modified Kneser-Ney against KenLM and against known rates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_test.h"
#include "entroprof/heldout.h"
#include "entroprof/scan.h"
#include "probe/probes_internal.h"
#include "probe_harness.h"

static ep_probe_env env_for(ep_scan_config *cfg, int K, uint64_t mem)
{
    ep_scan_config_default(cfg);
    cfg->ngram_order = K;
    cfg->heldout_fraction = 0.1;
    ep_probe_env env = {cfg, NULL, mem, 0, 1};
    return env;
}

/* The corpus of `ep_synth --kind words --order 2 --vocab 300 --support 8 --symbols 40000
 * --doc-symbols 20 --seed 3`, one document per line as tools/ep_mkn reads it. KenLM (kpu/kenlm
 * master, lmplz -o 5 --discount_fallback on the train split written by
 * `ep_mkn --in tiny.txt --train-out train --test-out test`, then `query` on the test split) reports
 * "Perplexity including OOVs: 7.924694781561953" (OOVs 2, Tokens 4536). KenLM stores probabilities
 * as float, hence the 1e-6 relative tolerance. */
static void reproduces_kenlm_perplexity(void **state)
{
    (void)state;
    ep_synth_config sc;
    ep_synth_config_default(&sc);
    sc.kind = EP_SYNTH_WORDS;
    sc.order = 2;
    sc.vocab = 300;
    sc.support = 8;
    sc.seed = 3;
    ep_synth *s = NULL;
    assert_int_equal(ep_synth_create(&s, &sc, NULL), EP_OK);
    ep_synth_stream st;
    ep_synth_stream_init(s, &st, 3 * 7919 + 1);
    ep_scan_config cfg;
    ep_probe_env env = env_for(&cfg, 5, 256ull << 20);
    void *ps = ep_probe_heldout_mkn.create(&env);
    char text[20 * 9];
    ep_token ids[20];
    for (int d = 0; d < 2000; d++) {
        size_t len = 0;
        for (int i = 0; i < 20; i++) {
            char w[64] = {0};
            size_t n = ep_synth_spell(s, ep_synth_next(s, &st), w);
            if (i) text[len++] = ' ';
            memcpy(text + len, w, n);
            len += n;
            ids[i] = XXH3_64bits(w, n);
        }
        XXH128_hash_t h = XXH3_128bits(text, len);
        ep_doc doc = {0};
        doc.text = text;
        doc.len = len;
        doc.hash_lo = h.low64;
        doc.hash_hi = h.high64;
        ep_probe_heldout_mkn.observe(ps, &doc, ids, 20);
    }
    ep_jv *out = ep_jv_obj();
    assert_int_equal(ep_probe_heldout_mkn.finish(ps, NULL, out, &env), EP_OK);
    double ppl = harness_est(out, "heldout_mkn", "perplexity");
    print_message("perplexity %.12g (KenLM 7.924694781561953)\n", ppl);
    assert_near(ppl, 7.924694781561953, 7.924694781561953 * 1e-6);
    assert_near(harness_est(out, "heldout_mkn", "sample_tokens"), 4536, 0);
    assert_near(harness_est(out, "heldout_mkn", "oov_tokens"), 2, 0);
    assert_near(harness_est(out, "heldout_mkn", "train_sampling_p"), 1, 0);
    const char *kind = ep_jv_as_str(ep_jv_get(ep_jv_path(out, "estimates.heldout_mkn"), "kind"));
    assert_string_equal(kind, "upper_bound");
    ep_jv_free(out);
    ep_probe_heldout_mkn.free(ps);
    ep_synth_free(s);
}

/* At 10^6 symbols (documents of 1000): the held-out cross-entropy is above the true rate minus
 * 0.01 bits (sampling noise of the 10% held-out part) and at most rel_tol above it: 2% on the
 * byte chains (24^2 and 10^3 contexts), 7% on the word chain (48k bigram types seen ~19 times
 * each: KN smoothing pays for the unseen mass). It includes one </s> per 1000 tokens and the cold
 * start of each document. */
static void check_upper(const ep_synth_config *sc, int K, double rel_tol)
{
    harness_corpus c = harness_make(sc, 1000, 1000, 17);
    ep_scan_config cfg;
    ep_probe_env env = env_for(&cfg, K, 512ull << 20);
    ep_jv *out = harness_run(&ep_probe_heldout_mkn, &env, &c, 1);
    assert_non_null(out);
    double v = harness_est(out, "heldout_mkn", "value");
    print_message("order %d source: rate %.4f, heldout_mkn(K=%d) %.4f (%+.2f%%)\n", sc->order, c.rate, K, v,
                  100 * (v - c.rate) / c.rate);
    assert_true(v >= c.rate - 0.01);
    assert_true(v <= c.rate * (1 + rel_tol));
    ep_jv_free(out);
    harness_free(&c);
}

static void upper_bound_on_markov_sources(void **state)
{
    (void)state;
    ep_synth_config sc;
    ep_synth_config_default(&sc);
    sc.order = 1;
    sc.alphabet = 24;
    check_upper(&sc, 3, 0.02);
    sc.order = 2;
    sc.alphabet = 10;
    check_upper(&sc, 3, 0.02);
    sc.kind = EP_SYNTH_WORDS;
    sc.order = 1;
    sc.vocab = 2000;
    sc.support = 24;
    check_upper(&sc, 3, 0.07);
}

/* 1, 2 and 3 states give the same output byte for byte; also when the pools are sampled. */
static void merge_is_exact_and_sampling_is_consistent(void **state)
{
    (void)state;
    ep_synth_config sc;
    ep_synth_config_default(&sc);
    sc.order = 1;
    sc.alphabet = 16;
    harness_corpus c = harness_make(&sc, 400, 300, 8);
    const uint64_t budgets[2] = {64ull << 20, 1ull << 20};
    for (int b = 0; b < 2; b++) {
        ep_scan_config cfg;
        ep_probe_env env = env_for(&cfg, 4, budgets[b]);
        ep_jv *one = harness_run(&ep_probe_heldout_mkn, &env, &c, 1);
        ep_jv *two = harness_run(&ep_probe_heldout_mkn, &env, &c, 2);
        ep_jv *three = harness_run(&ep_probe_heldout_mkn, &env, &c, 3);
        char *s1 = harness_dump(one), *s2 = harness_dump(two), *s3 = harness_dump(three);
        assert_string_equal(s1, s2);
        assert_string_equal(s1, s3);
        double p = harness_est(one, "heldout_mkn", "train_sampling_p");
        double v = harness_est(one, "heldout_mkn", "value");
        print_message("budget %llu: train p %g, value %.4f, rate %.4f\n", (unsigned long long)budgets[b], p, v,
                      c.rate);
        if (b == 0) assert_true(p == 1.0);
        else assert_true(p < 1.0);
        assert_true(v >= c.rate - 0.02);
        free(s1); free(s2); free(s3);
        ep_jv_free(one); ep_jv_free(two); ep_jv_free(three);
    }
    harness_free(&c);
}

static void split_fraction_is_respected(void **state)
{
    (void)state;
    int held = 0;
    for (uint64_t i = 0; i < 100000; i++) held += ep_heldout_is_test(i * 0x9E3779B97F4A7C15ull, 0, 0.1);
    assert_true(held > 9500 && held < 10500);
    assert_int_equal(ep_heldout_is_test(12345, 7, 0.0), 0);
    assert_int_equal(ep_heldout_is_test(12345, 7, 1.0), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reproduces_kenlm_perplexity),
        cmocka_unit_test(upper_bound_on_markov_sources),
        cmocka_unit_test(merge_is_exact_and_sampling_is_consistent),
        cmocka_unit_test(split_fraction_is_respected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
