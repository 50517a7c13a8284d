/* entroprof: common definitions shared by every module.
 *
 * Status codes are pinned: never renumber them, only append. Library calls return an
 * ep_status and, when given a non-NULL ep_error, leave a human-readable message in it.
 * The library never prints and never exits; only the CLI does. */
#ifndef ENTROPROF_COMMON_H
#define ENTROPROF_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EP_VERSION_MAJOR 0
#define EP_VERSION_MINOR 1
#define EP_VERSION_PATCH 0
#define EP_VERSION_STRING "0.1.0"

/* Symbols (docs/design.md, "Symbols"). The library is compiled with -fvisibility=hidden: the
 * shared library exports exactly the functions declared EP_API, the stable public API.
 * EP_STATIC_API marks experimental declarations (the probe interface, the tiny model's internals):
 * they are declared only when the user defines EP_STATIC_LINKING_ONLY before including a header
 * (as zstd's ZSTD_STATIC_LINKING_ONLY), are hidden in the shared library, and so link only
 * against the static library (entroprof::entroprof_static). They may change with any version.
 * The attribute is the same for the library and its users: a declaration marked default-visible
 * is right for both, also when a user compiles with -fvisibility=hidden. */
#ifndef EP_API
#if defined(__GNUC__) && __GNUC__ >= 4
#define EP_API __attribute__((visibility("default")))
#else
#define EP_API
#endif
#endif
#define EP_STATIC_API

/** Status of a library call. Pinned values: append only. */
typedef enum {
    EP_OK = 0,
    EP_ERR_NOMEM = 1,       /**< an allocation failed */
    EP_ERR_IO = 2,          /**< a file could not be opened, read or written */
    EP_ERR_FORMAT = 3,      /**< input is not in the expected format */
    EP_ERR_CORRUPT = 4,     /**< a compressed stream is truncated or corrupt */
    EP_ERR_ARG = 5,         /**< an argument is out of range or inconsistent */
    EP_ERR_UNSUPPORTED = 6, /**< the request names something not available */
    EP_ERR_LIMIT = 7,       /**< a configured limit (memory, size) would be exceeded */
    EP_ERR_INTERNAL = 8,    /**< a bug: an invariant does not hold */
    EP_ERR_NOTFOUND = 9     /**< a named thing (file, key, tokenizer) does not exist */
} ep_status;

/** @return a static, constant name for a status ("ok", "out of memory", ...). */
EP_API const char *ep_strerror(ep_status status);

/** Where a failing call leaves its message. Plain struct; no allocation. */
typedef struct {
    ep_status status;   /**< same as the call's return value */
    char msg[512];      /**< NUL-terminated, empty when status == EP_OK */
} ep_error;

/** Clears an error (status EP_OK, empty message). NULL-safe. */
EP_API void ep_error_clear(ep_error *err);

/** Sets status and a printf-style message; returns status so that callers can
 *  `return ep_error_set(err, EP_ERR_IO, "cannot open %s", path);`. NULL-safe. */
EP_API ep_status ep_error_set(ep_error *err, ep_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#ifdef __cplusplus
}
#endif
#endif
