/* Helpers shared by the libFuzzer harnesses in tests/fuzz/ (not part of the library).
 *
 * The oracles here are written independently of src/text/utf8.c on purpose: a harness that
 * checked the library's promises with the library's own UTF-8 code could not catch a bug in it.
 * A failed check prints what was expected and aborts, which libFuzzer reports as a crash and
 * saves the input. */
#ifndef EP_FUZZ_UTIL_H
#define EP_FUZZ_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FZ_CHECK(cond, ...)                                                                 \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "fuzz check failed at %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                                   \
            fputc('\n', stderr);                                                            \
            abort();                                                                        \
        }                                                                                   \
    } while (0)

/* Length of the well-formed UTF-8 sequence at s (Unicode 15, Table 3-7), 0 if ill-formed. */
static inline size_t fz_utf8_len(const unsigned char *s, size_t avail)
{
    unsigned c = s[0];
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c <= 0x7F) return 1;
    if (c >= 0xC2 && c <= 0xDF) need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (avail < need || s[1] < lo || s[1] > hi) return 0;
    for (size_t k = 2; k < need; k++)
        if (s[k] < 0x80 || s[k] > 0xBF) return 0;
    return need;
}

/* 1 when p[0..n) is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). */
static inline int fz_utf8_valid(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    for (size_t i = 0; i < n;) {
        size_t l = fz_utf8_len(s + i, n - i);
        if (!l) return 0;
        i += l;
    }
    return 1;
}

/* Lossy decode as WHATWG's TextDecoder (= Rust from_utf8_lossy): each maximal subpart of an
 * ill-formed sequence becomes U+FFFD. out must hold 3*n bytes. @return bytes written. */
static inline size_t fz_utf8_lossy(const char *p, size_t n, char *out)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0, o = 0;
    while (i < n) {
        size_t l = fz_utf8_len(s + i, n - i);
        if (l) {
            memcpy(out + o, s + i, l);
            o += l;
            i += l;
            continue;
        }
        /* maximal subpart: the lead byte and the continuation bytes that could still complete it */
        unsigned c = s[i];
        size_t need = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 1;
        unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80, hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
        size_t k = 1;
        if (need > 1 && i + 1 < n && s[i + 1] >= lo && s[i + 1] <= hi) {
            k = 2;
            while (k < need && i + k < n && s[i + k] >= 0x80 && s[i + k] <= 0xBF) k++;
        }
        out[o++] = (char)0xEF;
        out[o++] = (char)0xBF;
        out[o++] = (char)0xBD;
        i += k;
    }
    return o;
}

/* A private directory for this process's temporary files (the library reads paths, so inputs go
 * through files); created on first use under $TMPDIR (scripts/fuzz.sh points it at a directory it
 * removes afterwards). */
static inline const char *fz_dir(void)
{
    static char dir[512];
    if (!dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/ep_fuzz.XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(dir)) {
            fprintf(stderr, "fuzz: cannot create a temporary directory: %s\n", strerror(errno));
            abort();
        }
    }
    return dir;
}

/* Writes data to fz_dir()/name and returns the path (static buffer). */
static inline const char *fz_write(const char *name, const void *data, size_t n)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", fz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0) {
        fprintf(stderr, "fuzz: cannot write %s: %s\n", path, strerror(errno));
        abort();
    }
    return path;
}

#endif
