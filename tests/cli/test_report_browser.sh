#!/usr/bin/env bash
# Loads the HTML report in headless Chromium: the charts must render (svg, rect, path elements in the
# DOM after load), with no console errors; saves a screenshot under the build dir.
# Skips (exit 77, shown as Skipped by ctest) where Chromium is absent. usage: test_report_browser.sh ENTROPROF SOURCE_DIR BUILD_DIR
set -u
EP=$1; SRC=$2; BUILD=$3
CHROME=""
for c in chromium chromium-browser google-chrome; do
    if command -v "$c" >/dev/null 2>&1; then CHROME=$c; break; fi
done
if [ -z "$CHROME" ]; then echo "SKIP: chromium not found"; exit 77; fi

OUT="$(cd "$BUILD" && pwd)/report_browser"
rm -rf "$OUT"; mkdir -p "$OUT"
PROFILE_DIR=$(mktemp -d)
trap 'rm -rf "$PROFILE_DIR"' EXIT
. "$SRC/tests/cli/checks.sh"
chrome() { # chrome ARGS... (common flags: no network, no profile state)
    timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$PROFILE_DIR" \
        --enable-logging=stderr --v=0 "$@"
}
console_errors() { grep -E 'CONSOLE|Uncaught' "$1"; }

# Control: the console check must catch an error on a page that has one (so this test can fail).
printf '<!DOCTYPE html><html><body><script>undefinedFn();</script></body></html>' > "$OUT/control.html"
chrome --dump-dom "file://$OUT/control.html" >/dev/null 2>"$OUT/control.log"
console_errors "$OUT/control.log" >/dev/null || bad "console check does not catch a known error (see $OUT/control.log)"

"$EP" report "$SRC/tests/fixtures/profiles/planted.json" -o "$OUT" >/dev/null || bad "entroprof report failed"
PAGE="file://$OUT/report.html"
chrome --dump-dom "$PAGE" >"$OUT/dom.html" 2>"$OUT/dom.log" || bad "chromium --dump-dom exited non-zero"
svgs=$(grep -o '<svg' "$OUT/dom.html" | wc -l)
rects=$(grep -o '<rect' "$OUT/dom.html" | wc -l)
paths=$(grep -o '<path' "$OUT/dom.html" | wc -l)
circles=$(grep -o '<circle' "$OUT/dom.html" | wc -l)
echo "DOM: $svgs svg, $rects rect, $paths path, $circles circle"
[ "$svgs" -ge 4 ] || bad "expected >= 4 charts (rank, ladder, duplicates, loss curves), got $svgs"
[ "$rects" -ge 10 ] || bad "too few bars: $rects"
[ "$paths" -ge 8 ] || bad "too few lines: $paths"
grep -q 'Entropy ladder' "$OUT/dom.html" || bad "ladder section missing"
grep -q 'estimates_disagree' "$OUT/dom.html" || bad "flags missing"
if console_errors "$OUT/dom.log"; then bad "console errors on the report page"; fi

chrome --screenshot="$OUT/report.png" --window-size=1200,2000 "$PAGE" >/dev/null 2>"$OUT/shot.log"
[ -s "$OUT/report.png" ] || bad "no screenshot"
if console_errors "$OUT/shot.log"; then bad "console errors while taking the screenshot"; fi
echo "screenshot: $OUT/report.png"

checks_done || exit 1
echo "ok: report renders in $CHROME"
