/* The headline entropy of a shard or corpus and the bracket around it (docs/estimators.md §5).
 *
 * Inputs (estimates by key): the Grassberger ladder ngram_grassberger_h<n> (n = context length,
 * with distinct_over_n of its (n+1)-grams), heldout_mkn (value, stderr, heldout_tokens,
 * orders_crossfit) and every estimate of kind upper_bound (heldout_mkn, zstd_<level>,
 * unigram_grassberger, lm_prequential ...).
 *
 * 1. Order. The order the sample supports is the one held-out MKN selects by cross-fitting:
 *    n_sel = min(orders_crossfit) - 1 (an order-k model conditions on k-1 tokens). Without MKN,
 *    n_sel = the last order with distinct/N <= EP_HEADLINE_WELL_SAMPLED (the first version's rule).
 * 2. Ladder value L = Grassberger h_{n*}, n* the largest n <= n_sel with distinct/N <=
 *    EP_HEADLINE_MAX_DISTINCT at every order 0..n (bias of Grassberger h_n there: docs §5 grid).
 * 3. undersampled = n* < n_sel, or no ladder order qualifies, or the coincidences of longer
 *    n-grams exceed what the selected order predicts (hidden_structure: memory the sample shows
 *    but cannot resolve; `longer_memory_unresolved`): the sample does not pin down h.
 * 4. MKN may win only with >= EP_HEADLINE_MKN_MIN_HELDOUT held-out tokens (below that its value
 *    scatters around and below the rate). Headline: when n* = n_sel, L unless MKN (allowed) is
 *    lower; otherwise MKN if allowed, else L, else unigram_grassberger, else unigram_plugin, else
 *    Grassberger h_0 however sparse (flagged). (The coincidence part of 3 widens the bracket; it
 *    does not change the headline.)
 * 5. The headline never exceeds the smallest upper bound, per byte and per token: if it does, the
 *    headline is that bound (kind upper_bound, `clamped_from` names the candidate).
 * 6. Bracket. Upper side: the smallest upper bound per byte, each counted at value + 2 standard
 *    errors where the estimate has a sampling error (`stderr`: held-out MKN); per token from the
 *    estimate's own value, else converted with the shard's bytes per token. Lower side: L when
 *    well sampled and L <= headline x (1 + EP_HEADLINE_LOWER_SLACK) (capped at the headline);
 *    otherwise the smallest Grassberger h_n over all orders (the
 *    most undersampled orders are biased far below the rate, so the bracket is wide but contains
 *    it) when that is <= the headline; else no lower side. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "entroprof/scan.h"

#define LADDER_MAX 64

static double num(const ep_jv *e, const char *key) { return ep_jv_as_num(ep_jv_get(e, key), NAN); }

static double est_bpb(const ep_jv *e)
{
    double v = num(e, "bits_per_byte");
    if (isfinite(v)) return v;
    const char *unit = ep_jv_as_str(ep_jv_get(e, "unit"));
    if (unit && !strcmp(unit, "bits_per_byte")) return num(e, "value");
    return NAN;
}

/* Bits per token of an estimate: its value when per token, else per byte x bytes per token. */
static double est_bpt(const ep_jv *e, double bytes_per_token)
{
    const char *unit = ep_jv_as_str(ep_jv_get(e, "unit"));
    if (unit && !strcmp(unit, "bits_per_token")) return num(e, "value");
    double b = est_bpb(e);
    return isfinite(b) && isfinite(bytes_per_token) && bytes_per_token > 0 ? b * bytes_per_token : NAN;
}

static int finite_value(const ep_jv *e) { return e && isfinite(num(e, "value")); }

/* A candidate value with its source. */
typedef struct {
    double bpt, bpb;
    const char *method;
    const char *kind;
    int64_t sample_tokens;
} side;

