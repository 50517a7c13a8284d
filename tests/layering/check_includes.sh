#!/bin/bash
# Builds the wrong-way include samples (each must fail on the forbidden header) and the controls
# (each must build). $1: the build directory.
B=$1
fails=0
expect_fail() { # target header
    local out
    if out=$(cmake --build "$B" --target "ep_layering_$1" 2>&1); then
        echo "FAIL: $1 compiled: the build does not enforce the rule"; fails=$((fails + 1))
    elif ! grep -q "$2: No such file" <<<"$out"; then
        echo "FAIL: $1 failed for another reason:"; echo "$out" | tail -5; fails=$((fails + 1))
    else
        echo "ok: $1 refused ($2 not visible)"
    fi
}
expect_ok() {
    local out
    if out=$(cmake --build "$B" --target "ep_layering_$1" 2>&1); then echo "ok: $1 builds"
    else echo "FAIL: control $1 does not build:"; echo "$out" | tail -5; fails=$((fails + 1)); fi
}
expect_ok probe_includes_allowed
expect_ok cli_includes_public
expect_fail base_includes_scan entroprof/scan.h
expect_fail probe_includes_report report/report_internal.h
expect_fail probe_includes_dedup_private dedup/dedup_internal.h
expect_fail io_includes_tokenizer entroprof/tokenizer.h
expect_fail cli_includes_probe_internals probe/probes_internal.h
[ "$fails" = 0 ] || { echo "$fails layering check(s) failed"; exit 1; }
