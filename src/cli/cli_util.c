/* The CLI's one option idiom and its value parsers (see cli_util.h). */
#include "cli/cli_util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "entroprof/analyze.h"

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

int ep_cli_parse_quantity(const char *s, double *out)
{
    if (!s || !*s) return -1;
    /* a plain decimal number: strtod would also take blanks, hex floats, inf and nan */
    const char *d = s + (*s == '-' || *s == '+');
    if (!isdigit((unsigned char)*d) && !(*d == '.' && isdigit((unsigned char)d[1]))) return -1;
    if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) return -1;
    char *end;
    double v = strtod(s, &end);
    if (end == s) return -1;
    if (*end) {
        static const char suffixes[] = "KMGT"; /* 10^3, 10^6, 10^9, 10^12 */
        const char *p = strchr(suffixes, *end);
        if (!p || end[1]) return -1;
        v *= pow(1000.0, (double)(p - suffixes + 1));
    }
    if (!isfinite(v)) return -1;
    *out = v;
    return 0;
}

/* ---- one command's options ---- */

void ep_cli_args_begin(ep_cli_args *a, const char *cmd, const char *synopsis, const char *shortopts,
                       const struct option *longopts)
{
    memset(a, 0, sizeof *a);
    a->prog = "entroprof";
    a->cmd = cmd;
    a->synopsis = synopsis;
    a->shortopts = shortopts;
    a->longopts = longopts;
    a->first_operand = 1;
    /* getopt keeps its position in globals: start over. glibc needs optind = 0 to forget a scan
     * in progress (and re-read the '+' of main's option string); BSD libcs use optreset. */
#ifdef __GLIBC__
    optind = 0;
#else
    optind = 1;
#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)
    optreset = 1;
#endif
#endif
    opterr = 0; /* messages are ours, in the same shape for every command */
}

int ep_cli_usage_error(const ep_cli_args *a, const char *fmt, ...)
{
    va_list ap;
    const char *sep = a->cmd && *a->cmd ? " " : "", *cmd = a->cmd ? a->cmd : ""; /* "" = main's options */
    fprintf(stderr, "%s%s%s: ", a->prog, sep, cmd);
    va_start(ap, fmt);
    /* LLVM 14 false positive: ap is started on the line above */
    // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (a->synopsis) fprintf(stderr, "usage: %s   (see '%s%s%s --help')\n", a->synopsis, a->prog, sep, cmd);
    return EP_EXIT_USAGE;
}

int ep_cli_bad_value(const ep_cli_args *a, const char *expected)
{
    return ep_cli_usage_error(a, "invalid value '%s' for %s: expected %s", a->arg ? a->arg : "", a->name, expected);
}

/* How many long options start with the text of "--text[=value]" (getopt takes unique prefixes). */
static int long_prefix_matches(const struct option *longopts, const char *text)
{
    size_t n = strcspn(text, "=");
    int matches = 0;
    for (const struct option *o = longopts; o && o->name; o++)
        if (!strncmp(o->name, text, n)) matches++;
    return matches;
}

int ep_cli_args_next(ep_cli_args *a, int argc, char **argv)
{
    /* '-' first: operands come back one at a time (code 1) instead of being left to GNU's permutation,
     * so that options may follow operands in every libc and whatever POSIXLY_CORRECT says; they are
     * gathered at argv[1..] as they come. '+' (main): stop at the first operand. Then ':' so that a
     * missing value returns ':' instead of '?'. */
    char shortopts[64];
    const char *given = a->shortopts ? a->shortopts : "";
    int in_order = given[0] == '+';
    snprintf(shortopts, sizeof shortopts, "%c:%s", in_order ? '+' : '-', given + in_order);
    int c, longindex = -1, before = optind;
    while ((c = getopt_long(argc, argv, shortopts, a->longopts, &longindex)) == 1) {
        /* argv[1..optind-1] are read and hold at least n_operands + 1 operands: the slot is free */
        argv[1 + a->n_operands++] = optarg;
        before = optind;
    }
    a->arg = optarg;
    if (c == -1) {
        /* the operands read so far go just before those after "--" (argv[optind..]) */
        int n = a->n_operands;
        if (n > 0) memmove(argv + optind - n, argv + 1, (size_t)n * sizeof *argv);
        a->first_operand = optind - n;
        return -1;
    }
    /* The element just read is argv[optind - 1] when optind moved; it did not move within a
     * cluster of short options ("-qv"), whose letter is then optopt. */
    const char *typed = optind != before && optind > 0 && optind <= argc ? argv[optind - 1] : "";
    if (longindex >= 0) snprintf(a->name_buf, sizeof a->name_buf, "--%s", a->longopts[longindex].name);
    else if (c != '?' && c != ':') snprintf(a->name_buf, sizeof a->name_buf, "-%c", c);
    else if (!strncmp(typed, "--", 2)) snprintf(a->name_buf, sizeof a->name_buf, "%.*s", (int)strcspn(typed, "="), typed);
    else snprintf(a->name_buf, sizeof a->name_buf, "-%c", optopt);
    a->name = a->name_buf;
    if (c == ':') return ep_cli_usage_error(a, "option '%s' needs a value", a->name), '?';
    if (c == '?') {
        if (!strncmp(typed, "--", 2) && optopt != 0 && strchr(typed, '='))
            ep_cli_usage_error(a, "option '%s' takes no value", a->name);
        else if (!strncmp(typed, "--", 2) && optopt == 0 && long_prefix_matches(a->longopts, typed + 2) > 1)
            ep_cli_usage_error(a, "ambiguous option '%s'", a->name);
        else
            ep_cli_usage_error(a, "unknown option '%s'", a->name);
        return '?';
    }
    return c;
}

