#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz/) with clang, ASan and UBSan into build-fuzz/ (or
# $EP_FUZZ_BUILD_DIR) and runs each for SECONDS (default 30), one after the other, starting from
# the committed seeds (tests/fuzz/corpus/<harness>/, copied: new inputs do not go into the tree).
#   usage: scripts/fuzz.sh [SECONDS]
#   EP_FUZZ_ONLY="reader profile"   run only these harnesses (names without the fuzz_ prefix)
#   EP_FUZZ_ARGS="-seed=1 ..."      extra libFuzzer flags
# Limits: each input may allocate at most 512 MiB in one call and the process 2 GiB in all
# (-malloc_limit_mb, -rss_limit_mb); a single input may run 10 s (-timeout). A crash, leak,
# sanitizer report, failed check, out-of-memory or timeout fails the run: the input is kept in
# $BUILD/artifacts/<harness>/ and the command that replays it is printed.
# Exit status: 0 all clean; 1 a harness failed; 77 skipped (no clang with libFuzzer here).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-30}
BUILD=${EP_FUZZ_BUILD_DIR:-build-fuzz}

CC_FUZZ=${EP_FUZZ_CC:-clang}
if ! command -v "$CC_FUZZ" >/dev/null 2>&1; then
    echo "fuzz: SKIP: $CC_FUZZ not found (Debian: apt-get install clang libclang-rt-dev libomp-dev)"
    exit 77
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$probe/t.c"
if ! "$CC_FUZZ" -fsanitize=fuzzer,address,undefined -fopenmp "$probe/t.c" -o "$probe/t" >"$probe/log" 2>&1; then
    echo "fuzz: SKIP: $CC_FUZZ cannot build a libFuzzer program with OpenMP (Debian: apt-get install libclang-rt-dev libomp-dev):"
    sed 's/^/  /' "$probe/log" | head -5
    exit 77
fi

CC="$CC_FUZZ" cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEP_FUZZ=ON -DEP_BUILD_TESTS=OFF \
    -DEP_WERROR=ON >/dev/null
harnesses=()
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    if [ -n "${EP_FUZZ_ONLY:-}" ] && [[ " $EP_FUZZ_ONLY " != *" ${name#fuzz_} "* ]]; then continue; fi
    harnesses+=("$name")
done
cmake --build "$BUILD" -j"$(nproc)" --target "${harnesses[@]}"

work=$(mktemp -d)
trap 'rm -rf "$probe" "$work"' EXIT
failed=()
for name in "${harnesses[@]}"; do
    mkdir -p "$work/$name/corpus" "$work/$name/tmp" "$BUILD/artifacts/$name"
    if [ -d tests/fuzz/corpus/"$name" ]; then cp tests/fuzz/corpus/"$name"/* "$work/$name/corpus/"; fi
    echo "fuzz: $name for ${SECONDS_EACH} s"
    # shellcheck disable=SC2086
    if TMPDIR="$work/$name/tmp" ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$BUILD/tests/fuzz/$name" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -malloc_limit_mb=512 \
        -timeout=10 -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$name/" ${EP_FUZZ_ARGS:-} \
        "$work/$name/corpus" >"$work/$name/log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name/log")
        cov=$(grep -o 'cov: [0-9]*' "$work/$name/log" | tail -1)
        echo "fuzz: $name ok: ${runs:-?} inputs, $cov"
    else
        failed+=("$name")
        echo "fuzz: $name FAILED; the end of its log:"
        tail -40 "$work/$name/log" | sed 's/^/  /'
        art=$(grep -o "Test unit written to [^ ]*" "$work/$name/log" | tail -1 | sed 's/Test unit written to //')
        if [ -n "$art" ]; then echo "fuzz: replay with: $BUILD/tests/fuzz/$name $art"; fi
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: FAILED: ${failed[*]}"
    exit 1
fi
echo "fuzz: all ${#harnesses[@]} harnesses clean"
