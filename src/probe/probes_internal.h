/* Declarations of the built-in probes (one .c file each under src/probe/). */
#ifndef EP_PROBE_PROBES_INTERNAL_H
#define EP_PROBE_PROBES_INTERNAL_H

#include "entroprof/probe.h"

extern const ep_probe_vtable ep_probe_counts;      /* counts.c: docs, bytes, chars, tokens, lines */
extern const ep_probe_vtable ep_probe_unigram;     /* unigram.c: unigram entropy of the token stream */
extern const ep_probe_vtable ep_probe_compress;    /* compress.c: zstd fast level bits per byte (ordered) */
extern const ep_probe_vtable ep_probe_compress_strong; /* compress.c: zstd strong level on a sample (ordered) */
extern const ep_probe_vtable ep_probe_exact_dedup; /* exact_dedup.c: XXH3-128 exact duplicates */

extern const ep_probe_vtable ep_probe_near_dedup; /* near_dedup.c: MinHash LSH near duplicates, dedup-aware figures */
extern const ep_probe_vtable ep_probe_repetition; /* repetition.c: Gopher repetition signals */
extern const ep_probe_vtable ep_probe_ngram;       /* ngram.c: n-gram ladder h_0..h_{K-1} */
extern const ep_probe_vtable ep_probe_heldout_mkn; /* heldout_mkn.c: held-out modified Kneser-Ney */
extern const ep_probe_vtable ep_probe_lm;          /* lm.c: tiny-transformer pass (off by default) */

#endif
