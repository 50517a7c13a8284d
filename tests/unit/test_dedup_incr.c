/* Incremental near-dup index (src/dedup/incr.c) through the near_dedup probe: a corpus of 50
 * small shards with planted exact, near, boilerplate (buckets larger than bucket_cap),
 * threshold-borderline and empty documents across shards must give, shard by shard, the counts
 * of the previous definition (a whole index over all earlier shards plus this one, run with the
 * earlier shards as references), agree with a plain all-pairs check of the signatures, and be
 * identical for any thread count and memory budget (signatures spilled or not). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_test.h"
#include "dedup_test_util.h"
#include "dedup/dedup_internal.h"
#include "entroprof/dedup.h"
#include "entroprof/json.h"
#include "probe/probes_internal.h"
#include "probe_harness.h"

#define N_SHARDS 50
#define MAX_DOCS 1024
#define MAX_WORDS 160

typedef struct {
    char w[MAX_WORDS][10];
    int n;
} words;

static void rand_word(uint64_t *rng, char *w)
{
    int n = 3 + (int)(rng_next(rng) % 6);
    for (int i = 0; i < n; i++) w[i] = (char)('a' + rng_next(rng) % 26);
    w[n] = 0;
}

static char *join(const words *d)
{
    char *t = malloc((size_t)d->n * 10 + 1), *p = t;
    for (int i = 0; i < d->n; i++) p += sprintf(p, i ? " %s" : "%s", d->w[i]);
    *p = 0;
    return t;
}

typedef enum { PLANT_FRESH, PLANT_NEAR, PLANT_EXACT, PLANT_BOILER, PLANT_BORDER, PLANT_EMPTY } plant;

typedef struct {
    char *text[MAX_DOCS];
    plant kind[MAX_DOCS];
    size_t n;
    size_t shard_end[N_SHARDS]; /* documents of shard s: [shard_end[s-1], shard_end[s]) */
} corpus;

/* Shard s gets 8..19 documents: fresh ones, and copies of documents of any earlier shard (or
 * its own): one-word edits (near), byte copies (exact), a shared 100-word template with two
 * words changed (boilerplate: one big bucket per band), copies with a quarter of the words
 * replaced (estimated Jaccard near the threshold), and documents without a token. */
static void corpus_make(corpus *c)
{
    memset(c, 0, sizeof *c);
    uint64_t rng = 2024;
    static words pool[MAX_DOCS], tmpl, d;
    size_t npool = 0;
    tmpl.n = 100;
    for (int i = 0; i < tmpl.n; i++) rand_word(&rng, tmpl.w[i]);
    for (int s = 0; s < N_SHARDS; s++) {
        int m = 8 + (int)(rng_next(&rng) % 12);
        for (int t = 0; t < m && c->n < MAX_DOCS; t++) {
            unsigned r = (unsigned)(rng_next(&rng) % 100);
            plant k = npool == 0 || r < 40 ? PLANT_FRESH
                    : r < 60 ? PLANT_NEAR
                    : r < 70 ? PLANT_EXACT
                    : r < 82 ? PLANT_BOILER
                    : r < 94 ? PLANT_BORDER
                             : PLANT_EMPTY;
            const words *src = npool ? &pool[rng_next(&rng) % npool] : NULL;
            if (k == PLANT_FRESH) {
                d.n = 40 + (int)(rng_next(&rng) % 100);
                for (int i = 0; i < d.n; i++) rand_word(&rng, d.w[i]);
            } else if (k == PLANT_NEAR) {
                d = *src;
                rand_word(&rng, d.w[rng_next(&rng) % (uint64_t)d.n]);
            } else if (k == PLANT_EXACT) {
                d = *src;
            } else if (k == PLANT_BOILER) {
                d = tmpl;
                rand_word(&rng, d.w[rng_next(&rng) % 100]);
                rand_word(&rng, d.w[rng_next(&rng) % 100]);
            } else if (k == PLANT_BORDER) {
                d = *src;
                for (int i = 0; i < d.n / 16; i++) rand_word(&rng, d.w[rng_next(&rng) % (uint64_t)d.n]);
            }
            if (k == PLANT_EMPTY) {
                c->text[c->n] = strdup(rng_next(&rng) % 2 ? "!!! ... ???" : "-- --");
            } else {
                c->text[c->n] = join(&d);
                if (npool < MAX_DOCS) pool[npool++] = d;
            }
            c->kind[c->n++] = k;
        }
        c->shard_end[s] = c->n;
    }
}

static void corpus_free(corpus *c)
{
    for (size_t i = 0; i < c->n; i++) free(c->text[i]);
}

