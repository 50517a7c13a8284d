/* Building estimate objects, and the rule that every published estimate is an entropy (>= 0, finite). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "entroprof/probe.h"

/* The ladder's keys end in _h<n> (ngram_plugin_h3): n is the order of the h_n they estimate. */
static int ladder_order(const char *key, int *order)
{
    const char *h = strrchr(key, '_');
    if (!h || h[1] != 'h' || h[2] < '0' || h[2] > '9') return 0;
    char *end;
    long n = strtol(h + 2, &end, 10);
    if (*end || n < 0 || n > 1000) return 0;
    *order = (int)n;
    return 1;
}

ep_jv *ep_estimate_add(ep_jv *out, const char *key, double value, const char *unit, const char *kind,
                       const char *method, uint64_t sample_tokens)
{
    ep_jv *est = ep_jv_set(ep_jv_child(out, "estimates"), key, ep_jv_obj());
    if (!est) return NULL;
    ep_jv_set(est, "value", ep_jv_num(value));
    ep_jv_set(est, "unit", ep_jv_str(unit));
    ep_jv_set(est, "kind", ep_jv_str(kind));
    int order;
    if (ladder_order(key, &order)) ep_estimate_set_estimand(est, EP_ESTIMAND_H_N, order);
    else ep_estimate_set_estimand(est, EP_ESTIMAND_CODE_LENGTH, -1);
    ep_jv_set(est, "method", ep_jv_str(method));
    ep_jv_set(est, "sample_tokens", ep_jv_int((int64_t)sample_tokens));
    return est;
}

void ep_estimate_set_estimand(ep_jv *est, const char *estimand, int order)
{
    ep_jv_set(est, "estimates", ep_jv_str(estimand));
    if (order >= 0) ep_jv_set(est, "order", ep_jv_int(order));
}

/* Entropies are >= 0 by definition; a plug-in or bias-corrected h_n of a high order comes out
 * slightly negative from sampling noise (h_n = H_{n+1} - H_n of two nearly equal estimates, e.g.
 * -6e-5 on a byte chain) or badly negative when the n-gram tables sample keys under a small --mem
 * (alice29 h_7: -1.44 at 4M). The estimate's best value is then 0; the raw number is kept. */
static void clamp_field(ep_jv *e, const char *key, const char *raw_key)
{
    const ep_jv *x = ep_jv_get(e, key);
    if (!x || (ep_jv_typeof(x) != EP_JV_NUM && ep_jv_typeof(x) != EP_JV_INT)) return;
    double v = ep_jv_as_num(x, 0);
    if (!(v < 0)) return;
    ep_jv_set(e, raw_key, ep_jv_num(v));
    ep_jv_set(e, key, ep_jv_num(0.0));
}

static int finite_or_absent(const ep_jv *e, const char *key, int required)
{
    const ep_jv *x = ep_jv_get(e, key);
    if (!x) return !required;
    ep_jv_type t = ep_jv_typeof(x);
    if (t == EP_JV_INT) return 1;
    return t == EP_JV_NUM && isfinite(ep_jv_as_num(x, NAN));
}

void ep_estimates_clamp(ep_jv *out)
{
    ep_jv *ests = (ep_jv *)ep_jv_get(out, "estimates");
    /* Non-finite first: such an estimate says nothing; it is removed and named. */
    for (size_t i = ep_jv_len(ests); i-- > 0;) {
        ep_jv *e = (ep_jv *)ep_jv_at(ests, i);
        if (finite_or_absent(e, "value", 1) && finite_or_absent(e, "bits_per_byte", 0)) continue;
        const char *key = ep_jv_key_at(ests, i);
        ep_jv *dropped = (ep_jv *)ep_jv_get(out, "estimates_dropped");
        if (!dropped) dropped = ep_jv_set(out, "estimates_dropped", ep_jv_arr());
        ep_jv *d = ep_jv_push(dropped, ep_jv_obj());
        ep_jv_set(d, "estimate", ep_jv_str(key));
        ep_jv_set(d, "reason", ep_jv_str("value or bits_per_byte not finite"));
        ep_jv_del(ests, key);
    }
    for (size_t i = 0; i < ep_jv_len(ests); i++) {
        ep_jv *e = (ep_jv *)ep_jv_at(ests, i);
        clamp_field(e, "value", "raw_value");
        clamp_field(e, "bits_per_byte", "raw_bits_per_byte");
    }
}
