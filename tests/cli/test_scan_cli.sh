#!/usr/bin/env bash
# End-to-end tests of `entroprof scan` over corpora/ and over bad inputs made here.
# usage: test_scan_cli.sh ENTROPROF SOURCE_DIR BUILD_DIR
set -euo pipefail
EP=$1; SRC=$2; BUILD=$3
source "$SRC/tests/cli/checks.sh"
T=$(mktemp -d "$BUILD/cli_scan.XXXXXX")
trap 'rm -rf "$T"' EXIT
source "$SRC/tests/cli/profile_check.sh"
jq_py() { python3 -c "import json,sys; p=json.load(open('$1')); $2"; }

# usage and help
check "help exits 0" '"$EP" scan --help >/dev/null'
set +e; "$EP" scan >/dev/null 2>&1; rc=$?; "$EP" scan --zstd-level 99 x >/dev/null 2>&1; rc2=$?; "$EP" nosuch >/dev/null 2>&1; rc3=$?; set -e
check "no input is usage error (2)" '[ $rc = 2 ]'
check "bad option value is usage error (2)" '[ $rc2 = 2 ]'
check "unknown command is usage error (2)" '[ $rc3 = 2 ]'

# the bundled corpora
"$EP" scan "$SRC/corpora" -q -o "$T/p.json"   # default tokenizer: cl100k_base
check "corpora profile has the contract keys" "jq_py $T/p.json \"
assert p['schema'] == 'entroprof.profile/1' and p['tokenizer'] == 'cl100k_base' and p['vocab_size'] == 100277
for s in p['shards'] + [p['corpus']]:
    for k in ['docs', 'bytes', 'tokens', 'estimates', 'entropy', 'dedup', 'flags', 'counters']: assert k in s, k
    for k, e in s['estimates'].items():
        assert e['kind'] in ('point', 'upper_bound', 'lower_bound', 'model_asymptote') and 'unit' in e and 'value' in e
        # every estimate says what it estimates, and on what sample
        assert e['estimates'] in ('h_n', 'entropy_rate', 'code_length') and 'sample_tokens' in e, (k, e)
        if k.startswith('ngram_') or k.startswith('unigram_'): assert e['estimates'] == 'h_n', (k, e)
        if e['estimates'] == 'h_n': assert e['order'] == (0 if k.startswith('unigram_') else int(k.rsplit('_h', 1)[1])), (k, e)
        if k.startswith('zstd_') or k == 'heldout_mkn': assert e['estimates'] == 'code_length', (k, e)
    assert s['entropy']['bits_per_byte'] > 0 and 'method' in s['entropy']
for s in p['shards']: assert s['status'] == 'ok' and s['path']
\""

# compression equals the zstd CLI on the same bytes (line split of a file without blank lines/CR)
sed 's/\r$//' "$SRC/corpora/books/alice29.txt" | grep -v '^$' > "$T/lines.txt"
"$EP" scan --split line --probes compress,compress_strong -q -o "$T/z.json" "$T/lines.txt"
ours=$(jq_py "$T/z.json" "print(p['shards'][0]['estimates']['zstd_3']['compressed_bytes'])")
theirs=$(zstd -3 -c < "$T/lines.txt" | wc -c)
check "zstd_3 compressed bytes equal zstd -3 ($ours vs $theirs)" '[ "$ours" = "$theirs" ]'
ours19=$(jq_py "$T/z.json" "print(p['shards'][0]['estimates']['zstd_19']['input_bytes'])")
"$EP" scan --split line --probes compress,compress_strong --zstd-strong-fraction 1 -q -o "$T/z19.json" "$T/lines.txt"
o19=$(jq_py "$T/z19.json" "print(p['shards'][0]['estimates']['zstd_19']['compressed_bytes'])")
t19=$(zstd -19 -c < "$T/lines.txt" | wc -c)
check "zstd_19 on the full stream equals zstd -19 ($o19 vs $t19)" '[ "$o19" = "$t19" ]'

# stdin
cat "$SRC/corpora/books/alice29.txt" | "$EP" scan - -q -o "$T/stdin.json"
"$EP" scan "$SRC/corpora/books/alice29.txt" -q -o "$T/file.json"
check "stdin gives the same estimates as the file" "jq_py $T/stdin.json \"
q = json.load(open('$T/file.json'))
assert p['shards'][0]['estimates'] == q['shards'][0]['estimates']
\""

# determinism across threads and batch sizes, byte for byte
for t in 1 2 8; do "$EP" scan "$SRC/corpora" --tokenizer word -q --threads $t --batch-bytes 64K -o "$T/t$t.json"; done
check "identical profiles for 1, 2, 8 threads" 'cmp -s "$T/t1.json" "$T/t2.json" && cmp -s "$T/t1.json" "$T/t8.json"'
# ... also when the n-gram ladder samples documents and the tables sample keys
for t in 1 2 8; do "$EP" scan "$SRC/corpora/books" "$SRC/corpora/web" --tokenizer byte -q --threads $t --batch-bytes 32K \
  --ngram-sample-tokens 50000 --mem 24M -o "$T/s$t.json"; done
