/* Probe near_dedup: near duplicates (MinHash LSH, src/dedup/) and dedup-aware figures.
 *
 * observe  records (doc index, XXH3-128, bytes, tokens, MinHash signature) of each document;
 *          signatures go to a store that spills to a temp file past the memory share.
 * merge    worker states: appends records (exact; finish sorts them by document index, so the
 *          result does not depend on the order of merges).
 * finish   shard: classifies this shard's documents in canonical order against the incremental
 *          index of the earlier shards (`before`, read only) and against each other; counts exact
 *          and near duplicates (docs/dedup.md: a document is a duplicate when an earlier document
 *          has the same bytes, or an estimated Jaccard >= threshold). The work is O(shard size)
 *          plus lookups, not O(corpus size) (docs/dedup.md, "Incremental index"). The same query
 *          classifies the shard by the whole-corpus rule too (it differs from the shard rule in
 *          one point, see src/dedup/incr.c); that batch stays in the shard state for fold.
 *          corpus: the whole-corpus verdicts collected at fold, plus the shard overlap table.
 * fold     the shard becomes one segment of the corpus state, its records sorted by document
 *          index (so the corpus state is in canonical order), and the batch its finish queried
 *          against this corpus state is committed to the incremental index (src/dedup/incr.c).
 * save/load the merged shard state, before finish (EP_PROBE_CROSS_SHARD): records and signatures,
 *          so that a merge of partials runs finish against the earlier shards as one scan does
 *          (docs/partial-format.md, "near_dedup").
 * Writes dedup.{near_dup_docs, near_dup_bytes, unique_docs, unique_bytes, unique_tokens, D_eff,
 * D_eff_repeat_discounted, dup_fraction_docs, near_dedup{...}} and, for the corpus, dedup.overlap.
 * Exact counts of the shards sum to the corpus's; near counts may differ slightly (the corpus rule
 * drops documents marked near from later bands' tables, docs/dedup.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dedup/dedup_index.h"
#include "probe/probes_internal.h"

typedef struct {
    uint64_t index;   /* document index in its shard */
    uint64_t hlo, hhi;
    uint64_t bytes, tokens;
    uint64_t nsh;     /* shingles (0 = no token) */
} nd_rec;

typedef struct {
    ep_dedup_config dcfg;
    ep_minhash *mh;
    ep_minhash_scratch *scr;
    uint32_t *sig;     /* (k) scratch signature */
    nd_rec *recs;      /* (cap) */
    size_t n, cap;
    ep_sigstore sigs;  /* signature i belongs to recs[i] */
    size_t *seg_end;   /* corpus: end of each shard's records (nseg) */
    size_t nseg, seg_cap;
    /* corpus: the incremental index of the committed shards and their documents' results */
    ep_dedup_incr *incr; /* NULL in a shard or worker state */
    uint8_t *kind;     /* (kcap) ep_dup_kind of recs[i] */
    uint32_t *match;   /* (kcap) its match (gid = position in recs) */
    size_t kcap;
    uint64_t candidate_pairs, verified_pairs;
    int over_limit;    /* corpus: past the per-document limit, results are no longer kept */
    /* shard: the batch of finish (both rules), kept for the fold into the state it was queried
     * against, which then commits it without a second query */
    ep_dedup_batch batch;
    const void *batch_for;
    ep_status finish_rc; /* shard: what its finish returned (fold needs the batch, or the reason) */
} nd_state;

static void nd_free(void *p)
{
    nd_state *s = p;
    if (!s) return;
    ep_minhash_free(s->mh);
    ep_minhash_scratch_free(s->scr);
    free(s->sig);
    free(s->recs);
    ep_sigstore_free(&s->sigs);
    free(s->seg_end);
    ep_dedup_incr_free(s->incr);
    free(s->kind);
    free(s->match);
    ep_dedup_batch_free(&s->batch);
    free(s);
}

