/* Test harness for the probes' partial states (include/entroprof/probe.h, "Partial states"): runs a
 * probe over shards of text documents twice, once as one scan does (finish with the corpus state
 * of the earlier shards, fold) and once through save -> load as a merge does, and checks that the
 * shard and corpus JSON are identical byte for byte; then that truncated and damaged bytes are
 * refused or loaded without a crash (the sanitizer build runs these tests too). */
#ifndef EP_TEST_PARTIAL_HARNESS_H
#define EP_TEST_PARTIAL_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xxh.h"
#include "entroprof/probe.h"
#include "entroprof/serial.h"
#include "entroprof/tokenizer.h"

typedef struct {
    const char *const *docs; /* NUL-terminated texts */
    size_t n;
} ph_shard;

/* Observes shard sh's documents on `workers` states (round-robin; 1 for an ORDERED probe) and
 * merges them into one. @return the shard state or NULL. */
static inline void *ph_observe_shard(const ep_probe_vtable *vt, const ep_probe_env *env, ep_tokenizer *tok,
                                     const ph_shard *sh, int workers)
{
    if (vt->flags & EP_PROBE_ORDERED) workers = 1;
    void *st[4] = {0};
    ep_error e;
    ep_error_clear(&e);
    for (int w = 0; w < workers; w++)
        if (vt->create(&st[w], env, &e) != EP_OK) return NULL;
    ep_tok_scratch *scr = ep_tok_scratch_create(tok);
    ep_token_buf buf = {0};
    for (size_t d = 0; d < sh->n; d++) {
        ep_doc doc;
        memset(&doc, 0, sizeof doc);
        doc.text = sh->docs[d];
        doc.len = strlen(sh->docs[d]);
        doc.index = d;
        XXH128_hash_t h = XXH3_128bits(doc.text, doc.len);
        doc.hash_lo = h.low64;
        doc.hash_hi = h.high64;
        buf.len = 0;
        if (ep_tokenizer_encode(tok, scr, doc.text, doc.len, &buf) != EP_OK) return NULL;
        if (vt->observe(st[d % (size_t)workers], &doc, buf.ids, buf.len, &e) != EP_OK) return NULL;
    }
    ep_token_buf_free(&buf);
    ep_tok_scratch_free(scr);
    for (int w = 1; w < workers; w++) {
        if (vt->merge(st[0], st[w], &e) != EP_OK) return NULL;
        vt->free(st[w]);
    }
    return st[0];
}

/* save -> bytes (*out, malloc'd via the wbuf; the caller frees w). @return EP_OK or the error. */
static inline ep_status ph_save(const ep_probe_vtable *vt, const void *st, ep_wbuf *w)
{
    ep_error e;
    ep_error_clear(&e);
    ep_wbuf_init(w);
    ep_status r = vt->save(st, w, &e);
    return r != EP_OK ? r : ep_wbuf_status(w);
}

static inline void *ph_load(const ep_probe_vtable *vt, const ep_probe_env *env, const ep_wbuf *w)
{
    ep_rbuf r;
    ep_rbuf_init(&r, w->data, w->len);
    void *st = NULL;
    ep_error e;
    ep_error_clear(&e);
    if (vt->load(&st, &r, env, &e) != EP_OK) return NULL;
    if (ep_rbuf_left(&r) != 0) { /* load must read exactly what save wrote */
        vt->free(st);
        return NULL;
    }
    return st;
}

/* Exact bytes of a JSON tree (ep_wbuf_jv), for comparisons. */
static inline int ph_same_json(const ep_jv *a, const ep_jv *b)
{
    ep_wbuf x, y;
    ep_wbuf_init(&x);
    ep_wbuf_init(&y);
    ep_wbuf_jv(&x, a);
    ep_wbuf_jv(&y, b);
    int same = x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
    ep_wbuf_free(&x);
    ep_wbuf_free(&y);
    return same;
}

/* Load must refuse every strict prefix of the bytes (or, for a prefix that happens to be a whole
 * valid state, read it without reading past it) and survive flipped bytes. @return 0 ok, -1 a
 * prefix loaded and claimed to have consumed everything it needed while bytes were missing. */
static inline int ph_hostile(const ep_probe_vtable *vt, const ep_probe_env *env, const ep_wbuf *w)
{
    size_t step = w->len > 4096 ? w->len / 1024 : 1;
    for (size_t cut = 0; cut < w->len; cut += step) {
        ep_rbuf r;
        ep_rbuf_init(&r, w->data, cut);
        void *st = NULL;
        ep_error e;
        ep_error_clear(&e);
        if (vt->load(&st, &r, env, &e) == EP_OK) {
            /* A state may legitimately end early only if the full bytes had trailing items; a
             * loader that reads a fixed layout must fail on a prefix. */
            vt->free(st);
            if (cut < w->len) return -1;
        }
    }
    unsigned char *copy = malloc(w->len ? w->len : 1);
    if (!copy) return -1;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int trial = 0; trial < 200 && w->len; trial++) {
        memcpy(copy, w->data, w->len);
        for (int k = 0; k < 3; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            copy[x % w->len] ^= (unsigned char)(1u << (x >> 61));
        }
        ep_rbuf r;
        ep_rbuf_init(&r, copy, w->len);
        void *st = NULL;
        ep_error e;
        ep_error_clear(&e);
        if (vt->load(&st, &r, env, &e) == EP_OK) vt->free(st); /* loaded or refused: no crash */
    }
    free(copy);
    return 0;
}

