/* Probe "lm": the tiny-model pass (src/lm/, docs/lm.md) on a content-hashed sample of documents.
 *
 * Sample: document key = XXH3-64(hash_lo, hash_hi) with the scan seed; the sample is the
 * documents with the smallest keys whose tokens fit in the budget (cfg->lm_tokens), in key order.
 * A state keeps the smallest-key documents until their tokens reach the budget, which contains
 * every document of the global sample (a document in it has fewer budget tokens before it in any
 * subset), so merge (union, then prune) is exact and the sample does not depend on threads,
 * shard order inside a state, or batches. The corpus state is the merge of the shard states:
 * the corpus pass runs on the corpus-wide smallest-key sample, not on a concatenation of shards.
 * A single document larger than the budget is cut to its first budget tokens (its bytes counted
 * pro rata, flagged "bytes_prorated"). Off unless cfg->lm_enable. */
#include <stdlib.h>
#include <string.h>

#include "base/xxh.h"
#include "entroprof/lm.h"
#include "probe/probes_internal.h"

#define LM_DEFAULT_TOKENS 32768

typedef struct {
    uint64_t key, tie;     /* sort key; tie = hash_lo (equal keys with equal hash: same text) */
    uint64_t n_tokens;     /* tokens of the whole document */
    uint64_t bytes;
    ep_token *ids;         /* first min(n_tokens, budget) ids, owned */
} lm_doc;

typedef struct {
    uint64_t budget, seed;
    lm_doc *docs;          /* (n) */
    size_t n, cap;
    uint64_t stored;       /* sum of stored ids */
    int full;              /* 1 when the kept prefix reaches the budget: threshold is valid */
    uint64_t thr_key, thr_tie; /* largest kept key when full */
} lm_state;

static int lm_enabled(const ep_scan_config *cfg) { return cfg->lm_enable != 0; }

static ep_status lm_create(void **out, const ep_probe_env *env, ep_error *err)
{
    lm_state *s = calloc(1, sizeof *s);
    *out = s;
    if (!s) return ep_error_set(err, EP_ERR_NOMEM, "lm: out of memory");
    s->budget = env->cfg->lm_tokens ? env->cfg->lm_tokens : LM_DEFAULT_TOKENS;
    s->seed = env->cfg->seed;
    return EP_OK;
}

static int doc_cmp(const void *a, const void *b)
{
    const lm_doc *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->tie < y->tie ? -1 : x->tie > y->tie;
}

static int after_threshold(const lm_state *s, uint64_t key, uint64_t tie)
{
    return s->full && (key > s->thr_key || (key == s->thr_key && tie > s->thr_tie));
}

/* Sorts and keeps the shortest key-order prefix whose document tokens reach the budget. */
static void prune(lm_state *s)
{
    if (s->n) qsort(s->docs, s->n, sizeof *s->docs, doc_cmp); /* docs is NULL before the first document */
    uint64_t cum = 0;
    size_t keep = 0;
    while (keep < s->n && cum < s->budget) cum += s->docs[keep++].n_tokens;
    for (size_t i = keep; i < s->n; i++) free(s->docs[i].ids);
    s->n = keep;
    s->stored = 0;
    for (size_t i = 0; i < keep; i++) s->stored += s->docs[i].n_tokens < s->budget ? s->docs[i].n_tokens : s->budget;
    s->full = cum >= s->budget && keep > 0;
    if (s->full) { s->thr_key = s->docs[keep - 1].key; s->thr_tie = s->docs[keep - 1].tie; }
}

static int add_doc(lm_state *s, uint64_t key, uint64_t tie, uint64_t n_tokens, uint64_t bytes,
                   const ep_token *ids)
{
    if (n_tokens == 0 || after_threshold(s, key, tie)) return 1;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        lm_doc *d = realloc(s->docs, cap * sizeof *d);
        if (!d) return 0;
        s->docs = d;
        s->cap = cap;
    }
    uint64_t keep = n_tokens < s->budget ? n_tokens : s->budget;
    ep_token *copy = malloc(keep * sizeof *copy);
    if (!copy) return 0;
    memcpy(copy, ids, keep * sizeof *copy);
    s->docs[s->n++] = (lm_doc){key, tie, n_tokens, bytes, copy};
    s->stored += keep;
    if (s->stored > 2 * s->budget + 1024) prune(s);
    return 1;
}

