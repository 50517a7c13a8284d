#!/usr/bin/env bash
# entroprof tokenize: ids, --split, --u32, --count, errors. Usage: test_tokenize.sh CLI SRC BUILD
set -u
cli=$1; fail=0
check() { if [ "$2" != "$3" ]; then echo "FAIL $1: got '$2', want '$3'"; fail=1; fi; }
# reference ids from npm tiktoken 1.0.22 (encode_ordinary)
check cl100k "$(printf 'hello world\nfoo bar\n\nbaz' | "$cli" tokenize --tokenizer cl100k_base)" "15339 1917 198 8134 3703 271 43673"
check lines "$(printf 'hello world\nfoo bar\n' | "$cli" tokenize -t o200k_base --split line)" "$(printf '24912 2375\n16660 3608')"
check gpt2 "$(printf 'hello world' | "$cli" tokenize -t gpt2)" "31373 995"
check count "$(printf 'hello world\nfoo bar\n\nbaz' | "$cli" tokenize --count)" "7"
check u32 "$(printf 'hello' | "$cli" tokenize --u32 | od -An -tu4 | tr -d ' ')" "15339"
check byte "$(printf 'ab' | "$cli" tokenize -t byte)" "97 98"
"$cli" tokenize --help | grep -q "usage: entroprof tokenize" || { echo "FAIL help"; fail=1; }
"$cli" tokenize --split bogus - </dev/null 2>/dev/null; check usage-exit $? 2
"$cli" tokenize -t no_such_vocab - </dev/null 2>/dev/null; check unknown-exit $? 2  # an unknown tokenizer name is bad usage
exit $fail
