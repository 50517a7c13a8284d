/* Partial states (include/entroprof/probe.h, "Partial states") of the probes counts, unigram,
 * compress, compress_strong, repetition, lm and exact_dedup: each probe run as one scan and as
 * save -> load -> merge (tests/unit/partial_harness.h) gives byte-identical shard and corpus JSON,
 * with byte and cl100k_base tokens, on one and two workers; truncated and damaged bytes are
 * refused without a crash; and a hand-made state with a count out of range is refused as corrupt
 * with a message naming the probe (docs/partial-format.md, "Probe states"). */
#include <string.h>

#include "ep_test.h"
#include "entroprof/scan.h"
#include "partial_harness.h"
#include "probe/probes_internal.h"

/* ---- documents: three shards ---- */

#define LOREM "The quick brown fox jumps over the lazy dog while the cat sleeps by the fire.\n"
#define REPEAT "buy now\nbuy now\nbuy now\nbuy now\nlimited offer, limited offer, limited offer\n"
#define UTF8 "Ünïcödé façade — naïve café; 日本語のテキストです。Ελληνικά κείμενα. 🎉🚀 done\n"

/* Exact duplicates within a shard (LOREM twice in shard 0, "shared line" twice in shard 1) and
 * across shards (LOREM and UTF8 again in 1 and 2), empty and whitespace-only documents, and
 * multi-byte UTF-8 (2-, 3- and 4-byte sequences). */
static const char utf8_twice[] = UTF8 UTF8;
static const char repeat_twice[] = REPEAT REPEAT;
static const char *const shard0_docs[] = {
    LOREM, "", UTF8, LOREM, " ", "short", REPEAT,
    "Paragraph one of a report.\n\nParagraph two repeats: one of a report.\n",
};
static const char *const shard1_docs[] = {
    "shared line", LOREM, "\n", "A different text with numbers 12345 and 67890.\n", "shared line", "x", utf8_twice,
};
static const char *const shard2_docs[] = {
    UTF8, "shared line", "naïve naïve naïve naïve naïve naïve naïve naïve", repeat_twice, "", "tail",
};

static const ph_shard shards[3] = {
    {shard0_docs, sizeof shard0_docs / sizeof *shard0_docs},
    {shard1_docs, sizeof shard1_docs / sizeof *shard1_docs},
    {shard2_docs, sizeof shard2_docs / sizeof *shard2_docs},
};

/* ---- fixture: the tokenizers, opened once ---- */

static ep_tokenizer *toks[2]; /* byte, cl100k_base */
static const char *const tok_names[2] = {"byte", "cl100k_base"};

static int group_setup(void **state)
{
    (void)state;
    ep_error e;
    ep_error_clear(&e);
    for (int i = 0; i < 2; i++)
        if (ep_tokenizer_open(&toks[i], tok_names[i], &e) != EP_OK) return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) ep_tokenizer_free(toks[i]);
    return 0;
}

static void env_pair(ep_probe_env *shard, ep_probe_env *corpus, const ep_scan_config *cfg, const ep_tokenizer *tok)
{
    memset(shard, 0, sizeof *shard);
    shard->cfg = cfg;
    shard->tok = tok;
    shard->mem_bytes = 64u << 20;
    shard->nthreads = 2;
    *corpus = *shard;
    corpus->is_corpus = 1;
}

/* ph_check_probe for every tokenizer and 1 and 2 workers. */
static void check_round_trip(const ep_probe_vtable *vt, const ep_scan_config *cfg)
{
    assert_true(vt->enabled(cfg));
    for (int t = 0; t < 2; t++)
        for (int workers = 1; workers <= 2; workers++) {
            ep_probe_env es, ec;
            env_pair(&es, &ec, cfg, toks[t]);
            int fail = ph_check_probe(vt, &es, &ec, toks[t], shards, 3, workers);
            if (fail) print_message("%s, %s tokens, %d workers: check %d failed\n", vt->name, tok_names[t], workers, fail);
            assert_int_equal(fail, 0);
        }
}

