/* predict: IC-1 both ways, IC-2, training compute, and published scaling laws for one request.
 *
 * IC-1 (An, Song & Li 2024, arXiv 2411.00660, eq. 8): eta N = D (H - L), N in bits, H and L in bits
 * per token. IC-2 (eq. 9): E0 = eta N kB T ln 2. Scaling laws are in nats per token and in their own
 * tokenizers' tokens (Chinchilla: SentencePiece; Kaplan: GPT-2 BPE); we convert L to nats and say
 * so. Constants: REFERENCES.md and docs/analyze.md. */
#include <math.h>
#include <string.h>

#include "entroprof/analyze.h"

void ep_predict_config_default(ep_predict_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->eta_lo = EP_ETA_BITS_LO;
    cfg->eta_hi = EP_ETA_BITS_HI;
    cfg->bits_per_param = 16;
    cfg->temperature_k = 300;
    cfg->j_per_flop = EP_DEFAULT_J_PER_FLOP;
}

double ep_precision_bits(const char *name)
{
    static const struct { const char *name; double bits; } t[] = {
        {"fp32", 32}, {"bf16", 16}, {"fp16", 16}, {"fp8", 8}, {"int8", 8}, {"int4", 4}};
    for (size_t i = 0; name && i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(name, t[i].name)) return t[i].bits;
    return 0;
}

double ep_ic1_bits(double eta, double tokens, double h_bits, double loss_bits)
{
    return tokens * (h_bits - loss_bits) / eta;
}

double ep_ic1_tokens(double eta, double n_bits, double h_bits, double loss_bits)
{
    return eta * n_bits / (h_bits - loss_bits);
}

double ep_muennighoff_effective(double tokens, double unique, double r_star)
{
    if (unique <= 0 || tokens <= unique) return tokens;
    double r = tokens / unique - 1.0;
    return unique + unique * r_star * (1.0 - exp(-r / r_star));
}

double ep_muennighoff_tokens_for(double effective, double unique, double r_star)
{
    if (unique <= 0 || effective <= unique) return effective;
    double x = (effective / unique - 1.0) / r_star;
    if (x >= 1.0) return -1.0; /* D' saturates at U (1 + R*) */
    return unique * (1.0 - r_star * log1p(-x));
}

double ep_step0_loss_nats(double vocab, double logit_sd)
{
    double s2 = logit_sd * logit_sd;
    return log(vocab) + s2 / 2.0 - expm1(s2) / (2.0 * vocab);
}

/* L(N, D) = E + A / N^alpha + B / D^beta (Hoffmann et al. 2022, approach 3), nats per token. */
typedef struct { const char *key, *source; double E, A, B, alpha, beta; } chin_law;

static const chin_law CHINCHILLA = {"chinchilla", "Hoffmann et al. 2022, approach 3", 1.69, 406.4, 410.7, 0.34, 0.28};
static const chin_law EPOCH = {"epoch_refit", "Besiroglu et al. 2024 (Epoch AI), arXiv 2404.10102", 1.8172, 482.01,
                               2085.43, 0.3478, 0.3658};

static double chin_loss(const chin_law *c, double n, double d)
{
    return c->E + c->A / pow(n, c->alpha) + c->B / pow(d, c->beta);
}

/* Kaplan et al. 2020 eq. 1.5: L(N, D) = ((Nc/N)^(aN/aD) + Dc/D)^aD, N non-embedding parameters. */
#define KAPLAN_NC 8.8e13
#define KAPLAN_DC 5.4e13
#define KAPLAN_AN 0.076
#define KAPLAN_AD 0.095

static double kaplan_loss(double n, double d)
{
    return pow(pow(KAPLAN_NC / n, KAPLAN_AN / KAPLAN_AD) + KAPLAN_DC / d, KAPLAN_AD);
}

static void set_reach(ep_jv *o, const char *key, double v, const char *why)
{
    if (v > 0 && isfinite(v)) {
        ep_jv_set(o, key, ep_jv_num(v));
        ep_jv_set(o, "reachable", ep_jv_bool(1));
    } else {
        ep_jv_set(o, key, ep_jv_null());
        ep_jv_set(o, "reachable", ep_jv_bool(0));
        ep_jv_set(o, "why_not", ep_jv_str(why));
    }
}

