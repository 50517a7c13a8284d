/* The one option idiom of every subcommand: getopt_long over a per-command table, and the shared
 * parsers of values (sizes, integers, numbers, thread counts, --mem, reader options), each with
 * the same message and exit status 2 in every command.
 *
 * A command looks like this (cmd_check.c is the smallest):
 *
 *     static const struct option opts[] = {EP_CLI_HELP_OPTION, {"json", no_argument, 0, O_JSON}, {0}};
 *     ep_cli_args a;
 *     ep_cli_args_begin(&a, "check", "entroprof check PROFILE.json... [--json]", "h", opts);
 *     int c;
 *     while ((c = ep_cli_args_next(&a, argc, argv)) != -1) {
 *         switch (c) {
 *         case 'h': usage(stdout); return EP_EXIT_OK;
 *         case O_JSON: json = 1; break;
 *         default: return EP_EXIT_USAGE;  // ep_cli_args_next said why
 *         }
 *     }
 *     // operands, in the order given: argv[a.first_operand .. argc - 1]
 *
 * Every message starts "entroprof CMD: " ("entroprof-mpi CMD: " in that program: a->prog) and a usage error ends with the line
 * "usage: SYNOPSIS   (see 'entroprof CMD --help')". Both "--opt VALUE" and "--opt=VALUE" work
 * (getopt_long), as does any unambiguous prefix of a long option.
 *
 * The parsers take the whole string (no leading or trailing blanks, no hidden base prefixes) and
 * refuse what they cannot represent exactly: a value out of range, an overflow, a sign where none is
 * allowed, inf and nan. Integers never pass through a double. */
#ifndef EP_CLI_UTIL_H
#define EP_CLI_UTIL_H

#include <getopt.h>
#include <stdint.h>

#include "entroprof/reader.h"

/** Largest seed accepted by the CLI: seeds are written to the profile as JSON integers, which
 *  hold exact values below 2^63 (include/entroprof/json.h). */
#define EP_CLI_SEED_MAX ((uint64_t)INT64_MAX)
/** Largest --threads (0 = all cores). */
#define EP_CLI_THREADS_MAX 1024

/* ------------------------------------------------------------------------------------------ */
/* Pure parsers: no message. @return 0 ok, -1 bad.                                              */

/** A decimal integer without sign ("0".."18446744073709551615") in [lo, hi]. */
int ep_cli_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/** A size: a decimal mantissa ("512", "1.5") and an optional unit K, M, G or T (powers of 1024,
 *  case-insensitive), optionally followed by "iB" or "B" ("4G", "1GiB", "64KB", "100B").
 *  Integer mantissas are exact; a fractional mantissa is rounded down to whole bytes
 *  ("1.5K" = 1536, "0.3K" = 307). Refuses signs, exponents, inf, nan, results out of [lo, hi]. */
