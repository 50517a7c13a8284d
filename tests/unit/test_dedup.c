/* Dedup: normalization, MinHash accuracy, planted duplicates (recall/precision), memory
 * fallback, determinism across threads, the near_dedup and repetition probes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ep_test.h"
#include "dedup_test_util.h"
#include "base/xxh.h"
#include "dedup/dedup_internal.h"
#include "entroprof/dedup.h"
#include "entroprof/json.h"
#include "probe/probes_internal.h"
#include "probe_harness.h"

/* ---- generators ------------------------------------------------------------------------ */

/* A random lowercase word of 3..9 letters (collisions between documents are negligible). */
static void rand_word(uint64_t *rng, char *w)
{
    int n = 3 + (int)(rng_next(rng) % 7);
    for (int i = 0; i < n; i++) w[i] = (char)('a' + rng_next(rng) % 26);
    w[n] = 0;
}

typedef struct {
    char words[200][12];
    int n;
} wdoc;

static void wdoc_random(wdoc *d, uint64_t *rng, int n)
{
    d->n = n;
    for (int i = 0; i < n; i++) rand_word(rng, d->words[i]);
}

/* Joins words with spaces; a blank line after every 'para' words when para > 0. */
static char *wdoc_text(const wdoc *d, int para)
{
    char *t = malloc((size_t)d->n * 14 + 16), *p = t;
    for (int i = 0; i < d->n; i++) {
        if (i) {
            if (para && i % para == 0) { *p++ = '\n'; *p++ = '\n'; }
            else *p++ = ' ';
        }
        size_t l = strlen(d->words[i]);
        memcpy(p, d->words[i], l);
        p += l;
    }
    *p = 0;
    return t;
}

/* ---- normalization and signatures -------------------------------------------------------- */

static void normalize_folds_case_punctuation_space_and_nfc(void **state)
{
    (void)state;
    ep_minhash_scratch *s = ep_minhash_scratch_create();
    size_t n;
    assert_string_equal(ep_dedup_normalize(s, "Hello,  World!\n\tDon't STOP.", 28, &n), "hello world dont stop");
    /* A + combining ring above (decomposed) == U+00C5 (composed): both fold to U+00E5. */
    const char *dec = "A\xCC\x8A" "BC", *com = "\xC3\x85" "bc";
    char a[64], b[64];
    snprintf(a, sizeof a, "%s", ep_dedup_normalize(s, dec, strlen(dec), &n));
    snprintf(b, sizeof b, "%s", ep_dedup_normalize(s, com, strlen(com), &n));
    assert_string_equal(a, b);
    assert_string_equal(a, "\xC3\xA5" "bc");
    /* Han and kana: one token per code point; Latin word stays whole; fullwidth punctuation gone. */
    const char *cjk = "\xE6\x97\xA5\xE6\x9C\xAC\xE3\x81\xA7\xE3\x80\x82Tokyo";
    assert_string_equal(ep_dedup_normalize(s, cjk, strlen(cjk), &n),
                        "\xE6\x97\xA5 \xE6\x9C\xAC \xE3\x81\xA7 tokyo");
    assert_string_equal(ep_dedup_normalize(s, " \n ", 3, &n), "");
    ep_minhash_scratch_free(s);
}

static void lsh_s_curve_matches_formula(void **state)
{
    (void)state;
    /* 1 - (1 - s^8)^14 */
    assert_near(ep_lsh_candidate_probability(0.72, 14, 8), 1 - pow(1 - pow(0.72, 8), 14), 1e-12);
    assert_true(ep_lsh_candidate_probability(0.5, 14, 8) < 0.06);
    assert_true(ep_lsh_candidate_probability(0.85, 14, 8) > 0.9);
}

/* Documents with known shingle Jaccard: A = 300 words, B = A's first m words + new words.
 * Shared 5-gram shingles = m - 4, each document has 296: J = (m-4) / (592 - (m-4)). */
