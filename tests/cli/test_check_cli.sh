#!/usr/bin/env bash
# entroprof check: exit codes and output lines on a profile that holds every invariant, on copies
# that break one each, on a file that is not a profile, and on bad usage.
# usage: test_check_cli.sh ENTROPROF SOURCE_DIR BUILD_DIR
set -u
EP=$1; SRC=$2; BUILD=$3
OUT=$(mktemp -d "${BUILD}/check_cli.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
. "$SRC/tests/cli/checks.sh"

python3 - "$OUT" <<'PY' || { echo "FAIL: generator"; exit 1; }
import copy, json, sys
out = sys.argv[1]
config = {k: 0 for k in ['tokenizer', 'format', 'split', 'field', 'max_doc_bytes', 'zstd_level', 'zstd_strong_level',
                         'zstd_strong_fraction', 'zstd_long', 'ngram_order', 'ngram_sample_tokens', 'heldout_fraction',
                         'seed', 'dedup_estimators', 'probes', 'mem', 'lm', 'lm_tokens']}
shard = {'path': 'web/a.txt', 'status': 'ok', 'tokens': 1000, 'bytes': 4000,
         'estimates': {'zstd_3': {'value': 0.7, 'unit': 'bits_per_byte', 'kind': 'upper_bound', 'bits_per_byte': 0.7}},
         'entropy': {'bits_per_token': 2.0, 'bits_per_byte': 0.5, 'upper_bits_per_token': 2.8,
                     'upper_bits_per_byte': 0.7, 'upper_method': 'zstd_3'}}
good = {'schema': 'entroprof.profile/1', 'config': config, 'shards': [shard], 'corpus': copy.deepcopy(shard)}
json.dump(good, open(out + '/good.json', 'w'))
bad = copy.deepcopy(good)
bad['shards'][0]['entropy']['bits_per_byte'] = 0.75          # above zstd_3 and the upper side
json.dump(bad, open(out + '/above.json', 'w'))
neg = copy.deepcopy(good)
neg['corpus']['estimates']['zstd_3']['value'] = -0.1
del neg['config']['mem']
json.dump(neg, open(out + '/neg.json', 'w'))
json.dump({'schema': 'x'}, open(out + '/notprofile.json', 'w'))
PY

expect_rc 0 "$EP" check "$OUT/good.json"
[ -s "$OUT/out" ] && bad "check printed something for a good profile"
expect_rc 1 "$EP" check "$OUT/above.json"
grep -q '^shard web/a.txt: entropy.bits_per_byte 0.750000 .* > upper bound zstd_3 0.700000 bits/byte \[headline_le_upper_bound\]$' \
    "$OUT/out" || { bad "check: headline above zstd_3 line"; cat "$OUT/out"; }
grep -q '\[bracket_order\]$' "$OUT/out" || bad "check: bracket_order line"
expect_rc 1 "$EP" check "$OUT/neg.json"
grep -q '^corpus: estimates.zstd_3.value = -0.1 is negative \[finite_nonnegative\]$' "$OUT/out" || bad "check: negative line"
grep -q '^config: config.mem is missing' "$OUT/out" || bad "check: config line"
# several profiles: every line names its profile; the worst status wins
expect_rc 1 "$EP" check "$OUT/good.json" "$OUT/above.json"
grep -q "^$OUT/above.json: shard web/a.txt: " "$OUT/out" || bad "check: profile prefix with several files"
expect_rc 0 "$EP" check "$OUT/good.json" --json
python3 -c "import json,sys; d=json.loads(open(sys.argv[1]).read()); sys.exit(0 if d['violations'] == [] else 1)" \
    "$OUT/out" || bad "check --json on a good profile"
expect_rc 3 "$EP" check "$OUT/notprofile.json"
expect_rc 3 "$EP" check "$OUT/missing.json"
expect_rc 2 "$EP" check
expect_rc 2 "$EP" check --nope "$OUT/good.json"
expect_rc 0 "$EP" check --help
expect_rc 0 "$EP" help check

checks_done || exit 1
echo "ok: check"
