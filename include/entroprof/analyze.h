/* entroprof: analyses of a profile (rank, predict, mix); their writers are in report.h.
 *
 * Everything here reads the profile JSON only (scan once, analyse many times); nothing invents a
 * number: a missing estimator or key leaves the corresponding output absent. Results are JSON trees
 * (ep_jv, owned by the caller, free with ep_jv_free) so that the CLI can print them as text, TSV,
 * Markdown or JSON. Formulas, constants, sources and thresholds: docs/analyze.md. */
#ifndef ENTROPROF_ANALYZE_H
#define ENTROPROF_ANALYZE_H

#include "common.h"
#include "json.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Constants (sources in docs/analyze.md)                                                       */

#define EP_LN2 0.69314718055994530942
#define EP_BOLTZMANN_J_PER_K 1.380649e-23 /**< kB, exact in SI since 2019 */
/** Paper's eta range (arXiv 2411.00660 sec. 5.1) is computed with Kaplan's losses in nats and N in
 *  bits: [0.115, 0.268]. In consistent bits it is that divided by ln 2. */
#define EP_ETA_PAPER_NATS_LO 0.115
#define EP_ETA_PAPER_NATS_HI 0.268
#define EP_ETA_BITS_LO (EP_ETA_PAPER_NATS_LO / EP_LN2) /**< 0.1659 */
#define EP_ETA_BITS_HI (EP_ETA_PAPER_NATS_HI / EP_LN2) /**< 0.3866 */
/** Muennighoff et al. 2023: decay constants of repeated data and excess parameters. */
#define EP_MUENNIGHOFF_RD_STAR 15.387756
#define EP_MUENNIGHOFF_RN_STAR 5.309743
/** Default hardware efficiency, joules per training FLOP: H100 SXM 700 W / (989.4e12 bf16 dense
 *  FLOP/s x 0.40 model FLOP utilisation) = 1.77e-12 (GPU board power only; docs/analyze.md). */
#define EP_DEFAULT_J_PER_FLOP 1.77e-12

/* ------------------------------------------------------------------------------------------ */
/* Profile access helpers                                                                      */

/** Entropy of one shard (or the corpus summary) in the requested unit.
 *  by == NULL: the headline `entropy.<unit>`; else `estimates.<by>` converted when needed
 *  (bits_per_byte = bits_per_token * tokens / bytes, both counted on the same text).
 *  @return 1 and *value on success, 0 when absent or not finite (nothing is invented). */
EP_API int ep_analyze_shard_entropy(const ep_jv *shard, const char *by, int want_bits_per_byte,
                                    double *value);
/** Dedup-aware token count of a shard/corpus: dedup.D_eff, else dedup.unique_tokens, else
 *  tokens x (1 - dedup.exact_dup_bytes / bytes), else tokens.
 *  *source names the key used. @return 0 when none is present. */
EP_API int ep_analyze_unique_tokens(const ep_jv *shard, double *tokens, const char **source);

/* ------------------------------------------------------------------------------------------ */
/* rank                                                                                         */

typedef struct {
    const char *by;            /**< estimator key, NULL = headline `entropy` */
    int bits_per_byte;         /**< 1: rank in bits per byte (default; comparable across tokenizers) */
    double max_bpb;            /**< flag near_max_entropy above this (bits/byte), default 7.5 */
    double max_vocab_frac;     /**< flag near_max_entropy when H_token >= frac*log2(distinct), 0.9 */
    double max_upper_bpb;      /**< flag near_max_entropy when even the tightest upper bound is at or
                                    above this (bits/byte): incompressible data, default 5.5 */
    double max_invalid_per_byte; /**< flag not_text when counters.invalid_utf8/bytes above, 0.01 */
    double min_bpb;            /**< flag low_entropy below this (bits/byte), default 0.5 */
    double max_dup_fraction;   /**< flag high_duplicates when dedup.dup_fraction_docs above, 0.3 */
    double disagree_tol_bits;  /**< slack before estimates_disagree (in the ranking unit), 0.05 */
    double min_sample_tokens;  /**< flag small_sample below this many sample tokens, 10000 */
} ep_rank_config;

/** Sets every field of *cfg to its default (given beside each field). */
EP_API void ep_rank_config_default(ep_rank_config *cfg);

/** The guardrails of one shard (or corpus object), exactly as ep_rank_run applies them: a JSON
 *  array of {"flag", "reason"} (caller frees), empty when the shard may be ranked. Flags:
 *  near_max_entropy (noise, encoded or random data), not_text (binary), low_entropy (boilerplate),
 *  high_duplicates, estimates_disagree, small_sample (thresholds in cfg; docs/analyze.md). The scan
 *  writes them into each shard's `flags` with the default config, so that scan's table, rank,
 *  report and the profile agree. @return NULL only when out of memory. */
EP_API ep_jv *ep_rank_shard_flags(const ep_jv *shard, const ep_rank_config *cfg);

/** Appends the names of ep_rank_shard_flags(shard, cfg) to shard.flags (created when missing) and
 *  their reasons to shard.flag_reasons {flag: reason} (only when some fire). Used by the scan.
 *  @return EP_OK or EP_ERR_NOMEM. */
