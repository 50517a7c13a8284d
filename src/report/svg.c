/* Inline SVG charts: plain elements (rect, path, line, circle, text), fixed palette, no scripts. */
#include <math.h>
#include <string.h>

#include "report/svg_internal.h"

static const char *const PALETTE[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
                                      "#e377c2", "#17becf", "#7f7f7f", "#bcbd22", "#d62728"};
#define NPAL (sizeof PALETTE / sizeof PALETTE[0])

void ep_html_escape(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* A "nice" tick step for a span: 1, 2 or 5 times a power of ten, about 5 ticks. */
static double nice_step(double span)
{
    if (!(span > 0)) return 1;
    double raw = span / 5, p = pow(10, floor(log10(raw))), m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

void ep_svg_bar_chart(FILE *f, const char *title, const ep_svg_bar *b, size_t n, const char *unit)
{
    const double left = 260, width = 640, row = 22, top = 40;
    double vmax = 0;
    for (size_t i = 0; i < n; i++) {
        if (b[i].value > vmax) vmax = b[i].value;
        if (isfinite(b[i].hi) && b[i].hi > vmax) vmax = b[i].hi;
        if (isfinite(b[i].lo) && b[i].lo > vmax) vmax = b[i].lo;
    }
    double step = nice_step(vmax > 0 ? vmax : 1), xmax = ceil((vmax > 0 ? vmax : 1) / step) * step;
    double h = top + row * (double)n + 40;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"960\" height=\"%.0f\" "
               "viewBox=\"0 0 960 %.0f\" role=\"img\">\n<title>", h, h);
    ep_html_escape(f, title);
    fprintf(f, "</title>\n<text x=\"10\" y=\"22\" class=\"ct\">");
    ep_html_escape(f, title);
    fputs("</text>\n", f);
    /* Integer tick counter (CERT FLP30-C): the tick values are i * step, not a running float sum. */
    for (int i = 0;; i++) {
        double t = i * step;
        if (!(t <= xmax * (1 + 1e-9))) break; /* also ends on NaN, as the loop condition did */
        double x = left + width * t / xmax;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">%g</text>\n",
                x, top - 4, x, top + row * (double)n, x, top + row * (double)n + 16, t);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">", left + width / 2,
            top + row * (double)n + 34);
    ep_html_escape(f, unit);
    fputs("</text>\n", f);
    for (size_t i = 0; i < n; i++) {
        double y = top + row * (double)i, w = width * (b[i].value > 0 ? b[i].value : 0) / xmax;
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"lab\" text-anchor=\"end\"><title>", left - 6, y + 15);
        ep_html_escape(f, b[i].label);
        fputs("</title>", f);
        /* long paths: keep the tail (the file name), which is what tells shards apart */
        size_t len = b[i].label ? strlen(b[i].label) : 0;
        if (len > 38) {
            const char *tail = b[i].label + len - 36;
            while ((*tail & 0xC0) == 0x80) tail++; /* do not cut a UTF-8 sequence */
            fputs("\xE2\x80\xA6", f);          /* ellipsis */
            ep_html_escape(f, tail);
        } else {
            ep_html_escape(f, b[i].label);
        }
        fprintf(f, "</text><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%.4f</title></rect>",
                left, y + 3, w, row - 6, b[i].group ? "#d62728" : "#1f77b4", b[i].value);
        if (isfinite(b[i].lo) || isfinite(b[i].hi)) {
            double lo = isfinite(b[i].lo) ? b[i].lo : b[i].value, hi = isfinite(b[i].hi) ? b[i].hi : b[i].value;
            double x1 = left + width * lo / xmax, x2 = left + width * hi / xmax, ym = y + row / 2;
            fprintf(f, "<path d=\"M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f\" class=\"br\"/>", x1, ym, x2, x1,
                    ym - 6, ym + 6, x2, ym - 6, ym + 6);
        }
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"val\">%.3f</text>\n", left + width + 6, y + 15, b[i].value);
    }
    fputs("</svg>\n", f);
}

