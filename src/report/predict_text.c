/* Readable text of a predict result (ep_predict_run). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "entroprof/analyze.h"
#include "entroprof/report.h"

static double g(const ep_jv *o, const char *path) { return ep_jv_as_num(ep_jv_path(o, path), -1); }

static void range_line(FILE *f, const ep_jv *ic1, const char *key, const char *label)
{
    const ep_jv *r = ep_jv_get(ic1, key);
    if (ep_jv_len(r) == 2)
        fprintf(f, "  %-22s %.4g .. %.4g\n", label, ep_jv_as_num(ep_jv_at(r, 0), 0), ep_jv_as_num(ep_jv_at(r, 1), 0));
}

ep_status ep_predict_write_text(const ep_jv *p, FILE *f)
{
    int from_tokens = ep_jv_get(ep_jv_get(p, "inputs"), "tokens") != NULL;
    fprintf(f, "inputs: H = %.4f bits/token, target L = %.4f bits/token, ", g(p, "inputs.h_bits_per_token"),
            g(p, "inputs.loss_bits_per_token"));
    if (from_tokens) fprintf(f, "D = %.4g tokens", g(p, "inputs.tokens"));
    else fprintf(f, "N = %.4g parameters", g(p, "inputs.params"));
    fprintf(f, ", %g bits/parameter, eta in [%.4f, %.4f] (mid %.4f)\n", g(p, "inputs.bits_per_param"),
            g(p, "inputs.eta.lo"), g(p, "inputs.eta.hi"), g(p, "inputs.eta.mid"));
    fprintf(f, "note: %s\n\n", ep_jv_as_str(ep_jv_get(p, "eta_note")));
    const ep_jv *ic1 = ep_jv_get(p, "ic1");
    fprintf(f, "IC-1 (%s):\n", ep_jv_as_str(ep_jv_get(ic1, "formula")));
    fprintf(f, "  %-22s %.4g bits\n", "information D(H-L)", g(ic1, "info_bits"));
    if (from_tokens) {
        fprintf(f, "  %-22s %.4g bits\n", "model size N", g(ic1, "bits"));
        range_line(f, ic1, "bits_range", "  over eta range");
        fprintf(f, "  %-22s %.4g\n", "parameters", g(ic1, "params"));
        range_line(f, ic1, "params_range", "  over eta range");
    } else {
        fprintf(f, "  %-22s %.4g bits\n", "model size N", g(ic1, "bits"));
        fprintf(f, "  %-22s %.4g\n", "tokens D", g(ic1, "tokens"));
        range_line(f, ic1, "tokens_range", "  over eta range");
    }
    fprintf(f, "  %-22s %.4g\n\n", "tokens per parameter", g(ic1, "tokens_per_param"));
    fprintf(f, "compute: 6ND = %.4g FLOPs\n", g(p, "compute.flops"));
    fprintf(f, "energy: IC-2 Landauer floor at %g K = %.4g J; at %.3g J/FLOP about %.4g J (%.4g kWh), %.3g x the floor\n\n",
            g(p, "inputs.temperature_k"), g(p, "energy.landauer_floor_joules"), g(p, "inputs.j_per_flop"),
            g(p, "energy.estimated_joules"), g(p, "energy.estimated_kwh"), g(p, "energy.ratio_real_to_floor"));
    fprintf(f, "scaling laws (nats per token in their own tokenizers; L converted with ln 2):\n");
    const ep_jv *laws = ep_jv_get(p, "laws");
    for (size_t i = 0; i < ep_jv_len(laws); i++) {
        const ep_jv *o = ep_jv_at(laws, i);
        const char *key = ep_jv_key_at(laws, i);
        const char *want = from_tokens ? "params" : "tokens";
        const ep_jv *v = ep_jv_get(o, want);
        fprintf(f, "  %-19s ", key);
        if (v && ep_jv_typeof(v) != EP_JV_NULL) fprintf(f, "%s = %.4g", want, ep_jv_as_num(v, 0));
        else if (ep_jv_get(o, "why_not")) fprintf(f, "unreachable: %s", ep_jv_as_str(ep_jv_get(o, "why_not")));
        else if (ep_jv_get(o, "note")) fprintf(f, "%s", ep_jv_as_str(ep_jv_get(o, "note")));
        const ep_jv *la = ep_jv_get(o, from_tokens ? "loss_at_ic1_params_bits" : "loss_at_ic1_tokens_bits");
        if (la && isfinite(ep_jv_as_num(la, NAN))) /* as in the JSON, where a non-finite number is null */
            fprintf(f, "; loss at the IC-1 answer %.4f bits/token", ep_jv_as_num(la, 0));
        fputc('\n', f);
    }
    return ferror(f) ? EP_ERR_IO : EP_OK;
}
