/* Shared pieces of the report writer (report.c): extraction from the profile and table output
 * that renders either as Markdown or as HTML. */
#ifndef EP_ANALYZE_REPORT_INTERNAL_H
#define EP_ANALYZE_REPORT_INTERNAL_H

#include <stdio.h>
#include "entroprof/analyze.h"
#include "entroprof/report.h"

#define EP_REPORT_MAX_POINTS 256

/** Entropy ladder of a shard: h_n (bits/token) against order n from ngram_grassberger_h<n>, else
 *  ngram_plugin_h<n>. @return number of points (sorted by n); *prefix names the family used. */
size_t ep_report_ladder(const ep_jv *shard, double *n, double *h, int *undersampled, const char **prefix);
/** Prequential loss curve of a shard (estimates.lm_prequential.curve). @return number of points. */
size_t ep_report_curve(const ep_jv *shard, double *tokens, double *bits_per_token);

typedef struct { FILE *f; int html; int ncols; } ep_tab;
void ep_tab_begin(ep_tab *t, FILE *f, int html, const char *const *cols, int ncols);
void ep_tab_str(ep_tab *t, int col, const char *s);   /**< col 0 starts a row, last col ends it */
void ep_tab_num(ep_tab *t, int col, const ep_jv *v, const char *fmt); /**< "-" when v is not a number */
void ep_tab_end(ep_tab *t);

#endif
