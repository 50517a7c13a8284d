#!/usr/bin/env bash
# Scale-out benchmark (issue 14, item 6): the same scan split over N processes and over R MPI ranks
# on this machine, against one process; the bytes of the partial states; the merge; peak memory per
# process and per rank; and a projection for 1 TB on N nodes of C cores from the measured rates.
#   (a) `scan --partial D --task i/N`, N = 1..MAX processes at once, then `entroprof merge D`:
#       wall seconds, speedup over N = 1, merge seconds;
#   (b) `mpirun -np R entroprof-mpi scan`, R = 1..MAX: wall seconds, speedup over R = 1;
#   (c) partial bytes per GB of input;
#   (d) peak RSS of each process (GNU time) and of each rank (entroprof-mpi -v);
#   (e) T(1 TB; N nodes, C cores) = 1 TB / (N * C * r) + (P * 1000) / m, with r the scan rate of
#       one process per thread (bytes/s), P the partial bytes per GB and m the merge rate (partial
#       bytes/s), both measured here; every profile is checked to be byte-identical to one scan's.
# usage: bench/bench_scale.sh [BUILD_DIR] [DATA...]
#   DATA: files or directories to scan as they are; default: an input of EP_BENCH_MB MB (default
#   256) of plain text in EP_BENCH_SHARDS shards (default 16), made from ../shared/data/shards
#   (else corpora/): the texts decompressed and concatenated, repeated with " #k" appended to every
#   line of the k-th repetition (so a repetition is no exact duplicate of the first copy).
# Environment: EP_BENCH_MAX (default 4) largest N and R; EP_BENCH_THREADS (default 1) --threads of
#   each process or rank; EP_BENCH_OPTS (default: none, the default probes and tokenizer) more scan
#   options; EP_BENCH_NODE_CORES (default 16) C of the projection; EP_MPIRUN (default mpirun) and
#   EP_MPIRUN_FLAGS (default "--oversubscribe --bind-to none"; --allow-run-as-root added as root).
# This machine's cores bound the speedup: with 2 cores expect at most 2x.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
shift || true
EP=$BUILD/entroprof
EPMPI=$BUILD/entroprof-mpi
MAX=${EP_BENCH_MAX:-4}
THREADS=${EP_BENCH_THREADS:-1}
MB=${EP_BENCH_MB:-256}
NSHARDS=${EP_BENCH_SHARDS:-16}
CORES=${EP_BENCH_NODE_CORES:-16}
read -r -a OPTS <<< "${EP_BENCH_OPTS:-}"
[ -x "$EP" ] || { echo "bench: build first: bash scripts/setup.sh" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 2; }
MPIRUN=${EP_MPIRUN:-mpirun}
HAVE_MPI=1
if [ ! -x "$EPMPI" ] || ! command -v "$MPIRUN" >/dev/null; then
  HAVE_MPI=0
  echo "bench: no entroprof-mpi or mpirun: part (b) is left out" >&2
fi
# Open MPI flags (docs/scale-out.md, "Open MPI"): more ranks than cores, no binding (each rank's
# threads free), root allowed. Not the test's "--mca btl_vader_single_copy_mechanism none": that
# moves large records in small fragments and costs time; set EP_MPIRUN_FLAGS where CMA fails.
read -r -a MPIFLAGS <<< "${EP_MPIRUN_FLAGS:---oversubscribe --bind-to none}"
[ "$(id -u)" = 0 ] && MPIFLAGS+=(--allow-run-as-root)

W=$(mktemp -d "${TMPDIR:-/tmp}/ep-bench-scale-XXXXXX")
trap 'rm -rf "$W"' EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# ---- the input ----
if [ $# -gt 0 ]; then
  IN=("$@")
else
  SRC=$ROOT/../shared/data/shards
  [ -d "$SRC" ] || SRC=/work/shared/data/shards
  [ -d "$SRC" ] || SRC=$ROOT/corpora
  mkdir -p "$W/base" "$W/in"
  find "$SRC" -type f ! -name '*.md' | sort | while read -r f; do
    case "$f" in
      *.zst) zstd -dcq "$f" ;;
      *.gz) gzip -dc "$f" ;;
      *) cat "$f" ;;
    esac
  done | tr -d '\r' > "$W/base/all.txt"
  base=$(stat -c %s "$W/base/all.txt")
  want=$((MB * 1000000))
  k=0
  : > "$W/all.txt"
  while [ "$(stat -c %s "$W/all.txt")" -lt "$want" ]; do
    if [ "$k" = 0 ]; then cat "$W/base/all.txt"; else awk -v k="$k" '{ print (length($0) ? $0 " #" k : $0) }' "$W/base/all.txt"; fi >> "$W/all.txt"
    k=$((k + 1))
  done
  head -c "$want" "$W/all.txt" > "$W/cut.txt"
  rm -f "$W/all.txt" "$W/base/all.txt"
  # whole lines per shard, about the same size each
  split -C $(((want + NSHARDS - 1) / NSHARDS)) -d -a 3 --additional-suffix=.txt "$W/cut.txt" "$W/in/shard-"
  rm -f "$W/cut.txt"
  IN=("$W/in")
  echo "input: $MB MB from $SRC ($base bytes of text, $k copies), $(ls "$W/in" | wc -l) shards"
