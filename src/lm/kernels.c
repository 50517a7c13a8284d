/* Layer kernels of the tiny transformer except the matmuls (matmul.c). Formulas follow GPT-2
 * (Radford et al. 2019) as laid out in Karpathy's llm.c train_gpt2.c; the code is our own.
 * Determinism: loops marked "omp" split only output rows/slices; every sum over an axis that is
 * not split runs in index order on one thread. */
#include <math.h>
#include <string.h>

#include "lm/lm_internal.h"

/* Below this much work (floats touched) a parallel region costs more than it saves, and on a
 * loaded machine a barrier can cost a whole time slice: run on one thread. */
#define PAR_MIN (1 << 17)

void ep_lm_encoder_forward(float *out, const int32_t *inp, const float *wte, const float *wpe, int B, int T,
                           int C)
{
#pragma omp parallel for schedule(static) if ((long)B * T * C >= PAR_MIN)
    for (int bt = 0; bt < B * T; bt++) {
        const float *e = wte + (size_t)inp[bt] * C, *p = wpe + (size_t)(bt % T) * C;
        float *o = out + (size_t)bt * C;
        for (int c = 0; c < C; c++) o[c] = e[c] + p[c];
    }
}

void ep_lm_encoder_backward(float *dwte, float *dwpe, const float *dout, const int32_t *inp, int B, int T,
                            int C)
{
    /* Scatter-add: rows in order on one thread (several rows may hit the same class). */
    for (int bt = 0; bt < B * T; bt++) {
        const float *d = dout + (size_t)bt * C;
        float *e = dwte + (size_t)inp[bt] * C, *p = dwpe + (size_t)(bt % T) * C;
        for (int c = 0; c < C; c++) { e[c] += d[c]; p[c] += d[c]; }
    }
}

void ep_lm_layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *w,
                             const float *b, int N, int C)
{
    const float eps = 1e-5f;
#pragma omp parallel for schedule(static) if ((long)N * C >= PAR_MIN)
    for (int n = 0; n < N; n++) {
        const float *x = inp + (size_t)n * C;
        float m = 0.0f, v = 0.0f;
        for (int c = 0; c < C; c++) m += x[c];
        m /= (float)C;
        for (int c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m);
        v /= (float)C;
        float s = 1.0f / sqrtf(v + eps);
        float *o = out + (size_t)n * C;
        for (int c = 0; c < C; c++) o[c] = (x[c] - m) * s * w[c] + b[c];
        mean[n] = m;
        rstd[n] = s;
    }
}

void ep_lm_layernorm_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                              const float *w, const float *mean, const float *rstd, int N, int C)
{
    /* dx = rstd * (dnorm - mean(dnorm) - xhat * mean(dnorm * xhat)), dnorm = dout * w */
#pragma omp parallel for schedule(static) if ((long)N * C >= PAR_MIN)
    for (int n = 0; n < N; n++) {
        const float *x = inp + (size_t)n * C, *d = dout + (size_t)n * C;
        float m = mean[n], s = rstd[n], dm = 0.0f, dmx = 0.0f;
        for (int c = 0; c < C; c++) {
            float xh = (x[c] - m) * s, dn = d[c] * w[c];
            dm += dn;
            dmx += dn * xh;
        }
        dm /= (float)C;
        dmx /= (float)C;
        float *di = dinp + (size_t)n * C;
        for (int c = 0; c < C; c++) {
            float xh = (x[c] - m) * s, dn = d[c] * w[c];
            di[c] += (dn - dm - xh * dmx) * s;
        }
    }
    /* weight and bias: sums over rows in row order */
    for (int n = 0; n < N; n++) {
        const float *x = inp + (size_t)n * C, *d = dout + (size_t)n * C;
        float m = mean[n], s = rstd[n];
        for (int c = 0; c < C; c++) {
            dw[c] += d[c] * (x[c] - m) * s;
            db[c] += d[c];
        }
    }
}

