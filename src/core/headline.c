/* The headline entropy of a shard or corpus: the tightest justified estimate available, with the
 * bracket around it. Rule (docs/estimators.md): the first present estimate in PREFERENCE gives the
 * point value; the lower side is the largest lower_bound estimate, the upper side the smallest
 * upper_bound estimate, both converted to bits per byte for comparison across tokenizers. */
#include <math.h>
#include <string.h>

#include "entroprof/scan.h"

static const char *const PREFERENCE[] = {
    "heldout_mkn",
    "unigram_grassberger",
    "unigram_plugin",
};

static double est_bpb(const ep_jv *e)
{
    double v = ep_jv_as_num(ep_jv_get(e, "bits_per_byte"), NAN);
    if (isfinite(v)) return v;
    const char *unit = ep_jv_as_str(ep_jv_get(e, "unit"));
    if (unit && !strcmp(unit, "bits_per_byte")) return ep_jv_as_num(ep_jv_get(e, "value"), NAN);
    return NAN;
}

void ep_profile_choose_headline(ep_jv *o)
{
    const ep_jv *ests = ep_jv_get(o, "estimates");
    if (!ests) return;
    const ep_jv *best = NULL;
    const char *best_key = NULL;
    for (size_t i = 0; i < sizeof PREFERENCE / sizeof PREFERENCE[0] && !best; i++) {
        const ep_jv *e = ep_jv_get(ests, PREFERENCE[i]);
        if (e && isfinite(ep_jv_as_num(ep_jv_get(e, "value"), NAN)) && !ep_jv_as_bool(ep_jv_get(e, "undersampled"), 0)) {
            best = e;
            best_key = PREFERENCE[i];
        }
    }
    if (!best) return;
    ep_jv *h = ep_jv_set(o, "entropy", ep_jv_obj());
    const char *unit = ep_jv_as_str(ep_jv_get(best, "unit"));
    double v = ep_jv_as_num(ep_jv_get(best, "value"), NAN);
    double bpb = est_bpb(best);
    if (unit && !strcmp(unit, "bits_per_token")) ep_jv_set(h, "bits_per_token", ep_jv_num(v));
    ep_jv_set(h, "bits_per_byte", ep_jv_num(bpb));
    ep_jv_set(h, "method", ep_jv_str(best_key));
    ep_jv_set(h, "kind", ep_jv_str(ep_jv_as_str(ep_jv_get(best, "kind"))));
    /* Bracket, per byte: tightest lower and upper bounds among all estimates. */
    double lo = -INFINITY, hi = INFINITY;
    const char *lo_key = NULL, *hi_key = NULL;
    for (size_t i = 0; i < ep_jv_len(ests); i++) {
        const ep_jv *e = ep_jv_at(ests, i);
        const char *kind = ep_jv_as_str(ep_jv_get(e, "kind"));
        double b = est_bpb(e);
        if (!kind || !isfinite(b) || ep_jv_as_bool(ep_jv_get(e, "undersampled"), 0)) continue;
        if (!strcmp(kind, "lower_bound") && b > lo) { lo = b; lo_key = ep_jv_key_at(ests, i); }
        if (!strcmp(kind, "upper_bound") && b < hi) { hi = b; hi_key = ep_jv_key_at(ests, i); }
    }
    if (lo_key) {
        ep_jv_set(h, "lower_bits_per_byte", ep_jv_num(lo));
        ep_jv_set(h, "lower_method", ep_jv_str(lo_key));
    }
    if (hi_key) {
        ep_jv_set(h, "upper_bits_per_byte", ep_jv_num(hi));
        ep_jv_set(h, "upper_method", ep_jv_str(hi_key));
    }
}