static void law_chin(ep_jv *laws, const chin_law *c, const ep_predict_config *cfg, double n_ic1, double d_ic1,
                     double unique, int constrained)
{
    double lt = cfg->loss_bits_per_token * EP_LN2;
    ep_jv *o = ep_jv_set(laws, constrained ? "data_constrained" : c->key, ep_jv_obj());
    if (constrained) {
        ep_jv_set(o, "source", ep_jv_str("Muennighoff et al. 2023 (eq. 5: D' = U + U R*(1 - exp(-R_D/R*)), "
                                          "R* = 15.387756) on the Chinchilla approach-3 constants"));
        ep_jv_set(o, "form", ep_jv_str("L = E + A/N^alpha + B/D'^beta"));
        ep_jv_set(o, "unique_tokens", ep_jv_num(unique));
    } else {
        ep_jv_set(o, "source", ep_jv_str(c->source));
        ep_jv_set(o, "form", ep_jv_str("L = E + A/N^alpha + B/D^beta"));
    }
    ep_jv *k = ep_jv_set(o, "constants", ep_jv_obj());
    ep_jv_set(k, "E", ep_jv_num(c->E));
    ep_jv_set(k, "A", ep_jv_num(c->A));
    ep_jv_set(k, "B", ep_jv_num(c->B));
    ep_jv_set(k, "alpha", ep_jv_num(c->alpha));
    ep_jv_set(k, "beta", ep_jv_num(c->beta));
    ep_jv_set(o, "units", ep_jv_str("nats per token (target converted: L_nats = L_bits * ln 2); N = parameters"));
    ep_jv_set(o, "target_loss_nats", ep_jv_num(lt));
    if (cfg->tokens > 0) {
        double d = constrained ? ep_muennighoff_effective(cfg->tokens, unique, EP_MUENNIGHOFF_RD_STAR) : cfg->tokens;
        if (constrained) ep_jv_set(o, "effective_tokens", ep_jv_num(d));
        double floor_nats = c->E + c->B / pow(d, c->beta);
        double rem = lt - floor_nats;
        ep_jv_set(o, "loss_floor_at_tokens_bits", ep_jv_num(floor_nats / EP_LN2));
        set_reach(o, "params", rem > 0 ? pow(c->A / rem, 1.0 / c->alpha) : -1,
                  "target loss is below this law's floor E + B/D^beta at these tokens");
        ep_jv_set(o, "loss_at_ic1_params_bits", ep_jv_num(chin_loss(c, n_ic1, d) / EP_LN2));
    } else {
        double floor_nats = c->E + c->A / pow(cfg->params, c->alpha);
        double rem = lt - floor_nats;
        ep_jv_set(o, "loss_floor_at_params_bits", ep_jv_num(floor_nats / EP_LN2));
        double d = rem > 0 ? pow(c->B / rem, 1.0 / c->beta) : -1;
        if (constrained && d > 0) {
            ep_jv_set(o, "effective_tokens", ep_jv_num(d));
            set_reach(o, "tokens", ep_muennighoff_tokens_for(d, unique, EP_MUENNIGHOFF_RD_STAR),
                      "repeating the unique tokens cannot give enough effective data (D' <= U (1 + R*))");
        } else {
            set_reach(o, "tokens", d, "target loss is below this law's floor E + A/N^alpha at these params");
        }
        double dl = constrained ? ep_muennighoff_effective(d_ic1, unique, EP_MUENNIGHOFF_RD_STAR) : d_ic1;
        ep_jv_set(o, "loss_at_ic1_tokens_bits", ep_jv_num(chin_loss(c, cfg->params, dl) / EP_LN2));
    }
}

static void law_kaplan(ep_jv *laws, const ep_predict_config *cfg, double n_ic1, double d_ic1)
{
    double lt = cfg->loss_bits_per_token * EP_LN2, x;
    ep_jv *o = ep_jv_set(laws, "kaplan", ep_jv_obj());
    ep_jv_set(o, "source", ep_jv_str("Kaplan et al. 2020, eq. 1.5 (Nc = 8.8e13, Dc = 5.4e13, aN = 0.076, aD = 0.095)"));
    ep_jv_set(o, "form", ep_jv_str("L = ((Nc/N)^(aN/aD) + Dc/D)^aD"));
    ep_jv_set(o, "units", ep_jv_str("nats per GPT-2 BPE token; N = non-embedding parameters"));
    ep_jv_set(o, "target_loss_nats", ep_jv_num(lt));
    double la = pow(lt, 1.0 / KAPLAN_AD);
    if (cfg->tokens > 0) {
        x = la - KAPLAN_DC / cfg->tokens;
        set_reach(o, "params", x > 0 ? KAPLAN_NC / pow(x, KAPLAN_AD / KAPLAN_AN) : -1,
                  "target loss is below L(D) = (Dc/D)^aD, the limit of infinite parameters");
        ep_jv_set(o, "loss_at_ic1_params_bits", ep_jv_num(kaplan_loss(n_ic1, cfg->tokens) / EP_LN2));
    } else {
        x = la - pow(KAPLAN_NC / cfg->params, KAPLAN_AN / KAPLAN_AD);
        set_reach(o, "tokens", x > 0 ? KAPLAN_DC / x : -1,
                  "target loss is below L(N) = (Nc/N)^aN, the limit of infinite data");
        ep_jv_set(o, "loss_at_ic1_tokens_bits", ep_jv_num(kaplan_loss(cfg->params, d_ic1) / EP_LN2));
    }
}

