/* rank: order shards by entropy, with guardrails that set noise and junk apart.
 *
 * High entropy is also what noise looks like, so a shard is only ranked when no guardrail fires;
 * flagged shards are listed apart with their reasons, never silently reordered. Ranking is in bits
 * per byte by default (comparable across tokenizers: REFERENCES.md, Units) of the scan's headline,
 * which the scan takes from size-aware estimators (Grassberger / held-out code lengths); each row
 * carries its sample size so that small samples can be seen (and are flagged below a threshold). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entroprof/analyze.h"

void ep_rank_config_default(ep_rank_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->by = NULL;
    cfg->bits_per_byte = 1;
    cfg->max_bpb = 7.5;
    cfg->max_vocab_frac = 0.9;
    cfg->max_upper_bpb = 5.5;
    cfg->max_invalid_per_byte = 0.01;
    cfg->min_bpb = 0.5;
    cfg->max_dup_fraction = 0.3;
    cfg->disagree_tol_bits = 0.05;
    cfg->min_sample_tokens = 10000;
}

static int num(const ep_jv *o, const char *path, double *v)
{
    const ep_jv *x = ep_jv_path(o, path);
    if (!x || (ep_jv_typeof(x) != EP_JV_INT && ep_jv_typeof(x) != EP_JV_NUM)) return 0;
    *v = ep_jv_as_num(x, 0);
    return 1;
}

static void add_flag(ep_jv *flags, const char *name, const char *fmt, double a, double b)
{
    char reason[256];
    snprintf(reason, sizeof reason, fmt, a, b);
    ep_jv *f = ep_jv_push(flags, ep_jv_obj());
    ep_jv_set(f, "flag", ep_jv_str(name));
    ep_jv_set(f, "reason", ep_jv_str(reason));
}

/* Observed vocabulary size, where a probe reported it. */
static int distinct_tokens(const ep_jv *shard, double *k)
{
    static const char *const keys[] = {"estimates.unigram_plugin.types", "estimates.unigram_grassberger.types",
                                       "estimates.unigram_plugin.distinct", "estimates.unigram_grassberger.distinct",
                                       "counters.distinct_tokens"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (num(shard, keys[i], k) && *k >= 2) return 1;
    return 0;
}

/* Tightest bracket from bound estimates, in the ranking unit. */
static void brackets(const ep_jv *shard, int bpb, double *lo, double *hi)
{
    *lo = -INFINITY;
    *hi = INFINITY;
    const ep_jv *ests = ep_jv_get(shard, "estimates");
    for (size_t i = 0; i < ep_jv_len(ests); i++) {
        const char *kind = ep_jv_as_str(ep_jv_get(ep_jv_at(ests, i), "kind"));
        double v;
        if (!kind || !ep_analyze_shard_entropy(shard, ep_jv_key_at(ests, i), bpb, &v)) continue;
        if (!strcmp(kind, "lower_bound") && v > *lo) *lo = v;
        if (!strcmp(kind, "upper_bound") && v < *hi) *hi = v;
    }
}

/* Sample size behind the ranked value: the estimate's sample_tokens; for byte-based estimators
 * (zstd, sample_tokens 0) their input bytes converted with the shard's own tokens/bytes. -1: unknown. */
static double sample_tokens_of(const ep_jv *shard, const char *method)
{
    double sample = -1;
    if (!method) return -1;
    char key[300];
    snprintf(key, sizeof key, "estimates.%s.sample_tokens", method);
    if (!num(shard, key, &sample) || sample <= 0) {
        double in_bytes, tok, byt;
        snprintf(key, sizeof key, "estimates.%s.input_bytes", method);
        sample = num(shard, key, &in_bytes) && num(shard, "tokens", &tok) && num(shard, "bytes", &byt) && byt > 0
                     ? in_bytes * tok / byt : -1;
    }
    return sample;
}

static const char *ranked_method(const ep_jv *shard, const ep_rank_config *cfg)
{
    return cfg->by ? cfg->by : ep_jv_as_str(ep_jv_path(shard, "entropy.method"));
}

static const char *kind_of(const ep_jv *shard, const char *method)
{
    return method ? ep_jv_as_str(ep_jv_get(ep_jv_get(ep_jv_get(shard, "estimates"), method), "kind")) : NULL;
}

/* The guardrails of one shard whose ranked value is h (NAN when it has none). */
static ep_jv *guardrails(const ep_jv *shard, const ep_rank_config *cfg, double h)
{
    ep_jv *flags = ep_jv_arr();
    const char *kind = kind_of(shard, ranked_method(shard, cfg));
    double sample = sample_tokens_of(shard, ranked_method(shard, cfg));
    double lo, hi, dup = -1;
    brackets(shard, cfg->bits_per_byte, &lo, &hi);
    num(shard, "dedup.dup_fraction_docs", &dup);
    double bpb, htok, k, inv, bytes, ntok;
    int have_bpb = ep_analyze_shard_entropy(shard, cfg->by, 1, &bpb);
    /* Tightest upper bound in bits/byte: compressors and code lengths, whatever the tokenizer. */
    double hi_bpb = INFINITY, lo_bpb;
    brackets(shard, 1, &lo_bpb, &hi_bpb);
    if (have_bpb && bpb > cfg->max_bpb)
        add_flag(flags, "near_max_entropy", "%.3f bits/byte > %.3f (8 is uniform random bytes)", bpb, cfg->max_bpb);
    else if (isfinite(hi_bpb) && hi_bpb >= cfg->max_upper_bpb)
        add_flag(flags, "near_max_entropy",
                 "no estimator gets below %.3f bits/byte (>= %.3f): encoded or random data, not natural text",
                 hi_bpb, cfg->max_upper_bpb);
    /* Only for a well-sampled unigram (N >= 100 K): with few tokens per type every distribution
     * looks uniform. */
    else if (ep_analyze_shard_entropy(shard, cfg->by, 0, &htok) && distinct_tokens(shard, &k) &&
             num(shard, "tokens", &ntok) && ntok >= 100.0 * k && htok >= cfg->max_vocab_frac * log2(k))
        add_flag(flags, "near_max_entropy", "%.3f bits/token is near log2(observed vocabulary) = %.3f", htok,
                 log2(k));
    if (num(shard, "counters.invalid_utf8", &inv) && num(shard, "bytes", &bytes) && bytes > 0 &&
        inv / bytes > cfg->max_invalid_per_byte)
        add_flag(flags, "not_text", "%.4f invalid UTF-8 repairs per byte > %.4f", inv / bytes,
                 cfg->max_invalid_per_byte);
    /* Low entropy is proven by any upper bound below the threshold (a loose headline such as a
     * unigram entropy would hide boilerplate that a compressor exposes). */
    if (have_bpb && bpb < cfg->min_bpb)
        add_flag(flags, "low_entropy", "%.3f bits/byte < %.3f (boilerplate, templates, tables)", bpb, cfg->min_bpb);
    else if (hi_bpb < cfg->min_bpb)
        add_flag(flags, "low_entropy", "an upper bound of %.3f bits/byte < %.3f (boilerplate, templates, tables)",
                 hi_bpb, cfg->min_bpb);
    if (dup > cfg->max_dup_fraction)
        add_flag(flags, "high_duplicates", "%.3f of documents are duplicates > %.3f", dup, cfg->max_dup_fraction);
    double tol = cfg->disagree_tol_bits;
    if (isfinite(lo) && isfinite(hi) && hi < lo - tol)
        add_flag(flags, "estimates_disagree", "an upper bound (%.3f) is below a lower bound (%.3f)", hi, lo);
    /* The ranked value itself must sit inside the bracket, on the side its kind allows: an upper
     * bound may exceed other upper bounds (it is only looser), but not fall below a lower bound. */
    else if (isfinite(hi) && h > hi + tol && !(kind && !strcmp(kind, "upper_bound")))
        add_flag(flags, "estimates_disagree", "ranked value %.3f above the tightest upper bound %.3f", h, hi);
    else if (isfinite(lo) && h < lo - tol && !(kind && !strcmp(kind, "lower_bound")))
        add_flag(flags, "estimates_disagree", "ranked value %.3f below the tightest lower bound %.3f", h, lo);
    if (sample >= 0 && sample < cfg->min_sample_tokens)
        add_flag(flags, "small_sample", "%.0f sample tokens < %.0f: not comparable with larger shards", sample,
                 cfg->min_sample_tokens);
    return flags;
}

ep_jv *ep_rank_shard_flags(const ep_jv *shard, const ep_rank_config *cfg)
{
    double h;
    if (!ep_analyze_shard_entropy(shard, cfg->by, cfg->bits_per_byte, &h)) h = NAN;
    return guardrails(shard, cfg, h);
}

ep_status ep_rank_mark_shard(ep_jv *shard, const ep_rank_config *cfg)
{
    ep_jv *g = ep_rank_shard_flags(shard, cfg);
    if (!g) return EP_ERR_NOMEM;
    ep_jv *flags = (ep_jv *)ep_jv_get(shard, "flags");
    if (!flags || ep_jv_typeof(flags) != EP_JV_ARR) flags = ep_jv_set(shard, "flags", ep_jv_arr());
    ep_jv *reasons = ep_jv_len(g) ? ep_jv_set(shard, "flag_reasons", ep_jv_obj()) : NULL;
    for (size_t i = 0; i < ep_jv_len(g); i++) {
        const char *name = ep_jv_as_str(ep_jv_get(ep_jv_at(g, i), "flag"));
        ep_jv_push(flags, ep_jv_str(name));
        ep_jv_set(reasons, name, ep_jv_str(ep_jv_as_str(ep_jv_get(ep_jv_at(g, i), "reason"))));
    }
    ep_jv_free(g);
    return EP_OK;
}

/* A ranked or flagged row: h is the sort value (estimate sort_by, NULL = the headline); the
 * guardrails read cfg->by as always. */
static ep_jv *shard_row(const ep_jv *shard, const ep_rank_config *cfg, const char *sort_by, double h,
                        ep_jv **flags_out)
{
    ep_jv *row = ep_jv_obj();
    const char *path = ep_jv_as_str(ep_jv_get(shard, "path"));
    ep_jv_set(row, "path", ep_jv_str(path ? path : "?"));
    ep_jv_set(row, "value", ep_jv_num(h));
    double hg = h;
    if (sort_by != cfg->by && !ep_analyze_shard_entropy(shard, cfg->by, cfg->bits_per_byte, &hg)) hg = NAN;
    const char *method = sort_by ? sort_by : ranked_method(shard, cfg);
    if (method) ep_jv_set(row, "method", ep_jv_str(method));
    const char *kind = kind_of(shard, method);
    if (kind) ep_jv_set(row, "kind", ep_jv_str(kind));
    double lo, hi, v;
    brackets(shard, cfg->bits_per_byte, &lo, &hi);
    /* The profile's own bracket of the headline (docs/estimators.md §5) when it has one. */
    if (!cfg->by && num(shard, cfg->bits_per_byte ? "entropy.lower_bits_per_byte" : "entropy.lower_bits_per_token", &v))
        lo = v;
    if (!cfg->by && num(shard, cfg->bits_per_byte ? "entropy.upper_bits_per_byte" : "entropy.upper_bits_per_token", &v))
        hi = v;
    if (isfinite(lo)) ep_jv_set(row, "lower", ep_jv_num(lo));
    if (isfinite(hi)) ep_jv_set(row, "upper", ep_jv_num(hi));
    double sample = sample_tokens_of(shard, method);
    if (sample >= 0) ep_jv_set(row, "sample_tokens", ep_jv_num(sample));
    if (num(shard, "tokens", &v)) ep_jv_set(row, "tokens", ep_jv_num(v));
    if (num(shard, "bytes", &v)) ep_jv_set(row, "bytes", ep_jv_num(v));
    if (num(shard, "dedup.dup_fraction_docs", &v)) ep_jv_set(row, "dup_fraction_docs", ep_jv_num(v));

    const ep_jv *sf = ep_jv_get(shard, "flags"); /* the scan's own notes (informational) */
    if (ep_jv_len(sf)) ep_jv_set(row, "scan_flags", ep_jv_clone(sf));
    *flags_out = ep_jv_set(row, "flags", guardrails(shard, cfg, hg));
    return row;
}

typedef struct { ep_jv *row; double h; const char *path; } rank_item;

static int cmp_item(const void *a, const void *b)
{
    const rank_item *x = a, *y = b;
    if (x->h != y->h) return x->h > y->h ? -1 : 1; /* higher entropy first */
    return strcmp(x->path, y->path);
}

static ep_jv *sorted_array(rank_item *it, size_t n, int numbered)
{
    qsort(it, n, sizeof *it, cmp_item);
    ep_jv *arr = ep_jv_arr();
    for (size_t i = 0; i < n; i++) {
        if (numbered) ep_jv_set(it[i].row, "rank", ep_jv_int((int64_t)i + 1));
        ep_jv_push(arr, it[i].row);
    }
    return arr;
}

ep_status ep_rank_run(const ep_jv *profile, const ep_rank_config *cfg, ep_jv **out, ep_error *err)
{
    *out = NULL;
    const ep_jv *shards = ep_jv_get(profile, "shards");
    if (!shards || ep_jv_typeof(shards) != EP_JV_ARR)
        return ep_error_set(err, EP_ERR_FORMAT, "not an entroprof profile: no \"shards\" array");
    size_t n = ep_jv_len(shards), nr = 0, nf = 0;
    rank_item *ranked = calloc(n + 1, sizeof *ranked), *flagged = calloc(n + 1, sizeof *flagged);
    ep_jv *res = ep_jv_obj();
    if (!ranked || !flagged || !res) {
        free(ranked); free(flagged); ep_jv_free(res);
        return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    }
    ep_jv_set(res, "unit", ep_jv_str(cfg->bits_per_byte ? "bits_per_byte" : "bits_per_token"));
    ep_jv_set(res, "by", cfg->by ? ep_jv_str(cfg->by) : ep_jv_str("entropy (headline)"));
    ep_jv *th = ep_jv_set(res, "thresholds", ep_jv_obj());
    ep_jv_set(th, "max_bpb", ep_jv_num(cfg->max_bpb));
    ep_jv_set(th, "max_vocab_frac", ep_jv_num(cfg->max_vocab_frac));
    ep_jv_set(th, "max_upper_bpb", ep_jv_num(cfg->max_upper_bpb));
    ep_jv_set(th, "max_invalid_per_byte", ep_jv_num(cfg->max_invalid_per_byte));
    ep_jv_set(th, "min_bpb", ep_jv_num(cfg->min_bpb));
    ep_jv_set(th, "max_dup_fraction", ep_jv_num(cfg->max_dup_fraction));
    ep_jv_set(th, "disagree_tol", ep_jv_num(cfg->disagree_tol_bits));
    ep_jv_set(th, "min_sample_tokens", ep_jv_num(cfg->min_sample_tokens));
    ep_jv *errors = ep_jv_arr(), *missing = ep_jv_arr();
    /* Sort key: the one asked for; by default the reference-sample H (heldout_mkn_ref: the same
     * training size for every shard, so shards of different sizes compare) when every shard that
     * scanned has it, else the headline (which depends on the sample size: said in the result).
     * Guardrails always read cfg->by (the headline by default). */
    const char *sort_by = cfg->by;
    if (!sort_by) {
        size_t with_ref = 0, ok = 0;
        for (size_t i = 0; i < n; i++) {
            const ep_jv *s = ep_jv_at(shards, i);
            const char *status = ep_jv_as_str(ep_jv_get(s, "status"));
            if (status && strcmp(status, "ok") != 0 && strcmp(status, "partial") != 0) continue;
            ok++;
            double v;
            if (ep_analyze_shard_entropy(s, "heldout_mkn_ref", cfg->bits_per_byte, &v)) with_ref++;
        }
        if (ok && with_ref == ok) sort_by = "heldout_mkn_ref";
    }
    ep_jv_set(res, "sorted_by", ep_jv_str(sort_by ? sort_by : "entropy (headline)"));
    ep_jv_set(res, "size_independent", ep_jv_bool(sort_by && !strcmp(sort_by, "heldout_mkn_ref")));
    for (size_t i = 0; i < n; i++) {
        const ep_jv *s = ep_jv_at(shards, i);
        const char *path = ep_jv_as_str(ep_jv_get(s, "path"));
        const char *status = ep_jv_as_str(ep_jv_get(s, "status"));
        /* partial: a probe gave up (e.g. near_dedup over its memory limit), the estimates are whole */
        if (status && strcmp(status, "ok") != 0 && strcmp(status, "partial") != 0) {
            ep_jv *e = ep_jv_push(errors, ep_jv_obj());
            ep_jv_set(e, "path", ep_jv_str(path ? path : "?"));
            const char *msg = ep_jv_as_str(ep_jv_get(s, "error"));
            ep_jv_set(e, "error", ep_jv_str(msg ? msg : status));
            continue;
        }
        double h;
        if (!ep_analyze_shard_entropy(s, sort_by, cfg->bits_per_byte, &h)) {
            ep_jv_push(missing, ep_jv_str(path ? path : "?"));
            continue;
        }
        ep_jv *flags;
        ep_jv *row = shard_row(s, cfg, sort_by, h, &flags);
        rank_item it = {row, h, ep_jv_as_str(ep_jv_get(row, "path"))};
        if (ep_jv_len(flags)) flagged[nf++] = it;
        else ranked[nr++] = it;
    }
    ep_jv_set(res, "ranked", sorted_array(ranked, nr, 1));
    ep_jv_set(res, "flagged", sorted_array(flagged, nf, 0));
    ep_jv_set(res, "errors", errors);
    ep_jv_set(res, "missing", missing);
    free(ranked);
    free(flagged);
    *out = res;
    return EP_OK;
}
