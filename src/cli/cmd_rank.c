/* entroprof rank: shards ordered by entropy, junk set apart with reasons. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "entroprof/analyze.h"
#include "entroprof/report.h"

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
    enum { O_BY = EP_CLI_O_COMMAND, O_UNIT, O_FORMAT, O_MAX_BPB, O_MAX_VOCAB_FRAC, O_MAX_UPPER_BPB, O_MAX_INVALID,
           O_MIN_BPB, O_MAX_DUP, O_DISAGREE_TOL, O_MIN_SAMPLE };
    static const struct option opts[] = {
        EP_CLI_HELP_OPTION, {"by", required_argument, 0, O_BY}, {"unit", required_argument, 0, O_UNIT},
        {"format", required_argument, 0, O_FORMAT}, {"max-bpb", required_argument, 0, O_MAX_BPB},
        {"max-vocab-frac", required_argument, 0, O_MAX_VOCAB_FRAC},
        {"max-upper-bpb", required_argument, 0, O_MAX_UPPER_BPB}, {"max-invalid", required_argument, 0, O_MAX_INVALID},
        {"min-bpb", required_argument, 0, O_MIN_BPB}, {"max-dup", required_argument, 0, O_MAX_DUP},
        {"disagree-tol", required_argument, 0, O_DISAGREE_TOL}, {"min-sample", required_argument, 0, O_MIN_SAMPLE},
        {0, 0, 0, 0}};
    ep_rank_config cfg;
    ep_rank_config_default(&cfg);
    static const char *const formats[] = {"tsv", "md", "json"};
    const char *format = "tsv";
    ep_cli_args a;
    ep_cli_args_begin(&a, "rank", "entroprof rank PROFILE.json [--by ESTIMATOR] [--unit U] [--format tsv|md|json]",
                      "h", opts);
    int c, k;
    while ((c = ep_cli_args_next(&a, argc, argv)) != -1) {
        double *threshold = NULL;
        switch (c) {
        case 'h': usage(stdout); return EP_EXIT_OK;
        case O_BY: cfg.by = a.arg; break;
        case O_UNIT:
            if (ep_cli_arg_choice(&a, "bits_per_byte|bits_per_token", &k)) return EP_EXIT_USAGE;
            cfg.bits_per_byte = k == 0;
            break;
        case O_FORMAT:
            if (ep_cli_arg_choice(&a, "tsv|md|json", &k)) return EP_EXIT_USAGE;
            format = formats[k];
            break;
        case O_MAX_BPB: threshold = &cfg.max_bpb; break;
        case O_MAX_VOCAB_FRAC: threshold = &cfg.max_vocab_frac; break;
        case O_MAX_UPPER_BPB: threshold = &cfg.max_upper_bpb; break;
        case O_MAX_INVALID: threshold = &cfg.max_invalid_per_byte; break;
        case O_MIN_BPB: threshold = &cfg.min_bpb; break;
        case O_MAX_DUP: threshold = &cfg.max_dup_fraction; break;
        case O_DISAGREE_TOL: threshold = &cfg.disagree_tol_bits; break;
        case O_MIN_SAMPLE: threshold = &cfg.min_sample_tokens; break;
        default: return EP_EXIT_USAGE;
        }
        if (threshold && ep_cli_arg_quantity(&a, EP_CLI_NONNEGATIVE, threshold)) return EP_EXIT_USAGE;
    }
    if (a.first_operand >= argc) return ep_cli_usage_error(&a, "no profile given");
    if (argc - a.first_operand > 1) return ep_cli_usage_error(&a, "unexpected argument '%s'", argv[a.first_operand + 1]);
    const char *path = argv[a.first_operand];
    ep_error err;
    ep_jv *prof = ep_jv_load_object(path, "a profile", &err);
    if (!prof) { fprintf(stderr, "entroprof rank: %s\n", err.msg); return EP_EXIT_FATAL; }
    ep_jv *res = NULL;
    if (ep_rank_run(prof, &cfg, &res, &err) != EP_OK) {
        fprintf(stderr, "entroprof rank: %s: %s\n", path, err.msg);
        ep_jv_free(prof);
        return EP_EXIT_FATAL;
    }
    /* --by naming an estimate that no shard has is a typo, not an empty ranking. */
    if (cfg.by && ep_jv_len(ep_jv_get(res, "missing")) > 0 && !ep_jv_len(ep_jv_get(res, "ranked")) &&
        !ep_jv_len(ep_jv_get(res, "flagged"))) {
        fprintf(stderr, "entroprof rank: no shard of %s has the estimate '%s' (see a shard's \"estimates\")\n", path, cfg.by);
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
