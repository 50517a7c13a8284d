#!/usr/bin/env bash
# Installs what entroprof needs on Debian 12 (apt-get when root; otherwise prints the command),
# then configures and builds into build/ (or $EP_BUILD_DIR). Extra CMake flags: $EP_CMAKE_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential cmake pkg-config git zstd gzip python3
      libzstd-dev libxxhash-dev zlib1g-dev libjson-c-dev libpcre2-dev libutf8proc-dev libcmocka-dev
      libopenmpi-dev openmpi-bin)
# (Open MPI: entroprof-mpi and its test; CMake builds without it, and the test then reports a skip.)
# Optional extras for the test suite (browser test of the HTML report; clang with libFuzzer and
# OpenMP for the fuzz harnesses of scripts/fuzz.sh; clang-tidy for scripts/tidy.sh).
if [ "${EP_WITH_TEST_EXTRAS:-0}" = 1 ]; then PKGS+=(chromium clang libclang-rt-dev libomp-dev clang-tidy); fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing packages. Run as root:" >&2
    echo "  apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

BUILD_DIR=${EP_BUILD_DIR:-build}
# shellcheck disable=SC2086
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${EP_BUILD_TYPE:-Release} ${EP_CMAKE_FLAGS:-} >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
