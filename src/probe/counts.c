/* counts: documents, bytes, characters (code points), tokens. Exact sums. */
#include <stdlib.h>

#include "probe/probes_internal.h"
#include "text/utf8.h"

typedef struct {
    uint64_t docs, bytes, chars, tokens;
} counts_state;

static int counts_enabled(const ep_scan_config *cfg) { (void)cfg; return 1; }
static ep_status counts_create(void **out, const ep_probe_env *env, ep_error *err)
{
    (void)env;
    *out = calloc(1, sizeof(counts_state));
    return *out ? EP_OK : ep_error_set(err, EP_ERR_NOMEM, "counts: out of memory");
}

/* Cannot fail. */
static ep_status counts_observe(void *st, const ep_doc *doc, const ep_token *ids, size_t n, ep_error *err)
{
    (void)ids; (void)err;
    counts_state *s = st;
    s->docs++;
    s->bytes += doc->len;
    s->chars += ep_utf8_count(doc->text, doc->len);
    s->tokens += n;
    return EP_OK;
}

/* Sums: commutative and exact. Also the fold (a shard's sums added to the corpus's). */
static ep_status counts_merge(void *into, const void *from, ep_error *err)
{
    (void)err;
    counts_state *a = into;
    const counts_state *b = from;
    a->docs += b->docs;
    a->bytes += b->bytes;
    a->chars += b->chars;
    a->tokens += b->tokens;
    return EP_OK;
}

static ep_status counts_finish(void *st, const void *before, ep_jv *out, const ep_probe_env *env, ep_error *err)
{
    (void)before; (void)env; (void)err;
    const counts_state *s = st;
    ep_jv_set(out, "docs", ep_jv_int((int64_t)s->docs));
    ep_jv_set(out, "bytes", ep_jv_int((int64_t)s->bytes));
    ep_jv_set(out, "chars", ep_jv_int((int64_t)s->chars));
    ep_jv_set(out, "tokens", ep_jv_int((int64_t)s->tokens));
    ep_jv_set(out, "bytes_per_token", ep_jv_num(s->tokens ? (double)s->bytes / (double)s->tokens : 0.0));
    return EP_OK;
}

/* Partial state (docs/partial-format.md, "counts"): the four sums fold reads, u64 each: 32 bytes
 * per shard. */
static ep_status counts_save(const void *st, ep_wbuf *w, ep_error *err)
{
    (void)err;
    const counts_state *s = st;
    ep_wbuf_u64(w, s->docs);
    ep_wbuf_u64(w, s->bytes);
    ep_wbuf_u64(w, s->chars);
    ep_wbuf_u64(w, s->tokens);
    return EP_OK;
}

/* Refuses sums the profile could not print (it writes them as int64) and more characters than
 * bytes (a code point takes at least one byte). */
static ep_status counts_load(void **out, ep_rbuf *r, const ep_probe_env *env, ep_error *err)
{
    (void)env;
    *out = NULL;
    counts_state v;
    v.docs = ep_rbuf_u64(r);
    v.bytes = ep_rbuf_u64(r);
    v.chars = ep_rbuf_u64(r);
    v.tokens = ep_rbuf_u64(r);
    if (ep_rbuf_status(r) != EP_OK) return ep_error_set(err, EP_ERR_CORRUPT, "counts: partial state truncated");
    if (v.docs > INT64_MAX || v.bytes > INT64_MAX || v.tokens > INT64_MAX || v.chars > v.bytes) {
        ep_rbuf_fail(r);
        return ep_error_set(err, EP_ERR_CORRUPT, "counts: partial state out of range (%llu docs, %llu bytes, "
                            "%llu chars, %llu tokens)", (unsigned long long)v.docs, (unsigned long long)v.bytes,
                            (unsigned long long)v.chars, (unsigned long long)v.tokens);
    }
    counts_state *s = malloc(sizeof *s);
    if (!s) return ep_error_set(err, EP_ERR_NOMEM, "counts: out of memory");
    *s = v;
    *out = s;
    return EP_OK;
}

const ep_probe_vtable ep_probe_counts = {
    "counts", EP_PROBE_NEEDS_TOKENS, counts_enabled, 0.0,
    counts_create, counts_observe, counts_merge, counts_finish, counts_merge, free, counts_save, counts_load,
};
