#!/usr/bin/env bash
# rank, predict, mix and report on the hand-made fixture profiles: outputs, JSON keys, exit codes.
# usage: test_analyze_cli.sh ENTROPROF SOURCE_DIR BUILD_DIR
set -u
EP=$1; SRC=$2; BUILD=$3
FX=$SRC/tests/fixtures/profiles
OUT=$(mktemp -d "${BUILD}/analyze_cli.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
. "$SRC/tests/cli/checks.sh"
json_has() { # file python-expression-on-d
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1" \
        || bad "JSON check failed: $2"
}

# --- rank
expect_rc 0 "$EP" rank "$FX/planted.json"
head -1 "$OUT/out" | grep -q '^group	rank	path	bits_per_byte' || bad "rank TSV header"
grep -q '^ranked	1	web/en-000.txt' "$OUT/out" || bad "rank: en-000 first"
for f in near_max_entropy not_text low_entropy high_duplicates estimates_disagree; do
    grep '^flagged' "$OUT/out" | grep -q "$f" || bad "rank: flag $f missing"
done
grep -q '^error	-	web/broken.txt.zst' "$OUT/out" || bad "rank: error shard not listed"
expect_rc 0 "$EP" rank "$FX/planted.json" --format json
cp "$OUT/out" "$OUT/rank.json"
json_has "$OUT/rank.json" "len(d['ranked'])==2 and len(d['flagged'])==6 and d['unit']=='bits_per_byte'"
expect_rc 0 "$EP" rank "$FX/planted.json" --format md --max-dup 0.9 --unit bits_per_token
grep -q 'mirrors' "$OUT/out" && grep -q '| 1 | `web/mirrors.txt`' "$OUT/out" || bad "rank: --max-dup not applied"
expect_rc 0 "$EP" rank "$FX/minimal.json"
expect_rc 2 "$EP" rank
expect_rc 2 "$EP" rank "$FX/planted.json" --format xml
expect_rc 2 "$EP" rank "$FX/planted.json" --max-bpb abc
expect_rc 3 "$EP" rank "$OUT/does-not-exist.json"
expect_rc 0 "$EP" rank --help

# --- predict
expect_rc 0 "$EP" predict --h 10 --target-loss 3 --tokens 1T --eta 0.25 --precision bf16 --json --hw-efficiency 1e-12
cp "$OUT/out" "$OUT/p.json"
json_has "$OUT/p.json" "abs(d['ic1']['bits']-2.8e13)<1e3 and abs(d['ic1']['params']-1.75e12)<1e2"
json_has "$OUT/p.json" "all(k in d['laws'] for k in ('chinchilla','epoch_refit','kaplan','data_constrained'))"
json_has "$OUT/p.json" "abs(d['compute']['flops']/1.05e25-1)<1e-9 and 'landauer_floor_joules' in d['energy']"
json_has "$OUT/p.json" "abs(d['laws']['chinchilla']['params']/4633037031.84-1)<1e-6"
expect_rc 0 "$EP" predict --h 10 --target-loss 3 --params 7e9 --json
cp "$OUT/out" "$OUT/p2.json"
json_has "$OUT/p2.json" "'tokens' in d['ic1'] and 'params' not in d['ic1']"
# --nats: H = 10 nats, L = 3 nats is the same request as 14.427, 4.328 bits
expect_rc 0 "$EP" predict --h 10 --target-loss 3 --tokens 1e9 --eta 0.2 --nats --json
cp "$OUT/out" "$OUT/p3.json"
json_has "$OUT/p3.json" "abs(d['ic1']['bits'] - 1e9*7/0.69314718055994530942/0.2) < 1"
expect_rc 0 "$EP" predict --h 10 --target-loss 3 --tokens 1e9
grep -q '0.166' "$OUT/out" && grep -q 'ln 2' "$OUT/out" || bad "predict: eta unit note missing"
expect_rc 0 "$EP" predict "$FX/planted.json" --target-loss 1.5 --json
cp "$OUT/out" "$OUT/p4.json"
json_has "$OUT/p4.json" "d['inputs']['tokens']==5186000 and d['inputs']['h_bits_per_token']==2.95"
expect_rc 2 "$EP" predict --h 3 --target-loss 3 --tokens 1e9          # L >= H
grep -q 'refused' "$OUT/err" || bad "predict: refusal message"
expect_rc 2 "$EP" predict --h 3 --target-loss -1 --tokens 1e9
expect_rc 2 "$EP" predict --h 3 --target-loss 1 --tokens -5
expect_rc 2 "$EP" predict --h 3 --target-loss 1 --tokens 1e9 --params 1e6
expect_rc 2 "$EP" predict --h 3 --target-loss 1 --tokens 1e9 --eta 0
expect_rc 2 "$EP" predict --h 3 --target-loss 1 --tokens 1e9 --precision fp64
expect_rc 2 "$EP" predict --target-loss 1 --tokens 1e9
expect_rc 2 "$EP" predict "$FX/minimal.json" --target-loss 1            # no corpus entropy: not invented
expect_rc 0 "$EP" predict --help

# --- mix
expect_rc 0 "$EP" mix web="$FX/mix_web.json" books="$FX/mix_books.json" code="$FX/mix_code.json" --budget 10M --json
cp "$OUT/out" "$OUT/m.json"
json_has "$OUT/m.json" "abs(sum(s['tokens'] for s in d['sources'])-1e7)<1 and 'bits' in d['ic1'] and d['info_bits']>0"
json_has "$OUT/m.json" "all(k in s for s in d['sources'] for k in ('weight','tokens','epochs','info_bits'))"
expect_rc 0 "$EP" mix web="$FX/mix_web.json" books="$FX/mix_books.json" --budget 10M --max-epochs 2 --min books=0.25 --max web=0.5 --target-loss 1.0 --json
cp "$OUT/out" "$OUT/m2.json"
json_has "$OUT/m2.json" "d['sources'][0]['weight']<=0.5+1e-9 and d['sources'][1]['weight']>=0.25-1e-9 and all(s['epochs']<=2+1e-9 for s in d['sources'])"
expect_rc 0 "$EP" mix web="$FX/mix_web.json" code="$FX/mix_code.json" --budget 5M
grep -q '^# IC-1 model size' "$OUT/out" || bad "mix: IC-1 line"
expect_rc 2 "$EP" mix web="$FX/mix_web.json" books="$FX/mix_books.json" --budget 1M --min web=0.7 --min books=0.7
expect_rc 2 "$EP" mix web="$FX/mix_web.json" --budget 1M --min nosuch=0.1
expect_rc 2 "$EP" mix web="$FX/mix_web.json"
expect_rc 2 "$EP" mix m="$FX/minimal.json" --budget 1M
expect_rc 3 "$EP" mix w="$OUT/missing.json" --budget 1M
expect_rc 0 "$EP" mix --help

# --- report
expect_rc 0 "$EP" report "$FX/planted.json" -o "$OUT/rep"
[ -s "$OUT/rep/report.md" ] && [ -s "$OUT/rep/report.html" ] || bad "report files"
grep -q '<svg' "$OUT/rep/report.html" || bad "report: no svg"
grep -q '<script' "$OUT/rep/report.html" && bad "report: has a script"
expect_rc 0 "$EP" report "$FX/minimal.json" -o "$OUT/rep2" --target-loss 0.5
grep -q 'Not available' "$OUT/rep2/report.md" || bad "report: minimal profile predict note"
expect_rc 2 "$EP" report "$FX/planted.json"
expect_rc 3 "$EP" report "$OUT/nope.json" -o "$OUT/rep3"
expect_rc 0 "$EP" report --help
expect_rc 0 "$EP" help predict

checks_done || exit 1
echo "ok: analyze CLI"