/* load of w's bytes is refused as corrupt, with a message that names the probe. */
static void expect_corrupt(const ep_probe_vtable *vt, const ep_scan_config *cfg, ep_wbuf *w)
{
    assert_int_equal(ep_wbuf_status(w), EP_OK);
    ep_probe_env es, ec;
    env_pair(&es, &ec, cfg, toks[0]);
    ep_rbuf r;
    ep_rbuf_init(&r, w->data, w->len);
    void *st = (void *)&r; /* load must set it to NULL */
    ep_error e;
    ep_error_clear(&e);
    assert_int_equal(vt->load(&st, &r, &es, &e), EP_ERR_CORRUPT);
    assert_null(st);
    assert_int_equal(strncmp(e.msg, vt->name, strlen(vt->name)), 0);
    assert_int_equal(e.msg[strlen(vt->name)], ':');
    ep_wbuf_free(w);
}

static ep_scan_config default_config(void)
{
    ep_scan_config cfg;
    ep_scan_config_default(&cfg);
    return cfg;
}

/* ---- counts ---- */

static void counts_partial_equals_one_scan(void **state)
{
    (void)state;
    ep_scan_config cfg = default_config();
    check_round_trip(&ep_probe_counts, &cfg);
}

static void counts_load_refuses_counts_out_of_range(void **state)
{
    (void)state;
    ep_scan_config cfg = default_config();
    ep_wbuf w;
    ep_wbuf_init(&w); /* docs, bytes, chars, tokens: more docs than an int64 holds */
    ep_wbuf_u64(&w, UINT64_MAX), ep_wbuf_u64(&w, 10), ep_wbuf_u64(&w, 10), ep_wbuf_u64(&w, 10);
    expect_corrupt(&ep_probe_counts, &cfg, &w);
    ep_wbuf_init(&w); /* more characters than bytes */
    ep_wbuf_u64(&w, 1), ep_wbuf_u64(&w, 10), ep_wbuf_u64(&w, 11), ep_wbuf_u64(&w, 10);
    expect_corrupt(&ep_probe_counts, &cfg, &w);
}

/* ---- unigram ---- */

static void unigram_partial_equals_one_scan(void **state)
{
    (void)state;
    ep_scan_config cfg = default_config();
    check_round_trip(&ep_probe_unigram, &cfg);
}

static void unigram_load_refuses_counts_out_of_range(void **state)
{
    (void)state;
    ep_scan_config cfg = default_config();
    ep_wbuf w;
    ep_wbuf_init(&w); /* tokens, bytes, types: more types than the bytes hold */
    ep_wbuf_u64(&w, 3), ep_wbuf_u64(&w, 3), ep_wbuf_u64(&w, 1ull << 40);
    ep_wbuf_u32(&w, 7), ep_wbuf_u64(&w, 3);
    expect_corrupt(&ep_probe_unigram, &cfg, &w);
    ep_wbuf_init(&w); /* a count above the token total */
    ep_wbuf_u64(&w, 3), ep_wbuf_u64(&w, 3), ep_wbuf_u64(&w, 1);
    ep_wbuf_u32(&w, 7), ep_wbuf_u64(&w, 4);
    expect_corrupt(&ep_probe_unigram, &cfg, &w);
    ep_wbuf_init(&w); /* an id outside the byte vocabulary */
    ep_wbuf_u64(&w, 3), ep_wbuf_u64(&w, 3), ep_wbuf_u64(&w, 1);
    ep_wbuf_u32(&w, 256), ep_wbuf_u64(&w, 3);
    expect_corrupt(&ep_probe_unigram, &cfg, &w);
    ep_wbuf_init(&w); /* ids not increasing */
    ep_wbuf_u64(&w, 3), ep_wbuf_u64(&w, 3), ep_wbuf_u64(&w, 2);
    ep_wbuf_u32(&w, 9), ep_wbuf_u64(&w, 1), ep_wbuf_u32(&w, 9), ep_wbuf_u64(&w, 2);
    expect_corrupt(&ep_probe_unigram, &cfg, &w);
}

/* ---- compress, compress_strong ---- */

