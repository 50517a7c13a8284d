/* Test harness for the n-gram probes: synthetic documents from ep_synth, fed through a probe's
 * vtable over one or several states (merged in order), as the scan driver would. */
#ifndef EP_TEST_PROBE_HARNESS_H
#define EP_TEST_PROBE_HARNESS_H

#include <stdlib.h>
#include <string.h>

#include "base/xxh.h"
#include "entroprof/probe.h"
#include "entroprof/synth.h"

typedef struct {
    ep_token *ids;   /* (n_docs * doc_len) */
    size_t n_docs, doc_len;
    ep_doc *docs;    /* (n_docs) */
    double rate;     /* exact bits per symbol */
} harness_corpus;

/* Documents are consecutive segments of one stationary stream; hashes from the doc index (the
 * content is random, so distinct). */
static inline harness_corpus harness_make(const ep_synth_config *cfg, size_t n_docs, size_t doc_len,
                                          uint64_t stream_seed)
{
    harness_corpus c = {0};
    ep_synth *s = NULL;
    if (ep_synth_create(&s, cfg, NULL) != EP_OK) return c;
    c.n_docs = n_docs;
    c.doc_len = doc_len;
    c.ids = malloc(n_docs * doc_len * sizeof *c.ids);
    c.docs = calloc(n_docs, sizeof *c.docs);
    ep_synth_stream st;
    ep_synth_stream_init(s, &st, stream_seed);
    for (size_t i = 0; i < n_docs * doc_len; i++) c.ids[i] = ep_synth_next(s, &st);
    for (size_t d = 0; d < n_docs; d++) {
        XXH128_hash_t h = XXH3_128bits(c.ids + d * doc_len, doc_len * sizeof *c.ids);
        c.docs[d].index = d;
        c.docs[d].len = doc_len; /* one byte per symbol (bytes per token = 1) */
        c.docs[d].hash_lo = h.low64;
        c.docs[d].hash_hi = h.high64;
    }
    c.rate = ep_synth_rate_bits_per_symbol(s);
    ep_synth_free(s);
    return c;
}

static inline void harness_free(harness_corpus *c)
{
    free(c->ids);
    free(c->docs);
    memset(c, 0, sizeof *c);
}

/* The lifecycle calls (include/entroprof/probe.h) for tests that do not look at the message. */
static inline void *hp_create(const ep_probe_vtable *vt, const ep_probe_env *env)
{
    void *st = NULL;
    ep_error e;
    ep_error_clear(&e);
    return vt->create(&st, env, &e) == EP_OK ? st : NULL;
}

static inline ep_status hp_observe(const ep_probe_vtable *vt, void *st, const ep_doc *doc, const ep_token *ids,
                                   size_t n)
{
    ep_error e;
    ep_error_clear(&e);
    return vt->observe(st, doc, ids, n, &e);
}

static inline ep_status hp_merge(const ep_probe_vtable *vt, void *into, const void *from)
{
    ep_error e;
    ep_error_clear(&e);
    return vt->merge(into, from, &e);
}

static inline ep_status hp_fold(const ep_probe_vtable *vt, void *corpus, const void *shard)
{
    ep_error e;
    ep_error_clear(&e);
    return vt->fold(corpus, shard, &e);
}

static inline ep_status hp_finish(const ep_probe_vtable *vt, void *st, const void *before, ep_jv *out,
                                  const ep_probe_env *env)
{
    ep_error e;
    ep_error_clear(&e);
    return vt->finish(st, before, out, env, &e);
}

/* Runs the probe with documents dealt round-robin to n_states states, merged in order into the
 * first. @return the finish output (caller frees). */
static inline ep_jv *harness_run(const ep_probe_vtable *vt, const ep_probe_env *env, const harness_corpus *c,
                                 int n_states)
{
    void *st[8];
    for (int i = 0; i < n_states; i++) st[i] = hp_create(vt, env);
    for (size_t d = 0; d < c->n_docs; d++)
        if (hp_observe(vt, st[d % (size_t)n_states], &c->docs[d], c->ids + d * c->doc_len, c->doc_len) != EP_OK)
            return NULL;
    for (int i = 1; i < n_states; i++) {
        if (hp_merge(vt, st[0], st[i]) != EP_OK) return NULL;
        vt->free(st[i]);
    }
    ep_jv *out = ep_jv_obj();
    ep_status r = hp_finish(vt, st[0], NULL, out, env);
    vt->free(st[0]);
    if (r != EP_OK) {
        ep_jv_free(out);
        return NULL;
    }
    return out;
}

static inline double harness_est(const ep_jv *out, const char *key, const char *field)
{
    return ep_jv_as_num(ep_jv_get(ep_jv_get(ep_jv_get(out, "estimates"), key), field), NAN);
}

/* Serializes a JSON tree to a malloc'd string (for exact comparisons). */
static inline char *harness_dump(const ep_jv *v)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ep_jv_write(v, f, 0);
    fclose(f);
    return buf;
}

#endif
