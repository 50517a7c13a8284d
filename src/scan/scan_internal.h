/* The scan driver's private parts, shared by src/scan/scan*.c (never installed).
 *
 * scan.c           ep_scan: the profile, shards in canonical order, the corpus section;
 *                  scan_shard: create -> pipeline -> merge -> finish -> fold for one shard
 * scan_probes.c    the probes of a scan (selection, memory split, corpus states) and the
 *                  lifecycle calls on one shard's states (include/entroprof/probe.h)
 * scan_pipeline.c  the three-batch OpenMP ring that reads, tokenizes and observes a shard
 * scan_counters.c  reader counters and flags into a shard's (or the corpus's) JSON
 */
#ifndef EP_CORE_SCAN_INTERNAL_H
#define EP_CORE_SCAN_INTERNAL_H

#include "base/u64map.h"
#include "entroprof/probe.h"
#include "entroprof/partial.h"
#include "entroprof/scan.h"

/* One probe of the scan. */
typedef struct {
    const ep_probe_vtable *vt;
    ep_probe_env env_shard, env_corpus;
    void *corpus;        /* corpus state: the earlier shards folded in order; NULL when vt->fold is NULL */
    ep_error broken;     /* status != EP_OK: the corpus state misses a shard (a failure before or in
                            fold); the probe gives up on every later shard and on the corpus */
} scan_probe;

typedef struct {
    const ep_scan_config *cfg;
    const ep_tokenizer *tok;
    scan_probe *probes;
    size_t n_probes;
    int need_tokens;         /* some probe needs token ids */
    int ordered_need_tokens; /* some ordered probe needs them: keep them with the batch */
    int nthreads;
    ep_u64map seen;          /* --dedup-estimators: hash_lo -> hash_hi of every document so far */
    /* per thread */
    ep_tok_scratch **scratch; /* (nthreads) */
    ep_token_buf *tokbuf;     /* (nthreads) */
    int *tok_failed;          /* (nthreads) */
    /* progress */
    uint64_t bytes_total, bytes_before_shard;
    size_t shards_done, shards_total;
    double t0, last_progress;
} scan_ctx;

/* The probe states of one shard. Probe p's worker state for thread t is worker[t * n_probes + p]
 * (unordered probes only); its shard state is shard[p] (ORDERED probes: from create; unordered:
 * the merge of its worker states). A NULL state is not observed. */
typedef struct {
    size_t n_probes;
    int nthreads;
    void **worker;        /* (nthreads * n_probes) */
    ep_error *worker_err; /* (nthreads * n_probes) first failure of observe on each worker state */
    void **shard;         /* (n_probes) */
    ep_error *probe_err;  /* (n_probes) status != EP_OK: the probe failed on this shard */
} scan_states;

/* Makes e tell what a lifecycle call of `probe` returned: cleared on EP_OK, else the call's
 * message (or, from a call that set none, the status's name). */
static inline void ep_scan_outcome(ep_error *e, ep_status r, const char *probe)
{
    if (r == EP_OK) ep_error_clear(e);
    else if (e->status != r || !e->msg[0]) ep_error_set(e, r, "%s: %s", probe, ep_strerror(r));
}

/* ---- scan_probes.c ---- */

/* The memory budget as resolved: cfg->mem_bytes, or by default a quarter of RAM, at most 2 GiB. */
uint64_t ep_scan_mem_budget(const ep_scan_config *cfg);

/* Selects the enabled probes of cfg->probes (registry order), splits the budget over them and
 * creates their corpus states into c->probes (the caller frees them with ep_scan_probes_free). */
ep_status ep_scan_probes_create(scan_ctx *c, ep_error *err);
void ep_scan_probes_free(scan_ctx *c);

/* create: every probe's states for one shard (whether its corpus state is broken is the apply's
 * business, scan_record.c: a record does not depend on earlier shards). A failure
 * is fatal; ep_scan_states_free frees what was created. */