static void minhash_estimates_jaccard_without_bias(void **state)
{
    (void)state;
    ep_dedup_config cfg;
    ep_dedup_config_default(&cfg);
    ep_minhash *mh;
    assert_int_equal(ep_minhash_create(&mh, &cfg, NULL), EP_OK);
    ep_minhash_scratch *s = ep_minhash_scratch_create();
    int k = ep_minhash_k(mh);
    assert_int_equal(k, 112);
    uint32_t *sa = malloc(sizeof(uint32_t) * k), *sb = malloc(sizeof(uint32_t) * k);
    uint64_t rng = 7;
    const int ms[3] = {150, 225, 280};
    for (int mi = 0; mi < 3; mi++) {
        int m = ms[mi];
        double J = (double)(m - 4) / (592.0 - (m - 4)), sum = 0, sumsq = 0;
        const int reps = 30;
        for (int rep = 0; rep < reps; rep++) {
            static wdoc a, b;
            wdoc_random(&a, &rng, 200);
            /* 300 words do not fit a wdoc: build texts directly */
            char ta[4096], tb[4096];
            size_t la = 0, lb = 0;
            char w[12];
            for (int i = 0; i < 300; i++) {
                rand_word(&rng, w);
                la += (size_t)sprintf(ta + la, "%s ", w);
                if (i < m) lb += (size_t)sprintf(tb + lb, "%s ", w);
            }
            for (int i = m; i < 300; i++) {
                rand_word(&rng, w);
                lb += (size_t)sprintf(tb + lb, "%s ", w);
            }
            (void)b;
            assert_int_equal(ep_minhash_sign(mh, s, ta, la, sa, NULL), 296);
            assert_int_equal(ep_minhash_sign(mh, s, tb, lb, sb, NULL), 296);
            double e = ep_minhash_jaccard(sa, sb, k) - J;
            sum += e;
            sumsq += e * e;
        }
        double bias = sum / reps, rmse = sqrt(sumsq / reps), sd = sqrt(J * (1 - J) / k);
        print_message("J = %.3f: bias %+.4f, rmse %.4f (binomial sd %.4f)\n", J, bias, rmse, sd);
        assert_true(fabs(bias) < 3 * sd / sqrt(reps) + 0.01);
        assert_true(rmse < 1.5 * sd);
    }
    free(sa);
    free(sb);
    ep_minhash_scratch_free(s);
    ep_minhash_free(mh);
}

/* ---- planted duplicates ------------------------------------------------------------------ */

enum { N_BASE = 300, N_EACH = 60 };
enum { CAT_BASE, CAT_EXACT, CAT_EDIT, CAT_SHUFFLE, CAT_TEMPLATE, N_CAT };
static const char *const cat_names[N_CAT] = {"distinct", "exact copy", "one-word edit", "shuffled paragraphs",
                                              "boilerplate template"};

typedef struct {
    char **texts;
    int *cat;
    size_t n;
} corpus;

static void corpus_free(corpus *c)
{
    for (size_t i = 0; i < c->n; i++) free(c->texts[i]);
    free(c->texts);
    free(c->cat);
}

