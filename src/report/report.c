/* report: report.md and a self-contained report.html from one profile.
 * The same sections are written in both formats; the HTML adds inline SVG charts (no scripts,
 * no external assets, so it renders offline and in a headless browser without console errors). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "entroprof/outfile.h"
#include "report/svg_internal.h"

void ep_report_config_default(ep_report_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->loss_bits_per_token = -1.0;
    cfg->precision = "bf16";
}

static const char CSS[] =
    "body{font-family:sans-serif;margin:24px;max-width:1000px;color:#222}"
    "table{border-collapse:collapse;margin:8px 0 18px}td,th{border:1px solid #ccc;padding:3px 7px;"
    "font-size:13px;text-align:right}td:first-child,th:first-child{text-align:left}"
    "th{background:#f0f0f0}.chart{display:block;margin:8px 0 18px}.ct{font-size:15px;font-weight:bold}"
    ".tick{font-size:11px;fill:#555}.lab{font-size:12px}.val{font-size:11px;fill:#333}"
    ".grid{stroke:#e4e4e4}.axis{stroke:#444;fill:none}.br{stroke:#000;stroke-width:1.5;fill:none}"
    ".flag{color:#b00}.note{color:#555;font-size:13px}";

static void heading(FILE *f, int html, int level, const char *text)
{
    if (html) {
        fprintf(f, "<h%d>", level);
        ep_html_escape(f, text);
        fprintf(f, "</h%d>\n", level);
    } else {
        fprintf(f, "\n%.*s %s\n\n", level, "####", text);
    }
}

static void para(FILE *f, int html, const char *text)
{
    if (html) { fputs("<p class=\"note\">", f); ep_html_escape(f, text); fputs("</p>\n", f); }
    else fprintf(f, "%s\n\n", text);
}

static const char *shard_name(const ep_jv *s)
{
    const char *p = ep_jv_as_str(ep_jv_get(s, "path"));
    return p ? p : "?";
}

static void sec_rank(FILE *f, int html, const ep_jv *rank)
{
    heading(f, html, 2, "Shards ranked by entropy");
    para(f, html, "Headline entropy per shard in bits per byte (comparable across tokenizers), with the tightest "
                  "bracket from lower- and upper-bound estimators. Flagged shards (red) are listed apart with "
                  "their reasons; they are not ranked. Thresholds: docs/analyze.md.");
    const ep_jv *r = ep_jv_get(rank, "ranked"), *fl = ep_jv_get(rank, "flagged");
    size_t n = ep_jv_len(r) + ep_jv_len(fl);
    if (html && n) {
        ep_svg_bar *bars = calloc(n, sizeof *bars);
        if (bars) {
            for (size_t i = 0; i < n; i++) {
                int flagged = i >= ep_jv_len(r);
                const ep_jv *row = flagged ? ep_jv_at(fl, i - ep_jv_len(r)) : ep_jv_at(r, i);
                bars[i].label = ep_jv_as_str(ep_jv_get(row, "path"));
                bars[i].value = ep_jv_as_num(ep_jv_get(row, "value"), 0);
                bars[i].lo = ep_jv_as_num(ep_jv_get(row, "lower"), NAN);
                bars[i].hi = ep_jv_as_num(ep_jv_get(row, "upper"), NAN);
                bars[i].group = flagged;
            }
            ep_svg_bar_chart(f, "Entropy per shard (blue: ranked, red: flagged; whiskers: bounds)", bars, n,
                             ep_jv_as_str(ep_jv_get(rank, "unit")));
            free(bars);
        }
    }
    static const char *const cols[] = {"#", "shard", "H", "lower", "upper", "method", "sample tokens", "flags"};
    for (int part = 0; part < 2; part++) {
        const ep_jv *rows = part ? fl : r;
        heading(f, html, 3, part ? "Flagged shards (set apart)" : "Ranked shards");
        if (!ep_jv_len(rows)) { para(f, html, "None."); continue; }
        ep_tab t;
        ep_tab_begin(&t, f, html, cols, 8);
        for (size_t i = 0; i < ep_jv_len(rows); i++) {
            const ep_jv *row = ep_jv_at(rows, i);
            ep_tab_num(&t, 0, ep_jv_get(row, "rank"), "%.0f");
            ep_tab_str(&t, 1, ep_jv_as_str(ep_jv_get(row, "path")));
            ep_tab_num(&t, 2, ep_jv_get(row, "value"), "%.4f");
            ep_tab_num(&t, 3, ep_jv_get(row, "lower"), "%.4f");
            ep_tab_num(&t, 4, ep_jv_get(row, "upper"), "%.4f");
            ep_tab_str(&t, 5, ep_jv_as_str(ep_jv_get(row, "method")));
            ep_tab_num(&t, 6, ep_jv_get(row, "sample_tokens"), "%.0f");
            char buf[1024] = "";
            const ep_jv *fs = ep_jv_get(row, "flags");
            for (size_t k = 0; k < ep_jv_len(fs); k++) {
                size_t len = strlen(buf);
                snprintf(buf + len, sizeof buf - len, "%s%s: %s", k ? "; " : "",
                         ep_jv_as_str(ep_jv_get(ep_jv_at(fs, k), "flag")),
                         ep_jv_as_str(ep_jv_get(ep_jv_at(fs, k), "reason")));
            }
            ep_tab_str(&t, 7, buf[0] ? buf : "-");
        }
        ep_tab_end(&t);
    }
    const ep_jv *er = ep_jv_get(rank, "errors"), *mi = ep_jv_get(rank, "missing");
    for (size_t i = 0; i < ep_jv_len(er); i++) {
        char buf[700];
        snprintf(buf, sizeof buf, "Not ranked (scan error): %s: %s", ep_jv_as_str(ep_jv_get(ep_jv_at(er, i), "path")),
                 ep_jv_as_str(ep_jv_get(ep_jv_at(er, i), "error")));
        para(f, html, buf);
    }
    for (size_t i = 0; i < ep_jv_len(mi); i++) {
        char buf[600];
        snprintf(buf, sizeof buf, "Not ranked (no entropy in this unit): %s", ep_jv_as_str(ep_jv_at(mi, i)));
        para(f, html, buf);
    }
}

static void sec_ladder(FILE *f, int html, const ep_jv *shards)
{
    heading(f, html, 2, "Entropy ladder h_n (bits per token against context order n)");
    para(f, html, "Conditional block entropy h_n = H_{n+1} - H_n decreases towards the entropy rate; open markers are "
                  "orders the estimator marked undersampled (distinct (n+1)-grams near the sample size).");
    size_t ns = ep_jv_len(shards), used = 0, maxn = 0;
    ep_svg_series *ser = calloc(ns + 1, sizeof *ser);
    double *buf = calloc((ns + 1) * EP_REPORT_MAX_POINTS * 2, sizeof *buf);
    int *und = calloc((ns + 1) * EP_REPORT_MAX_POINTS, sizeof *und);
    if (!ser || !buf || !und) { free(ser); free(buf); free(und); return; }
    for (size_t i = 0; i < ns; i++) {
        const ep_jv *s = ep_jv_at(shards, i);
        double *x = buf + used * 2 * EP_REPORT_MAX_POINTS, *y = x + EP_REPORT_MAX_POINTS;
        int *u = und + used * EP_REPORT_MAX_POINTS;
        const char *prefix;
        size_t k = ep_report_ladder(s, x, y, u, &prefix);
        if (!k) continue;
        ser[used] = (ep_svg_series){shard_name(s), k, x, y, u};
        if (k > maxn) maxn = k;
        used++;
    }
    if (!used) {
        para(f, html, "No n-gram estimates (ngram_grassberger_h<n> / ngram_plugin_h<n>) in this profile.");
    } else {
        if (html) ep_svg_line_chart(f, "Entropy ladder", ser, used, "context order n", "h_n (bits/token)", 0);
        const char *cols[EP_REPORT_MAX_POINTS + 1];
        char names[EP_REPORT_MAX_POINTS][16];
        size_t nc = maxn > 16 ? 16 : maxn;
        cols[0] = "shard";
        /* column j = j-th order of the first shard with the most points */
        const ep_svg_series *ref = &ser[0];
        for (size_t i = 0; i < used; i++) if (ser[i].n > ref->n) ref = &ser[i];
        for (size_t j = 0; j < nc; j++) {
            snprintf(names[j], sizeof names[j], "h_%.0f", ref->x[j]);
            cols[j + 1] = names[j];
        }
        ep_tab t;
        ep_tab_begin(&t, f, html, cols, (int)nc + 1);
        for (size_t i = 0; i < used; i++) {
            ep_tab_str(&t, 0, ser[i].name);
            for (size_t j = 0; j < nc; j++) {
                char cell[48] = "-";
                for (size_t q = 0; q < ser[i].n; q++)
                    if (ser[i].x[q] == ref->x[j])
                        snprintf(cell, sizeof cell, "%.4f%s", ser[i].y[q], ser[i].hollow[q] ? " (u)" : "");
                ep_tab_str(&t, (int)j + 1, cell);
            }
        }
        ep_tab_end(&t);
    }
    free(ser);
    free(buf);
    free(und);
}

