/* ngram: the n-gram ladder on Markov sources of exactly known entropy rate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "ep_test.h"
#include "entroprof/entropy.h"
#include "entroprof/scan.h"
#include "probe/ngram_internal.h"
#include "probe/ngram_table.h"
#include "probe/probes_internal.h"
#include "probe_harness.h"

#if defined(__SANITIZE_ADDRESS__)
#define EP_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EP_TEST_ASAN 1
#endif
#endif

static ep_probe_env env_for(ep_scan_config *cfg, int K, uint64_t mem)
{
    ep_scan_config_default(cfg);
    cfg->ngram_order = K;
    ep_probe_env env = {cfg, NULL, mem, 0, 1};
    return env;
}

/* Peak RSS stays within the budget on input whose n-grams are all distinct (the worst case).
 * Runs first, so that ru_maxrss before it is the process baseline. Skipped under ASan, whose
 * quarantine keeps freed memory resident. */
static void sampled_tables_stay_within_budget_rss(void **state)
{
    (void)state;
#ifdef EP_TEST_ASAN
    skip();
#else
    enum { K = 5, DOC = 1000, DOCS = 4000 };
    const uint64_t budget = 40ull << 20, slack = 12ull << 20;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    uint64_t before = (uint64_t)ru.ru_maxrss * 1024;
    ep_scan_config cfg;
    ep_probe_env env = env_for(&cfg, K, budget);
    void *st = hp_create(&ep_probe_ngram, &env);
    ep_token ids[DOC];
    uint64_t x = 42;
    ep_doc doc = {0};
    doc.len = DOC;
    for (int d = 0; d < DOCS; d++) {
        for (int i = 0; i < DOC; i++) ids[i] = x = x * 6364136223846793005ull + 1442695040888963407ull;
        doc.hash_lo = x; /* distinct documents have distinct content hashes, as from the reader */
        doc.hash_hi = (uint64_t)d;
        hp_observe(&ep_probe_ngram, st, &doc, ids, DOC);
    }
    ep_jv *out = ep_jv_obj();
    assert_int_equal(hp_finish(&ep_probe_ngram, st, NULL, out, &env), EP_OK);
    getrusage(RUSAGE_SELF, &ru);
    uint64_t after = (uint64_t)ru.ru_maxrss * 1024;
    /* 4e6 distinct keys per order would need ~640 MB unsampled. */
    /* Two layers bound the memory: the document pool (a quarter of the budget) keeps part of the 4e6
     * tokens, and the order tables (3/4 of the budget over K orders) sample keys of what is pooled. */
    double p = harness_est(out, "ngram_plugin_h4", "sampling_p");
    assert_true(p < 0.5);
    /* the document pool (a quarter of the budget) holds only part of the 4e6 tokens */
    double pd = harness_est(out, "ngram_plugin_h4", "doc_sampling_p");
    assert_true(pd > 0.0 && pd < 1.0);
    /* every 5-gram is distinct: distinct/N estimated near 1 even from the sample */
    assert_near(harness_est(out, "ngram_plugin_h4", "distinct_over_n"), 1.0, 0.05);
    print_message("rss growth %.1f MiB, budget %.1f MiB, p(order 5) = %g\n", (after - before) / 1048576.0,
                  budget / 1048576.0, p);
    assert_true(after - before <= budget + slack);
    ep_jv_free(out);
    ep_probe_ngram.free(st);
#endif
}

