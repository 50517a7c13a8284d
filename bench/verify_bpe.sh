#!/usr/bin/env bash
# Ids of entroprof vs npm tiktoken 1.0.22 on a whole file: every line ('\n' included) encoded
# alone, plus the whole file as one text. Prints lines compared, ids compared, mismatches.
# usage: bench/verify_bpe.sh BUILD_DIR NODE_MODULES [TEXT_FILE|FILE.zst] [ENCODINGS...]
set -euo pipefail
build=${1:?build dir}; nm=${2:?node_modules with tiktoken}; src=${3:-/work/shared/data/tok/web-docs-10MB.txt.zst}
shift $(( $# < 3 ? $# : 3 )) || true
encs=("$@"); [ ${#encs[@]} -gt 0 ] || encs=(cl100k_base o200k_base r50k_base)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
case "$src" in *.zst) zstd -dcq "$src" > "$tmp/in.txt";; *) cp "$src" "$tmp/in.txt";; esac
here=$(cd "$(dirname "$0")" && pwd)
status=0
for e in "${encs[@]}"; do
  "$build/bpe_bench" lines "$e" "$tmp/in.txt" > "$tmp/ours"
  node --max-old-space-size=4096 "$here/tiktoken_ref.mjs" "$nm" lines "$e" "$tmp/in.txt" > "$tmp/ref"
  awk -v e="$e" -f "$here/compare_ids.awk" "$tmp/ref" "$tmp/ours" || status=1
done
exit $status
