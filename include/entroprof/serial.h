/* entroprof: explicit little-endian serialization of probe states and profile fragments, the bytes
 * of a partial-state file (docs/partial-format.md).
 *
 * ep_wbuf appends; every put is little-endian whatever the host, doubles as their IEEE-754 bits,
 * so a file written on one machine reads back on any other. A failed allocation makes the buffer
 * failed (sticky): later puts do nothing and ep_wbuf_status says EP_ERR_NOMEM, so a writer checks
 * once at the end.
 *
 * ep_rbuf reads from bytes that may be hostile (a partial file is input): every get is bounds
 * checked, a short read makes the buffer failed (sticky, EP_ERR_CORRUPT) and returns 0 / NULL, and
 * ep_rbuf_count checks a count against the bytes left before anything is allocated for it, so a
 * corrupt count never allocates more than the file could hold. A loader checks ep_rbuf_status (or the
 * failed flag) before it trusts what it read. */
#ifndef ENTROPROF_SERIAL_H
#define ENTROPROF_SERIAL_H

/* Experimental API: the probe interface changes with the library (README.md, "Use as a library"). */
#ifndef EP_STATIC_LINKING_ONLY
#error "entroprof/serial.h is experimental: define EP_STATIC_LINKING_ONLY, link entroprof_static"
#endif

#include "common.h"
#include "json.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    unsigned char *data; /**< (len) bytes written; owned */
    size_t len, cap;
    int failed;          /**< an allocation failed: the content is incomplete */
} ep_wbuf;

EP_STATIC_API void ep_wbuf_init(ep_wbuf *w);
EP_STATIC_API void ep_wbuf_free(ep_wbuf *w);            /**< NULL-safe; leaves an empty buffer */
EP_STATIC_API ep_status ep_wbuf_status(const ep_wbuf *w); /**< EP_OK or EP_ERR_NOMEM */
EP_STATIC_API void ep_wbuf_u8(ep_wbuf *w, uint8_t v);
EP_STATIC_API void ep_wbuf_u32(ep_wbuf *w, uint32_t v);
EP_STATIC_API void ep_wbuf_u64(ep_wbuf *w, uint64_t v);
EP_STATIC_API void ep_wbuf_i64(ep_wbuf *w, int64_t v);
EP_STATIC_API void ep_wbuf_f64(ep_wbuf *w, double v);   /**< the IEEE-754 bits: NaN and -0 survive */
EP_STATIC_API void ep_wbuf_raw(ep_wbuf *w, const void *p, size_t n); /**< bytes as they are, no length */
/** u64 length, then the bytes. */
EP_STATIC_API void ep_wbuf_blob(ep_wbuf *w, const void *p, size_t n);
/** A NUL-terminated string as a blob (NULL is written as length UINT64_MAX, read back as NULL). */
EP_STATIC_API void ep_wbuf_str(ep_wbuf *w, const char *s);
/** n values, each little-endian (the count is not written: write it first with ep_wbuf_u64). */
EP_STATIC_API void ep_wbuf_u32s(ep_wbuf *w, const uint32_t *v, size_t n);
EP_STATIC_API void ep_wbuf_u64s(ep_wbuf *w, const uint64_t *v, size_t n);
/** A JSON tree, exactly: type tags, int64 as int64, doubles as bits (non-finite kept), strings as
 *  bytes, object keys in their order. */
EP_STATIC_API void ep_wbuf_jv(ep_wbuf *w, const ep_jv *v);

typedef struct {
    const unsigned char *p; /**< not owned */
    size_t len, pos;
    int failed;             /**< a read went past the end or a value was invalid */
} ep_rbuf;

EP_STATIC_API void ep_rbuf_init(ep_rbuf *r, const void *p, size_t len);
EP_STATIC_API ep_status ep_rbuf_status(const ep_rbuf *r); /**< EP_OK or EP_ERR_CORRUPT */
EP_STATIC_API size_t ep_rbuf_left(const ep_rbuf *r);
/** Marks r failed (a loader found a value out of range). @return EP_ERR_CORRUPT */
EP_STATIC_API ep_status ep_rbuf_fail(ep_rbuf *r);
EP_STATIC_API uint8_t ep_rbuf_u8(ep_rbuf *r);
EP_STATIC_API uint32_t ep_rbuf_u32(ep_rbuf *r);
EP_STATIC_API uint64_t ep_rbuf_u64(ep_rbuf *r);
EP_STATIC_API int64_t ep_rbuf_i64(ep_rbuf *r);
EP_STATIC_API double ep_rbuf_f64(ep_rbuf *r);
/** A pointer to the next n bytes (inside the buffer), or NULL (r failed) when fewer are left. */
EP_STATIC_API const void *ep_rbuf_raw(ep_rbuf *r, size_t n);
/** A blob: its bytes (inside the buffer) and *n, or NULL with *n = 0 (r failed). */
EP_STATIC_API const void *ep_rbuf_blob(ep_rbuf *r, size_t *n);
/** A string written by ep_wbuf_str, copied with malloc (the caller frees it). NULL when NULL was
 *  written (*was_null = 1, when given), or on failure (r failed; out of memory leaves r unfailed
 *  and sets *nomem when given). Refuses (fails r) a string with a NUL byte inside. */
EP_STATIC_API char *ep_rbuf_str(ep_rbuf *r, int *was_null, int *nomem);
/** Reads a u64 count of items that take at least min_item_bytes each in the stream (> 0) and
 *  checks that so many bytes are left: then the caller may allocate count items. On a count that
 *  cannot fit, r fails and 0 is returned. */
EP_STATIC_API uint64_t ep_rbuf_count(ep_rbuf *r, size_t min_item_bytes);
/** n values into v (the caller checked n, e.g. with ep_rbuf_count). @return 0, or -1 (r failed). */
EP_STATIC_API int ep_rbuf_u32s(ep_rbuf *r, uint32_t *v, size_t n);
EP_STATIC_API int ep_rbuf_u64s(ep_rbuf *r, uint64_t *v, size_t n);
/** A JSON tree written by ep_wbuf_jv (nesting limited to 64 levels), or NULL: r failed (corrupt)
 *  or, when r did not fail, out of memory. */
EP_STATIC_API ep_jv *ep_rbuf_jv(ep_rbuf *r);

#ifdef __cplusplus
}
#endif
#endif
