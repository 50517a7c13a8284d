#!/usr/bin/env bash
# Lost output is exit 3 with a message (issue 12, item 2): every command whose standard output
# goes to /dev/full (a device whose writes fail with ENOSPC), and `scan -o` whose table does.
# usage: test_output_errors.sh ENTROPROF SOURCE_DIR BUILD_DIR
set -uo pipefail
EP=$1; SRC=$2; BUILD=$3
source "$SRC/tests/cli/checks.sh"
FX=$SRC/tests/fixtures/profiles
T=$(mktemp -d "$BUILD/cli_outerr.XXXXXX")
trap 'rm -rf "$T"' EXIT
if [ ! -c /dev/full ]; then echo "skip: /dev/full is absent"; exit 0; fi

printf 'the first document\n\nthe second document, a little longer\n\nthe first document\n' > "$T/s.txt"
"$EP" scan -q "$T/s.txt" -o "$T/p.json" || { echo "FAIL setup scan"; exit 1; }

# expect_lost NAME ARGS...: exit 3 and a message on stderr when stdout is /dev/full
expect_lost() {
    local name=$1; shift
    "$@" > /dev/full 2> "$T/err"; local rc=$?
    if [ $rc = 3 ] && grep -q "No space left on device\|write error" "$T/err"; then ok "$name: exit 3"
    else bad "$name: exit $rc, stderr: $(head -c 300 "$T/err")"; fi
}
expect_lost "scan to stdout"            "$EP" scan -q "$T/s.txt"
expect_lost "scan -o: the table"        "$EP" scan "$T/s.txt" -o "$T/p2.json"
expect_lost "rank tsv"                  "$EP" rank "$T/p.json"
expect_lost "rank md"                   "$EP" rank "$T/p.json" --format md
expect_lost "rank json"                 "$EP" rank "$T/p.json" --format json
expect_lost "report (printed paths)"    "$EP" report "$T/p.json" -o "$T/rep"
expect_lost "predict"                   "$EP" predict --h 10 --target-loss 3 --tokens 1T
expect_lost "predict --json"            "$EP" predict --h 10 --target-loss 3 --tokens 1T --json
expect_lost "mix"                       "$EP" mix web="$FX/mix_web.json" code="$FX/mix_code.json" --budget 5M
expect_lost "mix --json"                "$EP" mix web="$FX/mix_web.json" code="$FX/mix_code.json" --budget 5M --json
expect_lost "tokenize"                  "$EP" tokenize --tokenizer byte "$T/s.txt"
expect_lost "tokenize --count"          "$EP" tokenize --tokenizer byte --count "$T/s.txt"
expect_lost "dedup to stdout"           "$EP" dedup -q "$T/s.txt"
expect_lost "version"                   "$EP" version
expect_lost "scan --help"               "$EP" scan --help

# -o / --out to a full device: only to a node made here (never the system's /dev/full: an
# entroprof that renames over its output would replace it). Needs root for mknod.
if [ "$(id -u)" = 0 ] && mknod "$T/full" c 1 7 2>/dev/null; then
    "$EP" scan -q "$T/s.txt" -o "$T/full" 2> "$T/err"; rc=$?
    if [ $rc = 3 ] && grep -q "$T/full" "$T/err"; then ok "scan -o FULLDEV: exit 3 naming it"
    else bad "scan -o FULLDEV: exit $rc"; fi
    "$EP" dedup -q "$T/s.txt" --out "$T/full" 2> "$T/err"; rc=$?   # one duplicate to write
    if [ $rc = 3 ]; then ok "dedup --out FULLDEV: exit 3"; else bad "dedup --out FULLDEV: exit $rc"; fi
    if [ -c "$T/full" ]; then ok "FULLDEV is still a character device"; else bad "FULLDEV replaced"; fi
else
    echo "skip -o FULLDEV checks: not root or mknod not permitted"
fi

checks_done