int ep_cli_parse_size(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/** A decimal integer with an optional '-' in [lo, hi]. */
int ep_cli_parse_int(const char *s, long lo, long hi, long *out);

/** A finite decimal number in [lo, hi] (strtod syntax without leading blanks, hex, inf or nan). */
int ep_cli_parse_double(const char *s, double lo, double hi, double *out);

/** A quantity of the analysis commands (token counts, parameters, losses): a finite decimal number
 *  ("2.5e9", "0.3") with an optional K, M, G or T that multiplies by 10^3, 10^6, 10^9, 10^12
 *  ("20G" = 2e10, "1T" = 1e12). Blanks, hex, inf, nan and overflows are refused. */
int ep_cli_parse_quantity(const char *s, double *out);

/* ------------------------------------------------------------------------------------------ */
/* One subcommand's options                                                                     */

/** State of one command's option parsing (getopt_long's, plus what the messages need). */
typedef struct {
    const char *prog;              /**< the program: "entroprof" (set by ep_cli_args_begin), or
                                        "entroprof-mpi" (set after it) */
    const char *cmd;               /**< "scan": every message starts "PROG scan: " */
    const char *synopsis;          /**< one line, printed after a usage error */
    const char *shortopts;         /**< getopt's short options, e.g. "ho:qv" */
    const struct option *longopts; /**< getopt_long's table, ends with {0} */
    const char *name;              /**< the current option as typed: "--mem" or "-o" */
    const char *arg;               /**< its value (optarg), NULL when it has none */
    int first_operand;             /**< after ep_cli_args_next returned -1: operands are argv[first_operand..argc-1] */
    int n_operands;                /**< operands seen so far */
    char name_buf[64];             /**< storage for name */
} ep_cli_args;

/** Every command's --help / -h entry of the long option table (its code is 'h'). */
#define EP_CLI_HELP_OPTION {"help", no_argument, 0, 'h'}

/** Starts parsing a command's arguments: resets getopt (its state is global), so that a command can
 *  run after another one parsed (main's global options, `entroprof help CMD`). */
void ep_cli_args_begin(ep_cli_args *a, const char *cmd, const char *synopsis, const char *shortopts,
                       const struct option *longopts);

/** The next option: its code (the short letter or the long table's val), with a->name and a->arg
 *  set; -1 after the last option. Options and operands may come in any order ("--" ends the
 *  options); at -1 the operands, in their order, are argv[a->first_operand..argc-1] (argv's
 *  pointers are moved, not the strings). An unknown or
 *  ambiguous option, a missing value or a value given to an option that takes none is reported
 *  ("entroprof CMD: unknown option '--x'", then the usage line) and returns '?': the caller returns
 *  EP_EXIT_USAGE. */
int ep_cli_args_next(ep_cli_args *a, int argc, char **argv);

/** Prints "entroprof CMD: MESSAGE" and the usage line to stderr. @return EP_EXIT_USAGE (2). */
int ep_cli_usage_error(const ep_cli_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Prints "entroprof CMD: invalid value 'ARG' for --NAME: expected EXPECTED" and the usage line.
 *  @return EP_EXIT_USAGE. */
int ep_cli_bad_value(const ep_cli_args *a, const char *expected);

/* ------------------------------------------------------------------------------------------ */
/* Values of the current option. Each returns 0 ok, or EP_EXIT_USAGE after ep_cli_bad_value.    */

/** A size in [lo, hi] bytes (ep_cli_parse_size). */
int ep_cli_arg_size(const ep_cli_args *a, uint64_t lo, uint64_t hi, uint64_t *out);
/** A decimal integer in [lo, hi]. */
int ep_cli_arg_int(const ep_cli_args *a, int lo, int hi, int *out);
/** A seed: an integer 0..EP_CLI_SEED_MAX. */
int ep_cli_arg_seed(const ep_cli_args *a, uint64_t *out);
/** A plain decimal number in [lo, hi] (ep_cli_parse_double). */
int ep_cli_arg_double(const ep_cli_args *a, double lo, double hi, double *out);

/** Which quantities ep_cli_arg_quantity accepts. */
typedef enum { EP_CLI_ANY, EP_CLI_NONNEGATIVE, EP_CLI_POSITIVE } ep_cli_sign;
/** A quantity (ep_cli_parse_quantity): any finite number, >= 0, or > 0. */
int ep_cli_arg_quantity(const ep_cli_args *a, ep_cli_sign sign, double *out);
/** "A:B", two quantities (the --eta-range of predict and mix). */
int ep_cli_arg_range(const ep_cli_args *a, double *lo, double *hi);
/** --threads N: 0..EP_CLI_THREADS_MAX, 0 = all cores. */
int ep_cli_arg_threads(const ep_cli_args *a, int *out);
/** --task I/N: 0 <= I < N <= 1000000. */
int ep_cli_arg_task(const ep_cli_args *a, size_t *index, size_t *count);
/** --mem SIZE: 0 (the command's default) or a size from min_bytes to 2^63-1 bytes. */
int ep_cli_arg_mem(const ep_cli_args *a, uint64_t min_bytes, uint64_t *out);
/** One of the words of choices, '|'-separated ("auto|text|jsonl"): *index is its position. */
int ep_cli_arg_choice(const ep_cli_args *a, const char *choices, int *index);
/** --precision NAME: *bits_per_param from ep_precision_bits (fp32 bf16 fp16 fp8 int8 int4). */
int ep_cli_arg_precision(const ep_cli_args *a, double *bits_per_param);

/* ------------------------------------------------------------------------------------------ */
/* The reader options, shared by every command that reads documents (scan, dedup, tokenize)     */

enum {
    EP_CLI_O_FORMAT = 0x100, /* long-only codes of the shared options; commands number theirs from */
    EP_CLI_O_SPLIT,          /* EP_CLI_O_COMMAND */
    EP_CLI_O_FIELD,
    EP_CLI_O_ID_FIELD,
    EP_CLI_O_MAX_DOC_BYTES,
    EP_CLI_O_COMMAND = 0x200
};

/** The long option table entries of the reader options (use inside a command's table):
 *  --format auto|text|jsonl, --split paragraph|line|file, --field PATH, --id-field PATH,
 *  --max-doc-bytes SIZE (1K..1G). */
#define EP_CLI_READER_OPTIONS                                                                       \
    {"format", required_argument, 0, EP_CLI_O_FORMAT}, {"split", required_argument, 0, EP_CLI_O_SPLIT}, \
        {"field", required_argument, 0, EP_CLI_O_FIELD}, {"id-field", required_argument, 0, EP_CLI_O_ID_FIELD}, \
        {"max-doc-bytes", required_argument, 0, EP_CLI_O_MAX_DOC_BYTES}

/** The --help lines of the reader options (every reader command prints these), with the default
 *  of --split given by the command. */
#define EP_CLI_READER_HELP(split_default)                                                        \
    "  --format auto|text|jsonl   record format (default auto: magic bytes, then extension)\n"   \
    "  --split paragraph|line|file  plain-text documents (default " split_default ")\n"          \
    "  --field PATH               JSONL text field, dotted path (default text)\n"                 \
    "  --id-field PATH            JSONL id field reported by dedup (default id)\n"                \
    "  --max-doc-bytes SIZE       cut longer documents, counted, 1K..1G (default 64M)\n"

/** Applies option code (one of EP_CLI_O_FORMAT..EP_CLI_O_MAX_DOC_BYTES) to rc.
 *  @return 1 applied, 0 not a reader option, -1 bad value (reported as ep_cli_bad_value does). */
int ep_cli_reader_option(const ep_cli_args *a, int code, ep_reader_config *rc);

#endif