/* finish into a new object; *status (when not NULL) gets what it returned, else it must succeed. */
static ep_jv *finish_obj_status(void *st, const void *before, const ep_probe_env *env, ep_status *status)
{
    ep_jv *o = ep_jv_obj();
    ep_status r = hp_finish(&ep_probe_near_dedup, st, before, o, env);
    if (status) *status = r;
    else assert_int_equal(r, EP_OK);
    return o;
}

static ep_jv *finish_obj(void *st, const void *before, const ep_probe_env *env)
{
    return finish_obj_status(st, before, env, NULL);
}


static int64_t nd_int(const ep_jv *o, const char *key)
{
    const ep_jv *dd = ep_jv_get(o, "dedup");
    assert_non_null(dd);
    const ep_jv *v = ep_jv_get(dd, key);
    if (!v) v = ep_jv_get(ep_jv_get(dd, "near_dedup"), key);
    assert_non_null(v);
    return ep_jv_as_int(v, -1);
}

/* The previous definition: one index over documents 0..n, run with those below first_query as
 * references. */
static ep_dedup_index *whole_index(const corpus *c, size_t n, uint32_t first_query, const ep_dedup_config *cfg,
                                   const uint32_t *sigs, const size_t *nsh)
{
    int k = cfg->bands * cfg->rows;
    ep_dedup_index *ix;
    assert_int_equal(ep_dedup_index_create(&ix, cfg, NULL), EP_OK);
    for (size_t i = 0; i < n; i++) {
        ep_doc d = mkdoc(c->text[i], 0);
        assert_int_equal(ep_dedup_index_add(ix, sigs + i * (size_t)k, nsh[i], d.hash_lo, d.hash_hi, NULL, NULL),
                         EP_OK);
    }
    assert_int_equal(ep_dedup_index_run(ix, first_query, NULL), EP_OK);
    return ix;
}

/* The probe output o has the whole index's counts: ex exact and nr near duplicates, and its
 * stats (frees ix). */
static void assert_same_as_index(const ep_jv *o, int64_t ex, int64_t nr, ep_dedup_index *ix)
{
    ep_dedup_stats st;
    ep_dedup_index_stats(ix, &st);
    ep_dedup_index_free(ix);
    assert_int_equal(nd_int(o, "exact_dup_docs"), ex);
    assert_int_equal(nd_int(o, "near_dup_docs"), nr);
    assert_int_equal(nd_int(o, "candidate_pairs"), (int64_t)st.candidate_pairs);
    assert_int_equal(nd_int(o, "verified_pairs"), (int64_t)st.verified_pairs);
    assert_int_equal(nd_int(o, "partitions_per_band"), (int64_t)st.partitions_per_band);
}

typedef struct {
    char *shard[N_SHARDS];
    char *corpus;
} run_out;

/* Runs the probe shard by shard (documents observed backwards, split over `workers` states) and
 * checks every shard against the previous definition. */
static void run_probe(const corpus *c, uint64_t mem, int nthreads, int workers, const uint32_t *sigs,
                      const size_t *nsh, run_out *ro)
{
    const ep_probe_vtable *vt = &ep_probe_near_dedup;
    ep_probe_env env = {.mem_bytes = mem, .nthreads = nthreads};
    ep_probe_env cenv = env;
    cenv.is_corpus = 1;
    ep_dedup_config cfg;
    ep_dedup_config_default(&cfg);
    cfg.mem_bytes = mem;
    void *corp = hp_create(vt, &cenv);
    assert_non_null(corp);
    for (int s = 0; s < N_SHARDS; s++) {
        size_t lo = s ? c->shard_end[s - 1] : 0, hi = c->shard_end[s];
        void *w[2] = {hp_create(vt, &env), hp_create(vt, &env)};
        for (size_t i = hi; i-- > lo;) {
            ep_doc d = mkdoc(c->text[i], i - lo);
            hp_observe(vt, w[workers == 2 ? i % 2 : 0], &d, NULL, 7);
        }
        void *sh = hp_create(vt, &env);
        assert_int_equal(hp_merge(vt, sh, w[1]), EP_OK);
        assert_int_equal(hp_merge(vt, sh, w[0]), EP_OK);
        ro->shard[s] = NULL;
        ep_jv *o = finish_obj(sh, corp, &env);
        ro->shard[s] = ep_test_json_text(o);

        /* Previous definition: one index over every document so far, this shard as queries. */
        ep_dedup_index *ix = whole_index(c, hi, (uint32_t)lo, &cfg, sigs, nsh);
        int64_t ex = 0, nr = 0;
        for (size_t i = lo; i < hi; i++) {
            ep_dedup_result r;
            ep_dedup_index_result(ix, (uint32_t)i, &r);
            ex += r.kind == EP_DUP_EXACT;
            nr += r.kind == EP_DUP_NEAR;
        }
        assert_same_as_index(o, ex, nr, ix);
        ep_jv_free(o);

        assert_int_equal(hp_fold(vt, corp, sh), EP_OK);
        vt->free(sh);
        vt->free(w[0]);
        vt->free(w[1]);
    }
    ep_jv *o = finish_obj(corp, NULL, &cenv);
    ro->corpus = ep_test_json_text(o);
    /* Previous corpus definition: one index over everything, every document a query. */
    ep_dedup_index *ix = whole_index(c, c->n, 0, &cfg, sigs, nsh);
    int64_t ex = 0, nr = 0;
    static int64_t overlap[N_SHARDS][N_SHARDS];
    memset(overlap, 0, sizeof overlap);
    for (size_t i = 0, s = 0; i < c->n; i++) {
        while (i >= c->shard_end[s]) s++;
        ep_dedup_result r;
        ep_dedup_index_result(ix, (uint32_t)i, &r);
        ex += r.kind == EP_DUP_EXACT;
        nr += r.kind == EP_DUP_NEAR;
        if (r.kind == EP_DUP_NONE) continue;
        size_t sm = 0;
        while (r.match >= c->shard_end[sm]) sm++;
        overlap[sm][s]++;
    }
    assert_same_as_index(o, ex, nr, ix);
    const ep_jv *rows = ep_jv_get(ep_jv_get(o, "dedup"), "overlap");
    assert_non_null(rows);
    size_t nrows = 0;
    for (int a = 0; a < N_SHARDS; a++)
        for (int b = 0; b < N_SHARDS; b++) {
            if (!overlap[a][b]) continue;
            const ep_jv *row = ep_jv_at(rows, nrows++);
            assert_non_null(row);
            assert_int_equal(ep_jv_as_int(ep_jv_get(row, "shard_a"), -1), a);
            assert_int_equal(ep_jv_as_int(ep_jv_get(row, "shard_b"), -1), b);
            assert_int_equal(ep_jv_as_int(ep_jv_get(row, "docs"), -1), overlap[a][b]);
        }
    assert_int_equal(ep_jv_len(rows), nrows);
    ep_jv_free(o);
    vt->free(corp);
}

