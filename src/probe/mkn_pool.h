/* A budgeted pool of documents' token ids with consistent document sampling, for the held-out
 * Kneser-Ney probe (its model can only be built once every training document has been seen).
 *
 * A document is kept iff its sampling hash h < 2^64 / 2^shift. The pool may hold max_cost units
 * (one per token plus EP_MKN_DOC_COST per document); when an added document would exceed it, shift
 * grows and documents above the new threshold are dropped. As for ngram_table.h, the kept set
 * depends only on the multiset of documents offered, not on their order or on how they were
 * spread over states: it is every document with h below the largest threshold at which the
 * offered documents fit. */
#ifndef EP_PROBE_MKN_POOL_H
#define EP_PROBE_MKN_POOL_H

#include <stddef.h>
#include <stdint.h>
#include "entroprof/common.h"
#include "entroprof/serial.h"
#include "entroprof/tokenizer.h"

#define EP_MKN_DOC_COST 5
/** Bytes per pooled token in the probes' budget arithmetic (ngram.c, heldout_mkn.c): 8, the size of
 *  a token when ids were 64-bit. Kept so that the pools' sizes, their sampling and so every profile
 *  stay what they were; a pooled id now takes 4 bytes (ep_token), so a pool fills at most half of
 *  the memory it is given. */
#define EP_MKN_POOL_TOKEN_BYTES 8

typedef struct {
    uint64_t h;       /* sampling hash */
    uint64_t lo, hi;  /* content hash (canonical order) */
    uint64_t bytes;   /* document bytes */
    size_t off;       /* first token in the pool's token array */
    uint32_t len;     /* tokens */
} ep_mkn_doc;

typedef struct {
    ep_mkn_doc *docs; /* (ndocs) */
    size_t ndocs, capdocs;
    ep_token *tok;    /* (ntok) */
    size_t ntok, captok;
    uint64_t max_cost;
    unsigned shift;
    uint64_t offered_docs, offered_tokens; /* every document offered, sampled or not */
} ep_mkn_pool;

void ep_mkn_pool_init(ep_mkn_pool *p, uint64_t max_cost);
void ep_mkn_pool_free(ep_mkn_pool *p);
/** Offers a document. @return EP_OK, EP_ERR_NOMEM, EP_ERR_LIMIT (a document over 2^32 tokens). */
ep_status ep_mkn_pool_add(ep_mkn_pool *p, const ep_mkn_doc *d, const ep_token *ids);
/** Raises the shift, dropping documents above the new threshold (compacts in place). */
void ep_mkn_pool_raise_shift(ep_mkn_pool *p, unsigned shift);
ep_status ep_mkn_pool_merge(ep_mkn_pool *into, const ep_mkn_pool *from);
/** Sorts the documents by (lo, hi) so that float sums over them have a canonical order. */
void ep_mkn_pool_sort(ep_mkn_pool *p);
/** Copies into dst (initialised, empty, no cap) the documents of src kept at `shift` (>= src's),
 *  in src's order: the nested subsample that src would be at that shift, src unchanged. */
ep_status ep_mkn_pool_subsample(ep_mkn_pool *dst, const ep_mkn_pool *src, unsigned shift);
double ep_mkn_pool_p(const ep_mkn_pool *p);
/** The sampling hash of a document with content hash (lo, hi): XXH3-64 of the two halves under
 *  seed (each probe salts its seed, so its pools sample independently of the others). */
uint64_t ep_mkn_pool_hash(uint64_t lo, uint64_t hi, uint64_t seed);

/* Partial states (docs/partial-format.md, "Document pool"). */
/** Appends p to w: shift, the offered counts, each document's (lo, hi, bytes, len) in pool order,
 *  then their token ids in the same order (u32). h is not written: the loader recomputes it. */
void ep_mkn_pool_save(const ep_mkn_pool *p, ep_wbuf *w);
/** Reads into p (ep_mkn_pool_init'ed with the loading state's cap, empty) a pool that
 *  ep_mkn_pool_save wrote, documents in the saved order, their ids packed in that order. h_seed:
 *  the seed of ep_mkn_pool_hash the pool was built with; vocab: a dense vocabulary's size (every
 *  id must be below it), 0 for an open one. Refuses (EP_ERR_CORRUPT, r failed) a shift over 64, a
 *  document the shift would not keep, an id count other than the sum of the lengths, more kept
 *  than offered, a pool over its cap, an id out of the vocabulary; *why then says which (a static
 *  string). On failure p is emptied (its cap kept). @return EP_OK, EP_ERR_CORRUPT or EP_ERR_NOMEM. */
ep_status ep_mkn_pool_load(ep_mkn_pool *p, ep_rbuf *r, uint64_t h_seed, uint64_t vocab, const char **why);

#endif