ep_status ep_scan_states_create(const scan_ctx *c, scan_states *s, ep_error *err);
/* merge: each unordered probe's worker states into its shard state, in thread order. A probe
 * whose observe or merge failed keeps the failure in probe_err. */
void ep_scan_states_merge(const scan_ctx *c, scan_states *s);
void ep_scan_states_free(const scan_ctx *c, scan_states *s);

/* The corpus section: each probe's corpus state finished into `out` (a broken probe recorded in
 * out.probe_errors instead). */
void ep_scan_corpus_finish(const scan_ctx *c, ep_jv *out);

/* ---- scan_record.c: one shard's record (include/entroprof/partial.h) ---- */

/* What a shard's scan keeps for the rest of the lifecycle (probe.h, "Partial states"). */
typedef struct {
    int opened;                /* 0: the shard could not be opened (error in read_error) */
    int format;                /* ep_format resolved (opened) */
    int compression;           /* ep_compression (opened) */
    int read_failed;           /* the reader stopped on an error (read_error, error_offset) */
    char read_error[512];
    uint64_t error_offset;
    ep_reader_counters counters;
    size_t n_probes;
    ep_jv **frag;              /* (n_probes) finish's JSON of a non-cross-shard probe, or NULL */
    void **state;              /* (n_probes) cross-shard: merged state; else: finished state if the
                                  probe folds; NULL when it failed before finish or keeps nothing */
    ep_error *err;             /* (n_probes) the probe's failure on this shard (before or in finish) */
} scan_rec;

/* Scans shard `path` into rec (rec zeroed by the call; free with ep_scan_rec_free). A shard that
 * cannot be opened or read is recorded, not an error. @return EP_OK or a fatal status. */
ep_status ep_scan_rec_make(scan_ctx *c, const char *path, scan_rec *rec, ep_error *err);
void ep_scan_rec_free(const scan_ctx *c, scan_rec *rec);
/* Appends rec's body (docs/partial-format.md, "Record body") to w. */
ep_status ep_scan_rec_save(const scan_ctx *c, const scan_rec *rec, ep_wbuf *w, ep_error *err);
/* Reads a body written by ep_scan_rec_save for this scan's probes. */
ep_status ep_scan_rec_load(const scan_ctx *c, ep_rbuf *r, scan_rec *rec, ep_error *err);
/* Adds rec as the next shard of the profile: its JSON object appended to `shards`, the probes'
 * finish (cross-shard) and fold on the corpus states. Takes the states out of rec. *failed and
 * *partial count the shard. @return EP_OK or a fatal status. */
ep_status ep_scan_rec_apply(scan_ctx *c, const char *path, scan_rec *rec, ep_jv *shards,
                            ep_reader_counters *total, size_t *failed, size_t *partial, ep_error *err);

/* ---- scan_pipeline.c ---- */

/* What reading a shard met. */
typedef struct {
    int read_failed; /* the reader stopped on an error (rerr); the documents before it were scanned */
    ep_error rerr;
} scan_read;

/* pipeline: reads every document of r, tokenizes it and observes it with every probe's states.
 * @return EP_OK (a read error is in *rd) or a fatal status (out of memory, tokenizer failure). */
ep_status ep_scan_pipeline_run(scan_ctx *c, ep_reader *r, scan_states *s, scan_read *rd, const char *path,
                               ep_error *err);

/* Seconds on a monotonic clock. */
double ep_scan_now_s(void);

/* Calls cfg->progress at most about 6 times a second (always when final). r may be NULL. */
void ep_scan_progress(scan_ctx *c, ep_reader *r, int final);

/* ---- scan_counters.c ---- */

/* o.counters from the reader's counters (with the first skipped lines when with_lines). */
void ep_scan_counters_json(ep_jv *o, const ep_reader_counters *rc, int with_lines);
/* o.flags: read_error, empty, invalid_utf8_repaired, ... */
void ep_scan_flags_json(ep_jv *o, const ep_reader_counters *rc, int failed);

#endif
