/* entroprof: the writers of analysis results and profiles: rank tables (TSV, Markdown), the
 * predict text, and the Markdown + HTML/SVG report. They read result and profile JSON trees only
 * (analyze.h makes the results). */
#ifndef ENTROPROF_REPORT_H
#define ENTROPROF_REPORT_H

#include <stdio.h>
#include "common.h"
#include "json.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Writes a rank result as TSV (one header line; tab, newline, CR and backslash inside a path or
 *  message written as \t \n \r \\) or Markdown tables. */
EP_API ep_status ep_rank_write_tsv(const ep_jv *rank, FILE *f);
EP_API ep_status ep_rank_write_md(const ep_jv *rank, FILE *f);

/** Writes a predict result as readable text, including the eta unit note. */
EP_API ep_status ep_predict_write_text(const ep_jv *pred, FILE *f);

typedef struct {
    double loss_bits_per_token; /**< target loss for the predict summary; < 0: sweep of L/H */
    const char *precision;      /**< precision for parameters, default "bf16" */
} ep_report_config;

/** Sets every field of *cfg to its default (given beside each field). */
EP_API void ep_report_config_default(ep_report_config *cfg);
/** Writes dir/report.md and dir/report.html (self-contained: inline SVG and CSS, no scripts,
 *  no external assets). dir must exist. */
EP_API ep_status ep_report_write(const ep_jv *profile, const ep_report_config *cfg, const char *dir,
                                 ep_error *err);

#ifdef __cplusplus
}
#endif
#endif
