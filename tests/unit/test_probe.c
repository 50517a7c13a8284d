/* The probe lifecycle (include/entroprof/probe.h): every registered probe through create ->
 * observe -> merge -> finish -> fold -> free, merges commutative; and the scan's side of the
 * contract (src/scan/scan_probes.c): a probe that fails while observing, finishing or folding is
 * recorded as that probe's error in the profile while the scan and the other probes go on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ep_test.h"
#include "scan/scan_internal.h"
#include "base/xxh.h"
#include "entroprof/json.h"
#include "probe/probes_internal.h"

/* ---- documents ---- */

#define N_DOCS 80 /* two shards of 40 */

typedef struct {
    char text[N_DOCS][96];
    ep_doc doc[N_DOCS];
    ep_token_buf ids[N_DOCS];
} docs_t;

/* Short paragraphs with exact copies (every 9th repeats an earlier one) and near copies. */
static void docs_make(docs_t *d, const ep_tokenizer *tok)
{
    memset(d, 0, sizeof *d);
    ep_tok_scratch *scr = ep_tok_scratch_create(tok);
    assert_non_null(scr);
    for (int i = 0; i < N_DOCS; i++) {
        if (i % 9 == 8) snprintf(d->text[i], sizeof d->text[i], "%s", d->text[i - 5]);
        else snprintf(d->text[i], sizeof d->text[i], "the %s cat number %d sat on mat %d and looked at it",
                      i % 3 ? "grey" : "black", i % 17, i % 5);
        ep_doc *doc = &d->doc[i];
        doc->text = d->text[i];
        doc->len = strlen(d->text[i]);
        doc->index = (uint64_t)(i % (N_DOCS / 2));
        XXH128_hash_t h = XXH3_128bits(doc->text, doc->len);
        doc->hash_lo = h.low64;
        doc->hash_hi = h.high64;
        assert_int_equal(ep_tokenizer_encode(tok, scr, doc->text, doc->len, &d->ids[i]), EP_OK);
    }
    ep_tok_scratch_free(scr);
}

static void docs_free(docs_t *d)
{
    for (int i = 0; i < N_DOCS; i++) ep_token_buf_free(&d->ids[i]);
}


