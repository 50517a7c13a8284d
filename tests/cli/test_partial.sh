#!/usr/bin/env bash
# A probe that gives up on a shard is visible (issue 12, item 8): near_dedup past its memory limit
# marks the shard `partial` with `probe_errors`, the corpus counts it in `shards_partial`, stderr
# names the probe and the shard, and the exit status is 1. The same scan with enough memory is ok.
# usage: test_partial.sh ENTROPROF SOURCE_DIR BUILD_DIR
set -euo pipefail
EP=$1; SRC=$2; BUILD=$3
T=$(mktemp -d "$BUILD/cli_partial.XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/cli/checks.sh"

# a_small: 50 documents, under the limit; b_big: 12000 one-line documents, over near_dedup's
# per-document limit at --mem 1M (about 9400 documents: docs/dedup.md).
python3 - "$T" <<'PY'
import sys
with open(sys.argv[1] + "/a_small.txt", "w") as f:
    for i in range(50): f.write("small document %d about %d things\n" % (i, i * 7))
with open(sys.argv[1] + "/b_big.txt", "w") as f:
    for i in range(12000): f.write("line %d holds %d and %d words\n" % (i, i * 31 % 977, i * 17 % 1009))
PY

set +e
"$EP" scan "$T/a_small.txt" "$T/b_big.txt" --split line --tokenizer byte --probes counts,ngram,near_dedup --mem 1M \
    -q -o "$T/p.json" 2>"$T/err"
rc=$?
set -e
[ "$rc" = 1 ] || bad "a shard whose probe gave up exits 1 (got $rc)"
grep -q "b_big.txt.*near_dedup" "$T/err" || bad "stderr names the probe and the shard: $(cat "$T/err")"
grep -q "a_small.txt" "$T/err" && bad "stderr names only the partial shard: $(cat "$T/err")"
python3 - "$T/p.json" <<'PY' || bad "profile marks the shard partial"
import json, sys
p = json.load(open(sys.argv[1]))
a, b = p["shards"]
assert a["status"] == "ok" and "probe_errors" not in a, a
assert b["status"] == "partial", b["status"]
assert [e["probe"] for e in b["probe_errors"]] == ["near_dedup"], b["probe_errors"]
assert "raise --mem" in b["probe_errors"][0]["error"], b["probe_errors"]
assert "error" not in b  # `error` belongs to status error (the shard could not be read)
assert p["corpus"]["shards_failed"] == 0 and p["corpus"]["shards_partial"] == 1, p["corpus"]
assert [e["probe"] for e in p["corpus"]["probe_errors"]] == ["near_dedup"]
PY

# with enough memory the same scan is clean
"$EP" scan "$T/a_small.txt" "$T/b_big.txt" --split line --tokenizer byte --probes counts,ngram,near_dedup --mem 64M \
    -q -o "$T/q.json" 2>"$T/err2" || bad "the scan with enough memory exits 0"
[ -s "$T/err2" ] && bad "the clean scan writes nothing to stderr: $(cat "$T/err2")"
python3 - "$T/q.json" <<'PY' || bad "the clean profile has no partial shard"
import json, sys
p = json.load(open(sys.argv[1]))
assert [s["status"] for s in p["shards"]] == ["ok", "ok"]
assert all("probe_errors" not in s for s in p["shards"] + [p["corpus"]])
assert p["corpus"]["shards_partial"] == 0
PY

# rank still ranks a partial shard (its estimates are whole; only near_dedup's figures are absent)
"$EP" rank "$T/p.json" --format json >"$T/r.json" || bad "rank of a profile with a partial shard"
python3 - "$T/r.json" <<'PY' || bad "rank ranks the partial shard and lists no error"
import json, sys
r = json.load(open(sys.argv[1]))
paths = [x["path"] for x in r["ranked"] + r["flagged"]]
assert any(p.endswith("b_big.txt") for p in paths), r
assert r["errors"] == [], r["errors"]
PY
# The n-gram ladder gives up when no document fits its sample (--ngram-sample-tokens): it said
# nothing and the headline silently fell back to the unigram bound; now the shard is partial.
python3 - "$T" <<'PY'
import sys
with open(sys.argv[1] + "/one_long.txt", "w") as f:
    f.write(" ".join("w%d" % (i * 7919 % 1000) for i in range(1500)) + "\n")
PY
set +e
"$EP" scan "$T/one_long.txt" --split file --tokenizer byte --probes counts,ngram --ngram-sample-tokens 2000 \
    -q -o "$T/n.json" 2>"$T/err3"
rc=$?
set -e
[ "$rc" = 1 ] || bad "a shard whose n-gram ladder gave up exits 1 (got $rc)"
grep -q "one_long.txt: partial: probe ngram gave up" "$T/err3" || bad "stderr names ngram and the shard: $(cat "$T/err3")"
python3 - "$T/n.json" <<'PY' || bad "profile marks the over-long shard partial"
import json, sys
s = json.load(open(sys.argv[1]))["shards"][0]
assert s["status"] == "partial" and [e["probe"] for e in s["probe_errors"]] == ["ngram"], s
assert "--ngram-sample-tokens" in s["probe_errors"][0]["error"], s["probe_errors"]
PY
# ... and a sample that holds the document gives the ladder, status ok
"$EP" scan "$T/one_long.txt" --split file --tokenizer byte --probes counts,ngram --ngram-sample-tokens 20000 \
    -q -o "$T/n2.json" || bad "the ladder with a large enough sample exits 0"
python3 - "$T/n2.json" <<'PY' || bad "the ladder is there when the document fits"
import json, sys
s = json.load(open(sys.argv[1]))["shards"][0]
assert s["status"] == "ok" and "ngram_grassberger_h1" in s["estimates"], s
# the tokens offered to the sample are counted (they were always 0)
assert s["estimates"]["ngram_grassberger_h1"]["offered_tokens"] == s["tokens"] == 7331, s["estimates"]
PY
# held-out MKN gives up when its memory share holds no document (it was absent, status ok, exit 0)
python3 - "$T" <<'PY'
import random, sys
r = random.Random(1)
with open(sys.argv[1] + "/big_docs.txt", "w") as f:
    for i in range(30):
        f.write("".join(r.choice("abcdefgh ") for _ in range(240000)) + "\n\n")
PY
set +e
"$EP" scan "$T/big_docs.txt" --tokenizer byte --probes counts,heldout_mkn --mem 1M -q -o "$T/m.json" 2>"$T/err4"
rc=$?
set -e
[ "$rc" = 1 ] || bad "a shard whose held-out MKN gave up exits 1 (got $rc)"
grep -q "big_docs.txt: partial: probe heldout_mkn gave up" "$T/err4" || bad "stderr names heldout_mkn: $(cat "$T/err4")"
python3 - "$T/m.json" <<'PY' || bad "profile marks the shard partial with heldout_mkn's reason"
import json, sys
s = json.load(open(sys.argv[1]))["shards"][0]
assert s["status"] == "partial" and [e["probe"] for e in s["probe_errors"]] == ["heldout_mkn"], s
assert "--mem" in s["probe_errors"][0]["error"], s["probe_errors"]
PY
# A probe that fails while observing (near_dedup cannot create its signature spill file) is that
# probe's error on the shard, and on every later shard and the corpus (its corpus state misses the
# shard); the other probes are whole, the profile is written, exit 1. It was exit 3, "out of
# memory", and no profile.
python3 - "$T" <<'PY'
import sys
for s in "ab":
    with open(sys.argv[1] + "/spill_%s.txt" % s, "w") as f:
        for i in range(3000): f.write("shard %s paragraph %d with a few words to sign %d\n\n" % (s, i, i * 7))
PY
set +e
TMPDIR="$T/no_such_dir" "$EP" scan "$T/spill_a.txt" "$T/spill_b.txt" --probes counts,near_dedup --mem 1M -q \
    -o "$T/s.json" 2>"$T/err5"
rc=$?
set -e
[ "$rc" = 1 ] || bad "a probe that fails while observing leaves the shard partial, exit 1 (got $rc: $(cat "$T/err5"))"
grep -q "spill_a.txt: partial: probe near_dedup gave up: dedup: cannot create spill file" "$T/err5" ||
    bad "stderr names near_dedup and its reason: $(cat "$T/err5")"
python3 - "$T/s.json" <<'PY' || bad "the profile records near_dedup's failure on the shard, the later shard and the corpus"
import json, sys
p = json.load(open(sys.argv[1]))
a, b, c = p["shards"][0], p["shards"][1], p["corpus"]
for o in (a, b):
    assert o["status"] == "partial" and o["docs"] == 3000, o
    assert [e["probe"] for e in o["probe_errors"]] == ["near_dedup"], o["probe_errors"]
assert "cannot create spill file" in a["probe_errors"][0]["error"], a["probe_errors"]
assert "earlier shard" in b["probe_errors"][0]["error"], b["probe_errors"]
assert [e["probe"] for e in c["probe_errors"]] == ["near_dedup"] and c["docs"] == 6000, c
assert c["shards_partial"] == 2, c
PY
checks_done || exit 1
echo "ok: partial shards"