/* N_BASE distinct 200-word documents, then N_EACH of each duplicate kind derived from them. */
static void corpus_make(corpus *c)
{
    size_t total = N_BASE + 4 * N_EACH;
    c->texts = calloc(total, sizeof *c->texts);
    c->cat = calloc(total, sizeof *c->cat);
    c->n = 0;
    uint64_t rng = 42;
    static wdoc base[N_BASE];
    for (int i = 0; i < N_BASE; i++) {
        wdoc_random(&base[i], &rng, 200);
        c->texts[c->n] = wdoc_text(&base[i], 50);
        c->cat[c->n++] = CAT_BASE;
    }
    for (int i = 0; i < N_EACH; i++) {
        c->texts[c->n] = strdup(c->texts[i]);
        c->cat[c->n++] = CAT_EXACT;
    }
    for (int i = 0; i < N_EACH; i++) {
        wdoc d = base[N_EACH + i];
        rand_word(&rng, d.words[rng_next(&rng) % 200]);
        c->texts[c->n] = wdoc_text(&d, 50);
        c->cat[c->n++] = CAT_EDIT;
    }
    for (int i = 0; i < N_EACH; i++) {
        const wdoc *b = &base[2 * N_EACH + i];
        wdoc d = *b;
        static const int perm[4] = {2, 0, 3, 1};
        for (int p = 0; p < 4; p++) memcpy(d.words[50 * p], b->words[50 * perm[p]], sizeof d.words[0] * 50);
        c->texts[c->n] = wdoc_text(&d, 50);
        c->cat[c->n++] = CAT_SHUFFLE;
    }
    /* Templates: base document 3N..4N with three slots (words 20, 100, 180) filled anew. */
    for (int i = 0; i < N_EACH; i++) {
        wdoc d = base[3 * N_EACH + i];
        rand_word(&rng, d.words[20]);
        rand_word(&rng, d.words[100]);
        rand_word(&rng, d.words[180]);
        c->texts[c->n] = wdoc_text(&d, 50);
        c->cat[c->n++] = CAT_TEMPLATE;
    }
}

static ep_dedup_index *index_corpus(const corpus *c, const ep_dedup_config *cfg)
{
    ep_minhash *mh;
    assert_int_equal(ep_minhash_create(&mh, cfg, NULL), EP_OK);
    ep_minhash_scratch *s = ep_minhash_scratch_create();
    ep_dedup_index *ix;
    ep_error err;
    assert_int_equal(ep_dedup_index_create(&ix, cfg, &err), EP_OK);
    uint32_t sig[512];
    for (size_t i = 0; i < c->n; i++) {
        size_t len = strlen(c->texts[i]);
        size_t nsh = ep_minhash_sign(mh, s, c->texts[i], len, sig, NULL);
        XXH128_hash_t h = XXH3_128bits(c->texts[i], len);
        uint32_t gid;
        assert_int_equal(ep_dedup_index_add(ix, sig, nsh, h.low64, h.high64, &gid, &err), EP_OK);
        assert_int_equal(gid, i);
    }
    assert_int_equal(ep_dedup_index_run(ix, 0, &err), EP_OK);
    ep_minhash_scratch_free(s);
    ep_minhash_free(mh);
    return ix;
}

static void planted_duplicates_recall_and_precision(void **state)
{
    (void)state;
    corpus c;
    corpus_make(&c);
    ep_dedup_config cfg;
    ep_dedup_config_default(&cfg);
    ep_dedup_index *ix = index_corpus(&c, &cfg);
    int found[N_CAT] = {0}, total[N_CAT] = {0}, kept_right = 0;
    for (size_t i = 0; i < c.n; i++) {
        ep_dedup_result r;
        ep_dedup_index_result(ix, (uint32_t)i, &r);
        total[c.cat[i]]++;
        found[c.cat[i]] += r.kind != EP_DUP_NONE;
        if (c.cat[i] == CAT_EXACT) assert_int_equal(r.kind, EP_DUP_EXACT);
        /* every planted duplicate of base j (j = i - N_BASE mod ... ) must point at its base */
        if (c.cat[i] != CAT_BASE && r.kind != EP_DUP_NONE) {
            size_t j = (size_t)(c.cat[i] - 1) * N_EACH + (i - N_BASE) % N_EACH;
            kept_right += r.kept == j;
            if (r.kind == EP_DUP_NEAR) assert_true(r.jaccard_match >= cfg.threshold);
        }
    }
    int tp = 0, dups = 0;
    for (int k = 1; k < N_CAT; k++) {
        tp += found[k];
        dups += total[k];
        print_message("%-22s recall %.3f (%d/%d)\n", cat_names[k], (double)found[k] / total[k], found[k], total[k]);
    }
    double precision = (double)tp / (tp + found[CAT_BASE]);
    print_message("precision %.4f (false positives among %d distinct documents: %d)\n", precision,
                  total[CAT_BASE], found[CAT_BASE]);
    assert_int_equal(found[CAT_EXACT], N_EACH);
    assert_true(found[CAT_EDIT] >= 0.9 * N_EACH);
    assert_true(found[CAT_SHUFFLE] >= 0.9 * N_EACH);
    assert_true(found[CAT_TEMPLATE] >= 0.9 * N_EACH);
    assert_true(precision >= 0.99);
    assert_int_equal(kept_right, tp);
    (void)dups;
    ep_dedup_index_free(ix);
    corpus_free(&c);
}