/* Asserts a lifecycle call succeeded and left no message. */
#define assert_ok(call, e)                                                                      \
    do {                                                                                        \
        ep_error_clear(&(e));                                                                   \
        ep_status r_ = (call);                                                                  \
        if (r_ != EP_OK) print_message("%s: %s\n", #call, (e).msg);                             \
        assert_int_equal(r_, EP_OK);                                                            \
        assert_string_equal((e).msg, "");                                                       \
    } while (0)

/* One scan of both shards by hand. split 0: one state per shard sees every document in order;
 * 1: documents dealt to two states (the second sees its share backwards), merged b into a;
 * 2: the same, merged a into b. @return shard 0, shard 1 and corpus JSON, joined. */
static char *run_lifecycle(const ep_probe_vtable *vt, const ep_probe_env *env, const ep_probe_env *cenv,
                           const docs_t *d, int split)
{
    ep_error e;
    void *corpus = NULL;
    assert_ok(vt->create(&corpus, cenv, &e), e);
    ep_jv *all = ep_jv_arr();
    for (int sh = 0; sh < 2; sh++) {
        int lo = sh * (N_DOCS / 2), hi = lo + N_DOCS / 2;
        void *st[2] = {NULL, NULL};
        int n_states = split && vt->merge ? 2 : 1;
        for (int k = 0; k < n_states; k++) assert_ok(vt->create(&st[k], env, &e), e);
        for (int i = lo; i < hi; i++)
            if (n_states == 1 || (i - lo) % 2 == 0)
                assert_ok(vt->observe(st[0], &d->doc[i], d->ids[i].ids, d->ids[i].len, &e), e);
        for (int i = hi; n_states == 2 && i-- > lo;)
            if ((i - lo) % 2) assert_ok(vt->observe(st[1], &d->doc[i], d->ids[i].ids, d->ids[i].len, &e), e);
        void *shard = st[0];
        if (n_states == 2) {
            shard = split == 1 ? st[0] : st[1];
            assert_ok(vt->merge(shard, split == 1 ? st[1] : st[0], &e), e);
        }
        ep_jv *out = ep_jv_push(all, ep_jv_obj());
        assert_ok(vt->finish(shard, corpus, out, env, &e), e);
        assert_ok(vt->fold(corpus, shard, &e), e);
        vt->free(st[0]);
        vt->free(st[1]);
    }
    assert_ok(vt->finish(corpus, NULL, ep_jv_push(all, ep_jv_obj()), cenv, &e), e);
    vt->free(corpus);
    char *s = ep_test_json_text(all);
    ep_jv_free(all);
    return s;
}

/* Every registered probe runs the whole lifecycle without an error, and its results do not
 * depend on how a shard's documents were spread over worker states nor on the order of merges. */
static void every_probe_merges_commutatively_and_folds_after_finish(void **state)
{
    (void)state;
    ep_scan_config cfg;
    ep_scan_config_default(&cfg);
    cfg.lm_enable = 1;
    cfg.lm_tokens = 256; /* a tiny model pass */
    ep_tokenizer *tok = NULL;
    assert_int_equal(ep_tokenizer_open(&tok, "byte", NULL), EP_OK);
    static docs_t d;
    docs_make(&d, tok);
    ep_probe_env env = {.cfg = &cfg, .tok = tok, .mem_bytes = 8u << 20, .nthreads = 1};
    ep_probe_env cenv = env;
    cenv.is_corpus = 1;
    size_t n;
    const ep_probe_vtable *const *reg = ep_probe_registry(&n);
    for (size_t p = 0; p < n; p++) {
        const ep_probe_vtable *vt = reg[p];
        assert_true(vt->enabled(&cfg));
        assert_non_null(vt->create);
        assert_non_null(vt->observe);
        assert_non_null(vt->finish);
        assert_non_null(vt->free);
        assert_true(vt->merge || (vt->flags & EP_PROBE_ORDERED)); /* only ORDERED probes may lack it */
        assert_non_null(vt->fold); /* every built-in probe has corpus figures */
        char *one = run_lifecycle(vt, &env, &cenv, &d, 0);
        char *ab = run_lifecycle(vt, &env, &cenv, &d, 1);
        char *ba = run_lifecycle(vt, &env, &cenv, &d, 2);
        print_message("%s: %.160s...\n", vt->name, one);
        assert_true(strlen(one) > 20); /* it wrote something for both shards and the corpus */
        assert_string_equal(ab, one);
        assert_string_equal(ba, one);
        free(one);
        free(ab);
        free(ba);
        vt->free(NULL); /* NULL-safe */
    }
    docs_free(&d);
    ep_tokenizer_free(tok);
}

/* ---- the scan's side: a probe that fails on purpose ---- */

static struct {
    long fail_doc;   /* observe fails on the document with this index (-1: never) */
    int fail_finish; /* finish fails */
    int fail_fold;   /* fold fails */
    int folds;       /* folds done */
} flaky;

typedef struct {
    uint64_t docs;
} flaky_state;

static ep_status flaky_create(void **out, const ep_probe_env *env, ep_error *err)
{
    (void)env;
    *out = calloc(1, sizeof(flaky_state));
    return *out ? EP_OK : ep_error_set(err, EP_ERR_NOMEM, "flaky: out of memory");
}

static ep_status flaky_observe(void *st, const ep_doc *doc, const ep_token *ids, size_t n, ep_error *err)
{
    (void)ids;
    (void)n;
    if ((long)doc->index == flaky.fail_doc)
        return ep_error_set(err, EP_ERR_NOMEM, "flaky: forced failure at document %llu", (unsigned long long)doc->index);
    ((flaky_state *)st)->docs++;
    return EP_OK;
}

static ep_status flaky_merge(void *into, const void *from, ep_error *err)
{
    (void)err;
    ((flaky_state *)into)->docs += ((const flaky_state *)from)->docs;
    return EP_OK;
}

static ep_status flaky_finish(void *st, const void *before, ep_jv *out, const ep_probe_env *env, ep_error *err)
{
    (void)before;
    if (flaky.fail_finish && !env->is_corpus) return ep_error_set(err, EP_ERR_LIMIT, "flaky: forced finish failure");
    ep_jv_set(out, "flaky_docs", ep_jv_int((int64_t)((flaky_state *)st)->docs));
    return EP_OK;
}

static ep_status flaky_fold(void *corpus, const void *shard, ep_error *err)
{
    if (flaky.fail_fold) return ep_error_set(err, EP_ERR_NOMEM, "flaky: forced fold failure");
    flaky.folds++;
    return flaky_merge(corpus, shard, err);
}

static int flaky_enabled(const ep_scan_config *cfg)
{
    (void)cfg;
    return 1;
}

static const ep_probe_vtable flaky_probe = {
    .name = "flaky",
    .enabled = flaky_enabled,
    .create = flaky_create,
    .observe = flaky_observe,
    .merge = flaky_merge,
    .finish = flaky_finish,
    .fold = flaky_fold,
    .free = free,
};

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return ep_test_mkdtemp(dir, sizeof dir, "ep_test_probe");
}

