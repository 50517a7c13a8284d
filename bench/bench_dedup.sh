#!/usr/bin/env bash
# Dedup benchmark: MinHash signature throughput on one core (dedup_sigbench: reading not timed),
# the whole `entroprof dedup` run (read + sign + index + write), with peak RSS, and the scaling of
# the scan's near_dedup probe with the number of shards (the same plain data as-is and split into
# about 200 shards; EP_BENCH_PLAIN = a directory of plain/JSONL files, default /work/bench/plain,
# else the generated corpus).
# usage: bench/bench_dedup.sh [BUILD_DIR] [DATA...]
#   DATA defaults to ../shared/data/shards (relative to the repository), else a generated corpus.
# No peer is measured: datatrove (Python) is not installable here; numbers are absolute.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
shift || true
BIN=$BUILD/entroprof
SIG=$BUILD/dedup_sigbench
[ -x "$BIN" ] && [ -x "$SIG" ] || { echo "build first: cmake --build $BUILD" >&2; exit 2; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ep-bench-dedup-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
if [ $# -gt 0 ]; then DATA=("$@")
elif [ -d "$ROOT/../shared/data/shards" ]; then DATA=("$ROOT/../shared/data/shards")
elif [ -d /work/shared/data/shards ]; then DATA=(/work/shared/data/shards)
else
  # Generated: 20000 documents of 150 random words, 20% of them near copies of earlier ones.
  python3 - "$TMP/gen.jsonl" <<'PY'
import json, random, sys
rng = random.Random(1)
W = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(50000)]
docs = []
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        if docs and rng.random() < 0.2:
            d = list(rng.choice(docs)); d[rng.randrange(len(d))] = rng.choice(W)
        else:
            d = [rng.choice(W) for _ in range(150)]
        docs.append(d)
        f.write(json.dumps({"id": i, "text": " ".join(d)}) + "\n")
PY
  DATA=("$TMP/gen.jsonl")
fi
echo "data: ${DATA[*]}"
echo "== signatures only, 1 thread"
"$SIG" "${DATA[@]}"
for T in 1 2; do
  echo "== entroprof dedup --threads $T"
  /usr/bin/time -f "wall_s=%e peak_rss_kb=%M" "$BIN" dedup "${DATA[@]}" --out "$TMP/out.jsonl" --threads "$T" 2>&1 | tail -2
done
echo "== entroprof dedup --mem 64M (signatures spill, bands in partitions)"
/usr/bin/time -f "wall_s=%e peak_rss_kb=%M" "$BIN" dedup "${DATA[@]}" --out "$TMP/out_small.jsonl" --threads 2 --mem 64M --tmp "$TMP" 2>&1 | tail -2
cmp -s "$TMP/out.jsonl" "$TMP/out_small.jsonl" && echo "same output under --mem 64M: yes" || echo "same output under --mem 64M: NO"
BYTES=$(python3 -c "import sys; print(sum(1 for _ in open(sys.argv[1])))" "$TMP/out.jsonl")
echo "duplicate lines written: $BYTES"

# Scaling with the shard count: the per-shard near-dup pass is incremental (docs/dedup.md), so the
# cost should not grow with the number of shards. Best of 3 wall seconds.
PLAIN=${EP_BENCH_PLAIN:-/work/bench/plain}
if [ ! -d "$PLAIN" ]; then
  mkdir -p "$TMP/plain"
  [ -f "$TMP/gen.jsonl" ] && cp "$TMP/gen.jsonl" "$TMP/plain/" || { echo "no plain data for the scaling run"; exit 0; }
  PLAIN=$TMP/plain
fi
mkdir -p "$TMP/split"
TOTAL=$(cat "$PLAIN"/* | wc -c)
CHUNK=$(( TOTAL / 200 + 1 ))
for f in "$PLAIN"/*; do
  b=$(basename "$f"); ext=${b##*.}
  split -C "$CHUNK" -d -a 3 --additional-suffix=".$ext" "$f" "$TMP/split/${b%.*}-"
done
best() { # best of 3 wall seconds of: entroprof scan ARGS...
  local b=""
  for _ in 1 2 3; do
    local s e t
    s=$(date +%s.%N); "$BIN" scan "$@" -q -o "$TMP/p.json"; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc); if [ -z "$b" ] || (( $(echo "$t < $b" | bc) )); then b=$t; fi
  done
  echo "$b"
}
N1=$(ls "$PLAIN" | wc -l); N2=$(ls "$TMP/split" | wc -l)
for P in counts counts,near_dedup; do
  A=$(best "$PLAIN" --threads 2 --tokenizer byte --probes "$P")
  B=$(best "$TMP/split" --threads 2 --tokenizer byte --probes "$P")
  echo "== scan --probes $P: $N1 shards ${A}s, $N2 shards ${B}s, ratio $(echo "scale=2; $B / $A" | bc)"
done
