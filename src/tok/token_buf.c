#include <stdlib.h>

#include "entroprof/tokenizer.h"

ep_status ep_token_buf_reserve(ep_token_buf *buf, size_t extra)
{
    if (buf->len + extra <= buf->cap) return EP_OK;
    size_t ncap = buf->cap ? buf->cap : 1024;
    while (ncap < buf->len + extra) ncap *= 2;
    ep_token *n = realloc(buf->ids, ncap * sizeof *n);
    if (!n) return EP_ERR_NOMEM;
    buf->ids = n;
    buf->cap = ncap;
    return EP_OK;
}

void ep_token_buf_free(ep_token_buf *buf)
{
    if (!buf) return;
    free(buf->ids);
    buf->ids = NULL;
    buf->len = buf->cap = 0;
}
