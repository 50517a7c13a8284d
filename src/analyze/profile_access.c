/* Reading entropy and token counts out of a profile shard, without inventing anything. */
#include <math.h>
#include <string.h>

#include "entroprof/analyze.h"

static int num_at(const ep_jv *obj, const char *path, double *v)
{
    const ep_jv *x = ep_jv_path(obj, path);
    if (!x) return 0;
    ep_jv_type t = ep_jv_typeof(x);
    if (t != EP_JV_INT && t != EP_JV_NUM) return 0;
    *v = ep_jv_as_num(x, 0.0);
    return isfinite(*v); /* NaN or inf (json-c reads them) is no value: absent, never ranked */
}

/* bits_per_byte = bits_per_token * tokens / bytes: both counts are of the same text, so the total
 * code length tokens*bits_per_token is spread over the bytes instead (REFERENCES.md, Units). */
static int convert(const ep_jv *shard, double v, int from_bpb, int want_bpb, double *out)
{
    if (from_bpb == want_bpb) { *out = v; return 1; }
    double tokens, bytes;
    if (!num_at(shard, "tokens", &tokens) || !num_at(shard, "bytes", &bytes) || tokens <= 0 || bytes <= 0)
        return 0;
    *out = from_bpb ? v * bytes / tokens : v * tokens / bytes;
    return isfinite(*out);
}

int ep_analyze_shard_entropy(const ep_jv *shard, const char *by, int want_bits_per_byte, double *value)
{
    if (!shard) return 0;
    if (!by) {
        const ep_jv *e = ep_jv_get(shard, "entropy");
        if (!e) return 0;
        double v;
        if (num_at(e, want_bits_per_byte ? "bits_per_byte" : "bits_per_token", &v)) { *value = v; return 1; }
        if (num_at(e, want_bits_per_byte ? "bits_per_token" : "bits_per_byte", &v))
            return convert(shard, v, !want_bits_per_byte, want_bits_per_byte, value);
        return 0;
    }
    const ep_jv *est = ep_jv_get(ep_jv_get(shard, "estimates"), by);
    if (!est) return 0;
    double v;
    const char *unit = ep_jv_as_str(ep_jv_get(est, "unit"));
    if (!num_at(est, "value", &v) || !unit) return 0;
    if (want_bits_per_byte && num_at(est, "bits_per_byte", value)) return 1;
    if (!strcmp(unit, "bits_per_byte")) return convert(shard, v, 1, want_bits_per_byte, value);
    if (!strcmp(unit, "bits_per_token")) return convert(shard, v, 0, want_bits_per_byte, value);
    return 0; /* another unit (bits_per_char, ...): not comparable, absent */
}

int ep_analyze_unique_tokens(const ep_jv *shard, double *tokens, const char **source)
{
    static const char *const keys[] = {"dedup.D_eff", "dedup.unique_tokens"};
    double v, dup_bytes, bytes;
    for (size_t i = 0; i < 2; i++) {
        if (num_at(shard, keys[i], &v) && v >= 0) {
            *tokens = v;
            if (source) *source = keys[i];
            return 1;
        }
    }
    if (!num_at(shard, "tokens", &v) || v < 0) return 0;
    /* Exact-dedup only: remove the duplicate documents' share of the bytes from the tokens (exact
     * for byte tokens, proportional otherwise). */
    if (num_at(shard, "dedup.exact_dup_bytes", &dup_bytes) && num_at(shard, "bytes", &bytes) && bytes > 0 &&
        dup_bytes >= 0 && dup_bytes <= bytes) {
        *tokens = v * (1.0 - dup_bytes / bytes);
        if (source) *source = "tokens x (1 - dedup.exact_dup_bytes / bytes)";
        return 1;
    }
    *tokens = v;
    if (source) *source = "tokens";
    return 1;
}
