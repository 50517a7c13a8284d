/* heldout_mkn: held-out interpolated modified Kneser-Ney against KenLM and against known rates. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_test.h"
#include "entroprof/heldout.h"
#include "entroprof/scan.h"
#include "probe/mkn_model.h"
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
    void *ps = hp_create(&ep_probe_heldout_mkn, &env);
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
        hp_observe(&ep_probe_heldout_mkn, ps, &doc, ids, 20);
    }
    ep_jv *out = ep_jv_obj();
    assert_int_equal(hp_finish(&ep_probe_heldout_mkn, ps, NULL, out, &env), EP_OK);
    /* the order-5 value (by_order[4]); "perplexity" is that of the cross-fitted order */
    double ppl = exp2(ep_jv_as_num(ep_jv_at(ep_jv_get(ep_jv_path(out, "estimates.heldout_mkn"), "by_order"), 4), -1));
    print_message("order-5 perplexity %.12g (KenLM 7.924694781561953); cross-fitted %.12g\n", ppl,
                  harness_est(out, "heldout_mkn", "perplexity"));
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


/* One order-K build scores every order k as a model built as order k on the same documents
 * (raw counts, raw discounts and raw context sums at its top order): equal to 1e-9 relative, on
 * bytes (an order-2 chain over 10 symbols) and on words (64-bit hashed ids of an order-1 chain
 * over 300 words), with documents of 1..200 tokens; the order-K sum equals ep_mkn_doc_bits. */
static void every_order_from_one_build(void **state)
{
    (void)state;
    for (int kind = 0; kind < 2; kind++) {
        ep_synth_config sc;
        ep_synth_config_default(&sc);
        if (kind == 0) {
            sc.order = 2;
            sc.alphabet = 10;
        } else {
            sc.kind = EP_SYNTH_WORDS;
            sc.order = 1;
            sc.vocab = 300;
            sc.support = 8;
        }
        harness_corpus c = harness_make(&sc, 400, 200, 11);
        ep_mkn_pool train, test;
        ep_mkn_pool_init(&train, 1ull << 30);
        ep_mkn_pool_init(&test, 1ull << 30);
        for (size_t d = 0; d < c.n_docs; d++) {
            ep_token *ids = c.ids + d * c.doc_len;
            size_t len = 1 + (d * 37) % c.doc_len;
            if (kind == 1)
                for (size_t i = 0; i < len; i++) ids[i] = XXH3_64bits(&ids[i], sizeof ids[i]);
            ep_mkn_doc doc = {.h = d, .lo = c.docs[d].hash_lo, .hi = c.docs[d].hash_hi, .bytes = len,
                              .len = (uint32_t)len};
            assert_int_equal(ep_mkn_pool_add(d % 8 == 0 ? &test : &train, &doc, ids), EP_OK);
        }
        const int K = 6;
        ep_mkn_model big;
        assert_int_equal(ep_mkn_build(&big, &train, K, 5, 1ull << 30, 0, 2), EP_OK);
        double by[EP_NGRAM_MAX_ORDER] = {0}, bitsK = 0, b[EP_NGRAM_MAX_ORDER];
        uint64_t oov_big = 0, oov_k = 0;
        for (size_t d = 0; d < test.ndocs; d++) {
            const ep_token *ids = test.tok + test.docs[d].off;
            ep_mkn_doc_bits_orders(&big, ids, test.docs[d].len, &oov_big, b);
            for (int k = 0; k < K; k++) by[k] += b[k];
            bitsK += ep_mkn_doc_bits(&big, ids, test.docs[d].len, &oov_k);
        }
        assert_true(bitsK == by[K - 1]);
        for (int k = 1; k <= K; k++) {
            ep_mkn_model small;
            assert_int_equal(ep_mkn_build(&small, &train, k, 5, 1ull << 30, 0, 1), EP_OK);
            double bits = 0;
            uint64_t oov = 0;
            for (size_t d = 0; d < test.ndocs; d++)
                bits += ep_mkn_doc_bits(&small, test.tok + test.docs[d].off, test.docs[d].len, &oov);
            print_message("%s order %d: separate %.12f, from order %d %.12f\n", kind ? "words" : "bytes", k, bits, K,
                          by[k - 1]);
            assert_true(fabs(bits - by[k - 1]) <= 1e-9 * bits);
            assert_true(oov * (uint64_t)(K + 1) == oov_big); /* oov_big summed over K+1 calls */
            ep_mkn_free(&small);
        }
        ep_mkn_free(&big);
        ep_mkn_pool_free(&train);
        ep_mkn_pool_free(&test);
        harness_free(&c);
    }
}

/* Order-2 byte chain, K = 8: the cross-fitted order is low (2 or 3), the selected value is
 * within 0.5% of the best order's value and below the order-8 value; the keys are present. */
static void crossfit_selects_a_short_order(void **state)
{
    (void)state;
    ep_synth_config sc;
    ep_synth_config_default(&sc);
    sc.order = 2;
    sc.alphabet = 10;
    harness_corpus c = harness_make(&sc, 400, 1000, 17);
    ep_scan_config cfg;
    ep_probe_env env = env_for(&cfg, 8, 256ull << 20);
    ep_jv *out = harness_run(&ep_probe_heldout_mkn, &env, &c, 1);
    assert_non_null(out);
    const ep_jv *e = ep_jv_path(out, "estimates.heldout_mkn");
    double v = harness_est(out, "heldout_mkn", "value");
    const ep_jv *by = ep_jv_get(e, "by_order"), *oc = ep_jv_get(e, "orders_crossfit");
    assert_int_equal(ep_jv_len(by), 8);
    assert_int_equal(ep_jv_len(oc), 2);
    assert_int_equal((int)harness_est(out, "heldout_mkn", "max_order"), 8);
    int best = (int)harness_est(out, "heldout_mkn", "order");
    double vbest = ep_jv_as_num(ep_jv_at(by, (size_t)best - 1), -1), v8 = ep_jv_as_num(ep_jv_at(by, 7), -1);
    print_message("rate %.4f: cross-fit %.4f (orders %d,%d), best order %d %.4f, order 8 %.4f\n", c.rate, v,
                  (int)ep_jv_as_num(ep_jv_at(oc, 0), -1), (int)ep_jv_as_num(ep_jv_at(oc, 1), -1), best, vbest, v8);
    assert_true(best >= 2 && best <= 3);
    for (int h = 0; h < 2; h++) {
        int k = (int)ep_jv_as_num(ep_jv_at(oc, (size_t)h), -1);
        assert_true(k >= 2 && k <= 3);
    }
    assert_true(v <= vbest * 1.005 && v < v8);
    assert_near(harness_est(out, "heldout_mkn", "perplexity"), exp2(v), exp2(v) * 1e-12);
    ep_jv_free(out);
    harness_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reproduces_kenlm_perplexity),
        cmocka_unit_test(upper_bound_on_markov_sources),
        cmocka_unit_test(merge_is_exact_and_sampling_is_consistent),
        cmocka_unit_test(split_fraction_is_respected),
        cmocka_unit_test(every_order_from_one_build),
        cmocka_unit_test(crossfit_selects_a_short_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
