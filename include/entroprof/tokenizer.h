/* entroprof: tokenizers.
 *
 * A tokenizer turns valid UTF-8 text into token ids. Built in:
 *   "byte"  one token per byte, id = byte value (vocabulary 256);
 *   "char"  one token per Unicode code point, id = code point (vocabulary 0x110000);
 *   "word"  Unicode-aware words (docs/tokenizers.md): runs of letters/marks/digits are one token,
 *           every other non-space code point is its own token, whitespace separates and is
 *           dropped; id = the low 32 bits of XXH3-64 of the token's bytes (open vocabulary:
 *           vocab_size 0; two distinct words whose ids collide are one token, docs/tokenizers.md).
 *   BPE vocabularies (tiktoken files, tokenizer.json, or the names r50k_base, cl100k_base,
 *   o200k_base) are added by the BPE module through the same interface.
 * A tokenizer is immutable after creation and may be shared by threads; each thread
 * passes its own ep_tok_scratch (caches, buffers). */
#ifndef ENTROPROF_TOKENIZER_H
#define ENTROPROF_TOKENIZER_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A token id, 4 bytes: dense tokenizers use [0, vocab_size) (vocabularies stay below 2^31);
 *  "word" uses 32-bit hashes. 4 bytes per token is what a document's ids cost in memory. */
typedef uint32_t ep_token;

typedef struct ep_tokenizer_s ep_tokenizer;
typedef struct ep_tok_scratch_s ep_tok_scratch;

/** Growable buffer of token ids, owned by the caller. Zero-initialize before first use. */
typedef struct {
    ep_token *ids; /**< (cap) */
    size_t len;
    size_t cap;
} ep_token_buf;

/** Appends n ids worth of capacity; @return EP_OK or EP_ERR_NOMEM. */
EP_API ep_status ep_token_buf_reserve(ep_token_buf *buf, size_t extra);
EP_API void ep_token_buf_free(ep_token_buf *buf);

/** Opens a tokenizer by name ("byte", "char", "word", a BPE name) or by path to a vocabulary.
 *  @return EP_OK and *out, or an error (EP_ERR_NOTFOUND for an unknown name). */
EP_API ep_status ep_tokenizer_open(ep_tokenizer **out, const char *name_or_path, ep_error *err);
EP_API void ep_tokenizer_free(ep_tokenizer *tok); /**< NULL-safe */

/** Canonical name ("byte", "cl100k_base", "bpe:/path/x.tiktoken"). Owned by tok. */
EP_API const char *ep_tokenizer_name(const ep_tokenizer *tok);
/** Number of ids (special tokens included) for dense tokenizers; 0 for open vocabularies. */
EP_API uint64_t ep_tokenizer_vocab_size(const ep_tokenizer *tok);
/** The identity of the vocabulary: SHA-256 of the bytes of the file the tokenizer was loaded from
 *  (a tiktoken file, the built-in names' files in data/vocab included, or a tokenizer.json), as 64
 *  lowercase hex digits; NULL for "byte", "char" and "word", which have no file. Owned by tok.
 *  Two tokenizers with equal digests give equal ids. */
EP_API const char *ep_tokenizer_sha256(const ep_tokenizer *tok);

/** Per-thread scratch. One per thread; not shared. */
EP_API ep_tok_scratch *ep_tok_scratch_create(const ep_tokenizer *tok);
EP_API void ep_tok_scratch_free(ep_tok_scratch *s); /**< NULL-safe */

/** Appends the ids of text[0..len) (valid UTF-8 expected; invalid bytes are treated as
 *  documented per tokenizer) to out. Thread-safe given distinct scratch and out. */
EP_API ep_status ep_tokenizer_encode(const ep_tokenizer *tok, ep_tok_scratch *scratch, const char *text,
                                     size_t len, ep_token_buf *out);

/** Decodes ids back to bytes (dense tokenizers only); appends to *out (realloc'd, *out_len
 *  updated). @return EP_ERR_UNSUPPORTED for open-vocabulary tokenizers. */
EP_API ep_status ep_tokenizer_decode(const ep_tokenizer *tok, const ep_token *ids, size_t n, char **out,
                                     size_t *out_len, size_t *out_cap);

#ifdef __cplusplus
}
#endif
#endif