static ep_status nd_create(void **out, const ep_probe_env *env, ep_error *err)
{
    *out = NULL;
    nd_state *s = calloc(1, sizeof *s);
    if (!s) return ep_error_set(err, EP_ERR_NOMEM, "near_dedup: out of memory");
    ep_dedup_config_default(&s->dcfg);
    s->dcfg.seed = env->cfg ? env->cfg->seed : 0;
    s->dcfg.mem_bytes = env->mem_bytes ? env->mem_bytes : (256ull << 20);
    int k = s->dcfg.bands * s->dcfg.rows;
    ep_status rc = ep_minhash_create(&s->mh, &s->dcfg, err);
    if (rc == EP_OK && (!(s->scr = ep_minhash_scratch_create()) || !(s->sig = malloc((size_t)k * sizeof *s->sig))))
        rc = ep_error_set(err, EP_ERR_NOMEM, "near_dedup: out of memory");
    if (rc == EP_OK && env->is_corpus) rc = ep_dedup_incr_create(&s->incr, &s->dcfg, err);
    if (rc != EP_OK) {
        nd_free(s);
        return rc;
    }
    /* Half of the share holds signatures in memory; beyond that they spill to a temp file. */
    ep_sigstore_init(&s->sigs, k, (size_t)(s->dcfg.mem_bytes / 2 / ((uint64_t)k * 4 + sizeof(nd_rec))), NULL);
    *out = s;
    return EP_OK;
}

static ep_status nd_push(nd_state *s, const nd_rec *r, const uint32_t *sig, ep_error *err)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        nd_rec *p = realloc(s->recs, cap * sizeof *p);
        if (!p) return ep_error_set(err, EP_ERR_NOMEM, "near_dedup: out of memory for %zu documents", cap);
        s->recs = p;
        s->cap = cap;
    }
    ep_status rc = ep_sigstore_append(&s->sigs, sig, err);
    if (rc != EP_OK) return rc;
    s->recs[s->n++] = *r;
    return EP_OK;
}

static ep_status nd_observe(void *st, const ep_doc *doc, const ep_token *ids, size_t n_ids, ep_error *err)
{
    (void)ids;
    nd_state *s = st;
    int oom = 0;
    nd_rec r = {doc->index, doc->hash_lo, doc->hash_hi, doc->len, n_ids, 0};
    r.nsh = ep_minhash_sign(s->mh, s->scr, doc->text, doc->len, s->sig, &oom);
    if (oom) return ep_error_set(err, EP_ERR_NOMEM, "near_dedup: out of memory for a signature");
    return nd_push(s, &r, s->sig, err);
}

