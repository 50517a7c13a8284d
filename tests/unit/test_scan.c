/* Scan: estimates against a source of known entropy, determinism across threads and batch sizes,
 * exact duplicates across shards, failed shards reported while others go on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ep_test.h"
#include "entroprof/entroprof.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return ep_test_mkdtemp(dir, sizeof dir, "ep_test_scan");
}

static int teardown(void **state)
{
    (void)state;
    return ep_test_rmtree(dir);
}

static char *path_of(const char *name)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static uint64_t rng_next(uint64_t *s)
{
    *s += 0x9E3779B97F4A7C15ull;
    uint64_t z = *s;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Writes n symbols of an i.i.d. source over 16 letters, 100 per line. @return exact entropy, bits. */
static double write_iid(const char *path, size_t n)
{
    double p[16], z = 0, h = 0;
    for (int i = 0; i < 16; i++) { p[i] = 1.0 / (1.0 + i * 0.5); z += p[i]; }
    for (int i = 0; i < 16; i++) { p[i] /= z; h -= p[i] * log2(p[i]); }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    uint64_t s = 42;
    for (size_t t = 0; t < n; t++) {
        double u = (double)(rng_next(&s) >> 11) / 9007199254740992.0, acc = 0;
        int i = 0;
        for (; i < 15; i++) { acc += p[i]; if (u < acc) break; }
        fputc('a' + i, f);
        if (t % 100 == 99) fputc('\n', f);
    }
    fclose(f);
    return h;
}

static ep_jv *scan(const char *const *inputs, size_t n, int threads, size_t batch, size_t *failed)
{
    ep_scan_config cfg;
    ep_scan_config_default(&cfg);
    cfg.threads = threads;
    cfg.batch_bytes = batch;
    cfg.reader.split = EP_SPLIT_LINE;
    cfg.tokenizer = "byte";
    cfg.zstd_strong_level = 0;
    ep_jv *profile = NULL;
    ep_error err;
    ep_error_clear(&err);
    size_t f = 0;
    ep_status st = ep_scan(inputs, n, &cfg, &profile, &f, &err);
    if (st != EP_OK) fail_msg("scan failed: %s", err.msg);
    if (failed) *failed = f;
    return profile;
}


static void unigram_estimates_match_exact_entropy_of_iid_source(void **state)
{
    (void)state;
    double h = write_iid(path_of("iid.txt"), 1000000);
    const char *in[] = {path_of("iid.txt")};
    ep_jv *p = scan(in, 1, 2, 1 << 20, NULL);
    const ep_jv *s = ep_jv_at(ep_jv_get(p, "shards"), 0);
    assert_int_equal(ep_jv_as_int(ep_jv_get(s, "tokens"), 0), 1000000);
    /* Sampling error of H at N = 1e6 and K = 16: sd ~ sqrt(var(log p)/N) ~ 1e-3 bits. */
    assert_near(ep_jv_as_num(ep_jv_path(s, "estimates.unigram_grassberger.value"), 0), h, 0.005);
    assert_near(ep_jv_as_num(ep_jv_path(s, "estimates.unigram_plugin.value"), 0), h, 0.005);
    assert_near(ep_jv_as_num(ep_jv_path(s, "entropy.bits_per_token"), 0), h, 0.005);
    /* zstd on an i.i.d. source: an upper bound above the entropy */
    assert_true(ep_jv_as_num(ep_jv_path(s, "estimates.zstd_3.value"), 0) > h);
    ep_jv_free(p);
}

static void results_are_identical_for_any_thread_count_and_batch_size(void **state)
{
    (void)state;
    write_iid(path_of("a.txt"), 300000);
    char src[512];
    snprintf(src, sizeof src, "%s/corpora/books/alice29.txt", EP_TEST_SOURCE_DIR);
    char jsonl[512];
    snprintf(jsonl, sizeof jsonl, "%s/corpora/web/c4-sample.jsonl.zst", EP_TEST_SOURCE_DIR);
    const char *in[] = {path_of("a.txt"), src, jsonl};
    ep_jv *ref = scan(in, 3, 1, 4 << 20, NULL);
    char *ref_s = ep_test_json_text(ref);
    int threads[] = {2, 8, 3};
    size_t batches[] = {4096, 1 << 20, 65536};
    for (int i = 0; i < 3; i++) {
        ep_jv *p = scan(in, 3, threads[i], batches[i], NULL);
        char *s = ep_test_json_text(p);
        if (strcmp(s, ref_s) != 0) fail_msg("profile differs with %d threads, batch %zu", threads[i], batches[i]);
        free(s);
        ep_jv_free(p);
    }
    free(ref_s);
    ep_jv_free(ref);
}

