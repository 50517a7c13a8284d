/* ep_dedup_run: read shards in canonical order, sign documents in parallel batches, index them
 * in order, and write one JSON line per duplicate (docs/dedup.md, "Traceability").
 *
 * Threads only compute signatures of a batch (each signature is a function of its document
 * alone) and the batch is added to the index in document order, so the output is identical for
 * any thread count. Per-document positions (shard, index, line, offset, id) stay in memory:
 * 32 bytes per document plus the id bytes, outside the index budget (docs/dedup.md). */
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "dedup/dedup_internal.h"
#include "entroprof/json.h"
#include "entroprof/reader.h"

typedef struct {
    uint64_t index, line, offset;
    uint32_t shard;
    uint32_t id_len;      /* UINT32_MAX = no id */
    uint64_t id_off;      /* into ids arena */
} doc_pos;

typedef struct {
    doc_pos *pos;   /* (cap) */
    size_t n, cap;
    char *ids;      /* arena */
    size_t ids_len, ids_cap;
} pos_table;

static int pos_add(pos_table *t, const ep_doc *d, uint32_t shard)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 4096;
        doc_pos *p = realloc(t->pos, cap * sizeof *p);
        if (!p) return 0;
        t->pos = p;
        t->cap = cap;
    }
    doc_pos *p = &t->pos[t->n++];
    p->index = d->index;
    p->line = d->line;
    p->offset = d->offset;
    p->shard = shard;
    p->id_len = UINT32_MAX;
    p->id_off = 0;
    if (d->id && d->id_len < UINT32_MAX) {
        if (t->ids_len + d->id_len > t->ids_cap) {
            size_t cap = t->ids_cap ? t->ids_cap : 4096;
            while (cap < t->ids_len + d->id_len) cap *= 2;
            char *a = realloc(t->ids, cap);
            if (!a) return 0;
            t->ids = a;
            t->ids_cap = cap;
        }
        if (d->id_len > 0) memcpy(t->ids + t->ids_len, d->id, d->id_len); /* an empty id leaves ids NULL */
        p->id_off = t->ids_len;
        p->id_len = (uint32_t)d->id_len;
        t->ids_len += d->id_len;
    }
    return 1;
}

/* A batch of documents copied out of the reader (its buffers live only until the next call). */
typedef struct {
    char *text;         /* concatenated texts */
    size_t text_len, text_cap;
    size_t *off, *len;  /* (cap) */
    uint64_t *hlo, *hhi;
    size_t n, cap;
    uint32_t *sigs;     /* (cap, k) */
    size_t *nsh;        /* (cap) shingles */
} batch;

static void batch_free(batch *b)
{
    free(b->text);
    free(b->off);
    free(b->len);
    free(b->hlo);
    free(b->hhi);
    free(b->sigs);
    free(b->nsh);
}

static int batch_push(batch *b, const ep_doc *d, int k)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 256;
        size_t *o = realloc(b->off, cap * sizeof *o);
        if (!o) return 0;
        b->off = o;
        size_t *l = realloc(b->len, cap * sizeof *l);
        if (!l) return 0;
        b->len = l;
        uint64_t *h1 = realloc(b->hlo, cap * sizeof *h1);
        if (!h1) return 0;
        b->hlo = h1;
        uint64_t *h2 = realloc(b->hhi, cap * sizeof *h2);
        if (!h2) return 0;
        b->hhi = h2;
        uint32_t *s = realloc(b->sigs, cap * (size_t)k * sizeof *s);
        if (!s) return 0;
        b->sigs = s;
        size_t *ns = realloc(b->nsh, cap * sizeof *ns);
        if (!ns) return 0;
        b->nsh = ns;
        b->cap = cap;
    }
    if (b->text_len + d->len > b->text_cap) {
        size_t cap = b->text_cap ? b->text_cap : 1u << 20;
        while (cap < b->text_len + d->len) cap *= 2;
        char *t = realloc(b->text, cap);
        if (!t) return 0;
        b->text = t;
        b->text_cap = cap;
    }
    if (d->len > 0) memcpy(b->text + b->text_len, d->text, d->len); /* empty documents leave text NULL */
    b->off[b->n] = b->text_len;
    b->len[b->n] = d->len;
    b->hlo[b->n] = d->hash_lo;
    b->hhi[b->n] = d->hash_hi;
    b->text_len += d->len;
    b->n++;
    return 1;
}

/* Signs the batch in parallel; each signature depends only on its document. */
static int batch_sign(batch *b, const ep_minhash *mh, int threads)
{
    int k = ep_minhash_k(mh), oom_any = 0;
    long n = (long)b->n;
#ifdef _OPENMP
    /* nt is read by num_threads(nt) below, which the analyzer does not see */
    // NOLINTNEXTLINE(clang-analyzer-deadcode.DeadStores)
    int nt = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel num_threads(nt) reduction(| : oom_any)
#else
    (void)threads;
#endif
    {
        ep_minhash_scratch *s = ep_minhash_scratch_create();
        if (!s) oom_any = 1;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 16)
#endif
        for (long i = 0; i < n; i++) {
            if (!s) continue;
            int oom = 0;
            b->nsh[i] = ep_minhash_sign(mh, s, b->text + b->off[i], b->len[i], b->sigs + (size_t)i * (size_t)k, &oom);
            oom_any |= oom;
        }
        ep_minhash_scratch_free(s);
    }
    return !oom_any;
}

