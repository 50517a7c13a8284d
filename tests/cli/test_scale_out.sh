#!/usr/bin/env bash
# Scale-out (issue 14): `scan --partial DIR`, `scan --task I/N` and `entroprof merge` give the
# profile of one `scan`, byte for byte, for any split of the shards (1, 2, 3 and 5 tasks, tasks in
# separate directories, random splits, threads 1 and 2, sampled and unsampled estimators, exact and
# near duplicates across shards, a shard that cannot be read); a scan killed with SIGKILL and run
# again gives the same profile; missing, corrupt and mismatched partial states are refused with a
# message naming them, never merged.
# usage: test_scale_out.sh ENTROPROF SOURCE_DIR BUILD_DIR
set -uo pipefail
EP=$1; SRC=$2; BUILD=$3
T=$(mktemp -d "$BUILD/cli_scale_out.XXXXXX")
trap 'rm -rf "$T"' EXIT
OUT=$T
. "$SRC/tests/cli/checks.sh"

# 12 shards from the bundled corpora: alice in 4 text parts, the web samples as JSONL (zstd, gzip),
# an exact copy and a near copy of other shards (duplicates across shards), a JSONL shard with
# duplicate lines inside, an empty file and a truncated zstd file (a read error).
python3 - "$SRC/corpora" "$T/in" <<'PY'
import gzip, os, random, shutil, subprocess, sys
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst + "/sub")
alice = open(src + "/books/alice29.txt", encoding="utf-8", errors="replace").read().split("\n\n")
q = len(alice) // 4
for k in range(4):
    open("%s/alice_%d.txt" % (dst, k), "w").write("\n\n".join(alice[k * q:(k + 1) * q]))
shutil.copy(src + "/web/c4-sample.jsonl.zst", dst + "/sub/c4.jsonl.zst")
shutil.copy(src + "/web/dolma-cc-sample.jsonl.gz", dst + "/sub/dolma.jsonl.gz")
open(dst + "/copy_of_alice_1.txt", "w").write("\n\n".join(alice[q:2 * q]))
rnd = random.Random(7)
near = []
for p in alice[2 * q:3 * q]:
    w = p.split(" ")
    if len(w) > 8: w[rnd.randrange(len(w))] = "changed"
    near.append(" ".join(w))
open(dst + "/near_alice_2.txt", "w").write("\n\n".join(near))
with open(dst + "/dups.jsonl", "w") as f:
    for i in range(300): f.write('{"text": "record %d says %s"}\n' % (i % 40, "x" * (i % 7)))
