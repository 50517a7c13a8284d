/* entroprof: a small JSON value tree (ep_jv) used for profiles and reports.
 *
 * Objects keep insertion order, so a profile is written in the same byte order on
 * every run. Numbers are doubles written with the shortest representation that reads
 * back to the same double, or exact integers (ep_jv_int) below 2^63.
 * Ownership: a value added to an object or array is owned by it; ep_jv_free frees a tree.
 * Parsing uses json-c (see docs/json.md for why) and converts into this tree.
 * Strings are bytes. The writer escapes every byte that is not part of well-formed UTF-8 as a lone
 * low surrogate, byte 0xXY -> "\udcXY" (as Python's surrogateescape), so the output is always valid
 * JSON text; the parser maps such an escape (one not preceded by a high surrogate) back to the
 * byte, so the original bytes round-trip (docs/profile-schema.md, "Strings"). */
#ifndef ENTROPROF_JSON_H
#define ENTROPROF_JSON_H

#include <stdio.h>
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { EP_JV_NULL, EP_JV_BOOL, EP_JV_INT, EP_JV_NUM, EP_JV_STR, EP_JV_ARR, EP_JV_OBJ } ep_jv_type;
typedef struct ep_jv_s ep_jv;

EP_API ep_jv *ep_jv_null(void);
EP_API ep_jv *ep_jv_bool(int b);
EP_API ep_jv *ep_jv_int(int64_t v);
EP_API ep_jv *ep_jv_num(double v);      /**< non-finite values are written as null */
EP_API ep_jv *ep_jv_str(const char *s); /**< copies s (NUL-terminated, UTF-8) */
EP_API ep_jv *ep_jv_strn(const char *s, size_t n);
EP_API ep_jv *ep_jv_arr(void);
EP_API ep_jv *ep_jv_obj(void);
EP_API void ep_jv_free(ep_jv *v); /**< NULL-safe; frees the whole tree */
EP_API ep_jv *ep_jv_clone(const ep_jv *v);

EP_API ep_jv_type ep_jv_typeof(const ep_jv *v);
/** Appends to an array; takes ownership of item. @return item */
EP_API ep_jv *ep_jv_push(ep_jv *arr, ep_jv *item);
/** Sets key in an object (replacing an existing value in place); takes ownership. @return val */
EP_API ep_jv *ep_jv_set(ep_jv *obj, const char *key, ep_jv *val);
/** Child object at key, created (empty object) when missing. */
EP_API ep_jv *ep_jv_child(ep_jv *obj, const char *key);
/** Removes key from an object if present. */
EP_API void ep_jv_del(ep_jv *obj, const char *key);

/** Lookup; NULL when missing or wrong type. `path` is dotted: "estimates.heldout_mkn.value". */
EP_API const ep_jv *ep_jv_get(const ep_jv *obj, const char *key);
EP_API const ep_jv *ep_jv_path(const ep_jv *root, const char *dotted_path);
EP_API size_t ep_jv_len(const ep_jv *v);                  /**< items of array/object, else 0 */
EP_API const ep_jv *ep_jv_at(const ep_jv *arr, size_t i); /**< array item or object value */
EP_API const char *ep_jv_key_at(const ep_jv *obj, size_t i);
EP_API double ep_jv_as_num(const ep_jv *v, double fallback); /**< INT or NUM, else fallback */
EP_API int64_t ep_jv_as_int(const ep_jv *v, int64_t fallback);
EP_API const char *ep_jv_as_str(const ep_jv *v); /**< NULL unless STR */
EP_API int ep_jv_as_bool(const ep_jv *v, int fallback);

/** Writes v as JSON. indent < 0: compact; else pretty with that many spaces. */
EP_API ep_status ep_jv_write(const ep_jv *v, FILE *f, int indent);
/** Parses a JSON text (one value; any type at the top level). @return NULL and sets err on failure. */
EP_API ep_jv *ep_jv_parse(const char *text, size_t len, ep_error *err);
/** Reads and parses a file ("-": stdin). @return NULL and sets err (message starts with path). */
EP_API ep_jv *ep_jv_load_file(const char *path, ep_error *err);
/** ep_jv_load_file that also requires an object at the top level: else NULL and EP_ERR_FORMAT,
 *  "PATH: not WHAT: top level is a number" (WHAT e.g. "a profile"). */
EP_API ep_jv *ep_jv_load_object(const char *path, const char *what, ep_error *err);
/** Writes to path through ep_outfile (include/entroprof/outfile.h): a regular or missing path is
 *  replaced atomically (temp + fsync + rename), a device, FIFO or symlink is written through, "-" is
 *  stdout. @return EP_OK, or EP_ERR_IO and a message naming path. */
EP_API ep_status ep_jv_save_file(const ep_jv *v, const char *path, int indent, ep_error *err);

#ifdef __cplusplus
}
#endif
#endif
