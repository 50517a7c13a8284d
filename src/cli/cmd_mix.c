/* entroprof mix: split a token budget across sources to maximise information (docs/analyze.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "entroprof/analyze.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: entroprof mix SOURCE=PROFILE.json... --budget TOKENS [--max-epochs E]\n"
            "                     [--min SOURCE=share]... [--max SOURCE=share]... [--by ESTIMATOR]\n"
            "                     [--target-loss L] [--eta X | --eta-range A:B] [--precision P] [--json]\n"
            "Maximises sum_i H_i D'_i(t_i) subject to sum t_i <= budget and the limits, where D' discounts\n"
            "repeated tokens (Muennighoff et al. 2023: D' = U + U R*(1 - exp(-R_D/R*)), R* = 15.39) and\n"
            "U is the source's dedup-aware token count. Prints weights, tokens, epochs, information (bits)\n"
            "and the IC-1 model size for the mix (at --target-loss L bits/token, else the L -> 0 bound).\n"
            "Each SOURCE name once. Exit: 0 ok, 2 bad usage (also a repeated SOURCE) or infeasible limits,\n"
            "3 unreadable profile.\n");
}

#define MAX_SRC 256

static int set_share(ep_mix_source *s, size_t n, const char *arg, int is_min)
{
    const char *eq = strchr(arg, '=');
    double x;
    if (!eq || ep_cli_parse_quantity(eq + 1, &x) || x < 0 || x > 1) return 0;
    for (size_t i = 0; i < n; i++)
        if (strlen(s[i].name) == (size_t)(eq - arg) && !strncmp(s[i].name, arg, (size_t)(eq - arg))) {
            if (is_min) s[i].min_share = x;
            else s[i].max_share = x;
            return 1;
        }
    return 0;
}

int cmd_mix(int argc, char **argv)
{
    enum { O_BUDGET = EP_CLI_O_COMMAND, O_MAX_EPOCHS, O_TARGET_LOSS, O_ETA, O_ETA_RANGE, O_PRECISION, O_BY, O_MIN,
           O_MAX, O_JSON };
    static const struct option opts[] = {
        EP_CLI_HELP_OPTION, {"budget", required_argument, 0, O_BUDGET},
        {"max-epochs", required_argument, 0, O_MAX_EPOCHS}, {"target-loss", required_argument, 0, O_TARGET_LOSS},
        {"eta", required_argument, 0, O_ETA}, {"eta-range", required_argument, 0, O_ETA_RANGE},
        {"precision", required_argument, 0, O_PRECISION}, {"by", required_argument, 0, O_BY},
        {"min", required_argument, 0, O_MIN}, {"max", required_argument, 0, O_MAX}, {"json", no_argument, 0, O_JSON},
        {0, 0, 0, 0}};
    ep_mix_config cfg;
    ep_mix_config_default(&cfg);
    ep_predict_config pc;
    ep_predict_config_default(&pc);
    ep_mix_source src[MAX_SRC];
    char *names[MAX_SRC];
    const char *paths[MAX_SRC], *lims[2 * MAX_SRC], *by = NULL;
    int lim_min[2 * MAX_SRC], json = 0, have_l = 0, c, bad = 0;
    size_t n = 0, nl = 0;
    int rc = EP_EXIT_OK;
    double loss = 0;
    ep_cli_args a;
    ep_cli_args_begin(&a, "mix", "entroprof mix SOURCE=PROFILE.json... --budget TOKENS [--max-epochs E] [--json]", "h",
                      opts);
    while (!bad && (c = ep_cli_args_next(&a, argc, argv)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return EP_EXIT_OK;
        case O_JSON: json = 1; break;
        case O_BUDGET: bad = ep_cli_arg_quantity(&a, EP_CLI_POSITIVE, &cfg.budget_tokens); break;
        case O_MAX_EPOCHS: bad = ep_cli_arg_quantity(&a, EP_CLI_POSITIVE, &cfg.max_epochs); break;
        case O_TARGET_LOSS: bad = ep_cli_arg_quantity(&a, EP_CLI_NONNEGATIVE, &loss); have_l = 1; break;
        case O_ETA:
            if (!(bad = ep_cli_arg_quantity(&a, EP_CLI_ANY, &pc.eta_lo))) pc.eta_hi = pc.eta_lo;
            break;
        case O_ETA_RANGE: bad = ep_cli_arg_range(&a, &pc.eta_lo, &pc.eta_hi); break;
        case O_PRECISION: bad = ep_cli_arg_precision(&a, &pc.bits_per_param); break;
        case O_BY: by = a.arg; break;
        case O_MIN:
        case O_MAX:
            if (nl == (size_t)2 * MAX_SRC)
                return ep_cli_usage_error(&a, "more than %d --min/--max limits", 2 * MAX_SRC);
            lim_min[nl] = c == O_MIN;
            lims[nl++] = a.arg;
            break;
        default: return EP_EXIT_USAGE;
        }
    }
    if (bad) return EP_EXIT_USAGE;
    for (int i = a.first_operand; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        if (!eq) {
            rc = ep_cli_usage_error(&a, "unexpected argument '%s' (sources are SOURCE=PROFILE.json)", argv[i]);
            goto done;
        }
        if (n == MAX_SRC) {
            rc = ep_cli_usage_error(&a, "more than %d sources", MAX_SRC);
            goto done;
        }
        size_t len = (size_t)(eq - argv[i]);
        for (size_t k = 0; k < n; k++)
            if (strlen(names[k]) == len && !strncmp(names[k], argv[i], len)) {
                rc = ep_cli_usage_error(&a, "source name '%.*s' given twice (names must differ)", (int)len, argv[i]);
                goto done;
            }
        if (!(names[n] = strndup(argv[i], len))) { rc = EP_EXIT_FATAL; goto done; }
        paths[n] = eq + 1;
        n++;
    }
    if (n == 0) { rc = ep_cli_usage_error(&a, "no source given"); goto done; }
    if (cfg.budget_tokens <= 0) { rc = ep_cli_usage_error(&a, "--budget is required"); goto done; }
    for (size_t k = 0; k < n; k++) {
        ep_error err;
        ep_jv *prof = ep_jv_load_object(paths[k], "a profile", &err);
        if (!prof) { fprintf(stderr, "entroprof mix: %s\n", err.msg); rc = EP_EXIT_FATAL; goto done; }
        const ep_jv *corpus = ep_jv_get(prof, "corpus");
        src[k].name = names[k];
        src[k].min_share = 0;
        src[k].max_share = 1;
        const char *from = NULL;
        int ok = ep_analyze_shard_entropy(corpus, by, 0, &src[k].h_bits_per_token) &&
                 ep_analyze_unique_tokens(corpus, &src[k].unique_tokens, &from) && src[k].unique_tokens > 0;
        ep_jv_free(prof);
        if (!ok) {
            fprintf(stderr, "entroprof mix: %s: corpus entropy (bits/token) or token count missing\n", paths[k]);
            rc = EP_EXIT_USAGE;
            goto done;
        }
    }
    for (size_t k = 0; k < nl; k++)
        if (!set_share(src, n, lims[k], lim_min[k])) {
            fprintf(stderr, "entroprof mix: bad limit '%s' (SOURCE=share in [0,1], SOURCE one of the given names)\n", lims[k]);
            rc = EP_EXIT_USAGE;
            goto done;
        }
    double t[MAX_SRC];
    ep_error err;
    if (ep_mix_solve(src, n, &cfg, t, &err) != EP_OK) {
        fprintf(stderr, "entroprof mix: refused: %s\n", err.msg);
        rc = EP_EXIT_USAGE;
        goto done;
    }
    ep_jv *res = ep_jv_obj();
    ep_jv_set(res, "budget_tokens", ep_jv_num(cfg.budget_tokens));
    if (cfg.max_epochs > 0) ep_jv_set(res, "max_epochs", ep_jv_num(cfg.max_epochs));
    ep_jv_set(res, "objective", ep_jv_str("sum_i H_i * D'_i(tokens_i), D' = U + U R*(1 - exp(-(tokens/U - 1)/R*))"));
    ep_jv *arr = ep_jv_set(res, "sources", ep_jv_arr());
    double used = 0, info = 0, deff = 0, absorbed = 0;
    for (size_t k = 0; k < n; k++) {
        double d = ep_muennighoff_effective(t[k], src[k].unique_tokens, cfg.r_star ? cfg.r_star : EP_MUENNIGHOFF_RD_STAR);
        double ib = src[k].h_bits_per_token * d;
        ep_jv *o = ep_jv_push(arr, ep_jv_obj());
        ep_jv_set(o, "source", ep_jv_str(src[k].name));
        ep_jv_set(o, "h_bits_per_token", ep_jv_num(src[k].h_bits_per_token));
        ep_jv_set(o, "unique_tokens", ep_jv_num(src[k].unique_tokens));
        ep_jv_set(o, "weight", ep_jv_num(t[k] / cfg.budget_tokens));
        ep_jv_set(o, "tokens", ep_jv_num(t[k]));
        ep_jv_set(o, "epochs", ep_jv_num(t[k] / src[k].unique_tokens));
        ep_jv_set(o, "effective_tokens", ep_jv_num(d));
        ep_jv_set(o, "info_bits", ep_jv_num(ib));
        used += t[k];
        info += ib;
        deff += d;
        if (have_l && src[k].h_bits_per_token > loss) absorbed += d * (src[k].h_bits_per_token - loss);
    }
    ep_jv_set(res, "tokens_used", ep_jv_num(used));
    ep_jv_set(res, "info_bits", ep_jv_num(info));
    ep_jv *ic = ep_jv_set(res, "ic1", ep_jv_obj());
    if (!(pc.eta_lo > 0 && pc.eta_hi >= pc.eta_lo && pc.eta_hi <= 1)) {
        fprintf(stderr, "entroprof mix: refused: eta must satisfy 0 < lo <= hi <= 1\n");
        ep_jv_free(res);
        rc = EP_EXIT_USAGE;
        goto done;
    }
    double mid = 0.5 * (pc.eta_lo + pc.eta_hi), moved = have_l ? absorbed : info;
    ep_jv_set(ic, "basis", ep_jv_str(have_l ? "sum_i D'_i (H_i - L)+ at the target loss"
                                            : "L -> 0 bound: all information of the mix (sum_i H_i D'_i)"));
    if (have_l) ep_jv_set(ic, "loss_bits_per_token", ep_jv_num(loss));
    ep_jv_set(ic, "eta_mid", ep_jv_num(mid));
    ep_jv_set(ic, "bits", ep_jv_num(moved / mid));
    ep_jv *br = ep_jv_set(ic, "bits_range", ep_jv_arr());
    ep_jv_push(br, ep_jv_num(moved / pc.eta_hi));
    ep_jv_push(br, ep_jv_num(moved / pc.eta_lo));
    ep_jv_set(ic, "params", ep_jv_num(moved / mid / pc.bits_per_param));
    ep_jv_set(ic, "bits_per_param", ep_jv_num(pc.bits_per_param));
    if (json) {
        ep_jv_write(res, stdout, 2);
        fputc('\n', stdout);
    } else {
        printf("source\tH_bits_per_token\tunique_tokens\tweight\ttokens\tepochs\teffective_tokens\tinfo_bits\n");
        for (size_t k = 0; k < n; k++) {
            const ep_jv *o = ep_jv_at(arr, k);
            printf("%s\t%.4f\t%.6g\t%.4f\t%.6g\t%.3f\t%.6g\t%.6g\n", src[k].name, src[k].h_bits_per_token,
                   src[k].unique_tokens, ep_jv_as_num(ep_jv_get(o, "weight"), 0), t[k],
                   ep_jv_as_num(ep_jv_get(o, "epochs"), 0), ep_jv_as_num(ep_jv_get(o, "effective_tokens"), 0),
                   ep_jv_as_num(ep_jv_get(o, "info_bits"), 0));
        }
        printf("# tokens used %.6g of budget %.6g; expected information %.6g bits (%.6g effective tokens)\n", used,
               cfg.budget_tokens, info, deff);
        printf("# IC-1 model size for the mix (%s): %.4g bits = %.4g parameters at %g bits/param "
               "(eta %.3f..%.3f: %.4g..%.4g bits)\n",
               have_l ? "at the target loss" : "L -> 0 upper bound", moved / mid, moved / mid / pc.bits_per_param,
               pc.bits_per_param, pc.eta_lo, pc.eta_hi, moved / pc.eta_hi, moved / pc.eta_lo);
    }
    ep_jv_free(res);
done:
    for (size_t k = 0; k < n; k++) free(names[k]);
    return rc;
}
