/* entroprof: sources with an exactly known entropy rate, for validating the estimators.
 *
 * A source is a stationary Markov chain over a finite set of states; every transition emits one
 * symbol. Two kinds (docs/estimators.md, "Synthetic sources"):
 *   BYTES  order k in 0..4 over an alphabet of A symbols (2..256). The state is the last k symbols
 *          (A^k states); each row is a Dirichlet(alpha) draw over all A symbols. Text output maps
 *          symbol i to the printable byte '!' + i when A <= 94, else to the code point U+0100 + i
 *          (two UTF-8 bytes: one token of the `char` tokenizer, not of `byte`).
 *   WORDS  order 1 or 2 over a vocabulary of V words (2..2^22). Word i is the bijective base-26
 *          spelling of i in lowercase letters (a, b, ..., z, aa, ab, ...), so that the "word"
 *          tokenizer maps each word to exactly one token. Rows are sparse: the successors of word
 *          b are S(b) = {b+1, b+2 (mod V)} plus support-2 words drawn from a Zipf(1) law; the
 *          weights are a Dirichlet(alpha) draw. For order 2 the state is (a, b) with b in S(a)
 *          (V * support states), and the row of (a, b) is its own Dirichlet draw over S(b).
 *          The b+1 and b+2 successors make the chain irreducible and aperiodic.
 * The exact rate is h = sum_s pi(s) H(P(s, .)) bits per symbol (Cover & Thomas 2006, thm 4.2.4),
 * pi the stationary distribution found by power iteration to an L1 change below 1e-14.
 *
 * A stream starts in a state drawn from pi, so every window of the stream is stationary; documents
 * are consecutive segments of one stream. */
#ifndef ENTROPROF_SYNTH_H
#define ENTROPROF_SYNTH_H

#include <stdio.h>
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { EP_SYNTH_BYTES = 0, EP_SYNTH_WORDS = 1 } ep_synth_kind;

typedef struct {
    ep_synth_kind kind;
    int order;          /**< BYTES: 0..4; WORDS: 1..2. default 1 */
    uint32_t alphabet;  /**< BYTES: symbols, 2..256 (> 94: two-byte code points). default 64 */
    uint32_t vocab;     /**< WORDS: vocabulary size, 2..2^22. default 1000 */
    uint32_t support;   /**< WORDS: successors per state, 3..vocab. default 32 */
    double alpha;       /**< Dirichlet concentration of each row, > 0. default 0.5 */
    uint64_t seed;      /**< seed of the transition tables. default 1 */
} ep_synth_config;

EP_API void ep_synth_config_default(ep_synth_config *cfg);

typedef struct ep_synth_s ep_synth;

/** Builds the chain and its stationary distribution.
 *  @return EP_OK, EP_ERR_ARG (out of range, or the table would exceed 2^25 entries), EP_ERR_NOMEM.
 *  Note: bytes order 3 with A = 256 is refused (2^32 entries); use A <= 64 there. */
EP_API ep_status ep_synth_create(ep_synth **out, const ep_synth_config *cfg, ep_error *err);
EP_API void ep_synth_free(ep_synth *s); /**< NULL-safe */

/** Exact entropy rate in bits per symbol (per byte for BYTES, per word token for WORDS). */
EP_API double ep_synth_rate_bits_per_symbol(const ep_synth *s);
/** Mean bytes per symbol in text output under pi: 1 for BYTES (2 when A > 94); E_pi[len(word)] + 1 (the one
 *  separator byte after every word) for WORDS. Rate per byte = rate per symbol / this. */
EP_API double ep_synth_bytes_per_symbol(const ep_synth *s);
/** Number of symbols (A or V). */
EP_API uint32_t ep_synth_symbols(const ep_synth *s);
/** Number of Markov states. */
EP_API uint64_t ep_synth_states(const ep_synth *s);
/** P(sym | ctx), ctx = the last `order` symbols, oldest first. 0 when the context cannot occur.
 *  For brute-force checks on small chains. */
EP_API double ep_synth_prob(const ep_synth *s, const uint32_t *ctx, uint32_t sym);

/** A position in an emitted stream. Plain struct, copyable. */
typedef struct {
    uint64_t state;
    uint64_t rng;
} ep_synth_stream;

/** Starts a stream in a state drawn from pi with the given stream seed. */
EP_API void ep_synth_stream_init(const ep_synth *s, ep_synth_stream *st, uint64_t seed);
/** @return the next symbol (0..symbols-1). */
EP_API uint32_t ep_synth_next(const ep_synth *s, ep_synth_stream *st);
/** Writes the text of a symbol into buf (at least 8 bytes; no NUL). @return its length. */
EP_API size_t ep_synth_spell(const ep_synth *s, uint32_t sym, char *buf);

/** Writes n_symbols symbols as text: documents of doc_symbols symbols each (last one shorter),
 *  plain text documents separated by a blank line, or JSONL {"text": ...} when jsonl != 0.
 *  Words are separated by one space. @return EP_OK, EP_ERR_ARG, EP_ERR_IO. */
EP_API ep_status ep_synth_write_text(const ep_synth *s, FILE *f, uint64_t n_symbols, uint64_t doc_symbols,
                                     int jsonl, uint64_t stream_seed, ep_error *err);

#ifdef __cplusplus
}
#endif
#endif
