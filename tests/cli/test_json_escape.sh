#!/usr/bin/env bash
# Every JSON output is valid JSON (UTF-8) also for bytes that are not UTF-8 (issue 12, item 3):
# a shard named with byte 0xFF, a JSONL id with invalid UTF-8 in `dedup --out`. Such bytes are
# written as \udcXY (docs/profile-schema.md, "Strings") and read back to the original bytes.
# usage: test_json_escape.sh ENTROPROF SOURCE_DIR BUILD_DIR
set -euo pipefail
EP=$1; SRC=$2; BUILD=$3
source "$SRC/tests/cli/checks.sh"
T=$(mktemp -d "$BUILD/cli_jsonesc.XXXXXX")
trap 'rm -rf "$T"' EXIT

mkdir "$T/in"
name="$T/in/a$(printf '\377')b.txt"
printf 'some text here\n\nsome text here\n' > "$name"
"$EP" scan -q "$T/in" -o "$T/p.json"
# strict: the file must decode as UTF-8 and parse; the path must map back to the original bytes
check "profile with a 0xFF file name is valid UTF-8 JSON" \
    "python3 -c 'import json,sys; json.load(open(sys.argv[1],encoding=\"utf-8\"))' '$T/p.json'"
check "the path round-trips (\\udcff -> byte 0xFF)" "python3 - '$T/p.json' '$T/in' <<'PY'
import json, os, sys
p = json.load(open(sys.argv[1], encoding='utf-8'))
got = p['shards'][0]['path'].encode('utf-8', 'surrogateescape')
want = [os.path.join(os.fsencode(sys.argv[2]), n) for n in os.listdir(os.fsencode(sys.argv[2]))]
assert got == want[0] and b'\xff' in got, (got, want)
PY"
check "the profile holds the escape \\udcff" 'grep -q "a\\\\udcffb.txt" "$T/p.json"'
"$EP" rank "$T/p.json" > "$T/rank.tsv"
check "rank reads it back: the TSV names the file with its original bytes" \
    'grep -qF "$(printf "a\377b.txt")" "$T/rank.tsv"'
"$EP" rank "$T/p.json" --format json > "$T/rank.json"
check "rank --format json is valid UTF-8 JSON" \
    "python3 -c 'import json,sys; json.load(open(sys.argv[1],encoding=\"utf-8\"))' '$T/rank.json'"
"$EP" scan -q "$T/in" > "$T/stdout.json"
check "scan to stdout is valid UTF-8 JSON" \
    "python3 -c 'import json,sys; json.load(open(sys.argv[1],encoding=\"utf-8\"))' '$T/stdout.json'"

# dedup: ids and shard names with bytes that are not UTF-8
printf '{"id":"x\377y","text":"same text here"}\n{"id":"z\300\257","text":"same text here"}\n' > "$T/in/d.jsonl"
"$EP" dedup -q "$T/in/d.jsonl" "$name" --out "$T/dups.jsonl"
check "dedup --out: every line is valid UTF-8 JSON" "python3 - '$T/dups.jsonl' <<'PY'
import json, sys
lines = open(sys.argv[1], encoding='utf-8').read().splitlines()
assert len(lines) == 2, lines
recs = [json.loads(l) for l in lines]
ids = {r['id'].encode('utf-8', 'surrogateescape') for r in recs if 'id' in r}
assert ids == {b'z\xc0\xaf'}, ids
assert any(r['shard'].encode('utf-8', 'surrogateescape').endswith(b'a\xffb.txt') for r in recs), recs
PY"

checks_done