static int is_ladder_key(const char *key)
{
    return !strncmp(key, "ngram_grassberger_h", 19) || !strncmp(key, "ngram_plugin_h", 14);
}

/* One row per shard, one column per estimator (ladder orders are in the ladder section), all in
 * bits per byte so that token- and byte-based estimators compare; kind as a prefix. */
static void sec_estimators(FILE *f, int html, const ep_jv *shards)
{
    heading(f, html, 2, "Estimator comparison (bits per byte)");
    para(f, html, "Each estimator converted to bits per byte (bits/token x tokens / bytes on the same text). "
                  "'<=' marks an upper bound, '>=' a lower bound, no mark a point estimate; '-' = estimator absent. "
                  "n-gram orders are in the ladder above.");
    const char *keys[64];
    size_t nk = 0;
    for (size_t i = 0; i < ep_jv_len(shards); i++) {
        const ep_jv *ests = ep_jv_get(ep_jv_at(shards, i), "estimates");
        for (size_t k = 0; k < ep_jv_len(ests) && nk < 63; k++) {
            const char *key = ep_jv_key_at(ests, k);
            int seen = is_ladder_key(key);
            for (size_t q = 0; q < nk && !seen; q++) seen = !strcmp(keys[q], key);
            if (!seen) keys[nk++] = key;
        }
    }
    if (!nk) { para(f, html, "No estimates in this profile."); return; }
    const char *cols[65];
    cols[0] = "shard";
    for (size_t q = 0; q < nk; q++) cols[q + 1] = keys[q];
    ep_tab t;
    ep_tab_begin(&t, f, html, cols, (int)nk + 1);
    for (size_t i = 0; i < ep_jv_len(shards); i++) {
        const ep_jv *s = ep_jv_at(shards, i);
        ep_tab_str(&t, 0, shard_name(s));
        for (size_t q = 0; q < nk; q++) {
            const ep_jv *e = ep_jv_get(ep_jv_get(s, "estimates"), keys[q]);
            const char *kind = ep_jv_as_str(ep_jv_get(e, "kind"));
            double bpb;
            char cell[48] = "-";
            if (e && ep_analyze_shard_entropy(s, keys[q], 1, &bpb))
                snprintf(cell, sizeof cell, "%s%.4f", !kind ? "" : !strcmp(kind, "upper_bound") ? "<= "
                                                       : !strcmp(kind, "lower_bound") ? ">= " : "", bpb);
            ep_tab_str(&t, (int)q + 1, cell);
        }
    }
    ep_tab_end(&t);
}

