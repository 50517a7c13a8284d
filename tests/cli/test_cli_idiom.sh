#!/usr/bin/env bash
# One option idiom for every subcommand (getopt_long and the shared parsers of src/cli/cli_util.c):
# an unknown option, a missing value and a malformed number exit 2 with the same message shape in
# every command; an option shared by several commands (--mem, --threads, --seed, the reader
# options, --target-loss, --precision, --eta-range) is refused with the same words in each;
# "--opt=VALUE" and "--opt VALUE" give the same output in every command; options may follow the
# operands; `dedup --mem 1GiB` and `--mem=1GiB` work as in scan.
# usage: test_cli_idiom.sh ENTROPROF SOURCE_DIR BUILD_DIR
set -u
EP=$1; SRC=$2; BUILD=$3
FX=$SRC/tests/fixtures/profiles
. "$SRC/tests/cli/checks.sh"
T=$(mktemp -d "${BUILD}/cli_idiom.XXXXXX") && T=$(cd "$T" && pwd)
EP=$(realpath "$EP")
trap 'rm -rf "$T"' EXIT
run() { "$@" >"$T/out" 2>"$T/err"; rc=$?; }
first_err() { head -n 1 "$T/err"; }

printf 'the cat sat on the mat\n\nthe cat sat on the mat\n\na dog ran in the park today\n' >"$T/a.txt"
printf 'the cat sat on the mat\n\nsomething else entirely here\n' >"$T/b.txt"
PROFILE=$FX/planted.json

# A minimal valid invocation of each command, to which the cases below add one option.
declare -A BASE=(
  [scan]="$T/a.txt --tokenizer byte --probes counts -q --compact -o $T/p.json"
  [dedup]="$T/a.txt -q -o $T/d.jsonl"
  [tokenize]="--tokenizer byte $T/a.txt"
  [rank]="$PROFILE"
  [predict]="--h 10 --target-loss 3 --tokens 1T"
  [mix]="web=$FX/mix_web.json books=$FX/mix_books.json --budget 10M"
  [report]="$PROFILE -o $T/rep"
  [check]="$T/p.json"
)
COMMANDS="scan dedup tokenize rank predict mix report check" # scan first: check reads its profile

# ---- the baseline of each command succeeds (else the cases below prove nothing) ----
for c in $COMMANDS; do
  # shellcheck disable=SC2086
  run "$EP" "$c" ${BASE[$c]}
  check "$c: baseline invocation exits 0" '[ $rc = 0 ]'
done

# ---- an unknown option: exit 2, "entroprof CMD: unknown option '--x'", then the usage line ----
for c in $COMMANDS; do
  # shellcheck disable=SC2086
  run "$EP" "$c" ${BASE[$c]} --no-such-option
  check "$c --no-such-option: exit 2 and the shared message" \
    "[ \$rc = 2 ] && [ \"\$(first_err)\" = \"entroprof $c: unknown option '--no-such-option'\" ] &&
     sed -n 2p \"\$T/err\" | grep -q \"^usage: entroprof $c .*(see 'entroprof $c --help')\$\""
  run "$EP" "$c" -Z
  check "$c -Z: exit 2, unknown option '-Z'" "[ \$rc = 2 ] && [ \"\$(first_err)\" = \"entroprof $c: unknown option '-Z'\" ]"
  run "$EP" "$c" --help
  check "$c --help: usage on stdout, exit 0" "[ \$rc = 0 ] && grep -q 'usage: entroprof $c' \"\$T/out\" && [ ! -s \"\$T/err\" ]"
  run "$EP" "$c" -h
  check "$c -h: exit 0" '[ $rc = 0 ]'
done
run "$EP" --no-such-option
check "entroprof --no-such-option: exit 2, 'entroprof: unknown option'" \
  "[ \$rc = 2 ] && [ \"\$(first_err)\" = \"entroprof: unknown option '--no-such-option'\" ]"
run "$EP" --version
check "entroprof --version: exit 0" '[ $rc = 0 ] && grep -q "^entroprof " "$T/out"'

# ---- a malformed number: exit 2, "entroprof CMD: invalid value 'V' for --OPT: expected ..." ----
declare -A NUMOPT=([scan]=--threads [dedup]=--bands [tokenize]=--max-doc-bytes [rank]=--max-bpb
                   [predict]=--tokens [mix]=--budget [report]=--target-loss)
