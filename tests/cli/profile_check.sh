# Sourced by the CLI tests (not a test itself): runs `entroprof check` on every profile a test wrote.
# usage: ep_check_profiles ENTROPROF DIR   (call at the end of the test, before DIR is removed)
# A profile is a *.json file under DIR whose "schema" is entroprof.profile/1.
# EP_CHECK_PROFILES selects what a violation does:
#   1     fail the test (print every violation; the default);
#   warn  print every violation, do not fail;
#   0     skip the check.
EP_CHECK_PROFILES_DEFAULT=1

ep_check_profiles() {
    local ep=$1 dir=$2 mode=${EP_CHECK_PROFILES:-$EP_CHECK_PROFILES_DEFAULT} n=0 bad=0 f out
    [ "$mode" = 0 ] && return 0
    while IFS= read -r -d '' f; do
        grep -q '"schema": *"entroprof.profile/1"' "$f" || continue
        n=$((n + 1))
        if ! out=$("$ep" check "$f" 2>&1); then
            bad=$((bad + 1))
            echo "profile check: $(basename "$f"):"
            printf '%s\n' "$out" | sed 's/^/    /'
        fi
    done < <(find "$dir" -name '*.json' -type f -print0 | sort -z)
    echo "profile check: $n profiles, $bad with violations (EP_CHECK_PROFILES=$mode)"
    if [ "$mode" = 1 ] && [ "$bad" -gt 0 ]; then return 1; fi
    return 0
}
