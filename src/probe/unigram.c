/* unigram: entropy of the token distribution H_1, plug-in and Grassberger (2003).
 * H_1 >= the entropy rate (conditioning never increases entropy). Grassberger's estimate is close to
 * unbiased for H_1, so it is labelled upper_bound on the rate. The plug-in value is biased low for
 * H_1 by about (K-1)/(2N ln 2) bits and can fall below the rate on small samples of large
 * vocabularies, so it bounds nothing: it is labelled point (an estimate of H_1) and stays out of
 * the headline bracket. */
#include <stdlib.h>
#include <string.h>

#include "base/u64map.h"
#include "entroprof/entropy.h"
#include "probe/probes_internal.h"

/* Dense tokenizers with at most this many ids count into an array (byte: 256, cl100k: 100277,
 * o200k: 200019), 8 bytes per id; larger or open vocabularies (char, word) use a hash map. */
#define DENSE_MAX (1u << 18)

typedef struct {
    uint64_t *dense;  /* (dense_n) counts by id, or NULL */
    size_t dense_n;
    ep_u64map counts; /* token id -> count, when not dense */
    uint64_t tokens, bytes;
} unigram_state;

static int unigram_enabled(const ep_scan_config *cfg) { (void)cfg; return 1; }

static void unigram_free(void *st);

static ep_status unigram_create(void **out, const ep_probe_env *env, ep_error *err)
{
    *out = NULL;
    unigram_state *s = calloc(1, sizeof *s);
    if (!s) return ep_error_set(err, EP_ERR_NOMEM, "unigram: out of memory");
    ep_u64map_init(&s->counts);
    uint64_t v = env->tok ? ep_tokenizer_vocab_size(env->tok) : 0;
    if (v > 0 && v <= DENSE_MAX) {
        s->dense = calloc((size_t)v, sizeof *s->dense);
        if (!s->dense) {
            unigram_free(s);
            return ep_error_set(err, EP_ERR_NOMEM, "unigram: out of memory for %llu counts", (unsigned long long)v);
        }
        s->dense_n = (size_t)v;
    }
    *out = s;
    return EP_OK;
}

static ep_status unigram_observe(void *st, const ep_doc *doc, const ep_token *ids, size_t n, ep_error *err)
{
    unigram_state *s = st;
    s->bytes += doc->len;
    s->tokens += n;
    for (size_t i = 0; i < n; i++) {
        if (s->dense && ids[i] < s->dense_n) s->dense[ids[i]]++;
        else if (ep_u64map_add(&s->counts, ids[i], 1) != EP_OK) /* dense: never for valid ids */
            return ep_error_set(err, EP_ERR_NOMEM, "unigram: out of memory for %zu token types", s->counts.size);
    }
    return EP_OK;
}

/* Sums of counts: commutative and exact. Also the fold. */
static ep_status unigram_merge(void *into, const void *from, ep_error *err)
{
    unigram_state *a = into;
    const unigram_state *b = from;
    a->tokens += b->tokens;
    a->bytes += b->bytes;
    for (size_t i = 0; a->dense && i < a->dense_n; i++) a->dense[i] += b->dense[i];
    if (ep_u64map_merge(&a->counts, &b->counts) != EP_OK)
        return ep_error_set(err, EP_ERR_NOMEM, "unigram: out of memory for %zu token types", a->counts.size);
    return EP_OK;
}

static ep_status unigram_finish(void *st, const void *before, ep_jv *out, const ep_probe_env *env, ep_error *err)
{
    (void)before; (void)env;
    unigram_state *s = st;
    if (s->tokens == 0) return EP_OK; /* nothing to estimate: no estimate is written */
    size_t nvals = s->counts.size + s->dense_n;
    uint64_t *vals = malloc((nvals ? nvals : 1) * sizeof *vals);
    if (!vals) return ep_error_set(err, EP_ERR_NOMEM, "unigram: out of memory");
    ep_u64map_values(&s->counts, vals);
    if (s->dense) memcpy(vals + s->counts.size, s->dense, s->dense_n * sizeof *vals); /* zeros are ignored */
    ep_coc c = {0};
    ep_status st2 = ep_coc_from_counts(&c, vals, nvals);
    free(vals);
    if (st2 != EP_OK) return ep_error_set(err, st2, "unigram: count of counts: %s", ep_strerror(st2));
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
        ep_estimate_set_estimand(e, EP_ESTIMAND_H_N, 0); /* H_1 = h_0 */
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
    free(s->dense);
    free(s);
}

const ep_probe_vtable ep_probe_unigram = {
    "unigram", EP_PROBE_NEEDS_TOKENS | EP_PROBE_ESTIMATOR, unigram_enabled, 1.0,
    unigram_create, unigram_observe, unigram_merge, unigram_finish, unigram_merge, unigram_free, NULL, NULL,
};
