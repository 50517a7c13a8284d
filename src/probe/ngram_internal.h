/* Shared pieces of the n-gram ladder (ngram.c) and the held-out Kneser-Ney probe (heldout_mkn.c). */
#ifndef EP_PROBE_NGRAM_INTERNAL_H
#define EP_PROBE_NGRAM_INTERNAL_H

#include "entroprof/doc.h"
#include "entroprof/probe.h"
#include "entroprof/scan_config.h"
#include "entroprof/tokenizer.h"
#include "probe/mkn_pool.h"
#include "probe/ngram_table.h"

#define EP_NGRAM_MAX_ORDER 16
/** Budget used when the scan gives none (mem_bytes == 0): 256 MiB. */
#define EP_NGRAM_DEFAULT_MEM (256ull << 20)
/** An order with distinct / N above this is undersampled (REFERENCES.md: stop near 0.1). */
#define EP_NGRAM_UNDERSAMPLED 0.1

/** Budget of one state of the ngram / heldout_mkn probes: env->mem_bytes (half of the probe's share,
 *  independent of the thread count, src/scan/scan_probes.c). Both probes are EP_PROBE_ORDERED, so only the
 *  shard's and the corpus' states exist and no sampling decision depends on --threads.
 *  EP_NGRAM_DEFAULT_MEM when the environment gives no budget. */
uint64_t ep_ngram_state_budget(const ep_probe_env *env);

/** Token ids for an ORDERED probe: the scan passes the ids it tokenized in its parallel stage, and
 *  they are used as they are; a caller that passes none (unit tests, tools) gets the text encoded
 *  with env->tok (one scratch per state; ordered states are used by one thread at a time). */
typedef struct {
    const ep_tokenizer *tok;
    ep_tok_scratch *scratch;
    ep_token_buf buf;
} ep_ngram_tokens;

void ep_ngram_tokens_init(ep_ngram_tokens *t, const ep_tokenizer *tok);
void ep_ngram_tokens_free(ep_ngram_tokens *t);
/** Sets *ids / *n for doc (encoding it when *ids is NULL). @return EP_OK or the encoder's error
 *  (EP_ERR_ARG when there are neither ids nor a tokenizer). */
ep_status ep_ngram_tokens_get(ep_ngram_tokens *t, const ep_doc *doc, const ep_token **ids, size_t *n);

/** K: cfg->ngram_order, else 8 for the byte and char tokenizers and 5 for the others. */
int ep_ngram_default_order(const ep_scan_config *cfg, const ep_tokenizer *tok);
/** Seed of the XXH3 fingerprints of order n. */
uint64_t ep_ngram_order_seed(uint64_t seed, int n);

/** Block entropy of one order from its (possibly sampled) table. */
typedef struct {
    uint64_t n;              /* exact number of n-grams */
    double p;                /* sampling rate */
    double plugin_bits;      /* H_n, plug-in */
    double grassberger_bits; /* H_n, Grassberger */
    double plugin_se, grassberger_se; /* standard errors from sampling (0 when p = 1) */
    double distinct;         /* distinct n-grams (estimated: sampled / p) */
    double f[4];             /* f_1..f_4 (estimated: sampled / p) */
    double pairs;            /* coincident pairs sum_i n_i (n_i - 1) / 2 (estimated: sampled / p) */
} ep_ngram_block;

ep_status ep_ngram_block_stats(const ep_ngtab *t, uint64_t total, ep_ngram_block *out);
/** The same from the counts of the kept keys (any order) and the sampling rate p. */
ep_status ep_ngram_block_stats_counts(const uint64_t *counts, size_t n_counts, double p, uint64_t total,
                                      ep_ngram_block *out);

/** How ep_ngram_count_order counts: AUTO first tries a cache-sized table (SMALL: orders with at
 *  most 32768 distinct n-grams; EP_ERR_LIMIT when forced on more), then takes the sort path when the
 *  key array (8 bytes per n-gram) fits the budget, else the hash path (a sampling table within the
 *  budget). Identical results. */
enum { EP_NGRAM_PATH_AUTO, EP_NGRAM_PATH_SORT, EP_NGRAM_PATH_HASH, EP_NGRAM_PATH_SMALL };
/** Block statistics of order n over every pooled document (n-grams inside documents only). */
ep_status ep_ngram_count_order(const ep_mkn_pool *pool, int n, uint64_t seed, uint64_t budget, int path,
                               ep_ngram_block *out);

/** Sorts a[0..n) ascending in place (MSD radix on bytes: no extra memory beyond a small stack). */
void ep_ngram_sort_u64(uint64_t *a, size_t n);

#endif
