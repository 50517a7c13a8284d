/* The BPE tokenizer object behind ep_tokenizer (src/tok/bpe*.c only). */
#ifndef EP_TOK_BPE_IMPL_H
#define EP_TOK_BPE_IMPL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "tok/bpe_internal.h"
#include "tok/tokenizer_internal.h"

typedef struct {
    ep_bpe_vocab vocab;
    pcre2_code *re; /* pre-tokenizer, compiled UTF | UCP | DOLLAR_ENDONLY */
    int jit;        /* 1 when JIT compilation succeeded */
    char *pattern;  /* the reference pattern as given (before rewriting) */
    int ascii_kind; /* EP_BPE_ASCII_*: the hand-written scanner for ASCII spans, or NONE */
    int keep_gaps;  /* 1: text between two matches is a piece (tokenizer.json Split, Isolated);
                       0: it is dropped (tiktoken; the built-in patterns match everything) */
    int whole_piece_lookup; /* 1: a piece that is a token is that token (tiktoken, ignore_merges) */
    ep_bpe_normalizer norm; /* tokenizer.json normalizer steps (none: n == 0) */
} ep_bpe_impl;

extern const ep_tokenizer_ops ep_bpe_ops;

/** tiktoken's encode_ordinary: special-token text is encoded as ordinary text. */
ep_status ep_bpe_encode_ordinary(const ep_tokenizer *tok, ep_tok_scratch *s, const char *text, size_t len,
                                 ep_token_buf *out);

#endif
