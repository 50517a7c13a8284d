/* The growable token id buffer of tokenizer.h. */
#include <stdlib.h>

#include "base/grow.h"
#include "entroprof/tokenizer.h"

ep_status ep_token_buf_reserve(ep_token_buf *buf, size_t extra)
{
    if (buf->len + extra <= buf->cap) return EP_OK;
    if (extra > SIZE_MAX - buf->len) return EP_ERR_NOMEM;
    ep_token *n = ep_grow_array(buf->ids, &buf->cap, buf->len + extra, sizeof *n, 1024);
    if (!n) return EP_ERR_NOMEM;
    buf->ids = n;
    return EP_OK;
}

void ep_token_buf_free(ep_token_buf *buf)
{
    if (!buf) return;
    free(buf->ids);
    buf->ids = NULL;
    buf->len = buf->cap = 0;
}
