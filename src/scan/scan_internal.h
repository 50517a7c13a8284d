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

/* create: every probe's states for one shard (a broken probe gets none and its error). A failure
 * is fatal; ep_scan_states_free frees what was created. */
ep_status ep_scan_states_create(const scan_ctx *c, scan_states *s, ep_error *err);
/* merge: each unordered probe's worker states into its shard state, in thread order. A probe
 * whose observe or merge failed keeps the failure in probe_err. */
void ep_scan_states_merge(const scan_ctx *c, scan_states *s);
/* finish: each probe whose shard state is whole writes its results into `out`; every probe that
 * failed on this shard (before or in finish) is recorded in out.probe_errors. */
void ep_scan_states_finish(const scan_ctx *c, scan_states *s, ep_jv *out);
/* fold: each shard state that was finished into its probe's corpus state, in probe order. A probe
 * that failed before finish, or whose fold fails, is marked broken. */
void ep_scan_states_fold(scan_ctx *c, scan_states *s);
void ep_scan_states_free(const scan_ctx *c, scan_states *s);

/* The corpus section: each probe's corpus state finished into `out` (a broken probe recorded in
 * out.probe_errors instead). */
void ep_scan_corpus_finish(const scan_ctx *c, ep_jv *out);

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
