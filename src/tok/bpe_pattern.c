/* Pre-tokenizer patterns: the reference (tiktoken: Rust regex / fancy-regex) patterns, rewritten
 * for PCRE2 where the two engines differ.
 *
 * \s: Rust regex (Unicode mode) matches the Unicode White_Space property (PropList.txt):
 *   U+0009..U+000D, U+0020, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F,
 *   U+205F, U+3000. PCRE2 with UCP matches \p{Z} plus \h and \v, which adds U+180E (MONGOLIAN
 *   VOWEL SEPARATOR, a format character since Unicode 6.3). So \s and \S are spelled out. U+FEFF
 *   (BOM) and U+200B are not White_Space in either, so they are "other" characters here.
 * $: compiled with PCRE2_DOLLAR_ENDONLY so that it means end of text, as in Rust.
 * (?i): PCRE2 UTF caseless matching uses Unicode simple case folding like Rust (so 'ſ matches 's). */
#include <stdlib.h>
#include <string.h>

#include "tok/bpe_internal.h"

#define WS_SET "\\t\\n\\x{0B}\\f\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}"

char *ep_bpe_pattern_for_pcre2(const char *pattern, ep_error *err)
{
    size_t n = strlen(pattern), cap;
    size_t count = 0;
    for (size_t i = 0; i + 1 < n; i++) count += pattern[i] == '\\';
    cap = n + count * (sizeof WS_SET + 4) + 1;
    char *o = malloc(cap), *q = o;
    if (!o) { ep_error_set(err, EP_ERR_NOMEM, "out of memory"); return NULL; }
    int in_class = 0;
    for (size_t i = 0; i < n; i++) {
        char c = pattern[i];
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
                memcpy(q, WS_SET, sizeof WS_SET - 1);
                q += sizeof WS_SET - 1;
                if (!in_class) *q++ = ']';
                continue;
            }
            *q++ = c;
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
