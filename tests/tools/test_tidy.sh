#!/usr/bin/env bash
# scripts/tidy.sh on a scratch repository: it checks the C files changed since HEAD~1 (committed or
# not) with the committed .clang-tidy, exits 1 on a finding and names it, 0 once it is fixed, and
# says which changed files it could not check; with --all it checks every file of src/ and tools/ in
# the compile database, changed or not, and not tests/. usage: test_tidy.sh SOURCE_DIR
set -euo pipefail
SRC=$(cd "$1" && pwd)
if ! command -v clang-tidy >/dev/null 2>&1; then echo "SKIP: clang-tidy is not installed"; exit 77; fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
mkdir -p "$T/scripts" "$T/build"
cp "$SRC/scripts/tidy.sh" "$T/scripts/"
cp "$SRC/.clang-tidy" "$T/"
cd "$T"
git init -q .
g() { git -c user.name=test -c user.email=test@example.invalid "$@"; }
printf 'int one(void) { return 1; }\n' > clean.c
g add -A && g commit -qm base
# A leak (clang-analyzer-unix.Malloc) and atoi (cert-err34-c), in a file the build compiles, and a
# changed file it does not compile.
cat > bad.c <<'C'
#include <stdlib.h>
int parse(const char *s)
{
    char *copy = malloc(16);
    if (!copy) return -1;
    return atoi(s);
}
C
printf 'int two(void) { return 2; }\n' > orphan.c
cat > build/compile_commands.json <<J
[{"directory": "$T", "command": "cc -std=c11 -c bad.c -o bad.o", "file": "$T/bad.c"},
 {"directory": "$T", "command": "cc -std=c11 -c clean.c -o clean.o", "file": "$T/clean.c"}]
J
g add bad.c orphan.c && g commit -qm change
rc=0; out=$(bash scripts/tidy.sh 2>&1) || rc=$?
if [ "$rc" = 1 ] && grep -q 'bad.c.*clang-analyzer-unix.Malloc' <<<"$out" && grep -q 'cert-err34-c' <<<"$out" &&
   grep -q 'not checked: orphan.c' <<<"$out"; then echo "ok: findings in a changed file fail"
else echo "FAIL: findings not reported (rc $rc):"; echo "$out"; fail=1; fi
# Fixed in the working tree (not committed): checked as changed, and clean.
cat > bad.c <<'C'
#include <stdlib.h>
int parse(const char *s)
{
    return (int)strtol(s, NULL, 10);
}
C
rc=0; out=$(bash scripts/tidy.sh 2>&1) || rc=$?
if [ "$rc" = 0 ] && grep -q 'tidy: 1 changed file.*bad.c' <<<"$out"; then echo "ok: the fixed file passes"
else echo "FAIL: fixed file (rc $rc):"; echo "$out"; fail=1; fi
# Nothing compiled changed relative to the given base.
git stash -q
rc=0; out=$(bash scripts/tidy.sh HEAD 2>&1) || rc=$?
if [ "$rc" = 0 ] && grep -q 'no compiled C file changed' <<<"$out"; then echo "ok: nothing to check"
else echo "FAIL: no change (rc $rc):"; echo "$out"; fail=1; fi
# --all: every compiled file of src/ and tools/, with no change at all (as in a fresh clone, CI).
mkdir -p src tools tests
cat > src/lib.c <<'C'
#include <stdlib.h>
int parse(const char *s)
{
    return atoi(s);
}
C
printf 'int tool(void) { return 3; }\n' > tools/tool.c
# A finding in tests/ (compiled, but not checked by --all).
printf '#include <stdlib.h>\nint t(const char *s) { return atoi(s); }\n' > tests/t.c
cat > build/compile_commands.json <<J
[{"directory": "$T", "command": "cc -std=c11 -c src/lib.c -o lib.o", "file": "$T/src/lib.c"},
 {"directory": "$T", "command": "cc -std=c11 -c tools/tool.c -o tool.o", "file": "$T/tools/tool.c"},
 {"directory": "$T", "command": "cc -std=c11 -c tests/t.c -o t.o", "file": "$T/tests/t.c"}]
J
g add -A && g commit -qm tree
rc=0; out=$(bash scripts/tidy.sh --all 2>&1) || rc=$?
if [ "$rc" = 1 ] && grep -q 'all 2 C files' <<<"$out" && grep -q 'src/lib.c.*cert-err34-c' <<<"$out" &&
   ! grep -q 'tests/t.c' <<<"$out"; then echo "ok: --all finds a problem in an unchanged file of src/"
else echo "FAIL: --all (rc $rc):"; echo "$out"; fail=1; fi
printf 'int parse(const char *s) { return s[0]; }\n' > src/lib.c
rc=0; out=$(bash scripts/tidy.sh --all 2>&1) || rc=$?
if [ "$rc" = 0 ] && grep -q 'tidy: clean' <<<"$out"; then echo "ok: --all passes a clean tree"
else echo "FAIL: --all on a clean tree (rc $rc):"; echo "$out"; fail=1; fi
rc=0; out=$(bash scripts/tidy.sh --all HEAD 2>&1) || rc=$?
if [ "$rc" = 2 ]; then echo "ok: --all takes no BASE"
else echo "FAIL: --all HEAD (rc $rc):"; echo "$out"; fail=1; fi
exit $fail
