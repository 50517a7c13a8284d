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

/* Partial state (docs/partial-format.md, "unigram"): what fold reads, sparse: u64 tokens, u64
 * bytes, u64 types, then one (u32 id, u64 count) pair per token type seen, ids increasing (dense
 * counts in id order, then the map's sorted). 24 + 12 x distinct types bytes per shard: at most
 * 3 KB with byte tokens, 1.2 MB with cl100k_base. */
static int slot_key_cmp(const void *a, const void *b)
{
    uint64_t x = ((const ep_u64map_slot *)a)->key, y = ((const ep_u64map_slot *)b)->key;
    return x < y ? -1 : x > y;
}

static ep_status unigram_save(const void *st, ep_wbuf *w, ep_error *err)
{
    const unigram_state *s = st;
    ep_u64map_slot *sparse = malloc((s->counts.size ? s->counts.size : 1) * sizeof *sparse);
    if (!sparse) return ep_error_set(err, EP_ERR_NOMEM, "unigram: out of memory for %zu token types", s->counts.size);
    size_t n_sparse = 0, n_dense = 0;
    uint64_t key, val;
    for (size_t it = 0; ep_u64map_next(&s->counts, &it, &key, &val);)
        if (val) sparse[n_sparse++] = (ep_u64map_slot){key, val};
    qsort(sparse, n_sparse, sizeof *sparse, slot_key_cmp);
    for (size_t i = 0; i < s->dense_n; i++) n_dense += s->dense[i] != 0;
    ep_wbuf_u64(w, s->tokens);
    ep_wbuf_u64(w, s->bytes);
    ep_wbuf_u64(w, (uint64_t)(n_dense + n_sparse));
    for (size_t i = 0; i < s->dense_n; i++)
        if (s->dense[i]) {
            ep_wbuf_u32(w, (uint32_t)i);
            ep_wbuf_u64(w, s->dense[i]);
        }
    for (size_t i = 0; i < n_sparse; i++) { /* ids are ep_token values: they fit 32 bits */
        ep_wbuf_u32(w, (uint32_t)sparse[i].key);
        ep_wbuf_u64(w, sparse[i].val);
    }
    free(sparse);
    return EP_OK;
}

static ep_status unigram_corrupt(ep_rbuf *r, ep_error *err, const char *what)
{
    ep_rbuf_fail(r);
    return ep_error_set(err, EP_ERR_CORRUPT, "unigram: partial state: %s", what);
}

/* Refuses ids out of order or outside the tokenizer's vocabulary, zero counts, and counts that do
 * not sum to the token total (each observed token is counted once). */
static ep_status unigram_load(void **out, ep_rbuf *r, const ep_probe_env *env, ep_error *err)
{
    *out = NULL;
    uint64_t tokens = ep_rbuf_u64(r), bytes = ep_rbuf_u64(r);
    uint64_t n_types = ep_rbuf_count(r, 12);
    if (ep_rbuf_status(r) != EP_OK) return unigram_corrupt(r, err, "truncated or too many types");
    if (tokens > INT64_MAX) return unigram_corrupt(r, err, "token count out of range");
    const uint64_t vocab = env->tok ? ep_tokenizer_vocab_size(env->tok) : 0;
    void *p = NULL;
    ep_status rc = unigram_create(&p, env, err);
    if (!p) return rc; /* create failed */
    unigram_state *s = p;
    s->tokens = tokens;
    s->bytes = bytes;
    uint64_t sum = 0, prev_id = 0;
    const char *bad = NULL;
    for (uint64_t i = 0; i < n_types && !bad; i++) {
        uint64_t id = ep_rbuf_u32(r), c = ep_rbuf_u64(r);
        if (ep_rbuf_status(r) != EP_OK) bad = "truncated";
        else if (i > 0 && id <= prev_id) bad = "token ids not increasing";
        else if (vocab && id >= vocab) bad = "token id outside the vocabulary";
        else if (c == 0 || c > tokens - sum) bad = "a count is 0 or the counts exceed the token total";
        else if (s->dense && id < s->dense_n) s->dense[id] = c;
        else if (ep_u64map_add(&s->counts, id, c) != EP_OK) {
            size_t types = s->counts.size;
            unigram_free(s);
            return ep_error_set(err, EP_ERR_NOMEM, "unigram: out of memory for %zu token types", types);
        }
        sum += c;
        prev_id = id;
    }
    if (!bad && sum != tokens) bad = "the counts do not sum to the token total";
    if (bad) {
        unigram_free(s);
        return unigram_corrupt(r, err, bad);
    }
    *out = s;
    return EP_OK;
}

const ep_probe_vtable ep_probe_unigram = {
    "unigram", EP_PROBE_NEEDS_TOKENS | EP_PROBE_ESTIMATOR, unigram_enabled, 1.0,
    unigram_create, unigram_observe, unigram_merge, unigram_finish, unigram_merge, unigram_free,
    unigram_save, unigram_load,
};
