#!/usr/bin/env bash
# End-to-end: entroprof dedup finds planted exact and near duplicates across two shards and
# writes traceable JSON lines; output identical for 1 and 2 threads; usage errors exit 2.
set -euo pipefail
BIN=$1
SRC=$2
BUILD=$3
T=$(mktemp -d "${TMPDIR:-/tmp}/ep-cli-dedup-XXXXXX")
trap 'rm -rf "$T"' EXIT
source "$SRC/tests/cli/profile_check.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }

# 40 distinct documents of 120 pseudo-random words; shard b holds an exact copy of doc 3 and a
# one-word edit of doc 7 of shard a, plus 5 new documents.
python3 - "$T" <<'PY'
import json, random, sys
d = sys.argv[1]
rng = random.Random(5)
def word():
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9)))
docs = [" ".join(word() for _ in range(120)) for _ in range(40)]
with open(f"{d}/a.jsonl", "w") as f:
    for i, t in enumerate(docs):
        f.write(json.dumps({"id": f"a{i}", "text": t}) + "\n")
edit = docs[7].split(" ")
edit[60] = "CHANGED"
with open(f"{d}/b.jsonl", "w") as f:
    f.write(json.dumps({"id": "b0", "text": " ".join(word() for _ in range(120))}) + "\n")
    f.write(json.dumps({"id": "b1", "text": docs[3]}) + "\n")
    f.write(json.dumps({"id": "b2", "text": " ".join(edit)}) + "\n")
    for i in range(3, 6):
        f.write(json.dumps({"id": f"b{i}", "text": " ".join(word() for _ in range(120))}) + "\n")
PY

"$BIN" dedup --help | grep -q "usage: entroprof dedup" || fail "--help"
set +e
"$BIN" dedup 2>/dev/null; rc=$?
"$BIN" dedup "$T" --bands 0 2>/dev/null; rc2=$?
"$BIN" dedup "$T" --bogus 1 2>/dev/null; rc3=$?
set -e
[ "$rc" = 2 ] && [ "$rc2" = 2 ] && [ "$rc3" = 2 ] || fail "usage errors should exit 2 ($rc $rc2 $rc3)"

"$BIN" dedup "$T" --out "$T/d1.jsonl" --threads 1 -q
"$BIN" dedup "$T" --out "$T/d2.jsonl" --threads 2 2>"$T/err"
cmp "$T/d1.jsonl" "$T/d2.jsonl" || fail "output differs between 1 and 2 threads"
grep -q "46 documents, 1 exact duplicates, 1 near duplicates" "$T/err" || fail "summary: $(cat "$T/err")"
[ "$(wc -l < "$T/d1.jsonl")" = 2 ] || fail "expected 2 lines: $(cat "$T/d1.jsonl")"
python3 - "$T/d1.jsonl" "$T" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
d = sys.argv[2]
e, n = rows
assert e["kind"] == "exact" and e["id"] == "b1" and e["shard"] == f"{d}/b.jsonl", e
assert e["index"] == 1 and e["line"] == 2 and e["offset"] > 0, e
assert e["kept"]["id"] == "a3" and e["kept"]["shard"] == f"{d}/a.jsonl" and e["kept"]["index"] == 3, e
assert e["jaccard"] == 1.0
assert n["kind"] == "near" and n["id"] == "b2" and n["kept"]["id"] == "a7", n
assert 0.72 <= n["jaccard"] < 1.0 and n["match"]["id"] == "a7", n
# the offset points at the record in the file
with open(f"{d}/b.jsonl", "rb") as f:
    f.seek(n["offset"])
    assert json.loads(f.readline())["id"] == "b2"
PY
# A tiny budget spills signatures and gives the same output.
"$BIN" dedup "$T" --out "$T/d3.jsonl" --mem 24K --tmp "$T" 2>"$T/err3"
cmp "$T/d1.jsonl" "$T/d3.jsonl" || fail "tiny budget changed the output"
grep -q "signatures spilled" "$T/err3" || fail "no summary"
grep -vq "(0 signatures spilled" "$T/err3" || fail "tiny budget did not spill: $(cat "$T/err3")"
# The scan profile carries the dedup-aware figures (probe near_dedup) and the overlap table.
"$BIN" scan "$T/a.jsonl" "$T/b.jsonl" --threads 1 --zstd-strong-level 0 -o "$T/p1.json" >/dev/null 2>&1
"$BIN" scan "$T/a.jsonl" "$T/b.jsonl" --threads 2 --zstd-strong-level 0 -o "$T/p2.json" >/dev/null 2>&1
cmp "$T/p1.json" "$T/p2.json" || fail "scan profile differs between 1 and 2 threads"
python3 - "$T/p1.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
a, b = p["shards"]
assert a["dedup"]["near_dup_docs"] == 0 and a["dedup"]["unique_docs"] == 40, a["dedup"]
d = b["dedup"]
assert d["exact_dup_docs"] == 1 and d["near_dup_docs"] == 1 and d["unique_docs"] == 4, d
assert abs(d["dup_fraction_docs"] - 2 / 6) < 1e-12 and d["D_eff"] == d["unique_tokens"] < b["tokens"], d
c = p["corpus"]["dedup"]
assert c["near_dup_docs"] == 1 and c["overlap"] == [{"shard_a": 0, "shard_b": 1, "docs": 2}], c
assert "dup_line_frac" in b["repetition"] and b["repetition"]["docs"] == 6
PY
ep_check_profiles "$BIN" "$T" || fail "invariants of the scanned profiles (entroprof check)"
echo "ok"
