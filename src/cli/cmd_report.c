/* entroprof report: report.md and a self-contained report.html for one profile. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "entroprof/analyze.h"
#include "entroprof/report.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: entroprof report PROFILE.json -o DIR [--target-loss L] [--precision P]\n"
            "Writes DIR/report.md and DIR/report.html (inline SVG, no scripts, no external assets): ranked\n"
            "entropy with brackets, entropy ladder h_n per shard, estimator comparison, duplicates, tiny-model\n"
            "loss curves when present, flags, and an IC-1 predict summary (at --target-loss L bits/token, else\n"
            "a sweep L = 0.25, 0.5, 0.75 H).\n"
            "  -o, --output DIR     directory for report.md and report.html (created when missing)\n"
            "  --target-loss L      bits per token for the predict summary (a number >= 0)\n"
            "  --precision P        fp32|bf16|fp16|fp8|int8|int4 for parameters (default bf16)\n"
            "Exit: 0 ok, 2 bad usage, 3 unreadable profile or unwritable DIR.\n");
}

int cmd_report(int argc, char **argv)
{
    enum { O_TARGET_LOSS = EP_CLI_O_COMMAND, O_PRECISION };
    static const struct option opts[] = {EP_CLI_HELP_OPTION, {"output", required_argument, 0, 'o'},
                                         {"target-loss", required_argument, 0, O_TARGET_LOSS},
                                         {"precision", required_argument, 0, O_PRECISION}, {0, 0, 0, 0}};
    ep_report_config cfg;
    ep_report_config_default(&cfg);
    const char *dir = NULL;
    double bits;
    ep_cli_args a;
    ep_cli_args_begin(&a, "report", "entroprof report PROFILE.json -o DIR [--target-loss L] [--precision P]", "ho:",
                      opts);
    int c;
    while ((c = ep_cli_args_next(&a, argc, argv)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return EP_EXIT_OK;
        case 'o': dir = a.arg; break;
        case O_TARGET_LOSS:
            if (ep_cli_arg_quantity(&a, EP_CLI_NONNEGATIVE, &cfg.loss_bits_per_token)) return EP_EXIT_USAGE;
            break;
        case O_PRECISION:
            if (ep_cli_arg_precision(&a, &bits)) return EP_EXIT_USAGE;
            cfg.precision = a.arg;
            break;
        default: return EP_EXIT_USAGE;
        }
    }
    if (a.first_operand >= argc) return ep_cli_usage_error(&a, "no profile given");
    if (argc - a.first_operand > 1) return ep_cli_usage_error(&a, "unexpected argument '%s'", argv[a.first_operand + 1]);
    if (!dir) return ep_cli_usage_error(&a, "-o DIR is required");
    const char *path = argv[a.first_operand];
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "entroprof report: cannot create %s: %s\n", dir, strerror(errno));
        return EP_EXIT_FATAL;
    }
    ep_error err;
    ep_jv *prof = ep_jv_load_object(path, "a profile", &err);
    if (!prof) { fprintf(stderr, "entroprof report: %s\n", err.msg); return EP_EXIT_FATAL; }
    ep_status st = ep_report_write(prof, &cfg, dir, &err);
    ep_jv_free(prof);
    if (st != EP_OK) {
        fprintf(stderr, "entroprof report: %s\n", err.msg);
        /* Exit 3 for every failure (--help): not a profile (EP_ERR_FORMAT), an unwritable DIR (EP_ERR_IO),
           out of memory. */
        return EP_EXIT_FATAL;
    }
    printf("%s/report.md\n%s/report.html\n", dir, dir);
    return EP_EXIT_OK;
}