EP_API ep_status ep_rank_mark_shard(ep_jv *shard, const ep_rank_config *cfg);

/** Ranks the shards of a profile.
 *  @return EP_OK and *out = {"unit","by","thresholds",{...},"ranked":[...],"flagged":[...],
 *          "errors":[...],"missing":[...]} (caller frees); EP_ERR_FORMAT when not a profile. */
EP_API ep_status ep_rank_run(const ep_jv *profile, const ep_rank_config *cfg, ep_jv **out, ep_error *err);


/* ------------------------------------------------------------------------------------------ */
/* predict (IC-1, IC-2 and published scaling laws)                                              */

typedef struct {
    double h_bits_per_token;    /**< dataset entropy H (bits/token), > 0 */
    double loss_bits_per_token; /**< target loss L (bits/token), 0 <= L < H */
    double tokens;              /**< D; > 0 to compute N from D (exclusive with params) */
    double params;              /**< N in parameters; > 0 to compute D from N */
    double unique_tokens;       /**< U for data-constrained scaling; 0 = unknown (taken as D) */
    double eta_lo, eta_hi;      /**< information capacity range, bits per bit, 0 < lo <= hi <= 1 */
    double bits_per_param;      /**< storage precision: 32, 16, 8, 4 */
    double temperature_k;       /**< IC-2 temperature, kelvin, default 300 */
    double j_per_flop;          /**< hardware efficiency, default EP_DEFAULT_J_PER_FLOP */
} ep_predict_config;

/** Sets every field of *cfg to its default (given beside each field). */
EP_API void ep_predict_config_default(ep_predict_config *cfg);
/** Bits per parameter of a precision name (fp32 bf16 fp16 fp8 int8 int4). @return 0 if unknown. */
EP_API double ep_precision_bits(const char *name);

/** IC-1 (arXiv 2411.00660 eq. 8): N_bits = D (H - L) / eta. All in bits. */
EP_API double ep_ic1_bits(double eta, double tokens, double h_bits, double loss_bits);
/** IC-1 solved for D: D = eta N_bits / (H - L). */
EP_API double ep_ic1_tokens(double eta, double n_bits, double h_bits, double loss_bits);
/** Muennighoff et al. 2023 eq. 5: D' = U + U R* (1 - exp(-R_D / R*)), R_D = D/U - 1 (>= 0). */
EP_API double ep_muennighoff_effective(double tokens, double unique, double r_star);
/** Inverse of the above in D (U <= D' < U (1 + R*)). @return -1 when D' is not reachable. */
EP_API double ep_muennighoff_tokens_for(double effective, double unique, double r_star);
/** Expected step-0 cross-entropy (nats) of a softmax over V classes with i.i.d. N(0, s^2) logits:
 *  ln V + s^2/2 - (e^{s^2} - 1)/(2V) (REFERENCES.md, trap 1). */
EP_API double ep_step0_loss_nats(double vocab, double logit_sd);

/** Runs IC-1 both ways, IC-2, 6ND and the four scaling laws for one request.
 *  @return EP_OK and *out (caller frees); EP_ERR_ARG with a message for impossible requests
 *  (L >= H, negative or zero values, both or neither of tokens/params, eta outside (0, 1], an
 *  answer N, D or 6ND that is not a finite positive double). */
EP_API ep_status ep_predict_run(const ep_predict_config *cfg, ep_jv **out, ep_error *err);

/* ------------------------------------------------------------------------------------------ */
/* mix                                                                                          */

typedef struct {
    const char *name;        /**< source name */
    double h_bits_per_token; /**< entropy of the source (bits/token), >= 0 */
    double unique_tokens;    /**< U, > 0 */
    double min_share;        /**< lower share limit of the budget, 0..1 (0 = none) */
    double max_share;        /**< upper share limit, 0..1 (1 = none) */
} ep_mix_source;

typedef struct {
    double budget_tokens;   /**< B > 0 */
    double max_epochs;      /**< tokens_i <= max_epochs * U_i; <= 0: no limit */
    double r_star;          /**< decay constant, default EP_MUENNIGHOFF_RD_STAR */
} ep_mix_config;

/** Sets every field of *cfg to its default (given beside each field). */
EP_API void ep_mix_config_default(ep_mix_config *cfg);
/** Information (bits) of t tokens drawn from a source: h * D'(t, U). */
EP_API double ep_mix_info_bits(const ep_mix_source *s, double tokens, double r_star);
/** Maximises sum_i h_i D'_i(t_i) s.t. sum t_i <= B and the limits (exact up to 1e-9 relative, by
 *  bisection on the Lagrange multiplier). tokens_out has n entries.
 *  @return EP_ERR_ARG when the limits are infeasible (sum of minimums > budget, min > max). */
EP_API ep_status ep_mix_solve(const ep_mix_source *src, size_t n, const ep_mix_config *cfg,
                              double *tokens_out, ep_error *err);

#ifdef __cplusplus
}
#endif
#endif
