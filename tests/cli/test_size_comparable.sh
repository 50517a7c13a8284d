#!/usr/bin/env bash
# Shards of one stationary source at different sizes are comparable by the reference-sample H
# (docs/estimators.md §2 "Size"): a word Markov source (ep_synth) and its first 10% (the same
# stream, cut at a document boundary) give heldout_mkn_ref within 2% of each other (the headline
# heldout_mkn is not size-independent: it is reported for contrast), the rate fit's interval is
# ordered and below the measured code length, and `rank` (highest H first) puts both shards of the
# higher-rate source before both shards of the lower-rate one.
# usage: test_size_comparable.sh ENTROPROF SOURCE_DIR BUILD_DIR
set -u
EP=$1; BUILD=$3
OUT=$(mktemp -d "${BUILD}/size_cmp.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
synth() { # name support symbols
  "$BUILD/ep_synth" --kind words --order 1 --vocab 1000 --support "$2" --symbols "$3" --doc-symbols 1000 \
      --seed 3 --out "$OUT/$1.txt" >"$OUT/$1.truth.json" || { echo "FAIL: ep_synth $1"; exit 1; }
}
synth a_full 8 6000000; synth a_tenth 8 600000; synth b_full 64 6000000; synth b_tenth 64 600000
cmp -n "$(stat -c %s "$OUT/a_tenth.txt")" "$OUT/a_full.txt" "$OUT/a_tenth.txt" >/dev/null ||
  { echo "FAIL: the 10% file is not a prefix"; exit 1; }
"$EP" scan --tokenizer word --threads 2 -q --compact --probes counts,ngram,heldout_mkn \
    "$OUT/a_full.txt" "$OUT/a_tenth.txt" "$OUT/b_full.txt" "$OUT/b_tenth.txt" -o "$OUT/p.json" ||
  { echo "FAIL: scan"; exit 1; }
python3 - "$OUT/p.json" <<'PY' || exit 1
import json, sys
p = json.load(open(sys.argv[1]))
sh = {s["path"].rsplit("/", 1)[-1][:-4]: s for s in p["shards"]}
ok = True
for src in ("a", "b"):
    f, t = sh[src + "_full"]["estimates"], sh[src + "_tenth"]["estimates"]
    rf, rt = f["heldout_mkn_ref"], t["heldout_mkn_ref"]
    if rf["extrapolated"] or rt["extrapolated"]:
        print("FAIL: %s: reference H extrapolated (train tokens %d / %d)" % (src, f["heldout_mkn"]["train_tokens"],
              t["heldout_mkn"]["train_tokens"])); ok = False
    d = abs(rf["value"] - rt["value"]) / rf["value"]
    print("%s: heldout_mkn_ref %.4f / %.4f (%.2f%%); heldout_mkn %.4f / %.4f" % (src, rf["value"], rt["value"],
          100 * d, f["heldout_mkn"]["value"], t["heldout_mkn"]["value"]))
    if d > 0.02: print("FAIL: %s: reference H differ by %.2f%%" % (src, 100 * d)); ok = False
    for e in (f, t):
        fit = e.get("heldout_mkn_rate_fit")
        if fit is None: print("FAIL: %s: no heldout_mkn_rate_fit" % src); ok = False; continue
        lo, hi = fit["interval"]
        if not (0 <= lo <= fit["value"] <= hi <= e["heldout_mkn"]["value"] + 1e-12):
            print("FAIL: %s: rate fit %r outside its interval or above the code length" % (src, fit)); ok = False
    for s in (sh[src + "_full"], sh[src + "_tenth"]):
        if s["entropy"].get("reference_bits_per_byte") != s["estimates"]["heldout_mkn_ref"]["bits_per_byte"]:
            print("FAIL: entropy.reference_bits_per_byte missing"); ok = False
sys.exit(0 if ok else 1)
PY
"$EP" rank "$OUT/p.json" --format json >"$OUT/rank.json" || { echo "FAIL: rank json"; exit 1; }
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r["sorted_by"] == "heldout_mkn_ref" and r["size_independent"] else 1)' \
    "$OUT/rank.json" || { echo "FAIL: rank does not sort by the reference-sample H"; exit 1; }
"$EP" rank "$OUT/p.json" --format tsv >"$OUT/rank.tsv" || { echo "FAIL: rank"; exit 1; }
order=$(awk -F'\t' 'NR > 1 && $0 !~ /^#/ {print $0}' "$OUT/rank.tsv" | grep -o '[ab]_\(full\|tenth\)' | tr '\n' ' ')
case "$order" in
  "b_full b_tenth a_"*|"b_tenth b_full a_"*) echo "rank: $order";;
  *) echo "FAIL: rank order '$order' (both b shards must come before both a shards)"; cat "$OUT/rank.tsv"; exit 1;;
esac
echo "ok: reference-sample H comparable across shard sizes"
