/* Small helpers shared by the CLI subcommands. */
#ifndef EP_CLI_UTIL_H
#define EP_CLI_UTIL_H

#include <stdint.h>

/** Parses "123", "64K", "4M", "2G" (powers of 1024). @return 0 ok, -1 bad. */
int ep_cli_parse_size(const char *s, uint64_t *out);
/** Parses an integer in [lo, hi]. @return 0 ok, -1 bad. */
int ep_cli_parse_int(const char *s, long lo, long hi, long *out);
/** Parses a double in [lo, hi]. @return 0 ok, -1 bad. */
int ep_cli_parse_double(const char *s, double lo, double hi, double *out);

#endif
