#include "entroprof/probe.h"

ep_jv *ep_estimate_add(ep_jv *out, const char *key, double value, const char *unit, const char *kind,
                       const char *method, uint64_t sample_tokens)
{
    ep_jv *est = ep_jv_set(ep_jv_child(out, "estimates"), key, ep_jv_obj());
    if (!est) return NULL;
    ep_jv_set(est, "value", ep_jv_num(value));
    ep_jv_set(est, "unit", ep_jv_str(unit));
    ep_jv_set(est, "kind", ep_jv_str(kind));
    ep_jv_set(est, "method", ep_jv_str(method));
    ep_jv_set(est, "sample_tokens", ep_jv_int((int64_t)sample_tokens));
    return est;
}
