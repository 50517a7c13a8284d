/* Argument parsing shared by the programs of tools/ (header-only: each tools/NAME.c is one program). */
#ifndef EP_TOOL_ARGS_H
#define EP_TOOL_ARGS_H

#include <errno.h>
#include <stdlib.h>

/* A decimal int in [lo, hi], the whole string (strtol with its errors checked: CERT ERR34-C).
 * 0, or -1 with *out untouched. */
static inline int parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

#endif
