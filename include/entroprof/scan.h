/* entroprof: the scan driver. Reads shards, tokenizes, runs every enabled probe, and returns
 * the profile (schema "entroprof.profile/1", docs/profile-schema.md).
 *
 * Determinism: every number in the profile is bit-identical for any thread count and batch
 * size (probe merges are exact integer operations; floating point only in finish). */
#ifndef ENTROPROF_SCAN_H
#define ENTROPROF_SCAN_H

#include "common.h"
#include "json.h"
#include "reader.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Progress report, delivered from the reading thread about every 1/6 s when enabled. */
typedef struct {
    uint64_t input_bytes_done;  /**< raw bytes consumed, all shards */
    uint64_t input_bytes_total; /**< sum of file sizes (0 when unknown, e.g. stdin) */
    uint64_t decoded_bytes_done;
    size_t shards_done;
    size_t shards_total;
    double seconds;             /**< since the scan began */
    int final;                  /**< 1 on the last call */
} ep_progress;

typedef void (*ep_progress_fn)(void *user, const ep_progress *p);

/** Every scan setting, with its unit and range. ep_scan_config_default fills defaults. */
typedef struct {
    ep_reader_config reader;
    const char *tokenizer;      /**< name or path; see tokenizer.h */
    int threads;                /**< worker threads; 0 = OpenMP default */
    uint64_t mem_bytes;         /**< memory budget for probe state; 0 = min(1/4 of physical RAM, 2 GiB) */
    size_t batch_bytes;         /**< text bytes per work batch; default 4 MiB; no effect on results */
    int zstd_level;             /**< compression probe level, 1..22 (others are refused); default 3 */
    int zstd_strong_level;      /**< strong compression bound level, 0 = off; default 19 */
    int zstd_long;              /**< --long window log for compression probes; 0 = off (10..31) */
    double zstd_strong_fraction; /**< strong level runs on this fraction of documents, chosen by content
                                      hash (0 < f <= 1); default 1/32 */
    int ngram_order;            /**< K of the n-gram ladder; 0 = by tokenizer (8 bytes/chars, 5 else) */
    double heldout_fraction;    /**< fraction of documents (by content hash) held out; default 0.1 */
    int lm_enable;              /**< tiny-model pass; default 0 */
    uint64_t lm_tokens;         /**< token budget of the tiny-model sample per shard */
    uint64_t seed;              /**< seed of every hash-based sampling decision; default 0 */
    const char *probes;         /**< comma list of registry names to enable only these (NULL = defaults;
                                     "counts" always runs; unknown names are refused) */
    uint64_t ngram_sample_tokens; /**< n-gram ladder: at most about this many tokens per shard (and for
                                       the corpus), a content-hashed document sample; 0 = only the
                                       memory budget limits it; default 4M */
    int dedup_estimators;       /**< 1: estimator probes skip documents whose bytes equal an earlier
                                     document's (canonical order); counts and dedup probes see all */
    ep_progress_fn progress;    /**< NULL = none */
    void *progress_user;
    int verbose;                /**< 0 quiet, 1 normal, 2 plan and timings in the profile */
} ep_scan_config;

EP_API void ep_scan_config_default(ep_scan_config *cfg);

/** Checks a configuration before a scan: zstd levels in range (1..22; strong 0..22), fractions in
 *  range, every name of cfg->probes a probe of the registry (an empty element such as "a,,b" is
 *  unknown too). ep_scan calls it first.
 *  @return EP_OK, or EP_ERR_ARG / EP_ERR_NOTFOUND with a message naming the known probes. */
EP_API ep_status ep_scan_config_check(const ep_scan_config *cfg, ep_error *err);

/** Scans the inputs and builds the profile. A shard that fails is marked "error" in the
 *  profile and the scan goes on; *n_failed counts them.
 *  @return EP_OK when the profile was built (even with failed shards); an error when nothing
 *  could be done (bad configuration, unknown tokenizer, no inputs). */
EP_API ep_status ep_scan(const char *const *inputs, size_t n_inputs, const ep_scan_config *cfg,
                         ep_jv **profile_out, size_t *n_failed, ep_error *err);

/** Headline rule constants (docs/estimators.md §5; chosen on the regime grid of
 *  bench/regime_grid.py). An order is well sampled at distinct/N <= EP_HEADLINE_WELL_SAMPLED (used
 *  to pick the order when there is no held-out MKN); the Grassberger ladder may give the headline
 *  up to distinct/N <= EP_HEADLINE_MAX_DISTINCT; held-out MKN may give it with at least
 *  EP_HEADLINE_MKN_MIN_HELDOUT held-out tokens. */
#define EP_HEADLINE_WELL_SAMPLED 0.1
#define EP_HEADLINE_MAX_DISTINCT 0.35
#define EP_HEADLINE_MKN_MIN_HELDOUT 32768
/** Undersampled also when (m+1)-grams beyond the selected order coincide at least
 *  EP_HEADLINE_HIDDEN_RATIO times as often as the selected order predicts, on at least
 *  EP_HEADLINE_HIDDEN_MIN_PAIRS coincident pairs (headline.c, hidden_structure). */
#define EP_HEADLINE_HIDDEN_RATIO 1.5
#define EP_HEADLINE_HIDDEN_MIN_PAIRS 100
/** The ladder value stays the lower side when at most this much (relative) above the headline. */
#define EP_HEADLINE_LOWER_SLACK 0.005

/** Picks the headline entropy of a shard or corpus object from its estimates and writes the
 *  "entropy" object (docs/estimators.md states the rule). Used by scan and by analyses. Expects
 *  estimates already made publishable by ep_estimates_clamp (probe.h: none negative or
 *  non-finite), as the scan does before calling it. */
EP_API void ep_profile_choose_headline(ep_jv *shard_or_corpus);

#ifdef __cplusplus
}
#endif
#endif