/* ---- values of the current option ---- */

/* "1M", "1G", "8E"-like text of a size bound: the largest binary unit that divides it. */
static void format_size(uint64_t v, char *buf, size_t cap)
{
    static const char units[] = "KMGTPE";
    int u = -1;
    while (u + 1 < 6 && v && v % 1024 == 0) { v /= 1024; u++; }
    if (u < 0) snprintf(buf, cap, "%llu", (unsigned long long)v);
    else snprintf(buf, cap, "%llu%c", (unsigned long long)v, units[u]);
}

int ep_cli_arg_size(const ep_cli_args *a, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (!ep_cli_parse_size(a->arg, lo, hi, out)) return 0;
    char l[32], h[32], what[160];
    format_size(lo, l, sizeof l);
    /* INT64_MAX is one byte short of 8E: say it in bytes */
    if (hi == (uint64_t)INT64_MAX) snprintf(h, sizeof h, "2^63-1");
    else format_size(hi, h, sizeof h);
    /* no unit: token counts (--lm-tokens) are parsed as sizes too */
    snprintf(what, sizeof what, "a size from %s to %s (e.g. 64M, 1GiB, 1.5G; K M G T = powers of 1024)", l, h);
    return ep_cli_bad_value(a, what);
}

int ep_cli_arg_int(const ep_cli_args *a, int lo, int hi, int *out)
{
    long v;
    if (!ep_cli_parse_int(a->arg, lo, hi, &v)) {
        *out = (int)v;
        return 0;
    }
    char what[96];
    snprintf(what, sizeof what, "an integer from %d to %d", lo, hi);
    return ep_cli_bad_value(a, what);
}

int ep_cli_arg_seed(const ep_cli_args *a, uint64_t *out)
{
    if (!ep_cli_parse_u64(a->arg, 0, EP_CLI_SEED_MAX, out)) return 0;
    return ep_cli_bad_value(a, "an integer from 0 to 9223372036854775807");
}

int ep_cli_arg_double(const ep_cli_args *a, double lo, double hi, double *out)
{
    if (!ep_cli_parse_double(a->arg, lo, hi, out)) return 0;
    char what[96];
    snprintf(what, sizeof what, "a number from %g to %g", lo, hi);
    return ep_cli_bad_value(a, what);
}

static const char *sign_words(ep_cli_sign sign)
{
    return sign == EP_CLI_POSITIVE ? "a number > 0" : sign == EP_CLI_NONNEGATIVE ? "a number >= 0" : "a number";
}

int ep_cli_arg_quantity(const ep_cli_args *a, ep_cli_sign sign, double *out)
{
    double v;
    if (!ep_cli_parse_quantity(a->arg, &v) &&
        (sign == EP_CLI_ANY || (sign == EP_CLI_NONNEGATIVE && v >= 0) || (sign == EP_CLI_POSITIVE && v > 0))) {
        *out = v;
        return 0;
    }
    char what[128];
    snprintf(what, sizeof what, "%s (e.g. 2.5e9, 0.3, 20G; K M G T = 10^3 10^6 10^9 10^12)", sign_words(sign));
    return ep_cli_bad_value(a, what);
}

/* "A<sep>B": copies A into first (cap bytes) and returns B, or NULL when there is no sep or A is
 * too long. */
static const char *split_pair(const char *arg, char sep, char *first, size_t cap)
{
    const char *at = arg ? strchr(arg, sep) : NULL;
    if (!at || (size_t)(at - arg) >= cap) return NULL;
    memcpy(first, arg, (size_t)(at - arg));
    first[at - arg] = '\0';
    return at + 1;
}