open(dst + "/empty.txt", "w").close()
data = open(src + "/web/c4-sample.jsonl.zst", "rb").read()
open(dst + "/truncated.jsonl.zst", "wb").write(data[: len(data) // 2])
with open(dst + "/zz_lines.txt", "w") as f:
    for i in range(2000): f.write("line %d of a file of short lines, %d\n\n" % (i, i * 7919 % 1000))
PY

# The reference: one scan (rc 1: the truncated shard is an error, recorded in the profile).
SCAN_OPTS=(--threads 2 -q --compact)
expect_rc 1 "$EP" scan "$T/in" "${SCAN_OPTS[@]}" -o "$T/ref.json"
n_shards() { python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["shards"]))' "$1"; }
n_epp() { ls "$1" | grep -c '[.]epp$'; }
check "reference has 12 shards" '[ "$(n_shards "$T/ref.json")" = 12 ]'

same() { # same NAME FILE: FILE is the reference, byte for byte
    if cmp -s "$T/ref.json" "$2"; then ok "$1"; else bad "$1: $(cmp "$T/ref.json" "$2" 2>&1 | head -1)"; fi
}

# --partial in one process: the same profile; merge of that directory: the same profile.
expect_rc 1 "$EP" scan "$T/in" "${SCAN_OPTS[@]}" --partial "$T/p1" -o "$T/p1.json"
same "scan --partial writes the profile of scan" "$T/p1.json"
check "one partial file per shard, and the manifest" '[ "$(n_epp "$T/p1")" = 12 ] && [ -f "$T/p1/manifest.epm" ]'
expect_rc 1 "$EP" merge "$T/p1" -q --compact -o "$T/m1.json"
same "merge of the partial directory" "$T/m1.json"

# Tasks: 2, 3 and 5 parts into one directory (threads 1 for some tasks, 2 for others), and 3 parts
# into 3 directories merged together.
for N in 2 3 5; do
    for ((i = 0; i < N; i++)); do
        th=$((1 + i % 2))
        "$EP" scan "$T/in" --threads $th -q --partial "$T/t$N" --task $i/$N >"$T/out" 2>"$T/err"
        rc=$?
        [ $rc -le 1 ] || { bad "task $i/$N rc $rc"; cat "$T/err"; }
    done
    check "$N tasks: one file per shard" '[ "$(n_epp "$T/t$N")" = 12 ]'
    expect_rc 1 "$EP" merge "$T/t$N" -q --compact -o "$T/m$N.json"
    same "merge of $N tasks" "$T/m$N.json"
done
for i in 0 1 2; do "$EP" scan "$T/in" --threads 1 -q --partial "$T/d$i" --task $i/3 >/dev/null 2>&1; done
expect_rc 1 "$EP" merge "$T/d0" "$T/d1" "$T/d2" -q --compact -o "$T/md.json"
same "merge of 3 directories, one per task" "$T/md.json"
check "the tasks split the shards (no shard in two directories)" \
    "[ \$(cat <(ls '$T/d0') <(ls '$T/d1') <(ls '$T/d2') | grep '\.epp$' | sort | uniq -d | wc -l) = 0 ]"

# A random split: copy a random subset of each part's files into directories and merge them.
python3 - "$T" <<'PY'
import os, random, shutil, sys
T = sys.argv[1]
rnd = random.Random(11)
files = sorted(f for f in os.listdir(T + "/p1") if f.endswith(".epp"))
for k in range(4): os.makedirs("%s/r%d" % (T, k))
for f in files:
    k = rnd.randrange(4)
    shutil.copy("%s/p1/%s" % (T, f), "%s/r%d/%s" % (T, k, f))
for k in range(4): shutil.copy(T + "/p1/manifest.epm", "%s/r%d/" % (T, k))
PY
expect_rc 1 "$EP" merge "$T/r0" "$T/r1" "$T/r2" "$T/r3" -q --compact -o "$T/mr.json"
same "merge of a random split over 4 directories" "$T/mr.json"

# Sampled estimators (a small --mem: the n-gram and MKN pools sample) and the tiny model: merge of
# 3 tasks equals one scan.
OPTS2=(--mem 4M --lm --lm-tokens 2K --tokenizer byte -q --compact)
expect_rc 1 "$EP" scan "$T/in" "${OPTS2[@]}" --threads 2 -o "$T/ref2.json"
for i in 0 1 2; do "$EP" scan "$T/in" "${OPTS2[@]}" --threads $((1 + i % 2)) --partial "$T/s" --task $i/3 >/dev/null 2>&1; done
expect_rc 1 "$EP" merge "$T/s" -q --compact -o "$T/ms.json"
check "sampled estimators and --lm: merge of 3 tasks equals one scan" "cmp -s '$T/ref2.json' '$T/ms.json'"
check "the sampled run did sample (sampling_p < 1 somewhere)" "grep -q '\"sampling_p\":0[.]' '$T/ref2.json'"

# Resume: missing, stale and corrupt files are redone; the profile is the same.
cp -r "$T/p1" "$T/res"
rm "$T/res"/shard-00000003-*.epp
f5=$(ls "$T/res"/shard-00000005-*.epp)
python3 - "$f5" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 0xFF
open(sys.argv[1], "wb").write(b)
PY
touch "$T/res/shard-00000007-0000000000000000.epp.tmp.12345"   # what a killed writer leaves
"$EP" scan "$T/in" "${SCAN_OPTS[@]}" --partial "$T/res" -o "$T/res.json" 2>"$T/res.err"
same "resume redoes missing and corrupt shards" "$T/res.json"
check "the corrupt file is named" "grep -q 'shard-00000005.*checksum' '$T/res.err'"
check "reused shards are counted" "grep -q '10 shard(s) reused' '$T/res.err'"

# A changed input is scanned again (size, mtime or content differs).
cp -p "$T/in/alice_0.txt" "$T/alice_0.orig"
cp -r "$T/p1" "$T/chg"
echo "one more paragraph at the end" >>"$T/in/alice_0.txt"
expect_rc 1 "$EP" scan "$T/in" "${SCAN_OPTS[@]}" -o "$T/ref3.json"
"$EP" scan "$T/in" "${SCAN_OPTS[@]}" --partial "$T/chg" -o "$T/chg.json" 2>"$T/chg.err"
check "a changed input is scanned again" "cmp -s '$T/ref3.json' '$T/chg.json'"
check "the changed input is named" "grep -q 'alice_0.txt.*input changed' '$T/chg.err'"
check "the change shows in the profile" "! cmp -s '$T/ref.json' '$T/chg.json'"
cp -p "$T/alice_0.orig" "$T/in/alice_0.txt"

# SIGKILL in the middle of a scan, then the same command again: the same profile.
big="$T/big"; mkdir -p "$big"
for k in 0 1 2 3 4 5; do cat "$T/in"/alice_*.txt "$T/in/zz_lines.txt" | sed "s/the/th$k/g" >"$big/part$k.txt"; done
"$EP" scan "$big" --threads 1 -q --compact -o "$T/bigref.json" 2>/dev/null
"$EP" scan "$big" --threads 1 -q --compact --partial "$T/kill" -o "$T/kill.json" 2>/dev/null &
pid=$!
for _ in $(seq 1 600); do
    [ "$(ls "$T/kill" 2>/dev/null | grep -c '\.epp$')" -ge 2 ] && break
    sleep 0.05
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
done_before=$(ls "$T/kill" | grep -c '\.epp$')
echo "killed with $done_before of 6 partial files written"
check "killed before the end (a partial directory with some shards)" "[ $done_before -lt 6 ] && [ ! -f '$T/kill.json' ]"
"$EP" scan "$big" --threads 1 -q --compact --partial "$T/kill" -o "$T/kill.json" 2>/dev/null
check "resume after SIGKILL gives the same profile" "cmp -s '$T/bigref.json' '$T/kill.json'"

# Refusals: nothing is written, the message names what is wrong.
rm -f "$T/bad.json"
mkdir -p "$T/miss" && cp "$T/p1/manifest.epm" "$T/miss/" && cp "$T/p1"/shard-0000000[0-5]-*.epp "$T/miss/"
expect_rc 3 "$EP" merge "$T/miss" -q -o "$T/bad.json"
check "missing shards are named" "grep -q '6 of 12 shards have no partial state, first shard-00000006' '$T/err'"
cp -r "$T/p1" "$T/cor"
f=$(ls "$T/cor"/shard-00000002-*.epp); head -c 100 "$f" >"$f.cut" && mv "$f.cut" "$f"
expect_rc 3 "$EP" merge "$T/cor" -q -o "$T/bad.json"
check "a truncated file is named" "grep -q 'shard-00000002.*checksum' '$T/err'"
"$EP" scan "$T/in" --threads 2 -q --partial "$T/other" --task 0/1 --zstd-level 5 >/dev/null 2>&1
expect_rc 3 "$EP" merge "$T/p1" "$T/other" -q -o "$T/bad.json"
check "directories of different scans are refused" "grep -q 'different scans' '$T/err'"
expect_rc 2 "$EP" scan "$T/in" --partial "$T/p1" --zstd-level 5 -q
check "a directory of another configuration is refused" "grep -q 'another scan' '$T/err'"
cp "$T/other/manifest.epm" "$T/cor/manifest.epm"
expect_rc 3 "$EP" merge "$T/cor" -q -o "$T/bad.json"
check "a record of another configuration is named" "grep -q 'another configuration' '$T/err'"
check "nothing was written by a refused merge" "[ ! -e '$T/bad.json' ]"
expect_rc 2 "$EP" scan "$T/in" --task 0/2 -q
check "--task without --partial is a usage error" "grep -q 'needs --partial' '$T/err'"
expect_rc 2 "$EP" scan "$T/in" --partial "$T/de" --dedup-estimators -q
check "--dedup-estimators cannot be split" "grep -q 'dedup-estimators' '$T/err'"
expect_rc 2 "$EP" scan "$T/in" --partial "$T/p1" --task 2/2 -q
expect_rc 3 "$EP" merge "$T/nonexistent" -q

checks_done