check "identical sampled profiles for 1, 2, 8 threads" 'cmp -s "$T/s1.json" "$T/s2.json" && cmp -s "$T/s1.json" "$T/s8.json"'
check "the ladder really sampled" "jq_py $T/s1.json \"
e = p['shards'][1]['estimates']['ngram_grassberger_h2']
assert e['doc_sampling_p'] < 1 and e['sample_tokens'] < 60000, e
\""
check "config records the settings that change numbers (--mem, --lm, --lm-tokens)" "jq_py $T/s1.json \"
c = p['config']
assert c['mem'] == 24 << 20 and c['lm'] is False and c['lm_tokens'] == 65536, c
\""

# --dedup-estimators: a shard whose paragraphs each appear 3 times gives the unique shard's estimates
python3 - "$T" <<'PY'
import sys, random
r = random.Random(7)
words = ['w%d' % i for i in range(400)]
paras = [' '.join(r.choice(words) for _ in range(60)) for _ in range(40)]
open(sys.argv[1] + '/uniq.txt', 'w').write('\n\n'.join(paras) + '\n')
open(sys.argv[1] + '/dup.txt', 'w').write('\n\n'.join(paras * 3) + '\n')
PY
"$EP" scan "$T/uniq.txt" --tokenizer word -q -o "$T/u.json"
"$EP" scan "$T/dup.txt" --tokenizer word -q --dedup-estimators -o "$T/d.json"
"$EP" scan "$T/dup.txt" --tokenizer word -q -o "$T/d0.json"
check "--dedup-estimators: estimates equal those of the unique stream" "jq_py $T/d.json \"
u = json.load(open('$T/u.json'))['shards'][0]; d = p['shards'][0]
d0 = json.load(open('$T/d0.json'))['shards'][0]
assert d['docs'] == 120 and u['docs'] == 40 and d['dedup']['exact_dup_docs'] == 80
assert d['estimates'] == u['estimates'], [k for k in u['estimates'] if u['estimates'][k] != d['estimates'].get(k)]
assert d0['estimates']['heldout_mkn']['value'] != u['estimates']['heldout_mkn']['value']
assert d0['estimates']['zstd_3']['value'] < u['estimates']['zstd_3']['value']
\""

# bad inputs: every fault counted, failing shards marked, others go on, exit status 1
mkdir -p "$T/bad"
head -c 1500000 /dev/urandom | base64 > "$T/big.txt"   # incompressible: many zstd blocks
zstd -q -c "$T/big.txt" > "$T/big.txt.zst"
head -c 1000000 "$T/big.txt.zst" > "$T/bad/truncated.txt.zst"
gzip -c "$T/lines.txt" > "$T/bad/corrupt.txt.gz"
printf 'XXXXXXXXXXXXXXXXXXXX' | dd of="$T/bad/corrupt.txt.gz" bs=1 seek=3000 conv=notrunc 2>/dev/null
printf 'caf\xe9 au lait\r\nnul\x00byte here\r\n\r\nok\n' > "$T/bad/repairs.txt"
printf '{"text":"a"}\n{"text": 3}\n{"nope":1}\nnot json\n{"text":"b"}\n' > "$T/bad/records.jsonl"
head -c 5000 /dev/zero | tr '\0' 'x' > "$T/bad/long.txt"
set +e; "$EP" scan "$T/bad" "$T/bad/missing.txt" --split line --max-doc-bytes 1K -q -o "$T/bad.json" 2>"$T/bad.err"; rc=$?; set -e
check "exit status 1 when a shard failed" '[ $rc = 1 ]'
check "bad inputs are reported exactly" "jq_py $T/bad.json \"
s = {x['path'].split('/')[-1]: x for x in p['shards']}
assert s['truncated.txt.zst']['status'] == 'error' and 'truncated' in s['truncated.txt.zst']['error']
assert s['truncated.txt.zst']['docs'] > 0
assert s['corrupt.txt.gz']['status'] == 'error' and 'gzip' in s['corrupt.txt.gz']['error']
assert s['corrupt.txt.gz']['docs'] > 0 and s['truncated.txt.zst']['counters']['decoded_bytes'] > 0
assert s['missing.txt']['status'] == 'error'
r = s['repairs.txt']['counters']
assert r['invalid_utf8'] == 1 and r['nul_bytes'] == 1 and r['crlf'] == 3, r
assert 'invalid_utf8_repaired' in s['repairs.txt']['flags']
j = s['records.jsonl']['counters']
assert j['json_nonstring_field'] == 1 and j['json_missing_field'] == 1 and j['json_malformed'] == 1, j
assert j['first_skipped_lines'] == [2, 3, 4] and s['records.jsonl']['docs'] == 2
l = s['long.txt']['counters']
assert l['truncated_docs'] == 1 and l['truncated_bytes'] == 5000 - 1024, l
assert p['corpus']['shards_failed'] == 3
\""
check "failures are named on stderr" 'grep -q "truncated zstd" "$T/bad.err" && grep -q "missing.txt" "$T/bad.err"'

ep_check_profiles "$EP" "$T" || bad "invariants of the profiles written above (entroprof check)"
checks_done
