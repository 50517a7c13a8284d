/* ep_tokenizer_open: a built-in name (builtin.c), else a BPE name or vocabulary file (bpe.c). The
 * one place that knows both, so that neither depends on the other. */
#include "tok/tokenizer_internal.h"

ep_status ep_tokenizer_open(ep_tokenizer **out, const char *name, ep_error *err)
{
    ep_status st = ep_builtin_tokenizer_open(out, name, err);
    if (st != EP_ERR_NOTFOUND) return st;
    return ep_bpe_tokenizer_open(out, name, err); /* BPE names and vocabulary files */
}
