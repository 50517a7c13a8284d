#!/usr/bin/env bash
# Training-step speed of entroprof's tiny transformer vs Karpathy's llm.c CPU reference
# (train_gpt2.c) at the same configuration, random init, random tokens.
#   bash bench/lm_vs_llmc.sh <entroprof-build-dir> <llm.c-checkout> [threads] [iters]
# The llm.c driver below is written to a temporary directory, includes the user's train_gpt2.c
# (its main renamed) and builds the model without a checkpoint file; nothing of llm.c is kept.
# Both are compiled with -O3 -fopenmp (our library: CMake Release = -O3). FLOPs counted for both
# as 6 * (12 L C^2 + V C) per token (matmuls only; attention and the rest not counted).
set -euo pipefail
BUILD=${1:?entroprof build dir}; LLMC=${2:?llm.c checkout}; TH=${3:-1}; ITERS=${4:-3}; REPS=${REPS:-3}
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
cat > "$TMP/driver.c" <<'C'
#define main llmc_original_main
#include "train_gpt2.c"
#undef main
static double now_s(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
int main(int argc, char **argv) {
    int L = atoi(argv[1]), C = atoi(argv[2]), T = atoi(argv[3]), B = atoi(argv[4]), V = atoi(argv[5]), iters = atoi(argv[6]);
    GPT2 m; memset(&m, 0, sizeof m);
    m.config.max_seq_len = T; m.config.vocab_size = V; m.config.padded_vocab_size = (V + 127) / 128 * 128;
    m.config.num_layers = L; m.config.num_heads = 4; m.config.channels = C;
    fill_in_parameter_sizes(m.param_sizes, m.config);
    for (int i = 0; i < NUM_PARAMETER_TENSORS; i++) m.num_parameters += m.param_sizes[i];
    m.params_memory = malloc_and_point_parameters(&m.params, m.param_sizes);
    uint64_t s = 1;
    for (size_t i = 0; i < m.num_parameters; i++) m.params_memory[i] = 0.02f * (random_f32(&s) - 0.5f);
    m.mean_loss = -1.0f;
    int *in = malloc(B * T * sizeof(int)), *tg = malloc(B * T * sizeof(int));
    for (int i = 0; i < B * T; i++) { in[i] = (int)(random_f32(&s) * V); tg[i] = (int)(random_f32(&s) * V); }
    gpt2_forward(&m, in, tg, B, T); gpt2_zero_grad(&m); gpt2_backward(&m); gpt2_update(&m, 1e-3f, 0.9f, 0.99f, 1e-8f, 0.0f, 1);
    double t0 = now_s();
    for (int it = 0; it < iters; it++) {
        gpt2_forward(&m, in, tg, B, T); gpt2_zero_grad(&m); gpt2_backward(&m);
        gpt2_update(&m, 1e-3f, 0.9f, 0.99f, 1e-8f, 0.0f, it + 2);
    }
    double dt = (now_s() - t0) / iters, fl = 6.0 * (12.0 * L * C * C + (double)V * C) * B * T;
    printf("llm.c     L=%d C=%d T=%d B=%d V=%d params=%zu: %.1f ms/step, %.0f tokens/s, %.2f GFLOP/s (loss %.3f)\n",
           L, C, T, B, V, m.num_parameters, dt * 1e3, B * T / dt, fl / dt * 1e-9, m.mean_loss);
    return 0;
}
C
gcc -O3 -fopenmp -I"$LLMC" -o "$TMP/llmc" "$TMP/driver.c" -lm 2>"$TMP/cc.log" || { cat "$TMP/cc.log"; exit 1; }
echo "threads=$TH iters=$ITERS; load: $(cut -d' ' -f1-3 /proc/loadavg) (timings under contention when load > cores)"
# Each configuration: the two programs alternate REPS times; the best (least disturbed) time of
# each is compared, which is the fairest reading on a shared, loaded machine.
best() { sort -t, -k1 -g | head -1; }
for cfg in "2 64 64 4 50257" "2 128 64 4 50257" "2 64 64 8 256" "4 256 64 4 256"; do
    set -- $cfg
    ra=""; rb=""
    for rep in $(seq "$REPS"); do
        a=$(OMP_NUM_THREADS=$TH "$BUILD/lm_bench" step "$@" "$ITERS")
        b=$(OMP_NUM_THREADS=$TH "$TMP/llmc" "$@" "$ITERS" | grep tokens/s)
        ra+="$(sed -E 's/.*: ([0-9.]+) ms\/step.*/\1/' <<<"$a"),$a"$'\n'
        rb+="$(sed -E 's/.*: ([0-9.]+) ms\/step.*/\1/' <<<"$b"),$b"$'\n'
    done
    a=$(printf '%s' "$ra" | best); b=$(printf '%s' "$rb" | best)
    echo "${a#*,}"; echo "${b#*,}"
    awk -v a="${a%%,*}" -v b="${b%%,*}" 'BEGIN { printf "  best of reps: entroprof / llm.c speed = %.2f\n", b / a }'
done
