/* The profile checker: the invariants every profile must hold (include/entroprof/check.h,
 * docs/profile-schema.md "Invariants"). Each violation becomes one {where, invariant, message}.
 *
 * Why these: an upper bound is a code length of the sample (zstd, held-out cross-entropy,
 * prequential loss) or an entropy that conditioning can only lower (H_1), so the entropy rate
 * cannot exceed any of them; a headline above one contradicts the profile itself. Entropies are
 * >= 0 by definition, so a negative or non-finite value is an estimator artefact that must never
 * reach a reader. A number is only reproducible when the config records every setting behind it. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "entroprof/analyze.h"
#include "entroprof/check.h"

static const char *const config_keys[] = {
    "tokenizer", "format", "split", "field", "max_doc_bytes", "zstd_level", "zstd_strong_level",
    "zstd_strong_fraction", "zstd_long", "ngram_order", "ngram_sample_tokens", "heldout_fraction", "seed",
    "dedup_estimators", "probes", "mem", "lm", "lm_tokens", NULL};

const char *const *ep_profile_config_keys(void) { return config_keys; }

typedef struct {
    ep_jv *out;
    const char *where;
} report;

static void violation(report *r, const char *invariant, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ep_jv *v = ep_jv_push(r->out, ep_jv_obj());
    ep_jv_set(v, "where", ep_jv_str(r->where));
    ep_jv_set(v, "invariant", ep_jv_str(invariant));
    ep_jv_set(v, "message", ep_jv_str(msg));
}

static int is_number(const ep_jv *x)
{
    return x && (ep_jv_typeof(x) == EP_JV_INT || ep_jv_typeof(x) == EP_JV_NUM);
}

/* a <= b up to rounding: relative tolerance on the larger magnitude. */
static int le_tol(double a, double b) { return a <= b + EP_CHECK_REL_TOL * fmax(fabs(a), fabs(b)); }

static int str_is(const ep_jv *x, const char *s)
{
    const char *v = ep_jv_as_str(x);
    return v && !strcmp(v, s);
}

/* Invariant 1 on the estimates: value and bits_per_byte finite and >= 0. A null (non-finite
 * written by the JSON writer) or a missing value counts as non-finite. */
static void check_estimate_values(report *r, const ep_jv *ests)
{
    for (size_t i = 0; i < ep_jv_len(ests); i++) {
        const char *key = ep_jv_key_at(ests, i);
        const ep_jv *e = ep_jv_at(ests, i);
        static const char *const fields[] = {"value", "bits_per_byte"};
        for (size_t f = 0; f < 2; f++) {
            const ep_jv *x = ep_jv_get(e, fields[f]);
            if (!x && f == 1) continue; /* bits_per_byte is optional */
            if (!is_number(x) || !isfinite(ep_jv_as_num(x, NAN)))
                violation(r, "finite_nonnegative", "estimates.%s.%s is not a finite number", key, fields[f]);
            else if (ep_jv_as_num(x, 0) < 0)
                violation(r, "finite_nonnegative", "estimates.%s.%s = %.9g is negative", key, fields[f],
                          ep_jv_as_num(x, 0));
        }
    }
}

/* Invariant 1 on the headline object: every number in it finite and >= 0. */
static void check_entropy_values(report *r, const ep_jv *h)
{
    for (size_t i = 0; i < ep_jv_len(h); i++) {
        const ep_jv *x = ep_jv_at(h, i);
        const char *key = ep_jv_key_at(h, i);
        int numeric_key = strstr(key, "bits_per_") != NULL;
        if (ep_jv_typeof(x) == EP_JV_NULL && numeric_key)
            violation(r, "finite_nonnegative", "entropy.%s is not a finite number", key);
        else if (is_number(x) && (!isfinite(ep_jv_as_num(x, NAN)) || ep_jv_as_num(x, 0) < 0))
            violation(r, "finite_nonnegative", "entropy.%s = %.9g is negative or not finite", key,
                      ep_jv_as_num(x, NAN));
    }
}

/* Invariant 2: the headline against every upper bound, per byte (all) and per token (those per token). */
static void check_headline_vs_upper(report *r, const ep_jv *o, const ep_jv *h, const ep_jv *ests)
{
    const ep_jv *hb = ep_jv_get(h, "bits_per_byte"), *ht = ep_jv_get(h, "bits_per_token");
    for (size_t i = 0; i < ep_jv_len(ests); i++) {
        const ep_jv *e = ep_jv_at(ests, i);
        const char *key = ep_jv_key_at(ests, i);
        if (!str_is(ep_jv_get(e, "kind"), "upper_bound")) continue;
        double ub;
        if (is_number(hb) && ep_analyze_shard_entropy(o, key, 1, &ub) && isfinite(ub) &&
            !le_tol(ep_jv_as_num(hb, 0), ub))
            violation(r, "headline_le_upper_bound", "entropy.bits_per_byte %.6f (%s) > upper bound %s %.6f bits/byte",
                      ep_jv_as_num(hb, 0), ep_jv_as_str(ep_jv_get(h, "method")), key, ub);
        const ep_jv *v = ep_jv_get(e, "value");
        if (is_number(ht) && str_is(ep_jv_get(e, "unit"), "bits_per_token") && is_number(v) &&
            isfinite(ep_jv_as_num(v, NAN)) && !le_tol(ep_jv_as_num(ht, 0), ep_jv_as_num(v, 0)))
            violation(r, "headline_le_upper_bound",
                      "entropy.bits_per_token %.6f (%s) > upper bound %s %.6f bits/token", ep_jv_as_num(ht, 0),
                      ep_jv_as_str(ep_jv_get(h, "method")), key, ep_jv_as_num(v, 0));
    }
}