static void sec_dedup(FILE *f, int html, const ep_jv *shards)
{
    heading(f, html, 2, "Duplicates");
    size_t n = ep_jv_len(shards), k = 0;
    ep_svg_bar *bars = calloc(n + 1, sizeof *bars);
    static const char *const cols[] = {"shard", "docs", "exact dup docs", "near dup docs", "dup fraction (docs)",
                                       "unique tokens", "D_eff"};
    ep_tab t;
    ep_tab_begin(&t, f, html, cols, 7);
    for (size_t i = 0; i < n; i++) {
        const ep_jv *s = ep_jv_at(shards, i), *d = ep_jv_get(s, "dedup");
        ep_tab_str(&t, 0, shard_name(s));
        ep_tab_num(&t, 1, ep_jv_get(s, "docs"), "%.0f");
        ep_tab_num(&t, 2, ep_jv_get(d, "exact_dup_docs"), "%.0f");
        ep_tab_num(&t, 3, ep_jv_get(d, "near_dup_docs"), "%.0f");
        ep_tab_num(&t, 4, ep_jv_get(d, "dup_fraction_docs"), "%.4f");
        ep_tab_num(&t, 5, ep_jv_get(d, "unique_tokens"), "%.0f");
        ep_tab_num(&t, 6, ep_jv_get(d, "D_eff"), "%.0f");
        const ep_jv *df = ep_jv_get(d, "dup_fraction_docs");
        if (bars && df) bars[k++] = (ep_svg_bar){shard_name(s), ep_jv_as_num(df, 0), NAN, NAN, ep_jv_as_num(df, 0) > 0.3};
    }
    ep_tab_end(&t);
    if (html && k) ep_svg_bar_chart(f, "Duplicate document fraction", bars, k, "fraction of documents");
    free(bars);
}

