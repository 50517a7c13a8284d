#!/usr/bin/env bash
# entroprof-mpi (issue 14, item 5): `mpirun -np R entroprof-mpi scan` writes the profile of
# `entroprof scan` with the same inputs and options, byte for byte, for R = 1, 2 and 4 ranks (more
# ranks than cores and than shards), threads 1 and 2, the default probes and --lm, with a shard that
# cannot be read (rc 1 from both); --partial DIR leaves the files of `scan --partial` (merge and a
# rerun give the same profile); a rank that fails says so with its rank and nothing is written
# (every rank exits 3); usage errors are exit 2 from every rank.
# usage: test_mpi.sh ENTROPROF SOURCE_DIR BUILD_DIR
# Environment (tests/CMakeLists.txt): EP_MPI_BUILT=1 when CMake found MPI, so that entroprof-mpi
# must exist (missing is a failure, not a skip); EP_MPIEXEC, the mpiexec CMake found.
set -uo pipefail
EP=$1; SRC=$2; BUILD=$3
MPI_EP=$BUILD/entroprof-mpi
MPIEXEC=${EP_MPIEXEC:-}
[ -n "$MPIEXEC" ] || MPIEXEC=$(command -v mpirun || true)
if [ "${EP_MPI_BUILT:-0}" = 1 ]; then
    [ -x "$MPI_EP" ] || { echo "FAIL: CMake found MPI, but $MPI_EP was not built"; exit 1; }
    [ -n "$MPIEXEC" ] && [ -x "$MPIEXEC" ] || { echo "FAIL: CMake found MPI, but no mpirun/mpiexec"; exit 1; }
elif [ ! -x "$MPI_EP" ] || [ -z "$MPIEXEC" ]; then
    echo "SKIP: no MPI (CMake builds entroprof-mpi when it finds MPI: libopenmpi-dev openmpi-bin)"; exit 77
fi
T=$(mktemp -d "$BUILD/cli_mpi.XXXXXX")
trap 'rm -rf "$T"' EXIT
OUT=$T
. "$SRC/tests/cli/checks.sh"

# Open MPI here and in CI: as root it needs --allow-run-as-root; --oversubscribe lets 4 ranks run
# on 2 cores; --bind-to none leaves each rank's OpenMP threads free; shared memory between ranks
# (btl self,vader) without the single-copy mechanism, which needs ptrace rights that containers
# often lack (docs/scale-out.md, "Open MPI").
MPIRUN=("$MPIEXEC" --oversubscribe --bind-to none --mca btl self,vader --mca btl_vader_single_copy_mechanism none)
[ "$(id -u)" = 0 ] && MPIRUN+=(--allow-run-as-root)
# Under the ASan build, LeakSanitizer reports what Open MPI allocates in MPI_Init and never frees:
# tests/cli/lsan_mpi.supp names Open MPI's modules only; their frames need the slow unwinder (Open
# MPI has no frame pointers) and components kept loaded (their names). Harmless without ASan.
MPI_ENV=(OMPI_MCA_mca_base_component_disable_dlclose=1
         "LSAN_OPTIONS=suppressions=$SRC/tests/cli/lsan_mpi.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
         "ASAN_OPTIONS=fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}")
mpi() { local np=$1; shift; env "${MPI_ENV[@]}" "${MPIRUN[@]}" -np "$np" "$MPI_EP" "$@"; }

# 5 shards: the bundled corpora and a truncated zstd shard (a read error: rc 1, in the profile).
mkdir -p "$T/in/web"
cp "$SRC/corpora/books/alice29.txt" "$T/in/alice.txt"
cp "$SRC/corpora/web/c4-sample.jsonl.zst" "$SRC/corpora/web/dolma-cc-sample.jsonl.gz" "$T/in/web/"
head -c 20000 "$SRC/corpora/web/c4-sample.jsonl.zst" > "$T/in/web/truncated.jsonl.zst"
printf 'a short note\n\nwith two paragraphs\n' > "$T/in/note.txt"

same() { # same NAME REF FILE
    if cmp -s "$2" "$3"; then ok "$1"; else bad "$1: $(cmp "$2" "$3" 2>&1 | head -1)"; fi
}

# the default probes (threads do not change the profile: one reference for threads 1 and 2)
OPTS=(--compact -q)
expect_rc 1 "$EP" scan "$T/in" "${OPTS[@]}" --threads 1 -o "$T/ref.json"
for np in 1 2 4; do
    expect_rc 1 mpi $np scan "$T/in" "${OPTS[@]}" --threads 1 -o "$T/np$np.json"
    same "-np $np --threads 1: the profile of scan" "$T/ref.json" "$T/np$np.json"
    grep -q "entroprof scan: .*truncated.jsonl.zst" "$OUT/err" || bad "-np $np: stderr names the shard that failed"
