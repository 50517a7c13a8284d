/* The scan driver: shards in canonical order, each through the probe lifecycle of
 * include/entroprof/probe.h (create -> pipeline -> merge -> finish -> fold, scan_shard below), then
 * the corpus section from the folded corpus states. Inside a shard (scan_pipeline.c) one thread
 * reads batches while the others tokenize and run the unordered probes on per-thread states, and
 * each ordered probe observes the documents in canonical order in its own lane. Worker states are
 * merged with exact (integer) merges, so results do not depend on how many threads ran or which
 * documents each one saw. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "scan/scan_internal.h"
#include "entroprof/analyze.h"
#include "io/walk.h"

void ep_scan_config_default(ep_scan_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    ep_reader_config_default(&cfg->reader);
    cfg->tokenizer = "cl100k_base";
    cfg->batch_bytes = (size_t)4 << 20;
    cfg->zstd_level = 3;
    cfg->zstd_strong_level = 19;
    cfg->zstd_strong_fraction = 1.0 / 32;
    cfg->heldout_fraction = 0.1;
    cfg->lm_tokens = 1u << 16;
    cfg->ngram_sample_tokens = (uint64_t)4 << 20;
    cfg->verbose = 1;
}

static const char *comp_name(ep_compression c)
{
    return c == EP_COMP_ZSTD ? "zstd" : c == EP_COMP_GZIP ? "gzip" : "none";
}

/* Opens a shard and writes its path, status, format and compression. @return NULL when it cannot
 * be opened: then the shard object says so (status "error", zero sizes) and *failed is 1. */
static ep_reader *shard_open(const scan_ctx *c, const char *path, ep_jv *shard, int *failed)
{
    ep_jv_set(shard, "path", ep_jv_str(path));
    ep_jv_set(shard, "status", ep_jv_str("ok"));
    ep_error rerr;
    ep_error_clear(&rerr);
    ep_reader *r = NULL;
    if (ep_reader_open(&r, path, &c->cfg->reader, &rerr) != EP_OK) {
        ep_jv_set(shard, "status", ep_jv_str("error"));
        ep_jv_set(shard, "error", ep_jv_str(rerr.msg));
        ep_jv_set(shard, "error_offset", ep_jv_int(0));
        ep_jv_set(shard, "docs", ep_jv_int(0));
        ep_jv_set(shard, "bytes", ep_jv_int(0));
        ep_jv_set(shard, "tokens", ep_jv_int(0));
        ep_jv *f = ep_jv_set(shard, "flags", ep_jv_arr());
        ep_jv_push(f, ep_jv_str("read_error"));
        *failed = 1;
        return NULL;
    }
    ep_jv_set(shard, "format", ep_jv_str(ep_reader_format(r) == EP_FORMAT_JSONL ? "jsonl" : "text"));
    ep_jv_set(shard, "compression", ep_jv_str(comp_name(ep_reader_compression(r))));
    return r;
}

/* A read error met by the pipeline: the shard's status is "error" (outranks "partial"). */
static void shard_read_error(ep_jv *shard, const scan_read *rd, ep_reader *r, int *failed)
{
    ep_jv_set(shard, "status", ep_jv_str("error"));
    ep_jv_set(shard, "error", ep_jv_str(rd->rerr.msg));
    ep_jv_set(shard, "error_offset", ep_jv_int((int64_t)ep_reader_input_offset(r)));
    *failed = 1;
}

/* What follows the probes' results: status partial, counters, flags, the clamped estimates, the
 * headline and the guardrails. Adds the shard's reader counters to *total. */
static ep_status shard_close(scan_ctx *c, ep_jv *shard, ep_reader *r, int read_failed, ep_reader_counters *total,
                             ep_error *err)
{
    const ep_reader_counters *rc = ep_reader_counters_get(r);
    /* A probe that gave up leaves the shard partial; a read error outranks that. */
    if (!read_failed && ep_jv_len(ep_jv_get(shard, "probe_errors")) > 0)
        ep_jv_set(shard, "status", ep_jv_str("partial"));
    ep_scan_counters_json(shard, rc, 1);
    ep_scan_flags_json(shard, rc, read_failed);
    ep_estimates_clamp(shard);
    ep_profile_choose_headline(shard);
    /* The guardrails rank and report apply (one function), recorded with their default thresholds. */
    ep_rank_config guard;
    ep_rank_config_default(&guard);
    ep_status st = ep_rank_mark_shard(shard, &guard);
    if (st != EP_OK) ep_error_set(err, st, "out of memory");
    ep_reader_counters_merge(total, rc);
    c->bytes_before_shard += ep_reader_input_offset(r);
    return st;
}

