/* Interpolated modified Kneser-Ney n-gram model (Chen & Goodman 1998) built exactly as KenLM's
 * lmplz builds it (lm/builder/adjust_counts.cc, initial_probabilities.cc, interpolate.cc) and
 * scored as KenLM's query scores it. Formulas and conventions: docs/estimators.md.
 *
 * Input: documents of token ids; each is one "sentence": <s> w_1 .. w_L </s>.
 * Tables: one per order n = 1..K, fingerprint of the n-gram -> entry, sized once from a
 * HyperLogLog estimate of the distinct n-grams. Build (mkn_model.c): fingerprints of a window of
 * positions are computed in parallel, each order's table is filled by one thread (orders in
 * parallel, slots prefetched ahead), then the suffix/prefix links, continuation counts, discounts
 * and context sums run in parallel over orders (order n writes only table n-1 or n).
 * Memory: the tables may use at most table_budget bytes, growth included; over that,
 * ep_mkn_build returns EP_ERR_LIMIT (having freed everything) and the caller retries on fewer
 * documents. Scratch outside the tables: a window of EP_MKN_WINDOW positions, 20 K bytes per
 * position (10 MiB at K = 8, 20 MiB at K = 16; it replaces the copy of the longest padded
 * document the build used to make), 8 bytes per training document (position offsets), and
 * K * 4 KiB of HyperLogLog registers per thread.
 *
 * One order-K build also scores every order k = 1..K exactly as a separately built order-k model
 * would: the order-k model differs from the order-K one only at its top order k, where it uses raw
 * counts (not continuation counts), discounts from the count-of-counts of raw counts, and context
 * sums and N1/N2/N3+ of raw counts; those are kept per order alongside the adjusted ones. */
#ifndef EP_PROBE_MKN_MODEL_H
#define EP_PROBE_MKN_MODEL_H

#include "probe/mkn_pool.h"
#include "probe/ngram_internal.h"

/** The sentence markers in an n-gram window (64-bit values: ids are widened to 64 bits before they
 *  are hashed, mkn_model.c window(), so no 32-bit token id can equal them). */
#define EP_MKN_BOS UINT64_MAX
#define EP_MKN_EOS (UINT64_MAX - 1)
/** Positions per window of the build (fixed: the build does not depend on the thread count). */
#define EP_MKN_WINDOW (1u << 16)

/* One order's table, structure of arrays in one allocation, sized before counting (a
 * HyperLogLog estimate of its distinct n-grams) so that entries never move and can link to their
 * suffix and prefix in the table below by index. */
typedef struct {
    uint64_t *key;   /* (cap) fingerprint; 0 = empty slot */
    uint32_t *count; /* (cap) raw count; bit 31: starts with <s> */
    uint32_t *adj;   /* (cap) adjusted count (KenLM adjust_counts); NULL at order K (= count) */
    uint32_t *suf;   /* (cap) index of the suffix (drop first token) in order n-1; NULL at n = 1 */
    uint32_t *pre;   /* (cap) index of the prefix (drop last token) in order n-1; NULL at n = 1 */
    uint32_t *csum;  /* (cap) as a context: sum of adjusted counts of its extensions; NULL at K */
    uint32_t *cn;    /* (cap, 3) as a context: extensions with adjusted count 1, 2, >= 3 */
    uint32_t *cnr;   /* (cap, 3) as a context: extensions with raw count 1, 2, >= 3; NULL at K.
                      * (The raw context sum is the context's own raw count, see ep_mkn_build.) */
    void *mem;
    size_t mem_bytes;
    size_t cap, size;
} ep_mkn_table;

typedef struct {
    int K;
    int nthreads;                      /* threads of the build and of the scoring (not of results) */
    uint64_t seed;
    ep_mkn_table t[EP_NGRAM_MAX_ORDER]; /* order n at [n-1] */
    double D[EP_NGRAM_MAX_ORDER][4];   /* discounts D(1), D(2), D(3+) at [n-1][1..3] */
    int fallback[EP_NGRAM_MAX_ORDER];  /* 1 if order n used the fallback discounts 0.5, 1, 1.5 */
    uint64_t nstat[EP_NGRAM_MAX_ORDER][5]; /* count-of-counts of adjusted counts, 1..4 */
    double Dr[EP_NGRAM_MAX_ORDER][4];  /* discounts of order n as a top order (raw counts) */
    int fallback_raw[EP_NGRAM_MAX_ORDER];
    uint64_t nstat_raw[EP_NGRAM_MAX_ORDER][5]; /* count-of-counts of raw counts, 1..4 */
    uint64_t root_csum;                /* unigram context: sum of adjusted counts */
    uint32_t root_cn_u32[3];
    uint64_t root_csum_raw;            /* unigram context: sum of raw counts */
    uint32_t root_cnr_u32[3];
    size_t bos_slot;                   /* slot of the unigram <s> (its raw count is 0) */
    uint64_t ndocs;                    /* training documents (= raw context sum of <s>) */
    double vocab;                      /* |V| of the uniform base */
    uint64_t bytes_used, bytes_peak;
    uint64_t budget;
} ep_mkn_model;

/** Builds the model from the training pool. dense_vocab: tokenizer vocabulary (0 = open).
 *  nthreads: OpenMP threads (<= 0: 1); the model does not depend on it.
 *  @return EP_OK, EP_ERR_LIMIT (over table_budget; model freed), EP_ERR_NOMEM. */
ep_status ep_mkn_build(ep_mkn_model *m, const ep_mkn_pool *train, int K, uint64_t seed,
                       uint64_t table_budget, uint64_t dense_vocab, int nthreads);
void ep_mkn_free(ep_mkn_model *m);
/** Sum of -log2 p over w_1..w_L and </s> of one document under the order-K model; *oov counts
 *  tokens absent from the training vocabulary. */
double ep_mkn_doc_bits(const ep_mkn_model *m, const ep_token *ids, size_t n, uint64_t *oov);
/** The same sum under each order k = 1..K at once: bits[k-1] is what a model trained as order k
 *  on the same documents gives (bits[K-1] equals ep_mkn_doc_bits). bits must hold K values; they
 *  are overwritten. */
void ep_mkn_doc_bits_orders(const ep_mkn_model *m, const ep_token *ids, size_t n, uint64_t *oov,
                            double *bits);

#endif
