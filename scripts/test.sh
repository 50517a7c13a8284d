#!/usr/bin/env bash
# Set up, build with warnings as errors, run the whole test suite; clang-tidy on every C file of src/
# and tools/ (scripts/tidy.sh --all: a fresh clone, as in CI, has no changed files to check; SKIP
# without clang-tidy, EP_SKIP_TIDY=1); then the suite again
# under AddressSanitizer + UndefinedBehaviorSanitizer (EP_SKIP_SANITIZE=1 skips that second pass);
# then each libFuzzer harness for about 30 s (scripts/fuzz.sh; SKIP without clang, EP_SKIP_FUZZ=1).
set -euo pipefail
cd "$(dirname "$0")/.."
EP_WITH_TEST_EXTRAS=${EP_WITH_TEST_EXTRAS:-1} EP_CMAKE_FLAGS="-DEP_WERROR=ON" bash scripts/setup.sh
ctest --test-dir build --output-on-failure -j2
if [ "${EP_SKIP_TIDY:-0}" != 1 ]; then
  tidy_rc=0
  bash scripts/tidy.sh --all || tidy_rc=$?
  if [ "$tidy_rc" = 77 ]; then echo "test: SKIP: clang-tidy (not installed; see above)"
  elif [ "$tidy_rc" != 0 ]; then exit "$tidy_rc"; fi
else
  echo "test: SKIP: clang-tidy (EP_SKIP_TIDY=1)"
fi
if [ "${EP_SKIP_SANITIZE:-0}" != 1 ]; then
  EP_BUILD_DIR=build-asan EP_BUILD_TYPE=RelWithDebInfo EP_CMAKE_FLAGS="-DEP_WERROR=ON -DEP_SANITIZE=ON" bash scripts/setup.sh
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 EP_UNDER_SANITIZER=1 \
    ctest --test-dir build-asan --output-on-failure -j2 -LE slow
fi
# The libFuzzer harnesses (tests/fuzz/), about 30 s each, when clang with libFuzzer is here
# (EP_FUZZ_SECONDS changes the time, EP_SKIP_FUZZ=1 skips them; scripts/fuzz.sh runs them longer).
if [ "${EP_SKIP_FUZZ:-0}" != 1 ]; then
  fuzz_rc=0
  bash scripts/fuzz.sh "${EP_FUZZ_SECONDS:-30}" || fuzz_rc=$?
  if [ "$fuzz_rc" = 77 ]; then echo "test: SKIP: fuzz harnesses (no clang with libFuzzer; see above)"
  elif [ "$fuzz_rc" != 0 ]; then exit "$fuzz_rc"; fi
else
  echo "test: SKIP: fuzz harnesses (EP_SKIP_FUZZ=1)"
fi
echo "test: all suites passed"