static ep_status lm_observe(void *st, const ep_doc *doc, const ep_token *ids, size_t n_ids, ep_error *err)
{
    lm_state *s = st;
    uint64_t h[2] = {doc->hash_lo, doc->hash_hi};
    uint64_t key = XXH3_64bits_withSeed(h, sizeof h, s->seed);
    /* Dropping the document would make the sample depend on which state saw it: an error. */
    if (!add_doc(s, key, doc->hash_lo, n_ids, doc->len, ids))
        return ep_error_set(err, EP_ERR_NOMEM, "lm: out of memory for the sample (%zu documents)", s->n);
    return EP_OK;
}

/* Union, then prune: commutative and exact (see the top). Also the fold: the corpus sample is
 * the corpus-wide smallest-key sample. */
static ep_status lm_merge(void *into, const void *from, ep_error *err)
{
    lm_state *s = into;
    const lm_state *f = from;
    for (size_t i = 0; i < f->n; i++) {
        const lm_doc *d = &f->docs[i];
        if (!add_doc(s, d->key, d->tie, d->n_tokens, d->bytes, d->ids))
            return ep_error_set(err, EP_ERR_NOMEM, "lm: out of memory for the sample (%zu documents)", s->n);
    }
    return EP_OK;
}

static void put_config(ep_jv *obj, const ep_lm_config *c, const ep_lm_result *r)
{
    ep_jv *m = ep_jv_set(obj, "model", ep_jv_obj());
    ep_jv_set(m, "layers", ep_jv_int(c->n_layer));
    ep_jv_set(m, "width", ep_jv_int(c->n_embd));
    ep_jv_set(m, "heads", ep_jv_int(c->n_head));
    ep_jv_set(m, "context", ep_jv_int(c->seq_len));
    ep_jv_set(m, "batch", ep_jv_int(c->batch));
    ep_jv_set(m, "lr", ep_jv_num(c->lr));
    ep_jv_set(m, "init_std", ep_jv_num(c->init_std));
    ep_jv_set(m, "params", ep_jv_int((int64_t)r->n_params));
    ep_jv_set(m, "steps", ep_jv_int(r->steps));
    ep_jv_set(m, "classes", ep_jv_int(r->classes));
    ep_jv_set(m, "frequent_types", ep_jv_int(r->frequent_types));
    ep_jv_set(m, "vocab_size", ep_jv_int((int64_t)r->vocab_size));
    ep_jv_set(m, "vocab_open", ep_jv_bool(r->vocab_open));
    ep_jv_set(m, "escape_fraction", ep_jv_num(r->escape_fraction));
}