/* Corollary 4.1 read literally: the step-0 loss of a randomly initialised model is about log2 of
 * its classes whatever the data (lm_step0 beside log2_vocab and the formula), while the prequential
 * curve beside it is what the data teaches (docs/lm.md). */
static void sec_curves(FILE *f, int html, const ep_jv *shards)
{
    heading(f, html, 2, "Tiny-model pass: step-0 loss (Corollary 4.1) and prequential loss curves");
    size_t ns = ep_jv_len(shards), used = 0;
    ep_svg_series *ser = calloc(ns + 1, sizeof *ser);
    double *buf = calloc((ns + 1) * 2 * EP_REPORT_MAX_POINTS, sizeof *buf);
    if (!ser || !buf) { free(ser); free(buf); return; }
    static const char *const cols[] = {"shard", "step-0 loss (bits/token)", "step-0 formula", "log2 V", "points",
                                       "first window", "last window", "mean (prequential)", "info absorbed (bits)"};
    ep_tab t = {0};
    for (size_t i = 0; i < ns; i++) {
        const ep_jv *s = ep_jv_at(shards, i);
        double *x = buf + used * 2 * EP_REPORT_MAX_POINTS, *y = x + EP_REPORT_MAX_POINTS;
        size_t k = ep_report_curve(s, x, y);
        if (!k) continue;
        if (!used) {
            para(f, html, "Corollary 4.1 of the paper read literally: before any training step the loss of a randomly "
                          "initialised model is about log2 of its output classes whatever the data (step-0 loss, "
                          "beside the formula and log2 V of the tokenizer); the prequential curve (each batch scored "
                          "before the model trains on it, a true code length) is what the data teaches the model. "
                          "Neither is an estimate of the entropy rate (docs/lm.md).");
            ep_tab_begin(&t, f, html, cols, 9);
        }
        ser[used++] = (ep_svg_series){shard_name(s), k, x, y, NULL};
        char a[32], b[32];
        ep_tab_str(&t, 0, shard_name(s));
        ep_tab_num(&t, 1, ep_jv_path(s, "estimates.lm_step0.value"), "%.4f");
        ep_tab_num(&t, 2, ep_jv_path(s, "estimates.lm_step0.formula_bits_per_token"), "%.4f");
        ep_tab_num(&t, 3, ep_jv_path(s, "estimates.lm_step0.log2_vocab"), "%.4f");
        snprintf(a, sizeof a, "%zu", k);
        ep_tab_str(&t, 4, a);
        snprintf(a, sizeof a, "%.4f", y[0]);
        snprintf(b, sizeof b, "%.4f", y[k - 1]);
        ep_tab_str(&t, 5, a);
        ep_tab_str(&t, 6, b);
        ep_tab_num(&t, 7, ep_jv_path(s, "estimates.lm_prequential.value"), "%.4f");
        ep_tab_num(&t, 8, ep_jv_path(s, "estimates.lm_prequential.info_absorbed_bits"), "%.4g");
    }
    if (used) {
        ep_tab_end(&t);
        if (html) ep_svg_line_chart(f, "Prequential loss (each batch scored before training on it)", ser, used,
                                    "tokens seen (log10)", "bits/token", 1);
    } else {
        para(f, html, "No lm_prequential curves in this profile (scan with --lm).");
    }
    free(ser);
    free(buf);
}

