/* Private pieces of the dedup module shared between its files. */
#ifndef EP_DEDUP_INTERNAL_H
#define EP_DEDUP_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "entroprof/dedup.h"

struct ep_minhash_scratch_s {
    char *out;        /* normalized text (out_cap) */
    size_t out_cap;
    int32_t *cps;     /* utf8proc code point buffer (cps_cap) */
    size_t cps_cap;
    uint64_t *th;     /* token hashes of the last normalized text (ntok of th_cap) */
    size_t th_cap;
    size_t ntok;
};

/** Number of equal slots of two k-slot signatures. */
int ep_sig_agree(const uint32_t *a, const uint32_t *b, int k);

/* Signature store: the first cap_mem signatures in one allocation, the rest appended to an
 * unlinked temp file (the documented fallback when signatures outgrow their share). */
typedef struct {
    int k;
    size_t n;           /* signatures stored */
    size_t cap_mem;     /* most signatures kept in memory (fixed at creation from the budget) */
    uint32_t *mem;      /* (n_mem_alloc, k) */
    size_t n_mem_alloc;
    FILE *spill;        /* NULL until the first spilled signature */
    int spill_fd;
    char tmp_dir[256];
} ep_sigstore;

void ep_sigstore_init(ep_sigstore *s, int k, size_t cap_mem, const char *tmp_dir);
void ep_sigstore_free(ep_sigstore *s);
ep_status ep_sigstore_append(ep_sigstore *s, const uint32_t *sig, ep_error *err);
/** @return pointer to signature i: into memory, or into buf (k slots) read from the spill file;
 *  NULL on a read error. */
const uint32_t *ep_sigstore_get(const ep_sigstore *s, size_t i, uint32_t *buf);

/** Where the incremental index (incr.c) reads signatures (the near_dedup probe's stores):
 *  returns signature gid, pointing into memory or into buf (k slots), or NULL on a read error. */
typedef const uint32_t *(*ep_dedup_sig_fn)(void *ctx, size_t gid, uint32_t *buf);

/* ---- Shared pieces of the band stage (index.c), used by the incremental index (incr.c) ---- */

typedef struct {
    uint64_t h;
    uint32_t gid;
    uint32_t pad;
} ep_band_item;

/** Stable LSD radix sort of t[0..m) by h; tmp holds m items. Items entered in ascending gid
 *  leave in (h, gid) order. */
void ep_dedup_radix_sort_h(ep_band_item *t, size_t m, ep_band_item *tmp);
/** Hash of band b of a k-slot signature: XXH3-64 of its rows, seeded with seed + b. */
uint64_t ep_dedup_band_hash(const uint32_t *sig, int b, int rows, uint64_t seed);
/** Whether a verified earlier document i with agreement a becomes the best match of a document
 *  (is_near: it already has one, best_i with agreement best_a): highest agreement, then smallest
 *  gid. index.c and incr.c must pick the same match. */
static inline int ep_dedup_better_match(int is_near, int a, int best_a, uint32_t i, uint32_t best_i)
{
    return !is_near || a > best_a || (a == best_a && i < best_i);
}
/** Least number of equal slots of two signatures for a verified pair: ceil(threshold * k). */
int ep_dedup_min_agree(const ep_dedup_config *cfg);
/** Hash partitions per band that ep_dedup_index_run uses for n documents of which `eligible`
 *  enter the band tables (a function of the budget only; reported in the profile). */
uint64_t ep_dedup_partitions_per_band(const ep_dedup_config *cfg, size_t n, size_t eligible);
/** The error ep_dedup_index_add raises while adding documents one by one up to n_docs
 *  (EP_ERR_LIMIT: over 2^32-1 documents, or per-document state over half of the budget), or
 *  EP_OK. */
ep_status ep_dedup_check_doc_count(const ep_dedup_config *cfg, size_t n_docs, ep_error *err);

