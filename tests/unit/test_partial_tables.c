/* Partial states of the table-heavy probes (include/entroprof/probe.h, "Partial states";
 * docs/partial-format.md, "Probe states"): ngram and heldout_mkn keep their document pools,
 * near_dedup its records and MinHash signatures. Each is run over shards of real text (the
 * paragraphs of corpora/books/alice29.txt, with exact and near duplicates planted inside a shard
 * and across shards) once as a scan and once through save -> load as a merge does, and the shard
 * and corpus JSON must be byte-identical (tests/unit/partial_harness.h); truncated and damaged
 * bytes are refused without a crash (the sanitizer build runs this too). Cases: tokenizers byte
 * and cl100k_base, 1 and 2 workers, the default budget and one small enough that the pools sample
 * (shift > 0), the heldout_mkn tables outgrow their share (finish halves its training pool) and
 * near_dedup spills signatures to its temp file. */
#include <string.h>

#include "ep_test.h"
#include "entroprof/scan.h"
#include "partial_harness.h"
#include "probe/probes_internal.h"

#define N_SHARDS 3
#define MAX_SHARD_DOCS 400

typedef struct {
    ep_tokenizer *byte, *cl100k;
    char **para; /* the paragraphs of alice29.txt, CRLF made LF */
    size_t n_para;
    char **planted; /* duplicates made for the shards (owned) */
    size_t n_planted;
    const char *docs[N_SHARDS][MAX_SHARD_DOCS];
    ph_shard shards[N_SHARDS];
    size_t cross_near; /* near duplicates of earlier shards' paragraphs planted in shard 2 */
    ep_scan_config cfg;
} fixture;

/* A copy of p with one word inserted in its middle: word 5-gram shingles change around one
 * position only, so the estimated Jaccard of a long paragraph stays far above 0.72. */
static char *near_copy(const char *p)
{
    size_t n = strlen(p), mid = n / 2;
    while (mid < n && p[mid] != ' ') mid++;
    char *c = malloc(n + 8);
    if (c) snprintf(c, n + 8, "%.*s very%s", (int)mid, p, p + mid);
    return c;
}

static char *plant(fixture *f, char *text)
{
    f->planted[f->n_planted++] = text;
    return text;
}

static void add_doc(fixture *f, size_t s, const char *text)
{
    assert_non_null(text);
    assert_true(f->shards[s].n < MAX_SHARD_DOCS);
    f->docs[s][f->shards[s].n++] = text;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    ep_error err;
    ep_error_clear(&err);
    if (ep_tokenizer_open(&f->byte, "byte", &err) != EP_OK || ep_tokenizer_open(&f->cl100k, "cl100k_base", &err) != EP_OK)
        return -1;
    char *text = ep_test_slurp(EP_TEST_SOURCE_DIR "/corpora/books/alice29.txt", NULL);
    if (!text) return -1;
    /* Paragraphs: split at blank lines, CRLF -> LF. */
    size_t cap = 1024;
    f->para = calloc(cap, sizeof *f->para);
    f->planted = calloc(64, sizeof *f->planted);
    if (!f->para || !f->planted) return -1;
    char *w = text;
    for (const char *r = text; *r; r++)
        if (*r != '\r') *w++ = *r;
    *w = 0;
    for (char *p = text; *p && f->n_para < cap;) {
        char *end = strstr(p, "\n\n");
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 1) f->para[f->n_para++] = strndup(p, len);
        p += len;
        while (*p == '\n') p++;
    }
    free(text);
    if (f->n_para < 600) return -1;
    /* Shards: the paragraphs in three runs, then planted documents. */
    size_t third = f->n_para / 3;
    for (size_t s = 0; s < N_SHARDS; s++)
        for (size_t i = s * third; i < (s + 1) * third; i++) add_doc(f, s, f->para[i]);
    size_t long_in[N_SHARDS][4], nlong[N_SHARDS] = {0};
    for (size_t s = 0; s < N_SHARDS; s++)
        for (size_t i = s * third; i < (s + 1) * third && nlong[s] < 4; i++)
            if (strlen(f->para[i]) >= 500) long_in[s][nlong[s]++] = i;
    for (size_t s = 0; s < N_SHARDS; s++)
        if (nlong[s] < 4) return -1;
    /* shard 1: a near duplicate of its own paragraph (within the shard), a byte copy of a paragraph
     * of shard 0; shard 2: near duplicates of two paragraphs of shard 0 and one of shard 1 (across
     * shards), a byte copy of its own paragraph. */
    add_doc(f, 1, plant(f, near_copy(f->para[long_in[1][0]])));
    add_doc(f, 1, f->para[long_in[0][3]]);
    add_doc(f, 2, plant(f, near_copy(f->para[long_in[0][0]])));
    add_doc(f, 2, plant(f, near_copy(f->para[long_in[0][1]])));
    add_doc(f, 2, plant(f, near_copy(f->para[long_in[1][1]])));
    add_doc(f, 2, f->para[long_in[2][0]]);
    f->cross_near = 3;
    for (size_t s = 0; s < N_SHARDS; s++) f->shards[s].docs = f->docs[s];
    ep_scan_config_default(&f->cfg);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (!f) return 0;
    ep_tokenizer_free(f->byte);
    ep_tokenizer_free(f->cl100k);
    for (size_t i = 0; i < f->n_para; i++) free(f->para[i]);
    for (size_t i = 0; i < f->n_planted; i++) free(f->planted[i]);
    free(f->para);
    free(f->planted);
    free(f);
    return 0;
}

