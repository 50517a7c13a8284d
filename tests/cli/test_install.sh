#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds a separate project against it with
# find_package(entroprof): the package config, exported targets, headers and data must work, with
# the shared library (entroprof::entroprof, the stable API) and the static one
# (entroprof::entroprof_static, also the experimental API behind EP_STATIC_LINKING_ONLY).
# usage: test_install.sh ENTROPROF SOURCE_DIR BUILD_DIR
set -euo pipefail
EP=$1; SRC=$2; BUILD=$(cd "$3" && pwd)
if [ "${EP_UNDER_SANITIZER:-0}" = 1 ]; then echo "SKIP: install test is not run on the sanitizer build"; exit 77; fi
T=$(mktemp -d "$BUILD/install.XXXXXX")
trap 'rm -rf "$T"' EXIT
cmake --install "$BUILD" --prefix "$T/prefix" >/dev/null
mkdir -p "$T/app"
cat > "$T/app/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.18)
project(app C)
find_package(entroprof 0.1 REQUIRED)
add_executable(app main.c)
target_link_libraries(app PRIVATE entroprof::entroprof)
add_executable(app_static static.c)
target_link_libraries(app_static PRIVATE entroprof::entroprof_static)
CM
cat > "$T/app/static.c" <<'C'
#define EP_STATIC_LINKING_ONLY
#include <stdio.h>
#include <entroprof/entroprof.h>
int main(void)
{
    size_t n = 0;
    const ep_probe_vtable *const *reg = ep_probe_registry(&n);
    printf("%s %d\n", n > 0 ? reg[0]->name : "none", n > 5);
    return 0;
}
C
cat > "$T/app/main.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <entroprof/entroprof.h>
int main(void)
{
    ep_tokenizer *t = NULL;
    ep_error err;
    if (ep_tokenizer_open(&t, "byte", &err) != EP_OK) return 1;
    ep_tok_scratch *s = ep_tok_scratch_create(t);
    ep_token_buf b = {0};
    if (ep_tokenizer_encode(t, s, "hello", 5, &b) != EP_OK || b.len != 5) return 2;
    printf("%s %zu %s\n", ep_tokenizer_name(t), b.len, ep_strerror(EP_ERR_IO));
    ep_token_buf_free(&b);
    ep_tok_scratch_free(s);
    ep_tokenizer_free(t);
    return 0;
}
C
cmake -S "$T/app" -B "$T/app/build" -DCMAKE_PREFIX_PATH="$T/prefix" >/dev/null
cmake --build "$T/app/build" >/dev/null
out=$("$T/app/build/app")
[ "$out" = "byte 5 input/output error" ] || { echo "FAIL: consumer printed '$out'"; exit 1; }
readelf -d "$T/app/build/app" | grep -q 'NEEDED.*libentroprof\.so' || { echo "FAIL: app does not use the shared library"; exit 1; }
out=$("$T/app/build/app_static")
[ "$out" = "counts 1" ] || { echo "FAIL: static consumer printed '$out'"; exit 1; }
readelf -d "$T/app/build/app_static" | grep -q 'NEEDED.*libentroprof' && { echo "FAIL: app_static needs the shared library"; exit 1; }
"$T/prefix/bin/entroprof" --version | grep -q "entroprof 0.1" || { echo "FAIL: installed CLI"; exit 1; }
[ -f "$T/prefix/share/entroprof/vocab/cl100k_base.tiktoken" ] || { echo "FAIL: vocabulary not installed"; exit 1; }
echo "1 passed, 0 failed"
