#!/usr/bin/env bash
# Scan throughput and peak RSS of entroprof next to zstd -3 -T<threads>, ent and wc -w on the same
# bytes, in the same run; then where the time goes per probe.
# usage: bench/bench_scan.sh [THREADS] [DATA_DIR]
#   DATA_DIR default: ../shared/data/shards when present, else corpora/. Shards are decompressed once
#   into a temp dir (page cache) so every tool reads the same plain bytes.
# Needs: build/entroprof (bash scripts/setup.sh), zstd, ent, wc, GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
T=${1:-$(nproc)}
DATA=${2:-}
if [ -z "$DATA" ]; then
  if [ -d ../shared/data/shards ]; then DATA=../shared/data/shards; else DATA=corpora; fi
fi
EP=${EP:-build/entroprof}
REPS=${REPS:-3}
for tool in zstd ent wc /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: missing $tool (apt-get install zstd ent coreutils time)"; exit 1; }
done
[ -x "$EP" ] || { echo "bench: build first: bash scripts/setup.sh"; exit 1; }

W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
mkdir -p "$W/plain"
find "$DATA" -type f | sort | while read -r f; do
  b=$(basename "$f"); b=${b%.zst}; b=${b%.gz}
  case "$f" in
    *.zst) zstd -dc "$f" > "$W/plain/$b" ;;
    *.gz) gzip -dc "$f" > "$W/plain/$b" ;;
    *) cp "$f" "$W/plain/$b" ;;
  esac
done
cat "$W"/plain/* > "$W/all.bin"
BYTES=$(stat -c %s "$W/all.bin")
echo "data: $DATA -> $(ls "$W/plain" | wc -l) files, $BYTES bytes; threads: $T; best of $REPS"

# best wall time (s) and its peak RSS (KiB) of a command
measure() {
  local best="" rss=""
  for _ in $(seq "$REPS"); do
    /usr/bin/time -f "%e %M" -o "$W/time" bash -c "$1" >/dev/null 2>"$W/err" || { cat "$W/err"; echo "bench: failed: $1"; exit 1; }
    read -r s m < "$W/time"
    if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; rss=$m; fi
  done
  echo "$best $rss"
}

row() { # name seconds rss ref_seconds
  awk -v n="$1" -v s="$2" -v m="$3" -v r="$4" -v b="$BYTES" 'BEGIN{
    if (s < 0.001) s = 0.001;
    printf "%-34s %8.2f s %9.1f MB/s %8.1f MiB   x%.2f of zstd -3 throughput\n", n, s, b/s/1e6, m/1024, r/s }'
}

read -r zs zm < <(measure "zstd -3 -T$T -c '$W/all.bin' > /dev/null")
read -r es em < <(measure "ent '$W/all.bin' > /dev/null")
read -r ws wm < <(measure "wc -w '$W/all.bin' > /dev/null")
read -r fs fm < <(measure "$EP scan '$W/plain' --threads $T -q --tokenizer byte --probes counts,unigram,compress,exact_dedup -o '$W/p.json'")
read -r bs bm < <(measure "$EP scan '$W/plain' --threads $T -q --tokenizer byte -o '$W/p.json'")
read -r ps pm < <(measure "$EP scan '$W/plain' --threads $T -q -o '$W/p.json'")
echo
row "zstd -3 -T$T" "$zs" "$zm" "$zs"
row "ent" "$es" "$em" "$zs"
row "wc -w" "$ws" "$wm" "$zs"
row "scan: foundation probes, byte" "$fs" "$fm" "$zs"
row "scan: all default probes, byte" "$bs" "$bm" "$zs"
row "scan: default (cl100k_base)" "$ps" "$pm" "$zs"
echo "(foundation probes = counts, unigram, zstd-3, exact dedup; the default adds the zstd-19 sample,"
echo " near-duplicates, repetition and every estimator merged since, with the cl100k_base tokenizer)"
echo
echo "where the time goes (byte tokenizer; each run: counts + the named probe; compare with counts alone)"
read -r cs cm < <(measure "$EP scan '$W/plain' --threads $T -q --tokenizer byte --probes counts -o '$W/p.json'")
row "counts only (read+tokenize+count)" "$cs" "$cm" "$zs"
for pr in $("$EP" scan --list-probes 2>/dev/null || echo unigram compress compress_strong exact_dedup near_dedup repetition); do
  [ "$pr" = counts ] && continue
  extra=""; [ "$pr" = lm ] && extra="--lm"   # the tiny-model pass is off unless asked for
  read -r s m < <(measure "$EP scan '$W/plain' --threads $T -q --tokenizer byte --probes counts,$pr $extra -o '$W/p.json'")
  row "counts + $pr" "$s" "$m" "$zs"
  case "$pr" in ngram|heldout_mkn) # counting throughput: tokens counted / time over counts alone
    python3 - "$W/p.json" "$pr" "$s" "$cs" <<'PY'
import json, sys
prof, probe, t, t0 = json.load(open(sys.argv[1])), sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
n = 0
for part in prof["shards"] + [prof["corpus"]]:
    e = part.get("estimates", {})
    if probe == "ngram" and "ngram_plugin_h0" in e: n += e["ngram_plugin_h0"]["sample_tokens"]
    if probe == "heldout_mkn" and "heldout_mkn" in e: n += e["heldout_mkn"]["train_tokens"] + e["heldout_mkn"]["heldout_tokens"]
dt = max(t - t0, 1e-3)
print(f"  {probe}: {n} tokens counted (shards + corpus) in {dt:.2f} s over counts alone: {n/dt/1e6:.2f} M tokens/s")
PY
  esac
done
for tok in word char cl100k_base; do
  read -r s m < <(measure "$EP scan '$W/plain' --threads $T -q --tokenizer $tok --probes counts -o '$W/p.json'")
  row "counts only, --tokenizer $tok" "$s" "$m" "$zs"
done

echo
echo "does counting dominate? (default probe set; the same scan without the two n-gram probes)"
others=$("$EP" scan --list-probes | grep -vx -e ngram -e heldout_mkn -e lm | paste -sd, -)
for tok in byte cl100k_base; do
  read -r a am < <(measure "$EP scan '$W/plain' --threads $T -q --tokenizer $tok -o '$W/p.json'")
  read -r b bm < <(measure "$EP scan '$W/plain' --threads $T -q --tokenizer $tok --probes $others -o '$W/p.json'")
  row "default, $tok" "$a" "$am" "$zs"
  row "default without ngram+heldout_mkn, $tok" "$b" "$bm" "$zs"
  awk -v a="$a" -v b="$b" -v t="$tok" 'BEGIN{ printf "  %s: n-gram counting (ladder + held-out MKN) = %.0f%% of the default scan time\n", t, 100*(a-b)/a }'
done
