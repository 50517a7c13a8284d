/* The split-scan run (include/entroprof/partial.h): the task split is a deterministic, balanced
 * partition; records are applied in canonical order only and must be this run's; a manifest
 * reopens the same run; a record added from bytes gives the profile of one scan; damaged record
 * bytes are refused, never crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include "ep_test.h"
#include "entroprof/partial.h"
#include "entroprof/scan.h"

static char dir[256];
static int setup(void **state)
{
    (void)state;
    return ep_test_mkdtemp(dir, sizeof dir, "ep_test_scan_run");
}
static int teardown(void **state)
{
    (void)state;
    return ep_test_rmtree(dir);
}

/* n shards of sizes size(i) bytes (text lines). */
static void write_shards(size_t n, size_t (*size)(size_t))
{
    for (size_t i = 0; i < n; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/s%03zu.txt", dir, i);
        FILE *f = fopen(p, "w");
        assert_non_null(f);
        for (size_t b = 0; b < size(i); b += 32) fprintf(f, "shard %zu line %zu %s\n", i, b, i % 3 ? "alpha" : "beta");
        fclose(f);
    }
}

static size_t varied(size_t i) { return 1000 + (i * 7919) % 20000; }

static ep_scan_run *open_run(ep_scan_config *cfg)
{
    ep_scan_config_default(cfg);
    cfg->tokenizer = "byte";
    cfg->threads = 1;
    cfg->reader.split = EP_SPLIT_LINE;
    cfg->zstd_strong_level = 0;
    const char *in[1] = {dir};
    ep_scan_run *run = NULL;
    ep_error err;
    ep_error_clear(&err);
    if (ep_scan_run_open(&run, in, 1, cfg, &err) != EP_OK) fail_msg("open: %s", err.msg);
    return run;
}

static void tasks_partition_the_shards_and_balance_bytes(void **state)
{
    (void)state;
    write_shards(23, varied);
    ep_scan_config cfg;
    ep_scan_run *run = open_run(&cfg);
    size_t n = ep_scan_run_shards(run);
    assert_int_equal(n, 23);
    uint64_t total = 0, largest = 0;
    for (size_t i = 0; i < n; i++) {
        total += ep_scan_run_shard_size(run, i);
        if (ep_scan_run_shard_size(run, i) > largest) largest = ep_scan_run_shard_size(run, i);
    }
    for (size_t N = 1; N <= 7; N++) {
        int *owner = calloc(n + 1, sizeof *owner);
        for (size_t i = 0; i < n; i++) owner[i] = -1;
        for (size_t t = 0; t < N; t++) {
            size_t *idx = NULL, k = 0, *again = NULL, k2 = 0;
            ep_error err;
            assert_int_equal(ep_scan_run_task(run, t, N, &idx, &k, &err), EP_OK);
            assert_int_equal(ep_scan_run_task(run, t, N, &again, &k2, &err), EP_OK);
            assert_int_equal(k, k2); /* deterministic */
            if (k) assert_memory_equal(idx, again, k * sizeof *idx);
            uint64_t bytes = 0;
            for (size_t j = 0; j < k; j++) {
                assert_true(j == 0 || idx[j] > idx[j - 1]); /* increasing */
                assert_int_equal(owner[idx[j]], -1);        /* one owner */
                owner[idx[j]] = (int)t;
                bytes += ep_scan_run_shard_size(run, idx[j]);
            }
            /* greedy largest-first: no task exceeds the mean by more than the largest shard */
            assert_true(bytes <= total / N + largest);
            free(idx);
            free(again);
        }
        for (size_t i = 0; i < n; i++) assert_true(owner[i] >= 0); /* every shard has one */
        free(owner);
    }
    size_t *idx = NULL, k = 0;
    ep_error err;
    assert_int_equal(ep_scan_run_task(run, 3, 3, &idx, &k, &err), EP_ERR_ARG);
    ep_scan_run_free(run);
}

static size_t small(size_t i) { return 200 + 100 * i; }

/* The profile of ep_scan, as the bytes of its JSON. */
static char *profile_text(const ep_jv *p)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ep_jv_write(p, f, -1);
    fclose(f);
    return buf;
}