static side side_of(const ep_jv *e, const char *key, double bytes_per_token)
{
    side s = {est_bpt(e, bytes_per_token), est_bpb(e), key, ep_jv_as_str(ep_jv_get(e, "kind")),
              ep_jv_as_int(ep_jv_get(e, "sample_tokens"), 0)};
    return s;
}

static void put(ep_jv *h, const char *prefix, double bpt, double bpb, const char *method)
{
    char k[64];
    if (isfinite(bpt)) {
        snprintf(k, sizeof k, "%s_bits_per_token", prefix);
        ep_jv_set(h, k, ep_jv_num(bpt));
    }
    snprintf(k, sizeof k, "%s_bits_per_byte", prefix);
    ep_jv_set(h, k, ep_jv_num(bpb));
    snprintf(k, sizeof k, "%s_method", prefix);
    ep_jv_set(h, k, ep_jv_str(method));
}

/* Collision probability of the (n+1)-grams of ladder order n: coincident pairs / (N (N-1) / 2). */
static double collision(const ep_jv *e)
{
    double pairs = num(e, "coincident_pairs"), n = num(e, "sample_tokens");
    return isfinite(pairs) && n > 1 ? pairs / (n * (n - 1) / 2) : NAN;
}

/* Structure beyond the selected order that the held-out model could not use (docs/estimators.md
 * §5): if the source had no memory beyond n_sel, the collision probability of (m+1)-grams would
 * fall by the factor C_{n_sel} / C_{n_sel-1} per added token (C_{-1} = 1). Coincidences at least
 * EP_HEADLINE_HIDDEN_RATIO times that prediction, on at least EP_HEADLINE_HIDDEN_MIN_PAIRS pairs,
 * mean a longer memory the sample shows but cannot resolve. */
static int hidden_structure(const ep_jv *const *lad, int K, int n_sel)
{
    double c = collision(lad[n_sel]), prev = n_sel > 0 ? collision(lad[n_sel - 1]) : 1.0;
    if (!(c > 0) || !(prev > 0)) return 0;
    double pred = c, ratio = c / prev;
    for (int m = n_sel + 1; m < K; m++) {
        pred *= ratio;
        double obs = collision(lad[m]);
        if (num(lad[m], "coincident_pairs") >= EP_HEADLINE_HIDDEN_MIN_PAIRS && obs >= EP_HEADLINE_HIDDEN_RATIO * pred)
            return 1;
    }
    return 0;
}

