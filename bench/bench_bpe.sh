#!/usr/bin/env bash
# BPE speed: entroprof (1 and 2 threads) vs npm tiktoken 1.0.22 on the same file, same run.
# usage: bench/bench_bpe.sh BUILD_DIR NODE_MODULES [TEXT_FILE|FILE.zst] [ENCODINGS...]
#   default file: /work/shared/data/tok/web-docs-10MB.txt.zst (else corpora/*); encodings: cl100k_base o200k_base r50k_base
set -euo pipefail
build=${1:?build dir}; nm=${2:?node_modules with tiktoken}; src=${3:-/work/shared/data/tok/web-docs-10MB.txt.zst}
shift $(( $# < 3 ? $# : 3 )) || true
encs=("$@"); [ ${#encs[@]} -gt 0 ] || encs=(cl100k_base o200k_base r50k_base)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
case "$src" in *.zst) zstd -dcq "$src" > "$tmp/in.txt";; *) cp "$src" "$tmp/in.txt";; esac
here=$(cd "$(dirname "$0")" && pwd)
echo "file: $src ($(wc -c < "$tmp/in.txt") bytes); load: $(cut -d' ' -f1-3 /proc/loadavg)"
for e in "${encs[@]}"; do
  ours=$("$build/bpe_bench" speed "$e" "$tmp/in.txt" 3)
  ref=$(node "$here/tiktoken_ref.mjs" "$nm" speed "$e" "$tmp/in.txt")
  echo "$ours"; echo "$ref"
  o1=$(echo "$ours" | sed -n 's/^threads 1: \([0-9.]*\) MB.*/\1/p'); r=$(echo "$ref" | sed -n 's/.* \([0-9.]*\) MB\/s.*/\1/p')
  awk -v a="$o1" -v b="$r" -v e="$e" 'BEGIN { printf "%s: entroprof 1 thread / npm tiktoken = %.1fx\n\n", e, a / b }'
done
