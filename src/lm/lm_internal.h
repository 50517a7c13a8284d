/* Kernels of the tiny transformer (src/lm/). Naming follows llm.c with the library's prefix,
 * ep_lm_<layer>_<direction>: outputs first, then inputs, then sizes. N = B*T rows. Backward
 * kernels ACCUMULATE (+=) into their gradient outputs. Every kernel parallelizes only over axes
 * whose outputs do not overlap and reduces each output in a fixed order, so results do not depend
 * on the thread count. */
#ifndef EP_LM_INTERNAL_H
#define EP_LM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

struct ep_lm_s;
/* Test access: the model's flat parameter and gradient arrays (n floats each). */
float *ep_lm_params_raw(struct ep_lm_s *m, size_t *n);
float *ep_lm_grads_raw(struct ep_lm_s *m, size_t *n);

/* out (N, C) = wte[inp] + wpe[t], t = row % T */
void ep_lm_encoder_forward(float *out, const int32_t *inp, const float *wte, const float *wpe, int B, int T,
                           int C);
void ep_lm_encoder_backward(float *dwte, float *dwpe, const float *dout, const int32_t *inp, int B, int T,
                            int C);
/* out = (x - mean) * rstd * w + b per row; mean, rstd (N) saved for backward. eps = 1e-5 */
void ep_lm_layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *w,
                             const float *b, int N, int C);
void ep_lm_layernorm_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                              const float *w, const float *mean, const float *rstd, int N, int C);
/* out (N, O) = inp (N, I) w^T + bias; w (O, I); bias may be NULL; wt: scratch of I*O floats */
void ep_lm_matmul_forward(float *out, const float *inp, const float *w, const float *bias, float *wt, int N,
                          int I, int O);
/* dinp (N, I) += dout w; dw (O, I) += dout^T inp; dbias (O) += column sums (may be NULL) */
void ep_lm_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp,
                           const float *w, int N, int I, int O);
/* qkv (B, T, 3C) -> out (B, T, C); preatt, att (B, NH, T, T), causal, scale 1/sqrt(C/NH) */
void ep_lm_attention_forward(float *out, float *preatt, float *att, const float *qkv, int B, int T, int C,
                             int NH);
void ep_lm_attention_backward(float *dqkv, float *dpreatt, float *datt, const float *dout, const float *qkv,
                              const float *att, int B, int T, int C, int NH);
/* GELU, tanh approximation (Hendrycks & Gimpel 2016, eq. in sec. 2) */
void ep_lm_gelu_forward(float *out, const float *inp, int n);
void ep_lm_gelu_backward(float *dinp, const float *inp, const float *dout, int n);
void ep_lm_residual_forward(float *out, const float *a, const float *b, int n);
void ep_lm_residual_backward(float *da, float *db, const float *dout, int n);
/* probs (N, V) = softmax(logits); losses (N) = -ln probs[target] (0 where target < 0).
 * @return the sum of losses (double, rows in order). */
double ep_lm_softmax_crossentropy_forward(float *probs, float *losses, const float *logits,
                                          const int32_t *targets, int N, int V);
/* dlogits (N, V) += (probs - onehot(target)) * dloss for unmasked rows */
void ep_lm_softmax_crossentropy_backward(float *dlogits, const float *probs, const int32_t *targets,
                                         float dloss, int N, int V);

/* Power-law fit L(D) = E + B D^-beta with Huber loss on log L (fit.c). */
typedef struct {
    double e, b, beta;
    double loss;     /* Huber objective at the optimum */
    int e_at_bound;  /* E at the lower bound 0 or the upper bound min(L) */
    int beta_at_bound;
} ep_lm_powfit;
void ep_lm_powfit_run(ep_lm_powfit *fit, const double *d, const double *l, const double *w, int n,
                      int fine);

#endif