/* Shard and corpus environments as the scan makes them (mem_bytes 0: the probe's default). */
static void envs(fixture *f, ep_tokenizer *tok, uint64_t mem_bytes, int threads, ep_probe_env *shard,
                 ep_probe_env *corpus)
{
    memset(shard, 0, sizeof *shard);
    shard->cfg = &f->cfg;
    shard->tok = tok;
    shard->mem_bytes = mem_bytes;
    shard->nthreads = threads;
    *corpus = *shard;
    corpus->is_corpus = 1;
}

/* ph_check_probe over the fixture's shards for workers 1 and 2. */
static void check_probe(fixture *f, const ep_probe_vtable *vt, ep_tokenizer *tok, uint64_t mem_bytes)
{
    for (int workers = 1; workers <= 2; workers++) {
        ep_probe_env es, ec;
        envs(f, tok, mem_bytes, workers, &es, &ec);
        int rc = ph_check_probe(vt, &es, &ec, tok, f->shards, N_SHARDS, workers);
        if (rc) fail_msg("%s, %s, mem %llu, %d workers: check %d failed", vt->name, ep_tokenizer_name(tok),
                         (unsigned long long)mem_bytes, workers, rc);
    }
}

/* The shard JSON of shard s when the states go through save -> load (as at merge), the corpus
 * state folded from the loaded states; out of the last shard, the corpus JSON in *corpus_out. */
static ep_jv **run_through_partials(fixture *f, const ep_probe_vtable *vt, ep_tokenizer *tok, uint64_t mem_bytes,
                                    ep_jv **corpus_out)
{
    ep_probe_env es, ec;
    envs(f, tok, mem_bytes, 1, &es, &ec);
    ep_error e;
    ep_error_clear(&e);
    void *corpus = NULL;
    assert_int_equal(vt->create(&corpus, &ec, &e), EP_OK);
    ep_jv **outs = calloc(N_SHARDS, sizeof(ep_jv *));
    assert_non_null(outs);
    int cross = (vt->flags & EP_PROBE_CROSS_SHARD) != 0;
    for (size_t s = 0; s < N_SHARDS; s++) {
        void *st = ph_observe_shard(vt, &es, tok, &f->shards[s], 1);
        assert_non_null(st);
        outs[s] = ep_jv_obj();
        if (!cross) assert_int_equal(vt->finish(st, NULL, outs[s], &es, &e), EP_OK);
        ep_wbuf w;
        assert_int_equal(ph_save(vt, st, &w), EP_OK);
        vt->free(st);
        st = ph_load(vt, &es, &w);
        assert_non_null(st);
        ep_wbuf_free(&w);
        if (cross) assert_int_equal(vt->finish(st, corpus, outs[s], &es, &e), EP_OK);
        assert_int_equal(vt->fold(corpus, st, &e), EP_OK);
        vt->free(st);
    }
    *corpus_out = ep_jv_obj();
    assert_int_equal(vt->finish(corpus, NULL, *corpus_out, &ec, &e), EP_OK);
    vt->free(corpus);
    return outs;
}

static void free_outs(ep_jv **outs, ep_jv *corpus)
{
    for (size_t s = 0; s < N_SHARDS; s++) ep_jv_free(outs[s]);
    free(outs);
    ep_jv_free(corpus);
}

static int64_t int_at(const ep_jv *root, const char *path)
{
    const ep_jv *v = ep_jv_path(root, path);
    if (!v) fail_msg("no %s", path);
    return ep_jv_as_int(v, -1);
}

static double num_at(const ep_jv *root, const char *path)
{
    const ep_jv *v = ep_jv_path(root, path);
    if (!v) fail_msg("no %s", path);
    return ep_jv_as_num(v, NAN);
}

