/* ep_probe_gave_up: how a probe says that it gave up on a shard (include/entroprof/probe.h). */
#include "entroprof/probe.h"

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
