#!/usr/bin/env bash
# Edge cases of the analysis commands (issue 12, item 12): rank TSV escapes tabs/newlines in paths,
# NaN and infinite entropies are listed as missing (never ranked), a profile that is a bare number
# is named as such, predict refuses answers that are not finite, mix refuses duplicate source names
# (and frees what it parsed on every usage error: the sanitizer build's leak check sees it).
# usage: test_analyze_edge.sh ENTROPROF SOURCE_DIR BUILD_DIR
set -uo pipefail
EP=$1; SRC=$2; BUILD=$3
source "$SRC/tests/cli/checks.sh"
FX=$SRC/tests/fixtures/profiles
T=$(mktemp -d "$BUILD/cli_anaedge.XXXXXX")
trap 'rm -rf "$T"' EXIT
run() { "$@" > "$T/out" 2> "$T/err"; echo $? > "$T/rc"; }
rc() { cat "$T/rc"; }

# A hand-made profile: NaN and Infinity (json-c reads both), a path with a tab, one with a newline
# and a backslash, and an error shard whose message holds a tab.
python3 - "$T/p.json" <<'PY'
import json, sys
def shard(path, bpb):
    return {"path": path, "status": "ok", "docs": 10, "bytes": 100000, "tokens": 30000,
            "entropy": {"bits_per_byte": bpb, "method": "heldout_mkn"}}
p = {"schema": "entroprof.profile/1", "tokenizer": "byte",
     "shards": [shard("a.txt", 3.0), shard("nan.txt", float("nan")), shard("b.txt", 2.0),
                shard("inf.txt", float("inf")), shard("tab\there.txt", 2.5),
                shard("new\nline\\x.txt", 2.25),
                {"path": "bad.txt", "status": "error", "error": "broken\tstream"}],
     "corpus": {"docs": 40, "bytes": 400000, "tokens": 120000}}
open(sys.argv[1], "w").write(json.dumps(p))
PY
run "$EP" rank "$T/p.json" --by nosuch_estimate
check "rank --by an estimate no shard has: exit 2 naming it" '[ "$(rc)" = 2 ] && grep -q "nosuch_estimate" "$T/err"'
run "$EP" rank "$T/p.json"
check "rank exits 0" '[ "$(rc)" = 0 ]'
check "rank TSV: every row has the header's 10 columns" \
    "awk -F'\t' '{ if (NF != 10) bad = 1 } END { exit bad }' '$T/out'"
check "rank TSV: tab, newline and backslash in paths are escaped" \
    'grep -qF "$(printf "ranked\t2\ttab\\\\there.txt\t")" "$T/out" && grep -qF "new\\nline\\\\x.txt" "$T/out"'
check "rank TSV: the error message's tab is escaped" 'grep -qF "broken\\tstream" "$T/out"'
check "rank: finite entropies in order 3.0, 2.5, 2.25, 2.0" \
    '[ "$(awk -F"\t" "\$1 == \"ranked\" { printf \"%s \", \$4 }" "$T/out")" = "3.0000 2.5000 2.2500 2.0000 " ]'
check "rank: NaN and inf are listed as missing, not ranked" \
    'grep -q "^missing	-	nan.txt	" "$T/out" && grep -q "^missing	-	inf.txt	" "$T/out" && ! grep -q "^ranked.*\(nan\|inf\)\.txt" "$T/out"'
run "$EP" rank "$T/p.json" --format json
check "rank --format json: missing lists nan.txt and inf.txt" \
    "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert sorted(d[\"missing\"])==[\"inf.txt\",\"nan.txt\"], d[\"missing\"]' '$T/out'"

# a profile that is a bare number (or another non-object)
echo 5 > "$T/num.json"
for cmd in "rank" "report -o $T/rep" "predict --target-loss 1"; do
    run "$EP" $cmd "$T/num.json"
    check "$cmd on a bare number: exit 3, 'not a profile: top level is a number'" \
        '[ "$(rc)" = 3 ] && grep -q "num.json: not a profile: top level is a number" "$T/err"'
done
run "$EP" mix a="$T/num.json" --budget 1M
check "mix on a bare number: exit 3 and the message" \
    '[ "$(rc)" = 3 ] && grep -q "not a profile: top level is a number" "$T/err"'
echo '[1, 2]' > "$T/arr.json"
run "$EP" rank "$T/arr.json"
check "rank on an array: 'top level is an array'" 'grep -q "top level is an array" "$T/err"'

# predict: answers that overflow a double are refused (exit 2), none prints inf or nan
run "$EP" predict --h 1e308 --target-loss 1 --tokens 1e9
check "predict H=1e308 --tokens: refused, exit 2" '[ "$(rc)" = 2 ] && grep -q "not a finite" "$T/err"'
run "$EP" predict --h 1e308 --target-loss 1 --tokens 1e9 --json
check "predict H=1e308 --json: refused, exit 2" '[ "$(rc)" = 2 ]'
run "$EP" predict --h 3 --target-loss 1 --tokens 1e300
check "predict 6ND overflow: refused, exit 2" '[ "$(rc)" = 2 ]'
for args in "--h 1e308 --target-loss 1 --params 1e9" "--h 3 --target-loss 1 --tokens 1e-300"; do
    run "$EP" predict $args
    check "predict $args: exit 0 without inf or nan" '[ "$(rc)" = 0 ] && ! grep -qiw "inf\|-nan\|nan" "$T/out"'
done

# mix: duplicate source names refused; usage errors after sources were parsed (leak checked by ASan)
run "$EP" mix web="$FX/mix_web.json" web="$FX/mix_code.json" --budget 1M
check "mix with a duplicate source name: exit 2 naming it" '[ "$(rc)" = 2 ] && grep -q "'"'web'"' given twice" "$T/err"'
run "$EP" mix web="$FX/mix_web.json" code="$FX/mix_code.json" --budget 1M
check "mix with distinct names: exit 0" '[ "$(rc)" = 0 ]'
for bad_opt in "--budget x" "--max-epochs 0" "--target-loss -1" "--eta x" "--eta-range 1" "--precision fp64" "--bogus"; do
    run "$EP" mix web="$FX/mix_web.json" code="$FX/mix_code.json" $bad_opt
    check "mix usage error ($bad_opt) after two sources: exit 2" '[ "$(rc)" = 2 ]'
done
run "$EP" mix web="$FX/mix_web.json" --help
check "mix --help after a source: exit 0" '[ "$(rc)" = 0 ]'

checks_done
