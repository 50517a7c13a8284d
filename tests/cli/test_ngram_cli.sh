#!/usr/bin/env bash
# End to end: a word Markov source of known rate (ep_synth) through `entroprof scan --tokenizer
# word`: the ladder and heldout_mkn are in the profile with their keys, the Grassberger h_1 is
# within 0.03 bits of the rate, heldout_mkn is above it, and 1 and 3 threads give the same profile.
# usage: test_ngram_cli.sh ENTROPROF SOURCE_DIR BUILD_DIR
set -u
EP=$1; SRC=$2; BUILD=$3
OUT=$(mktemp -d "${BUILD}/ngram_cli.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
source "$SRC/tests/cli/profile_check.sh"
"$BUILD/ep_synth" --kind words --order 1 --vocab 1000 --support 16 --symbols 300000 --doc-symbols 500 \
    --seed 4 --out "$OUT/w.txt" >"$OUT/truth.json" || { echo "FAIL: ep_synth"; exit 1; }
for t in 1 3; do
  "$EP" scan --tokenizer word --threads "$t" --batch-bytes 64K --zstd-strong-level 0 -q --compact \
      "$OUT/w.txt" -o "$OUT/p$t.json" || { echo "FAIL: scan --threads $t"; exit 1; }
done
cmp -s "$OUT/p1.json" "$OUT/p3.json" || { echo "FAIL: profiles differ between 1 and 3 threads"; exit 1; }
python3 - "$OUT/truth.json" "$OUT/p1.json" <<'PY' || exit 1
import json, sys
h = json.load(open(sys.argv[1]))["rate_bits_per_symbol"]
s = json.load(open(sys.argv[2]))["shards"][0]
e = s["estimates"]
ok = True
for n in range(5):
    for kind in ("plugin", "grassberger"):
        k = "ngram_%s_h%d" % (kind, n)
        if k not in e: print("FAIL: missing", k); ok = False; continue
        for f in ("value", "unit", "kind", "sample_tokens", "bits_per_byte", "order", "distinct_over_n",
                  "undersampled", "f1", "f4", "sampling_p"):
            if f not in e[k]: print("FAIL: %s has no %s" % (k, f)); ok = False
g1 = e["ngram_grassberger_h1"]["value"]
m = e["heldout_mkn"]
if abs(g1 - h) > 0.03: print("FAIL: grassberger h1 %.4f vs rate %.4f" % (g1, h)); ok = False
if m["kind"] != "upper_bound" or m["value"] < h - 0.02: print("FAIL: heldout_mkn", m["value"], h); ok = False
if m["max_order"] != 5 or len(m["by_order"]) != 5 or not 1 <= m["order"] <= 5 or m["unit"] != "bits_per_token":
    print("FAIL: heldout_mkn order/unit"); ok = False
print("rate %.4f grassberger_h1 %.4f heldout_mkn %.4f" % (h, g1, m["value"]))
sys.exit(0 if ok else 1)
PY
ep_check_profiles "$EP" "$OUT" || { echo "FAIL: invariants of the scanned profiles (entroprof check)"; exit 1; }
echo "ok: ngram end to end"