/* Small budgets. ngram: the pool holds 8192 units (ngram.c: a quarter of the budget, 8 bytes a
 * token) of a shard's 41-66 thousand byte tokens. heldout_mkn: the pools hold 5461 (held out) and
 * 16384 (training) units, and the tables (half the budget) fit only a few hundred training tokens
 * of this text, so finish raises the training pool's shift further (build() in heldout_mkn.c): the
 * saved state is not the observed one. */
#define SMALL_MEM (256u << 10)
#define SMALL_MEM_MKN (512u << 10)

static void ngram_scan_equals_merge_byte(void **state)
{
    fixture *f = *state;
    check_probe(f, &ep_probe_ngram, f->byte, 0);
}

static void ngram_scan_equals_merge_cl100k(void **state)
{
    fixture *f = *state;
    check_probe(f, &ep_probe_ngram, f->cl100k, 0);
}

static void ngram_scan_equals_merge_when_the_pool_samples(void **state)
{
    fixture *f = *state;
    check_probe(f, &ep_probe_ngram, f->byte, SMALL_MEM);
    check_probe(f, &ep_probe_ngram, f->cl100k, SMALL_MEM);
    /* The case is the one meant: the shard and the corpus pools sampled documents away. */
    ep_jv *corpus;
    ep_jv **outs = run_through_partials(f, &ep_probe_ngram, f->byte, SMALL_MEM, &corpus);
    assert_true(num_at(outs[0], "estimates.ngram_plugin_h0.doc_sampling_p") < 1.0);
    assert_true(num_at(corpus, "estimates.ngram_plugin_h0.doc_sampling_p") < 1.0);
    free_outs(outs, corpus);
}

static void heldout_mkn_scan_equals_merge_byte(void **state)
{
    fixture *f = *state;
    check_probe(f, &ep_probe_heldout_mkn, f->byte, 0);
}

static void heldout_mkn_scan_equals_merge_cl100k(void **state)
{
    fixture *f = *state;
    check_probe(f, &ep_probe_heldout_mkn, f->cl100k, 0);
}

static void heldout_mkn_scan_equals_merge_when_pools_sample(void **state)
{
    fixture *f = *state;
    check_probe(f, &ep_probe_heldout_mkn, f->byte, SMALL_MEM_MKN);
    check_probe(f, &ep_probe_heldout_mkn, f->cl100k, SMALL_MEM_MKN);
    ep_jv *corpus;
    ep_jv **outs = run_through_partials(f, &ep_probe_heldout_mkn, f->byte, SMALL_MEM_MKN, &corpus);
    /* the pool alone would keep p >= 1/4 of the shard's training tokens; the tables fit far fewer
     * (p = 1/256 on this text) */
    assert_true(num_at(outs[0], "estimates.heldout_mkn.train_sampling_p") < 0.25);
    assert_true(num_at(outs[0], "estimates.heldout_mkn.heldout_sampling_p") < 1.0);
    assert_true(num_at(corpus, "estimates.heldout_mkn.train_sampling_p") < 1.0);
    free_outs(outs, corpus);
}

static void near_dedup_scan_equals_merge_byte(void **state)
{
    fixture *f = *state;
    check_probe(f, &ep_probe_near_dedup, f->byte, 0);
}

static void near_dedup_scan_equals_merge_cl100k(void **state)
{
    fixture *f = *state;
    check_probe(f, &ep_probe_near_dedup, f->cl100k, 0);
}

/* Signatures past half of the share spill to a temp file: save reads them back, load spills. */
static void near_dedup_scan_equals_merge_with_spilled_signatures(void **state)
{
    fixture *f = *state;
    check_probe(f, &ep_probe_near_dedup, f->byte, 64u << 10);
    ep_jv *corpus;
    ep_jv **outs = run_through_partials(f, &ep_probe_near_dedup, f->byte, 64u << 10, &corpus);
    assert_true(int_at(outs[0], "dedup.near_dedup.signatures_spilled") > 0);
    free_outs(outs, corpus);
}

/* Finish of a loaded state against the corpus state of the earlier (loaded) shards finds the
 * duplicates across shards: "first occurrence in canonical order wins". */