/* A 40 KiB budget spills most signatures and splits each band into partitions: same results. */
static void tiny_budget_spills_and_partitions_with_same_clusters(void **state)
{
    (void)state;
    corpus c;
    corpus_make(&c);
    ep_dedup_config cfg;
    ep_dedup_config_default(&cfg);
    ep_dedup_index *big = index_corpus(&c, &cfg);
    cfg.mem_bytes = 40 << 10;
    ep_dedup_index *tiny = index_corpus(&c, &cfg);
    ep_dedup_stats sb, st;
    ep_dedup_index_stats(big, &sb);
    ep_dedup_index_stats(tiny, &st);
    print_message("tiny budget: %llu signatures spilled, %llu partitions per band\n",
                  (unsigned long long)st.sig_docs_spilled, (unsigned long long)st.partitions_per_band);
    assert_int_equal(sb.sig_docs_spilled, 0);
    assert_int_equal(sb.partitions_per_band, 1);
    assert_true(st.sig_docs_spilled > c.n / 2);
    assert_true(st.partitions_per_band > 1);
    for (size_t i = 0; i < c.n; i++) {
        ep_dedup_result a, b;
        ep_dedup_index_result(big, (uint32_t)i, &a);
        ep_dedup_index_result(tiny, (uint32_t)i, &b);
        assert_int_equal(a.kind, b.kind);
        assert_int_equal(a.kept, b.kept);
        assert_int_equal(a.match, b.match);
        assert_true(a.jaccard_kept == b.jaccard_kept);
    }
    /* A budget too small for per-document state fails with EP_ERR_LIMIT, not a crash. */
    cfg.mem_bytes = 4096;
    ep_dedup_index *ix;
    ep_error err;
    assert_int_equal(ep_dedup_index_create(&ix, &cfg, &err), EP_OK);
    uint32_t sig[112] = {0};
    ep_status stt = EP_OK;
    for (int i = 0; i < 1000 && stt == EP_OK; i++) stt = ep_dedup_index_add(ix, sig, 1, (uint64_t)i, 0, NULL, &err);
    assert_int_equal(stt, EP_ERR_LIMIT);
    ep_dedup_index_free(ix);
    ep_dedup_index_free(big);
    ep_dedup_index_free(tiny);
    corpus_free(&c);
}

/* Queries against references (earlier shards) give the same status as one run over all. */
static void query_run_matches_full_run(void **state)
{
    (void)state;
    corpus c;
    corpus_make(&c);
    ep_dedup_config cfg;
    ep_dedup_config_default(&cfg);
    ep_dedup_index *ix = index_corpus(&c, &cfg);
    ep_dedup_result full[N_BASE + 4 * N_EACH];
    for (size_t i = 0; i < c.n; i++) ep_dedup_index_result(ix, (uint32_t)i, &full[i]);
    assert_int_equal(ep_dedup_index_run(ix, N_BASE + N_EACH, NULL), EP_OK);
    for (size_t i = N_BASE + N_EACH; i < c.n; i++) {
        ep_dedup_result r;
        ep_dedup_index_result(ix, (uint32_t)i, &r);
        assert_int_equal(r.kind, full[i].kind);
        assert_int_equal(r.match, full[i].match);
    }
    ep_dedup_index_free(ix);
    corpus_free(&c);
}

/* ---- traceability run and determinism across threads --------------------------------------- */


