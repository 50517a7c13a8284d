/* The options of `entroprof scan`, parsed in one place for every program that scans: the
 * `entroprof scan` command (cmd_scan.c) and `entroprof-mpi scan` (src/mpi/), so that both take the
 * same options with the same values, messages and exit statuses (what they print once they have
 * the profile is profile_output.h's).
 *
 *     ep_cli_scan_options o;
 *     int rc = ep_cli_scan_options_parse(&o, "entroprof", SYNOPSIS, USAGE, argc, argv);
 *     if (rc >= 0) return rc;          // --help, --list-probes, or a usage error (printed)
 *     ... ep_scan(o.inputs, o.n_inputs, &o.cfg, &profile, &failed, &err) ...
 *     rc = ep_cli_emit_profile("scan", profile, o.out, o.compact, o.quiet, failed);
 */
#ifndef EP_CLI_SCAN_OPTIONS_H
#define EP_CLI_SCAN_OPTIONS_H

#include <stddef.h>

#include "cli/cli_util.h"
#include "entroprof/scan.h"

/** The help text of scan's options, from "input:" to the exit statuses, for a command's usage text
 *  after its own usage lines and description. */
#define EP_CLI_SCAN_OPTIONS_HELP                                                                      \
    "input:\n"                                                                                        \
    EP_CLI_READER_HELP("paragraph: blank-line separated")                                             \
    "tokens and estimators:\n"                                                                        \
    "  -t, --tokenizer NAME|PATH  cl100k_base (default) | o200k_base | r50k_base | byte | char | word,\n" \
    "                             or a tiktoken / tokenizer.json vocabulary file\n"                   \
    "  --zstd-level N             compression bound level, 1..22 (default 3)\n"                       \
    "  --zstd-strong-level N      strong compression bound level, 0..22, 0 = off (default 19)\n"      \
    "  --zstd-strong-fraction F   fraction of documents (by content hash) for the strong level\n"     \
    "                             (default 0.03125 = 1/32)\n"                                         \
    "  --long[=WLOG]              zstd long-distance matching, window 2^WLOG (default 27)\n"          \
    "  --ngram-order K            n-gram ladder order (default 8 for byte/char, 5 otherwise)\n"       \
    "  --ngram-sample-tokens N    n-gram ladder on a content-hashed document sample of about N\n"     \
    "                             tokens per shard (default 4M; 0 = as many as --mem allows)\n"       \
    "  --heldout-fraction F       documents held out by content hash (default 0.1)\n"                 \
    "  --lm                       run the tiny-model pass on a sample of each shard\n"                \
    "  --lm-tokens N              tiny-model sample size in tokens (default 65536)\n"                 \
    "  --dedup-estimators         entropy estimators skip exact duplicate documents (bytes equal to\n" \
    "                             an earlier document's, canonical order); counts and dedup see all\n" \
    "  --probes LIST              run only these probes (comma list of --list-probes names;\n"        \
    "                             counts always runs; an unknown name is a usage error)\n"            \
    "  --list-probes              print the names of the probes (in registry order) and exit\n"       \
    "  --seed N                   seed of every hash-based sampling decision, an integer\n"           \
    "                             0..9223372036854775807 (default 0)\n"                               \
    "scale-out (docs/scale-out.md):\n"                                                                \
    "  --partial DIR              also write one partial-state file per shard into DIR as each shard\n" \
    "                             finishes, and reuse the files there that match the input and the\n" \
    "                             configuration (resume after a crash); `entroprof merge DIR -o P`\n" \
    "                             builds the same profile\n"                                          \
    "  --task I/N                 with --partial: scan only task I of N (0 <= I < N; a deterministic,\n" \
    "                             size-balanced share of the shards) and write no profile; e.g.\n"    \
    "                             --task $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT\n"              \
    "resources and output:\n"                                                                         \
    "  -o, --output FILE          write the profile here ('-': stdout); a new or regular FILE is\n"   \
    "                             replaced atomically (temp file, fsync, rename); a device, FIFO\n"   \
    "                             or symlink is written through, never replaced\n"                    \
    "  --threads N                worker threads, 0..1024 (default 0: all cores); results do not\n"   \
    "                             depend on it\n"                                                     \
    "  --mem SIZE                 memory budget for estimator state, at least 1M (default, or 0:\n"   \
    "                             1/4 of RAM, at most 2G); past it n-gram tables sample keys and\n"   \
    "                             report p and stderr\n"                                              \
    "  --batch-bytes SIZE         text per work batch, 1..1G (default 4M); results do not depend on it\n" \
    "  --compact                  compact JSON instead of indented\n"                                 \
    "  -q, --quiet                no progress, no table\n"                                            \
    "  -v, --verbose              elapsed time, throughput and memory budget on stderr\n"             \
    "SIZE and token counts: an integer or decimal with an optional K, M, G or T (powers of 1024),\n"  \
    "optionally followed by B or iB (64M, 1GiB, 1.5G; a fraction is rounded down to a whole number).\n" \
    "exit status: 0 ok, 1 some shard failed or is partial (a probe gave up; profile written,\n"       \
    "             failures inside),\n"                                                                \
    "             2 bad usage, 3 fatal error (nothing written)\n"

/** What the options asked for. */
typedef struct {
    ep_scan_config cfg;          /**< ep_scan_config_default, then the options; checked by
                                      ep_scan_config_check */
    const char *out;             /**< -o FILE: the profile's path ("-" = stdout); NULL = stdout */
    int quiet;                   /**< -q: no progress, no table */
    int verbose;                 /**< -v given this many times */
    int compact;                 /**< --compact: one-line JSON */
    const char *const *inputs;   /**< the operands (PATH...), n_inputs >= 1; point into argv */
    size_t n_inputs;
} ep_cli_scan_options;

/** Parses scan's options and operands (argv[0] is the command name, "scan"). Messages start
 *  "PROG scan: " (PROG: "entroprof" or "entroprof-mpi"); a usage error ends with the line
 *  "usage: SYNOPSIS ..."; --help prints `usage` to stdout; --list-probes prints the probe names.
 *  @return -1 when the scan should run (*o filled, the configuration checked), else the exit status
 *  to return now: EP_EXIT_OK after --help or --list-probes, EP_EXIT_USAGE after a usage error
 *  (already printed: bad option or value, no input path, a configuration ep_scan_config_check
 *  refuses). */
int ep_cli_scan_options_parse(ep_cli_scan_options *o, const char *prog, const char *synopsis, const char *usage,
                              int argc, char **argv);

#endif
