/* entroprof merge: the profile from partial directories of `scan --partial` (docs/scale-out.md). */
#include <stdio.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/profile_output.h"
#include "entroprof/partial.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: entroprof merge DIR... [-o PROFILE.json] [--compact] [-q]\n"
            "Builds the profile from the partial states that `entroprof scan --partial DIR [--task I/N]` wrote\n"
            "(one directory, or one per machine: the same scan's). Byte-identical to one `entroprof scan` of the\n"
            "same inputs and options, whatever split of the shards made the partial states. Every shard's\n"
            "state must be present, intact and of that scan (checksum, format version, configuration, path):\n"
            "otherwise nothing is written and the message names the file. The input files are not read.\n"
            "  -o, --output FILE  write the profile here ('-' or none: stdout), as `scan -o` does\n"
            "  --compact          compact JSON instead of indented\n"
            "  -q, --quiet        no table\n"
            "Exit: 0 ok, 1 some shard failed or is partial (profile written, failures inside), 2 bad usage,\n"
            "3 a missing, mismatched or corrupt partial state, or the profile cannot be written.\n");
}

int cmd_merge(int argc, char **argv)
{
    enum { O_COMPACT = EP_CLI_O_COMMAND };
    static const struct option opts[] = {EP_CLI_HELP_OPTION, {"output", required_argument, 0, 'o'},
                                         {"compact", no_argument, 0, O_COMPACT}, {"quiet", no_argument, 0, 'q'},
                                         {0, 0, 0, 0}};
    const char *out = NULL;
    int compact = 0, quiet = 0, c;
    ep_cli_args a;
    ep_cli_args_begin(&a, "merge", "entroprof merge DIR... [-o PROFILE.json] [--compact] [-q]", "ho:q", opts);
    while ((c = ep_cli_args_next(&a, argc, argv)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return EP_EXIT_OK;
        case 'o': out = a.arg; break;
        case 'q': quiet = 1; break;
        case O_COMPACT: compact = 1; break;
        default: return EP_EXIT_USAGE;
        }
    }
    if (a.first_operand >= argc) return ep_cli_usage_error(&a, "no partial directory given");
    ep_error err;
    ep_error_clear(&err);
    ep_jv *profile = NULL;
    size_t failed = 0;
    ep_status st = ep_merge_partials((const char *const *)(argv + a.first_operand), (size_t)(argc - a.first_operand),
                                     &profile, &failed, &err);
    if (st != EP_OK) {
        fprintf(stderr, "entroprof merge: %s\n", err.msg[0] ? err.msg : ep_strerror(st));
        return EP_EXIT_FATAL;
    }
    int rc = ep_cli_emit_profile("merge", profile, out, compact, quiet, failed);
    ep_jv_free(profile);
    return rc;
}