static void dedup_run_is_identical_for_1_and_2_threads(void **state)
{
    (void)state;
    corpus c;
    corpus_make(&c);
    char dir[] = "/tmp/ep-test-dedup-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char p1[128], p2[128], o1[128], o2[128];
    snprintf(p1, sizeof p1, "%s/a.jsonl", dir);
    snprintf(p2, sizeof p2, "%s/b.jsonl", dir);
    /* Shard a: the distinct documents; shard b: the planted duplicates, with ids. */
    FILE *fa = fopen(p1, "w"), *fb = fopen(p2, "w");
    for (size_t i = 0; i < c.n; i++) {
        FILE *f = i < N_BASE ? fa : fb;
        fprintf(f, "{\"id\":\"doc%zu\",\"text\":\"", i);
        for (const char *t = c.texts[i]; *t; t++) {
            if (*t == '\n') fputs("\\n", f);
            else fputc(*t, f);
        }
        fputs("\"}\n", f);
    }
    fclose(fa);
    fclose(fb);
    const char *in[1] = {dir};
    ep_reader_config rc;
    ep_reader_config_default(&rc);
    ep_dedup_config cfg;
    ep_dedup_config_default(&cfg);
    uint64_t d1, e1, n1, d2, e2, n2;
    snprintf(o1, sizeof o1, "%s/out1", dir);
    snprintf(o2, sizeof o2, "%s/out2", dir);
    ep_error err;
    for (int t = 1; t <= 2; t++) {
        cfg.threads = t;
        FILE *o = fopen(t == 1 ? o1 : o2, "w");
        assert_int_equal(ep_dedup_run(in, 1, &rc, &cfg, o, t == 1 ? &d1 : &d2, t == 1 ? &e1 : &e2,
                                      t == 1 ? &n1 : &n2, NULL, &err),
                         EP_OK);
        fclose(o);
    }
    size_t l1, l2;
    char *b1 = ep_test_slurp(o1, &l1), *b2 = ep_test_slurp(o2, &l2);
    assert_non_null(b1);
    assert_non_null(b2);
    assert_int_equal(d1, c.n);
    assert_int_equal(e1, N_EACH);
    assert_true(n1 >= 3 * 0.9 * N_EACH);
    assert_int_equal(l1, l2);
    assert_memory_equal(b1, b2, l1);
    /* Traceability: the first exact duplicate is doc300 (line 1 of b) and keeps doc0 of a. */
    assert_non_null(strstr(b1, "{\"shard\":"));
    char *line1 = strstr(b1, "\"id\":\"doc300\"");
    assert_non_null(line1);
    char *nl = strchr(line1, '\n');
    *nl = 0;
    assert_non_null(strstr(line1, "\"kind\":\"exact\""));
    assert_non_null(strstr(line1, "\"kept\":{\"shard\":"));
    assert_non_null(strstr(line1, "\"id\":\"doc0\"}"));
    free(b1);
    free(b2);
    unlink(o1);
    unlink(o2);
    unlink(p1);
    unlink(p2);
    rmdir(dir);
    corpus_free(&c);
}

/* ---- probes -------------------------------------------------------------------------------- */

static char *finish_json(const ep_probe_vtable *vt, void *st, const void *before, const ep_probe_env *env)
{
    ep_jv *o = ep_jv_obj();
    assert_int_equal(hp_finish(vt, st, before, o, env), EP_OK);
    char *buf;
    size_t n;
    FILE *f = open_memstream(&buf, &n);
    ep_jv_write(o, f, -1);
    fclose(f);
    ep_jv_free(o);
    return buf;
}

/* Two shards: a (distinct + exact copies inside), b (near copies of a's documents). The shard
 * result of b sees a through `before`; observing with 1 or 2 worker states in any order gives
 * the same bytes; the corpus overlap table says b duplicates a. */
