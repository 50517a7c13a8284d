#!/usr/bin/env bash
# Compares a fresh scan of corpora/ with the committed table tests/regression/corpora.csv within the
# tolerances stated in tests/regression/extract.py. usage: test_regression.sh ENTROPROF SRC BUILD
set -euo pipefail
EP=$1; SRC=$2; BUILD=$(cd "$3" && pwd)
T=$(mktemp -d "$BUILD/regression.XXXXXX"); trap 'rm -rf "$T"' EXIT
source "$SRC/tests/cli/profile_check.sh"
cd "$SRC"
"$EP" scan corpora/books corpora/web -q --threads 2 -o "$T/p.json"
python3 tests/regression/extract.py "$T/p.json" > "$T/now.csv"
python3 - tests/regression/corpora.csv "$T/now.csv" <<'PY'
import csv, sys
want = {(r['shard'], r['key']): r for r in csv.DictReader(open(sys.argv[1]))}
got = {(r['shard'], r['key']): r for r in csv.DictReader(open(sys.argv[2]))}
bad = 0
for k, w in want.items():
    g = got.get(k)
    if g is None:
        print('missing', k); bad += 1; continue
    if abs(float(g['value']) - float(w['value'])) > float(w['tolerance']):
        print('changed', k, 'expected', w['value'], '+-', w['tolerance'], 'got', g['value']); bad += 1
for k in got.keys() - want.keys():
    print('new (not in the table)', k); bad += 1
print('%d passed, %d failed' % (len(want) - bad, bad))
sys.exit(1 if bad else 0)
PY
ep_check_profiles "$EP" "$T"
