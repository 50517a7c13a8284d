/* TSV and Markdown tables of a rank result (ep_rank_run). Absent values print as "-". */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "entroprof/analyze.h"
#include "entroprof/report.h"

static void cell_num(FILE *f, const ep_jv *row, const char *key, const char *fmt)
{
    const ep_jv *v = ep_jv_get(row, key);
    if (v && (ep_jv_typeof(v) == EP_JV_NUM || ep_jv_typeof(v) == EP_JV_INT)) fprintf(f, fmt, ep_jv_as_num(v, 0));
    else fputs("-", f);
}

/* A TSV cell of free text (a path, an error message): tab, newline, carriage return and backslash
 * are written as \t \n \r \\, so that every row is one line of exactly the header's columns and
 * the text is recoverable (the escapes of PostgreSQL's text COPY format). Other bytes are as is. */
static void tsv_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '\t': fputs("\\t", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\\': fputs("\\\\", f); break;
        default: fputc(*s, f);
        }
    }
}

static void flags_text(FILE *f, const ep_jv *row, int with_reason, const char *sep)
{
    const ep_jv *fl = ep_jv_get(row, "flags");
    if (!ep_jv_len(fl)) { fputs("-", f); return; }
    for (size_t i = 0; i < ep_jv_len(fl); i++) {
        const ep_jv *x = ep_jv_at(fl, i);
        fprintf(f, "%s%s", i ? sep : "", ep_jv_as_str(ep_jv_get(x, "flag")));
        if (with_reason) fprintf(f, " (%s)", ep_jv_as_str(ep_jv_get(x, "reason")));
    }
}

static void tsv_row(FILE *f, const ep_jv *row, const char *group)
{
    fprintf(f, "%s\t", group);
    cell_num(f, row, "rank", "%.0f");
    fputc('\t', f);
    tsv_text(f, ep_jv_as_str(ep_jv_get(row, "path")));
    fputc('\t', f);
    cell_num(f, row, "value", "%.4f");
    fputc('\t', f);
    cell_num(f, row, "lower", "%.4f");
    fputc('\t', f);
    cell_num(f, row, "upper", "%.4f");
    const char *m = ep_jv_as_str(ep_jv_get(row, "method"));
    fprintf(f, "\t%s\t", m ? m : "-");
    cell_num(f, row, "sample_tokens", "%.0f");
    fputc('\t', f);
    cell_num(f, row, "dup_fraction_docs", "%.4f");
    fputc('\t', f);
    flags_text(f, row, 1, "; ");
    fputc('\n', f);
}

ep_status ep_rank_write_tsv(const ep_jv *rank, FILE *f)
{
    const char *unit = ep_jv_as_str(ep_jv_get(rank, "unit"));
    fprintf(f, "group\trank\tpath\t%s\tlower\tupper\tmethod\tsample_tokens\tdup_fraction_docs\tflags\n", unit);
    const ep_jv *r = ep_jv_get(rank, "ranked"), *fl = ep_jv_get(rank, "flagged"), *er = ep_jv_get(rank, "errors");
    for (size_t i = 0; i < ep_jv_len(r); i++) tsv_row(f, ep_jv_at(r, i), "ranked");
    for (size_t i = 0; i < ep_jv_len(fl); i++) tsv_row(f, ep_jv_at(fl, i), "flagged");
    for (size_t i = 0; i < ep_jv_len(er); i++) {
        fputs("error\t-\t", f);
        tsv_text(f, ep_jv_as_str(ep_jv_get(ep_jv_at(er, i), "path")));
        fputs("\t-\t-\t-\t-\t-\t-\t", f);
        tsv_text(f, ep_jv_as_str(ep_jv_get(ep_jv_at(er, i), "error")));
        fputc('\n', f);
    }
    const ep_jv *mi = ep_jv_get(rank, "missing");
    for (size_t i = 0; i < ep_jv_len(mi); i++) {
        fputs("missing\t-\t", f);
        tsv_text(f, ep_jv_as_str(ep_jv_at(mi, i)));
        fputs("\t-\t-\t-\t-\t-\t-\tno entropy for this estimator/unit\n", f);
    }
    return ferror(f) ? EP_ERR_IO : EP_OK;
}

static void md_table(FILE *f, const ep_jv *rows, const char *unit, int numbered)
{
    fprintf(f, "| %s | shard | H (%s) | bracket | method | sample tokens | dup docs | flags |\n",
            numbered ? "#" : " ", unit);
    fputs("|---:|---|---:|---|---|---:|---:|---|\n", f);
    for (size_t i = 0; i < ep_jv_len(rows); i++) {
        const ep_jv *row = ep_jv_at(rows, i);
        fputs("| ", f);
        if (numbered) cell_num(f, row, "rank", "%.0f");
        fprintf(f, " | `%s` | ", ep_jv_as_str(ep_jv_get(row, "path")));
        cell_num(f, row, "value", "%.4f");
        fputs(" | [", f);
        cell_num(f, row, "lower", "%.3f");
        fputs(", ", f);
        cell_num(f, row, "upper", "%.3f");
        const char *m = ep_jv_as_str(ep_jv_get(row, "method"));
        fprintf(f, "] | %s | ", m ? m : "-");
        cell_num(f, row, "sample_tokens", "%.0f");
        fputs(" | ", f);
        cell_num(f, row, "dup_fraction_docs", "%.3f");
        fputs(" | ", f);
        flags_text(f, row, 1, "<br>");
        fputs(" |\n", f);
    }
}

ep_status ep_rank_write_md(const ep_jv *rank, FILE *f)
{
    const char *unit = ep_jv_as_str(ep_jv_get(rank, "unit"));
    fprintf(f, "### Ranked shards (by %s, %s; higher = more information per unit)\n\n",
            ep_jv_as_str(ep_jv_get(rank, "by")), unit);
    md_table(f, ep_jv_get(rank, "ranked"), unit, 1);
    const ep_jv *fl = ep_jv_get(rank, "flagged");
    fprintf(f, "\n### Flagged shards (%zu), set apart\n\n", ep_jv_len(fl));
    if (ep_jv_len(fl)) md_table(f, fl, unit, 0);
    else fputs("None.\n", f);
    const ep_jv *er = ep_jv_get(rank, "errors"), *mi = ep_jv_get(rank, "missing");
    if (ep_jv_len(er) || ep_jv_len(mi)) {
        fputs("\n### Not ranked\n\n", f);
        for (size_t i = 0; i < ep_jv_len(er); i++)
            fprintf(f, "- `%s`: error: %s\n", ep_jv_as_str(ep_jv_get(ep_jv_at(er, i), "path")),
                    ep_jv_as_str(ep_jv_get(ep_jv_at(er, i), "error")));
        for (size_t i = 0; i < ep_jv_len(mi); i++)
            fprintf(f, "- `%s`: no entropy for this estimator/unit\n", ep_jv_as_str(ep_jv_at(mi, i)));
    }
    return ferror(f) ? EP_ERR_IO : EP_OK;
}