static void compress_partial_equals_one_scan(void **state)
{
    (void)state;
    ep_scan_config cfg = default_config();
    check_round_trip(&ep_probe_compress, &cfg);
}

/* Half the documents sampled (the default 1/32 would sample none of these few). */
static void compress_strong_partial_equals_one_scan(void **state)
{
    (void)state;
    ep_scan_config cfg = default_config();
    cfg.zstd_strong_fraction = 0.5;
    check_round_trip(&ep_probe_compress_strong, &cfg);
}

/* level, failed, input bytes, compressed bytes, documents */
static void put_compress(ep_wbuf *w, uint32_t level, uint8_t failed, uint64_t in, uint64_t comp, uint64_t docs)
{
    ep_wbuf_init(w);
    ep_wbuf_u32(w, level), ep_wbuf_u8(w, failed), ep_wbuf_u64(w, in), ep_wbuf_u64(w, comp), ep_wbuf_u64(w, docs);
}

static void compress_load_refuses_counts_out_of_range(void **state)
{
    (void)state;
    ep_scan_config cfg = default_config();
    ep_wbuf w;
    put_compress(&w, (uint32_t)cfg.zstd_level, 0, 100, 40, 101); /* more documents than input bytes */
    expect_corrupt(&ep_probe_compress, &cfg, &w);
    put_compress(&w, (uint32_t)cfg.zstd_level, 0, UINT64_MAX, 40, 1); /* input beyond int64 */
    expect_corrupt(&ep_probe_compress, &cfg, &w);
    put_compress(&w, (uint32_t)cfg.zstd_level + 1, 0, 100, 40, 1); /* another level */
    expect_corrupt(&ep_probe_compress, &cfg, &w);
    put_compress(&w, (uint32_t)cfg.zstd_strong_level, 2, 100, 40, 1); /* failed is 0 or 1 */
    expect_corrupt(&ep_probe_compress_strong, &cfg, &w);
    put_compress(&w, (uint32_t)cfg.zstd_strong_level, 0, 100, 0, 1); /* input without output */
    expect_corrupt(&ep_probe_compress_strong, &cfg, &w);
}

/* ---- repetition ---- */

static void repetition_partial_equals_one_scan(void **state)
{
    (void)state;
    ep_scan_config cfg = default_config();
    check_round_trip(&ep_probe_repetition, &cfg);
}

/* docs, docs_empty, num[11], den[11], fix[11]: one document of 10 characters on 2 lines, one of
 * them a duplicate, with the given mean numerator for signal 0. */
static void put_repetition(ep_wbuf *w, uint64_t docs, uint64_t fix0)
{
    ep_wbuf_init(w);
    ep_wbuf_u64(w, docs), ep_wbuf_u64(w, 0);
    for (int i = 0; i < 11; i++) ep_wbuf_u64(w, i == 0 ? 1 : 0);
    for (int i = 0; i < 11; i++) ep_wbuf_u64(w, i == 0 ? 2 : 10);
    for (int i = 0; i < 11; i++) ep_wbuf_u64(w, i == 0 ? fix0 : 0);
}

static void repetition_load_refuses_counts_out_of_range(void **state)
{
    (void)state;
    ep_scan_config cfg = default_config();
    ep_wbuf w;
    put_repetition(&w, 1, 1ull << 31); /* consistent: loads */
    ep_probe_env es, ec;
    env_pair(&es, &ec, &cfg, toks[0]);
    void *st = ph_load(&ep_probe_repetition, &es, &w);
    assert_non_null(st);
    ep_probe_repetition.free(st);
    ep_wbuf_free(&w);
    put_repetition(&w, 1, (1ull << 32) + 1); /* one document's fraction above 1 */
    expect_corrupt(&ep_probe_repetition, &cfg, &w);
    put_repetition(&w, 1ull << 63, 0); /* documents beyond int64 */
    expect_corrupt(&ep_probe_repetition, &cfg, &w);
    put_repetition(&w, 11, 0); /* more documents than characters */
    expect_corrupt(&ep_probe_repetition, &cfg, &w);
}

