/* entroprof: the tiny-model pass (docs/lm.md).
 *
 * A small decoder-only transformer (token + position embeddings, L pre-LayerNorm blocks of causal
 * multi-head attention and a GELU MLP, final LayerNorm, untied output head with bias) trained for
 * one prequential pass over a token sample. Plain C + OpenMP; every result is bit-identical for
 * any thread count (each output element is reduced by one thread in a fixed order).
 *
 * Vocabulary: the model predicts "classes": the K most frequent types of the sample plus, when
 * the vocabulary has more than K types, one escape class whose mass is spread uniformly over the
 * V - K other types. Every loss is therefore -log2 of a probability of a valid distribution over
 * all V types: an exact code length, never an approximation (docs/lm.md, "exact likelihood"). */
#ifndef ENTROPROF_LM_H
#define ENTROPROF_LM_H

#include "common.h"
#include "tokenizer.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Model and pass settings. ep_lm_config_default fills the defaults. */
typedef struct {
    int n_layer;        /**< L, transformer blocks; default 2; 1..64 */
    int n_embd;         /**< C, width; default 64; a multiple of n_head */
    int n_head;         /**< attention heads; default 4 */
    int seq_len;        /**< T, context length in tokens; default 64 */
    int batch;          /**< B, sequences per optimizer step; default 8 */
    int max_classes;    /**< cap on softmax classes, escape included; default 2048; >= 2 */
    float lr;           /**< AdamW learning rate; default 2e-3 */
    float beta1;        /**< default 0.9 */
    float beta2;        /**< default 0.99 */
    float adam_eps;     /**< default 1e-8 */
    float weight_decay; /**< decoupled (AdamW) decay on every parameter; default 0 */
    float init_std;     /**< std of N(0, s^2) initial weights; default 0.02 (GPT-2) */
    uint64_t seed;      /**< initialization seed; default 0 */
    int curve_points;   /**< windows of the prequential loss curve; default 32 */
    int bootstrap;      /**< bootstrap replicates of the E_fit interval; default 100; 0 = none */
    int step0_batches;  /**< batches scored by the random-init model for L0; default 16 */
} ep_lm_config;

EP_API void ep_lm_config_default(ep_lm_config *cfg);

/* ---- The model (used by the pass): experimental API ---------------------------------------- */
/* The model's internals (one training step at a time, for benchmarks and tests) may change with any
 * version: declared only when EP_STATIC_LINKING_ONLY is defined before including this header, and
 * defined only in the static library (entroprof::entroprof_static; hidden in the shared one). */
#ifdef EP_STATIC_LINKING_ONLY

typedef struct ep_lm_s ep_lm;

/** Creates a model with n_classes output classes, initialized from cfg->seed:
 *  wte, wpe, qkv, fc, head ~ N(0, init_std^2); attention and MLP output projections
 *  ~ N(0, (init_std / sqrt(2 L))^2) (GPT-2, Radford et al. 2019, sec. 2.3); LayerNorm weight 1;
 *  all biases 0. @return EP_OK, EP_ERR_ARG or EP_ERR_NOMEM. The caller frees with ep_lm_free. */
EP_STATIC_API ep_status ep_lm_create(ep_lm **out, const ep_lm_config *cfg, uint32_t n_classes, ep_error *err);
EP_STATIC_API void ep_lm_free(ep_lm *m); /**< NULL-safe */
EP_STATIC_API uint64_t ep_lm_num_params(const ep_lm *m);

/** Forward pass on B sequences of cfg->seq_len classes. inputs and targets are (B, T) class ids;
 *  a target < 0 is masked (no loss, no gradient). @return the summed loss in nats over the
 *  unmasked targets; per-position losses (nats, 0 where masked) are in ep_lm_losses(). */
EP_STATIC_API double ep_lm_forward(ep_lm *m, const int32_t *inputs, const int32_t *targets, int B);
EP_STATIC_API const float *ep_lm_losses(const ep_lm *m); /**< (B, T) of the last forward */
/** Pooled mean and standard deviation of the logits of the last forward (unmasked rows). */
EP_STATIC_API void ep_lm_logit_moments(const ep_lm *m, double *mean, double *std);
/** Gradient of the mean loss of the last forward; then one AdamW step. */
EP_STATIC_API void ep_lm_backward(ep_lm *m);
EP_STATIC_API void ep_lm_update(ep_lm *m);

#endif /* EP_STATIC_LINKING_ONLY */

/* ---- The pass ------------------------------------------------------------------------------ */

typedef struct {
    uint64_t tokens_trained; /**< tokens the model had trained on before this window began */
    double tokens_trained_mean; /**< mean, over the window's tokens, of tokens trained before each */
    uint64_t tokens;         /**< tokens scored in the window */
    double bits_per_token;   /**< mean prequential loss of the window */
} ep_lm_curve_point;

typedef struct {
    uint64_t tokens;            /**< n, tokens in the sample */
    uint64_t vocab_size;        /**< V used for the code (given, or distinct types when open) */
    int vocab_open;             /**< 1 when V is the number of distinct types in the sample */
    uint32_t classes;           /**< softmax size: frequent types, plus 1 when escape is used */
    uint32_t frequent_types;    /**< K */
    double escape_fraction;     /**< fraction of the sample's tokens outside the K types */
    uint64_t n_params;
    int steps;
    /* L0 (Corollary 4.1, literal) */
    double l0_bits_per_token;        /**< mean loss of the random-init model */
    uint64_t l0_tokens;              /**< tokens it was measured on */
    double logit_std;                /**< s, pooled std of the step-0 logits */
    double log2_vocab;               /**< log2 V */
    double l0_formula_bits_per_token; /**< E[CE0] for i.i.d. N(0,s^2) logits, in bits, see pass.c */
    /* prequential */
    double preq_bits_per_token;  /**< total code length / n: an upper bound on the entropy rate */
    double final_bits_per_token; /**< L_final: prequential loss of the last curve window */
    double info_absorbed_bits;   /**< n * (L_preq - L_final) */
    ep_lm_curve_point *curve;    /**< (n_curve), owned; ep_lm_result_free frees it */
    size_t n_curve;
    /* fit L(D) = E + B D^-beta */
    int fit_ok;                  /**< 1 when the curve flattened and E is identifiable */
    char fit_note[160];          /**< why not, when fit_ok == 0 */
    double fit_e, fit_e_lo, fit_e_hi, fit_b, fit_beta; /**< bits per token; 90% bootstrap interval */
} ep_lm_result;

/** Runs the tiny-model pass on ids[0..n) (n >= 2). vocab_size = 0 means an open vocabulary
 *  (word hashes): V is then the number of distinct types in the sample (docs/lm.md).
 *  Fills *res (free with ep_lm_result_free). Deterministic for any thread count. */
EP_API ep_status ep_lm_pass(const ep_lm_config *cfg, const ep_token *ids, size_t n, uint64_t vocab_size,
                            ep_lm_result *res, ep_error *err);
EP_API void ep_lm_result_free(ep_lm_result *res);

#ifdef __cplusplus
}
#endif
#endif
