/* entroprof: the profile checker. Tests the invariants that every profile written by `scan` must
 * hold (docs/profile-schema.md, "Invariants"), so that a reader can trust the headline against
 * the profile's own bounds. Reads the profile JSON only. */
#ifndef ENTROPROF_CHECK_H
#define ENTROPROF_CHECK_H

#include "common.h"
#include "json.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Relative tolerance of every comparison between two entropies (rounding only). */
#define EP_CHECK_REL_TOL 1e-9

/** Checks every shard, the corpus and the config of a profile. The invariants (names as reported):
 *   1. `finite_nonnegative`: every estimate's `value` and `bits_per_byte`, and every number of
 *      `entropy`, is finite and >= 0;
 *   2. `headline_le_upper_bound`: `entropy.bits_per_byte` <= every `upper_bound` estimate per byte
 *      (zstd_* included), and `entropy.bits_per_token` <= every `upper_bound` estimate that is
 *      per token;
 *   3. `bracket_order`: `entropy.lower_*` <= headline <= `entropy.upper_*` in each unit present
 *      (no lower side is allowed);
 *   4. `upper_per_token_present`: `entropy.upper_bits_per_token` is present when there is an upper
 *      side and the object has tokens > 0 and bytes > 0 (so it converts);
 *   5. `config_complete`: `config` holds every key of ep_profile_config_keys().
 *  Comparisons allow EP_CHECK_REL_TOL relative.
 *  @return EP_OK and *violations = a JSON array (caller frees with ep_jv_free), one object
 *          {"where", "invariant", "message"} per violation, empty when all hold; `where` is
 *          "shard PATH", "corpus" or "config". EP_ERR_FORMAT (and *violations NULL) when the
 *          document is not a profile (no "shards" array); EP_ERR_NOMEM. */
EP_API ep_status ep_profile_check(const ep_jv *profile, ep_jv **violations, ep_error *err);

/** The config keys a profile must record (every setting that can change a number), NULL-terminated. */
EP_API const char *const *ep_profile_config_keys(void);

#ifdef __cplusplus
}
#endif
#endif