static ep_status lm_finish(void *st, const void *before, ep_jv *out, const ep_probe_env *env, ep_error *err)
{
    (void)before;
    lm_state *s = st;
    prune(s);
    /* The sample: whole documents in key order while they fit; the first is cut if it alone
     * exceeds the budget. */
    uint64_t n = 0, nd = 0;
    double bytes = 0.0;
    int prorated = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (n + s->docs[i].n_tokens > s->budget) {
            if (i == 0) {
                n = s->budget;
                bytes = (double)s->docs[0].bytes * (double)s->budget / (double)s->docs[0].n_tokens;
                prorated = 1;
                nd = 1;
            }
            break;
        }
        n += s->docs[i].n_tokens;
        bytes += (double)s->docs[i].bytes;
        nd++;
    }
    if (n < 2 || !(bytes > 0.0)) return EP_OK; /* nothing to learn from: no estimates */
    ep_token *ids = malloc(n * sizeof *ids);
    if (!ids) return ep_error_set(err, EP_ERR_NOMEM, "lm: out of memory for %llu sample tokens", (unsigned long long)n);
    uint64_t at = 0;
    for (size_t i = 0; i < nd; i++) {
        uint64_t k = s->docs[i].n_tokens < n - at ? s->docs[i].n_tokens : n - at;
        memcpy(ids + at, s->docs[i].ids, k * sizeof *ids);
        at += k;
    }
    ep_lm_config c;
    ep_lm_config_default(&c);
    c.seed = s->seed;
    uint64_t V = env->tok ? ep_tokenizer_vocab_size(env->tok) : 0;
    ep_lm_result r;
    ep_status rc = ep_lm_pass(&c, ids, n, V, &r, err);
    free(ids);
    if (rc != EP_OK) {
        if (!err->msg[0]) ep_error_set(err, rc, "lm: %s", ep_strerror(rc));
        return rc;
    }
    const double tpb = (double)n / bytes; /* tokens per byte of the sample */

    ep_jv *e0 = ep_estimate_add(out, "lm_step0", r.l0_bits_per_token, "bits_per_token", "point",
                                "tiny transformer at random init: step-0 loss (Corollary 4.1, literal)",
                                r.l0_tokens);
    ep_jv_set(e0, "bits_per_byte", ep_jv_num(r.l0_bits_per_token * tpb));
    ep_jv_set(e0, "log2_vocab", ep_jv_num(r.log2_vocab));
    ep_jv_set(e0, "formula_bits_per_token", ep_jv_num(r.l0_formula_bits_per_token));
    ep_jv_set(e0, "formula", ep_jv_str("(ln K + s^2/2 - (e^{s^2}-1)/(2K) + f_esc ln(V-K)) / ln 2"));
    ep_jv_set(e0, "logit_std", ep_jv_num(r.logit_std));
    put_config(e0, &c, &r);

    ep_jv *ep = ep_estimate_add(out, "lm_prequential", r.preq_bits_per_token, "bits_per_token",
                                "upper_bound", "tiny transformer, prequential code length (one pass)", n);
    ep_jv_set(ep, "bits_per_byte", ep_jv_num(r.preq_bits_per_token * tpb));
    ep_jv_set(ep, "sample_docs", ep_jv_int((int64_t)nd));
    ep_jv_set(ep, "sample_bytes", ep_jv_num(bytes));
    if (prorated) ep_jv_set(ep, "bytes_prorated", ep_jv_bool(1));
    ep_jv_set(ep, "final_bits_per_token", ep_jv_num(r.final_bits_per_token));
    ep_jv_set(ep, "info_absorbed_bits", ep_jv_num(r.info_absorbed_bits));
    ep_jv *curve = ep_jv_set(ep, "curve", ep_jv_arr());
    for (size_t i = 0; i < r.n_curve; i++) {
        ep_jv *p = ep_jv_push(curve, ep_jv_obj());
        ep_jv_set(p, "tokens_trained", ep_jv_int((int64_t)r.curve[i].tokens_trained));
        ep_jv_set(p, "tokens", ep_jv_int((int64_t)r.curve[i].tokens));
        ep_jv_set(p, "bits_per_token", ep_jv_num(r.curve[i].bits_per_token));
    }
    if (!r.fit_ok) ep_jv_set(ep, "fit", ep_jv_str(r.fit_note));
    put_config(ep, &c, &r);

    if (r.fit_ok) {
        /* Not an estimate of H: the asymptote of this tiny model's loss on this sample (5.98 bits on a
         * source whose rate is 2.12, issue 11); never a headline or a bound. */
        ep_jv *ef = ep_estimate_add(out, "lm_fit", r.fit_e, "bits_per_token", "model_asymptote",
                                    "asymptote E of the tiny model's loss curve L(D) = E + B D^-beta fitted to the "
                                    "prequential curve: what this model would reach on this sample, not the entropy "
                                    "rate", n);
        ep_jv_set(ef, "bits_per_byte", ep_jv_num(r.fit_e * tpb));
        ep_jv *iv = ep_jv_set(ef, "interval_90", ep_jv_arr());
        ep_jv_push(iv, ep_jv_num(r.fit_e_lo));
        ep_jv_push(iv, ep_jv_num(r.fit_e_hi));
        ep_jv_set(ef, "b", ep_jv_num(r.fit_b));
        ep_jv_set(ef, "beta", ep_jv_num(r.fit_beta));
    }
    ep_lm_result_free(&r);
    return EP_OK;
}

static void lm_free(void *st)
{
    lm_state *s = st;
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) free(s->docs[i].ids);
    free(s->docs);
    free(s);
}

/* Partial state (docs/partial-format.md, "lm"): the sample finish left (pruned, in key order), which
 * fold reads: u64 budget, u64 documents, then per document u64 key, u64 tie, u64 tokens, u64
 * bytes, u64 stored ids (= min(tokens, budget)) and the ids as u32. All documents but the last
 * hold fewer than budget tokens together, so a shard costs at most 16 + 40 x (budget + 1) + 8 x
 * budget bytes; about 4 bytes per sample token plus 40 per sample document in practice (130 KB
 * at the default 32K budget). */