static void records_from_bytes_give_the_profile_of_one_scan(void **state)
{
    (void)state;
    write_shards(4, small);
    ep_scan_config cfg;
    ep_scan_run *run = open_run(&cfg);
    ep_scan_run *other = open_run(&cfg);
    size_t n = ep_scan_run_shards(run);
    assert_int_equal(n, 4);
    ep_wbuf rec[4];
    for (size_t i = 0; i < 4; i++) ep_wbuf_init(&rec[i]);
    ep_error err;
    ep_error_clear(&err);
    for (size_t i = n; i-- > 0;) { /* made in reverse order */
        assert_int_equal(ep_scan_run_shard(other, i, &rec[i], &err), EP_OK);
    }
    /* out of order, another shard's record, a damaged record: refused */
    assert_int_equal(ep_scan_run_add(run, 1, rec[1].data, rec[1].len, &err), EP_ERR_ARG);
    assert_int_equal(ep_scan_run_check_record(run, 0, rec[1].data, rec[1].len, &err), EP_ERR_ARG);
    assert_non_null(strstr(err.msg, "shard 1"));
    for (size_t cut = 0; cut < rec[0].len; cut += 1 + rec[0].len / 300)
        assert_int_not_equal(ep_scan_run_add(run, 0, rec[0].data, cut, &err), EP_OK);
    rec[0].data[rec[0].len / 2] ^= 1;
    assert_int_equal(ep_scan_run_add(run, 0, rec[0].data, rec[0].len, &err), EP_ERR_CORRUPT);
    rec[0].data[rec[0].len / 2] ^= 1;
    for (size_t i = 0; i < n; i++) assert_int_equal(ep_scan_run_add(run, i, rec[i].data, rec[i].len, &err), EP_OK);
    ep_jv *merged = NULL, *one = NULL;
    size_t failed = 9;
    assert_int_equal(ep_scan_run_finish(run, &merged, &failed, &err), EP_OK);
    assert_int_equal(failed, 0);
    const char *in[1] = {dir};
    assert_int_equal(ep_scan(in, 1, &cfg, &one, NULL, &err), EP_OK);
    char *a = profile_text(merged), *b = profile_text(one);
    assert_string_equal(a, b);
    free(a);
    free(b);
    ep_jv_free(merged);
    ep_jv_free(one);
    for (size_t i = 0; i < n; i++) ep_wbuf_free(&rec[i]);
    ep_scan_run_free(run);
    ep_scan_run_free(other);
}

static void a_manifest_reopens_the_same_run(void **state)
{
    (void)state;
    write_shards(3, small);
    ep_scan_config cfg;
    ep_scan_run *run = open_run(&cfg);
    ep_wbuf m, m2;
    ep_wbuf_init(&m);
    ep_wbuf_init(&m2);
    ep_error err;
    assert_int_equal(ep_scan_run_manifest(run, &m, &err), EP_OK);
    ep_scan_run *back = NULL;
    assert_int_equal(ep_scan_run_open_manifest(&back, m.data, m.len, &err), EP_OK);
    assert_int_equal(ep_scan_run_shards(back), ep_scan_run_shards(run));
    for (size_t i = 0; i < ep_scan_run_shards(run); i++)
        assert_string_equal(ep_scan_run_shard_path(back, i), ep_scan_run_shard_path(run, i));
    assert_int_equal(ep_scan_run_manifest(back, &m2, &err), EP_OK);
    assert_int_equal(m.len, m2.len);
    assert_memory_equal(m.data, m2.data, m.len); /* same configuration, same bytes */
    ep_scan_run_free(back);
    for (size_t cut = 0; cut < m.len; cut++) { /* every prefix is refused */
        back = NULL;
        assert_int_not_equal(ep_scan_run_open_manifest(&back, m.data, cut, &err), EP_OK);
        assert_null(back);
    }
    ep_wbuf_free(&m);
    ep_wbuf_free(&m2);
    ep_scan_run_free(run);
}

static void dedup_estimators_cannot_be_split(void **state)
{
    (void)state;
    write_shards(2, small);
    ep_scan_config cfg;
    ep_scan_config_default(&cfg);
    cfg.dedup_estimators = 1;
    const char *in[1] = {dir};
    ep_scan_run *run = NULL;
    ep_error err;
    assert_int_equal(ep_scan_run_open(&run, in, 1, &cfg, &err), EP_ERR_ARG);
    assert_null(run);
    assert_non_null(strstr(err.msg, "dedup-estimators"));
}

/* Removes the shards of the previous test. */
static int clean(void **state)
{
    (void)state;
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    char p[600];
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".txt")) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    closedir(d);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(tasks_partition_the_shards_and_balance_bytes, clean),
        cmocka_unit_test_setup(records_from_bytes_give_the_profile_of_one_scan, clean),
        cmocka_unit_test_setup(a_manifest_reopens_the_same_run, clean),
        cmocka_unit_test_setup(dedup_estimators_cannot_be_split, clean),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