int ep_cli_arg_range(const ep_cli_args *a, double *lo, double *hi)
{
    char first[64];
    const char *second = split_pair(a->arg, ':', first, sizeof first);
    double x, y;
    if (second && !ep_cli_parse_quantity(first, &x) && !ep_cli_parse_quantity(second, &y)) {
        *lo = x;
        *hi = y;
        return 0;
    }
    return ep_cli_bad_value(a, "A:B, two numbers");
}

int ep_cli_arg_threads(const ep_cli_args *a, int *out)
{
    long v;
    if (!ep_cli_parse_int(a->arg, 0, EP_CLI_THREADS_MAX, &v)) {
        *out = (int)v;
        return 0;
    }
    return ep_cli_bad_value(a, "a thread count from 0 (all cores) to 1024");
}

int ep_cli_arg_task(const ep_cli_args *a, size_t *index, size_t *count)
{
    char first[32];
    const char *second = split_pair(a->arg, '/', first, sizeof first);
    long i, n;
    if (second && !ep_cli_parse_int(first, 0, 999999, &i) && !ep_cli_parse_int(second, 1, 1000000, &n) && i < n) {
        *index = (size_t)i;
        *count = (size_t)n;
        return 0;
    }
    return ep_cli_bad_value(a, "I/N, task I of N tasks, 0 <= I < N <= 1000000");
}

int ep_cli_arg_mem(const ep_cli_args *a, uint64_t min_bytes, uint64_t *out)
{
    uint64_t v;
    if (!ep_cli_parse_size(a->arg, 0, INT64_MAX, &v) && (v == 0 || v >= min_bytes)) {
        *out = v;
        return 0;
    }
    char l[32], what[160];
    format_size(min_bytes, l, sizeof l);
    snprintf(what, sizeof what, "a size from %s to 2^63-1 bytes, or 0 for the default (e.g. 512M, 4G, 1GiB; powers of 1024)",
             min_bytes > 1 ? l : "1");
    return ep_cli_bad_value(a, what);
}

int ep_cli_arg_choice(const ep_cli_args *a, const char *choices, int *index)
{
    size_t n = a->arg ? strlen(a->arg) : 0;
    int i = 0;
    for (const char *w = choices; a->arg && *w; i++) {
        size_t len = strcspn(w, "|");
        if (len == n && !strncmp(w, a->arg, n)) {
            *index = i;
            return 0;
        }
        w += len + (w[len] == '|');
    }
    char what[160];
    snprintf(what, sizeof what, "one of %s", choices);
    return ep_cli_bad_value(a, what);
}

int ep_cli_arg_precision(const ep_cli_args *a, double *bits_per_param)
{
    double bits = ep_precision_bits(a->arg);
    if (bits > 0) {
        *bits_per_param = bits;
        return 0;
    }
    return ep_cli_bad_value(a, "one of fp32|bf16|fp16|fp8|int8|int4");
}

/* ---- reader options ---- */

int ep_cli_reader_option(const ep_cli_args *a, int code, ep_reader_config *rc)
{
    int k = 0;       /* set by ep_cli_arg_choice when it returns 0 */
    uint64_t sz = 0; /* set by ep_cli_arg_size when it returns 0 */
    switch (code) {
    case EP_CLI_O_FORMAT: {
        static const ep_format formats[] = {EP_FORMAT_AUTO, EP_FORMAT_TEXT, EP_FORMAT_JSONL};
        /* k < 3 (three choices); the bound makes that visible to the static analyzer */
        if (ep_cli_arg_choice(a, "auto|text|jsonl", &k) || k >= (int)(sizeof formats / sizeof *formats))
            return -1;
        rc->format = formats[k];
        return 1;
    }
    case EP_CLI_O_SPLIT: {
        static const ep_split splits[] = {EP_SPLIT_PARAGRAPH, EP_SPLIT_LINE, EP_SPLIT_FILE};
        if (ep_cli_arg_choice(a, "paragraph|line|file", &k) || k >= (int)(sizeof splits / sizeof *splits))
            return -1;
        rc->split = splits[k];
        return 1;
    }
    case EP_CLI_O_FIELD: rc->field = a->arg; return 1;
    case EP_CLI_O_ID_FIELD: rc->id_field = a->arg; return 1;
    case EP_CLI_O_MAX_DOC_BYTES:
        if (ep_cli_arg_size(a, 1024, (uint64_t)1 << 30, &sz)) return -1;
        rc->max_doc_bytes = (size_t)sz;
        return 1;
    default: return 0;
    }
}