static void incremental_shards_match_whole_index_and_all_pairs(void **state)
{
    (void)state;
    static corpus c;
    corpus_make(&c);
    ep_dedup_config cfg;
    ep_dedup_config_default(&cfg);
    ep_minhash *mh;
    assert_int_equal(ep_minhash_create(&mh, &cfg, NULL), EP_OK);
    ep_minhash_scratch *scr = ep_minhash_scratch_create();
    int k = ep_minhash_k(mh), min_agree = (int)ceil(cfg.threshold * k - 1e-9);
    uint32_t *sigs = malloc(c.n * (size_t)k * sizeof *sigs);
    size_t *nsh = malloc(c.n * sizeof *nsh);
    for (size_t i = 0; i < c.n; i++)
        nsh[i] = ep_minhash_sign(mh, scr, c.text[i], strlen(c.text[i]), sigs + i * (size_t)k, NULL);

    /* All pairs: exact = same bytes as an earlier document; near candidates = an earlier
     * document with tokens and no earlier copy whose estimate reaches the threshold. LSH finds a
     * subset of those (bands miss some borderline pairs); the one-word edits it must find. */
    int64_t ap_exact[N_SHARDS] = {0}, ap_near[N_SHARDS] = {0}, planted_near[N_SHARDS] = {0};
    size_t boiler = 0;
    for (int s = 0, i = 0; s < N_SHARDS; s++) {
        for (; (size_t)i < c.shard_end[s]; i++) {
            int exact = 0, near = 0, first_copy_near = 0;
            for (int j = 0; j < i && !exact; j++) exact = !strcmp(c.text[i], c.text[j]);
            for (int j = 0; j < i && !exact && nsh[i]; j++) {
                int earlier_copy = 0;
                for (int e = 0; e < j && !earlier_copy; e++) earlier_copy = !strcmp(c.text[e], c.text[j]);
                if (earlier_copy || !nsh[j]) continue;
                int a = ep_sig_agree(sigs + (size_t)i * k, sigs + (size_t)j * k, k);
                if (a >= min_agree) near = 1;
                if (a >= 100) first_copy_near = 1;
            }
            ap_exact[s] += exact;
            ap_near[s] += near;
            planted_near[s] += c.kind[i] == PLANT_NEAR && !exact && first_copy_near;
            boiler += c.kind[i] == PLANT_BOILER;
        }
    }
    print_message("%zu documents in %d shards, %zu boilerplate copies (bucket_cap %d)\n", c.n, N_SHARDS, boiler,
                  cfg.bucket_cap);
    assert_true(boiler > (size_t)cfg.bucket_cap + 2); /* the cap is exercised */

    run_out r1, r3, rs;
    run_probe(&c, 64u << 20, 1, 1, sigs, nsh, &r1);
    run_probe(&c, 64u << 20, 3, 2, sigs, nsh, &r3);
    run_probe(&c, 160u << 10, 2, 2, sigs, nsh, &rs); /* signatures spill past ~160 documents */
    int64_t tot_near = 0, tot_ap = 0, tot_planted = 0;
    for (int s = 0; s < N_SHARDS; s++) {
        assert_string_equal(r1.shard[s], r3.shard[s]);
        ep_jv *o = ep_jv_parse(r1.shard[s], strlen(r1.shard[s]), NULL);
        ep_jv *os = ep_jv_parse(rs.shard[s], strlen(rs.shard[s]), NULL);
        int64_t ex = nd_int(o, "exact_dup_docs"), nr = nd_int(o, "near_dup_docs");
        assert_int_equal(nd_int(os, "near_dup_docs"), nr);
        assert_int_equal(nd_int(os, "candidate_pairs"), nd_int(o, "candidate_pairs"));
        assert_int_equal(ex, ap_exact[s]);
        assert_true(nr <= ap_near[s]);
        assert_true(nr >= planted_near[s]);
        tot_near += nr;
        tot_ap += ap_near[s];
        tot_planted += planted_near[s];
        ep_jv_free(o);
        ep_jv_free(os);
    }
    ep_jv *cs = ep_jv_parse(rs.corpus, strlen(rs.corpus), NULL);
    print_message("small budget: %lld signatures spilled in the corpus state\n", (long long)nd_int(cs, "signatures_spilled"));
    assert_true(nd_int(cs, "signatures_spilled") > 0);
    ep_jv_free(cs);
    print_message("near duplicates: %lld by LSH, %lld by all pairs, %lld planted one-word edits\n",
                  (long long)tot_near, (long long)tot_ap, (long long)tot_planted);
    assert_true(tot_planted > 20);
    assert_true(tot_near > tot_planted);
    assert_string_equal(r1.corpus, r3.corpus);
    /* The corpus figures follow the whole-corpus run (checked in run_probe), which is not the sum
     * of the shards': there a document marked near in band b leaves the later bands' tables. */
    ep_jv *co = ep_jv_parse(r1.corpus, strlen(r1.corpus), NULL);
    print_message("corpus near duplicates %lld, sum over shards %lld\n", (long long)nd_int(co, "near_dup_docs"),
                  (long long)tot_near);
    ep_jv_free(co);
    for (int s = 0; s < N_SHARDS; s++) {
        free(r1.shard[s]);
        free(r3.shard[s]);
        free(rs.shard[s]);
    }
    free(r1.corpus);
    free(r3.corpus);
    free(rs.corpus);
    free(sigs);
    free(nsh);
    ep_minhash_scratch_free(scr);
    ep_minhash_free(mh);
    corpus_free(&c);
}

