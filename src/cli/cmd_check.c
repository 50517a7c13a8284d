/* entroprof check: the invariants of one or more profiles (ep_profile_check), one line per violation. */
#include <stdio.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "entroprof/check.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: entroprof check PROFILE.json... [--json]\n"
            "Checks the invariants every profile must hold (docs/profile-schema.md, Invariants), for every\n"
            "shard and the corpus:\n"
            "  finite_nonnegative       every estimate value / bits_per_byte and headline number is finite, >= 0\n"
            "  headline_le_upper_bound  entropy.bits_per_byte <= every upper_bound estimate per byte (zstd_*\n"
            "                           included); entropy.bits_per_token <= every per-token upper bound\n"
            "  bracket_order            entropy.lower_* <= headline <= entropy.upper_* (or no lower side)\n"
            "  upper_per_token_present  entropy.upper_bits_per_token present when the upper side converts\n"
            "  config_complete          config records every setting that can change a number\n"
            "Comparisons allow 1e-9 relative. Prints one line per violation, 'shard PATH: message\n"
            "[invariant]' ('corpus: ...', 'config: ...'), prefixed with the profile path when several are\n"
            "given; --json prints {\"profile\": PATH, \"violations\": [...]} per profile instead.\n"
            "Exit: 0 all invariants hold, 1 some do not, 2 bad usage, 3 unreadable file or not a profile.\n");
}

int cmd_check(int argc, char **argv)
{
    enum { O_JSON = EP_CLI_O_COMMAND };
    static const struct option opts[] = {EP_CLI_HELP_OPTION, {"json", no_argument, 0, O_JSON}, {0, 0, 0, 0}};
    ep_cli_args a;
    ep_cli_args_begin(&a, "check", "entroprof check PROFILE.json... [--json]", "h", opts);
    int json = 0, c;
    while ((c = ep_cli_args_next(&a, argc, argv)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return EP_EXIT_OK;
        case O_JSON: json = 1; break;
        default: return EP_EXIT_USAGE;
        }
    }
    int n_paths = argc - a.first_operand;
    if (!n_paths) return ep_cli_usage_error(&a, "no profile given");
    int rc = EP_EXIT_OK;
    for (int i = a.first_operand; i < argc; i++) {
        ep_error err;
        ep_error_clear(&err);
        ep_jv *prof = ep_jv_load_file(argv[i], &err), *viol = NULL;
        if (!prof || ep_profile_check(prof, &viol, &err) != EP_OK) {
            fprintf(stderr, "entroprof check: %s: %s\n", argv[i], err.msg);
            ep_jv_free(prof);
            rc = EP_EXIT_FATAL;
            continue;
        }
        if (json) {
            ep_jv *o = ep_jv_obj();
            ep_jv_set(o, "profile", ep_jv_str(argv[i]));
            ep_jv_set(o, "violations", viol);
            viol = NULL;
            ep_jv_write(o, stdout, -1);
            fputc('\n', stdout);
            if (ep_jv_len(ep_jv_get(o, "violations")) && rc == EP_EXIT_OK) rc = 1;
            ep_jv_free(o);
        } else {
            for (size_t k = 0; k < ep_jv_len(viol); k++) {
                const ep_jv *v = ep_jv_at(viol, k);
                if (n_paths > 1) printf("%s: ", argv[i]);
                printf("%s: %s [%s]\n", ep_jv_as_str(ep_jv_get(v, "where")), ep_jv_as_str(ep_jv_get(v, "message")),
                       ep_jv_as_str(ep_jv_get(v, "invariant")));
            }
            if (ep_jv_len(viol) && rc == EP_EXIT_OK) rc = 1;
        }
        ep_jv_free(viol);
        ep_jv_free(prof);
    }
    return rc;
}
