#!/usr/bin/env bash
# Held-out modified Kneser-Ney: entroprof (tools/ep_mkn, the heldout_mkn probe) against KenLM
# (lmplz -o 5 + query) on the same whitespace-tokenized train/test split; perplexity, time, RSS.
# entroprof's side is its order-ORDER value (by_order[ORDER-1] of a build of order ORDER; the
# reported heldout_mkn value is that of the cross-fitted order, also printed).
#
# usage: bench/kenlm_compare.sh KENLM_SOURCE_DIR [TEXT_FILE] [BUILD_DIR]
#   KENLM_SOURCE_DIR  a checkout of https://github.com/kpu/kenlm; built (cmake, lmplz and query
#                     only) into $KENLM_BUILD (default KENLM_SOURCE_DIR/build) if not built yet.
#                     Needs libboost-{program-options,system,thread,test}-dev libeigen3-dev
#                     libbz2-dev liblzma-dev zlib1g-dev.
#   TEXT_FILE         one document per line (.zst is decompressed; CR removed). Default:
#                     ../shared/data/shards/books-dickens.txt.zst, else corpora/books/*.
#   ORDER=5  LMPLZ_MEM=  (lmplz -S; empty = lmplz's default, 80% of RAM)
# Exit 1 if the perplexities differ by more than 0.5% relative.
set -euo pipefail
KSRC=${1:?usage: bench/kenlm_compare.sh KENLM_SOURCE_DIR [TEXT_FILE] [BUILD_DIR]}
HERE=$(cd "$(dirname "$0")/.." && pwd)
TEXT=${2:-}
BUILD=${3:-$HERE/build}
ORDER=${ORDER:-5}
KBUILD=${KENLM_BUILD:-$KSRC/build}
WORK=$(mktemp -d /tmp/ep_kenlm.XXXXXX)
if [ ! -x "$KBUILD/bin/lmplz" ] || [ ! -x "$KBUILD/bin/query" ]; then
  echo "building KenLM in $KBUILD" >&2
  cmake -S "$KSRC" -B "$KBUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$KBUILD" -j2 --target lmplz query >/dev/null
fi
if [ -z "$TEXT" ]; then
  if [ -f "$HERE/../shared/data/shards/books-dickens.txt.zst" ]; then
    TEXT="$HERE/../shared/data/shards/books-dickens.txt.zst"
  else
    TEXT="$WORK/corpora.txt"
    cat "$HERE"/corpora/books/* >"$TEXT"
  fi
fi
case "$TEXT" in
  *.zst) zstd -dc "$TEXT" | tr -d '\r' >"$WORK/text.txt" ;;
  *) tr -d '\r' <"$TEXT" >"$WORK/text.txt" ;;
esac
T=/usr/bin/time
"$T" -f "%e %M" -o "$WORK/ep.time" "$BUILD/ep_mkn" --in "$WORK/text.txt" --order "$ORDER" --mem 8000000000 \
  --train-out "$WORK/train.txt" --test-out "$WORK/test.txt" >"$WORK/ep.json"
SOPT=()
[ -n "${LMPLZ_MEM:-}" ] && SOPT=(-S "$LMPLZ_MEM")
"$T" -f "%e %M" -o "$WORK/lmplz.time" "$KBUILD/bin/lmplz" -o "$ORDER" --discount_fallback "${SOPT[@]}" \
  <"$WORK/train.txt" >"$WORK/model.arpa" 2>"$WORK/lmplz.log"
"$T" -f "%e %M" -o "$WORK/query.time" "$KBUILD/bin/query" "$WORK/model.arpa" <"$WORK/test.txt" \
  >"$WORK/query.out" 2>&1
python3 - "$WORK" "${LMPLZ_MEM:-default}" <<'EOF'
import json, re, sys
w = sys.argv[1]
ep = json.load(open(w + "/ep.json"))
q = open(w + "/query.out").read()
kppl = float(re.search(r"Perplexity including OOVs:\s*([0-9.eE+-]+)", q).group(1))
ktok = int(re.search(r"Tokens:\s*([0-9]+)", q).group(1))
koov = int(re.search(r"^OOVs:\s*([0-9]+)", q, re.M).group(1))
def tm(name):
    s, kb = open(w + "/" + name + ".time").read().split()[-2:]
    return float(s), int(kb) / 1024.0
es, em = tm("ep"); ls, lm = tm("lmplz"); qs, qm = tm("query")
order = len(ep["by_order"])
eppl = 2 ** ep["by_order"][order - 1]
rel = abs(eppl - kppl) / kppl
print("train tokens %d, held-out tokens+</s> %d (KenLM %d), OOV %d (KenLM %d), train sampling p %g"
      % (ep["train_tokens"], ep["sample_tokens"], ktok, ep["oov_tokens"], koov, ep["train_sampling_p"]))
print("perplexity  entroprof %.10g  KenLM %.10g  relative difference %.2e  (order %d)" % (eppl, kppl, rel, order))
print("entroprof cross-fitted orders %s: perplexity %.10g; by order: %s"
      % (ep["orders_crossfit"], ep["perplexity"], " ".join("%.4f" % (2 ** v) for v in ep["by_order"])))
print("time        entroprof %.2f s   lmplz %.2f s + query %.2f s = %.2f s   speedup x%.1f"
      % (es, ls, qs, ls + qs, (ls + qs) / es))
print("peak RSS    entroprof %.0f MiB   lmplz (-S %s) %.0f MiB, query %.0f MiB   ratio %.2f"
      % (em, sys.argv[2], lm, qm, em / max(lm, qm)))
sys.exit(0 if rel <= 0.005 else 1)
EOF
echo "(work files in $WORK; timings on a shared machine, under contention)"
