#!/usr/bin/env bash
# A test that cannot run here must show as skipped, not passed (issue 12): every ctest test maps
# exit status 77 to "Skipped" (SKIP_RETURN_CODE, tests/CMakeLists.txt), and every CLI test that
# prints a SKIP line exits 77 right after it. cmocka tests report their skip() in their own output.
# usage: test_skips_are_reported.sh ENTROPROF SOURCE_DIR BUILD_DIR
set -euo pipefail
SRC=$2; BUILD=$3
fail=0
ctest --test-dir "$BUILD" --show-only=json-v1 | python3 -c '
import json, sys
tests = json.load(sys.stdin)["tests"]
missing = [t["name"] for t in tests
           if not any(p["name"] == "SKIP_RETURN_CODE" and p["value"] == 77 for p in t.get("properties", []))]
if missing:
    print("FAIL: no SKIP_RETURN_CODE 77:", " ".join(missing))
    sys.exit(1)
print("ok: %d tests map exit 77 to Skipped" % len(tests))
' || fail=1
for f in "$SRC"/tests/cli/test_*.sh; do
    # a line that prints SKIP must end the script with 77 on the same line
    if grep -n 'echo "SKIP' "$f" | grep -v 'exit 77' >/dev/null; then
        echo "FAIL: $(basename "$f") prints SKIP without exit 77:"; grep -n 'echo "SKIP' "$f" | grep -v 'exit 77'
        fail=1
    fi
done
[ $fail = 0 ] && echo "ok: every SKIP line exits 77"
exit $fail
