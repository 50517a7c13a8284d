/* Report helpers: ladders, curves and a two-format table writer. */
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "report/svg_internal.h"

static size_t ladder_family(const ep_jv *shard, const char *prefix, double *n, double *h, int *und)
{
    const ep_jv *ests = ep_jv_get(shard, "estimates");
    size_t k = 0, plen = strlen(prefix);
    for (size_t i = 0; i < ep_jv_len(ests) && k < EP_REPORT_MAX_POINTS; i++) {
        const char *key = ep_jv_key_at(ests, i);
        if (strncmp(key, prefix, plen) != 0) continue;
        char *end;
        long order = strtol(key + plen, &end, 10);
        if (end == key + plen || *end || order < 0) continue;
        double v;
        if (!ep_analyze_shard_entropy(shard, key, 0, &v)) continue;
        /* insertion sort by order */
        size_t j = k++;
        while (j > 0 && n[j - 1] > (double)order) {
            n[j] = n[j - 1]; h[j] = h[j - 1]; und[j] = und[j - 1];
            j--;
        }
        n[j] = (double)order;
        h[j] = v;
        und[j] = ep_jv_as_bool(ep_jv_get(ep_jv_at(ests, i), "undersampled"), 0);
    }
    return k;
}

size_t ep_report_ladder(const ep_jv *shard, double *n, double *h, int *undersampled, const char **prefix)
{
    static const char *const fam[] = {"ngram_grassberger_h", "ngram_plugin_h"};
    for (size_t f = 0; f < 2; f++) {
        size_t k = ladder_family(shard, fam[f], n, h, undersampled);
        if (k) { *prefix = fam[f]; return k; }
    }
    *prefix = NULL;
    return 0;
}

size_t ep_report_curve(const ep_jv *shard, double *tokens, double *bpt)
{
    const ep_jv *c = ep_jv_path(shard, "estimates.lm_prequential.curve");
    size_t k = 0;
    for (size_t i = 0; i < ep_jv_len(c) && k < EP_REPORT_MAX_POINTS; i++) {
        const ep_jv *p = ep_jv_at(c, i), *t = ep_jv_get(p, "tokens"), *b = ep_jv_get(p, "bits_per_token");
        if (!t || !b || ep_jv_as_num(t, 0) <= 0) continue;
        tokens[k] = ep_jv_as_num(t, 0);
        bpt[k] = ep_jv_as_num(b, 0);
        k++;
    }
    return k;
}

void ep_tab_begin(ep_tab *t, FILE *f, int html, const char *const *cols, int ncols)
{
    t->f = f;
    t->html = html;
    t->ncols = ncols;
    if (html) {
        fputs("<table><thead><tr>", f);
        for (int i = 0; i < ncols; i++) { fputs("<th>", f); ep_html_escape(f, cols[i]); fputs("</th>", f); }
        fputs("</tr></thead><tbody>\n", f);
    } else {
        for (int i = 0; i < ncols; i++) fprintf(f, "| %s ", cols[i]);
        fputs("|\n", f);
        for (int i = 0; i < ncols; i++) fputs(i ? "|---:" : "|---", f);
        fputs("|\n", f);
    }
}

void ep_tab_str(ep_tab *t, int col, const char *s)
{
    if (!s) s = "-";
    if (t->html) {
        if (col == 0) fputs("<tr>", t->f);
        fputs("<td>", t->f);
        ep_html_escape(t->f, s);
        fputs("</td>", t->f);
        if (col == t->ncols - 1) fputs("</tr>\n", t->f);
    } else {
        fputs("| ", t->f);
        for (; *s; s++) fputs(*s == '|' ? "\\|" : (char[2]){*s, 0}, t->f);
        fputc(' ', t->f);
        if (col == t->ncols - 1) fputs("|\n", t->f);
    }
}

void ep_tab_num(ep_tab *t, int col, const ep_jv *v, const char *fmt)
{
    char buf[64];
    if (v && (ep_jv_typeof(v) == EP_JV_NUM || ep_jv_typeof(v) == EP_JV_INT))
        snprintf(buf, sizeof buf, fmt, ep_jv_as_num(v, 0));
    else snprintf(buf, sizeof buf, "-");
    ep_tab_str(t, col, buf);
}

void ep_tab_end(ep_tab *t)
{
    fputs(t->html ? "</tbody></table>\n" : "\n", t->f);
}
