/* entroprof: the probe interface. A probe is one estimator with a mergeable state.
 *
 * Lifecycle (the scanner, src/scan/scan*.c, knows probes only through this table). Per shard:
 *
 *   create  -> observe* -> merge -> finish -> fold -> free
 *
 * create   one state per (shard, worker thread) for unordered probes, one per shard for ORDERED
 *          probes, and one corpus state per scan (env->is_corpus = 1). Sets *out and returns EP_OK,
 *          or returns a status with err set and *out NULL. A failure ends the scan.
 * observe  once per document of the shard, with its token ids. Unordered probes: each worker
 *          state sees an arbitrary subset of the shard's documents in arbitrary order, and states
 *          of different workers are observed concurrently (one thread per state at a time).
 *          ORDERED probes: the shard state sees every document in canonical order, from one
 *          thread at a time. Observing may fail (out of memory, a spill file, a document too long
 *          for the probe's tables): it returns the status with err set, and that state is failed.
 * merge    worker states of one shard into one (`into` keeps the result, `from` is unchanged).
 *          Must be commutative and exact (integer counts, sets, samples keyed by content): the
 *          result may not depend on how documents were spread over workers or in which order the
 *          states are merged. Called from one thread. ORDERED probes have one state per shard and
 *          are never merged: their merge may be NULL.
 * finish   writes the shard's results into the shard JSON object `out`, from the merged state.
 *          `before` is the corpus state of every earlier shard (read only): how cross-shard facts
 *          (a duplicate of an earlier shard's document) are computed. When finishing the corpus
 *          state itself (env->is_corpus), before is NULL and out is the profile's corpus object.
 *          Floating point happens here only. finish may change its own state (sort, close a
 *          stream, keep what fold will need), never `before`. A failure (a memory limit, no
 *          document that fits, out of memory) returns the status with err set: the probe gave up
 *          on this shard, the scan records err's message in out.probe_errors (ep_probe_gave_up)
 *          and marks the shard "partial"; what finish wrote into out stays. The state stays
 *          valid: it is still folded.
 * fold     the finished shard state into the corpus state, in canonical shard order, after the
 *          shard's finish ran with `before` = this corpus state (whatever finish returned). Need
 *          not be commutative (a corpus state may keep its shards in order). `shard` is unchanged.
 *          NULL for a probe without corpus-level state: the scan then creates no corpus state for
 *          it and does not finish the corpus with it. A failure returns the status with err set.
 * free     NULL-safe; the only call allowed on a failed state.
 *
 * Failures after create never end the scan: a probe whose observe or merge failed on a shard
 * gives up on that shard (its message in out.probe_errors, the shard "partial"); its shard state
 * is then not finished nor folded, so its corpus state misses the shard, and the probe gives up on
 * every later shard and on the corpus too (cross-shard figures would be wrong). A failed fold
 * does the same from the next shard on. Every call gets a distinct state, except `before` and
 * `from`, which are only read; err is never NULL.
 *
 * Partial states (docs/partial-format.md, docs/scale-out.md). A shard can be scanned in one process
 * and its profile built in another (`scan --partial`, `entroprof merge`, entroprof-mpi): the scan
 * keeps, per probe, what the rest of the lifecycle needs, and the merge runs that rest in canonical
 * shard order, so the profile is byte-identical to one scan's whatever the split. What is kept:
 *
 *  - EP_PROBE_CROSS_SHARD probes (finish reads `before`): the merged shard state, saved after
 *    merge and before finish. The merge loads it and calls finish (with the corpus state of every
 *    earlier shard, as a sequential scan does), then fold.
 *  - every other probe: finish runs where the shard was scanned, into an object of its own (the
 *    probe's part of the shard JSON, kept exactly); then, if the probe has a fold, its finished
 *    state is saved. The merge adds the kept JSON to the shard object and folds the loaded state.
 *
 * save     appends the state to w (include/entroprof/serial.h: explicit little-endian). Only what
 *          the later calls read: for a CROSS_SHARD probe, what finish and fold read; for another
 *          probe, what fold reads. May not change the state's results. NULL when neither is needed
 *          (no fold and not CROSS_SHARD). Returns a status with err set on failure.
 * load     a new state (*out) from bytes that save wrote, that behaves exactly as the saved one in
 *          the calls that follow (finish and fold, or fold, then free). env is the shard
 *          environment of the merging process. The bytes may be hostile: load checks every count
 *          and value (ep_rbuf_count before an allocation), returns EP_ERR_CORRUPT with err set on
 *          anything out of place, never crashes and never allocates more than the bytes warrant.
 */
#ifndef ENTROPROF_PROBE_H
#define ENTROPROF_PROBE_H

/* Experimental API: the probe interface changes with the library (README.md, "Use as a library"). */
#ifndef EP_STATIC_LINKING_ONLY
#error "entroprof/probe.h is experimental: define EP_STATIC_LINKING_ONLY, link entroprof_static"
#endif

