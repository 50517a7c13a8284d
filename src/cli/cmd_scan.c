/* entroprof scan: profile shards and write the profile JSON. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/profile_output.h"
#include "entroprof/analyze.h"
#include "entroprof/report.h"
#include "entroprof/entroprof.h"

static const char *USAGE =
    "usage: entroprof scan [OPTIONS] PATH... [-o PROFILE.json]\n"
    "       entroprof scan [OPTIONS] --partial DIR [--task I/N] PATH... [-o PROFILE.json]\n"
    "\n"
    "Profiles every shard (one file = one shard; directories are walked recursively in path\n"
    "order; '-' reads stdin) and writes the profile JSON (schema entroprof.profile/1, see\n"
    "docs/profile-schema.md) to PROFILE.json, or to stdout without -o. The table of `entroprof rank`\n"
    "(shards ranked in bits per byte as `rank` does; shards that trip a guardrail listed apart as\n"
    "'flagged', with reasons, also written into each shard's `flags`) goes to stdout when -o is\n"
    "given, else to stderr.\n"
    "\n"
    "input:\n"
    EP_CLI_READER_HELP("paragraph: blank-line separated")
    "tokens and estimators:\n"
    "  -t, --tokenizer NAME|PATH  cl100k_base (default) | o200k_base | r50k_base | byte | char | word,\n"
    "                             or a tiktoken / tokenizer.json vocabulary file\n"
    "  --zstd-level N             compression bound level, 1..22 (default 3)\n"
    "  --zstd-strong-level N      strong compression bound level, 0..22, 0 = off (default 19)\n"
    "  --zstd-strong-fraction F   fraction of documents (by content hash) for the strong level\n"
    "                             (default 0.03125 = 1/32)\n"
    "  --long[=WLOG]              zstd long-distance matching, window 2^WLOG (default 27)\n"
    "  --ngram-order K            n-gram ladder order (default 8 for byte/char, 5 otherwise)\n"
    "  --ngram-sample-tokens N    n-gram ladder on a content-hashed document sample of about N\n"
    "                             tokens per shard (default 4M; 0 = as many as --mem allows)\n"
    "  --heldout-fraction F       documents held out by content hash (default 0.1)\n"
    "  --lm                       run the tiny-model pass on a sample of each shard\n"
    "  --lm-tokens N              tiny-model sample size in tokens (default 65536)\n"
    "  --dedup-estimators         entropy estimators skip exact duplicate documents (bytes equal to\n"
    "                             an earlier document's, canonical order); counts and dedup see all\n"
    "  --probes LIST              run only these probes (comma list of --list-probes names;\n"
    "                             counts always runs; an unknown name is a usage error)\n"
    "  --list-probes              print the names of the probes (in registry order) and exit\n"
    "  --seed N                   seed of every hash-based sampling decision, an integer\n"
    "                             0..9223372036854775807 (default 0)\n"
    "scale-out (docs/scale-out.md):\n"
    "  --partial DIR              also write one partial-state file per shard into DIR as each shard\n"
    "                             finishes, and reuse the files there that match the input and the\n"
    "                             configuration (resume after a crash); `entroprof merge DIR -o P`\n"
    "                             builds the same profile\n"
    "  --task I/N                 with --partial: scan only task I of N (0 <= I < N; a deterministic,\n"
    "                             size-balanced share of the shards) and write no profile; e.g.\n"
    "                             --task $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT\n"
    "resources and output:\n"
    "  -o, --output FILE          write the profile here ('-': stdout); a new or regular FILE is\n"
    "                             replaced atomically (temp file, fsync, rename); a device, FIFO\n"
    "                             or symlink is written through, never replaced\n"
    "  --threads N                worker threads, 0..1024 (default 0: all cores); results do not\n"
    "                             depend on it\n"
    "  --mem SIZE                 memory budget for estimator state, at least 1M (default, or 0:\n"
    "                             1/4 of RAM, at most 2G); past it n-gram tables sample keys and\n"
    "                             report p and stderr\n"
    "  --batch-bytes SIZE         text per work batch, 1..1G (default 4M); results do not depend on it\n"
    "  --compact                  compact JSON instead of indented\n"
    "  -q, --quiet                no progress, no table\n"
    "  -v, --verbose              elapsed time, throughput and memory budget on stderr\n"
    "SIZE and token counts: an integer or decimal with an optional K, M, G or T (powers of 1024),\n"
    "optionally followed by B or iB (64M, 1GiB, 1.5G; a fraction is rounded down to a whole number).\n"
    "exit status: 0 ok, 1 some shard failed or is partial (a probe gave up; profile written,\n"
    "             failures inside),\n"
    "             2 bad usage, 3 fatal error (nothing written)\n";

typedef struct {
    int isatty;
} progress_state;

static void print_progress(void *user, const ep_progress *p)
{
    progress_state *ps = user;
    if (!ps->isatty) return;
    double mb = (double)p->input_bytes_done / 1e6;
    double rate = p->seconds > 0 ? mb / p->seconds : 0;
    if (p->input_bytes_total) {
        double frac = (double)p->input_bytes_done / (double)p->input_bytes_total;
        double eta = frac > 0 ? p->seconds * (1 - frac) / frac : 0;
        fprintf(stderr, "\r%7.1f / %.1f MB  %6.1f MB/s  shards %zu/%zu  ETA %4.0fs ", mb,
                (double)p->input_bytes_total / 1e6, rate, p->shards_done, p->shards_total, eta);
    } else {
        fprintf(stderr, "\r%7.1f MB  %6.1f MB/s  shards %zu/%zu ", mb, rate, p->shards_done, p->shards_total);
    }
    if (p->final) fputc('\n', stderr);
    fflush(stderr);
}

int cmd_scan(int argc, char **argv)
{
    enum { O_ZL = EP_CLI_O_COMMAND, O_ZSL, O_ZSF, O_LONG, O_NGRAM, O_HELDOUT, O_LM, O_LMTOK, O_PROBES, O_SEED,
           O_THREADS, O_MEM, O_BATCH, O_COMPACT, O_LIST, O_DEDUPEST, O_NGSAMPLE, O_PARTIAL, O_TASK };
    static const struct option opts[] = {
        EP_CLI_HELP_OPTION, EP_CLI_READER_OPTIONS, {"tokenizer", required_argument, 0, 't'},
        {"zstd-level", required_argument, 0, O_ZL}, {"zstd-strong-level", required_argument, 0, O_ZSL},
        {"zstd-strong-fraction", required_argument, 0, O_ZSF}, {"long", optional_argument, 0, O_LONG},
        {"ngram-order", required_argument, 0, O_NGRAM}, {"heldout-fraction", required_argument, 0, O_HELDOUT},
        {"lm", no_argument, 0, O_LM}, {"lm-tokens", required_argument, 0, O_LMTOK},
        {"probes", required_argument, 0, O_PROBES}, {"seed", required_argument, 0, O_SEED},
        {"output", required_argument, 0, 'o'}, {"threads", required_argument, 0, O_THREADS},
        {"mem", required_argument, 0, O_MEM}, {"batch-bytes", required_argument, 0, O_BATCH},
        {"compact", no_argument, 0, O_COMPACT}, {"quiet", no_argument, 0, 'q'}, {"verbose", no_argument, 0, 'v'},
        {"list-probes", no_argument, 0, O_LIST}, {"dedup-estimators", no_argument, 0, O_DEDUPEST},
        {"ngram-sample-tokens", required_argument, 0, O_NGSAMPLE}, {"partial", required_argument, 0, O_PARTIAL},
        {"task", required_argument, 0, O_TASK}, {0, 0, 0, 0}};
    ep_scan_config cfg;
    ep_scan_config_default(&cfg);
    const char *out = NULL;
    int quiet = 0, verbose = 0, compact = 0, c, bad = 0;
    uint64_t sz;
    ep_cli_args a;
    ep_cli_args_begin(&a, "scan", "entroprof scan [OPTIONS] PATH... [-o PROFILE.json]", "ho:qvt:", opts);
    while (!bad && (c = ep_cli_args_next(&a, argc, argv)) != -1) {
        switch (c) {
        case 'h': fputs(USAGE, stdout); return EP_EXIT_OK;
        case O_LIST: {
            size_t n = 0;
            const ep_probe_vtable *const *reg = ep_probe_registry(&n);
            for (size_t i = 0; i < n; i++) printf("%s\n", reg[i]->name);
            return EP_EXIT_OK;
        }
        case 'o': out = a.arg; break;
        case 'q': quiet = 1; break;
        case 'v': verbose++; break;
        case 't': cfg.tokenizer = a.arg; break;
        case O_COMPACT: compact = 1; break;
        case O_ZL: bad = ep_cli_arg_int(&a, 1, 22, &cfg.zstd_level); break;
        case O_ZSL: bad = ep_cli_arg_int(&a, 0, 22, &cfg.zstd_strong_level); break;
        case O_ZSF: bad = ep_cli_arg_double(&a, 1e-6, 1.0, &cfg.zstd_strong_fraction); break;
        case O_LONG:
            if (!a.arg) cfg.zstd_long = 27;
            else bad = ep_cli_arg_int(&a, 10, 31, &cfg.zstd_long);
            break;
        case O_NGRAM: bad = ep_cli_arg_int(&a, 1, 16, &cfg.ngram_order); break;
        case O_HELDOUT: bad = ep_cli_arg_double(&a, 0.001, 0.9, &cfg.heldout_fraction); break;
        case O_LM: cfg.lm_enable = 1; break;
        case O_DEDUPEST: cfg.dedup_estimators = 1; break;
        case O_NGSAMPLE:
            if (!(bad = ep_cli_arg_size(&a, 0, INT64_MAX, &sz))) cfg.ngram_sample_tokens = sz;
            break;
        case O_LMTOK:
            if (!(bad = ep_cli_arg_size(&a, 256, INT64_MAX, &sz))) cfg.lm_tokens = sz;
            break;
        case O_PROBES: cfg.probes = a.arg; break;
        case O_PARTIAL: cfg.partial_dir = a.arg; break;
        case O_TASK: bad = ep_cli_arg_task(&a, &cfg.task_index, &cfg.task_count); break;
        case O_SEED: bad = ep_cli_arg_seed(&a, &cfg.seed); break;
        case O_THREADS: bad = ep_cli_arg_threads(&a, &cfg.threads); break;
        case O_MEM: bad = ep_cli_arg_mem(&a, (uint64_t)1 << 20, &cfg.mem_bytes); break;
        case O_BATCH:
            if (!(bad = ep_cli_arg_size(&a, 1, (uint64_t)1 << 30, &sz))) cfg.batch_bytes = (size_t)sz;
            break;
        default: bad = ep_cli_reader_option(&a, c, &cfg.reader) != 1; break;
        }
    }
    if (bad) return EP_EXIT_USAGE;
    if (a.first_operand >= argc) return ep_cli_usage_error(&a, "no input paths");
    ep_error err;
    ep_error_clear(&err);
    if (ep_scan_config_check(&cfg, &err) != EP_OK) return ep_cli_usage_error(&a, "%s", err.msg);
    progress_state ps = {isatty(2) && !quiet};
    if (ps.isatty) cfg.progress = print_progress;
    cfg.progress_user = &ps;
    cfg.note = ep_cli_print_note; /* a partial file not reused is said even with -q */
    ep_jv *profile = NULL;
    size_t failed = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ep_status st = ep_scan((const char *const *)(argv + a.first_operand), (size_t)(argc - a.first_operand), &cfg, &profile, &failed, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (st != EP_OK) {
        fprintf(stderr, "entroprof scan: %s\n", err.msg[0] ? err.msg : ep_strerror(st));
        /* a bad configuration or an unknown tokenizer name is bad usage; anything else is fatal */
        return st == EP_ERR_ARG || st == EP_ERR_NOTFOUND ? EP_EXIT_USAGE : EP_EXIT_FATAL;
    }
    if (!profile) { /* --task: the records are in the partial directory, no profile */
        if (failed) fprintf(stderr, "entroprof scan: %zu shard(s) of this task could not be read (recorded in %s)\n", failed,
                            cfg.partial_dir);
        return failed ? EP_EXIT_SHARD_FAILED : EP_EXIT_OK;
    }
    int rc = ep_cli_emit_profile("scan", profile, out, compact, quiet, failed);
    if (rc == EP_EXIT_FATAL) {
        ep_jv_free(profile);
        return rc;
    }
    if (verbose) {
        char tbuf[16];
        double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        double dec = ep_jv_as_num(ep_jv_path(profile, "corpus.counters.decoded_bytes"), 0);
        double raw = ep_jv_as_num(ep_jv_path(profile, "corpus.counters.input_bytes"), 0);
        fprintf(stderr, "entroprof scan: %.2f s, %.1f MB decoded (%.1f MB/s), %.1f MB read (%.1f MB/s), threads: %s\n",
                secs, dec / 1e6, secs > 0 ? dec / 1e6 / secs : 0, raw / 1e6, secs > 0 ? raw / 1e6 / secs : 0,
                cfg.threads ? (snprintf(tbuf, sizeof tbuf, "%d", cfg.threads), tbuf) : "all cores");
        if (cfg.mem_bytes) fprintf(stderr, "entroprof scan: memory budget %.0f MiB\n", (double)cfg.mem_bytes / 1048576);
        else fprintf(stderr, "entroprof scan: memory budget: default (1/4 of physical RAM, at most 2 GiB)\n");
    }
    ep_jv_free(profile);
    return rc;
}
