# Sourced by the CLI tests (not a test itself): named checks and their tally.
#   ok NAME / bad NAME      count a check that held / failed, and print it
#   check NAME 'SHELL TEST' evaluate the test, then ok or bad
#   checks_done             print "N passed, N failed"; its status is 0 only when none failed
pass=0; failn=0
ok()    { pass=$((pass + 1)); echo "ok   $1"; }
bad()   { failn=$((failn + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
checks_done() { echo "$pass passed, $failn failed"; [ "$failn" = 0 ]; }