static void near_dedup_probe_is_deterministic_and_cross_shard(void **state)
{
    (void)state;
    corpus c;
    corpus_make(&c);
    const ep_probe_vtable *vt = &ep_probe_near_dedup;
    ep_probe_env env = {.mem_bytes = 64u << 20};
    ep_probe_env cenv = env;
    cenv.is_corpus = 1;
    /* shard a = bases + exact copies (indices 0..359); shard b = the near copies */
    size_t na = N_BASE + N_EACH;
    char *out[2][2];
    for (int workers = 1; workers <= 2; workers++) {
        void *corp = hp_create(vt, &cenv);
        for (int sh = 0; sh < 2; sh++) {
            size_t lo = sh ? na : 0, hi = sh ? c.n : na;
            void *w[2] = {hp_create(vt, &env), workers == 2 ? hp_create(vt, &env) : NULL};
            /* with 2 workers: worker 0 sees even documents forward, worker 1 odd ones backward */
            for (size_t i = lo; i < hi; i++) {
                if (workers == 2 && (i - lo) % 2) continue;
                ep_doc d = mkdoc(c.texts[i], i - lo);
                hp_observe(vt, w[0], &d, NULL, 10);
            }
            for (size_t i = hi; workers == 2 && i-- > lo;) {
                if ((i - lo) % 2 == 0) continue;
                ep_doc d = mkdoc(c.texts[i], i - lo);
                hp_observe(vt, w[1], &d, NULL, 10);
            }
            void *shard = hp_create(vt, &env);
            for (int k = workers - 1; k >= 0; k--) assert_int_equal(hp_merge(vt, shard, w[k]), EP_OK);
            out[workers - 1][sh] = finish_json(vt, shard, corp, &env);
            assert_int_equal(hp_fold(vt, corp, shard), EP_OK);
            vt->free(shard);
            vt->free(w[0]);
            vt->free(w[1]);
        }
        char *cj = finish_json(vt, corp, NULL, &cenv);
        if (workers == 1) {
            print_message("corpus: %s\n", cj);
            assert_non_null(strstr(cj, "\"exact_dup_docs\":60"));
            assert_non_null(strstr(cj, "{\"shard_a\":0,\"shard_b\":0,\"docs\":60}"));
            assert_non_null(strstr(cj, "{\"shard_a\":0,\"shard_b\":1,\"docs\":"));
        }
        free(cj);
        vt->free(corp);
    }
    for (int sh = 0; sh < 2; sh++) {
        assert_string_equal(out[0][sh], out[1][sh]);
        print_message("shard %d: %s\n", sh, out[0][sh]);
    }
    assert_non_null(strstr(out[0][0], "\"near_dup_docs\":0"));
    assert_non_null(strstr(out[0][0], "\"unique_docs\":300"));
    assert_null(strstr(out[0][1], "\"near_dup_docs\":0,"));
    assert_non_null(strstr(out[0][1], "\"exact_dup_docs\":0"));
    for (int i = 0; i < 2; i++)
        for (int sh = 0; sh < 2; sh++) free(out[i][sh]);
    corpus_free(&c);
}

