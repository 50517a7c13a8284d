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
    uint8_t *merges_to_self; /* (vocab.n_ids) when whole_piece_lookup is 0: 1 where merging the
                                token's own bytes gives that token, so that a piece equal to it
                                may skip the merge with the same result; NULL otherwise */
    ep_bpe_normalizer norm; /* tokenizer.json normalizer steps (none: n == 0) */
    /* tokenizer.json pre-tokenizers that are not one regex (re == NULL then): the steps and, for
     * each, its compiled regex or NULL (bpe_pretok.c) */
    ep_bpe_pretok_step *steps; /* (n_steps) */
    size_t n_steps;
    pcre2_code **step_re;      /* (n_steps) */
} ep_bpe_impl;

/** Work space of the pre-tokenizer steps (one per thread): two arenas of piece bytes and spans
 *  that alternate between steps, and the matches of one piece. */
typedef struct {
    uint8_t *bytes[2];  /* (bytes_cap[k]) */
    size_t bytes_cap[2];
    size_t *spans[2];   /* (2 * spans_cap[k]) start, end of each piece in bytes[k] */
    size_t spans_cap[2];
    size_t *m;          /* (3 * m_cap) start, end, is_match of the spans of one piece */
    size_t m_cap;
    pcre2_match_data *md;
} ep_bpe_pretok_ws;

void ep_bpe_pretok_ws_free(ep_bpe_pretok_ws *ws);

/** Runs b's pre-tokenizer steps on t[0..len) (valid UTF-8, normalized). Sets *bytes and *spans
 *  (piece k is (*bytes)[(*spans)[2k] .. (*spans)[2k+1]), never empty) and *n_pieces; they live in
 *  ws until its next use. mctx: the caller's match context (JIT stack). @return EP_OK,
 *  EP_ERR_NOMEM, or EP_ERR_LIMIT (a regex hit PCRE2's limits). */
ep_status ep_bpe_pretok_run(const ep_bpe_impl *b, ep_bpe_pretok_ws *ws, pcre2_match_context *mctx, const uint8_t *t,
                            size_t len, const uint8_t **bytes, const size_t **spans, size_t *n_pieces);

extern const ep_tokenizer_ops ep_bpe_ops;

/** tiktoken's encode_ordinary: special-token text is encoded as ordinary text. */
ep_status ep_bpe_encode_ordinary(const ep_tokenizer *tok, ep_tok_scratch *s, const char *text, size_t len,
                                 ep_token_buf *out);

#endif
