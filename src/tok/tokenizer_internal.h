/* Internal shape of a tokenizer: a table of operations plus the implementation's state.
 * tokenizer.c holds the shell; the built-in tokenizers (builtin.c) and BPE (bpe*.c) each provide
 * an opener; open.c tries them in that order. */
#ifndef EP_TOK_TOKENIZER_INTERNAL_H
#define EP_TOK_TOKENIZER_INTERNAL_H

#include "entroprof/tokenizer.h"

typedef struct {
    ep_status (*encode)(const ep_tokenizer *tok, ep_tok_scratch *scratch, const char *text, size_t len,
                        ep_token_buf *out);
    /** NULL for open vocabularies. */
    ep_status (*decode)(const ep_tokenizer *tok, const ep_token *ids, size_t n, char **out, size_t *out_len,
                        size_t *out_cap);
    /** May be NULL when the tokenizer needs no per-thread state. */
    ep_tok_scratch *(*scratch_create)(const ep_tokenizer *tok);
    void (*scratch_free)(ep_tok_scratch *s);
    void (*free_impl)(void *impl);
} ep_tokenizer_ops;

/* Every scratch starts with this header; implementations embed it as their first member so that
 * ep_tok_scratch_free can find the right destructor. */
struct ep_tok_scratch_s {
    const ep_tokenizer_ops *ops; /* NULL for built-ins without state */
};

struct ep_tokenizer_s {
    const ep_tokenizer_ops *ops;
    char *name;          /* canonical name, malloc'd */
    uint64_t vocab_size; /* 0 for open vocabularies */
    void *impl;          /* owned; freed with ops->free_impl */
    char sha256[65];     /* hex SHA-256 of the vocabulary file's bytes; "" for built-ins */
};

/** Allocates a tokenizer shell (name copied). @return NULL on OOM. */
ep_tokenizer *ep_tokenizer_new(const ep_tokenizer_ops *ops, const char *name, uint64_t vocab_size, void *impl);

/** Built-in tokenizers (builtin.c): byte (also for a NULL name), char, word.
 *  @return EP_ERR_NOTFOUND, with no message, when name is not one of them. */
ep_status ep_builtin_tokenizer_open(ep_tokenizer **out, const char *name, ep_error *err);

/** BPE entry point (src/tok/bpe*.c): opens a tiktoken file, a tokenizer.json, or a built-in name.
 *  @return EP_ERR_NOTFOUND when name_or_path is neither a known name nor an existing file. */
ep_status ep_bpe_tokenizer_open(ep_tokenizer **out, const char *name_or_path, ep_error *err);

#endif
