/* Matrix products of the tiny transformer, the hot loops of training.
 *
 * Register-tiled kernels: an output tile of RT rows x CT columns is held in local accumulators
 * and each output element is the sum over the inner axis in index order, computed by exactly one
 * thread. The CT columns are independent lanes, so the compiler vectorizes them without
 * reassociating any sum: the numbers are the same for any thread count (and -O level with the
 * same instruction set). Forward first transposes w (O, I) into wt (I, O) so that a tile's CT
 * weights are contiguous for every inner index. */
#include <stdlib.h>
#include <string.h>

#include "lm/lm_internal.h"

#define RT 4 /* rows per tile */
#define CT 8 /* columns per tile: two 4-lane vectors; 4 x 2 accumulators stay in SSE registers */

/* GCC/Clang vector extension: element-wise, so no sum is reassociated. */
typedef float v4f __attribute__((vector_size(16)));
static inline v4f ld4(const float *p)
{
    v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void st4(float *p, v4f v) { memcpy(p, &v, sizeof v); }
/* Work (multiply-adds) below which a matmul runs on one thread. */
#define PAR_MIN_MM (1L << 19)

static inline v4f bc4(float a) { return (v4f){a, a, a, a}; }

void ep_lm_matmul_forward(float *out, const float *inp, const float *w, const float *bias, float *wt, int N,
                          int I, int O)
{
    /* Pack w into panels of CT output columns: wt[(ct * I + i) * CT + c] = w[ct*CT + c][i], so a
     * tile reads one contiguous panel that stays in L1 while all row tiles pass over it. */
    const int nct = O / CT, nrt = (N + RT - 1) / RT;
#pragma omp parallel for schedule(static) if ((long)O * I >= PAR_MIN_MM / 8)
    for (int ct = 0; ct < nct; ct++)
        for (int c = 0; c < CT; c++) {
            const float *wr = w + (size_t)(ct * CT + c) * I;
            float *pp = wt + (size_t)ct * I * CT + c;
            for (int i = 0; i < I; i++) pp[(size_t)i * CT] = wr[i];
        }
#pragma omp parallel for collapse(2) schedule(static) if ((long)N * I * O >= PAR_MIN_MM)
    for (int ct = 0; ct < nct; ct++)
        for (int rt = 0; rt < nrt; rt++) {
            const int r0 = rt * RT, c0 = ct * CT;
            const float *panel = wt + (size_t)ct * I * CT;
            if (r0 + RT <= N) {
                v4f b0 = bias ? ld4(bias + c0) : bc4(0.0f), b1 = bias ? ld4(bias + c0 + 4) : bc4(0.0f);
                v4f a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1;
                const float *x0 = inp + (size_t)r0 * I, *x1 = x0 + I, *x2 = x1 + I, *x3 = x2 + I;
                for (int i = 0; i < I; i++) {
                    const float *wr = panel + (size_t)i * CT;
                    v4f w0 = ld4(wr), w1 = ld4(wr + 4), a;
                    a = bc4(x0[i]); a00 += a * w0; a01 += a * w1;
                    a = bc4(x1[i]); a10 += a * w0; a11 += a * w1;
                    a = bc4(x2[i]); a20 += a * w0; a21 += a * w1;
                    a = bc4(x3[i]); a30 += a * w0; a31 += a * w1;
                }
                float *o = out + (size_t)r0 * O + c0;
                st4(o, a00); st4(o + 4, a01); o += O;
                st4(o, a10); st4(o + 4, a11); o += O;
                st4(o, a20); st4(o + 4, a21); o += O;
                st4(o, a30); st4(o + 4, a31);
            } else { /* last rows: same summation order, scalar */
                for (int r = r0; r < N; r++)
                    for (int c = 0; c < CT; c++) {
                        float s = bias ? bias[c0 + c] : 0.0f;
                        for (int i = 0; i < I; i++) s += inp[(size_t)r * I + i] * panel[(size_t)i * CT + c];
                        out[(size_t)r * O + c0 + c] = s;
                    }
            }
        }
    /* last O % CT columns, scalar from w */
    if (nct * CT < O) {
#pragma omp parallel for schedule(static) if ((long)N * I * (O % CT) >= PAR_MIN_MM)
        for (int r = 0; r < N; r++)
            for (int c = nct * CT; c < O; c++) {
                float s = bias ? bias[c] : 0.0f;
                for (int i = 0; i < I; i++) s += inp[(size_t)r * I + i] * w[(size_t)c * I + i];
                out[(size_t)r * O + c] = s;
            }
    }
}

/* dinp (N, I) += dout (N, O) w (O, I). Row blocks of RB rows: each row of w is read once per
 * block and used for RB rows from L1; the block's sums live in acc (RB x I) and run over o in
 * index order. */
#define RB 32
static void matmul_backward_input(float *dinp, const float *dout, const float *w, int N, int I, int O)
{
    const int nrb = (N + RB - 1) / RB;
#pragma omp parallel if ((long)N * I * O >= PAR_MIN_MM)
    {
        float *acc = malloc((size_t)RB * I * sizeof *acc);
#pragma omp for schedule(static)
        for (int rb = 0; rb < nrb; rb++) {
            if (!acc) continue; /* cannot happen in practice; leaves dinp unchanged */
            const int r0 = rb * RB, nr = N - r0 < RB ? N - r0 : RB;
            memset(acc, 0, (size_t)nr * I * sizeof *acc);
            for (int o = 0; o < O; o++) {
                const float *restrict wr = w + (size_t)o * I;
                for (int r = 0; r < nr; r++) {
                    const float d = dout[(size_t)(r0 + r) * O + o];
                    float *restrict ar = acc + (size_t)r * I;
                    for (int c = 0; c < I; c++) ar[c] += d * wr[c];
                }
            }
            for (int r = 0; r < nr; r++) {
                float *di = dinp + (size_t)(r0 + r) * I;
                const float *ar = acc + (size_t)r * I;
                for (int c = 0; c < I; c++) di[c] += ar[c];
            }
        }
        free(acc);
    }
}

/* dw (O, I) += dout^T (O, N) inp (N, I): tiles over (O, I), inner sum over rows n in order. */
static void matmul_backward_weight(float *dw, float *dbias, const float *dout, const float *inp, int N,
                                   int I, int O)
{
    const int nrt = (O + RT - 1) / RT, nct = (I + CT - 1) / CT;
#pragma omp parallel for collapse(2) schedule(static) if ((long)N * I * O >= PAR_MIN_MM)
    for (int rt = 0; rt < nrt; rt++)
        for (int ct = 0; ct < nct; ct++) {
            const int r0 = rt * RT, c0 = ct * CT;
            if (r0 + RT <= O && c0 + CT <= I) {
                v4f z = bc4(0.0f), a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z;
                for (int n = 0; n < N; n++) {
                    const float *x = inp + (size_t)n * I + c0;
                    const float *d = dout + (size_t)n * O + r0;
                    v4f x0 = ld4(x), x1 = ld4(x + 4), a;
                    a = bc4(d[0]); a00 += a * x0; a01 += a * x1;
                    a = bc4(d[1]); a10 += a * x0; a11 += a * x1;
                    a = bc4(d[2]); a20 += a * x0; a21 += a * x1;
                    a = bc4(d[3]); a30 += a * x0; a31 += a * x1;
                }
                float *g = dw + (size_t)r0 * I + c0;
                st4(g, ld4(g) + a00); st4(g + 4, ld4(g + 4) + a01); g += I;
                st4(g, ld4(g) + a10); st4(g + 4, ld4(g + 4) + a11); g += I;
                st4(g, ld4(g) + a20); st4(g + 4, ld4(g + 4) + a21); g += I;
                st4(g, ld4(g) + a30); st4(g + 4, ld4(g + 4) + a31);
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
#pragma omp parallel for schedule(static) if ((long)N * O >= PAR_MIN_MM / 8)
        for (int o = 0; o < O; o++) {
            float s = 0.0f;
            for (int n = 0; n < N; n++) s += dout[(size_t)n * O + o];
            dbias[o] += s;
        }
    }
}

void ep_lm_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp,
                           const float *w, int N, int I, int O)
{
    if (dinp) matmul_backward_input(dinp, dout, w, N, I, O);
    matmul_backward_weight(dw, dbias, dout, inp, N, I, O);
}
