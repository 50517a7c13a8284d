#!/usr/bin/env bash
# Memory per huge document (issue 12, item 9): one 32 MiB document, plain text and JSONL, scanned
# with the byte tokenizer (one id per byte: the worst case for ids) and `--probes counts`, peaks
# below the documented multiple (docs/design.md, "Memory": its text once in the batch, 4 bytes per
# token id; the reader's buffers are released before the ids are made). It peaked at about 10 x
# (text) and 12 x (JSONL) with 8-byte ids and the reader's copies.
# usage: test_doc_memory.sh ENTROPROF SOURCE_DIR BUILD_DIR
set -euo pipefail
EP=$1; BUILD=$3
. "$2/tests/cli/checks.sh"
if [ "${EP_UNDER_SANITIZER:-0}" = 1 ] || ldd "$EP" 2>/dev/null | grep -q 'libasan'; then
    echo "SKIP: peak RSS is not meaningful under AddressSanitizer (shadow memory, quarantine)"; exit 77
fi
T=$(mktemp -d "$BUILD/cli_doc_memory.XXXXXX")
trap 'rm -rf "$T"' EXIT

MIB=32
python3 - "$T" "$MIB" <<'PY'
import json, sys
n = int(sys.argv[2]) << 20
words = "the quick brown fox jumps over the lazy dog while %d cats watch from the %d windows\n"
parts, size, i = [], 0, 0
while size < n:
    s = words % (i, i * 7 % 1013); parts.append(s); size += len(s); i += 1
doc = "".join(parts)[:n - 1] + "."  # no final newline: the text is the whole file
open(sys.argv[1] + "/doc.txt", "w").write(doc)
open(sys.argv[1] + "/doc.jsonl", "w").write(json.dumps({"text": doc}) + "\n")
PY

# Peak RSS (MiB) of one scan, from the child's rusage; the profile's token count proves that the
# document was read whole.
peak_mib() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if r.returncode != 0: print("rc=%d" % r.returncode); sys.exit(0)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
PY
}

# Documented: about 5 x D with byte ids (1 x text + 4 x ids) over the process's own ~15 MiB.
LIMIT=$((MIB * 11 / 2 + 24))
for fmt in txt jsonl; do
    for threads in 1 4; do
        got=$(peak_mib "$EP" scan "$T/doc.$fmt" --split file --tokenizer byte --probes counts --threads $threads \
              -q -o "$T/p_$fmt.json")
        tokens=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["corpus"]["tokens"])' "$T/p_$fmt.json")
        check "$fmt --threads $threads: one document of $((MIB << 20)) bytes read whole (tokens $tokens)" \
            '[ "$tokens" = $((MIB << 20)) ]'
        check "$fmt --threads $threads: peak RSS ${got} MiB <= $LIMIT MiB (5.5 x $MIB MiB + 24)" \
            '[ "$got" -le "$LIMIT" ] 2>/dev/null'
    done
done
# The repetition probe on the same document: its word arrays (21 bytes per word) and sets sized by
# the distinct words, lines and repeated pairs. Its sets were sized by the number of words (16-byte
# slots at load 1/4..1/2: up to 64 bytes per word), about 12 x D on English text. Documented: about
# 4 x D on top of the above (this text has short words: about 5 x D).
LIMIT=$((MIB * 11 + 24))
got=$(peak_mib "$EP" scan "$T/doc.txt" --split file --tokenizer byte --probes repetition --threads 1 -q -o "$T/p_rep.json")
check "txt --probes repetition: peak RSS ${got} MiB <= $LIMIT MiB (11 x $MIB MiB + 24)" '[ "$got" -le "$LIMIT" ] 2>/dev/null'
checks_done