for c in scan dedup tokenize rank predict mix report; do
  for v in 12x nan 0x10 " 7" ""; do
    # shellcheck disable=SC2086
    run "$EP" "$c" ${BASE[$c]} "${NUMOPT[$c]}" "$v"
    check "$c ${NUMOPT[$c]} '$v': exit 2, invalid value message" \
      "[ \$rc = 2 ] && first_err | grep -qF \"entroprof $c: invalid value '$v' for ${NUMOPT[$c]}: expected \""
  done
  # shellcheck disable=SC2086
  run "$EP" "$c" ${BASE[$c]} "${NUMOPT[$c]}"
  check "$c ${NUMOPT[$c]} without a value: exit 2, 'needs a value'" \
    "[ \$rc = 2 ] && [ \"\$(first_err)\" = \"entroprof $c: option '${NUMOPT[$c]}' needs a value\" ]"
done
run "$EP" check "$T/p.json" --json=yes
check "check --json=yes: exit 2, 'takes no value'" \
  "[ \$rc = 2 ] && [ \"\$(first_err)\" = \"entroprof check: option '--json' takes no value\" ]"

# ---- a shared option is refused with the same words (after the command name) everywhere ----
same_refusal() { # NAME OPTION VALUE COMMAND...
  local name=$1 opt=$2 v=$3 ref="" ok=1 c msg; shift 3
  for c in "$@"; do
    # shellcheck disable=SC2086
    run "$EP" "$c" ${BASE[$c]} "$opt" "$v"
    msg=$(first_err); msg=${msg#"entroprof $c: "}
    [ "$rc" = 2 ] && [ -n "$msg" ] || ok=0
    [ -z "$ref" ] && ref=$msg
    [ "$msg" = "$ref" ] || { ok=0; echo "  $c: '$msg' differs from '$ref'"; }
  done
  if [ $ok = 1 ]; then ok "$name"; else bad "$name"; fi
}
same_refusal "--threads 2x: same refusal in scan and dedup" --threads 2x scan dedup
same_refusal "--threads 2000: same refusal in scan and dedup" --threads 2000 scan dedup
same_refusal "--seed -1: same refusal in scan and dedup" --seed -1 scan dedup
same_refusal "--split words: same refusal in scan, dedup and tokenize" --split words scan dedup tokenize
same_refusal "--format xml: same refusal in scan, dedup and tokenize" --format xml scan dedup tokenize
same_refusal "--max-doc-bytes 1023: same refusal in scan, dedup and tokenize" --max-doc-bytes 1023 scan dedup tokenize
same_refusal "--target-loss -1: same refusal in predict, mix and report" --target-loss -1 predict mix report
same_refusal "--precision fp64: same refusal in predict, mix and report" --precision fp64 predict mix report
same_refusal "--eta-range 0.1: same refusal in predict and mix" --eta-range 0.1 predict mix
run "$EP" dedup "$T/a.txt" -q -o "$T/d.jsonl" --mem 1GiX
check "--mem 1GiX: dedup names the value and the option" "first_err | grep -qF \"invalid value '1GiX' for --mem: expected a size\""
m_dedup=$(first_err)
run "$EP" scan "$T/a.txt" -q -o "$T/p.json" --mem 1GiX
check "--mem 1GiX: scan says it as dedup does (the minimum aside)" \
  "[ \$rc = 2 ] && [ \"\$(first_err | sed 's/^entroprof scan: //; s/from 1M to/from 1 to/')\" = \"\${m_dedup#entroprof dedup: }\" ]"

# ---- sizes: dedup --mem as scan --mem, with '=' or a blank ----
for v in 1GiB 4G 512M 1.5G 0; do
  run "$EP" dedup "$T/a.txt" "$T/b.txt" -q -o "$T/m1.jsonl" --mem "$v"
  r1=$rc
  run "$EP" dedup "$T/a.txt" "$T/b.txt" -q -o "$T/m2.jsonl" "--mem=$v"
  check "dedup --mem $v and --mem=$v accepted, same output" \
    "[ $r1 = 0 ] && [ \$rc = 0 ] && cmp -s \"\$T/m1.jsonl\" \"\$T/m2.jsonl\" && [ -s \"\$T/m1.jsonl\" ]"
done
run "$EP" scan "$T/a.txt" --tokenizer byte --probes counts -q -o "$T/p.json" --mem=1GiB
check "scan --mem=1GiB accepted" '[ $rc = 0 ]'

# ---- "--opt=VALUE" and "--opt VALUE" (and options after operands) give the same output ----
same_output() { # NAME OUTPUT_FILE_OR_- ARGS_A -- ARGS_B
  local name=$1 out=$2; shift 2
  local a=() b=() side=a x
  for x in "$@"; do
    if [ "$x" = "--" ] && [ $side = a ]; then side=b; elif [ $side = a ]; then a+=("$x"); else b+=("$x"); fi
  done
  "$EP" "${a[@]}" >"$T/o1" 2>/dev/null; local r1=$?
  [ "$out" != - ] && cp "$out" "$T/o1"
  "$EP" "${b[@]}" >"$T/o2" 2>/dev/null; local r2=$?
  [ "$out" != - ] && cp "$out" "$T/o2"
  if [ $r1 = 0 ] && [ $r2 = 0 ] && [ -s "$T/o1" ] && cmp -s "$T/o1" "$T/o2"; then ok "$name"; else bad "$name ($r1 $r2)"; fi
}
same_output "scan --tokenizer=byte = --tokenizer byte = -t byte" "$T/p.json" \
  scan "$T/a.txt" --tokenizer=byte --split=line -q --compact -o "$T/p.json" -- \
  scan -t byte --split line -q --compact "$T/a.txt" --output "$T/p.json"
same_output "dedup --threshold=0.5 --out=F = --threshold 0.5 -o F" "$T/d.jsonl" \
  dedup "$T/a.txt" "$T/b.txt" --threshold=0.5 --split=line -q --out="$T/d.jsonl" -- \
  dedup --threshold 0.5 --split line -q -o "$T/d.jsonl" "$T/a.txt" "$T/b.txt"
same_output "tokenize --split=line = --split line" - \
  tokenize --tokenizer=byte --split=line "$T/a.txt" -- tokenize "$T/a.txt" -t byte --split line
same_output "rank --format=json --max-dup=0.9 = --format json --max-dup 0.9" - \
  rank "$PROFILE" --format=json --max-dup=0.9 -- rank --format json --max-dup 0.9 "$PROFILE"
same_output "predict --target-loss=3 --tokens=1T = blanks" - \
  predict --h=10 --target-loss=3 --tokens=1T --eta-range=0.2:0.3 --json -- \
  predict --json --h 10 --target-loss 3 --tokens 1T --eta-range 0.2:0.3
same_output "mix --budget=10M --min=books=0.25 = blanks" - \
  mix "web=$FX/mix_web.json" "books=$FX/mix_books.json" --budget=10M --min=books=0.25 --json -- \
  mix --budget 10M --min books=0.25 --json "web=$FX/mix_web.json" "books=$FX/mix_books.json"
same_output "report --output=DIR --target-loss=0.5 = -o DIR --target-loss 0.5" "$T/rep/report.md" \
  report "$PROFILE" --output="$T/rep" --target-loss=0.5 -- report --target-loss 0.5 -o "$T/rep" "$PROFILE"
same_output "check --json after or before the profile" - check "$T/p.json" --json -- check --json "$T/p.json"
same_output "mix: sources keep their order when options come between them" - \
  mix "web=$FX/mix_web.json" --budget 10M "books=$FX/mix_books.json" --json -- \
  mix "web=$FX/mix_web.json" "books=$FX/mix_books.json" --budget 10M --json
# options after operands also under POSIXLY_CORRECT (GNU getopt would stop at the first operand)
same_output "rank PROFILE --format json: the same with POSIXLY_CORRECT set" - \
  rank "$PROFILE" --format json -- rank --format json "$PROFILE"
POSIXLY_CORRECT=1 "$EP" rank "$PROFILE" --format json >"$T/o3" 2>/dev/null
check "rank PROFILE --format json under POSIXLY_CORRECT=1: same output" 'cmp -s "$T/o2" "$T/o3"'
# '--' ends the options: an operand may then start with '-'
cp "$T/p.json" "$T/-p.json"
(cd "$T" && "$EP" check --json -- -p.json >"$T/out" 2>"$T/err"); rc=$?
check "check -- -p.json: the operand after '--' is a path" '[ $rc = 0 ] && grep -q "\"violations\"" "$T/out"'

checks_done
