/* Shared pieces of the n-gram ladder (ngram.c) and the held-out Kneser-Ney probe (heldout_mkn.c). */
#ifndef EP_PROBE_NGRAM_INTERNAL_H
#define EP_PROBE_NGRAM_INTERNAL_H

#include "entroprof/scan.h"
#include "entroprof/tokenizer.h"
#include "probe/ngram_table.h"

#define EP_NGRAM_MAX_ORDER 16
/** Budget used when the scan gives none (mem_bytes == 0): 256 MiB. */
#define EP_NGRAM_DEFAULT_MEM (256ull << 20)
/** An order with distinct / N above this is undersampled (REFERENCES.md: stop near 0.1). */
#define EP_NGRAM_UNDERSAMPLED 0.1

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
} ep_ngram_block;

ep_status ep_ngram_block_stats(const ep_ngtab *t, uint64_t total, ep_ngram_block *out);

#endif