/* Runs one shard: create -> pipeline -> merge -> finish -> fold. @return EP_OK (the shard object
 * says whether it failed or is partial) or a fatal status. */
static ep_status scan_shard(scan_ctx *c, const char *path, ep_jv *shard, ep_reader_counters *total, int *failed,
                            ep_error *err)
{
    ep_reader *r = shard_open(c, path, shard, failed);
    if (!r) return EP_OK;
    scan_states states;
    scan_read rd;
    ep_status st = ep_scan_states_create(c, &states, err);
    if (st == EP_OK) st = ep_scan_pipeline_run(c, r, &states, &rd, path, err);
    if (st == EP_OK) {
        ep_scan_states_merge(c, &states);
        if (rd.read_failed) shard_read_error(shard, &rd, r, failed);
        ep_scan_states_finish(c, &states, shard);
        ep_scan_states_fold(c, &states);
        st = shard_close(c, shard, r, rd.read_failed, total, err);
    }
    ep_scan_states_free(c, &states);
    ep_reader_close(r);
    return st;
}

static ep_jv *config_json(const ep_scan_config *cfg, const char *tokname)
{
    ep_jv *o = ep_jv_obj();
    ep_jv_set(o, "tokenizer", ep_jv_str(tokname));
    const char *fmt[] = {"auto", "text", "jsonl"}, *split[] = {"paragraph", "line", "file"};
    ep_jv_set(o, "format", ep_jv_str(fmt[cfg->reader.format]));
    ep_jv_set(o, "split", ep_jv_str(split[cfg->reader.split]));
    ep_jv_set(o, "field", ep_jv_str(cfg->reader.field ? cfg->reader.field : "text"));
    ep_jv_set(o, "max_doc_bytes", ep_jv_int((int64_t)cfg->reader.max_doc_bytes));
    ep_jv_set(o, "zstd_level", ep_jv_int(cfg->zstd_level));
    ep_jv_set(o, "zstd_strong_level", ep_jv_int(cfg->zstd_strong_level));
    ep_jv_set(o, "zstd_strong_fraction", ep_jv_num(cfg->zstd_strong_fraction));
    ep_jv_set(o, "zstd_long", ep_jv_int(cfg->zstd_long));
    ep_jv_set(o, "ngram_order", ep_jv_int(cfg->ngram_order));
    ep_jv_set(o, "ngram_sample_tokens", ep_jv_int((int64_t)cfg->ngram_sample_tokens));
    ep_jv_set(o, "heldout_fraction", ep_jv_num(cfg->heldout_fraction));
    ep_jv_set(o, "seed", ep_jv_int((int64_t)cfg->seed));
    ep_jv_set(o, "dedup_estimators", ep_jv_bool(cfg->dedup_estimators));
    /* The memory budget as resolved: past it the n-gram and MKN tables sample keys, which moves
     * their values (alice29 h_7: 0.436 at --mem 64M, -1.440 raw at 4M). */
    ep_jv_set(o, "mem", ep_jv_int((int64_t)ep_scan_mem_budget(cfg)));
    ep_jv_set(o, "lm", ep_jv_bool(cfg->lm_enable));
    ep_jv_set(o, "lm_tokens", ep_jv_int((int64_t)cfg->lm_tokens));
    return o;
}

