#!/usr/bin/env bash
# The main job: set up, build, and profile the bundled corpora/ into reports/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p reports
# --lm: the tiny-model pass, so that the report shows Corollary 4.1 (step-0 loss beside the
# prequential curve); 32K tokens per shard keep it to about 100 s of CPU on corpora/ (docs/lm.md).
./build/entroprof scan corpora/books corpora/web --tokenizer "${EP_TOKENIZER:-cl100k_base}" --lm --lm-tokens 32K \
    -o reports/profile.json | tee reports/ranking.tsv
./build/entroprof rank reports/profile.json --format md > reports/rank.md
./build/entroprof report reports/profile.json -o reports
echo "main: wrote reports/profile.json, ranking.tsv, rank.md, report.md, report.html"