static ep_status lm_save(const void *st, ep_wbuf *w, ep_error *err)
{
    (void)err;
    const lm_state *s = st;
    ep_wbuf_u64(w, s->budget);
    ep_wbuf_u64(w, (uint64_t)s->n);
    for (size_t i = 0; i < s->n; i++) {
        const lm_doc *d = &s->docs[i];
        uint64_t stored = d->n_tokens < s->budget ? d->n_tokens : s->budget;
        ep_wbuf_u64(w, d->key);
        ep_wbuf_u64(w, d->tie);
        ep_wbuf_u64(w, d->n_tokens);
        ep_wbuf_u64(w, d->bytes);
        ep_wbuf_u64(w, stored);
        ep_wbuf_u32s(w, d->ids, (size_t)stored);
    }
    return EP_OK;
}

static ep_status lm_corrupt(lm_state *s, ep_rbuf *r, ep_error *err, const char *what)
{
    lm_free(s);
    ep_rbuf_fail(r);
    return ep_error_set(err, EP_ERR_CORRUPT, "lm: partial state: %s", what);
}

/* Refuses another budget than env's, documents out of key order, a sample longer than prune
 * keeps (every document but the last fits under the budget together), token counts of 0 or above
 * int64 (finish adds them), stored ids that are not min(tokens, budget), and ids outside the
 * tokenizer's vocabulary. */
static ep_status lm_load(void **out, ep_rbuf *r, const ep_probe_env *env, ep_error *err)
{
    *out = NULL;
    void *p = NULL;
    ep_status rc = lm_create(&p, env, err);
    if (!p) return rc; /* create failed */
    lm_state *s = p;
    const uint64_t vocab = env->tok ? ep_tokenizer_vocab_size(env->tok) : 0;
    uint64_t budget = ep_rbuf_u64(r);
    uint64_t n = ep_rbuf_count(r, 5 * sizeof(uint64_t));
    if (ep_rbuf_status(r) != EP_OK) return lm_corrupt(s, r, err, "truncated or too many documents");
    if (budget != s->budget) return lm_corrupt(s, r, err, "another token budget than this scan's");
    if (n && !(s->docs = malloc((size_t)n * sizeof *s->docs))) {
        lm_free(s);
        return ep_error_set(err, EP_ERR_NOMEM, "lm: out of memory for %llu sample documents", (unsigned long long)n);
    }
    s->cap = (size_t)n;
    uint64_t cum = 0; /* tokens of the documents before this one */
    for (uint64_t i = 0; i < n; i++) {
        lm_doc d = {0};
        d.key = ep_rbuf_u64(r);
        d.tie = ep_rbuf_u64(r);
        d.n_tokens = ep_rbuf_u64(r);
        d.bytes = ep_rbuf_u64(r);
        uint64_t stored = ep_rbuf_count(r, sizeof(ep_token));
        if (ep_rbuf_status(r) != EP_OK) return lm_corrupt(s, r, err, "truncated or too many ids");
        if (i > 0 && doc_cmp(&s->docs[i - 1], &d) > 0) return lm_corrupt(s, r, err, "documents out of key order");
        if (cum >= budget) return lm_corrupt(s, r, err, "more documents than the budget keeps");
        if (d.n_tokens == 0 || d.n_tokens > INT64_MAX || stored != (d.n_tokens < budget ? d.n_tokens : budget))
            return lm_corrupt(s, r, err, "stored ids do not match the document's tokens");
        if (!(d.ids = malloc((size_t)stored * sizeof *d.ids))) {
            lm_free(s);
            return ep_error_set(err, EP_ERR_NOMEM, "lm: out of memory for %llu sample tokens", (unsigned long long)stored);
        }
        s->docs[s->n++] = d; /* owned by s from here */
        if (ep_rbuf_u32s(r, d.ids, (size_t)stored)) return lm_corrupt(s, r, err, "truncated ids");
        for (uint64_t k = 0; vocab && k < stored; k++)
            if (d.ids[k] >= vocab) return lm_corrupt(s, r, err, "a token id outside the vocabulary");
        cum += stored; /* each term <= budget and cum < budget before it: no overflow below 2^63 */
    }
    prune(s); /* keeps every document (checked above); sets stored, full and the threshold */
    *out = s;
    return EP_OK;
}

const ep_probe_vtable ep_probe_lm = {
    .name = "lm",
    .flags = EP_PROBE_NEEDS_TOKENS | EP_PROBE_ESTIMATOR,
    .enabled = lm_enabled,
    .mem_weight = 0.0,
    .create = lm_create,
    .observe = lm_observe,
    .merge = lm_merge,
    .finish = lm_finish,
    .fold = lm_merge,
    .free = lm_free,
    .save = lm_save,
    .load = lm_load,
};