/* Past the per-document limit (B/2 / 28 documents) the corpus state stops committing shards;
 * every later shard must still report the limit, not the lag of the corpus index behind it. */
static void shards_past_the_document_limit_report_the_limit(void **state)
{
    (void)state;
    static corpus c;
    corpus_make(&c);
    const ep_probe_vtable *vt = &ep_probe_near_dedup;
    const uint64_t mem = 4096;
    const size_t limit = mem / 2 / 28 + 1; /* first document count that fails */
    ep_probe_env env = {.mem_bytes = mem, .nthreads = 1};
    ep_probe_env cenv = env;
    cenv.is_corpus = 1;
    void *corp = hp_create(vt, &cenv);
    assert_non_null(corp);
    int over = 0;
    for (int s = 0; s < N_SHARDS; s++) {
        size_t lo = s ? c.shard_end[s - 1] : 0, hi = c.shard_end[s];
        void *sh = hp_create(vt, &env);
        assert_non_null(sh);
        for (size_t i = lo; i < hi; i++) {
            ep_doc d = mkdoc(c.text[i], i - lo);
            hp_observe(vt, sh, &d, NULL, 7);
        }
        ep_status fr;
        ep_jv *o = finish_obj_status(sh, corp, &env, &fr);
        const ep_jv *e = ep_jv_get(ep_jv_get(ep_jv_get(o, "dedup"), "near_dedup"), "error");
        assert_int_equal(fr, hi >= limit ? EP_ERR_LIMIT : EP_OK); /* giving up is a status (the scan records it) */
        if (hi >= limit) {
            over++;
            assert_non_null(e);
            assert_non_null(strstr(ep_jv_as_str(e), "per-document state"));
        } else {
            assert_null(e);
        }
        ep_jv_free(o);
        assert_int_equal(hp_fold(vt, corp, sh), EP_OK);
        vt->free(sh);
    }
    assert_true(over > 2); /* several shards after the first over the limit */
    vt->free(corp);
    corpus_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(incremental_shards_match_whole_index_and_all_pairs),
        cmocka_unit_test(shards_past_the_document_limit_report_the_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
