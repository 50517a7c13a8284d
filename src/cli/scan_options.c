/* The options of `scan` (see scan_options.h), shared by `entroprof scan` and `entroprof-mpi scan`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/scan_options.h"
#include "entroprof/entroprof.h"

/* Progress on stderr; installed only when stderr is a terminal and -q is not given. */
static void print_progress(void *user, const ep_progress *p)
{
    (void)user;
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

int ep_cli_scan_options_parse(ep_cli_scan_options *o, const char *prog, const char *synopsis, const char *usage,
                              int argc, char **argv)
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
    memset(o, 0, sizeof *o);
    ep_scan_config *cfg = &o->cfg;
    ep_scan_config_default(cfg);
    int c, bad = 0;
    uint64_t sz;
    ep_cli_args a;
    ep_cli_args_begin(&a, "scan", synopsis, "ho:qvt:", opts);
    a.prog = prog;
    while (!bad && (c = ep_cli_args_next(&a, argc, argv)) != -1) {
        switch (c) {
        case 'h': fputs(usage, stdout); return EP_EXIT_OK;
        case O_LIST: {
            size_t n = 0;
            const ep_probe_vtable *const *reg = ep_probe_registry(&n);
            for (size_t i = 0; i < n; i++) printf("%s\n", reg[i]->name);
            return EP_EXIT_OK;
        }
        case 'o': o->out = a.arg; break;
        case 'q': o->quiet = 1; break;
        case 'v': o->verbose++; break;
        case 't': cfg->tokenizer = a.arg; break;
        case O_COMPACT: o->compact = 1; break;
        case O_ZL: bad = ep_cli_arg_int(&a, 1, 22, &cfg->zstd_level); break;
        case O_ZSL: bad = ep_cli_arg_int(&a, 0, 22, &cfg->zstd_strong_level); break;
        case O_ZSF: bad = ep_cli_arg_double(&a, 1e-6, 1.0, &cfg->zstd_strong_fraction); break;
        case O_LONG:
            if (!a.arg) cfg->zstd_long = 27;
            else bad = ep_cli_arg_int(&a, 10, 31, &cfg->zstd_long);
            break;
        case O_NGRAM: bad = ep_cli_arg_int(&a, 1, 16, &cfg->ngram_order); break;
        case O_HELDOUT: bad = ep_cli_arg_double(&a, 0.001, 0.9, &cfg->heldout_fraction); break;
        case O_LM: cfg->lm_enable = 1; break;
        case O_DEDUPEST: cfg->dedup_estimators = 1; break;
        case O_NGSAMPLE:
            if (!(bad = ep_cli_arg_size(&a, 0, INT64_MAX, &sz))) cfg->ngram_sample_tokens = sz;
            break;
        case O_LMTOK:
            if (!(bad = ep_cli_arg_size(&a, 256, INT64_MAX, &sz))) cfg->lm_tokens = sz;
            break;
        case O_PROBES: cfg->probes = a.arg; break;
        case O_PARTIAL: cfg->partial_dir = a.arg; break;
        case O_TASK: bad = ep_cli_arg_task(&a, &cfg->task_index, &cfg->task_count); break;
        case O_SEED: bad = ep_cli_arg_seed(&a, &cfg->seed); break;
        case O_THREADS: bad = ep_cli_arg_threads(&a, &cfg->threads); break;
        case O_MEM: bad = ep_cli_arg_mem(&a, (uint64_t)1 << 20, &cfg->mem_bytes); break;
        case O_BATCH:
            if (!(bad = ep_cli_arg_size(&a, 1, (uint64_t)1 << 30, &sz))) cfg->batch_bytes = (size_t)sz;
            break;
        default: bad = ep_cli_reader_option(&a, c, &cfg->reader) != 1; break;
        }
    }
    if (bad) return EP_EXIT_USAGE;
    if (a.first_operand >= argc) return ep_cli_usage_error(&a, "no input paths");
    ep_error err;
    ep_error_clear(&err);
    if (ep_scan_config_check(cfg, &err) != EP_OK) return ep_cli_usage_error(&a, "%s", err.msg);
    if (isatty(2) && !o->quiet) cfg->progress = print_progress;
    o->inputs = (const char *const *)(argv + a.first_operand);
    o->n_inputs = (size_t)(argc - a.first_operand);
    return -1;
}
