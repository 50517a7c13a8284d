/* entroprof dedup: exact and near duplicates of every document, one JSON line each. The work is
 * in the library (ep_dedup_run); this file parses arguments and prints. */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "entroprof/dedup.h"
#include "entroprof/outfile.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: entroprof dedup PATH... [-o FILE] [OPTIONS]\n"
            "Finds exact (same bytes) and near (MinHash LSH) duplicate documents across all shards\n"
            "(canonical order: shards sorted by path, documents in file order; the first occurrence\n"
            "is kept) and writes one JSON line per duplicate: its shard, index, line, byte offset\n"
            "and id, kind (exact|near), the kept document and the estimated Jaccard (docs/dedup.md).\n\n"
            "  -o, --output FILE          output (default '-': stdout; --out FILE is the same); a new or\n"
            "                             regular FILE is replaced atomically (temp file, fsync, rename);\n"
            "                             a device, FIFO or symlink is written through, never replaced\n"
            "  --ngram N                  tokens per shingle (default 5)\n"
            "  --bands B                  LSH bands (default 14)\n"
            "  --rows R                   rows per band (default 8); permutations k = B * R\n"
            "  --threshold J              estimated Jaccard to accept a pair (default 0.72)\n"
            "  --bucket-cap N             earlier bucket members verified per document (default 8)\n"
            "  --seed N                   hash seed, an integer 0..9223372036854775807 (default 0)\n"
            "  --mem SIZE                 index memory budget (default 1G; 0 = default)\n"
            "  --tmp DIR                  directory for the signature spill file (default $TMPDIR or /tmp)\n"
            "  --threads N                signature threads, 0..1024 (default 0: all cores); no effect on\n"
            "                             results\n"
            EP_CLI_READER_HELP("paragraph")
            "  -q, --quiet                no summary on stderr\n"
            "SIZE: an integer or decimal with an optional K, M, G or T (powers of 1024), optionally\n"
            "followed by B or iB (64M, 1GiB, 1.5G; a fraction is rounded down to a whole number).\n"
            "Exit status: 0 success, 2 bad usage, 3 fatal error.\n");
}

int cmd_dedup(int argc, char **argv)
{
    enum { O_NGRAM = EP_CLI_O_COMMAND, O_BANDS, O_ROWS, O_THRESHOLD, O_BUCKET_CAP, O_SEED, O_MEM, O_TMP, O_THREADS };
    static const struct option opts[] = {
        EP_CLI_HELP_OPTION, {"output", required_argument, 0, 'o'}, {"out", required_argument, 0, 'o'},
        {"quiet", no_argument, 0, 'q'}, EP_CLI_READER_OPTIONS, {"ngram", required_argument, 0, O_NGRAM},
        {"bands", required_argument, 0, O_BANDS}, {"rows", required_argument, 0, O_ROWS},
        {"threshold", required_argument, 0, O_THRESHOLD}, {"bucket-cap", required_argument, 0, O_BUCKET_CAP},
        {"seed", required_argument, 0, O_SEED}, {"mem", required_argument, 0, O_MEM}, {"tmp", required_argument, 0, O_TMP},
        {"threads", required_argument, 0, O_THREADS}, {0, 0, 0, 0}};
    ep_dedup_config cfg;
    ep_dedup_config_default(&cfg);
    ep_reader_config rcfg;
    ep_reader_config_default(&rcfg);
    const char *out_path = "-";
    int quiet = 0, c, bad = 0;
    ep_cli_args a;
    ep_cli_args_begin(&a, "dedup", "entroprof dedup PATH... [-o FILE] [OPTIONS]", "ho:q", opts);
    /* integer ranges are ep_dedup_config_check's (one place), so the parsers take any int here */
    while (!bad && (c = ep_cli_args_next(&a, argc, argv)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return EP_EXIT_OK;
        case 'o': out_path = a.arg; break;
        case 'q': quiet = 1; break;
        case O_NGRAM: bad = ep_cli_arg_int(&a, INT_MIN, INT_MAX, &cfg.ngram); break;
        case O_BANDS: bad = ep_cli_arg_int(&a, INT_MIN, INT_MAX, &cfg.bands); break;
        case O_ROWS: bad = ep_cli_arg_int(&a, INT_MIN, INT_MAX, &cfg.rows); break;
        case O_BUCKET_CAP: bad = ep_cli_arg_int(&a, INT_MIN, INT_MAX, &cfg.bucket_cap); break;
        case O_THRESHOLD: bad = ep_cli_arg_double(&a, -DBL_MAX, DBL_MAX, &cfg.threshold); break;
        case O_SEED: bad = ep_cli_arg_seed(&a, &cfg.seed); break;
        case O_MEM: bad = ep_cli_arg_mem(&a, 1, &cfg.mem_bytes); break;
        case O_TMP: cfg.tmp_dir = a.arg; break;
        case O_THREADS: bad = ep_cli_arg_threads(&a, &cfg.threads); break;
        default: bad = ep_cli_reader_option(&a, c, &rcfg) != 1; break;
        }
    }
    if (bad) return EP_EXIT_USAGE;
    const char *const *inputs = (const char *const *)(argv + a.first_operand);
    size_t n_inputs = (size_t)(argc - a.first_operand);
    if (n_inputs == 0) return ep_cli_usage_error(&a, "no input paths");
    ep_error err;
    ep_error_clear(&err);
    if (ep_dedup_config_check(&cfg, &err) != EP_OK) return ep_cli_usage_error(&a, "%s", err.msg);

    ep_outfile *out = NULL;
    if (ep_outfile_open(out_path, &out, &err) != EP_OK) {
        fprintf(stderr, "entroprof dedup: %s\n", err.msg);
        return EP_EXIT_FATAL;
    }
    uint64_t docs = 0, ne = 0, nn = 0;
    ep_dedup_stats stats;
    memset(&stats, 0, sizeof stats);
    ep_status st = ep_dedup_run(inputs, n_inputs, &rcfg, &cfg, ep_outfile_stream(out), &docs, &ne, &nn, &stats, &err);
    int rc = EP_EXIT_OK;
    if (st == EP_OK) st = ep_outfile_commit(out, &err);
    else ep_outfile_abort(out);
    if (st != EP_OK) {
        fprintf(stderr, "entroprof dedup: %s\n", err.msg[0] ? err.msg : ep_strerror(st));
        rc = EP_EXIT_FATAL;
    } else if (!quiet) {
        fprintf(stderr,
                "entroprof dedup: %llu documents, %llu exact duplicates, %llu near duplicates "
                "(%llu signatures spilled, %llu partitions per band)\n",
                (unsigned long long)docs, (unsigned long long)ne, (unsigned long long)nn,
                (unsigned long long)stats.sig_docs_spilled, (unsigned long long)stats.partitions_per_band);
    }
    return rc;
}