static int teardown(void **state)
{
    (void)state;
    return ep_test_rmtree(dir);
}

#define SHARD_DOCS 60

/* A scan of `shards` files of SHARD_DOCS paragraphs each, with the probes counts and flaky, on
 * two threads and small batches, through the scan's own lifecycle calls. Returns the shard
 * objects and, last, the corpus object. */
static ep_jv *scan_with_flaky(int shards)
{
    ep_scan_config cfg;
    ep_scan_config_default(&cfg);
    cfg.batch_bytes = 256; /* several batches per shard */
    scan_ctx c;
    memset(&c, 0, sizeof c);
    c.cfg = &cfg;
    c.nthreads = 2;
    c.scratch = calloc(2, sizeof(ep_tok_scratch *));
    c.tokbuf = calloc(2, sizeof *c.tokbuf);
    c.tok_failed = calloc(2, sizeof *c.tok_failed);
    c.probes = calloc(2, sizeof *c.probes);
    assert_true(c.scratch && c.tokbuf && c.tok_failed && c.probes);
    const ep_probe_vtable *vts[2] = {&ep_probe_counts, &flaky_probe};
    ep_error err;
    for (size_t p = 0; p < 2; p++) {
        scan_probe *u = &c.probes[c.n_probes++];
        u->vt = vts[p];
        u->env_shard.cfg = u->env_corpus.cfg = &cfg;
        u->env_shard.nthreads = u->env_corpus.nthreads = c.nthreads;
        u->env_corpus.is_corpus = 1;
        assert_ok(u->vt->create(&u->corpus, &u->env_corpus, &err), err);
    }
    ep_jv *objs = ep_jv_arr();
    for (int sh = 0; sh < shards; sh++) {
        char path[512];
        snprintf(path, sizeof path, "%s/shard%d.txt", dir, sh);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        for (int i = 0; i < SHARD_DOCS; i++) fprintf(f, "shard %d paragraph %d\n\n", sh, i);
        fclose(f);
        scan_rec rec;
        ep_reader_counters total;
        memset(&total, 0, sizeof total);
        size_t failed = 0, partial = 0;
        assert_ok(ep_scan_rec_make(&c, path, &rec, &err), err);
        assert_true(rec.opened && !rec.read_failed);
        assert_ok(ep_scan_rec_apply(&c, path, &rec, objs, &total, &failed, &partial, &err), err);
        ep_scan_rec_free(&c, &rec);
    }
    ep_scan_corpus_finish(&c, ep_jv_push(objs, ep_jv_obj()));
    ep_scan_probes_free(&c);
    for (int t = 0; t < 2; t++) ep_token_buf_free(&c.tokbuf[t]);
    free(c.scratch);
    free(c.tokbuf);
    free(c.tok_failed);
    return objs;
}

/* The message that out.probe_errors holds for flaky, or NULL; asserts it names only flaky. */
static const char *flaky_error(const ep_jv *out)
{
    const ep_jv *pe = ep_jv_get(out, "probe_errors");
    if (!pe) return NULL;
    assert_int_equal(ep_jv_len(pe), 1);
    assert_string_equal(ep_jv_as_str(ep_jv_get(ep_jv_at(pe, 0), "probe")), "flaky");
    return ep_jv_as_str(ep_jv_get(ep_jv_at(pe, 0), "error"));
}

static int64_t docs_of(const ep_jv *out) { return ep_jv_as_int(ep_jv_get(out, "docs"), -1); }

/* A document that flaky cannot observe (on whichever worker thread saw it): that shard records
 * flaky's message in probe_errors; flaky's corpus state now misses a shard, so it gives up on the
 * later shards and on the corpus too. counts is whole everywhere. */