ep_status ep_scan(const char *const *inputs, size_t n_inputs, const ep_scan_config *cfg, ep_jv **profile_out,
                  size_t *n_failed, ep_error *err)
{
    *profile_out = NULL;
    if (n_failed) *n_failed = 0;
    if (!inputs || n_inputs == 0) return ep_error_set(err, EP_ERR_ARG, "no inputs");
    ep_status cst = ep_scan_config_check(cfg, err);
    if (cst != EP_OK) return cst;
    scan_ctx c;
    memset(&c, 0, sizeof c);
    c.cfg = cfg;
    c.t0 = ep_scan_now_s();
    ep_tokenizer *tok = NULL;
    ep_status st = ep_tokenizer_open(&tok, cfg->tokenizer, err);
    if (st != EP_OK) return st;
    c.tok = tok;

    ep_jv *profile = ep_jv_obj();
    ep_jv_set(profile, "schema", ep_jv_str("entroprof.profile/1"));
    ep_jv *tool = ep_jv_child(profile, "tool");
    ep_jv_set(tool, "name", ep_jv_str("entroprof"));
    ep_jv_set(tool, "version", ep_jv_str(EP_VERSION_STRING));
    ep_jv_set(profile, "tokenizer", ep_jv_str(ep_tokenizer_name(tok)));
    ep_jv_set(profile, "vocab_size", ep_jv_int((int64_t)ep_tokenizer_vocab_size(tok)));
    ep_jv_set(profile, "config", config_json(cfg, ep_tokenizer_name(tok)));
    ep_jv *warnings = ep_jv_set(profile, "warnings", ep_jv_arr());
    ep_jv *shards = ep_jv_set(profile, "shards", ep_jv_arr());

    char **paths = NULL;
    size_t n_paths = 0;
    st = ep_walk_inputs((const char *const *)inputs, n_inputs, &paths, &n_paths, warnings, err);
    if (st != EP_OK) goto done;
    if (n_paths == 0) { st = ep_error_set(err, EP_ERR_NOTFOUND, "no input files found"); goto done; }

#ifdef _OPENMP
    c.nthreads = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
#else
    c.nthreads = 1;
#endif
    if (c.nthreads < 1) c.nthreads = 1;
    c.scratch = calloc((size_t)c.nthreads, sizeof(ep_tok_scratch *));
    c.tokbuf = calloc((size_t)c.nthreads, sizeof *c.tokbuf);
    c.tok_failed = calloc((size_t)c.nthreads, sizeof *c.tok_failed);
    if (!c.scratch || !c.tokbuf || !c.tok_failed) { st = ep_error_set(err, EP_ERR_NOMEM, "out of memory"); goto done; }
    for (int t = 0; t < c.nthreads; t++)
        if (!(c.scratch[t] = ep_tok_scratch_create(tok))) { st = ep_error_set(err, EP_ERR_NOMEM, "out of memory"); goto done; }
    st = ep_scan_probes_create(&c, err);
    if (st != EP_OK) goto done;
    ep_jv *probes_used = ep_jv_set(ep_jv_child(profile, "config"), "probes", ep_jv_arr());
    for (size_t p = 0; p < c.n_probes; p++) ep_jv_push(probes_used, ep_jv_str(c.probes[p].vt->name));

    c.shards_total = n_paths;
    for (size_t i = 0; i < n_paths; i++) {
        struct stat sb;
        if (strcmp(paths[i], "-") != 0 && stat(paths[i], &sb) == 0) c.bytes_total += (uint64_t)sb.st_size;
    }

    ep_reader_counters total;
    memset(&total, 0, sizeof total);
    size_t failed = 0, partial = 0;
    for (size_t i = 0; i < n_paths && st == EP_OK; i++) {
        ep_jv *shard = ep_jv_push(shards, ep_jv_obj());
        int f = 0;
        st = scan_shard(&c, paths[i], shard, &total, &f, err);
        failed += (size_t)f;
        const char *status = ep_jv_as_str(ep_jv_get(shard, "status"));
        partial += status && !strcmp(status, "partial");
        c.shards_done++;
    }
    if (st != EP_OK) goto done;
    ep_scan_progress(&c, NULL, 1);

    ep_jv *corpus = ep_jv_set(profile, "corpus", ep_jv_obj());
    ep_jv_set(corpus, "shards", ep_jv_int((int64_t)n_paths));
    ep_jv_set(corpus, "shards_failed", ep_jv_int((int64_t)failed));
    ep_jv_set(corpus, "shards_partial", ep_jv_int((int64_t)partial));
    ep_scan_corpus_finish(&c, corpus);
    ep_scan_counters_json(corpus, &total, 0);
    ep_scan_flags_json(corpus, &total, failed > 0);
    ep_estimates_clamp(corpus);
    ep_profile_choose_headline(corpus);
    if (n_failed) *n_failed = failed;

done:
    ep_scan_probes_free(&c);
    ep_u64map_free(&c.seen);
    for (int t = 0; c.scratch && t < c.nthreads; t++) ep_tok_scratch_free(c.scratch[t]);
    for (int t = 0; c.tokbuf && t < c.nthreads; t++) ep_token_buf_free(&c.tokbuf[t]);
    free(c.scratch);
    free(c.tokbuf);
    free(c.tok_failed);
    ep_list_free(paths, n_paths);
    ep_tokenizer_free(tok);
    if (st != EP_OK) { ep_jv_free(profile); return st; }
    *profile_out = profile;
    return EP_OK;
}