void ep_svg_line_chart(FILE *f, const char *title, const ep_svg_series *s, size_t ns, const char *xlabel,
                       const char *ylabel, int logx)
{
    const double left = 70, top = 40, width = 620, height = 300;
    double x0 = INFINITY, x1 = -INFINITY, y1 = 0;
    for (size_t k = 0; k < ns; k++)
        for (size_t i = 0; i < s[k].n; i++) {
            double x = logx ? log10(s[k].x[i]) : s[k].x[i];
            if (!isfinite(x) || !isfinite(s[k].y[i])) continue;
            if (x < x0) x0 = x;
            if (x > x1) x1 = x;
            if (s[k].y[i] > y1) y1 = s[k].y[i];
        }
    if (!isfinite(x0)) { x0 = 0; x1 = 1; }
    if (x1 <= x0) { x0 -= 0.5; x1 += 0.5; }
    double ystep = nice_step(y1 > 0 ? y1 : 1), ymax = ceil((y1 > 0 ? y1 : 1) / ystep) * ystep;
    double xstep = logx ? 1 : nice_step(x1 - x0);
    if (!logx && xstep < 1 && x1 - x0 >= 2) xstep = 1;
    double xs = floor(x0 / xstep) * xstep, xe = ceil(x1 / xstep) * xstep;
    double svg_h = top + height + 60 + 18 * (double)((ns + 2) / 3);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"960\" height=\"%.0f\" "
               "viewBox=\"0 0 960 %.0f\" role=\"img\">\n<title>", svg_h, svg_h);
    ep_html_escape(f, title);
    fputs("</title>\n<text x=\"10\" y=\"22\" class=\"ct\">", f);
    ep_html_escape(f, title);
    fputs("</text>\n", f);
#define PX(x) (left + width * (((x) - xs) / (xe - xs)))
#define PY(y) (top + height * (1 - (y) / ymax))
    /* Integer tick counters (CERT FLP30-C): tick i is at start + i * step, not a running float sum. */
    for (int i = 0;; i++) {
        double t = i * ystep;
        if (!(t <= ymax * (1 + 1e-9))) break; /* also ends on NaN */
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%g</text>\n",
                left, PY(t), left + width, PY(t), left - 6, PY(t) + 4, t);
    }
    for (int i = 0;; i++) {
        double t = xs + i * xstep;
        if (!(t <= xe + 1e-9 * (xe - xs))) break;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>", PX(t), top, PX(t),
                top + height);
        if (logx) fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">1e%g</text>\n", PX(t),
                          top + height + 16, t);
        else fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">%g</text>\n", PX(t),
                     top + height + 16, t);
    }
    fprintf(f, "<path d=\"M%.1f %.1fV%.1fH%.1f\" class=\"axis\"/>\n", left, top, top + height, left + width);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">", left + width / 2, top + height + 34);
    ep_html_escape(f, xlabel);
    fprintf(f, "</text><text x=\"14\" y=\"%.1f\" class=\"tick\" transform=\"rotate(-90 14 %.1f)\" "
               "text-anchor=\"middle\">", top + height / 2, top + height / 2);
    ep_html_escape(f, ylabel);
    fputs("</text>\n", f);
    for (size_t k = 0; k < ns; k++) {
        const char *col = PALETTE[k % NPAL];
        int started = 0;
        fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"", col);
        for (size_t i = 0; i < s[k].n; i++) {
            double x = logx ? log10(s[k].x[i]) : s[k].x[i];
            if (!isfinite(x) || !isfinite(s[k].y[i])) continue;
            fprintf(f, "%s%.1f %.1f", started ? "L" : "M", PX(x), PY(s[k].y[i]));
            started = 1;
        }
        fputs("\"/>\n", f);
        for (size_t i = 0; i < s[k].n; i++) {
            double x = logx ? log10(s[k].x[i]) : s[k].x[i];
            if (!isfinite(x) || !isfinite(s[k].y[i])) continue;
            int hol = s[k].hollow && s[k].hollow[i];
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" stroke=\"%s\"><title>%g: %.4f</title></circle>",
                    PX(x), PY(s[k].y[i]), hol ? "white" : col, col, s[k].x[i], s[k].y[i]);
        }
        double lx = 20 + 310 * (double)(k % 3), ly = top + height + 56 + 18 * (double)(k / 3);
        fprintf(f, "\n<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\" "
                   "class=\"lab\">", lx, ly - 10, col, lx + 16, ly);
        ep_html_escape(f, s[k].name);
        fputs("</text>\n", f);
    }
#undef PX
#undef PY
    fputs("</svg>\n", f);
}
