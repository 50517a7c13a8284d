#!/usr/bin/env bash
# Input hardening (issue 12, items 4 5 6 7 11 12): option values are parsed exactly or refused,
# unknown names are refused, hostile vocabularies fail before allocating, reader counters and
# shard statuses tell the truth about what was read.
# usage: test_input_hardening.sh ENTROPROF SOURCE_DIR BUILD_DIR
set -euo pipefail
EP=$1; SRC=$2; BUILD=$3
source "$SRC/tests/cli/checks.sh"
T=$(mktemp -d "$BUILD/cli_hard.XXXXXX")
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
jq_py() { python3 -c "import json,sys; p=json.load(open('$1')); $2"; }
# rc CMD...: runs CMD, stores its exit status in $rc, stderr in $T/err (never fails the script)
rc() { set +e; "$@" >"$T/out" 2>"$T/err"; rc=$?; set -e; }

printf 'hello world\n\nfoo bar baz\n' > "$T/a.txt"
SCAN=("$EP" scan -q --tokenizer byte)

# ---- item 4: unknown names and out-of-range levels are usage errors ----
rc "${SCAN[@]}" --tokenizer nosuch -o "$T/pt.json" "$T/a.txt"
check "--tokenizer nosuch: exit 2 (bad usage, not a fatal error)" '[ $rc = 2 ] && grep -q "unknown tokenizer" "$T/err"'
rc "$EP" tokenize --tokenizer nosuch --count "$T/a.txt"
check "tokenize --tokenizer nosuch: exit 2" '[ $rc = 2 ]'
rc "${SCAN[@]}" --probes ngarm -o "$T/p.json" "$T/a.txt"
check "--probes ngarm: exit 2" '[ $rc = 2 ]'
check "--probes ngarm: stderr names the unknown and the known probes" \
  'grep -q "ngarm" "$T/err" && grep -q "ngram" "$T/err" && grep -q "heldout_mkn" "$T/err"'
check "--probes ngarm: no profile written" '[ ! -e "$T/p.json" ]'
rc "${SCAN[@]}" --probes counts,,ngram -o "$T/p.json" "$T/a.txt"
check "--probes with an empty name: exit 2" '[ $rc = 2 ]'
rc "${SCAN[@]}" --probes counts,ngram -o "$T/p.json" "$T/a.txt"
check "--probes counts,ngram still works" '[ $rc = 0 ] && jq_py "$T/p.json" "assert any(k.startswith(\"ngram\") for k in p[\"shards\"][0][\"estimates\"])"'
rc "${SCAN[@]}" --zstd-level 0 -o "$T/p0.json" "$T/a.txt"
check "--zstd-level 0: exit 2 (help says 1..22)" '[ $rc = 2 ] && [ ! -e "$T/p0.json" ]'
rc "${SCAN[@]}" --zstd-level 23 -o "$T/p0.json" "$T/a.txt"
check "--zstd-level 23: exit 2" '[ $rc = 2 ]'
rc "${SCAN[@]}" --zstd-strong-level 0 --zstd-level 1 -o "$T/p1.json" "$T/a.txt"
check "--zstd-strong-level 0 (off) and --zstd-level 1 are accepted" '[ $rc = 0 ] && jq_py "$T/p1.json" "assert \"zstd_1\" in p[\"shards\"][0][\"estimates\"]"'

# ---- item 5: integers exactly or refused; sizes exactly ----
for v in 9223372036854775808 18446744073709551616 inf nan 1.5 -1 0x10 " 7" 7x 1e3 ""; do
  rm -f "$T/s.json"; rc "${SCAN[@]}" --seed "$v" -o "$T/s.json" "$T/a.txt"
  check "scan --seed '$v' is refused (exit 2)" '[ $rc = 2 ] && [ ! -e "$T/s.json" ]'
done
for v in 9007199254740993 9223372036854775807 0; do
  rc "${SCAN[@]}" --seed "$v" -o "$T/s.json" "$T/a.txt"
  check "scan --seed $v is recorded exactly" "[ \$rc = 0 ] && jq_py '$T/s.json' 'assert p[\"config\"][\"seed\"] == $v, p[\"config\"][\"seed\"]'"
  rm -f "$T/s.json"