/* Block stats at p = 1 agree with the library's count-of-counts estimators. */
static void block_stats_match_entropy_library_unsampled(void **state)
{
    (void)state;
    ep_ngtab t;
    ep_ngtab_init(&t, 1 << 20);
    uint64_t counts[300], total = 0;
    for (uint64_t k = 1; k <= 300; k++) {
        counts[k - 1] = 1 + (k * 7919) % 13;
        assert_int_equal(ep_ngtab_add(&t, ep_ngtab_key(k * 0x9E3779B97F4A7C15ull), counts[k - 1]), EP_OK);
        total += counts[k - 1];
    }
    ep_ngram_block b;
    assert_int_equal(ep_ngram_block_stats(&t, total, &b), EP_OK);
    ep_coc c = {0};
    ep_coc_from_counts(&c, counts, 300);
    assert_near(b.plugin_bits, ep_entropy_plugin_bits(&c), 1e-12);
    assert_near(b.grassberger_bits, ep_entropy_grassberger_bits(&c), 1e-12);
    assert_near(b.distinct, 300, 0);
    assert_near(b.plugin_se, 0, 0);
    ep_coc_free(&c);
    ep_ngtab_free(&t);
}

/* Tolerances: Grassberger h_k at the true order k within 0.02 bits of the rate (and plug-in below
 * it by less than 0.05) at 10^6 symbols on well-sampled orders (distinct/N <= 0.1); every
 * well-sampled h_n for n >= k within 0.03 of the rate; h_n for n < k not below the rate - 0.02
 * (conditioning on less cannot lower the entropy). */
static void check_ladder(const ep_synth_config *sc, int true_order, size_t docs, size_t len)
{
    harness_corpus c = harness_make(sc, docs, len, 99);
    ep_scan_config cfg;
    ep_probe_env env = env_for(&cfg, 5, 256ull << 20);
    ep_jv *out = harness_run(&ep_probe_ngram, &env, &c, 1);
    assert_non_null(out);
    char key[32];
    for (int n = 0; n < 5; n++) {
        snprintf(key, sizeof key, "ngram_grassberger_h%d", n);
        double g = harness_est(out, key, "value");
        int under = ep_jv_as_bool(ep_jv_get(ep_jv_get(ep_jv_get(out, "estimates"), key), "undersampled"), 1);
        snprintf(key, sizeof key, "ngram_plugin_h%d", n);
        double pl = harness_est(out, key, "value");
        print_message("order %d n=%d: rate %.4f grassberger %.4f plugin %.4f%s\n", true_order, n, c.rate, g, pl,
                      under ? " (undersampled)" : "");
        assert_true(pl <= g + 1e-12);
        if (n == true_order) {
            assert_false(under);
            assert_near(g, c.rate, 0.02);
            assert_true(pl > c.rate - 0.05);
        }
        if (n > true_order && !under) assert_near(g, c.rate, 0.03);
        if (n < true_order) assert_true(g > c.rate - 0.02);
    }
    ep_jv_free(out);
    harness_free(&c);
}

static void ladder_finds_rate_of_byte_chains(void **state)
{
    (void)state;
    ep_synth_config sc;
    ep_synth_config_default(&sc);
    const uint32_t alphabet[4] = {64, 24, 10, 6};
    for (int k = 0; k <= 3; k++) {
        sc.order = k;
        sc.alphabet = alphabet[k];
        sc.seed = 10 + (uint64_t)k;
        check_ladder(&sc, k, 500, 1000);
    }
}

static void ladder_finds_rate_of_word_chains(void **state)
{
    (void)state;
    ep_synth_config sc;
    ep_synth_config_default(&sc);
    sc.kind = EP_SYNTH_WORDS;
    sc.order = 1;
    sc.vocab = 2000;
    sc.support = 24;
    check_ladder(&sc, 1, 1000, 1000);
    sc.order = 2;
    sc.vocab = 1000;
    sc.support = 6;
    check_ladder(&sc, 2, 1000, 1000);
}

/* Documents dealt over 1, 2 or 3 states give the same profile, byte for byte, with and without
 * sampling. */
