/* Matrix products of the tiny transformer, the hot loops of training.
 *
 * Register-tiled kernels: an output tile of RT rows x CT columns is held in local accumulators
 * and each output element is the sum over the inner axis in index order, computed by exactly one
 * thread. The CT columns are independent lanes, so the compiler vectorizes them without
 * reassociating any sum: the numbers are the same for any thread count (and -O level with the
 * same instruction set). Forward first transposes w (O, I) into wt (I, O) so that a tile's CT
 * weights are contiguous for every inner index. */
#include <string.h>

#include "lm/lm_internal.h"

#define RT 4  /* rows per tile */
#define CT 16 /* columns per tile (vector lanes) */

void matmul_forward(float *out, const float *inp, const float *w, const float *bias, float *wt, int N,
                    int I, int O)
{
#pragma omp parallel for schedule(static)
    for (int o = 0; o < O; o++)
        for (int i = 0; i < I; i++) wt[(size_t)i * O + o] = w[(size_t)o * I + i];

    const int nrt = (N + RT - 1) / RT, nct = (O + CT - 1) / CT;
#pragma omp parallel for collapse(2) schedule(static)
    for (int rt = 0; rt < nrt; rt++)
        for (int ct = 0; ct < nct; ct++) {
            const int r0 = rt * RT, c0 = ct * CT;
            if (r0 + RT <= N && c0 + CT <= O) {
                float acc[RT][CT];
                for (int r = 0; r < RT; r++)
                    for (int c = 0; c < CT; c++) acc[r][c] = bias ? bias[c0 + c] : 0.0f;
                const float *a0 = inp + (size_t)r0 * I;
                for (int i = 0; i < I; i++) {
                    const float *wr = wt + (size_t)i * O + c0;
                    for (int r = 0; r < RT; r++) {
                        const float a = a0[(size_t)r * I + i];
                        for (int c = 0; c < CT; c++) acc[r][c] += a * wr[c];
                    }
                }
                for (int r = 0; r < RT; r++)
                    memcpy(out + (size_t)(r0 + r) * O + c0, acc[r], sizeof acc[r]);
            } else { /* edge tile: same summation order, scalar */
                for (int r = r0; r < N && r < r0 + RT; r++)
                    for (int c = c0; c < O && c < c0 + CT; c++) {
                        float s = bias ? bias[c] : 0.0f;
                        for (int i = 0; i < I; i++) s += inp[(size_t)r * I + i] * wt[(size_t)i * O + c];
                        out[(size_t)r * O + c] = s;
                    }
            }
        }
}

/* dinp (N, I) += dout (N, O) w (O, I): tiles over (rows, I), inner sum over o in order. */
static void matmul_backward_input(float *dinp, const float *dout, const float *w, int N, int I, int O)
{
    const int nrt = (N + RT - 1) / RT, nct = (I + CT - 1) / CT;
#pragma omp parallel for collapse(2) schedule(static)
    for (int rt = 0; rt < nrt; rt++)
        for (int ct = 0; ct < nct; ct++) {
            const int r0 = rt * RT, c0 = ct * CT;
            if (r0 + RT <= N && c0 + CT <= I) {
                float acc[RT][CT] = {{0}};
                for (int o = 0; o < O; o++) {
                    const float *wr = w + (size_t)o * I + c0;
                    for (int r = 0; r < RT; r++) {
                        const float d = dout[(size_t)(r0 + r) * O + o];
                        for (int c = 0; c < CT; c++) acc[r][c] += d * wr[c];
                    }
                }
                for (int r = 0; r < RT; r++) {
                    float *di = dinp + (size_t)(r0 + r) * I + c0;
                    for (int c = 0; c < CT; c++) di[c] += acc[r][c];
                }
            } else {
                for (int r = r0; r < N && r < r0 + RT; r++)
                    for (int c = c0; c < I && c < c0 + CT; c++) {
                        float s = 0.0f;
                        for (int o = 0; o < O; o++) s += dout[(size_t)r * O + o] * w[(size_t)o * I + c];
                        dinp[(size_t)r * I + c] += s;
                    }
            }
        }
}

/* dw (O, I) += dout^T (O, N) inp (N, I): tiles over (O, I), inner sum over rows n in order. */
static void matmul_backward_weight(float *dw, float *dbias, const float *dout, const float *inp, int N,
                                   int I, int O)
{
    const int nrt = (O + RT - 1) / RT, nct = (I + CT - 1) / CT;
#pragma omp parallel for collapse(2) schedule(static)
    for (int rt = 0; rt < nrt; rt++)
        for (int ct = 0; ct < nct; ct++) {
            const int r0 = rt * RT, c0 = ct * CT;
            if (r0 + RT <= O && c0 + CT <= I) {
                float acc[RT][CT] = {{0}};
                for (int n = 0; n < N; n++) {
                    const float *a = inp + (size_t)n * I + c0;
                    const float *d = dout + (size_t)n * O + r0;
                    for (int r = 0; r < RT; r++) {
                        const float dr = d[r];
                        for (int c = 0; c < CT; c++) acc[r][c] += dr * a[c];
                    }
                }
                for (int r = 0; r < RT; r++) {
                    float *g = dw + (size_t)(r0 + r) * I + c0;
                    for (int c = 0; c < CT; c++) g[c] += acc[r][c];
                }
            } else {
                for (int r = r0; r < O && r < r0 + RT; r++)
                    for (int c = c0; c < I && c < c0 + CT; c++) {
                        float s = 0.0f;
                        for (int n = 0; n < N; n++) s += dout[(size_t)n * O + r] * inp[(size_t)n * I + c];
                        dw[(size_t)r * I + c] += s;
                    }
            }
        }
    if (dbias) {
#pragma omp parallel for schedule(static)
        for (int o = 0; o < O; o++) {
            float s = 0.0f;
            for (int n = 0; n < N; n++) s += dout[(size_t)n * O + o];
            dbias[o] += s;
        }
    }
}

void matmul_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp,
                     const float *w, int N, int I, int O)
{
    if (dinp) matmul_backward_input(dinp, dout, w, N, I, O);
    matmul_backward_weight(dw, dbias, dout, inp, N, I, O);
}
