/* entroprof report: report.md and a self-contained report.html for one profile. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/analyze_args.h"
#include "cli/commands.h"
#include "entroprof/analyze.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: entroprof report PROFILE.json -o DIR [--target-loss L] [--precision P]\n"
            "Writes DIR/report.md and DIR/report.html (inline SVG, no scripts, no external assets): ranked\n"
            "entropy with brackets, entropy ladder h_n per shard, estimator comparison, duplicates, tiny-model\n"
            "loss curves when present, flags, and an IC-1 predict summary (at --target-loss L bits/token, else\n"
            "a sweep L = 0.25, 0.5, 0.75 H). Exit: 0 ok, 2 bad usage, 3 unreadable profile or unwritable DIR.\n");
}

int cmd_report(int argc, char **argv)
{
    ep_report_config cfg;
    ep_report_config_default(&cfg);
    const char *path = NULL, *dir = NULL, *v;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { usage(stdout); return EP_EXIT_OK; }
        if ((v = ep_cli_opt(argc, argv, &i, "-o")) || (v = ep_cli_opt(argc, argv, &i, "--output"))) dir = v;
        else if ((v = ep_cli_opt(argc, argv, &i, "--target-loss"))) {
            if (!ep_cli_num(v, &cfg.loss_bits_per_token) || cfg.loss_bits_per_token < 0) {
                fprintf(stderr, "report: --target-loss needs a number >= 0\n");
                return EP_EXIT_USAGE;
            }
        } else if ((v = ep_cli_opt(argc, argv, &i, "--precision"))) {
            if (ep_precision_bits(v) <= 0) { fprintf(stderr, "report: unknown precision '%s'\n", v); return EP_EXIT_USAGE; }
            cfg.precision = v;
        } else if (argv[i][0] == '-' || path) {
            fprintf(stderr, "report: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return EP_EXIT_USAGE;
        } else path = argv[i];
    }
    if (!path || !dir) { usage(stderr); return EP_EXIT_USAGE; }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "report: cannot create %s: %s\n", dir, strerror(errno));
        return EP_EXIT_FATAL;
    }
    ep_error err;
    ep_jv *prof = ep_jv_load_object(path, "a profile", &err);
    if (!prof) { fprintf(stderr, "report: %s\n", err.msg); return EP_EXIT_FATAL; }
    ep_status st = ep_report_write(prof, &cfg, dir, &err);
    ep_jv_free(prof);
    if (st != EP_OK) {
        fprintf(stderr, "report: %s\n", err.msg);
        return st == EP_ERR_FORMAT ? EP_EXIT_FATAL : EP_EXIT_FATAL;
    }
    printf("%s/report.md\n%s/report.html\n", dir, dir);
    return EP_EXIT_OK;
}
