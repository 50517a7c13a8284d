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
            "usage: entroprof dedup PATH... [--out FILE] [options]\n"
            "Finds exact (same bytes) and near (MinHash LSH) duplicate documents across all shards\n"
            "(canonical order: shards sorted by path, documents in file order; the first occurrence\n"
            "is kept) and writes one JSON line per duplicate: its shard, index, line, byte offset\n"
            "and id, kind (exact|near), the kept document and the estimated Jaccard (docs/dedup.md).\n\n"
            "  --out FILE        output (default '-': stdout); a new or regular FILE is replaced\n"
            "                    atomically (temp file, fsync, rename); a device, FIFO or symlink is\n"
            "                    written through, never replaced\n"
            "  --ngram N         tokens per shingle (default 5)\n"
            "  --bands B         LSH bands (default 14)\n"
            "  --rows R          rows per band (default 8); permutations k = B * R\n"
            "  --threshold J     estimated Jaccard to accept a pair (default 0.72)\n"
            "  --bucket-cap N    earlier bucket members verified per document (default 8)\n"
            "  --seed S          hash seed, an integer 0..9223372036854775807 (default 0)\n"
            "  --mem SIZE        index memory budget (default 1G; 0 = default); SIZE is an integer or\n"
            "                    decimal with an optional K, M, G or T (powers of 1024), then B or iB\n"
            "  --tmp DIR         directory for the signature spill file (default $TMPDIR or /tmp)\n"
            "  --threads N       signature threads (default: all; no effect on results)\n"
            "  --field F         JSONL text field (default text); --id-field F (default id)\n"
            "  --split MODE      plain text: paragraph|line|file (default paragraph)\n"
            "  -q, --quiet       no summary on stderr\n"
            "Exit status: 0 success, 2 bad usage, 3 fatal error.\n");
}

/* Shared exact parsers (cli_util.h); the value ranges are checked by ep_dedup_config_check. */
static int set_int(const char *v, int *out)
{
    long l;
    if (ep_cli_parse_int(v, INT_MIN, INT_MAX, &l)) return 0;
    *out = (int)l;
    return 1;
}

int cmd_dedup(int argc, char **argv)
{
    ep_dedup_config cfg;
    ep_dedup_config_default(&cfg);
    ep_reader_config rcfg;
    ep_reader_config_default(&rcfg);
    const char *out_path = "-";
    int quiet = 0;
    const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    size_t n_inputs = 0;
    if (!inputs) return EP_EXIT_FATAL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int ok = 1, takes = 1;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            free(inputs);
            return EP_EXIT_OK;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
            takes = 0;
        } else if (a[0] == '-' && a[1] == '-' ) {
            if (!v) ok = 0;
            else if (!strcmp(a, "--out")) out_path = v;
            else if (!strcmp(a, "--ngram")) ok = set_int(v, &cfg.ngram);
            else if (!strcmp(a, "--bands")) ok = set_int(v, &cfg.bands);
            else if (!strcmp(a, "--rows")) ok = set_int(v, &cfg.rows);
            else if (!strcmp(a, "--bucket-cap")) ok = set_int(v, &cfg.bucket_cap);
            else if (!strcmp(a, "--threads")) ok = set_int(v, &cfg.threads);
            else if (!strcmp(a, "--threshold")) ok = !ep_cli_parse_double(v, -DBL_MAX, DBL_MAX, &cfg.threshold);
            else if (!strcmp(a, "--seed")) ok = !ep_cli_parse_u64(v, 0, EP_CLI_SEED_MAX, &cfg.seed);
            else if (!strcmp(a, "--mem")) ok = !ep_cli_parse_size(v, 0, INT64_MAX, &cfg.mem_bytes);
            else if (!strcmp(a, "--tmp")) cfg.tmp_dir = v;
            else if (!strcmp(a, "--field")) rcfg.field = v;
            else if (!strcmp(a, "--id-field")) rcfg.id_field = v;
            else if (!strcmp(a, "--split")) {
                if (!strcmp(v, "paragraph")) rcfg.split = EP_SPLIT_PARAGRAPH;
                else if (!strcmp(v, "line")) rcfg.split = EP_SPLIT_LINE;
                else if (!strcmp(v, "file")) rcfg.split = EP_SPLIT_FILE;
                else ok = 0;
            } else ok = 0;
        } else {
            inputs[n_inputs++] = a;
            takes = 0;
        }
        if (!ok) {
            fprintf(stderr, "entroprof dedup: bad option or value: %s%s%s\n", a, v ? " " : "", v ? v : "");
            usage(stderr);
            free(inputs);
            return EP_EXIT_USAGE;
        }
        i += takes;
    }
    ep_error err;
    ep_error_clear(&err);
    if (n_inputs == 0 || ep_dedup_config_check(&cfg, &err) != EP_OK) {
        if (n_inputs) fprintf(stderr, "entroprof dedup: %s\n", err.msg);
        else fprintf(stderr, "entroprof dedup: no input\n");
        usage(stderr);
        free(inputs);
        return EP_EXIT_USAGE;
    }

    ep_outfile *out = NULL;
    if (ep_outfile_open(out_path, &out, &err) != EP_OK) {
        fprintf(stderr, "entroprof dedup: %s\n", err.msg);
        free(inputs);
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
    free(inputs);
    return rc;
}
