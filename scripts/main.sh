#!/usr/bin/env bash
# The main job: set up, build, and profile the bundled corpora/ into reports/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p reports
./build/entroprof scan corpora/books corpora/web --tokenizer "${EP_TOKENIZER:-cl100k_base}" -o reports/profile.json | tee reports/ranking.tsv
./build/entroprof rank reports/profile.json --format md > reports/rank.md
./build/entroprof report reports/profile.json -o reports
echo "main: wrote reports/profile.json, ranking.tsv, rank.md, report.md, report.html"
