/* lm_bench: timings and validation of the tiny-model pass (bench/lm_bench.sh, docs/lm.md).
 *   lm_bench step L C T B V ITERS   time ITERS training steps (forward + backward + AdamW) on
 *                                   random classes; prints tokens/s and matmul GFLOP/s
 *                                   (6 * (12 L C^2 + V C) flops per token; attention not counted)
 *   lm_bench markov TOKENS          table on generated Markov sources of known entropy rate:
 *                                   truth, L_preq, L0 vs formula, E_fit and its interval */
#include <math.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "entroprof/lm.h"

#include "tool_args.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

static int bench_step(int L, int C, int T, int B, int V, int iters)
{
    ep_lm_config cfg;
    ep_lm_config_default(&cfg);
    cfg.n_layer = L; cfg.n_embd = C; cfg.seq_len = T; cfg.batch = B;
    ep_lm *m;
    ep_error err;
    if (ep_lm_create(&m, &cfg, (uint32_t)V, &err) != EP_OK) { fprintf(stderr, "%s\n", err.msg); return 1; }
    int32_t *inp = malloc((size_t)B * T * sizeof *inp), *tgt = malloc((size_t)B * T * sizeof *tgt);
    uint64_t s = 1;
    for (int i = 0; i < B * T; i++) { inp[i] = (int32_t)(rng_next(&s) % (uint64_t)V); tgt[i] = (int32_t)(rng_next(&s) % (uint64_t)V); }
    ep_lm_forward(m, inp, tgt, B); /* warm-up */
    ep_lm_backward(m);
    ep_lm_update(m);
    double t0 = now(), loss = 0;
    for (int it = 0; it < iters; it++) {
        loss = ep_lm_forward(m, inp, tgt, B) / (B * T);
        ep_lm_backward(m);
        ep_lm_update(m);
    }
    double dt = (now() - t0) / iters;
    double flops = 6.0 * (12.0 * L * C * C + (double)V * C) * B * T;
    printf("entroprof L=%d C=%d T=%d B=%d V=%d params=%llu: %.1f ms/step, %.0f tokens/s, %.2f GFLOP/s (loss %.3f)\n",
           L, C, T, B, V, (unsigned long long)ep_lm_num_params(m), dt * 1e3, B * T / dt, flops / dt * 1e-9, loss);
    free(inp); free(tgt);
    ep_lm_free(m);
    return 0;
}

/* Order-1 Markov chain over k symbols: each row puts mass `peak` on one successor and spreads
 * the rest uniformly. Rate H = -sum_i pi_i sum_j P_ij log2 P_ij with pi uniform (the chain is
 * doubly stochastic: successor of i is (a i + 1) mod k with a coprime to k). */
static double gen_markov(ep_token *x, size_t n, int k, double peak, uint64_t seed)
{
    double rest = (1.0 - peak) / (k - 1);
    double h = -(peak * log2(peak) + (k - 1) * rest * log2(rest));
    int cur = 0;
    for (size_t t = 0; t < n; t++) {
        double u = (double)rng_next(&seed) / 2147483648.0;
        int succ = (5 * cur + 1) % k, j;
        if (u < peak) j = succ;
        else {
            j = (int)((u - peak) / rest);
            if (j >= k - 1) j = k - 2;
            if (j >= succ) j++;
        }
        x[t] = (ep_token)j;
        cur = j;
    }
    return h;
}

static int bench_markov(size_t n)
{
    const struct { int k; double peak; uint64_t vocab; } src[] = {
        {4, 0.9, 256}, {16, 0.7, 256}, {64, 0.5, 256}, {256, 0.3, 256}, {1024, 0.5, 50257},
    };
    ep_token *x = malloc(n * sizeof *x);
    if (!x) { fprintf(stderr, "lm_bench: out of memory\n"); return 1; }
    ep_lm_config cfg;
    ep_lm_config_default(&cfg);
    printf("| symbols | V | truth | L_preq | L_final | L0 | L0 formula | log2 V | E_fit [90%%] | seconds |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof src / sizeof src[0]; i++) {
        double h = gen_markov(x, n, src[i].k, src[i].peak, 42 + i);
        ep_lm_result r;
        ep_error err;
        double t0 = now();
        if (ep_lm_pass(&cfg, x, n, src[i].vocab, &r, &err) != EP_OK) {
            fprintf(stderr, "%s\n", err.msg);
            free(x);
            return 1;
        }
        char fit[200];
        if (r.fit_ok) snprintf(fit, sizeof fit, "%.3f [%.3f, %.3f]", r.fit_e, r.fit_e_lo, r.fit_e_hi);
        else snprintf(fit, sizeof fit, "absent (%s)", r.fit_note);
        printf("| %d | %llu | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %s | %.1f |\n", src[i].k,
               (unsigned long long)src[i].vocab, h, r.preq_bits_per_token, r.final_bits_per_token,
               r.l0_bits_per_token, r.l0_formula_bits_per_token, r.log2_vocab, fit, now() - t0);
        ep_lm_result_free(&r);
    }
    free(x);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 8 && !strcmp(argv[1], "step")) {
        int v[6]; /* L C T B V ITERS */
        for (int i = 0; i < 6; i++)
            if (parse_int(argv[2 + i], 1, 1 << 24, &v[i]) != 0) {
                fprintf(stderr, "lm_bench: '%s' is not an integer from 1 to 2^24\n", argv[2 + i]);
                return 2;
            }
        return bench_step(v[0], v[1], v[2], v[3], v[4], v[5]);
    }
    if (argc == 3 && !strcmp(argv[1], "markov")) return bench_markov((size_t)strtoull(argv[2], NULL, 10));
    fprintf(stderr, "usage: lm_bench step L C T B V ITERS | lm_bench markov TOKENS\n");
    return 2;
}
