/* The tokenizer object: its shell, scratch and the calls that dispatch to its operations. The
 * built-in tokenizers are in builtin.c, BPE in bpe*.c, and ep_tokenizer_open (open.c) chooses. */
#include <stdlib.h>
#include <string.h>

#include "tok/tokenizer_internal.h"

ep_tokenizer *ep_tokenizer_new(const ep_tokenizer_ops *ops, const char *name, uint64_t vocab_size, void *impl)
{
    ep_tokenizer *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->name = strdup(name);
    if (!t->name) { free(t); return NULL; }
    t->ops = ops;
    t->vocab_size = vocab_size;
    t->impl = impl;
    return t;
}

void ep_tokenizer_free(ep_tokenizer *tok)
{
    if (!tok) return;
    if (tok->ops->free_impl) tok->ops->free_impl(tok->impl);
    free(tok->name);
    free(tok);
}

const char *ep_tokenizer_name(const ep_tokenizer *tok) { return tok->name; }
uint64_t ep_tokenizer_vocab_size(const ep_tokenizer *tok) { return tok->vocab_size; }
const char *ep_tokenizer_sha256(const ep_tokenizer *tok) { return tok->sha256[0] ? tok->sha256 : NULL; }

ep_tok_scratch *ep_tok_scratch_create(const ep_tokenizer *tok)
{
    if (tok->ops->scratch_create) return tok->ops->scratch_create(tok);
    return calloc(1, sizeof(ep_tok_scratch)); /* stateless: a bare header */
}

void ep_tok_scratch_free(ep_tok_scratch *s)
{
    if (!s) return;
    if (s->ops && s->ops->scratch_free) s->ops->scratch_free(s);
    else free(s);
}

ep_status ep_tokenizer_encode(const ep_tokenizer *tok, ep_tok_scratch *scratch, const char *text, size_t len,
                              ep_token_buf *out)
{
    return tok->ops->encode(tok, scratch, text, len, out);
}

ep_status ep_tokenizer_decode(const ep_tokenizer *tok, const ep_token *ids, size_t n, char **out, size_t *out_len,
                              size_t *out_cap)
{
    if (!tok->ops->decode) return EP_ERR_UNSUPPORTED;
    return tok->ops->decode(tok, ids, n, out, out_len, out_cap);
}
