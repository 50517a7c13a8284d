#!/usr/bin/env bash
# Set up, build with warnings as errors, run the whole test suite; then again under
# AddressSanitizer + UndefinedBehaviorSanitizer (EP_SKIP_SANITIZE=1 skips that second pass).
set -euo pipefail
cd "$(dirname "$0")/.."
EP_WITH_TEST_EXTRAS=${EP_WITH_TEST_EXTRAS:-1} EP_CMAKE_FLAGS="-DEP_WERROR=ON" bash scripts/setup.sh
ctest --test-dir build --output-on-failure -j2
if [ "${EP_SKIP_SANITIZE:-0}" != 1 ]; then
  EP_BUILD_DIR=build-asan EP_BUILD_TYPE=RelWithDebInfo EP_CMAKE_FLAGS="-DEP_WERROR=ON -DEP_SANITIZE=ON" bash scripts/setup.sh
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 EP_UNDER_SANITIZER=1 \
    ctest --test-dir build-asan --output-on-failure -j2 -LE slow
fi
echo "test: all suites passed"
