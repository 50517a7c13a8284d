#!/usr/bin/env bash
# Runs clang-tidy (checks in .clang-tidy) with the compile flags of build/compile_commands.json (or
# $EP_BUILD_DIR's). Findings are errors. Two modes:
#   default  the C files changed relative to a base ref, so that new code meets the checks without a
#            sweep over the whole tree (for developers, before a commit);
#   --all    every .c file of src/ and tools/ in the compile database, in parallel ($EP_TIDY_JOBS
#            jobs, default nproc). scripts/test.sh, and so CI, runs this: a fresh clone has no
#            changed files. tests/ is not checked: the mode covers the code that ships (library,
#            CLI, tools).
#
# usage: scripts/tidy.sh [BASE]
#        scripts/tidy.sh --all
#   BASE  a git ref; default $EP_TIDY_BASE, else the merge base with origin/main, else HEAD~1.
# Files (default mode): the .c files changed between BASE and the working tree (committed or not)
# that the build compiles; a changed header is checked where a changed .c file includes it.
# Headers (--all): every header under src/ and include/ that a checked file includes.
# Exit: 0 clean (or nothing to check), 1 findings, 2 usage or set-up error, 77 clang-tidy missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-tidy >/dev/null 2>&1; then
  echo "tidy: SKIP: clang-tidy is not installed (Debian: apt-get install clang-tidy)"
  exit 77
fi
DB_DIR=${EP_BUILD_DIR:-build}
if [ ! -f "$DB_DIR/compile_commands.json" ]; then
  echo "tidy: $DB_DIR/compile_commands.json is missing: configure first (bash scripts/setup.sh)" >&2
  exit 2
fi

if [ "${1:-}" = --all ]; then
  [ $# = 1 ] || { echo "usage: scripts/tidy.sh [BASE] | scripts/tidy.sh --all" >&2; exit 2; }
  # The database's files under src/ and tools/, as paths relative to the root.
  mapfile -t sources < <(python3 -c '
import json, os, sys
root = os.getcwd()
for e in json.load(open(sys.argv[1])):
    f = os.path.relpath(os.path.join(e["directory"], e["file"]), root)
    if f.endswith(".c") and f.split(os.sep)[0] in ("src", "tools"):
        print(f)' "$DB_DIR/compile_commands.json" | sort -u)
  if [ ${#sources[@]} = 0 ]; then
    echo "tidy: no file of src/ or tools/ in $DB_DIR/compile_commands.json" >&2
    exit 2
  fi
  jobs=${EP_TIDY_JOBS:-$(nproc)}
  root=$(printf %s "$PWD" | sed 's/[.[\*^$()+?{|]/\\&/g')
  echo "tidy: all ${#sources[@]} C files of src/ and tools/ ($jobs jobs)"
  # xargs exits 123 when any clang-tidy run fails; each run prints its own findings.
  rc=0
  printf '%s\0' "${sources[@]}" |
    xargs -0 -P"$jobs" -n4 clang-tidy -p "$DB_DIR" --quiet --warnings-as-errors='*' \
      --header-filter="^$root/(src|include)/" || rc=$?
  if [ "$rc" != 0 ]; then
    echo "tidy: clang-tidy found problems (above); fix them, or if a check does not fit, disable it in" \
         ".clang-tidy with the reason" >&2
    exit 1
  fi
  echo "tidy: clean"
  exit 0
fi

base=${1:-${EP_TIDY_BASE:-}}
if [ -z "$base" ]; then
  if git rev-parse -q --verify origin/main >/dev/null; then base=$(git merge-base HEAD origin/main)
  elif git rev-parse -q --verify HEAD~1 >/dev/null; then base=HEAD~1
  else echo "tidy: no base to compare with (no origin/main, no HEAD~1): nothing to check"; exit 0; fi
fi
git rev-parse -q --verify "$base^{commit}" >/dev/null || { echo "tidy: unknown ref '$base'" >&2; exit 2; }

# The changed files that still exist; .c files only where the build compiles them.
mapfile -t changed < <(git diff --name-only --diff-filter=ACMR "$base" -- '*.c' '*.h')
sources=() headers=()
for f in "${changed[@]}"; do
  case $f in
    *.h) headers+=("$f") ;;
    *.c) if grep -qF "\"file\": \"$PWD/$f\"" "$DB_DIR/compile_commands.json"; then sources+=("$f")
         else echo "tidy: not in the build's compile database, not checked: $f"; fi ;;
  esac
done
if [ ${#sources[@]} = 0 ]; then
  echo "tidy: no compiled C file changed since $(git rev-parse --short "$base")"
  exit 0
fi
# Diagnostics in headers count only for the changed headers (an unchanged header is not ours to fix
# here); the regex matches their paths exactly.
filter='^$'
if [ ${#headers[@]} -gt 0 ]; then
  filter=$(printf '%s\n' "${headers[@]}" | sed 's/[.[\*^$()+?{|]/\\&/g' | paste -sd'|')
  root=$(printf %s "$PWD" | sed 's/[.[\*^$()+?{|]/\\&/g')
  filter="^$root/($filter)\$"
fi
echo "tidy: ${#sources[@]} changed file(s) since $(git rev-parse --short "$base"): ${sources[*]}"
rc=0
clang-tidy -p "$DB_DIR" --quiet --warnings-as-errors='*' --header-filter="$filter" "${sources[@]}" || rc=$?
if [ "$rc" != 0 ]; then
  echo "tidy: clang-tidy found problems (above); fix them, or if a check does not fit, disable it in" \
       ".clang-tidy with the reason" >&2
  exit 1
fi
echo "tidy: clean"