/* ---- Incremental index (incr.c): documents arrive in batches (shards) ---------------------
 *
 * Persistent state over the committed documents (gids 0..n): (hash_lo, hash_hi) -> first gid,
 * and per band the (band hash, gid) keys of the eligible documents (no exact duplicate, at least
 * one shingle) in sorted runs, twice: every key ("all": the references of a run with
 * first_query = n) and the keys still in the band table under the whole-corpus run ("active":
 * in a run with first_query = 0 a document marked near in band b leaves the tables of the
 * bands after b). ep_dedup_incr_query classifies the next batch (gids n..n+m) exactly as
 * ep_dedup_index_run over all n+m documents would with first_query = n (EP_INCR_SHARD) or 0
 * (EP_INCR_CORPUS): same kinds, same matches, same candidate and verified pair counts, reading
 * the runs only at the batch's band hashes; ep_dedup_incr_commit then adds the batch. A shard's
 * figures use the shard rule, the corpus figures the corpus rule. */
typedef struct ep_dedup_incr_s ep_dedup_incr;

typedef enum {
    EP_INCR_SHARD = 0,  /* committed documents are references (all in every band) */
    EP_INCR_CORPUS = 1  /* committed documents as queries of one whole-corpus run */
} ep_incr_rule;

/* The batch's documents classified under one rule. */
typedef struct {
    uint8_t *kind;          /* (n) ep_dup_kind */
    uint32_t *match;        /* (n) exact: first gid with the same bytes; near: best verified
                               earlier gid (highest agreement, then smallest gid); none: own gid */
    uint16_t *near_band;    /* (n) band in which the document was first marked near, else 0xFFFF */
    uint64_t candidate_pairs, verified_pairs;
} ep_dedup_verdicts;

typedef struct {
    size_t base;            /* gid of the batch's first document (committed count at query time) */
    size_t n;               /* documents */
    size_t n_eligible;      /* documents in the band tables */
    uint64_t *h;            /* (bands, n_eligible) band hashes, each band sorted by (h, gid) */
    uint32_t *gid;          /* (bands, n_eligible) */
    ep_dedup_verdicts rule[2]; /* [ep_incr_rule] */
} ep_dedup_batch;

ep_status ep_dedup_incr_create(ep_dedup_incr **out, const ep_dedup_config *cfg, ep_error *err);
void ep_dedup_incr_free(ep_dedup_incr *ix); /* NULL-safe */
size_t ep_dedup_incr_count(const ep_dedup_incr *ix);     /* documents committed */
size_t ep_dedup_incr_eligible(const ep_dedup_incr *ix);  /* of which in the band tables */
/** Classifies m documents (XXH3-128 halves hlo/hhi, empty[i] = no shingle) following the
 *  committed ones under both rules (exact stage, band hashes and sorts are shared).
 *  sig(ctx, gid, buf) gives any signature, committed (gid < base) or of the batch (gid - base);
 *  it is called from up to nthreads threads at once. Fills *b (free it with
 *  ep_dedup_batch_free). Cost: O(m (bands log n + verifications)). */
ep_status ep_dedup_incr_query(const ep_dedup_incr *ix, size_t m, const uint64_t *hlo, const uint64_t *hhi,
                              const uint8_t *empty, ep_dedup_sig_fn sig, void *ctx, int nthreads,
                              ep_dedup_batch *b, ep_error *err);
/** Adds a batch returned by ep_dedup_incr_query on ix in its current state (same hlo/hhi). */
ep_status ep_dedup_incr_commit(ep_dedup_incr *ix, const ep_dedup_batch *b, const uint64_t *hlo,
                               const uint64_t *hhi, ep_error *err);
void ep_dedup_batch_free(ep_dedup_batch *b); /* frees the arrays and zeroes *b */

/** Every set of s (repetition.c) starts with room for at most `keys` keys (default 4096, 0 means
 *  1) and doubles as keys arrive; no count depends on it. Tests set it low to make the sets grow. */
void ep_repetition_scratch_set_start_keys(ep_repetition_scratch *s, size_t keys);

#endif