static ep_jv *range(double a, double b)
{
    ep_jv *r = ep_jv_arr();
    ep_jv_push(r, ep_jv_num(a < b ? a : b));
    ep_jv_push(r, ep_jv_num(a < b ? b : a));
    return r;
}

ep_status ep_predict_run(const ep_predict_config *cfg, ep_jv **out, ep_error *err)
{
    *out = NULL;
    double h = cfg->h_bits_per_token, l = cfg->loss_bits_per_token;
    if (!(h > 0) || !isfinite(h)) return ep_error_set(err, EP_ERR_ARG, "entropy H must be positive (got %g)", h);
    if (!(l >= 0) || !isfinite(l)) return ep_error_set(err, EP_ERR_ARG, "target loss L must be >= 0 (got %g)", l);
    if (l >= h)
        return ep_error_set(err, EP_ERR_ARG,
                            "target loss L = %g bits/token >= entropy H = %g bits/token: a model cannot learn "
                            "more than the data holds (IC-1 needs H - L > 0)", l, h);
    if ((cfg->tokens > 0) == (cfg->params > 0))
        return ep_error_set(err, EP_ERR_ARG, "give exactly one of tokens D > 0 or params N > 0");
    if (cfg->tokens < 0 || cfg->params < 0 || cfg->unique_tokens < 0)
        return ep_error_set(err, EP_ERR_ARG, "tokens, params and unique tokens must not be negative");
    if (!(cfg->eta_lo > 0) || !(cfg->eta_hi >= cfg->eta_lo) || cfg->eta_hi > 1)
        return ep_error_set(err, EP_ERR_ARG, "eta must satisfy 0 < lo <= hi <= 1 (got %g:%g)", cfg->eta_lo,
                            cfg->eta_hi);
    if (!(cfg->bits_per_param > 0) || !(cfg->temperature_k > 0) || !(cfg->j_per_flop > 0))
        return ep_error_set(err, EP_ERR_ARG, "precision, temperature and J/FLOP must be positive");

    double eta_mid = 0.5 * (cfg->eta_lo + cfg->eta_hi), bpp = cfg->bits_per_param;
    ep_jv *res = ep_jv_obj();
    ep_jv *in = ep_jv_set(res, "inputs", ep_jv_obj());
    ep_jv_set(in, "h_bits_per_token", ep_jv_num(h));
    ep_jv_set(in, "loss_bits_per_token", ep_jv_num(l));
    if (cfg->tokens > 0) ep_jv_set(in, "tokens", ep_jv_num(cfg->tokens));
    else ep_jv_set(in, "params", ep_jv_num(cfg->params));
    if (cfg->unique_tokens > 0) ep_jv_set(in, "unique_tokens", ep_jv_num(cfg->unique_tokens));
    ep_jv *eta = ep_jv_set(in, "eta", ep_jv_obj());
    ep_jv_set(eta, "lo", ep_jv_num(cfg->eta_lo));
    ep_jv_set(eta, "hi", ep_jv_num(cfg->eta_hi));
    ep_jv_set(eta, "mid", ep_jv_num(eta_mid));
    ep_jv_set(in, "bits_per_param", ep_jv_num(bpp));
    ep_jv_set(in, "temperature_k", ep_jv_num(cfg->temperature_k));
    ep_jv_set(in, "j_per_flop", ep_jv_num(cfg->j_per_flop));
    ep_jv_set(res, "eta_note",
              ep_jv_str("The paper's eta in [0.115, 0.268] (arXiv 2411.00660 sec. 5.1) divides Kaplan's losses in "
                        "nats by N in bits; with H and L in bits it is [0.115, 0.268] / ln 2 = [0.166, 0.387], "
                        "the default range here. eta is bits stored per bit of parameters."));

    /* IC-1 */
    ep_jv *ic1 = ep_jv_set(res, "ic1", ep_jv_obj());
    ep_jv_set(ic1, "formula", ep_jv_str("eta * N_bits = D * (H - L), all in bits"));
    double n_bits, n_params, d_tokens, lo, hi;
    if (cfg->tokens > 0) {
        d_tokens = cfg->tokens;
        n_bits = ep_ic1_bits(eta_mid, d_tokens, h, l);
        n_params = n_bits / bpp;
        lo = ep_ic1_bits(cfg->eta_hi, d_tokens, h, l);
        hi = ep_ic1_bits(cfg->eta_lo, d_tokens, h, l);
        ep_jv_set(ic1, "bits", ep_jv_num(n_bits));
        ep_jv_set(ic1, "bits_range", range(lo, hi));
        ep_jv_set(ic1, "params", ep_jv_num(n_params));
        ep_jv_set(ic1, "params_range", range(lo / bpp, hi / bpp));
    } else {
        n_params = cfg->params;
        n_bits = n_params * bpp;
        d_tokens = ep_ic1_tokens(eta_mid, n_bits, h, l);
        ep_jv_set(ic1, "bits", ep_jv_num(n_bits));
        ep_jv_set(ic1, "tokens", ep_jv_num(d_tokens));
        ep_jv_set(ic1, "tokens_range",
                  range(ep_ic1_tokens(cfg->eta_lo, n_bits, h, l), ep_ic1_tokens(cfg->eta_hi, n_bits, h, l)));
    }
    double info = d_tokens * (h - l), flops = 6.0 * n_params * d_tokens;
    /* Inputs each in range can still overflow a double (H = 1e308): an answer of inf or nan is no
     * answer, so refuse rather than print it (flops bounds the others: they are products of these). */
    if (!isfinite(n_bits) || !isfinite(n_params) || !isfinite(d_tokens) || !isfinite(info) || !isfinite(flops) ||
        !(d_tokens > 0) || !(n_params > 0)) {
        ep_jv_free(res);
        return ep_error_set(err, EP_ERR_ARG,
                            "the answer is not a finite positive number (N = %g bits, D = %g tokens, 6ND = %g "
                            "FLOPs): H = %g, L = %g bits/token and the given size are out of range",
                            n_bits, d_tokens, flops, h, l);
    }
    ep_jv_set(ic1, "info_bits", ep_jv_num(info));
    ep_jv_set(ic1, "tokens_per_param", ep_jv_num(d_tokens / n_params));

    /* Training compute: C = 6 N D (Kaplan et al. 2020 sec. 2.1; forward + backward). */
    ep_jv *comp = ep_jv_set(res, "compute", ep_jv_obj());
    ep_jv_set(comp, "formula", ep_jv_str("C = 6 N D (N parameters, D tokens)"));
    ep_jv_set(comp, "flops", ep_jv_num(flops));

    /* IC-2: E0 = eta N kB T ln 2 = D (H - L) kB T ln 2 (eta N is the information moved). */
    ep_jv *en = ep_jv_set(res, "energy", ep_jv_obj());
    ep_jv_set(en, "formula", ep_jv_str("E0 = eta * N_bits * kB * T * ln 2 (IC-2); real = 6ND * J/FLOP"));
    double e0 = info * EP_BOLTZMANN_J_PER_K * cfg->temperature_k * EP_LN2;
    ep_jv_set(en, "landauer_floor_joules", ep_jv_num(e0));
    double real = flops * cfg->j_per_flop;
    ep_jv_set(en, "estimated_joules", ep_jv_num(real));
    ep_jv_set(en, "estimated_kwh", ep_jv_num(real / 3.6e6));
    ep_jv_set(en, "ratio_real_to_floor", ep_jv_num(real / e0));

    /* Published laws, each answering the same request. */
    ep_jv *laws = ep_jv_set(res, "laws", ep_jv_obj());
    law_chin(laws, &CHINCHILLA, cfg, n_params, d_tokens, 0, 0);
    law_chin(laws, &EPOCH, cfg, n_params, d_tokens, 0, 0);
    law_kaplan(laws, cfg, n_params, d_tokens);
    double u = cfg->unique_tokens > 0 ? cfg->unique_tokens : (cfg->tokens > 0 ? cfg->tokens : 0);
    if (cfg->unique_tokens > 0 || cfg->tokens > 0) law_chin(laws, &CHINCHILLA, cfg, n_params, d_tokens, u, 1);
    if (cfg->unique_tokens <= 0)
        ep_jv_set(ep_jv_child(laws, "data_constrained"), "note",
                  ep_jv_str(cfg->tokens > 0 ? "unique tokens unknown: taken as D (no repetition)"
                                            : "unique tokens unknown: not computed"));
    /* Allen-Zhu & Li 2024: ~2 bits of knowledge per parameter, i.e. IC-1 with eta = 2 / bits_per_param. */
    ep_jv *kc = ep_jv_set(laws, "knowledge_capacity", ep_jv_obj());
    ep_jv_set(kc, "source", ep_jv_str("Allen-Zhu & Li 2024: ~2 bits per parameter (eta = 2 / bits_per_param)"));
    if (cfg->tokens > 0) ep_jv_set(kc, "params", ep_jv_num(info / 2.0));
    else ep_jv_set(kc, "tokens", ep_jv_num(2.0 * n_params / (h - l)));
    *out = res;
    return EP_OK;
}