void ep_profile_choose_headline(ep_jv *o)
{
    const ep_jv *ests = ep_jv_get(o, "estimates");
    if (!ests) return;
    double bpt_ratio = ep_jv_as_num(ep_jv_get(o, "bytes_per_token"), NAN);

    /* The ladder: Grassberger h_n and distinct/N of its (n+1)-grams, n = 0.. */
    const ep_jv *lad[LADDER_MAX];
    char lad_key[LADDER_MAX][40];
    int K = 0;
    for (; K < LADDER_MAX; K++) {
        snprintf(lad_key[K], sizeof lad_key[K], "ngram_grassberger_h%d", K);
        lad[K] = ep_jv_get(ests, lad_key[K]);
        if (!finite_value(lad[K])) break;
    }

    /* 1. The order the sample supports. */
    const ep_jv *mkn = ep_jv_get(ests, "heldout_mkn");
    if (!finite_value(mkn)) mkn = NULL;
    int n_sel = -1, by_mkn = 0;
    const ep_jv *oc = mkn ? ep_jv_get(mkn, "orders_crossfit") : NULL;
    if (oc && ep_jv_len(oc) == 2) {
        int64_t a = ep_jv_as_int(ep_jv_at(oc, 0), 0), b = ep_jv_as_int(ep_jv_at(oc, 1), 0);
        int64_t k = a < b ? a : b;
        if (k >= 1) {
            n_sel = (int)(k - 1 < K - 1 ? k - 1 : K - 1);
            by_mkn = 1;
        }
    }
    if (!by_mkn)
        for (int n = 0; n < K && num(lad[n], "distinct_over_n") <= EP_HEADLINE_WELL_SAMPLED; n++) n_sel = n;

    /* 2. Ladder value at the largest order <= n_sel with a small Grassberger bias. */
    int nstar = -1;
    for (int n = 0; n <= n_sel && n < K && num(lad[n], "distinct_over_n") <= EP_HEADLINE_MAX_DISTINCT; n++)
        nstar = n;

    /* 3. Undersampled? */
    int limited = nstar < 0 || nstar < n_sel; /* h at the selected order is out of the ladder's reach */
    int undersampled = limited;
    int hidden = n_sel >= 0 && hidden_structure(lad, K, n_sel);
    if (hidden) undersampled = 1;

    /* 4. Candidate headline. */
    int mkn_ok = mkn && ep_jv_as_int(ep_jv_get(mkn, "heldout_tokens"), 0) >= EP_HEADLINE_MKN_MIN_HELDOUT;
    side best = {NAN, NAN, NULL, NULL, 0};
    side L = {NAN, NAN, NULL, NULL, 0};
    if (nstar >= 0) {
        L = side_of(lad[nstar], lad_key[nstar], bpt_ratio);
        L.kind = "point";
    }
    if (!limited && L.method) {
        best = L;
        if (mkn_ok && num(mkn, "value") < L.bpt) best = side_of(mkn, "heldout_mkn", bpt_ratio);
    } else if (mkn_ok) {
        best = side_of(mkn, "heldout_mkn", bpt_ratio);
    } else if (L.method) {
        best = L;
    } else {
        const char *fallback[] = {"unigram_grassberger", "unigram_plugin"};
        for (int i = 0; i < 2 && !best.method; i++) {
            const ep_jv *e = ep_jv_get(ests, fallback[i]);
            if (finite_value(e)) best = side_of(e, fallback[i], bpt_ratio);
        }
        if (!best.method && K > 0) best = side_of(lad[0], lad_key[0], bpt_ratio);
    }
    if (!best.method) return;

    /* 5. Never above the smallest upper bound: per byte (the headline becomes that bound), then
     * per token (where bounds convert; only the per-token value is lowered). 6. Upper side, each
     * bound at value + 2 standard errors. */
    side up = {INFINITY, INFINITY, NULL, "upper_bound", 0}, min_b = up, min_t = up;
    for (size_t i = 0; i < ep_jv_len(ests); i++) {
        const ep_jv *e = ep_jv_at(ests, i);
        const char *kind = ep_jv_as_str(ep_jv_get(e, "kind"));
        if (!kind || strcmp(kind, "upper_bound") != 0 || !finite_value(e)) continue;
        side s = side_of(e, ep_jv_key_at(ests, i), bpt_ratio);
        if (!isfinite(s.bpb)) continue;
        if (s.bpb < min_b.bpb) min_b = s;
        if (isfinite(s.bpt) && s.bpt < min_t.bpt) min_t = s;
        double se = num(e, "stderr"), se_b = num(e, "stderr_bits_per_byte");
        if (isfinite(se_b)) s.bpb += 2 * se_b;
        if (isfinite(se) && isfinite(s.bpt)) s.bpt += 2 * se;
        if (s.bpb < up.bpb) up = s;
    }
    const char *clamped_from = NULL, *clamped_per_token_to = NULL;
    if (min_b.method && min_b.bpb < best.bpb) {
        clamped_from = best.method;
        best = min_b;
    }
    if (min_t.method && isfinite(best.bpt) && min_t.bpt < best.bpt) {
        best.bpt = min_t.bpt;
        clamped_per_token_to = min_t.method;
    }

    ep_jv *h = ep_jv_set(o, "entropy", ep_jv_obj());
    if (isfinite(best.bpt)) ep_jv_set(h, "bits_per_token", ep_jv_num(best.bpt));
    ep_jv_set(h, "bits_per_byte", ep_jv_num(best.bpb));
    ep_jv_set(h, "method", ep_jv_str(best.method));
    ep_jv_set(h, "kind", ep_jv_str(best.kind ? best.kind : "point"));
    ep_jv_set(h, "sample_tokens", ep_jv_int(best.sample_tokens));
    ep_jv_set(h, "undersampled", ep_jv_bool(undersampled));
    if (n_sel >= 0) {
        ep_jv_set(h, "order", ep_jv_int(n_sel));
        ep_jv_set(h, "order_selected_by", ep_jv_str(by_mkn ? "heldout_mkn cross-fit" : "ladder coverage"));
    }
    if (hidden) ep_jv_set(h, "longer_memory_unresolved", ep_jv_bool(1));
    if (clamped_from) ep_jv_set(h, "clamped_from", ep_jv_str(clamped_from));
    if (clamped_per_token_to) ep_jv_set(h, "per_token_clamped_to", ep_jv_str(clamped_per_token_to));

    /* Size-independent value (docs/estimators.md §2, "Size"): H at the reference training sample,
     * copied for readers that rank shards (the rate fit stays in estimates). */
    const ep_jv *ref = ep_jv_get(ests, "heldout_mkn_ref");
    if (finite_value(ref)) {
        ep_jv_set(h, "reference_bits_per_token", ep_jv_num(num(ref, "value")));
        ep_jv_set(h, "reference_bits_per_byte", ep_jv_num(est_bpb(ref)));
        ep_jv_set(h, "reference_train_tokens", ep_jv_int(ep_jv_as_int(ep_jv_get(ref, "reference_train_tokens"), 0)));
        ep_jv_set(h, "reference_extrapolated", ep_jv_bool(ep_jv_as_bool(ep_jv_get(ref, "extrapolated"), 0)));
    }

    /* Lower side. */
    side lo = {NAN, NAN, NULL, NULL, 0};
    if (!undersampled && L.method && L.bpb <= best.bpb * (1 + EP_HEADLINE_LOWER_SLACK)) {
        lo = L; /* within the slack above a clamped headline: the lower side is the headline */
        if (lo.bpb > best.bpb) lo.bpb = best.bpb;
        if (isfinite(best.bpt) && lo.bpt > best.bpt) lo.bpt = best.bpt;
    } else {
        for (int n = 0; n < K; n++) {
            side s = side_of(lad[n], lad_key[n], bpt_ratio);
            if (!lo.method || s.bpb < lo.bpb) lo = s;
        }
        if (lo.method && (lo.bpb > best.bpb || lo.bpt > best.bpt)) lo.method = NULL;
    }
    if (lo.method) put(h, "lower", lo.bpt, lo.bpb, lo.method);
    if (up.method) {
        /* up >= the bounds the headline was clamped to, so these only absorb rounding */
        if (up.bpb < best.bpb) up.bpb = best.bpb;
        if (isfinite(up.bpt) && isfinite(best.bpt) && up.bpt < best.bpt) up.bpt = best.bpt;
        put(h, "upper", up.bpt, up.bpb, up.method);
    }

    /* Information content of the deduplicated data: D_eff x H (bits), with H the headline per token
     * and, as a range, the two sides of the bracket. Needs the dedup-aware token count. */
    double deff = ep_jv_as_num(ep_jv_path(o, "dedup.D_eff"), NAN), hpt = num(h, "bits_per_token");
    if (isfinite(deff) && isfinite(hpt)) {
        ep_jv *dd = ep_jv_child(o, "dedup"); /* exists: D_eff was found in it */
        ep_jv_set(dd, "information_bits", ep_jv_num(deff * hpt));
        double lob = num(h, "lower_bits_per_token"), hib = num(h, "upper_bits_per_token");
        if (isfinite(lob)) ep_jv_set(dd, "information_bits_lower_side", ep_jv_num(deff * lob));
        if (isfinite(hib)) ep_jv_set(dd, "information_bits_upper_side", ep_jv_num(deff * hib));
    }
}