static void sec_predict(FILE *f, int html, const ep_jv *profile, const ep_report_config *cfg)
{
    heading(f, html, 2, "Model size the data supports (IC-1)");
    const ep_jv *corpus = ep_jv_get(profile, "corpus");
    double h, d;
    const char *src = NULL;
    if (!ep_analyze_shard_entropy(corpus, NULL, 0, &h) || !ep_analyze_unique_tokens(corpus, &d, &src) || !(h > 0) ||
        !(d > 0)) {
        para(f, html, "Not available: the profile has no corpus entropy in bits per token or no token count.");
        return;
    }
    ep_predict_config pc;
    ep_predict_config_default(&pc);
    pc.h_bits_per_token = h;
    pc.tokens = d;
    pc.bits_per_param = ep_precision_bits(cfg->precision) > 0 ? ep_precision_bits(cfg->precision) : 16;
    double u;
    const char *usrc;
    if (ep_analyze_unique_tokens(corpus, &u, &usrc) && strcmp(usrc, "tokens") != 0) pc.unique_tokens = u;
    char buf[800];
    snprintf(buf, sizeof buf,
             "eta N = D (H - L) with H = %.4f bits/token (corpus headline), D = %.6g tokens (corpus %s), "
             "parameters at %s (%g bits). eta in [%.3f, %.3f]: the paper's [0.115, 0.268] was computed with "
             "losses in nats and N in bits; divided by ln 2 for consistent bits. Scaling laws are in nats per "
             "token of their own tokenizers (converted with ln 2). %s",
             h, d, src, cfg->precision, pc.bits_per_param, pc.eta_lo, pc.eta_hi,
             cfg->loss_bits_per_token >= 0 ? "" : "No target loss given: a sweep L = 0.25, 0.5, 0.75 H is shown.");
    para(f, html, buf);
    static const char *const cols[] = {"L (bits/token)", "N (bits)", "N range (bits)", "parameters", "Chinchilla N",
                                       "Epoch refit N", "Kaplan N", "data-constrained N", "6ND (FLOP)",
                                       "Landauer floor (J)", "est. energy (J)"};
    ep_tab t;
    ep_tab_begin(&t, f, html, cols, 11);
    double ls[3];
    int nl = 0;
    if (cfg->loss_bits_per_token >= 0) ls[nl++] = cfg->loss_bits_per_token;
    else { ls[0] = 0.25 * h; ls[1] = 0.5 * h; ls[2] = 0.75 * h; nl = 3; }
    for (int i = 0; i < nl; i++) {
        pc.loss_bits_per_token = ls[i];
        ep_jv *p = NULL;
        ep_error err;
        char a[64];
        snprintf(a, sizeof a, "%.4f", ls[i]);
        ep_tab_str(&t, 0, a);
        if (ep_predict_run(&pc, &p, &err) != EP_OK) {
            ep_tab_str(&t, 1, err.msg);
            for (int c = 2; c < 11; c++) ep_tab_str(&t, c, "-");
            continue;
        }
        ep_tab_num(&t, 1, ep_jv_path(p, "ic1.bits"), "%.4g");
        const ep_jv *r = ep_jv_path(p, "ic1.bits_range");
        snprintf(a, sizeof a, "%.3g .. %.3g", ep_jv_as_num(ep_jv_at(r, 0), 0), ep_jv_as_num(ep_jv_at(r, 1), 0));
        ep_tab_str(&t, 2, a);
        ep_tab_num(&t, 3, ep_jv_path(p, "ic1.params"), "%.4g");
        ep_tab_num(&t, 4, ep_jv_path(p, "laws.chinchilla.params"), "%.4g");
        ep_tab_num(&t, 5, ep_jv_path(p, "laws.epoch_refit.params"), "%.4g");
        ep_tab_num(&t, 6, ep_jv_path(p, "laws.kaplan.params"), "%.4g");
        ep_tab_num(&t, 7, ep_jv_path(p, "laws.data_constrained.params"), "%.4g");
        ep_tab_num(&t, 8, ep_jv_path(p, "compute.flops"), "%.4g");
        ep_tab_num(&t, 9, ep_jv_path(p, "energy.landauer_floor_joules"), "%.4g");
        ep_tab_num(&t, 10, ep_jv_path(p, "energy.estimated_joules"), "%.4g");
        ep_jv_free(p);
    }
    ep_tab_end(&t);
    para(f, html, "'-' under a law: the target loss is below that law's floor at these tokens (unreachable). "
                  "Energy estimate: 6ND FLOPs at 1.77e-12 J/FLOP (H100 bf16, 40% utilisation).");
}

