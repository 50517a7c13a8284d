/* Little-endian writer and bounds-checked reader of partial-state bytes (include/entroprof/serial.h). */
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "entroprof/serial.h"

#define JV_MAX_DEPTH 64

void ep_wbuf_init(ep_wbuf *w) { memset(w, 0, sizeof *w); }

void ep_wbuf_free(ep_wbuf *w)
{
    if (!w) return;
    free(w->data);
    memset(w, 0, sizeof *w);
}

ep_status ep_wbuf_status(const ep_wbuf *w) { return w->failed ? EP_ERR_NOMEM : EP_OK; }

/* Room for n more bytes. @return the place to write them, or NULL (w failed). */
static unsigned char *wroom(ep_wbuf *w, size_t n)
{
    if (w->failed) return NULL;
    if (n > SIZE_MAX - w->len) { w->failed = 1; return NULL; }
    unsigned char *d = ep_grow_array(w->data, &w->cap, w->len + n, 1, 256);
    if (!d) { w->failed = 1; return NULL; }
    w->data = d;
    unsigned char *at = d + w->len;
    w->len += n;
    return at;
}

static void put_le(unsigned char *d, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) d[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *d, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v |= (uint64_t)d[i] << (8 * i);
    return v;
}

void ep_wbuf_u8(ep_wbuf *w, uint8_t v)
{
    unsigned char *d = wroom(w, 1);
    if (d) d[0] = v;
}

void ep_wbuf_u32(ep_wbuf *w, uint32_t v)
{
    unsigned char *d = wroom(w, 4);
    if (d) put_le(d, v, 4);
}

void ep_wbuf_u64(ep_wbuf *w, uint64_t v)
{
    unsigned char *d = wroom(w, 8);
    if (d) put_le(d, v, 8);
}

void ep_wbuf_i64(ep_wbuf *w, int64_t v) { ep_wbuf_u64(w, (uint64_t)v); }

void ep_wbuf_f64(ep_wbuf *w, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    ep_wbuf_u64(w, bits);
}

void ep_wbuf_raw(ep_wbuf *w, const void *p, size_t n)
{
    unsigned char *d = wroom(w, n);
    if (d && n) memcpy(d, p, n);
}

void ep_wbuf_blob(ep_wbuf *w, const void *p, size_t n)
{
    ep_wbuf_u64(w, (uint64_t)n);
    ep_wbuf_raw(w, p, n);
}

void ep_wbuf_str(ep_wbuf *w, const char *s)
{
    if (!s) { ep_wbuf_u64(w, UINT64_MAX); return; }
    ep_wbuf_blob(w, s, strlen(s));
}

void ep_wbuf_u32s(ep_wbuf *w, const uint32_t *v, size_t n)
{
    if (n > SIZE_MAX / 4) { w->failed = 1; return; }
    unsigned char *d = wroom(w, 4 * n);
    if (!d) return;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n) memcpy(d, v, 4 * n);
#else
    for (size_t i = 0; i < n; i++) put_le(d + 4 * i, v[i], 4);
#endif
}

void ep_wbuf_u64s(ep_wbuf *w, const uint64_t *v, size_t n)
{
    if (n > SIZE_MAX / 8) { w->failed = 1; return; }
    unsigned char *d = wroom(w, 8 * n);
    if (!d) return;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n) memcpy(d, v, 8 * n);
#else
    for (size_t i = 0; i < n; i++) put_le(d + 8 * i, v[i], 8);
#endif
}

void ep_wbuf_jv(ep_wbuf *w, const ep_jv *v)
{
    ep_jv_type t = ep_jv_typeof(v);
    ep_wbuf_u8(w, (uint8_t)t);
    switch (t) {
    case EP_JV_NULL: break;
    case EP_JV_BOOL: ep_wbuf_u8(w, (uint8_t)(ep_jv_as_bool(v, 0) != 0)); break;
    case EP_JV_INT: ep_wbuf_i64(w, ep_jv_as_int(v, 0)); break;
    case EP_JV_NUM: ep_wbuf_f64(w, ep_jv_as_num(v, 0)); break;
    case EP_JV_STR: ep_wbuf_str(w, ep_jv_as_str(v)); break;
    case EP_JV_ARR:
    case EP_JV_OBJ: {
        size_t n = ep_jv_len(v);
        ep_wbuf_u64(w, (uint64_t)n);
        for (size_t i = 0; i < n; i++) {
            if (t == EP_JV_OBJ) ep_wbuf_str(w, ep_jv_key_at(v, i));
            ep_wbuf_jv(w, ep_jv_at(v, i));
        }
        break;
    }
    }
}

void ep_rbuf_init(ep_rbuf *r, const void *p, size_t len)
{
    r->p = p;
    r->len = p ? len : 0;
    r->pos = 0;
    r->failed = 0;
}

ep_status ep_rbuf_status(const ep_rbuf *r) { return r->failed ? EP_ERR_CORRUPT : EP_OK; }
size_t ep_rbuf_left(const ep_rbuf *r) { return r->failed ? 0 : r->len - r->pos; }

ep_status ep_rbuf_fail(ep_rbuf *r)
{
    r->failed = 1;
    return EP_ERR_CORRUPT;
}

const void *ep_rbuf_raw(ep_rbuf *r, size_t n)
{
    if (r->failed || n > r->len - r->pos) { r->failed = 1; return NULL; }
    const void *at = r->p + r->pos;
    r->pos += n;
    return at;
}

uint8_t ep_rbuf_u8(ep_rbuf *r)
{
    const unsigned char *d = ep_rbuf_raw(r, 1);
    return d ? d[0] : 0;
}