/* ---- lm ---- */

/* A budget of 40 tokens: the sample is a few of the documents (UTF8 alone is 80+ bytes, cut). */
static ep_scan_config lm_config(void)
{
    ep_scan_config cfg = default_config();
    cfg.lm_enable = 1;
    cfg.lm_tokens = 40;
    return cfg;
}

static void lm_partial_equals_one_scan(void **state)
{
    (void)state;
    ep_scan_config cfg = lm_config();
    check_round_trip(&ep_probe_lm, &cfg);
}

/* budget, documents, then key, tie, tokens, bytes, stored ids and the ids of one document */
static void put_lm(ep_wbuf *w, uint64_t budget, uint64_t n_docs, uint64_t tokens, uint64_t stored, ep_token id)
{
    ep_wbuf_init(w);
    ep_wbuf_u64(w, budget), ep_wbuf_u64(w, n_docs);
    ep_wbuf_u64(w, 5), ep_wbuf_u64(w, 6), ep_wbuf_u64(w, tokens), ep_wbuf_u64(w, tokens), ep_wbuf_u64(w, stored);
    for (uint64_t i = 0; i < stored && i < 64; i++) ep_wbuf_u32(w, id);
}

static void lm_load_refuses_counts_out_of_range(void **state)
{
    (void)state;
    ep_scan_config cfg = lm_config();
    ep_wbuf w;
    put_lm(&w, 40, 1, 3, 3, 'a'); /* consistent: loads */
    ep_probe_env es, ec;
    env_pair(&es, &ec, &cfg, toks[0]);
    void *st = ph_load(&ep_probe_lm, &es, &w);
    assert_non_null(st);
    ep_probe_lm.free(st);
    ep_wbuf_free(&w);
    put_lm(&w, 40, 1ull << 40, 3, 3, 'a'); /* more documents than the bytes hold */
    expect_corrupt(&ep_probe_lm, &cfg, &w);
    put_lm(&w, 40, 1, 3, 1ull << 40, 'a'); /* more ids than the bytes hold */
    expect_corrupt(&ep_probe_lm, &cfg, &w);
    put_lm(&w, 40, 1, 50, 50, 'a'); /* more ids stored than the budget */
    expect_corrupt(&ep_probe_lm, &cfg, &w);
    put_lm(&w, 40, 1, UINT64_MAX, 40, 'a'); /* a document of more tokens than an int64 counts */
    expect_corrupt(&ep_probe_lm, &cfg, &w);
    put_lm(&w, 41, 1, 3, 3, 'a'); /* another budget */
    expect_corrupt(&ep_probe_lm, &cfg, &w);
    put_lm(&w, 40, 1, 3, 3, 256); /* an id outside the byte vocabulary */
    expect_corrupt(&ep_probe_lm, &cfg, &w);
}

/* A second document after one that fills the budget: prune would have dropped it. */
static void lm_load_refuses_a_sample_longer_than_the_budget(void **state)
{
    (void)state;
    ep_scan_config cfg = lm_config();
    ep_wbuf w;
    ep_wbuf_init(&w);
    ep_wbuf_u64(&w, 40), ep_wbuf_u64(&w, 2);
    for (uint64_t key = 1; key <= 2; key++) {
        ep_wbuf_u64(&w, key), ep_wbuf_u64(&w, 0), ep_wbuf_u64(&w, 40), ep_wbuf_u64(&w, 40), ep_wbuf_u64(&w, 40);
        for (int i = 0; i < 40; i++) ep_wbuf_u32(&w, 'a');
    }
    expect_corrupt(&ep_probe_lm, &cfg, &w);
}

/* ---- exact_dedup ---- */

static void exact_dedup_partial_equals_one_scan(void **state)
{
    (void)state;
    ep_scan_config cfg = default_config();
    check_round_trip(&ep_probe_exact_dedup, &cfg);
}