static void near_dedup_finds_cross_shard_duplicates_after_load(void **state)
{
    fixture *f = *state;
    ep_jv *corpus;
    ep_jv **outs = run_through_partials(f, &ep_probe_near_dedup, f->byte, 0, &corpus);
    assert_int_equal(int_at(outs[0], "dedup.near_dup_docs"), 0);
    assert_int_equal(int_at(outs[1], "dedup.near_dup_docs"), 1); /* the one planted within shard 1 */
    /* shard 2: the planted ones of earlier shards, and one of alice29.txt's own (the refrain "Will
     * you, won't you, ..." twice, punctuated differently) */
    assert_int_equal(int_at(outs[2], "dedup.near_dup_docs"), (int64_t)f->cross_near + 1);
    /* The overlap table (the corpus state, folded from loaded states) names the shards matched. */
    const ep_jv *rows = ep_jv_path(corpus, "dedup.overlap");
    assert_non_null(rows);
    int64_t docs02 = 0, docs12 = 0, docs01 = 0;
    for (size_t i = 0; i < ep_jv_len(rows); i++) {
        const ep_jv *row = ep_jv_at(rows, i);
        int64_t a = int_at(row, "shard_a"), b = int_at(row, "shard_b"), n = int_at(row, "docs");
        if (a == 0 && b == 2) docs02 = n;
        if (a == 1 && b == 2) docs12 = n;
        if (a == 0 && b == 1) docs01 = n;
    }
    assert_int_equal(docs02, 2); /* two near copies of shard 0's paragraphs */
    assert_int_equal(docs12, 1); /* one of shard 1's */
    assert_int_equal(docs01, 1); /* the byte copy of a paragraph of shard 0 in shard 1 */
    free_outs(outs, corpus);
}

/* ---- load refuses what save would never write ---------------------------------------------- */

/* The saved bytes of shard 0's finished (ORDERED probes) or merged (near_dedup) state. */
static void saved_state(fixture *f, const ep_probe_vtable *vt, const ep_probe_env *env, ep_tokenizer *tok, ep_wbuf *w)
{
    void *st = ph_observe_shard(vt, env, tok, &f->shards[0], 1);
    assert_non_null(st);
    ep_error e;
    ep_error_clear(&e);
    if (!(vt->flags & EP_PROBE_CROSS_SHARD)) {
        ep_jv *out = ep_jv_obj();
        assert_int_equal(vt->finish(st, NULL, out, env, &e), EP_OK);
        ep_jv_free(out);
    }
    assert_int_equal(ph_save(vt, st, w), EP_OK);
    vt->free(st);
}

