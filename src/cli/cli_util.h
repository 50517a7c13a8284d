/* Small helpers shared by the CLI subcommands: exact number parsing for options.
 *
 * Every parser takes the whole string (no leading or trailing blanks, no hidden base prefixes)
 * and refuses what it cannot represent exactly: a value out of [lo, hi], an overflow, a sign
 * where none is allowed, inf and nan. Integers never pass through a double. */
#ifndef EP_CLI_UTIL_H
#define EP_CLI_UTIL_H

#include <stdint.h>

/** Largest seed accepted by the CLI: seeds are written to the profile as JSON integers, which
 *  hold exact values below 2^63 (include/entroprof/json.h). */
#define EP_CLI_SEED_MAX ((uint64_t)INT64_MAX)

/** Parses a decimal integer without sign ("0".."18446744073709551615") into [lo, hi].
 *  @return 0 ok, -1 bad (not all digits, overflow, out of range). */
int ep_cli_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/** Parses a size: a decimal mantissa ("512", "1.5") and an optional unit K, M, G or T (powers of
 *  1024, case-insensitive), optionally followed by "iB" or "B" ("4G", "1GiB", "64KB", "100B").
 *  Integer mantissas are exact; a fractional mantissa is rounded down to whole bytes
 *  ("1.5K" = 1536, "0.3K" = 307). Refuses signs, exponents, inf, nan, results above hi or below lo.
 *  @return 0 ok, -1 bad. */
int ep_cli_parse_size(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/** Parses a decimal integer with an optional '-' in [lo, hi]. @return 0 ok, -1 bad. */
int ep_cli_parse_int(const char *s, long lo, long hi, long *out);

/** Parses a finite decimal number in [lo, hi] (strtod syntax without leading blanks, hex, inf
 *  or nan). @return 0 ok, -1 bad. */
int ep_cli_parse_double(const char *s, double lo, double hi, double *out);

#endif