fi
IN_BYTES=$(find "${IN[@]}" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
echo "scan options: --threads $THREADS ${OPTS[*]:-} (cores here: $(nproc))"
echo "input bytes: $IN_BYTES"

# ---- one scan: the reference profile ----
t0=$(now)
/usr/bin/time -f "%M" -o "$W/rss_ref" "$EP" scan "${IN[@]}" -q --threads "$THREADS" "${OPTS[@]}" -o "$W/ref.json" || rc=$?
t1=$(now)
[ "${rc:-0}" -le 1 ] || { echo "bench: the reference scan failed (rc $rc)" >&2; exit 1; }
REF_S=$(secs "$t0" "$t1")
echo
echo "one process, no partial states: $REF_S s, peak RSS $(($(cat "$W/rss_ref") / 1024)) MiB"

# ---- (a) processes with --task, then merge ----
echo
echo "(a) N processes: scan --partial D --task i/N at once, then entroprof merge D"
printf '%-3s %9s %8s %14s %9s %9s %15s %10s\n' N wall_s speedup max_rss_MiB merge_s merge_MiB partial_MB/GB identical
A1=""
for N in $(seq 1 "$MAX"); do
  rm -rf "$W/D"
  t0=$(now)
  for i in $(seq 0 $((N - 1))); do
    /usr/bin/time -f "%M" -o "$W/rss_$i" "$EP" scan "${IN[@]}" -q --threads "$THREADS" "${OPTS[@]}" \
      --partial "$W/D" --task "$i/$N" 2>"$W/err_$i" &
  done
  fail=0
  for job in $(jobs -p); do wait "$job" || { r=$?; [ "$r" -le 1 ] || fail=1; }; done
  t1=$(now)
  [ "$fail" = 0 ] || { cat "$W"/err_*; echo "bench: a task failed" >&2; exit 1; }
  S=$(secs "$t0" "$t1")
  [ -n "$A1" ] || A1=$S
  RSS=$(cat "$W"/rss_* | sort -n | tail -1)
  rm -f "$W"/rss_*
  PBYTES=$(find "$W/D" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
  t0=$(now)
  /usr/bin/time -f "%M" -o "$W/rss_merge" "$EP" merge "$W/D" -q -o "$W/merged.json" || true
  t1=$(now)
  M=$(secs "$t0" "$t1")
  same=no
  cmp -s "$W/ref.json" "$W/merged.json" && same=yes
  awk -v n="$N" -v s="$S" -v a1="$A1" -v rss="$RSS" -v m="$M" -v mr="$(cat "$W/rss_merge")" -v p="$PBYTES" \
      -v b="$IN_BYTES" -v same="$same" 'BEGIN {
    printf "%-3d %9.2f %8.2f %14.1f %9.2f %9.1f %15.2f %10s\n", n, s, a1 / s, rss / 1024, m, mr / 1024, p / 1e6 / (b / 1e9), same }'
  [ "$N" = 1 ] && { P1=$PBYTES; M1=$M; }
done

# ---- (b) MPI ranks ----
if [ "$HAVE_MPI" = 1 ]; then
  echo
  echo "(b) R ranks: $MPIRUN -np R entroprof-mpi scan (rank 0 adds the records in canonical order)"
  printf '%-3s %9s %8s %15s %15s %10s\n' R wall_s speedup rank0_rss_MiB max_rss_MiB identical
  B1=""
  for R in $(seq 1 "$MAX"); do
    t0=$(now)
    "$MPIRUN" "${MPIFLAGS[@]}" -np "$R" "$EPMPI" scan "${IN[@]}" -q -v --threads "$THREADS" "${OPTS[@]}" \
      -o "$W/mpi.json" 2>"$W/mpi_err" || { r=$?; [ "$r" -le 1 ] || { cat "$W/mpi_err"; exit 1; }; }
    t1=$(now)
    S=$(secs "$t0" "$t1")
    [ -n "$B1" ] || B1=$S
    R0=$(sed -n 's/.*rank 0 of [0-9]*: .*peak RSS \([0-9]*\) KiB.*/\1/p' "$W/mpi_err")
    RMAX=$(sed -n 's/.*rank [0-9]* of [0-9]*: .*peak RSS \([0-9]*\) KiB.*/\1/p' "$W/mpi_err" | sort -n | tail -1)
    same=no
    cmp -s "$W/ref.json" "$W/mpi.json" && same=yes
    awk -v r="$R" -v s="$S" -v b1="$B1" -v r0="$R0" -v rm="$RMAX" -v same="$same" 'BEGIN {
      printf "%-3d %9.2f %8.2f %15.1f %15.1f %10s\n", r, s, b1 / s, r0 / 1024, rm / 1024, same }'
  done
fi

# ---- (e) projection ----
echo
awk -v b="$IN_BYTES" -v s="$A1" -v t="$THREADS" -v p="$P1" -v m="$M1" -v c="$CORES" 'BEGIN {
  r = b / s / t            # scan bytes per second per thread (one process, N = 1)
  pg = p / (b / 1e9)       # partial bytes per GB of input
  mr = p / (m > 0.01 ? m : 0.01)  # merge: partial bytes per second (includes its fixed costs)
  printf "(e) projection for 1 TB (measured: r = %.2f MB/s per thread, P = %.1f MB of partial states per GB,\n", r / 1e6, pg / 1e6
  printf "    m = %.1f MB/s merge rate)\n", mr / 1e6
  printf "    T(N nodes x C cores) = 1e12 / (N * C * r) + (P * 1000) / m, C = %d, perfect scaling assumed\n", c
  printf "    %-6s %14s %12s %12s\n", "nodes", "scan_h", "merge_h", "total_h"
  split("1 4 16 64 256", ns, " ")
  for (k = 1; k <= 5; k++) {
    n = ns[k]; sc = 1e12 / (n * c * r); me = pg * 1000 / mr
    printf "    %-6d %14.2f %12.2f %12.2f\n", n, sc / 3600, me / 3600, (sc + me) / 3600
  }
}'
