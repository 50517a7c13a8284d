/* libFuzzer harness: the profile (JSON) reader and what reads a profile: ep_jv_parse, the profile
 * access helpers, rank (and its TSV/Markdown writers), predict and mix from a profile's corpus, and
 * the report writers.
 *
 * Checks: a failed parse leaves a message; a parsed tree written back is read again, and writing
 * that gives the same bytes (write(parse(write(v))) = write(v)), as does writing a clone; rank
 * either refuses with EP_ERR_FORMAT and a message, or returns a result that writes. Everything
 * else is left to the sanitizers: the analyses must not crash or invoke undefined behaviour on
 * any tree, whatever the types and values (NaN, infinities, huge or negative counts). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "entroprof/analyze.h"
#include "entroprof/report.h"
#include "entroprof/json.h"
#include "entroprof/scan.h"
#include "fuzz_util.h"

/* The compact text of v (malloc'd, NUL-terminated). */
static char *write_compact(const ep_jv *v, size_t *n)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, n);
    FZ_CHECK(f != NULL, "open_memstream");
    FZ_CHECK(ep_jv_write(v, f, -1) == EP_OK, "ep_jv_write");
    FZ_CHECK(fclose(f) == 0, "fclose");
    return buf;
}

static void drain(ep_status (*writer)(const ep_jv *, FILE *), const ep_jv *v)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    FZ_CHECK(f != NULL, "open_memstream");
    (void)writer(v, f);
    fclose(f);
    free(buf);
}

/* The readers the analyses use on one shard or corpus object. */
static void read_shard(const ep_jv *s)
{
    static const char *const by[] = {NULL, "zstd_3", "heldout_mkn", "unigram_grassberger"};
    double h, tokens;
    const char *src = NULL;
    for (size_t i = 0; i < sizeof by / sizeof by[0]; i++)
        for (int bpb = 0; bpb < 2; bpb++) (void)ep_analyze_shard_entropy(s, by[i], bpb, &h);
    if (ep_analyze_unique_tokens(s, &tokens, &src)) FZ_CHECK(src != NULL, "unique tokens without a source");
    ep_jv *copy = ep_jv_clone(s);
    if (copy && ep_jv_typeof(copy) == EP_JV_OBJ) ep_profile_choose_headline(copy);
    ep_jv_free(copy);
}

/* predict and mix on the corpus figures, as `entroprof predict PROFILE` and `mix` take them. */
static void predict_and_mix(const ep_jv *corpus)
{
    double h, u;
    const char *src = NULL;
    if (!ep_analyze_shard_entropy(corpus, NULL, 0, &h) || !ep_analyze_unique_tokens(corpus, &u, &src)) return;
    ep_predict_config pc;
    ep_predict_config_default(&pc);
    pc.h_bits_per_token = h;
    pc.loss_bits_per_token = h / 2;
    pc.tokens = u;
    ep_jv *res = NULL;
    ep_error err;
    ep_error_clear(&err);
    if (ep_predict_run(&pc, &res, &err) == EP_OK) {
        drain(ep_predict_write_text, res);
        ep_jv_free(res);
    } else {
        FZ_CHECK(err.msg[0] != 0, "a refused predict leaves a message");
    }
    ep_mix_source s[2] = {{"profile", h, u, 0, 1}, {"other", 3.0, 1e9, 0, 1}};
    ep_mix_config mc;
    ep_mix_config_default(&mc);
    mc.budget_tokens = 2e9;
    double t[2];
    (void)ep_mix_solve(s, 2, &mc, t, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ep_error err;
    ep_error_clear(&err);
    ep_jv *v = ep_jv_parse((const char *)data, size, &err);
    if (!v) {
        FZ_CHECK(err.msg[0] != 0, "a failed parse leaves a message");
        return 0;
    }
    size_t n1 = 0, n2 = 0, n3 = 0;
    char *t1 = write_compact(v, &n1);
    ep_jv *again = ep_jv_parse(t1, n1, &err);
    FZ_CHECK(again != NULL, "the writer's output does not parse: %s", err.msg);
    char *t2 = write_compact(again, &n2);
    FZ_CHECK(n1 == n2 && memcmp(t1, t2, n1) == 0, "write(parse(write(v))) != write(v)");
    ep_jv *clone = ep_jv_clone(v);
    FZ_CHECK(clone != NULL, "clone");
    char *t3 = write_compact(clone, &n3);
    FZ_CHECK(n1 == n3 && memcmp(t1, t3, n1) == 0, "write(clone(v)) != write(v)");
    free(t1);
    free(t2);
    free(t3);
    ep_jv_free(again);
    ep_jv_free(clone);

    const ep_jv *shards = ep_jv_get(v, "shards");
    for (size_t i = 0; i < ep_jv_len(shards); i++) read_shard(ep_jv_at(shards, i));
    const ep_jv *corpus = ep_jv_get(v, "corpus");
    if (corpus) {
        read_shard(corpus);
        predict_and_mix(corpus);
    }

    ep_rank_config rc;

    ep_rank_config_default(&rc);
    ep_jv *rank = NULL;
    ep_error_clear(&err);
    ep_status st = ep_rank_run(v, &rc, &rank, &err);
    if (st == EP_OK) {
        FZ_CHECK(rank != NULL, "rank returned EP_OK and no result");
        drain(ep_rank_write_tsv, rank);
        drain(ep_rank_write_md, rank);
        size_t n = 0;
        free(write_compact(rank, &n));
        ep_jv_free(rank);
    } else {
        FZ_CHECK(err.msg[0] != 0, "a refused rank leaves a message (%s)", ep_strerror(st));
    }

    /* The report writers read the most fields; they write two files into a directory. */
    static char dir[600];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/report", fz_dir());
        FZ_CHECK(mkdir(dir, 0700) == 0, "mkdir %s", dir);
    }
    ep_report_config rpc;
    ep_report_config_default(&rpc);
    ep_error_clear(&err);
    if (ep_report_write(v, &rpc, dir, &err) != EP_OK) FZ_CHECK(err.msg[0] != 0, "a failed report leaves a message");
    ep_jv_free(v);
    return 0;
}
