#!/usr/bin/env bash
# Dedup benchmark: MinHash signature throughput on one core (dedup_sigbench: reading not timed)
# and the whole `entroprof dedup` run (read + sign + index + write), with peak RSS.
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