static int cmp_by_index(const void *pa, const void *pb, void *ctx)
{
    const nd_rec *recs = ctx;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    if (recs[a].index != recs[b].index) return recs[a].index < recs[b].index ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* Positions of s's records sorted by document index. */
static size_t *sorted_order(const nd_state *s)
{
    size_t *o = malloc((s->n ? s->n : 1) * sizeof *o);
    if (!o) return NULL;
    for (size_t i = 0; i < s->n; i++) o[i] = i;
    qsort_r(o, s->n, sizeof *o, cmp_by_index, s->recs);
    return o;
}

static size_t seg_of(const nd_state *s, size_t g)
{
    size_t lo = 0, hi = s->nseg;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->seg_end[mid] <= g) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

/* Muennighoff et al. 2023 (data-constrained scaling, eq. 5): D' = U + U R* (1 - exp(-R/R*)),
 * R = D/U - 1 repetitions, R* = 15.387756. */
static double repeat_discounted(double unique, double total)
{
    const double rstar = 15.387756;
    if (unique <= 0) return 0;
    double r = total / unique - 1.0;
    return unique + unique * rstar * (1.0 - exp(-r / rstar));
}

/* Signatures of the finish index, read in place: gids below q are the earlier shards' records
 * (before), the rest this state's records in order o (identity when o is NULL). */
typedef struct {
    const nd_state *before, *s;
    const size_t *o;
    size_t q;
} nd_sig_view;

static const uint32_t *nd_sig(void *ctx, size_t g, uint32_t *buf)
{
    const nd_sig_view *v = ctx;
    if (g < v->q) return ep_sigstore_get(&v->before->sigs, g, buf);
    g -= v->q;
    return ep_sigstore_get(&v->s->sigs, v->o ? v->o[g] : g, buf);
}

/* XXH3-128 halves and "no shingle" flags of s's records in order o (identity when NULL). */
static int nd_keys(const nd_state *s, const size_t *o, uint64_t **hlo, uint64_t **hhi, uint8_t **empty)
{
    size_t n1 = s->n ? s->n : 1;
    *hlo = malloc(n1 * sizeof **hlo);
    *hhi = malloc(n1 * sizeof **hhi);
    if (empty) *empty = malloc(n1);
    if (!*hlo || !*hhi || (empty && !*empty)) return 0;
    for (size_t t = 0; t < s->n; t++) {
        const nd_rec *r = &s->recs[o ? o[t] : t];
        (*hlo)[t] = r->hlo;
        (*hhi)[t] = r->hhi;
        if (empty) (*empty)[t] = r->nsh == 0;
    }
    return 1;
}

/* Commits s's documents (order o) with their results b to ix. */
static ep_status nd_commit(ep_dedup_incr *ix, const nd_state *s, const size_t *o, const ep_dedup_batch *b,
                           ep_error *err)
{
    uint64_t *hlo = NULL, *hhi = NULL;
    ep_status rc = nd_keys(s, o, &hlo, &hhi, NULL) ? ep_dedup_incr_commit(ix, b, hlo, hhi, err)
                                                   : ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory");
    free(hlo);
    free(hhi);
    return rc;
}

/* Classifies s's documents (order o) against the documents committed to before (a corpus state;
 * none when before is NULL) into *b. */
static ep_status nd_query(const nd_state *before, const nd_state *s, const size_t *o, int nthreads,
                          ep_dedup_batch *b, ep_error *err)
{
    size_t q = before ? before->n : 0;
    memset(b, 0, sizeof *b);
    /* The limit first, although ep_dedup_incr_query checks it too: past it the corpus state
     * stops committing (over_limit), so its index lags `before` and the count check below would
     * report that instead of the limit. */
    ep_status rc = ep_dedup_check_doc_count(&s->dcfg, q + s->n, err);
    if (rc != EP_OK) return rc;
    if (before && !before->incr) return ep_error_set(err, EP_ERR_INTERNAL, "dedup: `before` is not a corpus state");
    ep_dedup_incr *tmp = NULL;
    const ep_dedup_incr *ix = before ? before->incr : NULL;
    if (!ix) rc = ep_dedup_incr_create(&tmp, &s->dcfg, err);
    ix = ix ? ix : tmp;
    if (rc == EP_OK && ep_dedup_incr_count(ix) != q)
        rc = ep_error_set(err, EP_ERR_INTERNAL, "dedup: index holds %zu documents, state %zu",
                          ep_dedup_incr_count(ix), q);
    uint64_t *hlo = NULL, *hhi = NULL;
    uint8_t *empty = NULL;
    if (rc == EP_OK && !nd_keys(s, o, &hlo, &hhi, &empty)) rc = ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory");
    nd_sig_view view = {before, s, o, q};
    if (rc == EP_OK) rc = ep_dedup_incr_query(ix, s->n, hlo, hhi, empty, nd_sig, &view, nthreads, b, err);
    free(hlo);
    free(hhi);
    free(empty);
    ep_dedup_incr_free(tmp);
    return rc;
}

/* Worker states of one shard: appends records. finish sorts them by document index. */
static ep_status nd_merge(void *into, const void *from, ep_error *err)
{
    nd_state *a = into;
    const nd_state *b = from;
    for (size_t i = 0; i < b->n; i++) {
        const uint32_t *sig = ep_sigstore_get(&b->sigs, i, a->sig);
        if (!sig) return ep_error_set(err, EP_ERR_IO, "near_dedup: cannot read back a spilled signature");
        ep_status rc = nd_push(a, &b->recs[i], sig, err);
        if (rc != EP_OK) return rc;
    }
    return EP_OK;
}

/* Adds the shard's whole-corpus verdicts (bt) to the corpus state's. */
static ep_status nd_keep_verdicts(nd_state *a, const nd_state *b, const ep_dedup_batch *bt, ep_error *err)
{
    size_t need = a->n + b->n, cap = 2 * a->kcap > need ? 2 * a->kcap : need + 1;
    if (need > a->kcap) {
        uint8_t *kd = realloc(a->kind, cap);
        if (kd) a->kind = kd;
        uint32_t *mt = kd ? realloc(a->match, cap * sizeof *mt) : NULL;
        if (mt) a->match = mt;
        if (!kd || !mt) return ep_error_set(err, EP_ERR_NOMEM, "near_dedup: out of memory for %zu verdicts", need);
        a->kcap = cap;
    }
    if (b->n) {
        memcpy(a->kind + a->n, bt->rule[EP_INCR_CORPUS].kind, b->n);
        memcpy(a->match + a->n, bt->rule[EP_INCR_CORPUS].match, b->n * sizeof *a->match);
    }
    a->candidate_pairs += bt->rule[EP_INCR_CORPUS].candidate_pairs;
    a->verified_pairs += bt->rule[EP_INCR_CORPUS].verified_pairs;
    return EP_OK;
}

/* The shard's finish queried it against this corpus state: commit that batch, then append the
 * shard's records in document order as one segment. A shard whose finish hit the document limit
 * puts the corpus past it (every later finish reports the limit, and the corpus's too). */
static ep_status nd_fold(void *corpus, const void *shard, ep_error *err)
{
    nd_state *a = corpus;
    const nd_state *b = shard;
    ep_status rc = EP_OK;
    if (!a->over_limit) {
        if (b->finish_rc == EP_ERR_LIMIT) {
            a->over_limit = 1;
        } else if (b->finish_rc != EP_OK) {
            return ep_error_set(err, b->finish_rc, "near_dedup: a shard could not be classified (%s)",
                                ep_strerror(b->finish_rc));
        } else if (!(b->batch_for == a && b->batch.rule[0].kind && b->batch.base == a->n && b->batch.n == b->n)) {
            return ep_error_set(err, EP_ERR_INTERNAL,
                                "near_dedup: fold of a shard not finished against this corpus state");
        }
    }
    size_t *o = sorted_order(b);
    if (!o) return ep_error_set(err, EP_ERR_NOMEM, "near_dedup: out of memory");
    if (!a->over_limit) {
        rc = nd_commit(a->incr, b, o, &b->batch, err);
        if (rc == EP_OK) rc = nd_keep_verdicts(a, b, &b->batch, err);
        if (rc == EP_ERR_LIMIT) { /* the index is past the limit: as above */
            a->over_limit = 1;
            rc = EP_OK;
            ep_error_clear(err);
        }
    }
    for (size_t t = 0; t < b->n && rc == EP_OK; t++) {
        const uint32_t *sig = ep_sigstore_get(&b->sigs, o[t], a->sig);
        rc = sig ? nd_push(a, &b->recs[o[t]], sig, err)
                 : ep_error_set(err, EP_ERR_IO, "near_dedup: cannot read back a spilled signature");
    }
    free(o);
    if (rc != EP_OK) return rc;
    if (a->nseg == a->seg_cap) {
        size_t cap = a->seg_cap ? 2 * a->seg_cap : 16;
        size_t *p = realloc(a->seg_end, cap * sizeof *p);
        if (!p) return ep_error_set(err, EP_ERR_NOMEM, "near_dedup: out of memory");
        a->seg_end = p;
        a->seg_cap = cap;
    }
    a->seg_end[a->nseg++] = a->n;
    return EP_OK;
}

/* Classifies a shard state (env->is_corpus == 0) or reads the corpus state's verdicts, and writes
 * the figures. A failure also writes dedup.near_dedup.error (docs/profile-schema.md). */
static ep_status nd_finish(void *st, const void *before_p, ep_jv *out, const ep_probe_env *env, ep_error *err)
{
    nd_state *s = st;
    const nd_state *before = before_p;
    ep_jv *dd = ep_jv_child(out, "dedup");
    ep_status rc = EP_OK;
    size_t *o = NULL;
    size_t q = before ? before->n : 0, eligible = 0;
    const uint8_t *kind = NULL;
    const uint32_t *match = NULL;
    uint64_t cand = 0, verif = 0;
    if (env->is_corpus) {
        /* Every document was classified when its shard was folded in. */
        rc = ep_dedup_check_doc_count(&s->dcfg, s->n, err);
        if (rc == EP_OK && s->over_limit) rc = ep_error_set(err, EP_ERR_INTERNAL, "dedup: results incomplete");
        kind = s->kind;
        match = s->match;
        cand = s->candidate_pairs;
        verif = s->verified_pairs;
        eligible = ep_dedup_incr_eligible(s->incr);
    } else {
        /* A shard state holds its records in arrival order: classify them in canonical order. */
        ep_dedup_batch_free(&s->batch);
        s->batch_for = NULL;
        if (!(o = sorted_order(s))) rc = ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory");
        if (rc == EP_OK) rc = nd_query(before, s, o, env->nthreads > 0 ? env->nthreads : 1, &s->batch, err);
        s->finish_rc = rc;
        if (rc == EP_OK) {
            const ep_dedup_verdicts *v = &s->batch.rule[EP_INCR_SHARD];
            s->batch_for = before;
            kind = v->kind;
            match = v->match;
            cand = v->candidate_pairs;
            verif = v->verified_pairs;
            eligible = (before ? ep_dedup_incr_eligible(before->incr) : 0) + s->batch.n_eligible;
        }
    }
    if (rc != EP_OK) {
        if (!err->msg[0]) ep_error_set(err, rc, "%s", ep_strerror(rc));
        ep_jv_set(ep_jv_child(dd, "near_dedup"), "error", ep_jv_str(err->msg));
        free(o);
        return rc;
    }
    uint64_t exact = 0, near = 0, exact_b = 0, near_b = 0, docs = s->n, bytes = 0, tokens = 0;
    uint64_t u_docs = 0, u_bytes = 0, u_tokens = 0;
    uint64_t *pairs = NULL; /* corpus: (shard_a << 32 | shard_b) per duplicate */
    size_t npairs = 0;
    if (env->is_corpus && s->n) pairs = malloc(s->n * sizeof *pairs);
    for (size_t t = 0; t < s->n; t++) {
        size_t i = o ? o[t] : t;
        const nd_rec *r = &s->recs[i];
        bytes += r->bytes;
        tokens += r->tokens;
        if (kind[t] == EP_DUP_EXACT) {
            exact++;
            exact_b += r->bytes;
        } else if (kind[t] == EP_DUP_NEAR) {
            near++;
            near_b += r->bytes;
        } else {
            u_docs++;
            u_bytes += r->bytes;
            u_tokens += r->tokens;
        }
        if (pairs && kind[t] != EP_DUP_NONE)
            pairs[npairs++] = ((uint64_t)seg_of(s, match[t]) << 32) | (uint64_t)seg_of(s, t);
    }
    free(o);

    if (!ep_jv_get(dd, "exact_dup_docs")) ep_jv_set(dd, "exact_dup_docs", ep_jv_int((int64_t)exact));
    ep_jv_set(dd, "near_dup_docs", ep_jv_int((int64_t)near));
    if (!ep_jv_get(dd, "exact_dup_bytes")) ep_jv_set(dd, "exact_dup_bytes", ep_jv_int((int64_t)exact_b));
    ep_jv_set(dd, "near_dup_bytes", ep_jv_int((int64_t)near_b));
    ep_jv_set(dd, "unique_docs", ep_jv_int((int64_t)u_docs));
    ep_jv_set(dd, "unique_bytes", ep_jv_int((int64_t)u_bytes));
    ep_jv_set(dd, "unique_tokens", ep_jv_int((int64_t)u_tokens));
    ep_jv_set(dd, "dup_fraction_docs", ep_jv_num(docs ? (double)(exact + near) / (double)docs : 0.0));
    ep_jv_set(dd, "dup_fraction_bytes", ep_jv_num(bytes ? (double)(exact_b + near_b) / (double)bytes : 0.0));
    ep_jv_set(dd, "D_eff", ep_jv_int((int64_t)u_tokens));
    ep_jv_set(dd, "D_eff_repeat_discounted", ep_jv_num(repeat_discounted((double)u_tokens, (double)tokens)));
    ep_jv *nd = ep_jv_child(dd, "near_dedup");
    ep_jv_set(nd, "method", ep_jv_str("minhash_lsh word-5gram shingles of NFC+casefold text, no punctuation"));
    ep_jv_set(nd, "ngram", ep_jv_int(s->dcfg.ngram));
    ep_jv_set(nd, "bands", ep_jv_int(s->dcfg.bands));
    ep_jv_set(nd, "rows", ep_jv_int(s->dcfg.rows));
    ep_jv_set(nd, "threshold", ep_jv_num(s->dcfg.threshold));
    ep_jv_set(nd, "scope", ep_jv_str(before ? "this shard against itself and earlier shards" : "whole corpus"));
    ep_jv_set(nd, "candidate_pairs", ep_jv_int((int64_t)cand));
    ep_jv_set(nd, "verified_pairs", ep_jv_int((int64_t)verif));
    ep_jv_set(nd, "signatures_spilled", ep_jv_int((int64_t)s->sigs.n - (int64_t)(s->sigs.n < s->sigs.cap_mem ? s->sigs.n : s->sigs.cap_mem)));
    /* The band-table partitions the whole-index run would use under this budget: the incremental
     * index has no partitions, the figure keeps the profile comparable. */
    ep_jv_set(nd, "partitions_per_band", ep_jv_int((int64_t)ep_dedup_partitions_per_band(&s->dcfg, q + s->n, eligible)));
    if (env->is_corpus) {
        ep_jv *rows = ep_jv_set(dd, "overlap", ep_jv_arr());
        if (pairs) {
            qsort(pairs, npairs, sizeof *pairs, cmp_u64);
            for (size_t i = 0; i < npairs;) {
                size_t j = i;
                while (j < npairs && pairs[j] == pairs[i]) j++;
                ep_jv *row = ep_jv_push(rows, ep_jv_obj());
                ep_jv_set(row, "shard_a", ep_jv_int((int64_t)(pairs[i] >> 32)));
                ep_jv_set(row, "shard_b", ep_jv_int((int64_t)(pairs[i] & 0xFFFFFFFFu)));
                ep_jv_set(row, "docs", ep_jv_int((int64_t)(j - i)));
                i = j;
            }
        }
    }
    free(pairs);
    return EP_OK;
}

/* Partial state (docs/partial-format.md, "near_dedup"). The probe is EP_PROBE_CROSS_SHARD: the
 * merged shard state is saved before finish, and the merge runs finish against the corpus state of
 * the earlier shards, so cross-shard duplicates are found at merge exactly as in one scan. What
 * finish and fold read: each record and its signature, in the state's order (finish sorts). */
#define ND_REC_BYTES 48 /* index, hlo, hhi, bytes, tokens, nsh: u64 each */

static ep_status nd_save(const void *st, ep_wbuf *w, ep_error *err)
{
    const nd_state *s = st;
    int k = s->dcfg.bands * s->dcfg.rows;
    uint32_t *buf = malloc((size_t)k * sizeof *buf);
    if (!buf) return ep_error_set(err, EP_ERR_NOMEM, "near_dedup: out of memory");
    ep_wbuf_u32(w, (uint32_t)k);
    ep_wbuf_u64(w, s->n);
    ep_status rc = EP_OK;
    for (size_t i = 0; i < s->n && rc == EP_OK; i++) {
        const nd_rec *r = &s->recs[i];
        ep_wbuf_u64(w, r->index);
        ep_wbuf_u64(w, r->hlo);
        ep_wbuf_u64(w, r->hhi);
        ep_wbuf_u64(w, r->bytes);
        ep_wbuf_u64(w, r->tokens);
        ep_wbuf_u64(w, r->nsh);
        const uint32_t *sig = ep_sigstore_get(&s->sigs, i, buf);
        if (sig) ep_wbuf_u32s(w, sig, (size_t)k);
        else rc = ep_error_set(err, EP_ERR_IO, "near_dedup: cannot read back a spilled signature");
    }
    free(buf);
    if (rc == EP_OK && ep_wbuf_status(w) != EP_OK)
        rc = ep_error_set(err, EP_ERR_NOMEM, "near_dedup: out of memory for the partial state");
    return rc;
}

/* A shard state (env->is_corpus is 0) with the saved records; signatures past the memory share
 * spill as observe's do. Any record is valid (finish sorts and checks the document count). */
static ep_status nd_load(void **out, ep_rbuf *r, const ep_probe_env *env, ep_error *err)
{
    *out = NULL;
    void *st = NULL;
    ep_status rc = nd_create(&st, env, err);
    if (rc != EP_OK || !st) return rc != EP_OK ? rc : ep_error_set(err, EP_ERR_NOMEM, "near_dedup: out of memory");
    nd_state *s = st;
    int k = s->dcfg.bands * s->dcfg.rows;
    uint32_t k_saved = ep_rbuf_u32(r);
    int k_differs = !r->failed && k_saved != (uint32_t)k;
    if (k_differs) ep_rbuf_fail(r);
    uint64_t n = ep_rbuf_count(r, ND_REC_BYTES + (size_t)k * sizeof(uint32_t)); /* 0 when r failed */
    if (r->failed) {
        nd_free(s);
        if (k_differs)
            return ep_error_set(err, EP_ERR_CORRUPT, "near_dedup: partial state: signatures of %u permutations, "
                                "this scan's have %d", k_saved, k);
        return ep_error_set(err, EP_ERR_CORRUPT, "near_dedup: partial state: corrupt (truncated, or a record "
                            "count past the end)");
    }
    if (n && !(s->recs = malloc((size_t)n * sizeof *s->recs))) {
        nd_free(s);
        return ep_error_set(err, EP_ERR_NOMEM, "near_dedup: partial state: out of memory for %llu documents",
                            (unsigned long long)n);
    }
    s->cap = (size_t)n;
    for (uint64_t i = 0; i < n && rc == EP_OK; i++) { /* cannot run short: ep_rbuf_count checked n records */
        nd_rec rec;
        rec.index = ep_rbuf_u64(r);
        rec.hlo = ep_rbuf_u64(r);
        rec.hhi = ep_rbuf_u64(r);
        rec.bytes = ep_rbuf_u64(r);
        rec.tokens = ep_rbuf_u64(r);
        rec.nsh = ep_rbuf_u64(r);
        ep_rbuf_u32s(r, s->sig, (size_t)k);
        rc = nd_push(s, &rec, s->sig, err);
    }
    if (rc == EP_OK && r->failed) rc = ep_error_set(err, EP_ERR_CORRUPT, "near_dedup: partial state: corrupt");
    if (rc != EP_OK) {
        nd_free(s);
        return rc; /* err says why */
    }
    *out = s;
    return EP_OK;
}

static int nd_enabled(const ep_scan_config *cfg)
{
    (void)cfg;
    return 1;
}

const ep_probe_vtable ep_probe_near_dedup = {
    .name = "near_dedup",
    .flags = EP_PROBE_NEEDS_TOKENS | EP_PROBE_CROSS_SHARD,
    .enabled = nd_enabled,
    .mem_weight = 1.0,
    .create = nd_create,
    .observe = nd_observe,
    .merge = nd_merge,
    .finish = nd_finish,
    .fold = nd_fold,
    .free = nd_free,
    .save = nd_save,
    .load = nd_load,
};
