#include "cli/cli_util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

/* Decimal digits at *p into *v (exact, with overflow check); advances *p. @return digits read or
 * -1 on overflow. */
static int read_digits(const char **p, uint64_t *v)
{
    int n = 0;
    uint64_t x = 0;
    for (; **p >= '0' && **p <= '9'; (*p)++, n++) {
        if (__builtin_mul_overflow(x, 10, &x) || __builtin_add_overflow(x, (uint64_t)(**p - '0'), &x)) return -1;
    }
    *v = x;
    return n;
}

int ep_cli_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    uint64_t v;
    if (!s || read_digits(&s, &v) <= 0 || *s || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int ep_cli_parse_size(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (!s) return -1;
    uint64_t whole = 0, frac = 0, frac_scale = 1;
    int n_whole = read_digits(&s, &whole), n_frac = 0;
    if (n_whole < 0) return -1;
    if (*s == '.') {
        s++;
        /* at most 18 fraction digits: 10^18 < 2^60 keeps frac * unit below 2^100 */
        for (; *s >= '0' && *s <= '9'; s++, n_frac++) {
            if (n_frac == 18) return -1;
            frac = frac * 10 + (uint64_t)(*s - '0');
            frac_scale *= 10;
        }
    }
    if (n_whole == 0 && n_frac == 0) return -1;
    int shift = 0;
    switch (*s) {
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    default: break;
    }
    if (shift) {
        s++;
        if (s[0] == 'i' && s[1] == 'B') s += 2;
        else if (s[0] == 'B') s++;
    } else if (s[0] == 'B') {
        s++;
    }
    if (*s) return -1;
    uint64_t unit = (uint64_t)1 << shift, v;
    if (__builtin_mul_overflow(whole, unit, &v)) return -1;
    /* floor(frac / frac_scale * unit), exactly */
    unsigned __int128 part = (unsigned __int128)frac * unit / frac_scale;
    if (__builtin_add_overflow(v, (uint64_t)part, &v)) return -1;
    if (v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int ep_cli_parse_int(const char *s, long lo, long hi, long *out)
{
    if (!s) return -1;
    int neg = *s == '-';
    uint64_t mag;
    const char *p = s + neg;
    if (read_digits(&p, &mag) <= 0 || *p) return -1;
    if (mag > (uint64_t)LONG_MAX + (uint64_t)neg) return -1;
    long v = neg ? (mag == (uint64_t)LONG_MAX + 1 ? LONG_MIN : -(long)mag) : (long)mag;
    if (v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int ep_cli_parse_double(const char *s, double lo, double hi, double *out)
{
    if (!s) return -1;
    /* strtod also takes blanks, hex floats, inf and nan: allow only a plain decimal number */
    const char *p = s + (*s == '-' || *s == '+');
    if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1]))) return -1;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || !(v >= lo && v <= hi)) return -1;
    *out = v;
    return 0;
}