/* Runs vt over the shards as a scan would and as a merge of partials would; checks every shard's
 * JSON and the corpus JSON are byte-identical, that saving a loaded state gives the same bytes,
 * and ph_hostile on every saved state. @return 0 or the number of the failed check (> 0). */
static inline int ph_check_probe(const ep_probe_vtable *vt, const ep_probe_env *env_shard,
                                 const ep_probe_env *env_corpus, ep_tokenizer *tok, const ph_shard *shards,
                                 size_t n_shards, int workers)
{
    if (!vt->save != !vt->load) return 1;
    int cross = (vt->flags & EP_PROBE_CROSS_SHARD) != 0;
    if (!vt->save && (cross || vt->fold)) return 2; /* something must be kept */
    ep_error e;
    ep_error_clear(&e);
    void *corpus_a = NULL, *corpus_b = NULL;
    if (vt->fold && (vt->create(&corpus_a, env_corpus, &e) != EP_OK || vt->create(&corpus_b, env_corpus, &e) != EP_OK))
        return 3;
    int fail = 0;
    for (size_t s = 0; s < n_shards && !fail; s++) {
        /* A: one scan */
        void *a = ph_observe_shard(vt, env_shard, tok, &shards[s], workers);
        void *b = ph_observe_shard(vt, env_shard, tok, &shards[s], workers);
        if (!a || !b) { fail = 4; break; }
        ep_jv *out_a = ep_jv_obj(), *out_b = ep_jv_obj();
        if (vt->finish(a, corpus_a, out_a, env_shard, &e) != EP_OK) fail = 5;
        /* B: save where the probe says, load, go on as the merge does */
        ep_wbuf w;
        ep_wbuf_init(&w);
        if (!fail && cross) {
            if (ph_save(vt, b, &w) != EP_OK) fail = 6;
            vt->free(b);
            b = fail ? NULL : ph_load(vt, env_shard, &w);
            if (!b) fail = fail ? fail : 7;
            if (!fail && vt->finish(b, corpus_b, out_b, env_shard, &e) != EP_OK) fail = 8;
        } else if (!fail) {
            if (vt->finish(b, NULL, out_b, env_shard, &e) != EP_OK) fail = 9;
            if (!fail && vt->save) {
                if (ph_save(vt, b, &w) != EP_OK) fail = 10;
                vt->free(b);
                b = fail ? NULL : ph_load(vt, env_shard, &w);
                if (!b) fail = fail ? fail : 11;
            }
        }
        if (!fail && !ph_same_json(out_a, out_b)) {
            fprintf(stderr, "partial_harness: %s: shard %zu JSON differs after save/load\n", vt->name, s);
            fail = 12;
        }
        if (!fail && w.len) { /* saving what was loaded gives the same bytes (when it is still unfinished) */
            if (cross) {
                /* b was finished (finish may reorder its state): nothing to compare */
            } else {
                ep_wbuf w2;
                if (ph_save(vt, b, &w2) != EP_OK || w2.len != w.len || memcmp(w.data, w2.data, w.len) != 0) fail = 13;
                ep_wbuf_free(&w2);
            }
            if (!fail && ph_hostile(vt, env_shard, &w)) fail = 14;
        }
        if (!fail && vt->fold && (vt->fold(corpus_a, a, &e) != EP_OK || vt->fold(corpus_b, b, &e) != EP_OK)) fail = 15;
        ep_wbuf_free(&w);
        ep_jv_free(out_a);
        ep_jv_free(out_b);
        if (a) vt->free(a);
        if (b) vt->free(b);
    }
    if (!fail && vt->fold) {
        ep_jv *ca = ep_jv_obj(), *cb = ep_jv_obj();
        if (vt->finish(corpus_a, NULL, ca, env_corpus, &e) != EP_OK || vt->finish(corpus_b, NULL, cb, env_corpus, &e) != EP_OK)
            fail = 16;
        else if (!ph_same_json(ca, cb)) {
            fprintf(stderr, "partial_harness: %s: corpus JSON differs after save/load\n", vt->name);
            fail = 17;
        }
        ep_jv_free(ca);
        ep_jv_free(cb);
    }
    if (corpus_a) vt->free(corpus_a);
    if (corpus_b) vt->free(corpus_b);
    if (fail) fprintf(stderr, "partial_harness: %s: check %d failed (%s)\n", vt->name, fail, e.msg);
    return fail;
}

#endif