static void merge_is_exact_with_and_without_sampling(void **state)
{
    (void)state;
    ep_synth_config sc;
    ep_synth_config_default(&sc);
    sc.order = 2;
    sc.alphabet = 32;
    harness_corpus c = harness_make(&sc, 200, 500, 3);
    const uint64_t budgets[2] = {64ull << 20, 5ull * 48 * 1024};
    for (int b = 0; b < 2; b++) {
        ep_scan_config cfg;
        ep_probe_env env = env_for(&cfg, 5, budgets[b]);
        ep_jv *one = harness_run(&ep_probe_ngram, &env, &c, 1);
        ep_jv *two = harness_run(&ep_probe_ngram, &env, &c, 2);
        ep_jv *three = harness_run(&ep_probe_ngram, &env, &c, 3);
        char *s1 = harness_dump(one), *s2 = harness_dump(two), *s3 = harness_dump(three);
        assert_string_equal(s1, s2);
        assert_string_equal(s1, s3);
        double p = harness_est(one, "ngram_plugin_h4", "sampling_p");
        if (b == 0) assert_true(p == 1.0);
        else assert_true(p < 1.0);
        free(s1); free(s2); free(s3);
        ep_jv_free(one); ep_jv_free(two); ep_jv_free(three);
    }
    harness_free(&c);
}

/* Under a budget that forces p < 1 on the higher orders, the estimates stay within 4 standard
 * errors + 0.03 bits of the unsampled ones. */
static void sampling_keeps_estimates_within_stderr(void **state)
{
    (void)state;
    ep_synth_config sc;
    ep_synth_config_default(&sc);
    sc.order = 1;
    sc.alphabet = 64;
    harness_corpus c = harness_make(&sc, 500, 1000, 5);
    ep_scan_config cfg;
    ep_probe_env full = env_for(&cfg, 3, 256ull << 20);
    ep_jv *a = harness_run(&ep_probe_ngram, &full, &c, 1);
    ep_scan_config cfg2;
    ep_probe_env small = env_for(&cfg2, 3, 3ull * 96 * 1024);
    ep_jv *b = harness_run(&ep_probe_ngram, &small, &c, 1);
    double p = harness_est(b, "ngram_grassberger_h1", "sampling_p");
    double se = harness_est(b, "ngram_grassberger_h1", "stderr");
    double va = harness_est(a, "ngram_grassberger_h1", "value"), vb = harness_est(b, "ngram_grassberger_h1", "value");
    print_message("sampled p=%g: h1 %.4f vs %.4f (se %.4f), rate %.4f\n", p, vb, va, se, c.rate);
    assert_true(p < 1.0);
    assert_true(se > 0);
    assert_near(vb, va, 4 * se + 0.03);
    assert_near(vb, c.rate, 4 * se + 0.05);
    ep_jv_free(a);
    ep_jv_free(b);
    harness_free(&c);
}

static void default_order_follows_tokenizer(void **state)
{
    (void)state;
    ep_scan_config cfg;
    ep_scan_config_default(&cfg);
    assert_int_equal(ep_ngram_default_order(&cfg, NULL), 5);
    ep_tokenizer *tok = NULL;
    if (ep_tokenizer_open(&tok, "byte", NULL) == EP_OK) {
        assert_int_equal(ep_ngram_default_order(&cfg, tok), 8);
        ep_tokenizer_free(tok);
    }
    cfg.ngram_order = 3;
    assert_int_equal(ep_ngram_default_order(&cfg, NULL), 3);
}

static int cmp_u64_test(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The in-place radix sort equals qsort on random keys, many duplicates, shared high bytes
 * (sampled keys), and tiny sizes. */
static void radix_sort_equals_qsort(void **state)
{
    (void)state;
    const size_t sizes[] = {0, 1, 2, 47, 48, 49, 1000, 200000};
    uint64_t x = 7;
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        for (int kind = 0; kind < 3; kind++) {
            size_t n = sizes[si];
            uint64_t *a = malloc((n ? n : 1) * sizeof *a), *b = malloc((n ? n : 1) * sizeof *b);
            for (size_t i = 0; i < n; i++) {
                x = x * 6364136223846793005ull + 1442695040888963407ull;
                uint64_t v = x ^ (x >> 29);
                if (kind == 1) v %= 37;         /* heavy duplicates */
                if (kind == 2) v >>= 20;        /* twenty high zero bits, like sampled keys */
                a[i] = b[i] = v;
            }
            ep_ngram_sort_u64(a, n);
            qsort(b, n, sizeof *b, cmp_u64_test);
            assert_memory_equal(a, b, n * sizeof *a);
            free(a);
            free(b);
        }
    }
}