done
# --max-doc-bytes is recorded in the profile's config: sizes are checked through it
for pair in 1GiB:1073741824 1G:1073741824 512M:536870912 1.5K:1536 0.5M:524288 4096B:4096 \
            1073741824:1073741824 64KiB:65536 2k:2048; do
  v=${pair%%:*}; want=${pair#*:}
  rc "${SCAN[@]}" --max-doc-bytes "$v" -o "$T/m.json" "$T/a.txt"
  check "--max-doc-bytes $v = $want bytes" "[ \$rc = 0 ] && jq_py '$T/m.json' 'assert p[\"config\"][\"max_doc_bytes\"] == $want, p[\"config\"][\"max_doc_bytes\"]'"
  rm -f "$T/m.json"
done
for v in -1K -0 inf nan 1e3K 1073741825 2G 18446744073709551616 99999999999999999999T 1.5KB5 K 0x400 "1 K" 1023; do
  rm -f "$T/m.json"; rc "${SCAN[@]}" --max-doc-bytes "$v" -o "$T/m.json" "$T/a.txt"
  check "--max-doc-bytes '$v' is refused (exit 2)" '[ $rc = 2 ] && [ ! -e "$T/m.json" ]'
done
for v in 1GiB 4G 512M 1.5G; do
  rc "${SCAN[@]}" --mem "$v" -o "$T/m.json" "$T/a.txt"
  check "scan --mem $v accepted" '[ $rc = 0 ]'
  rm -f "$T/m.json"
done
for v in -1G inf nan 17179869184T 1K; do
  rc "${SCAN[@]}" --mem "$v" -o "$T/m.json" "$T/a.txt"
  check "scan --mem '$v' refused (exit 2)" '[ $rc = 2 ]'
done
rc "${SCAN[@]}" --ngram-sample-tokens 1e9 -o "$T/m.json" "$T/a.txt"
check "--ngram-sample-tokens 1e9 refused (no exponents)" '[ $rc = 2 ]'
rc "${SCAN[@]}" --threads 1.5 -o "$T/m.json" "$T/a.txt"
check "--threads 1.5 refused" '[ $rc = 2 ]'
rc "${SCAN[@]}" --zstd-strong-fraction nan -o "$T/m.json" "$T/a.txt"
check "--zstd-strong-fraction nan refused" '[ $rc = 2 ]'
# dedup shares the parsers (it used its own, with opposite return codes: --mem 1GiB was refused)
for v in 1GiB 4G 512M 1.5G 0; do
  rc "$EP" dedup "$T/a.txt" --mem "$v" -q --out "$T/d.jsonl"
  check "dedup --mem $v accepted" '[ $rc = 0 ]'
done
for a in "--mem -1G" "--mem nan" "--seed -1" "--seed 0x10" "--seed 1.5" "--seed 9223372036854775808" \
         "--threshold nan" "--threshold inf" "--ngram 1.5" "--bands 99999999999" "--threads 2x"; do
  # shellcheck disable=SC2086
  rc "$EP" dedup "$T/a.txt" $a -q --out "$T/d.jsonl"
  check "dedup $a refused (exit 2)" '[ $rc = 2 ]'
done
# analysis commands: plain decimal numbers only
rc "$EP" predict --h 10 --target-loss 3 --tokens 0x10 --json
check "predict --tokens 0x10 refused" '[ $rc = 2 ]'
rc "$EP" predict --h 10 --target-loss 3 --tokens nan --json
check "predict --tokens nan refused" '[ $rc = 2 ]'
rc "$EP" predict --h 10 --target-loss 3 --tokens 1T --json
check "predict --tokens 1T accepted" '[ $rc = 0 ]'

# ---- item 11: an unreadable directory or entry is a failed input (status error, exit 1) ----
# chmod does not stop root: as root the scan runs as nobody (setpriv), else as this user.
if [ "$(id -u)" = 0 ]; then AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups); else AS=(); fi
U="$T/unreadable"
mkdir -p "$U/in/locked" "$U/in/noexec" "$U/in/open" "$U/out"
chmod 755 "$T" "$U" "$U/in"; chmod 777 "$U/out"
echo "hello there" > "$U/in/open/a.txt"; echo "secret" > "$U/in/locked/b.txt"; echo "hidden" > "$U/in/noexec/c.txt"
chmod 644 "$U/in/open/a.txt"; chmod 755 "$U/in/open"
ln -s "$U/in/nothing-here" "$U/in/dangling.txt"
chmod 000 "$U/in/locked"; chmod 444 "$U/in/noexec"   # noexec: names listed, entries cannot be stat'ed
if "${AS[@]}" "$EP" --help >/dev/null 2>&1 && ! "${AS[@]}" cat "$U/in/locked/b.txt" >/dev/null 2>&1; then
  rc "${AS[@]}" "$EP" scan -q --tokenizer byte "$U/in" -o "$U/out/p.json"
  check "unreadable directory: exit 1" '[ $rc = 1 ]'
  check "unreadable directory and entry are shards with status error, the readable one is ok" "jq_py '$U/out/p.json' \"
s = {x['path'][len('$U/in/'):]: x for x in p['shards']}
assert sorted(s) == ['locked', 'noexec/c.txt', 'open/a.txt'], sorted(s)
assert s['locked']['status'] == 'error' and 'Permission denied' in s['locked']['error'], s['locked']
assert s['noexec/c.txt']['status'] == 'error' and 'Permission denied' in s['noexec/c.txt']['error']
assert s['open/a.txt']['status'] == 'ok' and s['open/a.txt']['docs'] == 1
assert p['corpus']['shards_failed'] == 2
assert len(p['warnings']) == 1 and 'dangling.txt' in p['warnings'][0], p['warnings']
\""
  check "unreadable directory named on stderr" 'grep -q "locked: cannot open: Permission denied" "$T/err"'
else
  echo "skip unreadable directory checks: cannot run as an unprivileged user here"
fi
chmod 755 "$U/in/locked" "$U/in/noexec"
# a file that shrinks while read is an error (test_reader covers it); stdin that is a regular file
# already read in part is not: its size is counted from where it stands
printf 'skip me\n\nhello there\n' > "$T/partly.txt"
set +e; { dd bs=1 count=9 status=none >/dev/null; "${SCAN[@]}" - -o "$T/partly.json"; } < "$T/partly.txt"; rc=$?; set -e
check "stdin read in part before the scan is ok" \
  "[ \$rc = 0 ] && jq_py '$T/partly.json' 'assert p[\"shards\"][0][\"status\"] == \"ok\" and p[\"shards\"][0][\"docs\"] == 1'"

checks_done
