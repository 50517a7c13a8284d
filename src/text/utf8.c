#include "text/utf8.h"

#include <string.h>

size_t ep_utf8_seq_len(const unsigned char *s, size_t avail)
{
    unsigned c = s[0];
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0;
    if (c < 0xE0) {
        if (avail < 2 || (s[1] & 0xC0) != 0x80) return 0;
        return 2;
    }
    if (c < 0xF0) {
        if (avail < 3) return 0;
        unsigned lo = 0x80, hi = 0xBF;
        if (c == 0xE0) lo = 0xA0;      /* no overlongs */
        if (c == 0xED) hi = 0x9F;      /* no surrogates */
        if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80) return 0;
        return 3;
    }
    if (c < 0xF5) {
        if (avail < 4) return 0;
        unsigned lo = 0x80, hi = 0xBF;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;      /* <= U+10FFFF */
        if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
        return 4;
    }
    return 0;
}

/* Length of the maximal subpart of an ill-formed sequence at s: the lead byte plus the
 * continuation bytes that could still have been part of a valid sequence. */
static size_t maximal_subpart(const unsigned char *s, size_t avail)
{
    unsigned c = s[0];
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c < 0xE0) need = 2;
    else if (c >= 0xE0 && c < 0xF0) { need = 3; if (c == 0xE0) lo = 0xA0; if (c == 0xED) hi = 0x9F; }
    else if (c >= 0xF0 && c < 0xF5) { need = 4; if (c == 0xF0) lo = 0x90; if (c == 0xF4) hi = 0x8F; }
    else return 1;
    size_t k = 1;
    if (k < avail && k < need && s[k] >= lo && s[k] <= hi) {
        k++;
        while (k < avail && k < need && (s[k] & 0xC0) == 0x80) k++;
    }
    return k;
}

/* One pass does both jobs: the repaired text is produced unit by unit (a unit is one output code
 * point: an ASCII run is a run of units), written while it fits in out_cap and only measured after
 * that, so the caller can size the output exactly or cap it. */
size_t ep_utf8_repair_capped(const char *in, size_t n, char *out, size_t out_cap, ep_repair_counts *c,
                             size_t *written)
{
    static const char fffd[3] = {(char)0xEF, (char)0xBF, (char)0xBD};
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0, o = 0;        /* o: length of the whole repaired text so far */
    size_t room = out ? out_cap : 0; /* bytes still writable; once a unit does not fit, 0 for good */
    int writing = out != NULL;
#define EMIT(src, len)                                                   \
    do {                                                                 \
        if (writing) {                                                   \
            if ((len) <= room) { memcpy(out + o, (src), (len)); room -= (len); } \
            else { writing = 0; *written = o; }                          \
        }                                                                \
        o += (len);                                                      \
    } while (0)
    *written = 0;
    while (i < n) {
        /* Fast path: a run of printable ASCII (no CR, no NUL); each byte is a unit. */
        size_t j = i;
        while (j < n && s[j] < 0x80 && s[j] != '\r' && s[j] != 0) j++;
        if (j > i) {
            size_t run = j - i;
            if (writing && run > room) { memcpy(out + o, s + i, room); *written = o + room; writing = 0; }
            else if (writing) { memcpy(out + o, s + i, run); room -= run; }
            o += run;
            i = j;
            if (i >= n) break;
        }
        unsigned ch = s[i];
        if (ch == 0) { c->nul++; i++; continue; }
        if (ch == '\r') {
            if (i + 1 < n && s[i + 1] == '\n') { c->crlf++; i++; continue; }
            EMIT("\r", 1);
            i++;
            continue;
        }
        size_t len = ep_utf8_seq_len(s + i, n - i);
        if (len) { EMIT((const char *)s + i, len); i += len; continue; }
        c->invalid++;
        EMIT(fffd, 3);
        i += maximal_subpart(s + i, n - i);
    }
#undef EMIT
    if (writing) *written = o;
    return o;
}

size_t ep_utf8_repair(const char *in, size_t n, char *out, ep_repair_counts *c)
{
    size_t written;
    ep_utf8_repair_capped(in, n, out, 3 * n, c, &written);
    return written;
}

uint32_t ep_utf8_decode(const unsigned char *s, size_t *len)
{
    unsigned c = s[0];
    if (c < 0x80) { *len = 1; return c; }
    if (c < 0xE0) { *len = 2; return ((c & 0x1Fu) << 6) | (s[1] & 0x3Fu); }
    if (c < 0xF0) { *len = 3; return ((c & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu); }
    *len = 4;
    return ((c & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
}

size_t ep_utf8_floor(const char *s, size_t n)
{
    if (n == 0) return 0;
    size_t i = n - 1, back = 0;
    while (i > 0 && back < 3 && (((unsigned char)s[i]) & 0xC0) == 0x80) { i--; back++; }
    size_t len = ep_utf8_seq_len((const unsigned char *)s + i, n - i);
    return (len && i + len == n) ? n : i;
}

uint64_t ep_utf8_count(const char *s, size_t n)
{
    uint64_t cont = 0;
    for (size_t i = 0; i < n; i++) cont += (((unsigned char)s[i]) & 0xC0) == 0x80;
    return (uint64_t)n - cont;
}
