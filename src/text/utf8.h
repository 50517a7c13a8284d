/* UTF-8 validation and repair, code point decoding. */
#ifndef EP_TEXT_UTF8_H
#define EP_TEXT_UTF8_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t invalid; /* invalid sequences replaced by U+FFFD */
    uint64_t crlf;    /* CR LF pairs turned into LF */
    uint64_t nul;     /* NUL bytes removed */
} ep_repair_counts;

/** Copies in[0..n) to out, repairing: each maximal invalid subsequence (Unicode 15, §3.9
 *  "maximal subpart" practice, as WHATWG decoders do) becomes U+FFFD, CR LF becomes LF, NUL bytes are
 *  dropped. out must hold 3*n bytes. @return bytes written. Counts are added to *c. */
size_t ep_utf8_repair(const char *in, size_t n, char *out, ep_repair_counts *c);

/** ep_utf8_repair that writes at most out_cap bytes: whole code points while they fit, then only
 *  measures (out may be NULL: measures and counts only). *written = bytes written, which is the
 *  longest prefix of the repaired text that ends on a code point boundary and fits in out_cap
 *  (= ep_utf8_floor of the whole repaired text at out_cap). Counts cover all of in.
 *  @return the length of the whole repaired text. */
size_t ep_utf8_repair_capped(const char *in, size_t n, char *out, size_t out_cap, ep_repair_counts *c,
                             size_t *written);

/** Length of the valid UTF-8 sequence starting at s (1..4), or 0 if invalid / cut at end. */
size_t ep_utf8_seq_len(const unsigned char *s, size_t avail);

/** Decodes one code point of valid UTF-8 at s; stores its byte length in *len. */
uint32_t ep_utf8_decode(const unsigned char *s, size_t *len);

/** Largest k <= n such that s[0..k) ends on a code point boundary (for cutting valid UTF-8). */
size_t ep_utf8_floor(const char *s, size_t n);

/** Number of code points in valid UTF-8. */
uint64_t ep_utf8_count(const char *s, size_t n);

#endif
