/* Probe repetition: Gopher repetition signals (Rae et al. 2021, table A1) per shard and corpus.
 *
 * Each document gets the integer counts of ep_repetition_doc (src/dedup/repetition.c). Two
 * aggregates per signal, both from exact integer state (so merges are exact in any order):
 *   mean_doc       document-weighted mean of the per-document fraction, the quantity Gopher
 *                  thresholds per document; each fraction is accumulated as round(f * 2^32);
 *   char_weighted  sum of numerators / sum of denominators over the shard stream.
 * Documents without characters are skipped (counted in docs_empty); documents too short for an
 * n-gram size contribute fraction 0 for it (as datatrove does). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "entroprof/dedup.h"
#include "probe/probes_internal.h"

#define REP_NSIG 11 /* dup_line, dup_line_char, top 2..4, dup 5..10 */

typedef struct {
    ep_repetition_scratch *scr;
    uint64_t docs, docs_empty;
    uint64_t num[REP_NSIG], den[REP_NSIG]; /* stream sums */
    uint64_t fix[REP_NSIG];                /* sum of round(fraction * 2^32) */
} rep_state;

static const char *const rep_names[REP_NSIG] = {
    "dup_line_frac",        "dup_line_char_frac",   "top_2gram_char_frac",  "top_3gram_char_frac",
    "top_4gram_char_frac",  "dup_5gram_char_frac",  "dup_6gram_char_frac",  "dup_7gram_char_frac",
    "dup_8gram_char_frac",  "dup_9gram_char_frac",  "dup_10gram_char_frac"};

static ep_status rep_create(void **out, const ep_probe_env *env, ep_error *err)
{
    (void)env;
    *out = NULL;
    rep_state *s = calloc(1, sizeof *s);
    if (!s || !(s->scr = ep_repetition_scratch_create())) {
        free(s);
        return ep_error_set(err, EP_ERR_NOMEM, "repetition: out of memory");
    }
    *out = s;
    return EP_OK;
}

static void rep_free(void *p)
{
    rep_state *s = p;
    if (!s) return;
    ep_repetition_scratch_free(s->scr);
    free(s);
}

static ep_status rep_observe(void *st, const ep_doc *doc, const ep_token *ids, size_t n_ids, ep_error *err)
{
    (void)ids;
    (void)n_ids;
    rep_state *s = st;
    ep_repetition_counts c;
    ep_status rc = ep_repetition_doc(s->scr, doc->text, doc->len, &c);
    if (rc != EP_OK)
        return ep_error_set(err, rc, "repetition: document %llu (%zu bytes): %s", (unsigned long long)doc->index,
                            doc->len, ep_strerror(rc));
    if (c.chars == 0) {
        s->docs_empty++;
        return EP_OK;
    }
    uint64_t num[REP_NSIG], den[REP_NSIG];
    num[0] = c.dup_lines;
    den[0] = c.lines;
    num[1] = c.dup_line_chars;
    den[1] = c.chars;
    for (int i = 0; i < 3; i++) num[2 + i] = c.top_ngram_chars[i], den[2 + i] = c.chars;
    for (int i = 0; i < 6; i++) num[5 + i] = c.dup_ngram_chars[i], den[5 + i] = c.chars;
    s->docs++;
    for (int i = 0; i < REP_NSIG; i++) {
        s->num[i] += num[i];
        s->den[i] += den[i];
        /* fraction in 32.32 fixed point; the top n-gram "fraction" can exceed 1 by the joining
         * spaces on tiny documents, so clamp at 1 as a fraction */
        uint64_t n = num[i] > den[i] ? den[i] : num[i];
        s->fix[i] += den[i] ? (uint64_t)(((unsigned __int128)n << 32) + den[i] / 2) / den[i] : 0;
    }
    return EP_OK;
}

/* Integer sums: commutative and exact. Also the fold. */
static ep_status rep_merge(void *into, const void *from, ep_error *err)
{
    (void)err;
    rep_state *a = into;
    const rep_state *b = from;
    a->docs += b->docs;
    a->docs_empty += b->docs_empty;
    for (int i = 0; i < REP_NSIG; i++) {
        a->num[i] += b->num[i];
        a->den[i] += b->den[i];
        a->fix[i] += b->fix[i];
    }
    return EP_OK;
}

