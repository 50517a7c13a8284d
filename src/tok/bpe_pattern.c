/* Pre-tokenizer patterns: the reference (tiktoken: Rust regex / fancy-regex) patterns, rewritten
 * for PCRE2 where the two engines differ.
 *
 * \s: Rust regex (Unicode mode) matches the Unicode White_Space property (PropList.txt):
 *   U+0009..U+000D, U+0020, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F,
 *   U+205F, U+3000. PCRE2 with UCP matches \p{Z} plus \h and \v, which adds U+180E (MONGOLIAN
 *   VOWEL SEPARATOR, a format character since Unicode 6.3). So \s and \S are spelled out. U+FEFF
 *   (BOM) and U+200B are not White_Space in either, so they are "other" characters here.
 * $: compiled with PCRE2_DOLLAR_ENDONLY so that it means end of text, as in Rust.
 * (?i): PCRE2 UTF caseless matching uses Unicode simple case folding like Rust (so 'ſ matches 's).
 *
 * JavaScript semantics (tokenizer.json files: their reference is transformers.js, which compiles the
 * pattern as a JavaScript RegExp with the u flag, tokenizers.js createPattern):
 *   \s = JavaScript WhiteSpace + LineTerminator: the set above without U+0085 and with U+FEFF;
 *   (?i:'s|'t|'re|'ve|'m|'ll|'d), which JavaScript cannot compile, is rewritten as transformers.js
 *   does (PROBLEMATIC_REGEX_MAP) to ASCII-only [sS]|[tT]|... (so 'ſ does not match 's);
 *   \#, \& and \~ lose their backslash (as there; PCRE2 reads them the same either way). */
#include <stdlib.h>
#include <string.h>

#include "tok/bpe_internal.h"

#define WS_SET_JS "\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}"
#define WS_SET "\\t\\n\\x{0B}\\f\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}"

#define CONTRACTIONS_CI "(?i:'s|'t|'re|'ve|'m|'ll|'d)"
#define CONTRACTIONS_JS "(?:'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD]))"

char *ep_bpe_pattern_for_pcre2(const char *pattern, int js, ep_error *err)
{
    const char *ws = js ? WS_SET_JS : WS_SET;
    size_t ws_len = strlen(ws);
    size_t n = strlen(pattern), cap;
    size_t count = 0;
    for (size_t i = 0; i + 1 < n; i++) count += pattern[i] == '\\';
    cap = 2 * n + count * (sizeof WS_SET_JS + 4) + 1; /* a contraction group at most doubles */
    char *o = malloc(cap), *q = o;
    if (!o) { ep_error_set(err, EP_ERR_NOMEM, "out of memory"); return NULL; }
    int in_class = 0;
    for (size_t i = 0; i < n; i++) {
        char c = pattern[i];
        if (js && !in_class && !strncmp(pattern + i, CONTRACTIONS_CI, sizeof CONTRACTIONS_CI - 1)) {
            memcpy(q, CONTRACTIONS_JS, sizeof CONTRACTIONS_JS - 1);
            q += sizeof CONTRACTIONS_JS - 1;
            i += sizeof CONTRACTIONS_CI - 2;
            continue;
        }
        if (c == '\\' && i + 1 < n) {
            char d = pattern[i + 1];
            i++;
            if (d == 's' || d == 'S') {
                if (in_class && d == 'S') {
                    free(o);
                    ep_error_set(err, EP_ERR_UNSUPPORTED, "pre-tokenizer pattern: \\S inside a class is not supported");
                    return NULL;
                }
                if (!in_class) { *q++ = '['; if (d == 'S') *q++ = '^'; }
                memcpy(q, ws, ws_len);
                q += ws_len;
                if (!in_class) *q++ = ']';
                continue;
            }
            if (!(js && (d == '#' || d == '&' || d == '~'))) *q++ = c;
            *q++ = d;
            continue;
        }
        if (!in_class && c == '[') {
            in_class = 1;
            *q++ = c;
            if (i + 1 < n && pattern[i + 1] == '^') *q++ = pattern[++i];
            if (i + 1 < n && pattern[i + 1] == ']') *q++ = pattern[++i]; /* literal ] first */
            continue;
        }
        if (in_class && c == '[' && i + 1 < n && pattern[i + 1] == ':') {
            free(o);
            ep_error_set(err, EP_ERR_UNSUPPORTED, "pre-tokenizer pattern: POSIX classes are not supported");
            return NULL;
        }
        if (in_class && c == ']') in_class = 0;
        *q++ = c;
    }
    *q = 0;
    return o;
}
