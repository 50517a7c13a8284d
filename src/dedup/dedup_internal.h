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

/** Where an index reads signatures when they live elsewhere (the near_dedup probe's stores):
 *  returns signature gid, pointing into memory or into buf (k slots), or NULL on a read error. */
typedef const uint32_t *(*ep_dedup_sig_fn)(void *ctx, size_t gid, uint32_t *buf);
/** Makes ix read signatures through fn instead of its own store; call before the first add, then
 *  add with sig == NULL. Saves copying every earlier shard's signatures at each shard's finish.
 *  Budget arithmetic (partitions, limits) is unchanged: it counts the signatures wherever they are. */
void ep_dedup_index_borrow_sigs(ep_dedup_index *ix, ep_dedup_sig_fn fn, void *ctx);

#endif
