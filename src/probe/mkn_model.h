/* Interpolated modified Kneser-Ney n-gram model (Chen & Goodman 1998) built exactly as KenLM's
 * lmplz builds it (lm/builder/adjust_counts.cc, initial_probabilities.cc, interpolate.cc) and
 * scored as KenLM's query scores it. Formulas and conventions: docs/estimators.md.
 *
 * Input: documents of token ids; each is one "sentence": <s> w_1 .. w_L </s>.
 * Tables: one per order n = 1..K, fingerprint of the n-gram -> entry; built in three passes over
 * the training tokens (raw counts; adjusted counts; context sums). Memory: the tables may use at
 * most table_budget bytes, growth included; over that, ep_mkn_build returns EP_ERR_LIMIT
 * (having freed everything) and the caller retries on fewer documents. */
#ifndef EP_PROBE_MKN_MODEL_H
#define EP_PROBE_MKN_MODEL_H

#include "probe/mkn_pool.h"
#include "probe/ngram_internal.h"

/** Reserved ids for the sentence markers (never produced by a tokenizer in practice: dense ids are
 *  < 2^32 and word ids are 64-bit hashes). */
#define EP_MKN_BOS UINT64_MAX
#define EP_MKN_EOS (UINT64_MAX - 1)

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
    void *mem;
    size_t cap, size;
} ep_mkn_table;

typedef struct {
    int K;
    uint64_t seed;
    ep_mkn_table t[EP_NGRAM_MAX_ORDER]; /* order n at [n-1] */
    double D[EP_NGRAM_MAX_ORDER][4];   /* discounts D(1), D(2), D(3+) at [n-1][1..3] */
    int fallback[EP_NGRAM_MAX_ORDER];  /* 1 if order n used the fallback discounts 0.5, 1, 1.5 */
    uint64_t nstat[EP_NGRAM_MAX_ORDER][5]; /* count-of-counts of adjusted counts, 1..4 */
    uint64_t root_csum;                /* unigram context: sum of adjusted counts */
    uint32_t root_cn_u32[3];
    double vocab;                      /* |V| of the uniform base */
    uint64_t bytes_used, bytes_peak;
    uint64_t budget;
} ep_mkn_model;

/** Builds the model from the training pool. dense_vocab: tokenizer vocabulary (0 = open).
 *  @return EP_OK, EP_ERR_LIMIT (over table_budget; model freed), EP_ERR_NOMEM. */
ep_status ep_mkn_build(ep_mkn_model *m, const ep_mkn_pool *train, int K, uint64_t seed,
                       uint64_t table_budget, uint64_t dense_vocab);
void ep_mkn_free(ep_mkn_model *m);
/** Sum of -log2 p over w_1..w_L and </s> of one document; *oov counts tokens absent from the
 *  training vocabulary. */
double ep_mkn_doc_bits(const ep_mkn_model *m, const ep_token *ids, size_t n, uint64_t *oov);

#endif