static void an_observe_failure_is_the_probes_error_on_that_shard_and_after(void **state)
{
    (void)state;
    memset(&flaky, 0, sizeof flaky);
    flaky.fail_doc = 7;
    ep_jv *o = scan_with_flaky(3);
    const ep_jv *s0 = ep_jv_at(o, 0), *s1 = ep_jv_at(o, 1), *s2 = ep_jv_at(o, 2), *corpus = ep_jv_at(o, 3);
    assert_string_equal(flaky_error(s0), "flaky: forced failure at document 7");
    assert_null(ep_jv_get(s0, "flaky_docs"));
    for (int k = 0; k < 2; k++) {
        const ep_jv *later = k ? corpus : s1;
        assert_non_null(strstr(flaky_error(later), "earlier shard"));
        assert_non_null(strstr(flaky_error(later), "forced failure at document 7"));
        assert_null(ep_jv_get(later, "flaky_docs"));
    }
    assert_non_null(flaky_error(s2));
    assert_int_equal(flaky.folds, 0);
    assert_int_equal(docs_of(s0), SHARD_DOCS);
    assert_int_equal(docs_of(s1), SHARD_DOCS);
    assert_int_equal(docs_of(corpus), 3 * SHARD_DOCS);
    ep_jv_free(o);
}

/* A failed finish is that shard's error only: the state is still folded, later shards and the
 * corpus are whole. */
static void a_failed_finish_still_folds_the_shard(void **state)
{
    (void)state;
    memset(&flaky, 0, sizeof flaky);
    flaky.fail_doc = -1;
    flaky.fail_finish = 1;
    ep_jv *o = scan_with_flaky(2);
    assert_string_equal(flaky_error(ep_jv_at(o, 0)), "flaky: forced finish failure");
    assert_string_equal(flaky_error(ep_jv_at(o, 1)), "flaky: forced finish failure");
    assert_int_equal(flaky.folds, 2);
    const ep_jv *corpus = ep_jv_at(o, 2);
    assert_null(flaky_error(corpus));
    assert_int_equal(ep_jv_as_int(ep_jv_get(corpus, "flaky_docs"), -1), 2 * SHARD_DOCS);
    ep_jv_free(o);
}

/* A failed fold: the shard itself was finished (its figures stand), but the corpus state misses
 * it, so the probe gives up on the next shard and on the corpus. */
static void a_failed_fold_makes_the_probe_give_up_afterwards(void **state)
{
    (void)state;
    memset(&flaky, 0, sizeof flaky);
    flaky.fail_doc = -1;
    flaky.fail_fold = 1;
    ep_jv *o = scan_with_flaky(2);
    assert_null(flaky_error(ep_jv_at(o, 0)));
    assert_int_equal(ep_jv_as_int(ep_jv_get(ep_jv_at(o, 0), "flaky_docs"), -1), SHARD_DOCS);
    assert_non_null(strstr(flaky_error(ep_jv_at(o, 1)), "forced fold failure"));
    assert_non_null(strstr(flaky_error(ep_jv_at(o, 2)), "forced fold failure"));
    assert_int_equal(docs_of(ep_jv_at(o, 2)), 2 * SHARD_DOCS);
    ep_jv_free(o);
}

/* Without a failure, flaky's figures are whole (the harness itself is sound). */
static void without_a_failure_every_figure_is_whole(void **state)
{
    (void)state;
    memset(&flaky, 0, sizeof flaky);
    flaky.fail_doc = -1;
    ep_jv *o = scan_with_flaky(2);
    for (int k = 0; k < 3; k++) assert_null(ep_jv_get(ep_jv_at(o, (size_t)k), "probe_errors"));
    assert_int_equal(ep_jv_as_int(ep_jv_get(ep_jv_at(o, 2), "flaky_docs"), -1), 2 * SHARD_DOCS);
    assert_int_equal(flaky.folds, 2);
    ep_jv_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_probe_merges_commutatively_and_folds_after_finish),
        cmocka_unit_test(without_a_failure_every_figure_is_whole),
        cmocka_unit_test(an_observe_failure_is_the_probes_error_on_that_shard_and_after),
        cmocka_unit_test(a_failed_finish_still_folds_the_shard),
        cmocka_unit_test(a_failed_fold_makes_the_probe_give_up_afterwards),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
