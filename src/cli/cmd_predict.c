/* entroprof predict: IC-1 model size (or data) for a target loss, beside published scaling laws. */
#include <stdio.h>
#include <string.h>

#include "cli/analyze_args.h"
#include "cli/commands.h"
#include "entroprof/analyze.h"

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

static int bad(const char *what)
{
    fprintf(stderr, "predict: %s\n", what);
    return EP_EXIT_USAGE;
}

int cmd_predict(int argc, char **argv)
{
    ep_predict_config cfg;
    ep_predict_config_default(&cfg);
    const char *path = NULL, *by = NULL, *v;
    char h_source[300] = "", d_source[300] = "";
    double h = -1, l = -1, x;
    int nats = 0, json = 0, have_l = 0, have_h = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { usage(stdout); return EP_EXIT_OK; }
        if (!strcmp(argv[i], "--nats")) nats = 1;
        else if (!strcmp(argv[i], "--json")) json = 1;
        else if ((v = ep_cli_opt(argc, argv, &i, "--target-loss"))) {
            if (!ep_cli_num(v, &l)) return bad("--target-loss needs a number");
            have_l = 1;
        } else if ((v = ep_cli_opt(argc, argv, &i, "--h"))) {
            if (!ep_cli_num(v, &h)) return bad("--h needs a number");
            have_h = 1;
        } else if ((v = ep_cli_opt(argc, argv, &i, "--tokens"))) {
            if (!ep_cli_num(v, &x)) return bad("--tokens needs a number");
            if (x <= 0) return bad("refused: --tokens must be > 0");
            cfg.tokens = x;
        } else if ((v = ep_cli_opt(argc, argv, &i, "--params"))) {
            if (!ep_cli_num(v, &x)) return bad("--params needs a number");
            if (x <= 0) return bad("refused: --params must be > 0");
            cfg.params = x;
        } else if ((v = ep_cli_opt(argc, argv, &i, "--unique-tokens"))) {
            if (!ep_cli_num(v, &x) || x <= 0) return bad("--unique-tokens needs a number > 0");
            cfg.unique_tokens = x;
        } else if ((v = ep_cli_opt(argc, argv, &i, "--eta"))) {
            if (!ep_cli_num(v, &x)) return bad("--eta needs a number");
            cfg.eta_lo = cfg.eta_hi = x;
        } else if ((v = ep_cli_opt(argc, argv, &i, "--eta-range"))) {
            const char *colon = strchr(v, ':');
            char a[64];
            if (!colon || (size_t)(colon - v) >= sizeof a) return bad("--eta-range needs A:B");
            memcpy(a, v, (size_t)(colon - v));
            a[colon - v] = '\0';
            if (!ep_cli_num(a, &cfg.eta_lo) || !ep_cli_num(colon + 1, &cfg.eta_hi)) return bad("--eta-range needs A:B");
        } else if ((v = ep_cli_opt(argc, argv, &i, "--precision"))) {
            cfg.bits_per_param = ep_precision_bits(v);
            if (cfg.bits_per_param <= 0) return bad("--precision must be fp32, bf16, fp16, fp8, int8 or int4");
        } else if ((v = ep_cli_opt(argc, argv, &i, "--temperature"))) {
            if (!ep_cli_num(v, &cfg.temperature_k)) return bad("--temperature needs a number (kelvin)");
        } else if ((v = ep_cli_opt(argc, argv, &i, "--hw-efficiency"))) {
            if (!ep_cli_num(v, &cfg.j_per_flop)) return bad("--hw-efficiency needs a number (J/FLOP)");
        } else if ((v = ep_cli_opt(argc, argv, &i, "--by"))) by = v;
        else if (argv[i][0] == '-' || path) {
            fprintf(stderr, "predict: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return EP_EXIT_USAGE;
        } else path = argv[i];
    }
    if (!have_l) { usage(stderr); return bad("--target-loss is required"); }
    if (cfg.tokens > 0 && cfg.params > 0) return bad("give --tokens or --params, not both");
    if (!path && !have_h) return bad("give a PROFILE.json or --h H");
    if (!path && cfg.tokens <= 0 && cfg.params <= 0) return bad("without a profile give --tokens or --params");
    if (path) {
        ep_error err;
        ep_jv *prof = ep_jv_load_object(path, "a profile", &err);
        if (!prof) { fprintf(stderr, "predict: %s\n", err.msg); return EP_EXIT_FATAL; }
        const ep_jv *corpus = ep_jv_get(prof, "corpus");
        if (!have_h) {
            if (!ep_analyze_shard_entropy(corpus, by, 0, &h)) {
                fprintf(stderr, "predict: %s has no corpus entropy in bits per token%s%s; give --h\n", path,
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
                fprintf(stderr, "predict: %s has no corpus token count; give --tokens or --params\n", path);
                ep_jv_free(prof);
                return EP_EXIT_USAGE;
            }
            cfg.tokens = u;
            snprintf(d_source, sizeof d_source, "%s: corpus %s", path, src);
        }
        if (cfg.unique_tokens <= 0 && ep_analyze_unique_tokens(corpus, &u, &src) && u > 0 && strcmp(src, "tokens"))
            cfg.unique_tokens = u;
        ep_jv_free(prof);
    }
    if (nats) { h /= EP_LN2; l /= EP_LN2; }
    cfg.h_bits_per_token = h;
    cfg.loss_bits_per_token = l;
    ep_error err;
    ep_jv *res = NULL;
    if (ep_predict_run(&cfg, &res, &err) != EP_OK) {
        fprintf(stderr, "predict: refused: %s\n", err.msg);
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
