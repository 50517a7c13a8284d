/* entroprof rank: shards ordered by entropy, junk set apart with reasons. */
#include <stdio.h>
#include <string.h>

#include "cli/analyze_args.h"
#include "cli/commands.h"
#include "entroprof/analyze.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: entroprof rank PROFILE.json [--by ESTIMATOR] [--unit bits_per_byte|bits_per_token]\n"
            "                      [--format tsv|md|json] [thresholds]\n"
            "Ranks shards by entropy, bits per byte by default (comparable across tokenizers): by the\n"
            "reference-sample H `heldout_mkn_ref` (the same training size for every shard, so comparable\n"
            "across shard sizes) when every shard has it, else by the headline `entropy`; --by ESTIMATOR\n"
            "ranks by that estimate. Guardrails read the headline (or --by). Shards that trip a guardrail\n"
            "are listed apart with reasons.\n"
            "thresholds (defaults):\n"
            "  --max-bpb X          near_max_entropy above X bits/byte (7.5)\n"
            "  --max-vocab-frac X   near_max_entropy when H >= X * log2(observed vocabulary) (0.9)\n"
            "  --max-upper-bpb X    near_max_entropy when no upper bound gets below X bits/byte (5.5)\n"
            "  --max-invalid X      not_text above X invalid UTF-8 repairs per byte (0.01)\n"
            "  --min-bpb X          low_entropy below X bits/byte (0.5)\n"
            "  --max-dup X          high_duplicates above X duplicate document fraction (0.3)\n"
            "  --disagree-tol X     estimates_disagree beyond X (ranking unit) (0.05)\n"
            "  --min-sample N       small_sample below N sample tokens (10000)\n"
            "TSV: a tab, newline, CR or backslash in a path is written \\t \\n \\r \\\\. A shard whose entropy\n"
            "is absent or not finite (NaN, inf) is listed as missing.\n"
            "Exit: 0 ok, 2 bad usage (also --by naming an estimate no shard has), 3 unreadable profile (or not a profile: not a JSON object).\n");
}

int cmd_rank(int argc, char **argv)
{
    ep_rank_config cfg;
    ep_rank_config_default(&cfg);
    const char *path = NULL, *format = "tsv", *v;
    for (int i = 1; i < argc; i++) {
        double x;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { usage(stdout); return EP_EXIT_OK; }
        if ((v = ep_cli_opt(argc, argv, &i, "--by"))) cfg.by = v;
        else if ((v = ep_cli_opt(argc, argv, &i, "--unit"))) {
            if (!strcmp(v, "bits_per_byte")) cfg.bits_per_byte = 1;
            else if (!strcmp(v, "bits_per_token")) cfg.bits_per_byte = 0;
            else { fprintf(stderr, "rank: unknown unit '%s'\n", v); usage(stderr); return EP_EXIT_USAGE; }
        } else if ((v = ep_cli_opt(argc, argv, &i, "--format"))) {
            if (strcmp(v, "tsv") && strcmp(v, "md") && strcmp(v, "json")) {
                fprintf(stderr, "rank: unknown format '%s'\n", v);
                return EP_EXIT_USAGE;
            }
            format = v;
        }
#define THRESH(name, field)                                                              \
        else if ((v = ep_cli_opt(argc, argv, &i, name))) {                               \
            if (!ep_cli_num(v, &x) || x < 0) {                                           \
                fprintf(stderr, "rank: %s needs a number >= 0\n", name);                 \
                return EP_EXIT_USAGE;                                                    \
            }                                                                            \
            cfg.field = x;                                                               \
        }
        THRESH("--max-bpb", max_bpb)
        THRESH("--max-vocab-frac", max_vocab_frac)
        THRESH("--max-upper-bpb", max_upper_bpb)
        THRESH("--max-invalid", max_invalid_per_byte)
        THRESH("--min-bpb", min_bpb)
        THRESH("--max-dup", max_dup_fraction)
        THRESH("--disagree-tol", disagree_tol_bits)
        THRESH("--min-sample", min_sample_tokens)
#undef THRESH
        else if (argv[i][0] == '-' || path) {
            fprintf(stderr, "rank: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return EP_EXIT_USAGE;
        } else path = argv[i];
    }
    if (!path) { usage(stderr); return EP_EXIT_USAGE; }
    ep_error err;
    ep_jv *prof = ep_jv_load_object(path, "a profile", &err);
    if (!prof) { fprintf(stderr, "rank: %s\n", err.msg); return EP_EXIT_FATAL; }
    ep_jv *res = NULL;
    if (ep_rank_run(prof, &cfg, &res, &err) != EP_OK) {
        fprintf(stderr, "rank: %s: %s\n", path, err.msg);
        ep_jv_free(prof);
        return EP_EXIT_FATAL;
    }
    /* --by naming an estimate that no shard has is a typo, not an empty ranking. */
    if (cfg.by && ep_jv_len(ep_jv_get(res, "missing")) > 0 && !ep_jv_len(ep_jv_get(res, "ranked")) &&
        !ep_jv_len(ep_jv_get(res, "flagged"))) {
        fprintf(stderr, "rank: no shard of %s has the estimate '%s' (see a shard's \"estimates\")\n", path, cfg.by);
        ep_jv_free(res);
        ep_jv_free(prof);
        return EP_EXIT_USAGE;
    }
    if (!strcmp(format, "json")) { ep_jv_write(res, stdout, 2); fputc('\n', stdout); }
    else if (!strcmp(format, "md")) ep_rank_write_md(res, stdout);
    else ep_rank_write_tsv(res, stdout);
    ep_jv_free(res);
    ep_jv_free(prof);
    return EP_EXIT_OK;
}
