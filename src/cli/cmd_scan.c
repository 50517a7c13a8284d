/* entroprof scan: profile shards and write the profile JSON. */
#include <stdio.h>
#include <time.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/profile_output.h"
#include "cli/scan_options.h"
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
    EP_CLI_SCAN_OPTIONS_HELP;

int cmd_scan(int argc, char **argv)
{
    ep_cli_scan_options o;
    int rc = ep_cli_scan_options_parse(&o, "entroprof", "entroprof scan [OPTIONS] PATH... [-o PROFILE.json]",
                                       USAGE, argc, argv);
    if (rc >= 0) return rc;
    ep_scan_config cfg = o.cfg;
    cfg.note = ep_cli_print_note; /* a partial file not reused is said even with -q */
    ep_error err;
    ep_error_clear(&err);
    ep_jv *profile = NULL;
    size_t failed = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ep_status st = ep_scan(o.inputs, o.n_inputs, &cfg, &profile, &failed, &err);
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
    rc = ep_cli_emit_profile("scan", profile, o.out, o.compact, o.quiet, failed);
    if (rc == EP_EXIT_FATAL) {
        ep_jv_free(profile);
        return rc;
    }
    if (o.verbose) {
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