static void exact_duplicates_count_within_and_across_shards(void **state)
{
    (void)state;
    FILE *f = fopen(path_of("d1.txt"), "w");
    fputs("alpha\nbeta\nalpha\n", f);
    fclose(f);
    f = fopen(path_of("d2.txt"), "w");
    fputs("beta\ngamma\ngamma\ndelta\n", f);
    fclose(f);
    const char *in[] = {path_of("d2.txt"), path_of("d1.txt")}; /* canonical order is by path */
    ep_jv *p = scan(in, 2, 2, 1 << 20, NULL);
    const ep_jv *s1 = ep_jv_at(ep_jv_get(p, "shards"), 0), *s2 = ep_jv_at(ep_jv_get(p, "shards"), 1);
    assert_non_null(strstr(ep_jv_as_str(ep_jv_get(s1, "path")), "d1.txt"));
    assert_int_equal(ep_jv_as_int(ep_jv_path(s1, "dedup.exact_dup_docs"), -1), 1);
    assert_int_equal(ep_jv_as_int(ep_jv_path(s2, "dedup.exact_dup_docs"), -1), 2);
    assert_int_equal(ep_jv_as_int(ep_jv_path(s2, "dedup.exact_dup_docs_earlier_shards"), -1), 1);
    assert_near(ep_jv_as_num(ep_jv_path(s2, "dedup.dup_fraction_docs"), -1), 0.5, 1e-12);
    assert_int_equal(ep_jv_as_int(ep_jv_path(p, "corpus.dedup.exact_dup_docs"), -1), 3);
    assert_int_equal(ep_jv_as_int(ep_jv_path(p, "corpus.docs"), -1), 7);
    ep_jv_free(p);
}

static void a_failed_shard_is_reported_and_others_go_on(void **state)
{
    (void)state;
    FILE *f = fopen(path_of("ok.txt"), "w");
    fputs("fine text\n", f);
    fclose(f);
    const char *in[] = {path_of("ok.txt"), path_of("missing.txt")};
    size_t failed = 0;
    ep_jv *p = scan(in, 2, 2, 1 << 20, &failed);
    assert_int_equal(failed, 1);
    const ep_jv *bad = ep_jv_at(ep_jv_get(p, "shards"), 0);
    assert_string_equal(ep_jv_as_str(ep_jv_get(bad, "status")), "error");
    assert_non_null(strstr(ep_jv_as_str(ep_jv_get(bad, "error")), "cannot open"));
    const ep_jv *good = ep_jv_at(ep_jv_get(p, "shards"), 1);
    assert_string_equal(ep_jv_as_str(ep_jv_get(good, "status")), "ok");
    assert_int_equal(ep_jv_as_int(ep_jv_path(p, "corpus.shards_failed"), 0), 1);
    ep_jv_free(p);
}

/* A negative plug-in / bias-corrected value is published as 0 with the raw number kept; a non-finite
 * estimate is removed and named; positive values are untouched. */
static void negative_estimates_are_reported_as_zero_with_the_raw_value(void **state)
{
    (void)state;
    ep_jv *o = ep_jv_obj();
    ep_jv *neg = ep_estimate_add(o, "ngram_plugin_h6", -6e-5, "bits_per_token", "point", "m", 100);
    ep_jv_set(neg, "bits_per_byte", ep_jv_num(-3e-5));
    ep_jv *pos = ep_estimate_add(o, "ngram_plugin_h1", 1.5, "bits_per_token", "point", "m", 100);
    ep_jv_set(pos, "bits_per_byte", ep_jv_num(0.75));
    ep_estimate_add(o, "broken", NAN, "bits_per_token", "point", "m", 100);
    ep_jv *inf_bpb = ep_estimate_add(o, "broken_bpb", 2.0, "bits_per_token", "point", "m", 100);
    ep_jv_set(inf_bpb, "bits_per_byte", ep_jv_num(INFINITY));
    ep_estimates_clamp(o);
    const ep_jv *e = ep_jv_path(o, "estimates.ngram_plugin_h6");
    assert_true(ep_jv_as_num(ep_jv_get(e, "value"), -1) == 0.0);
    assert_true(ep_jv_as_num(ep_jv_get(e, "bits_per_byte"), -1) == 0.0);
    assert_true(ep_jv_as_num(ep_jv_get(e, "raw_value"), 0) == -6e-5);
    assert_true(ep_jv_as_num(ep_jv_get(e, "raw_bits_per_byte"), 0) == -3e-5);
    e = ep_jv_path(o, "estimates.ngram_plugin_h1");
    assert_true(ep_jv_as_num(ep_jv_get(e, "value"), -1) == 1.5);
    assert_null(ep_jv_get(e, "raw_value"));
    assert_null(ep_jv_path(o, "estimates.broken"));
    assert_null(ep_jv_path(o, "estimates.broken_bpb"));
    const ep_jv *dropped = ep_jv_get(o, "estimates_dropped");
    assert_int_equal(ep_jv_len(dropped), 2);
    ep_jv_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unigram_estimates_match_exact_entropy_of_iid_source),
        cmocka_unit_test(results_are_identical_for_any_thread_count_and_batch_size),
        cmocka_unit_test(exact_duplicates_count_within_and_across_shards),
        cmocka_unit_test(a_failed_shard_is_reported_and_others_go_on),
        cmocka_unit_test(negative_estimates_are_reported_as_zero_with_the_raw_value),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
