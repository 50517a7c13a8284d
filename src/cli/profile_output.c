/* Writing a finished profile and reporting what failed in it (profile_output.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/profile_output.h"
#include "entroprof/analyze.h"
#include "entroprof/report.h"

/* One stderr line per probe that gave up on a shard (or the corpus). @return how many. */
static size_t print_probe_errors(const char *cmd, const ep_jv *shard_or_corpus, const char *where)
{
    const ep_jv *list = ep_jv_get(shard_or_corpus, "probe_errors");
    for (size_t i = 0; i < ep_jv_len(list); i++) {
        const ep_jv *e = ep_jv_at(list, i);
        fprintf(stderr, "entroprof %s: %s: partial: probe %s gave up: %s\n", cmd, where ? where : "?",
                ep_jv_as_str(ep_jv_get(e, "probe")), ep_jv_as_str(ep_jv_get(e, "error")));
    }
    return ep_jv_len(list);
}

/* The ranked table: exactly `entroprof rank PROFILE` (same guardrails, same TSV), so that flagged
 * shards are listed apart and never among the ranked ones. */
static void print_table(FILE *f, const ep_jv *profile)
{
    ep_rank_config rc;
    ep_rank_config_default(&rc);
    ep_jv *rank = NULL;
    ep_error err;
    if (ep_rank_run(profile, &rc, &rank, &err) != EP_OK) return;
    ep_rank_write_tsv(rank, f);
    ep_jv_free(rank);
}

int ep_cli_emit_profile(const char *cmd, const ep_jv *profile, const char *out, int compact, int quiet, size_t failed)
{
    ep_error err;
    ep_error_clear(&err);
    if (out) {
        if (ep_jv_save_file(profile, out, compact ? -1 : 2, &err) != EP_OK) {
            fprintf(stderr, "entroprof %s: %s\n", cmd, err.msg);
            return EP_EXIT_FATAL;
        }
    } else {
        ep_jv_write(profile, stdout, compact ? -1 : 2);
    }
    /* -o -: the profile is on stdout, so the table goes to stderr */
    if (!quiet) print_table(out && strcmp(out, "-") != 0 ? stdout : stderr, profile);
    const ep_jv *warnings = ep_jv_get(profile, "warnings");
    for (size_t i = 0; i < ep_jv_len(warnings); i++)
        fprintf(stderr, "entroprof %s: warning: %s\n", cmd, ep_jv_as_str(ep_jv_at(warnings, i)));
    const ep_jv *shards = ep_jv_get(profile, "shards");
    size_t gave_up = 0;
    for (size_t i = 0; i < ep_jv_len(shards); i++) {
        const ep_jv *s = ep_jv_at(shards, i);
        if (!strcmp(ep_jv_as_str(ep_jv_get(s, "status")), "error"))
            fprintf(stderr, "entroprof %s: %s: %s\n", cmd, ep_jv_as_str(ep_jv_get(s, "path")),
                    ep_jv_as_str(ep_jv_get(s, "error")));
        gave_up += print_probe_errors(cmd, s, ep_jv_as_str(ep_jv_get(s, "path")));
    }
    gave_up += print_probe_errors(cmd, ep_jv_get(profile, "corpus"), "corpus");
    return failed || gave_up ? EP_EXIT_SHARD_FAILED : EP_EXIT_OK;
}

void ep_cli_print_note(void *user, const char *msg)
{
    (void)user;
    fprintf(stderr, "entroprof: %s\n", msg);
}