static ep_status rep_finish(void *st, const void *before, ep_jv *out, const ep_probe_env *env, ep_error *err)
{
    (void)before;
    (void)err;
    (void)env;
    rep_state *s = st;
    ep_jv *r = ep_jv_child(out, "repetition");
    ep_jv_set(r, "method", ep_jv_str("Gopher (Rae et al. 2021) per-document signals as datatrove; "
                                     "mean_doc = document-weighted mean, char_weighted = ratio of sums"));
    ep_jv_set(r, "docs", ep_jv_int((int64_t)s->docs));
    ep_jv_set(r, "docs_empty", ep_jv_int((int64_t)s->docs_empty));
    for (int i = 0; i < REP_NSIG; i++) {
        ep_jv *o = ep_jv_child(r, rep_names[i]);
        ep_jv_set(o, "mean_doc", ep_jv_num(s->docs ? ldexp((double)s->fix[i], -32) / (double)s->docs : 0.0));
        ep_jv_set(o, "char_weighted", ep_jv_num(s->den[i] ? (double)s->num[i] / (double)s->den[i] : 0.0));
    }
    return EP_OK;
}

/* Partial state (docs/partial-format.md, "repetition"): the integer sums fold reads: u64 docs, u64
 * docs_empty, then u64 num[11], u64 den[11], u64 fix[11] in rep_names order; 280 bytes per shard. */
static ep_status rep_save(const void *st, ep_wbuf *w, ep_error *err)
{
    (void)err;
    const rep_state *s = st;
    ep_wbuf_u64(w, s->docs);
    ep_wbuf_u64(w, s->docs_empty);
    ep_wbuf_u64s(w, s->num, REP_NSIG);
    ep_wbuf_u64s(w, s->den, REP_NSIG);
    ep_wbuf_u64s(w, s->fix, REP_NSIG);
    return EP_OK;
}

/* What rep_observe's sums always satisfy, or the reason they do not (NULL: consistent). */
static const char *rep_inconsistent(const rep_state *s)
{
    if (s->docs > INT64_MAX || s->docs_empty > INT64_MAX) return "document count out of range";
    for (int i = 0; i < REP_NSIG; i++) /* each document adds a fraction <= 1, i.e. <= 2^32 */
        if (s->fix[i] > (unsigned __int128)s->docs << 32) return "a mean numerator exceeds the documents";
    for (int i = 2; i < REP_NSIG; i++) /* denominators 1..10 are all the characters */
        if (s->den[i] != s->den[1]) return "character totals differ between signals";
    if (s->num[0] > s->den[0] || s->num[1] > s->den[1]) return "more duplicate lines than lines";
    if (s->den[1] < s->docs) return "fewer characters than non-empty documents";
    if (!s->docs && (s->den[0] || s->den[1])) return "characters without documents";
    return NULL;
}

static ep_status rep_load(void **out, ep_rbuf *r, const ep_probe_env *env, ep_error *err)
{
    (void)env;
    *out = NULL;
    rep_state v;
    memset(&v, 0, sizeof v);
    v.docs = ep_rbuf_u64(r);
    v.docs_empty = ep_rbuf_u64(r);
    ep_rbuf_u64s(r, v.num, REP_NSIG);
    ep_rbuf_u64s(r, v.den, REP_NSIG);
    ep_rbuf_u64s(r, v.fix, REP_NSIG);
    if (ep_rbuf_status(r) != EP_OK) return ep_error_set(err, EP_ERR_CORRUPT, "repetition: partial state truncated");
    const char *bad = rep_inconsistent(&v);
    if (bad) {
        ep_rbuf_fail(r);
        return ep_error_set(err, EP_ERR_CORRUPT, "repetition: partial state: %s", bad);
    }
    rep_state *s = malloc(sizeof *s); /* no scratch: a loaded state is only folded */
    if (!s) return ep_error_set(err, EP_ERR_NOMEM, "repetition: out of memory");
    *s = v;
    *out = s;
    return EP_OK;
}

static int rep_enabled(const ep_scan_config *cfg)
{
    (void)cfg;
    return 1;
}

const ep_probe_vtable ep_probe_repetition = {
    .name = "repetition",
    .flags = 0,
    .enabled = rep_enabled,
    .mem_weight = 0.0,
    .create = rep_create,
    .observe = rep_observe,
    .merge = rep_merge,
    .finish = rep_finish,
    .fold = rep_merge,
    .free = rep_free,
    .save = rep_save,
    .load = rep_load,
};