void ep_lm_attention_forward(float *out, float *preatt, float *att, const float *qkv, int B, int T, int C,
                             int NH)
{
    const int hs = C / NH;
    const float scale = 1.0f / sqrtf((float)hs);
#pragma omp parallel for collapse(3) schedule(static) if ((long)B * NH * T * T * (C / NH) >= PAR_MIN)
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++)
            for (int t = 0; t < T; t++) {
                const float *q = qkv + ((size_t)b * T + t) * 3 * C + (size_t)h * hs;
                float *pa = preatt + (((size_t)b * NH + h) * T + t) * T;
                float *a = att + (((size_t)b * NH + h) * T + t) * T;
                float mx = -INFINITY;
                for (int t2 = 0; t2 <= t; t2++) {
                    const float *k = qkv + ((size_t)b * T + t2) * 3 * C + C + (size_t)h * hs;
                    float s = 0.0f;
                    for (int i = 0; i < hs; i++) s += q[i] * k[i];
                    s *= scale;
                    pa[t2] = s;
                    if (s > mx) mx = s;
                }
                float z = 0.0f;
                for (int t2 = 0; t2 <= t; t2++) { a[t2] = expf(pa[t2] - mx); z += a[t2]; }
                float iz = 1.0f / z;
                for (int t2 = 0; t2 < T; t2++) {
                    if (t2 <= t) a[t2] *= iz;
                    else { a[t2] = 0.0f; pa[t2] = 0.0f; }
                }
                float *o = out + ((size_t)b * T + t) * C + (size_t)h * hs;
                for (int i = 0; i < hs; i++) o[i] = 0.0f;
                for (int t2 = 0; t2 <= t; t2++) {
                    const float *v = qkv + ((size_t)b * T + t2) * 3 * C + 2 * (size_t)C + (size_t)h * hs;
                    for (int i = 0; i < hs; i++) o[i] += a[t2] * v[i];
                }
            }
}

void ep_lm_attention_backward(float *dqkv, float *dpreatt, float *datt, const float *dout, const float *qkv,
                              const float *att, int B, int T, int C, int NH)
{
    const int hs = C / NH;
    const float scale = 1.0f / sqrtf((float)hs);
    /* One (b, h) slice per iteration: it owns dq/dk/dv of head h in sequence b, so the sums over
     * t into dk, dv run in t order on one thread. */
#pragma omp parallel for collapse(2) schedule(static) if ((long)B * NH * T * T * (C / NH) >= PAR_MIN)
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++)
            for (int t = 0; t < T; t++) {
                const float *a = att + (((size_t)b * NH + h) * T + t) * T;
                float *da = datt + (((size_t)b * NH + h) * T + t) * T;
                float *dpa = dpreatt + (((size_t)b * NH + h) * T + t) * T;
                const float *q = qkv + ((size_t)b * T + t) * 3 * C + (size_t)h * hs;
                float *dq = dqkv + ((size_t)b * T + t) * 3 * C + (size_t)h * hs;
                const float *d = dout + ((size_t)b * T + t) * C + (size_t)h * hs;
                /* out = sum att * v */
                for (int t2 = 0; t2 <= t; t2++) {
                    const float *v = qkv + ((size_t)b * T + t2) * 3 * C + 2 * (size_t)C + (size_t)h * hs;
                    float *dv = dqkv + ((size_t)b * T + t2) * 3 * C + 2 * (size_t)C + (size_t)h * hs;
                    float s = 0.0f;
                    for (int i = 0; i < hs; i++) { s += v[i] * d[i]; dv[i] += a[t2] * d[i]; }
                    da[t2] += s;
                }
                /* softmax: dpre_j = a_j (da_j - sum_k a_k da_k) */
                float dot = 0.0f;
                for (int t2 = 0; t2 <= t; t2++) dot += a[t2] * da[t2];
                for (int t2 = 0; t2 <= t; t2++) dpa[t2] += a[t2] * (da[t2] - dot);
                /* pre = scale q.k */
                for (int t2 = 0; t2 <= t; t2++) {
                    const float *k = qkv + ((size_t)b * T + t2) * 3 * C + C + (size_t)h * hs;
                    float *dk = dqkv + ((size_t)b * T + t2) * 3 * C + C + (size_t)h * hs;
                    float g = dpa[t2] * scale;
                    for (int i = 0; i < hs; i++) { dq[i] += k[i] * g; dk[i] += q[i] * g; }
                }
            }
}