#include "common.h"
#include "doc.h"
#include "json.h"
#include "scan_config.h"
#include "serial.h"
#include "tokenizer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const ep_scan_config *cfg;
    const ep_tokenizer *tok;
    uint64_t mem_bytes;   /**< half of this probe's share of --mem (one half for the shard state, one for
                               the corpus state). Independent of the thread count, so a probe that
                               samples under it must be ORDERED: then one state per shard exists and
                               its sampling decisions do not depend on --threads. Unordered
                               per-thread states must keep exact state. */
    int is_corpus;        /**< 1 when this state will hold the whole corpus (it receives fold, never
                               observe or merge) */
    int nthreads;         /**< worker threads of the scan (results must not depend on it) */
} ep_probe_env;

enum {
    EP_PROBE_ORDERED = 1u << 0,  /**< observe in canonical order from one thread, one state per shard */
    EP_PROBE_NEEDS_TOKENS = 1u << 1, /**< observe needs token ids (else ids may be NULL) */
    EP_PROBE_ESTIMATOR = 1u << 2,   /**< an entropy estimator: with --dedup-estimators it does not see
                                         exact duplicates (EP_DOC_EXACT_DUP) */
    EP_PROBE_CROSS_SHARD = 1u << 3  /**< finish reads `before` (duplicates of earlier shards): a partial
                                         keeps its state before finish (see "Partial states") */
};

typedef struct ep_probe_vtable_s {
    const char *name;   /**< short id, used by --probes and in timings */
    unsigned flags;
    /** 1 if the probe runs under this configuration. */
    int (*enabled)(const ep_scan_config *cfg);
    /** Relative weight in the split of the memory budget (0 = needs only a little). */
    double mem_weight;
    /* The lifecycle, in the order of the calls (contracts at the top of this file). */
    ep_status (*create)(void **out, const ep_probe_env *env, ep_error *err);
    ep_status (*observe)(void *st, const ep_doc *doc, const ep_token *ids, size_t n_ids, ep_error *err);
    ep_status (*merge)(void *into, const void *from, ep_error *err);         /**< may be NULL if ORDERED */
    ep_status (*finish)(void *st, const void *before, ep_jv *out, const ep_probe_env *env, ep_error *err);
    ep_status (*fold)(void *corpus, const void *shard, ep_error *err);        /**< NULL: no corpus state */
    void (*free)(void *st);
    /* Partial states (see the top of this file). */
    ep_status (*save)(const void *st, ep_wbuf *w, ep_error *err);             /**< NULL: nothing to keep */
    ep_status (*load)(void **out, ep_rbuf *r, const ep_probe_env *env, ep_error *err);
} ep_probe_vtable;

/** The built-in probes in their fixed order. */
EP_STATIC_API const ep_probe_vtable *const *ep_probe_registry(size_t *n);

/** What an estimate estimates (its `estimates` field): */
#define EP_ESTIMAND_H_N "h_n"                   /**< conditional entropy of order `order` (H_1 = h_0) */
#define EP_ESTIMAND_ENTROPY_RATE "entropy_rate" /**< the entropy rate of the source itself */
#define EP_ESTIMAND_CODE_LENGTH "code_length"   /**< a code length of the sample under a model or
                                                     compressor (an upper bound when it is a true code) */

/** Adds an estimate object {value, unit, kind, estimates, method, sample_tokens} under
 *  out.estimates.key and returns it so that the caller may add fields (bits_per_byte, stderr, ...).
 *  kind is "point", "upper_bound", "lower_bound" or "model_asymptote" (a property of a model's loss
 *  curve, never a headline or a bound). `estimates` defaults to "h_n" with `order` n for keys ending
 *  in _h<n> (the n-gram ladder), else "code_length"; ep_estimate_set_estimand overrides it. */
EP_STATIC_API ep_jv *ep_estimate_add(ep_jv *out, const char *key, double value, const char *unit,
                                     const char *kind, const char *method, uint64_t sample_tokens);

/** Sets est.estimates (one of EP_ESTIMAND_*) and, when order >= 0, est.order. */
EP_STATIC_API void ep_estimate_set_estimand(ep_jv *est, const char *estimand, int order);

/** Makes every estimate under out.estimates publishable as an entropy (>= 0 and finite): a
 *  `value` (or `bits_per_byte`) below 0, which plug-in and bias-corrected estimates of a nearly
 *  deterministic h_n give from sampling noise, becomes 0 and the raw number is kept in `raw_value`
 *  (`raw_bits_per_byte`); an estimate whose value or bits_per_byte is not finite is removed and
 *  named in out.estimates_dropped [{estimate, reason}]. The scan calls it on every shard and the
 *  corpus after the probes finish, before the headline is chosen. */
EP_STATIC_API void ep_estimates_clamp(ep_jv *out);

/** Records that probe `probe` gave up on this shard (or on the corpus) and why: appends
 *  {"probe": probe, "error": reason} to out.probe_errors. The scan calls it with the ep_error of a
 *  failed lifecycle call; it then sets the shard's status to "partial" (docs/profile-schema.md)
 *  and the CLI exits 1 naming the probe and the shard. */
EP_STATIC_API void ep_probe_gave_up(ep_jv *out, const char *probe, const char *reason);

#ifdef __cplusplus
}
#endif
#endif
