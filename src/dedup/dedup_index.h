/* The dedup module's interface to the layers above it (the near_dedup probe): the signature
 * store and the incremental index over documents that arrive in batches. Not public API: the
 * probe layer may include it, nothing below it (src/README.md). */
#ifndef EP_DEDUP_INDEX_H
#define EP_DEDUP_INDEX_H

#include <stdint.h>
#include <stdio.h>

#include "entroprof/dedup.h"

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

#endif