#define GELU_SCALE 0.7978845608028654f /* sqrt(2/pi) */

void ep_lm_gelu_forward(float *out, const float *inp, int n)
{
#pragma omp parallel for schedule(static) if (n >= PAR_MIN)
    for (int i = 0; i < n; i++) {
        float x = inp[i];
        out[i] = 0.5f * x * (1.0f + tanhf(GELU_SCALE * (x + 0.044715f * x * x * x)));
    }
}

void ep_lm_gelu_backward(float *dinp, const float *inp, const float *dout, int n)
{
#pragma omp parallel for schedule(static) if (n >= PAR_MIN)
    for (int i = 0; i < n; i++) {
        float x = inp[i], u = GELU_SCALE * (x + 0.044715f * x * x * x);
        float th = tanhf(u), sech2 = 1.0f - th * th;
        float g = 0.5f * (1.0f + th) + 0.5f * x * sech2 * GELU_SCALE * (1.0f + 3.0f * 0.044715f * x * x);
        dinp[i] += g * dout[i];
    }
}

void ep_lm_residual_forward(float *out, const float *a, const float *b, int n)
{
#pragma omp parallel for schedule(static) if (n >= PAR_MIN)
    for (int i = 0; i < n; i++) out[i] = a[i] + b[i];
}

void ep_lm_residual_backward(float *da, float *db, const float *dout, int n)
{
#pragma omp parallel for schedule(static) if (n >= PAR_MIN)
    for (int i = 0; i < n; i++) { da[i] += dout[i]; db[i] += dout[i]; }
}

double ep_lm_softmax_crossentropy_forward(float *probs, float *losses, const float *logits,
                                          const int32_t *targets, int N, int V)
{
#pragma omp parallel for schedule(static) if ((long)N * V >= PAR_MIN)
    for (int n = 0; n < N; n++) {
        const float *x = logits + (size_t)n * V;
        float *p = probs + (size_t)n * V;
        float mx = -INFINITY;
        for (int v = 0; v < V; v++) if (x[v] > mx) mx = x[v];
        double z = 0.0; /* double: the loss is a code length, keep it accurate at V ~ 1e5 */
        for (int v = 0; v < V; v++) { p[v] = expf(x[v] - mx); z += p[v]; }
        float iz = (float)(1.0 / z);
        for (int v = 0; v < V; v++) p[v] *= iz;
        /* -ln p[y] = ln z + mx - x[y], exact up to rounding even when p[y] underflows */
        losses[n] = targets[n] >= 0 ? (float)(log(z) + (double)mx - (double)x[targets[n]]) : 0.0f;
    }
    double s = 0.0;
    for (int n = 0; n < N; n++) s += losses[n];
    return s;
}

void ep_lm_softmax_crossentropy_backward(float *dlogits, const float *probs, const int32_t *targets,
                                         float dloss, int N, int V)
{
#pragma omp parallel for schedule(static) if ((long)N * V >= PAR_MIN)
    for (int n = 0; n < N; n++) {
        if (targets[n] < 0) continue;
        const float *p = probs + (size_t)n * V;
        float *d = dlogits + (size_t)n * V;
        for (int v = 0; v < V; v++) d[v] += p[v] * dloss;
        d[targets[n]] -= dloss;
    }
}