/* The sort path and the hash path give identical block statistics, also when the budget forces
 * key sampling (the same smallest shift at which the kept keys fit). */
static void sort_and_hash_paths_agree(void **state)
{
    (void)state;
    ep_synth_config sc;
    ep_synth_config_default(&sc);
    sc.order = 2;
    sc.alphabet = 32;
    harness_corpus c = harness_make(&sc, 300, 700, 11);
    ep_mkn_pool pool;
    ep_mkn_pool_init(&pool, UINT64_MAX);
    for (size_t d = 0; d < c.n_docs; d++) {
        ep_mkn_doc md = {0};
        md.h = md.lo = d;
        md.len = (uint32_t)c.doc_len;
        md.bytes = c.doc_len;
        assert_int_equal(ep_mkn_pool_add(&pool, &md, c.ids + d * c.doc_len), EP_OK);
    }
    const uint64_t budgets[2] = {64ull << 20, 200ull * 1024};
    for (int b = 0; b < 2; b++) {
        for (int n = 1; n <= 6; n++) {
            ep_ngram_block hs, so;
            assert_int_equal(ep_ngram_count_order(&pool, n, 5, budgets[b], EP_NGRAM_PATH_HASH, &hs), EP_OK);
            assert_int_equal(ep_ngram_count_order(&pool, n, 5, budgets[b], EP_NGRAM_PATH_SORT, &so), EP_OK);
            if (b == 0) { /* the cache path on the orders with few distinct n-grams, refused above */
                ep_ngram_block sm;
                ep_status r = ep_ngram_count_order(&pool, n, 5, budgets[b], EP_NGRAM_PATH_SMALL, &sm);
                if (n <= 2) assert_int_equal(r, EP_OK);
                if (n >= 5) assert_int_equal(r, EP_ERR_LIMIT);
                if (r == EP_OK) {
                    assert_true(sm.plugin_bits == so.plugin_bits && sm.grassberger_bits == so.grassberger_bits);
                    assert_true(sm.distinct == so.distinct);
                    assert_memory_equal(sm.f, so.f, sizeof sm.f);
                }
            }
            assert_int_equal(hs.n, so.n);
            assert_true(hs.p == so.p);
            assert_true(hs.plugin_bits == so.plugin_bits);
            assert_true(hs.grassberger_bits == so.grassberger_bits);
            assert_true(hs.grassberger_se == so.grassberger_se);
            assert_true(hs.distinct == so.distinct);
            assert_memory_equal(hs.f, so.f, sizeof hs.f);
            if (b == 1 && n >= 4) assert_true(so.p < 1.0); /* sampling engaged in both paths */
            if (b == 0) assert_true(so.p == 1.0);
        }
    }
    ep_mkn_pool_free(&pool);
    harness_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sampled_tables_stay_within_budget_rss),
        cmocka_unit_test(block_stats_match_entropy_library_unsampled),
        cmocka_unit_test(ladder_finds_rate_of_byte_chains),
        cmocka_unit_test(ladder_finds_rate_of_word_chains),
        cmocka_unit_test(merge_is_exact_with_and_without_sampling),
        cmocka_unit_test(sampling_keeps_estimates_within_stderr),
        cmocka_unit_test(default_order_follows_tokenizer),
        cmocka_unit_test(radix_sort_equals_qsort),
        cmocka_unit_test(sort_and_hash_paths_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
