/* Inline SVG charts and HTML escaping for the self-contained report (no scripts, no assets). */
#ifndef EP_REPORT_SVG_INTERNAL_H
#define EP_REPORT_SVG_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

/** One line of a line chart: n points (x[i], y[i]); hollow[i] != 0 draws an open marker
 *  (e.g. an undersampled n-gram order). hollow may be NULL. */
typedef struct {
    const char *name;
    size_t n;
    const double *x, *y;
    const int *hollow;
} ep_svg_series;

/** One horizontal bar with an optional bracket [lo, hi] (NaN = absent); group 1 = flagged. */
typedef struct {
    const char *label;
    double value, lo, hi;
    int group;
} ep_svg_bar;

void ep_html_escape(FILE *f, const char *s);
/** Line chart, x on a log10 axis when logx. Writes one <svg> element. */
void ep_svg_line_chart(FILE *f, const char *title, const ep_svg_series *s, size_t ns, const char *xlabel,
                       const char *ylabel, int logx);
/** Horizontal bar chart with bracket whiskers; bars of group 1 drawn in the flagged colour. */
void ep_svg_bar_chart(FILE *f, const char *title, const ep_svg_bar *b, size_t n, const char *unit);

#endif