static void repetition_counts_follow_gopher_definitions(void **state)
{
    (void)state;
    ep_repetition_scratch *s = ep_repetition_scratch_create();
    ep_repetition_counts c;
    assert_int_equal(ep_repetition_doc(s, "ab\nab\ncd", 8, &c), EP_OK);
    assert_int_equal(c.lines, 3);
    assert_int_equal(c.dup_lines, 1);
    assert_int_equal(c.dup_line_chars, 2);
    assert_int_equal(c.chars, 8);
    const char *t = "the cat the cat the cat";
    assert_int_equal(ep_repetition_doc(s, t, strlen(t), &c), EP_OK);
    assert_int_equal(c.top_ngram_chars[0], 7 * 3);  /* "the cat" x 3 */
    assert_int_equal(c.top_ngram_chars[1], 11 * 2); /* "the cat the" x 2 (seen before "cat the cat") */
    assert_int_equal(c.dup_ngram_chars[0], 0);
    /* w1..w10 twice: the second copy is two repeated 5-grams = all of w1..w10's characters. */
    const char *u = "a1 b22 c333 d4 e5 f6 g7 h8 i9 j10 a1 b22 c333 d4 e5 f6 g7 h8 i9 j10";
    assert_int_equal(ep_repetition_doc(s, u, strlen(u), &c), EP_OK);
    assert_int_equal(c.dup_ngram_chars[0], 2 + 3 + 4 + 2 * 6 + 3);
    assert_int_equal(c.dup_ngram_chars[5], 2 + 3 + 4 + 2 * 6 + 3); /* n = 10 */
    ep_repetition_scratch_free(s);

    const ep_probe_vtable *vt = &ep_probe_repetition;
    ep_probe_env env = {.mem_bytes = 0};
    void *a = hp_create(vt, &env), *b = hp_create(vt, &env);
    ep_doc d1 = mkdoc("ab\nab\ncd", 0), d2 = mkdoc("x\ny", 1);
    hp_observe(vt, a, &d1, NULL, 0);
    hp_observe(vt, b, &d2, NULL, 0);
    assert_int_equal(hp_merge(vt, a, b), EP_OK);
    ep_jv *o = ep_jv_obj();
    assert_int_equal(hp_finish(vt, a, NULL, o, &env), EP_OK);
    /* mean over documents of 1/3 and 0; stream: 1 duplicate line of 5 lines */
    assert_near(ep_jv_as_num(ep_jv_path(o, "repetition.dup_line_frac.mean_doc"), -1), 1.0 / 6, 1e-9);
    assert_near(ep_jv_as_num(ep_jv_path(o, "repetition.dup_line_frac.char_weighted"), -1), 1.0 / 5, 1e-12);
    assert_int_equal(ep_jv_as_int(ep_jv_path(o, "repetition.docs"), -1), 2);
    ep_jv_free(o);
    vt->free(a);
    vt->free(b);
}

/* ---- naive reference of the Gopher counts (string compares, quadratic), for the fast path -- */

typedef struct {
    const char *p;
    size_t len;
    uint64_t cps;
} ref_span;

static uint64_t ref_cps(const char *t, size_t n)
{
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++) c += ((unsigned char)t[i] & 0xC0) != 0x80;
    return c;
}

static int ref_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f'; }

static int ref_gram_eq(const ref_span *w, size_t a, size_t b, size_t n)
{
    for (size_t t = 0; t < n; t++)
        if (w[a + t].len != w[b + t].len || memcmp(w[a + t].p, w[b + t].p, w[a + t].len)) return 0;
    return 1;
}

static void ref_repetition(const char *text, size_t len, ep_repetition_counts *c)
{
    memset(c, 0, sizeof *c);
    c->chars = ref_cps(text, len);
    ref_span *ln = calloc(len + 1, sizeof *ln), *w = calloc(len + 1, sizeof *w);
    size_t nl = 0, nw = 0;
    for (size_t i = 0; i <= len;) {
        size_t j = i;
        while (j < len && text[j] != '\n') j++;
        if (j > i) {
            int dup = 0;
            for (size_t k = 0; k < nl && !dup; k++) dup = ln[k].len == j - i && !memcmp(ln[k].p, text + i, j - i);
            ln[nl++] = (ref_span){text + i, j - i, ref_cps(text + i, j - i)};
            c->lines++;
            if (dup) c->dup_lines++, c->dup_line_chars += ln[nl - 1].cps;
        }
        i = j + 1;
    }
    for (size_t i = 0; i < len;) {
        while (i < len && ref_space(text[i])) i++;
        if (i >= len) break;
        size_t j = i;
        while (j < len && !ref_space(text[j])) j++;
        w[nw++] = (ref_span){text + i, j - i, ref_cps(text + i, j - i)};
        i = j;
    }
    for (size_t n = 2; n <= 4 && n <= nw; n++) {
        size_t best = 0, best_count = 0;
        for (size_t i = 0; i + n <= nw; i++) {
            size_t first = i, count = 0;
            for (size_t j = 0; j + n <= nw; j++)
                if (ref_gram_eq(w, i, j, n)) {
                    if (j < first) first = j;
                    count++;
                }
            if (first == i && count > best_count) best = i, best_count = count;
        }
        uint64_t ch = n - 1;
        for (size_t t = 0; t < n; t++) ch += w[best + t].cps;
        c->top_ngram_chars[n - 2] = ch * best_count;
    }
    for (size_t n = 5; n <= 10 && n <= nw; n++) {
        char *visited = calloc(nw, 1);
        uint64_t rep = 0;
        for (size_t i = 0; i + n <= nw;) {
            int dup = 0;
            for (size_t j = 0; j < i && !dup; j++) dup = visited[j] && ref_gram_eq(w, i, j, n);
            visited[i] = 1;
            if (dup) {
                for (size_t t = 0; t < n; t++) rep += w[i + t].cps;
                i += n;
            } else {
                i++;
            }
        }
        c->dup_ngram_chars[n - 5] = rep;
        free(visited);
    }
    free(ln);
    free(w);
}