static ep_jv *pos_json(const pos_table *t, char *const *paths, uint32_t g)
{
    const doc_pos *p = &t->pos[g];
    ep_jv *o = ep_jv_obj();
    ep_jv_set(o, "shard", ep_jv_str(paths[p->shard]));
    ep_jv_set(o, "index", ep_jv_int((int64_t)p->index));
    ep_jv_set(o, "line", ep_jv_int((int64_t)p->line));
    ep_jv_set(o, "offset", ep_jv_int((int64_t)p->offset));
    if (p->id_len != UINT32_MAX) ep_jv_set(o, "id", ep_jv_strn(t->ids + p->id_off, p->id_len));
    return o;
}

static ep_status write_results(const ep_dedup_index *ix, const pos_table *t, char *const *paths, FILE *out,
                               uint64_t *n_exact, uint64_t *n_near, ep_error *err)
{
    uint32_t n = ep_dedup_index_count(ix);
    /* Every indexed document was added to t first (ep_dedup_run), so t->pos covers 0..n-1. */
    if ((size_t)n > t->n)
        return ep_error_set(err, EP_ERR_INTERNAL, "dedup: %u documents indexed, %zu positions", n, t->n);
    for (uint32_t g = 0; g < n; g++) {
        ep_dedup_result r;
        ep_dedup_index_result(ix, g, &r);
        if (r.kind == EP_DUP_NONE) continue;
        if (r.kind == EP_DUP_EXACT) (*n_exact)++;
        else (*n_near)++;
        /* The document's own fields first, then what it duplicates. */
        ep_jv *o = pos_json(t, paths, g);
        if (!o) return ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory");
        ep_jv_set(o, "kind", ep_jv_str(r.kind == EP_DUP_EXACT ? "exact" : "near"));
        ep_jv_set(o, "kept", pos_json(t, paths, r.kept));
        ep_jv_set(o, "jaccard", ep_jv_num(r.jaccard_kept));
        if (r.kind == EP_DUP_NEAR) {
            ep_jv_set(o, "match", pos_json(t, paths, r.match));
            ep_jv_set(o, "match_jaccard", ep_jv_num(r.jaccard_match));
        }
        ep_status st = ep_jv_write(o, out, -1);
        ep_jv_free(o);
        if (st != EP_OK || fputc('\n', out) == EOF) return ep_error_set(err, EP_ERR_IO, "dedup: cannot write output");
    }
    return EP_OK;
}

ep_status ep_dedup_run(const char *const *inputs, size_t n_inputs, const ep_reader_config *rcfg,
                       const ep_dedup_config *cfg, FILE *out, uint64_t *n_docs, uint64_t *n_exact,
                       uint64_t *n_near, ep_dedup_stats *stats_out, ep_error *err)
{
    char **paths = NULL;
    size_t n_paths = 0;
    ep_minhash *mh = NULL;
    ep_dedup_index *ix = NULL;
    ep_reader *rd = NULL;
    pos_table pt = {0};
    batch b = {0};
    uint64_t ne = 0, nn = 0;
    ep_status st = ep_list_shards(inputs, n_inputs, &paths, &n_paths, err);
    if (st != EP_OK) return st;
    if ((st = ep_minhash_create(&mh, cfg, err)) != EP_OK) goto done;
    if ((st = ep_dedup_index_create(&ix, cfg, err)) != EP_OK) goto done;
    int k = ep_minhash_k(mh);
    const size_t batch_bytes = 4u << 20, batch_docs = 4096;
    for (size_t s = 0; s < n_paths && st == EP_OK; s++) {
        if ((st = ep_reader_open(&rd, paths[s], rcfg, err)) != EP_OK) goto done;
        for (;;) {
            ep_doc d;
            int got = ep_reader_next(rd, &d, err);
            if (got < 0) {
                st = err && err->status != EP_OK ? err->status : EP_ERR_FORMAT;
                goto done;
            }
            if (got == 1) {
                if (!batch_push(&b, &d, k) || !pos_add(&pt, &d, (uint32_t)s)) {
                    st = ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory");
                    goto done;
                }
            }
            if (b.n && (got == 0 || b.n >= batch_docs || b.text_len >= batch_bytes)) {
                if (!batch_sign(&b, mh, cfg->threads)) {
                    st = ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory while signing");
                    goto done;
                }
                for (size_t i = 0; i < b.n && st == EP_OK; i++)
                    st = ep_dedup_index_add(ix, b.sigs + i * (size_t)k, b.nsh[i], b.hlo[i], b.hhi[i], NULL, err);
                if (st != EP_OK) goto done;
                b.n = 0;
                b.text_len = 0;
            }
            if (got == 0) break;
        }
        ep_reader_close(rd);
        rd = NULL;
    }
    if ((st = ep_dedup_index_run(ix, 0, err)) != EP_OK) goto done;
    st = write_results(ix, &pt, paths, out, &ne, &nn, err);
    if (stats_out) ep_dedup_index_stats(ix, stats_out);
    if (n_docs) *n_docs = ep_dedup_index_count(ix);
    if (n_exact) *n_exact = ne;
    if (n_near) *n_near = nn;
done:
    ep_reader_close(rd);
    batch_free(&b);
    free(pt.pos);
    free(pt.ids);
    ep_dedup_index_free(ix);
    ep_minhash_free(mh);
    ep_list_free(paths, n_paths);
    return st;
}
