#!/usr/bin/env bash
# Estimator accuracy on Markov sources of exactly known entropy rate (tools/ep_synth), through
# the full `entroprof scan`: a table of errors (estimate - true rate) per estimator.
#
# usage: bench/bench_estimators.sh [BUILD_DIR] [WORK_DIR]
#   N=10000000   symbols per source (default 10^7)
#   THREADS=2    scan threads
# Prints one row per source: true rate (bits/token), then estimate - truth for
#   gr_true   Grassberger h_k at the true order k          (point)
#   pl_true   plug-in h_k at the true order k              (point, biased low)
#   gr_last   Grassberger h_n at the last order with distinct/N <= 0.1 (the proposed lower side)
#   mkn       held-out interpolated modified Kneser-Ney    (upper bound)
#   zstd_3, zstd_19: bits per byte - true bits per byte   (upper bounds)
# and the scan's throughput (tokens/s, all probes, wall clock).
set -euo pipefail
BUILD=${1:-build}
WORK=${2:-$(mktemp -d /tmp/ep_bench_est.XXXXXX)}
N=${N:-10000000}
THREADS=${THREADS:-2}
SYNTH=$BUILD/ep_synth
EP=$BUILD/entroprof
[ -x "$SYNTH" ] && [ -x "$EP" ] || { echo "build first: $SYNTH, $EP" >&2; exit 2; }
mkdir -p "$WORK"

# name | tokenizer | ep_synth arguments
SOURCES=(
  "bytes-o0-A64|byte|--kind bytes --order 0 --alphabet 64"
  "bytes-o1-A32|byte|--kind bytes --order 1 --alphabet 32"
  "bytes-o2-A16|byte|--kind bytes --order 2 --alphabet 16"
  "bytes-o3-A8|byte|--kind bytes --order 3 --alphabet 8"
  "words-o1-V5k|word|--kind words --order 1 --vocab 5000 --support 32"
  "words-o2-V2k|word|--kind words --order 2 --vocab 2000 --support 8"
)

printf "%-14s %9s %8s %8s %8s %8s %8s %8s %10s\n" source true_bpt gr_true pl_true gr_last mkn zstd_3 zstd_19 tokens/s
for s in "${SOURCES[@]}"; do
  IFS='|' read -r name tok args <<<"$s"
  # shellcheck disable=SC2086
  "$SYNTH" $args --symbols "$N" --seed 1 --out "$WORK/$name.txt" >"$WORK/$name.truth.json"
  order=$(echo "$args" | sed -E 's/.*--order ([0-9]+).*/\1/')
  t0=$(date +%s.%N)
  "$EP" scan --tokenizer "$tok" --threads "$THREADS" -q --compact "$WORK/$name.txt" -o "$WORK/$name.profile.json" || true
  t1=$(date +%s.%N)
  python3 - "$WORK/$name.truth.json" "$WORK/$name.profile.json" "$order" "$name" "$t0" "$t1" <<'EOF'
import json, sys
truth = json.load(open(sys.argv[1])); prof = json.load(open(sys.argv[2]))
k = int(sys.argv[3]); name = sys.argv[4]; secs = float(sys.argv[6]) - float(sys.argv[5])
sh = prof["shards"][0]; est = sh["estimates"]; h = truth["rate_bits_per_symbol"]
hb = truth["rate_bits_per_byte"]
def v(key):
    e = est.get(key); return None if e is None else e["value"]
def fmt(x, ref):
    return "%8s" % "-" if x is None else "%+8.4f" % (x - ref)
last = None
for n in range(0, 16):
    e = est.get("ngram_grassberger_h%d" % n)
    if e is None: break
    if not e["undersampled"]: last = e["value"]
print("%-14s %9.4f %s %s %s %s %s %s %10.3g" % (name, h, fmt(v("ngram_grassberger_h%d" % k), h),
      fmt(v("ngram_plugin_h%d" % k), h), fmt(last, h), fmt(v("heldout_mkn"), h),
      fmt(v("zstd_3"), hb), fmt(v("zstd_19"), hb), sh["tokens"] / secs))
EOF
done
# Counting throughput of each probe alone on the last byte source and the last word source.
for f in bytes-o3-A8:byte words-o2-V2k:word; do
  name=${f%%:*}; tok=${f##*:}
  for p in ngram heldout_mkn; do
    t0=$(date +%s.%N)
    "$EP" scan --tokenizer "$tok" --threads "$THREADS" -q --compact --probes "$p" "$WORK/$name.txt" -o "$WORK/$name.$p.json"
    t1=$(date +%s.%N)
    python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['shards'][0]; print('%-14s %-12s %10.3g tokens/s (scan with counts + %s only)' % (sys.argv[2], sys.argv[3], s['tokens']/(float(sys.argv[5])-float(sys.argv[4])), sys.argv[3]))" \
      "$WORK/$name.$p.json" "$name" "$p" "$t0" "$t1"
  done
done
echo "(work files in $WORK; timings on a shared machine, under contention)"
