/* The headline entropy of a shard or corpus and the bracket around it (docs/estimators.md).
 *
 * Candidates, both in bits per token and per byte:
 *   ladder: ngram_grassberger_h<n*>, n* the largest n such that h_0 .. h_n are all well sampled
 *           (distinct/N <= 0.1). h_n >= rate for the exact h_n; Grassberger keeps the estimate close
 *           to h_n while the order is well sampled, so it is the lowest well-founded value;
 *   mkn:    heldout_mkn, a held-out code length: an upper bound on the rate in expectation.
 * Headline = the ladder value when present and not above heldout_mkn (kind "point"), else
 * heldout_mkn (kind "upper_bound"), else unigram_grassberger, else unigram_plugin.
 * Bracket: lower side = the ladder value (method named); upper side = the smallest upper_bound
 * estimate per byte (heldout_mkn, zstd_<level>, lm_prequential, unigram_grassberger ...). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "entroprof/scan.h"

static double num(const ep_jv *e, const char *key) { return ep_jv_as_num(ep_jv_get(e, key), NAN); }

static double est_bpb(const ep_jv *e)
{
    double v = num(e, "bits_per_byte");
    if (isfinite(v)) return v;
    const char *unit = ep_jv_as_str(ep_jv_get(e, "unit"));
    if (unit && !strcmp(unit, "bits_per_byte")) return num(e, "value");
    return NAN;
}

static int usable(const ep_jv *e)
{
    return e && isfinite(num(e, "value")) && !ep_jv_as_bool(ep_jv_get(e, "undersampled"), 0);
}

/* Key of the Grassberger ladder estimate at the last well-sampled order, or NULL. */
static const ep_jv *ladder_best(const ep_jv *ests, char *key, size_t keylen)
{
    const ep_jv *best = NULL;
    for (int n = 0; n < 64; n++) {
        char k[48];
        snprintf(k, sizeof k, "ngram_grassberger_h%d", n);
        const ep_jv *e = ep_jv_get(ests, k);
        if (!usable(e)) break;
        best = e;
        snprintf(key, keylen, "%s", k);
    }
    return best;
}

static void set_side(ep_jv *h, const char *prefix, const ep_jv *e, const char *key)
{
    char k[64];
    const char *unit = ep_jv_as_str(ep_jv_get(e, "unit"));
    if (unit && !strcmp(unit, "bits_per_token")) {
        snprintf(k, sizeof k, "%s_bits_per_token", prefix);
        ep_jv_set(h, k, ep_jv_num(num(e, "value")));
    }
    snprintf(k, sizeof k, "%s_bits_per_byte", prefix);
    ep_jv_set(h, k, ep_jv_num(est_bpb(e)));
    snprintf(k, sizeof k, "%s_method", prefix);
    ep_jv_set(h, k, ep_jv_str(key));
}

void ep_profile_choose_headline(ep_jv *o)
{
    const ep_jv *ests = ep_jv_get(o, "estimates");
    if (!ests) return;
    char lkey[48] = "";
    const ep_jv *ladder = ladder_best(ests, lkey, sizeof lkey);
    const ep_jv *mkn = ep_jv_get(ests, "heldout_mkn");
    if (!usable(mkn)) mkn = NULL;
    const ep_jv *best = NULL;
    const char *best_key = NULL;
    if (ladder && (!mkn || num(ladder, "value") <= num(mkn, "value"))) { best = ladder; best_key = lkey; }
    else if (mkn) { best = mkn; best_key = "heldout_mkn"; }
    else if (usable(ep_jv_get(ests, "unigram_grassberger"))) { best = ep_jv_get(ests, "unigram_grassberger"); best_key = "unigram_grassberger"; }
    else if (usable(ep_jv_get(ests, "unigram_plugin"))) { best = ep_jv_get(ests, "unigram_plugin"); best_key = "unigram_plugin"; }
    if (!best) return;

    ep_jv *h = ep_jv_set(o, "entropy", ep_jv_obj());
    const char *unit = ep_jv_as_str(ep_jv_get(best, "unit"));
    if (unit && !strcmp(unit, "bits_per_token")) ep_jv_set(h, "bits_per_token", ep_jv_num(num(best, "value")));
    ep_jv_set(h, "bits_per_byte", ep_jv_num(est_bpb(best)));
    ep_jv_set(h, "method", ep_jv_str(best_key));
    ep_jv_set(h, "kind", ep_jv_str(ep_jv_as_str(ep_jv_get(best, "kind"))));
    ep_jv_set(h, "sample_tokens", ep_jv_int(ep_jv_as_int(ep_jv_get(best, "sample_tokens"), 0)));
    if (ladder) set_side(h, "lower", ladder, lkey);
    /* Upper side: the smallest upper bound per byte over all estimates. */
    const ep_jv *up = NULL;
    const char *up_key = NULL;
    double up_bpb = INFINITY;
    for (size_t i = 0; i < ep_jv_len(ests); i++) {
        const ep_jv *e = ep_jv_at(ests, i);
        const char *kind = ep_jv_as_str(ep_jv_get(e, "kind"));
        double b = est_bpb(e);
        if (kind && !strcmp(kind, "upper_bound") && usable(e) && isfinite(b) && b < up_bpb) {
            up = e;
            up_key = ep_jv_key_at(ests, i);
            up_bpb = b;
        }
    }
    if (up) set_side(h, "upper", up, up_key);
    /* Information content of the deduplicated data: D_eff x H (bits), with H the headline per token
     * and, as a range, the two sides of the bracket. Needs the dedup-aware token count. */
    double deff = ep_jv_as_num(ep_jv_path(o, "dedup.D_eff"), NAN), hpt = num(h, "bits_per_token");
    if (isfinite(deff) && isfinite(hpt)) {
        ep_jv *dd = ep_jv_child(o, "dedup"); /* exists: D_eff was found in it */
        ep_jv_set(dd, "information_bits", ep_jv_num(deff * hpt));
        double lo = num(h, "lower_bits_per_token"), hi = num(h, "upper_bits_per_token");
        if (isfinite(lo)) ep_jv_set(dd, "information_bits_lower_side", ep_jv_num(deff * lo));
        if (isfinite(hi)) ep_jv_set(dd, "information_bits_upper_side", ep_jv_num(deff * hi));
    }
}