/* Random documents over a tiny vocabulary (many repeated n-grams, lines and ties), with mixed
 * whitespace and multi-byte words: the fast counts equal the naive ones exactly, with the sets at
 * their default start (start_keys >= 1: they never grow here) and starting at one key (they double
 * many times per document: growing keeps every first position and count). */
static void check_repetition_against_naive(size_t start_keys)
{
    static const char *const vocab[] = {"a", "bb", "a", "caf\xC3\xA9", "\xE6\x97\xA5", "x1", "bb", "zz"};
    static const char *const gaps[] = {" ", " ", " ", "  ", "\n", "\t", " \r\n", "\n\n", "\f", "\v"};
    ep_repetition_scratch *s = ep_repetition_scratch_create();
    assert_non_null(s);
    if (start_keys) ep_repetition_scratch_set_start_keys(s, start_keys);
    uint64_t rng = 99;
    char buf[2048];
    int checked_dups = 0;
    for (int doc = 0; doc < 400; doc++) {
        size_t n = 0, words = (size_t)(rng_next(&rng) % 120);
        int vsz = 2 + (int)(rng_next(&rng) % 7);
        if (rng_next(&rng) % 3 == 0) buf[n++] = ' ';
        for (size_t i = 0; i < words; i++) {
            const char *v = vocab[rng_next(&rng) % (uint64_t)vsz];
            memcpy(buf + n, v, strlen(v));
            n += strlen(v);
            const char *g = gaps[rng_next(&rng) % 10];
            if (i + 1 < words || rng_next(&rng) % 2) {
                memcpy(buf + n, g, strlen(g));
                n += strlen(g);
            }
        }
        ep_repetition_counts got, want;
        assert_int_equal(ep_repetition_doc(s, buf, n, &got), EP_OK);
        ref_repetition(buf, n, &want);
        assert_memory_equal(&got, &want, sizeof got);
        checked_dups += want.dup_ngram_chars[5] > 0;
    }
    assert_true(checked_dups > 50); /* the generator does exercise the greedy scan */
    ep_repetition_scratch_free(s);
}

static void repetition_counts_match_naive_reference(void **state)
{
    (void)state;
    check_repetition_against_naive(0);
}

static void repetition_sets_that_grow_keep_the_counts(void **state)
{
    (void)state;
    check_repetition_against_naive(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normalize_folds_case_punctuation_space_and_nfc),
        cmocka_unit_test(lsh_s_curve_matches_formula),
        cmocka_unit_test(minhash_estimates_jaccard_without_bias),
        cmocka_unit_test(planted_duplicates_recall_and_precision),
        cmocka_unit_test(tiny_budget_spills_and_partitions_with_same_clusters),
        cmocka_unit_test(query_run_matches_full_run),
        cmocka_unit_test(dedup_run_is_identical_for_1_and_2_threads),
        cmocka_unit_test(near_dedup_probe_is_deterministic_and_cross_shard),
        cmocka_unit_test(repetition_counts_follow_gopher_definitions),
        cmocka_unit_test(repetition_counts_match_naive_reference),
        cmocka_unit_test(repetition_sets_that_grow_keep_the_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