/* docs, distinct, then (lo, hi, count, len) x 2 */
static void put_dedup(ep_wbuf *w, uint64_t docs, uint64_t distinct, uint64_t count0, uint64_t lo1)
{
    ep_wbuf_init(w);
    ep_wbuf_u64(w, docs), ep_wbuf_u64(w, distinct);
    ep_wbuf_u64(w, 7), ep_wbuf_u64(w, 1), ep_wbuf_u64(w, count0), ep_wbuf_u64(w, 12);
    ep_wbuf_u64(w, lo1), ep_wbuf_u64(w, 1), ep_wbuf_u64(w, 1), ep_wbuf_u64(w, 12);
}

static void exact_dedup_load_refuses_counts_out_of_range(void **state)
{
    (void)state;
    ep_scan_config cfg = default_config();
    ep_wbuf w;
    put_dedup(&w, 3, 2, 2, 9); /* consistent: loads */
    ep_probe_env es, ec;
    env_pair(&es, &ec, &cfg, toks[0]);
    void *st = ph_load(&ep_probe_exact_dedup, &es, &w);
    assert_non_null(st);
    ep_probe_exact_dedup.free(st);
    ep_wbuf_free(&w);
    put_dedup(&w, 3, 1ull << 40, 2, 9); /* more distinct documents than the bytes hold */
    expect_corrupt(&ep_probe_exact_dedup, &cfg, &w);
    put_dedup(&w, 3, 2, 1ull << 62, 9); /* a count above the documents */
    expect_corrupt(&ep_probe_exact_dedup, &cfg, &w);
    put_dedup(&w, 4, 2, 2, 9); /* counts below the documents */
    expect_corrupt(&ep_probe_exact_dedup, &cfg, &w);
    put_dedup(&w, 3, 2, 2, 7); /* the same hash twice */
    expect_corrupt(&ep_probe_exact_dedup, &cfg, &w);
}

/* ---- every probe: shards without text ---- */

/* Shards of empty documents only, and one with none at all, around a shard with text: states
 * with nothing counted or sampled save, load and fold like the others. */
static void every_probe_round_trips_shards_without_text(void **state)
{
    (void)state;
    static const char *const empty_docs[] = {"", "", ""};
    const ph_shard sparse[3] = {{empty_docs, 3}, shards[0], {empty_docs, 0}};
    ep_scan_config cfg = lm_config();
    cfg.zstd_strong_fraction = 0.5;
    const ep_probe_vtable *vts[] = {&ep_probe_counts,     &ep_probe_unigram, &ep_probe_compress, &ep_probe_compress_strong,
                                    &ep_probe_repetition, &ep_probe_lm,      &ep_probe_exact_dedup, NULL};
    for (size_t i = 0; vts[i]; i++)
        for (int t = 0; t < 2; t++) {
            ep_probe_env es, ec;
            env_pair(&es, &ec, &cfg, toks[t]);
            int fail = ph_check_probe(vts[i], &es, &ec, toks[t], sparse, 3, 2);
            if (fail) print_message("%s, %s tokens: check %d failed\n", vts[i]->name, tok_names[t], fail);
            assert_int_equal(fail, 0);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_partial_equals_one_scan),
        cmocka_unit_test(counts_load_refuses_counts_out_of_range),
        cmocka_unit_test(unigram_partial_equals_one_scan),
        cmocka_unit_test(unigram_load_refuses_counts_out_of_range),
        cmocka_unit_test(compress_partial_equals_one_scan),
        cmocka_unit_test(compress_strong_partial_equals_one_scan),
        cmocka_unit_test(compress_load_refuses_counts_out_of_range),
        cmocka_unit_test(repetition_partial_equals_one_scan),
        cmocka_unit_test(repetition_load_refuses_counts_out_of_range),
        cmocka_unit_test(lm_partial_equals_one_scan),
        cmocka_unit_test(lm_load_refuses_counts_out_of_range),
        cmocka_unit_test(lm_load_refuses_a_sample_longer_than_the_budget),
        cmocka_unit_test(exact_dedup_partial_equals_one_scan),
        cmocka_unit_test(exact_dedup_load_refuses_counts_out_of_range),
        cmocka_unit_test(every_probe_round_trips_shards_without_text),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