static ep_status write_doc(const char *path, int html, const ep_jv *profile, const ep_jv *rank,
                           const ep_report_config *cfg, ep_error *err)
{
    ep_outfile *out;
    ep_status st = ep_outfile_open(path, &out, err);
    if (st != EP_OK) return st;
    FILE *f = ep_outfile_stream(out);
    const ep_jv *shards = ep_jv_get(profile, "shards");
    const char *tok = ep_jv_as_str(ep_jv_get(profile, "tokenizer"));
    char intro[400];
    snprintf(intro, sizeof intro, "Profile schema %s, tokenizer %s, %zu shards. Generated by entroprof %s.",
             ep_jv_as_str(ep_jv_get(profile, "schema")) ? ep_jv_as_str(ep_jv_get(profile, "schema")) : "?",
             tok ? tok : "?", ep_jv_len(shards), EP_VERSION_STRING);
    if (html)
        fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>entroprof report</title>"
                   "<style>%s</style></head><body>\n<h1>entroprof report</h1>\n", CSS);
    else fputs("# entroprof report\n\n", f);
    para(f, html, intro);
    sec_rank(f, html, rank);
    sec_ladder(f, html, shards);
    sec_estimators(f, html, shards);
    sec_dedup(f, html, shards);
    sec_curves(f, html, shards);
    sec_predict(f, html, profile, cfg);
    if (html) fputs("</body></html>\n", f);
    return ep_outfile_commit(out, err);
}

ep_status ep_report_write(const ep_jv *profile, const ep_report_config *cfg, const char *dir, ep_error *err)
{
    ep_rank_config rc;
    ep_rank_config_default(&rc);
    ep_jv *rank = NULL;
    ep_status st = ep_rank_run(profile, &rc, &rank, err);
    if (st != EP_OK) return st;
    size_t len = strlen(dir) + 16;
    char *path = malloc(len);
    if (!path) { ep_jv_free(rank); return ep_error_set(err, EP_ERR_NOMEM, "out of memory"); }
    snprintf(path, len, "%s/report.md", dir);
    st = write_doc(path, 0, profile, rank, cfg, err);
    if (st == EP_OK) {
        snprintf(path, len, "%s/report.html", dir);
        st = write_doc(path, 1, profile, rank, cfg, err);
    }
    free(path);
    ep_jv_free(rank);
    return st;
}
