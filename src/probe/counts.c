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

const ep_probe_vtable ep_probe_counts = {
    "counts", EP_PROBE_NEEDS_TOKENS, counts_enabled, 0.0,
    counts_create, counts_observe, counts_merge, counts_finish, counts_merge, free, NULL, NULL,
};
