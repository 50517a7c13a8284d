#!/usr/bin/env bash
# The headline on two sources whose structure n-gram estimators cannot see in full
# (docs/estimators.md §5): a hidden Markov source (4 hidden states, 16 symbols; no finite order)
# and long-range repeats (noisy copies of 40 random documents). On both the headline is never
# above the smallest upper bound, the bracket is ordered, and on the repeats the upper side comes
# from the bound that sees them (a zstd level) and the headline is far below the unigram entropy.
# usage: test_headline_sources.sh ENTROPROF SOURCE_DIR BUILD_DIR
set -u
EP=$1; BUILD=$3
OUT=$(mktemp -d "${BUILD}/headline_src.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
python3 - "$OUT" <<'PY' || { echo "FAIL: generator"; exit 1; }
import random, sys
out = sys.argv[1]
r = random.Random(7)
alpha = [chr(ord('a') + i) for i in range(16)]
# hidden Markov: sticky hidden chain, each state emits from its own 6-symbol subset
emit = [r.sample(alpha, 6) for _ in range(4)]
with open(out + "/hmm.txt", "w") as f:
    s = 0
    for d in range(300):
        doc = []
        for i in range(2000):
            if r.random() < 0.05: s = r.randrange(4)
            doc.append(r.choice(emit[s]))
        f.write("".join(doc) + "\n\n")
# noisy copies: 40 random documents of 3000 letters, each copied 25 times with 1% substitutions
base = ["".join(r.choice(alpha) for _ in range(3000)) for _ in range(40)]
with open(out + "/copies.txt", "w") as f:
    for c in range(25):
        for b in base:
            f.write("".join(ch if r.random() > 0.01 else r.choice(alpha) for ch in b) + "\n\n")
PY
for src in hmm copies; do
  "$EP" scan --tokenizer byte --threads 2 -q --compact "$OUT/$src.txt" -o "$OUT/$src.json" ||
    { echo "FAIL: scan $src"; exit 1; }
done
python3 - "$OUT/hmm.json" "$OUT/copies.json" <<'PY' || exit 1
import json, math, sys
ok = True
for path in sys.argv[1:]:
    s = json.load(open(path))["shards"][0]
    h, est = s["entropy"], s["estimates"]
    name = path.rsplit("/", 1)[-1]
    ups = {k: (e.get("bits_per_byte", e["value"] if e["unit"] == "bits_per_byte" else None))
           for k, e in est.items() if e["kind"] == "upper_bound"}
    m = min(v for v in ups.values() if v is not None)
    print("%s: H %.4f (%s) bracket [%s, %.4f (%s)] smallest bound %.4f undersampled %s" % (name,
          h["bits_per_byte"], h["method"], h.get("lower_bits_per_byte"), h["upper_bits_per_byte"],
          h["upper_method"], m, h["undersampled"]))
    if h["bits_per_byte"] > m * (1 + 1e-12): print("FAIL: %s: headline above an upper bound" % name); ok = False
    lo = h.get("lower_bits_per_byte", -math.inf)
    if not (lo <= h["bits_per_byte"] <= h["upper_bits_per_byte"]): print("FAIL: %s: bracket" % name); ok = False
    if name == "copies.json":
        if not h["upper_method"].startswith("zstd_"):
            print("FAIL: copies: the upper side is not a zstd bound"); ok = False
        g = est["ngram_grassberger_h0"]["bits_per_byte"]
        if not h["bits_per_byte"] < 0.5 * g:
            print("FAIL: copies: headline %.3f not far below the unigram entropy %.3f" % (h["bits_per_byte"], g)); ok = False
sys.exit(0 if ok else 1)
PY
echo "ok: headline within the bounds on a hidden Markov source and on noisy copies"