/* load(bytes) refuses with EP_ERR_CORRUPT and a message that names the probe and says `why`. */
static void assert_refused(const ep_probe_vtable *vt, const ep_probe_env *env, const void *bytes, size_t n,
                           const char *why)
{
    ep_rbuf r;
    ep_rbuf_init(&r, bytes, n);
    void *st = NULL;
    ep_error e;
    ep_error_clear(&e);
    ep_status rc = vt->load(&st, &r, env, &e);
    if (rc == EP_OK) vt->free(st);
    assert_int_equal(rc, EP_ERR_CORRUPT);
    assert_null(st);
    if (strncmp(e.msg, vt->name, strlen(vt->name)) != 0 || !strstr(e.msg, why))
        fail_msg("expected a message naming %s and saying \"%s\", got: %s", vt->name, why, e.msg);
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* Offsets in an ngram partial (docs/partial-format.md): K u32, then the pool: shift u8,
 * offered_docs, offered_tokens, ndocs (u64), ndocs x 28 bytes, ntok u64, ntok x u32. */
#define POOL_AT 4
#define POOL_DOCS_AT(pool) ((pool) + 1 + 24)
static size_t pool_ids_at(const unsigned char *b, size_t pool)
{
    uint64_t nd = 0;
    for (int i = 7; i >= 0; i--) nd = nd << 8 | b[pool + 1 + 16 + (size_t)i];
    return POOL_DOCS_AT(pool) + (size_t)nd * 28 + 8;
}

static void ngram_load_refuses_inconsistent_pools(void **state)
{
    fixture *f = *state;
    ep_probe_env es, ec;
    envs(f, f->byte, 0, 1, &es, &ec);
    ep_wbuf w;
    saved_state(f, &ep_probe_ngram, &es, f->byte, &w);
    unsigned char *b = malloc(w.len);
    assert_non_null(b);
    size_t ids = pool_ids_at(w.data, POOL_AT);
    assert_true(ids < w.len);
    /* another order than this scan's */
    memcpy(b, w.data, w.len);
    put_u32(b, 3);
    assert_refused(&ep_probe_ngram, &es, b, w.len, "order 3, this scan's is 8");
    /* a shift over 64 */
    memcpy(b, w.data, w.len);
    b[POOL_AT] = 65;
    assert_refused(&ep_probe_ngram, &es, b, w.len, "a shift over 64");
    /* a shift that would not have kept the documents (each is kept with probability 2^-40) */
    memcpy(b, w.data, w.len);
    b[POOL_AT] = 40;
    assert_refused(&ep_probe_ngram, &es, b, w.len, "a document its shift does not keep");
    /* fewer documents offered than kept */
    memcpy(b, w.data, w.len);
    put_u64(b + POOL_AT + 1, 1);
    assert_refused(&ep_probe_ngram, &es, b, w.len, "more documents kept than offered");
    /* a document longer than the ids that follow, then an id count unequal to the lengths' sum */
    memcpy(b, w.data, w.len);
    put_u32(b + POOL_DOCS_AT(POOL_AT) + 24, 0x7FFFFFFFu);
    assert_refused(&ep_probe_ngram, &es, b, w.len, "documents longer than the ids that follow");
    memcpy(b, w.data, w.len);
    put_u32(b + POOL_DOCS_AT(POOL_AT) + 24, 1);
    assert_refused(&ep_probe_ngram, &es, b, w.len, "an id count other than the documents' lengths");
    /* an id outside the byte vocabulary */
    memcpy(b, w.data, w.len);
    put_u32(b + ids, 256);
    assert_refused(&ep_probe_ngram, &es, b, w.len, "a token id outside the vocabulary");
    /* a pool over the loading state's cap (a budget of 64 KiB holds 2048 units) */
    ep_probe_env small = es;
    small.mem_bytes = 64u << 10;
    assert_refused(&ep_probe_ngram, &small, w.data, w.len, "more than this scan's pool holds");
    /* the bytes as saved load */
    void *st = ph_load(&ep_probe_ngram, &es, &w);
    assert_non_null(st);
    ep_probe_ngram.free(st);
    free(b);
    ep_wbuf_free(&w);
}

static void heldout_mkn_load_refuses_a_document_on_the_wrong_side(void **state)
{
    fixture *f = *state;
    ep_probe_env es, ec;
    envs(f, f->byte, 0, 1, &es, &ec);
    ep_wbuf w;
    saved_state(f, &ep_probe_heldout_mkn, &es, f->byte, &w);
    /* Another held-out fraction puts some documents on the other side of the split. */
    ep_scan_config other = f->cfg;
    other.heldout_fraction = 0.5;
    ep_probe_env eo = es;
    eo.cfg = &other;
    assert_refused(&ep_probe_heldout_mkn, &eo, w.data, w.len, "a document on the wrong side of the held-out split");
    void *st = ph_load(&ep_probe_heldout_mkn, &es, &w);
    assert_non_null(st);
    ep_probe_heldout_mkn.free(st);
    ep_wbuf_free(&w);
}

static void near_dedup_load_refuses_other_signatures_and_counts(void **state)
{
    fixture *f = *state;
    ep_probe_env es, ec;
    envs(f, f->byte, 0, 1, &es, &ec);
    ep_wbuf w;
    saved_state(f, &ep_probe_near_dedup, &es, f->byte, &w);
    unsigned char *b = malloc(w.len);
    assert_non_null(b);
    memcpy(b, w.data, w.len);
    put_u32(b, 64); /* signatures of another length */
    assert_refused(&ep_probe_near_dedup, &es, b, w.len, "signatures of 64 permutations, this scan's have 112");
    memcpy(b, w.data, w.len);
    put_u64(b + 4, UINT64_MAX / 2); /* more records than bytes */
    assert_refused(&ep_probe_near_dedup, &es, b, w.len, "a record count past the end");
    assert_refused(&ep_probe_near_dedup, &es, w.data, w.len - 1, "a record count past the end");
    free(b);
    ep_wbuf_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ngram_scan_equals_merge_byte),
        cmocka_unit_test(ngram_scan_equals_merge_cl100k),
        cmocka_unit_test(ngram_scan_equals_merge_when_the_pool_samples),
        cmocka_unit_test(heldout_mkn_scan_equals_merge_byte),
        cmocka_unit_test(heldout_mkn_scan_equals_merge_cl100k),
        cmocka_unit_test(heldout_mkn_scan_equals_merge_when_pools_sample),
        cmocka_unit_test(near_dedup_scan_equals_merge_byte),
        cmocka_unit_test(near_dedup_scan_equals_merge_cl100k),
        cmocka_unit_test(near_dedup_scan_equals_merge_with_spilled_signatures),
        cmocka_unit_test(near_dedup_finds_cross_shard_duplicates_after_load),
        cmocka_unit_test(ngram_load_refuses_inconsistent_pools),
        cmocka_unit_test(heldout_mkn_load_refuses_a_document_on_the_wrong_side),
        cmocka_unit_test(near_dedup_load_refuses_other_signatures_and_counts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
