/* Argument helpers for the analysis commands. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/analyze_args.h"

int ep_cli_num(const char *s, double *out)
{
    if (!s || !*s) return 0;
    /* a plain decimal number: strtod would also take blanks, hex floats, inf and nan */
    const char *d = s + (*s == '-' || *s == '+');
    if (!isdigit((unsigned char)*d) && !(*d == '.' && isdigit((unsigned char)d[1]))) return 0;
    if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) return 0;
    char *end;
    double v = strtod(s, &end);
    if (end == s) return 0;
    if (*end) {
        static const char suf[] = "KMGT";
        const char *p = strchr(suf, *end);
        if (!p || end[1]) return 0;
        v *= pow(1000.0, (double)(p - suf + 1));
    }
    if (!isfinite(v)) return 0;
    *out = v;
    return 1;
}

const char *ep_cli_opt(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0) return NULL;
    if (a[n] == '=') return a + n + 1;
    if (a[n] != '\0' || *i + 1 >= argc) return NULL;
    (*i)++;
    return argv[*i];
}
