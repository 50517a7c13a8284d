#!/usr/bin/env bash
# Regenerates tests/regression/corpora.csv from a scan of corpora/ (run after a deliberate change
# of an estimator, and say why in the commit). usage: tests/regression/update.sh [ENTROPROF]
set -euo pipefail
cd "$(dirname "$0")/../.."
EP=${1:-build/entroprof}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
"$EP" scan corpora/books corpora/web -q --threads 2 -o "$T/p.json"
python3 tests/regression/extract.py "$T/p.json" > tests/regression/corpora.csv
wc -l tests/regression/corpora.csv