/* Invariant 3: lower side <= headline <= upper side, in each unit where both numbers exist. */
static void check_bracket(report *r, const ep_jv *h)
{
    static const char *const units[] = {"bits_per_byte", "bits_per_token"};
    for (size_t u = 0; u < 2; u++) {
        char lk[48], uk[48];
        snprintf(lk, sizeof lk, "lower_%s", units[u]);
        snprintf(uk, sizeof uk, "upper_%s", units[u]);
        const ep_jv *mid = ep_jv_get(h, units[u]), *lo = ep_jv_get(h, lk), *hi = ep_jv_get(h, uk);
        if (is_number(lo) && is_number(mid) && !le_tol(ep_jv_as_num(lo, 0), ep_jv_as_num(mid, 0)))
            violation(r, "bracket_order", "entropy.%s %.6f (%s) > entropy.%s %.6f", lk, ep_jv_as_num(lo, 0),
                      ep_jv_as_str(ep_jv_get(h, "lower_method")), units[u], ep_jv_as_num(mid, 0));
        if (is_number(hi) && is_number(mid) && !le_tol(ep_jv_as_num(mid, 0), ep_jv_as_num(hi, 0)))
            violation(r, "bracket_order", "entropy.%s %.6f > entropy.%s %.6f (%s)", units[u], ep_jv_as_num(mid, 0),
                      uk, ep_jv_as_num(hi, 0), ep_jv_as_str(ep_jv_get(h, "upper_method")));
        if (is_number(lo) && is_number(hi) && !le_tol(ep_jv_as_num(lo, 0), ep_jv_as_num(hi, 0)))
            violation(r, "bracket_order", "entropy.%s %.6f > entropy.%s %.6f: the bracket is inverted", lk,
                      ep_jv_as_num(lo, 0), uk, ep_jv_as_num(hi, 0));
    }
}

/* Invariant 4: an upper side converts to per token whenever the object has tokens and bytes. */
static void check_upper_per_token(report *r, const ep_jv *o, const ep_jv *h)
{
    double tokens = ep_jv_as_num(ep_jv_get(o, "tokens"), 0), bytes = ep_jv_as_num(ep_jv_get(o, "bytes"), 0);
    if (ep_jv_get(h, "upper_bits_per_byte") && tokens > 0 && bytes > 0 && !ep_jv_get(h, "upper_bits_per_token"))
        violation(r, "upper_per_token_present",
                  "entropy.upper_bits_per_token is missing although the upper side (%s) converts with "
                  "bytes/tokens = %.6f",
                  ep_jv_as_str(ep_jv_get(h, "upper_method")), bytes / tokens);
}

static void check_object(report *r, const ep_jv *o)
{
    const ep_jv *ests = ep_jv_get(o, "estimates"), *h = ep_jv_get(o, "entropy");
    check_estimate_values(r, ests);
    if (!h) return;
    check_entropy_values(r, h);
    check_headline_vs_upper(r, o, h, ests);
    check_bracket(r, h);
    check_upper_per_token(r, o, h);
}

ep_status ep_profile_check(const ep_jv *profile, ep_jv **violations, ep_error *err)
{
    *violations = NULL;
    const ep_jv *shards = ep_jv_get(profile, "shards");
    if (!shards || ep_jv_typeof(shards) != EP_JV_ARR)
        return ep_error_set(err, EP_ERR_FORMAT, "not an entroprof profile: no \"shards\" array");
    report r = {ep_jv_arr(), "config"};
    if (!r.out) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    const ep_jv *config = ep_jv_get(profile, "config");
    for (const char *const *k = config_keys; *k; k++)
        if (!ep_jv_get(config, *k))
            violation(&r, "config_complete", "config.%s is missing (a setting that can change a number)", *k);
    char where[4200];
    for (size_t i = 0; i < ep_jv_len(shards); i++) {
        const ep_jv *s = ep_jv_at(shards, i);
        const char *path = ep_jv_as_str(ep_jv_get(s, "path"));
        snprintf(where, sizeof where, "shard %s", path ? path : "?");
        r.where = where;
        check_object(&r, s);
    }
    const ep_jv *corpus = ep_jv_get(profile, "corpus");
    if (corpus) {
        r.where = "corpus";
        check_object(&r, corpus);
    }
    *violations = r.out;
    return EP_OK;
}
