# Sourced by the CLI tests (not a test itself): named checks and their tally.
#   ok NAME / bad NAME      count a check that held / failed, and print it
#   check NAME 'SHELL TEST' evaluate the test, then ok or bad
#   checks_done             print "N passed, N failed"; its status is 0 only when none failed
pass=0; failn=0
ok()    { pass=$((pass + 1)); echo "ok   $1"; }
bad()   { failn=$((failn + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
checks_done() { echo "$pass passed, $failn failed"; [ "$failn" = 0 ]; }
#   expect_rc WANT CMD...   run CMD with stdout in $OUT/out and stderr in $OUT/err (OUT: the test's
#                           scratch directory); ok when its exit status is WANT, else bad and
#                           its stderr
expect_rc() {
    local want=$1; shift
    "$@" >"$OUT/out" 2>"$OUT/err"; local rc=$?
    if [ "$rc" -eq "$want" ]; then ok "rc $rc: $*"
    else bad "rc $rc != $want: $*"; sed 's/^/  /' "$OUT/err" | head -5; fi
}
