#!/usr/bin/env bash
# Validation table of the tiny-model pass on generated order-1 Markov sources of known entropy
# rate (docs/lm.md): truth, L_preq (must be above), L_final, L0 vs its formula, E_fit.
#   bash bench/lm_markov.sh <entroprof-build-dir> [tokens=32768] [threads=1]
set -euo pipefail
BUILD=${1:?entroprof build dir}; N=${2:-32768}; TH=${3:-1}
echo "tokens=$N threads=$TH load: $(cut -d' ' -f1-3 /proc/loadavg)"
OMP_NUM_THREADS=$TH "$BUILD/lm_bench" markov "$N"
