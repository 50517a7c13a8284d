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
#include "scan_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Sets every field of *cfg to its default (given beside each field of scan_config.h). */
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
