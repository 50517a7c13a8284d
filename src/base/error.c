/* Status names and error messages. */
#include <stdarg.h>
#include <stdio.h>

#include "entroprof/common.h"

const char *ep_strerror(ep_status status)
{
    switch (status) {
    case EP_OK: return "ok";
    case EP_ERR_NOMEM: return "out of memory";
    case EP_ERR_IO: return "input/output error";
    case EP_ERR_FORMAT: return "bad format";
    case EP_ERR_CORRUPT: return "corrupt or truncated data";
    case EP_ERR_ARG: return "invalid argument";
    case EP_ERR_UNSUPPORTED: return "unsupported";
    case EP_ERR_LIMIT: return "limit exceeded";
    case EP_ERR_INTERNAL: return "internal error";
    case EP_ERR_NOTFOUND: return "not found";
    }
    return "unknown status";
}

void ep_error_clear(ep_error *err)
{
    if (!err) return;
    err->status = EP_OK;
    err->msg[0] = '\0';
}

ep_status ep_error_set(ep_error *err, ep_status status, const char *fmt, ...)
{
    if (!err) return status;
    err->status = status;
    va_list ap;
    va_start(ap, fmt);
    /* LLVM 14 false positive: ap is started on the line above */
    // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return status;
}
