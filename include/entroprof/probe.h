/* entroprof: the probe interface. A probe is one estimator with a mergeable state.
 *
 * Life of a probe in a scan (the scanner knows probes only through this table):
 *   create  once per (shard, worker thread) [and once per shard for ORDERED probes, and once
 *           for the corpus];
 *   observe for each document, with its token ids. Unordered probes see an arbitrary subset of
 *           the shard's documents in arbitrary order on each worker state; ORDERED probes see
 *           every document of the shard in canonical order, from one thread at a time;
 *   merge   worker states into the shard state, then shard states into the corpus state in
 *           canonical shard order. Must be exact (integer counts, sets): results may not depend
 *           on how documents were spread over workers;
 *   finish  writes the probe's results into the shard (or corpus) JSON object. `before` is the
 *           corpus state of all earlier shards (NULL when finishing the corpus itself): this is
 *           how cross-shard facts (a duplicate of an earlier shard's document) are computed.
 *           Floating point happens here only, from the merged integer state. A probe that cannot
 *           give its results for this shard (a memory limit, a failure it survived) says so with
 *           ep_probe_gave_up and returns EP_OK: the scan marks the shard "partial" and goes on.
 *           A status other than EP_OK ends the whole scan;
 *   free.
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
#include "scan.h"
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
    int is_corpus;        /**< 1 when this state will hold the whole corpus */
    int nthreads;         /**< worker threads of the scan (results must not depend on it) */
} ep_probe_env;

enum {
    EP_PROBE_ORDERED = 1u << 0,  /**< observe in canonical order from one thread, one state per shard */
    EP_PROBE_NEEDS_TOKENS = 1u << 1, /**< observe needs token ids (else ids may be NULL) */
    EP_PROBE_ESTIMATOR = 1u << 2    /**< an entropy estimator: with --dedup-estimators it does not see
                                         exact duplicates (EP_DOC_EXACT_DUP) */
};

typedef struct ep_probe_vtable_s {
    const char *name;   /**< short id, used by --probes and in timings */
    unsigned flags;
    /** 1 if the probe runs under this configuration. */
    int (*enabled)(const ep_scan_config *cfg);
    /** Relative weight in the split of the memory budget (0 = needs only a little). */
    double mem_weight;
    void *(*create)(const ep_probe_env *env);   /**< NULL on allocation failure */
    void (*observe)(void *st, const ep_doc *doc, const ep_token *ids, size_t n_ids);
    ep_status (*merge)(void *into, const void *from);
    ep_status (*finish)(void *st, const void *before, ep_jv *out, const ep_probe_env *env);
    void (*free)(void *st);
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
 *  {"probe": probe, "error": reason} to out.probe_errors. The scan then sets the shard's status to
 *  "partial" (docs/profile-schema.md) and the CLI exits 1 naming the probe and the shard. */
EP_STATIC_API void ep_probe_gave_up(ep_jv *out, const char *probe, const char *reason);

#ifdef __cplusplus
}
#endif
#endif