uint32_t ep_rbuf_u32(ep_rbuf *r)
{
    const unsigned char *d = ep_rbuf_raw(r, 4);
    return d ? (uint32_t)get_le(d, 4) : 0;
}

uint64_t ep_rbuf_u64(ep_rbuf *r)
{
    const unsigned char *d = ep_rbuf_raw(r, 8);
    return d ? get_le(d, 8) : 0;
}

int64_t ep_rbuf_i64(ep_rbuf *r) { return (int64_t)ep_rbuf_u64(r); }

double ep_rbuf_f64(ep_rbuf *r)
{
    uint64_t bits = ep_rbuf_u64(r);
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

const void *ep_rbuf_blob(ep_rbuf *r, size_t *n)
{
    *n = 0;
    uint64_t len = ep_rbuf_u64(r);
    if (r->failed || len > r->len - r->pos) { r->failed = 1; return NULL; }
    *n = (size_t)len;
    return ep_rbuf_raw(r, (size_t)len);
}

char *ep_rbuf_str(ep_rbuf *r, int *was_null, int *nomem)
{
    if (was_null) *was_null = 0;
    if (nomem) *nomem = 0;
    size_t save = r->pos;
    if (ep_rbuf_u64(r) == UINT64_MAX && !r->failed) {
        if (was_null) *was_null = 1;
        return NULL;
    }
    if (r->failed) return NULL;
    r->pos = save;
    size_t n = 0;
    const char *b = ep_rbuf_blob(r, &n);
    if (!b) return NULL;
    if (memchr(b, 0, n)) { r->failed = 1; return NULL; }
    char *s = malloc(n + 1);
    if (!s) {
        if (nomem) *nomem = 1;
        return NULL;
    }
    memcpy(s, b, n);
    s[n] = 0;
    return s;
}

uint64_t ep_rbuf_count(ep_rbuf *r, size_t min_item_bytes)
{
    uint64_t n = ep_rbuf_u64(r);
    if (r->failed) return 0;
    if (min_item_bytes == 0) min_item_bytes = 1;
    if (n > (uint64_t)(r->len - r->pos) / min_item_bytes) { r->failed = 1; return 0; }
    return n;
}

int ep_rbuf_u32s(ep_rbuf *r, uint32_t *v, size_t n)
{
    if (n > SIZE_MAX / 4) { r->failed = 1; return -1; }
    const unsigned char *d = ep_rbuf_raw(r, 4 * n);
    if (!d) return -1;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n) memcpy(v, d, 4 * n);
#else
    for (size_t i = 0; i < n; i++) v[i] = (uint32_t)get_le(d + 4 * i, 4);
#endif
    return 0;
}

int ep_rbuf_u64s(ep_rbuf *r, uint64_t *v, size_t n)
{
    if (n > SIZE_MAX / 8) { r->failed = 1; return -1; }
    const unsigned char *d = ep_rbuf_raw(r, 8 * n);
    if (!d) return -1;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n) memcpy(v, d, 8 * n);
#else
    for (size_t i = 0; i < n; i++) v[i] = get_le(d + 8 * i, 8);
#endif
    return 0;
}

/* A string value or key: NUL-free bytes (a JSON tree's strings are C strings). */
static ep_jv *read_jv_str(ep_rbuf *r)
{
    size_t n = 0;
    const char *b = ep_rbuf_blob(r, &n);
    if (!b || memchr(b, 0, n)) { r->failed = 1; return NULL; }
    return ep_jv_strn(b, n);
}

static ep_jv *read_jv(ep_rbuf *r, int depth)
{
    if (depth > JV_MAX_DEPTH) { r->failed = 1; return NULL; }
    uint8_t t = ep_rbuf_u8(r);
    if (r->failed) return NULL;
    switch (t) {
    case EP_JV_NULL: return ep_jv_null();
    case EP_JV_BOOL: {
        uint8_t b = ep_rbuf_u8(r);
        if (r->failed || b > 1) { r->failed = 1; return NULL; }
        return ep_jv_bool(b);
    }
    case EP_JV_INT: {
        int64_t v = ep_rbuf_i64(r);
        return r->failed ? NULL : ep_jv_int(v);
    }
    case EP_JV_NUM: {
        double v = ep_rbuf_f64(r);
        return r->failed ? NULL : ep_jv_num(v);
    }
    case EP_JV_STR: return read_jv_str(r);
    case EP_JV_ARR:
    case EP_JV_OBJ: {
        uint64_t n = ep_rbuf_count(r, t == EP_JV_OBJ ? 9 : 1); /* an item: a tag; a member: key + tag */
        if (r->failed) return NULL;
        ep_jv *v = t == EP_JV_OBJ ? ep_jv_obj() : ep_jv_arr();
        for (uint64_t i = 0; v && i < n; i++) {
            char *key = NULL;
            if (t == EP_JV_OBJ) {
                int nomem = 0;
                key = ep_rbuf_str(r, NULL, &nomem);
                if (!key) { ep_jv_free(v); if (!nomem) r->failed = 1; return NULL; }
            }
            ep_jv *item = read_jv(r, depth + 1);
            if (!item) { free(key); ep_jv_free(v); return NULL; }
            ep_jv *added = t == EP_JV_OBJ ? ep_jv_set(v, key, item) : ep_jv_push(v, item);
            free(key);
            if (!added) { ep_jv_free(v); return NULL; } /* set and push free item on failure */
        }
        return v;
    }
    default: r->failed = 1; return NULL;
    }
}

ep_jv *ep_rbuf_jv(ep_rbuf *r) { return read_jv(r, 0); }
