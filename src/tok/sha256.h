/* SHA-256 (FIPS 180-4), for the identity of a vocabulary file (ep_tokenizer_sha256). Private to tok/. */
#ifndef EP_TOK_SHA256_H
#define EP_TOK_SHA256_H

#include <stddef.h>
#include <stdint.h>

/** Writes the SHA-256 of p[0..n) as 64 lowercase hex digits and a NUL into hex[65]. */
void ep_sha256_hex(const void *p, size_t n, char hex[65]);

#endif
