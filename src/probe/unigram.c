/* unigram: entropy of the token distribution H_1, plug-in and Grassberger (2003).
 * H_1 >= the entropy rate (conditioning never increases entropy). Grassberger's estimate is close to
 * unbiased for H_1, so it is labelled upper_bound on the rate. The plug-in value is biased low for
 * H_1 by about (K-1)/(2N ln 2) bits and can fall below the rate on small samples of large
 * vocabularies, so it bounds nothing: it is labelled point (an estimate of H_1) and stays out of
 * the headline bracket. */
#include <stdlib.h>

#include "core/u64map.h"
#include "entroprof/entropy.h"
#include "probe/probes_internal.h"

typedef struct {
    ep_u64map counts; /* token id -> count */
    uint64_t tokens, bytes;
    int oom;
} unigram_state;

static int unigram_enabled(const ep_scan_config *cfg) { (void)cfg; return 1; }

static void *unigram_create(const ep_probe_env *env)
{
    (void)env;
    unigram_state *s = calloc(1, sizeof *s);
    if (s) ep_u64map_init(&s->counts);
    return s;
}

static void unigram_observe(void *st, const ep_doc *doc, const ep_token *ids, size_t n)
{
    unigram_state *s = st;
    s->bytes += doc->len;
    s->tokens += n;
    for (size_t i = 0; i < n; i++)
        if (ep_u64map_add(&s->counts, ids[i], 1) != EP_OK) s->oom = 1;
}

static ep_status unigram_merge(void *into, const void *from)
{
    unigram_state *a = into;
    const unigram_state *b = from;
    a->tokens += b->tokens;
    a->bytes += b->bytes;
    a->oom |= b->oom;
    return ep_u64map_merge(&a->counts, &b->counts);
}

static ep_status unigram_finish(void *st, const void *before, ep_jv *out, const ep_probe_env *env)
{
    (void)before; (void)env;
    unigram_state *s = st;
    if (s->oom) return EP_ERR_NOMEM;
    if (s->tokens == 0) return EP_OK; /* nothing to estimate: no estimate is written */
    uint64_t *vals = malloc((s->counts.size ? s->counts.size : 1) * sizeof *vals);
    if (!vals) return EP_ERR_NOMEM;
    ep_u64map_values(&s->counts, vals);
    ep_coc c = {0};
    ep_status st2 = ep_coc_from_counts(&c, vals, s->counts.size);
    free(vals);
    if (st2 != EP_OK) return st2;
    double tokens_per_byte = s->bytes ? (double)s->tokens / (double)s->bytes : 0.0;
    struct { const char *key, *kind, *method; double v; } est[2] = {
        {"unigram_plugin", "point", "plug-in (maximum likelihood) entropy H_1 of the token distribution; biased low",
         ep_entropy_plugin_bits(&c)},
        {"unigram_grassberger", "upper_bound", "Grassberger (2003) bias-corrected entropy H_1 of the token distribution",
         ep_entropy_grassberger_bits(&c)},
    };
    for (int i = 0; i < 2; i++) {
        ep_jv *e = ep_estimate_add(out, est[i].key, est[i].v, "bits_per_token", est[i].kind, est[i].method, s->tokens);
        ep_jv_set(e, "bits_per_byte", ep_jv_num(est[i].v * tokens_per_byte));
        ep_jv_set(e, "order", ep_jv_int(0));
        ep_jv_set(e, "types", ep_jv_int((int64_t)ep_coc_types(&c)));
        ep_jv_set(e, "f1", ep_jv_int((int64_t)ep_coc_f(&c, 1)));
        ep_jv_set(e, "f2", ep_jv_int((int64_t)ep_coc_f(&c, 2)));
    }
    ep_coc_free(&c);
    return EP_OK;
}

static void unigram_free(void *st)
{
    unigram_state *s = st;
    if (!s) return;
    ep_u64map_free(&s->counts);
    free(s);
}

const ep_probe_vtable ep_probe_unigram = {
    "unigram", EP_PROBE_NEEDS_TOKENS | EP_PROBE_ESTIMATOR, unigram_enabled, 1.0,
    unigram_create, unigram_observe, unigram_merge, unigram_finish, unigram_free,
};
