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

void ep_probe_gave_up(ep_jv *out, const char *probe, const char *reason)
{
    const ep_jv *have = ep_jv_get(out, "probe_errors");
    /* out is the caller's to change, and so is what it holds */
    ep_jv *list = have && ep_jv_typeof(have) == EP_JV_ARR ? (ep_jv *)have : ep_jv_set(out, "probe_errors", ep_jv_arr());
    ep_jv *e = list ? ep_jv_push(list, ep_jv_obj()) : NULL;
    if (!e) return;
    ep_jv_set(e, "probe", ep_jv_str(probe));
    ep_jv_set(e, "error", ep_jv_str(reason));
}