done
# --threads 2, and without -o: the profile on stdout (rank 0's)
expect_rc 1 mpi 2 scan "$T/in" "${OPTS[@]}" --threads 2
same "-np 2 --threads 2, without -o: the profile of scan on stdout" "$T/ref.json" "$OUT/out"

# --lm with a small sample, the byte tokenizer, a clean input (rc 0)
LM=(--compact -q --lm --lm-tokens 1K -t byte --threads 2)
expect_rc 0 "$EP" scan "$SRC/corpora" "${LM[@]}" -o "$T/lm_ref.json"
expect_rc 0 mpi 4 scan "$SRC/corpora" "${LM[@]}" -o "$T/lm4.json"
same "-np 4 --lm -t byte: the profile of scan" "$T/lm_ref.json" "$T/lm4.json"

# --partial DIR: the files of `scan --partial`, merge gives the profile, a rerun reuses every file
expect_rc 1 mpi 2 scan "$T/in" "${OPTS[@]}" --threads 1 --partial "$T/parts" -o "$T/p.json"
same "-np 2 --partial: the profile of scan" "$T/ref.json" "$T/p.json"
expect_rc 1 "$EP" scan "$T/in" "${OPTS[@]}" --threads 1 --partial "$T/parts_scan" -o "$T/p_scan.json"
check "--partial: the same files as scan --partial" "diff -r '$T/parts' '$T/parts_scan' >/dev/null"
expect_rc 1 "$EP" merge "$T/parts" --compact -q -o "$T/merged.json"
same "entroprof merge of the ranks' directory: the profile of scan" "$T/ref.json" "$T/merged.json"
expect_rc 1 mpi 2 scan "$T/in" --compact --threads 1 -v --partial "$T/parts" -o "$T/again.json"
same "-np 2 --partial, run again: the profile of scan" "$T/ref.json" "$T/again.json"
reuse=$(sed -n 's/.*rank [01] of 2: \([0-9]*\) shards (\([0-9]*\) scanned.* \([0-9]*\) reused).*/\1 \2 \3/p' "$OUT/err" |
        awk '{ shards += $1; scanned += $2; reused += $3 } END { print NR, shards, scanned, reused }')
check "the rerun reused every file (2 ranks: 5 shards, 0 scanned, 5 reused): $reuse" '[ "$reuse" = "2 5 0 5" ]'

check "-v: each rank prints its peak RSS" "[ \$(grep -c 'rank [01] of 2: .*peak RSS [0-9]* KiB' '$OUT/err') = 2 ]"

# a rank that fails: shard alice.txt's partial file cannot be written (a directory has its name);
# that rank names itself and the shard, rank 0 writes nothing, every rank exits 3
cp -r "$T/parts" "$T/broken"
victim=$(cd "$T/broken" && grep -l "alice.txt" -- *.epp | head -1)
if [ -n "$victim" ]; then
    rm "$T/broken/$victim" && mkdir "$T/broken/$victim"
    echo old > "$T/keep.json"
    expect_rc 3 mpi 4 scan "$T/in" "${OPTS[@]}" --threads 1 --partial "$T/broken" -o "$T/keep.json"
    # (not anchored at ^: mpirun forwards the ranks' stderr as it comes)
    check "the failing rank names itself and the shard" "grep -q 'entroprof-mpi scan: rank [0-3]: .*alice.txt' '$OUT/err'"
    check "rank 0 says that nothing was written" "grep -q 'entroprof-mpi scan: rank 0: no profile written' '$OUT/err'"
    check "the old output is left as it was" "[ \"\$(cat '$T/keep.json')\" = old ]"
else
    bad "no partial file names alice.txt"
fi

# usage errors: exit 2 from every rank, said once (by rank 0)
expect_rc 2 mpi 2 scan "$T/in" --task 0/2 --partial "$T/x"
check "--task is refused" "[ \$(grep -c 'entroprof-mpi scan: --task' '$OUT/err') = 1 ]"
expect_rc 2 mpi 2 scan --zstd-level 99 "$T/in"
check "a bad value: scan's message, under entroprof-mpi's name, once" \
    "[ \$(grep -c \"^entroprof-mpi scan: invalid value '99' for --zstd-level\" '$OUT/err') = 1 ]"
expect_rc 2 mpi 2 scan
expect_rc 2 mpi 1 scan - 
expect_rc 2 mpi 2 scan "$T/in" --dedup-estimators
expect_rc 0 mpi 2 scan --help
check "scan --help lists scan's options, once" "[ \$(grep -c -- '--ngram-sample-tokens' '$OUT/out') = 1 ]"
expect_rc 0 mpi 1 --version

checks_done
