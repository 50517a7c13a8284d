/* entroprof predict: IC-1 model size (or data) for a target loss, beside published scaling laws. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "entroprof/analyze.h"
#include "entroprof/report.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: entroprof predict [PROFILE.json] --target-loss L [--tokens D | --params N] [--h H]\n"
            "                         [--by ESTIMATOR] [--unique-tokens U] [--eta X | --eta-range A:B]\n"
            "                         [--precision fp32|bf16|fp16|fp8|int8|int4] [--nats] [--json]\n"
            "                         [--temperature K] [--hw-efficiency J_per_flop]\n"
            "IC-1 (arXiv 2411.00660): eta N = D (H - L), N in bits, H and L in bits per token (--nats: H and L\n"
            "given in nats). Gives N (bits, parameters) from D, or D from --params N. H defaults to the\n"
            "profile's corpus headline (or --by), D to its dedup-aware tokens (dedup.D_eff, unique_tokens,\n"
            "tokens). eta default [0.166, 0.387]: the paper's [0.115, 0.268] is in nats-per-bit units and is\n"
            "divided by ln 2 here. Beside it: Chinchilla, Epoch AI refit, Kaplan, data-constrained\n"
            "(Muennighoff), Allen-Zhu & Li; compute 6ND; IC-2 Landauer floor at T (300 K) and energy at a\n"
            "hardware efficiency (default %.3g J/FLOP: H100 bf16 at 40%% utilisation, see docs/analyze.md).\n"
            "Sizes accept K/M/G/T. Exit: 0 ok, 2 bad usage or impossible request (also an answer that\n"
            "overflows to inf or nan), 3 unreadable profile.\n",
            EP_DEFAULT_J_PER_FLOP);
}

int cmd_predict(int argc, char **argv)
{
    enum { O_TARGET_LOSS = EP_CLI_O_COMMAND, O_H, O_TOKENS, O_PARAMS, O_UNIQUE_TOKENS, O_ETA, O_ETA_RANGE, O_PRECISION,
           O_TEMPERATURE, O_HW_EFFICIENCY, O_BY, O_NATS, O_JSON };
    static const struct option opts[] = {
        EP_CLI_HELP_OPTION, {"target-loss", required_argument, 0, O_TARGET_LOSS}, {"h", required_argument, 0, O_H},
        {"tokens", required_argument, 0, O_TOKENS}, {"params", required_argument, 0, O_PARAMS},
        {"unique-tokens", required_argument, 0, O_UNIQUE_TOKENS}, {"eta", required_argument, 0, O_ETA},
        {"eta-range", required_argument, 0, O_ETA_RANGE}, {"precision", required_argument, 0, O_PRECISION},
        {"temperature", required_argument, 0, O_TEMPERATURE}, {"hw-efficiency", required_argument, 0, O_HW_EFFICIENCY},
        {"by", required_argument, 0, O_BY}, {"nats", no_argument, 0, O_NATS}, {"json", no_argument, 0, O_JSON},
        {0, 0, 0, 0}};
    ep_predict_config cfg;
    ep_predict_config_default(&cfg);
    const char *path = NULL, *by = NULL;
    char h_source[300] = "", d_source[300] = "";
    double h = -1, l = -1;
    int nats = 0, json = 0, have_l = 0, have_h = 0, c, bad = 0;
    ep_cli_args a;
    ep_cli_args_begin(&a, "predict", "entroprof predict [PROFILE.json] --target-loss L [--tokens D | --params N] [--h H]",
                      "h", opts);
    while (!bad && (c = ep_cli_args_next(&a, argc, argv)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return EP_EXIT_OK;
        case O_NATS: nats = 1; break;
        case O_JSON: json = 1; break;
        case O_TARGET_LOSS: bad = ep_cli_arg_quantity(&a, EP_CLI_NONNEGATIVE, &l); have_l = 1; break;
        case O_H: bad = ep_cli_arg_quantity(&a, EP_CLI_ANY, &h); have_h = 1; break;
        case O_TOKENS: bad = ep_cli_arg_quantity(&a, EP_CLI_POSITIVE, &cfg.tokens); break;
        case O_PARAMS: bad = ep_cli_arg_quantity(&a, EP_CLI_POSITIVE, &cfg.params); break;
        case O_UNIQUE_TOKENS: bad = ep_cli_arg_quantity(&a, EP_CLI_POSITIVE, &cfg.unique_tokens); break;
        case O_ETA:
            if (!(bad = ep_cli_arg_quantity(&a, EP_CLI_ANY, &cfg.eta_lo))) cfg.eta_hi = cfg.eta_lo;
            break;
        case O_ETA_RANGE: bad = ep_cli_arg_range(&a, &cfg.eta_lo, &cfg.eta_hi); break;
        case O_PRECISION: bad = ep_cli_arg_precision(&a, &cfg.bits_per_param); break;
        case O_TEMPERATURE: bad = ep_cli_arg_quantity(&a, EP_CLI_ANY, &cfg.temperature_k); break;
        case O_HW_EFFICIENCY: bad = ep_cli_arg_quantity(&a, EP_CLI_ANY, &cfg.j_per_flop); break;
        case O_BY: by = a.arg; break;
        default: return EP_EXIT_USAGE;
        }
    }
    if (bad) return EP_EXIT_USAGE;
    if (argc - a.first_operand > 1) return ep_cli_usage_error(&a, "unexpected argument '%s'", argv[a.first_operand + 1]);
    if (a.first_operand < argc) path = argv[a.first_operand];
    if (!have_l) return ep_cli_usage_error(&a, "--target-loss is required");
    if (cfg.tokens > 0 && cfg.params > 0) return ep_cli_usage_error(&a, "give --tokens or --params, not both");
    if (!path && !have_h) return ep_cli_usage_error(&a, "give a PROFILE.json or --h H");
    if (!path && cfg.tokens <= 0 && cfg.params <= 0)
        return ep_cli_usage_error(&a, "without a profile give --tokens or --params");
    if (path) {
        ep_error err;
        ep_jv *prof = ep_jv_load_object(path, "a profile", &err);
        if (!prof) { fprintf(stderr, "entroprof predict: %s\n", err.msg); return EP_EXIT_FATAL; }
        const ep_jv *corpus = ep_jv_get(prof, "corpus");
        if (!have_h) {
            if (!ep_analyze_shard_entropy(corpus, by, 0, &h)) {
                fprintf(stderr, "entroprof predict: %s has no corpus entropy in bits per token%s%s; give --h\n", path,
                        by ? " for " : "", by ? by : "");
                ep_jv_free(prof);
                return EP_EXIT_USAGE;
            }
            if (nats) h *= EP_LN2; /* the profile is in bits; --nats only applies to what is typed */
            const char *m = by ? by : ep_jv_as_str(ep_jv_path(corpus, "entropy.method"));
            char key[256];
            snprintf(key, sizeof key, "estimates.%s.kind", m ? m : "");
            const char *kind = by ? ep_jv_as_str(ep_jv_path(corpus, key)) : ep_jv_as_str(ep_jv_path(corpus, "entropy.kind"));
            snprintf(h_source, sizeof h_source, "%s: corpus %s (%s)%s", path, by ? by : "entropy", m ? m : "?",
                     kind && !strcmp(kind, "upper_bound") ? ", an upper bound: H - L may be overstated" : "");
        }
        double u;
        const char *src = NULL;
        if (cfg.tokens <= 0 && cfg.params <= 0) {
            if (!ep_analyze_unique_tokens(corpus, &u, &src) || u <= 0) {
                fprintf(stderr, "entroprof predict: %s has no corpus token count; give --tokens or --params\n", path);
                ep_jv_free(prof);
                return EP_EXIT_USAGE;
            }
            cfg.tokens = u;
            snprintf(d_source, sizeof d_source, "%s: corpus %s", path, src);
        }
        if (cfg.unique_tokens <= 0 && ep_analyze_unique_tokens(corpus, &u, &src) && u > 0 &&
            strcmp(src, "tokens") != 0)
            cfg.unique_tokens = u;
        ep_jv_free(prof);
    }
    if (nats) { h /= EP_LN2; l /= EP_LN2; }
    cfg.h_bits_per_token = h;
    cfg.loss_bits_per_token = l;
    ep_error err;
    ep_jv *res = NULL;
    if (ep_predict_run(&cfg, &res, &err) != EP_OK) {
        fprintf(stderr, "entroprof predict: refused: %s\n", err.msg);
        return EP_EXIT_USAGE;
    }
    ep_jv *in = ep_jv_child(res, "inputs");
    if (h_source[0]) ep_jv_set(in, "h_source", ep_jv_str(h_source));
    if (d_source[0]) ep_jv_set(in, "tokens_source", ep_jv_str(d_source));
    if (!json && h_source[0]) printf("H from %s\n", h_source);
    if (!json && d_source[0]) printf("D from %s\n", d_source);
    if (json) { ep_jv_write(res, stdout, 2); fputc('\n', stdout); }
    else ep_predict_write_text(res, stdout);
    ep_jv_free(res);
    return EP_EXIT_OK;
}
