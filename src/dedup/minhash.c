/* MinHash signatures over n-gram shingles of normalized text (normalization in normalize.c).
 *
 * One 64-bit hash per shingle (XXH3 of the n token hashes, seeded), then k cheap permutations
 * of that hash: pi_i(x) = hi32((x XOR s_i) * m_i mod 2^64), m_i odd, s_i and m_i drawn from a
 * seeded SplitMix64 stream (base/rng.h). x is already a strong hash, so a multiply-shift family per slot
 * suffices for min-wise behaviour; tests/unit/test_dedup.c checks the Jaccard estimate against
 * the exact Jaccard of random sets. sig[i] = min over shingles of pi_i (Broder 1997). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "base/xxh.h"
#include "dedup/dedup_internal.h"

struct ep_minhash_s {
    int k;
    int ngram;
    uint64_t seed;
    uint32_t *add;   /* (k) b_i */
    uint32_t *mul;   /* (k) a_i, odd */
};

ep_status ep_minhash_create(ep_minhash **out, const ep_dedup_config *cfg, ep_error *err)
{
    *out = NULL;
    ep_status st = ep_dedup_config_check(cfg, err);
    if (st != EP_OK) return st;
    ep_minhash *mh = calloc(1, sizeof *mh);
    if (!mh) return ep_error_set(err, EP_ERR_NOMEM, "minhash: out of memory");
    mh->k = cfg->bands * cfg->rows;
    mh->ngram = cfg->ngram;
    mh->seed = cfg->seed;
    mh->add = malloc(sizeof(uint32_t) * (size_t)mh->k);
    mh->mul = malloc(sizeof(uint32_t) * (size_t)mh->k);
    if (!mh->add || !mh->mul) {
        ep_minhash_free(mh);
        return ep_error_set(err, EP_ERR_NOMEM, "minhash: out of memory");
    }
    uint64_t rng = cfg->seed ^ 0x6D696E68617368ull; /* "minhash" */
    for (int i = 0; i < mh->k; i++) {
        mh->add[i] = (uint32_t)ep_rng_u64(&rng);
        mh->mul[i] = (uint32_t)ep_rng_u64(&rng) | 1u;
    }
    *out = mh;
    return EP_OK;
}

void ep_minhash_free(ep_minhash *mh)
{
    if (!mh) return;
    free(mh->add);
    free(mh->mul);
    free(mh);
}

int ep_minhash_k(const ep_minhash *mh) { return mh->k; }

/* Min-update of the k slots with one shingle hash: pi_i(x) = g((uint32)x * a_i + b_i mod 2^32)
 * with g(v) = v ^ (v >> 16) (a bijection that lets the high bits feel the low ones). 32-bit
 * lanes so that the loop vectorizes (8 lanes with AVX2; the target_clones attribute picks the
 * AVX2 body at load time where the CPU has it; results are identical either way). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx2", "default")))
#endif
static void sig_update(uint32_t *restrict sig, const uint32_t *restrict as, const uint32_t *restrict bs, int k,
                       uint32_t x)
{
    for (int i = 0; i < k; i++) {
        uint32_t v = x * as[i] + bs[i];
        v ^= v >> 16;
        sig[i] = v < sig[i] ? v : sig[i];
    }
}

size_t ep_minhash_sign(const ep_minhash *mh, ep_minhash_scratch *s, const char *text, size_t len,
                       uint32_t *sig, int *oom)
{
    if (oom) *oom = 0;
    for (int i = 0; i < mh->k; i++) sig[i] = UINT32_MAX;
    size_t nlen = 0;
    const char *norm = ep_dedup_normalize(s, text, len, &nlen);
    if (!norm) {
        if (oom) *oom = 1;
        return 0;
    }
    (void)norm;
    size_t ntok = s->ntok; /* token hashes were taken during normalization */
    if (ntok == 0) return 0;
    size_t n = (size_t)mh->ngram;
    if (ntok < n) n = ntok; /* short document: one shingle of all its tokens */
    size_t nsh = ntok - n + 1;
    for (size_t i = 0; i < nsh; i++) {
        uint64_t x = XXH3_64bits_withSeed(s->th + i, n * sizeof(uint64_t), mh->seed);
        sig_update(sig, mh->mul, mh->add, mh->k, (uint32_t)(x ^ (x >> 32)));
    }
    return nsh;
}

double ep_minhash_jaccard(const uint32_t *a, const uint32_t *b, int k)
{
    return (double)ep_sig_agree(a, b, k) / (double)k;
}

int ep_sig_agree(const uint32_t *a, const uint32_t *b, int k)
{
    int eq = 0;
    for (int i = 0; i < k; i++) eq += a[i] == b[i];
    return eq;
}

double ep_lsh_candidate_probability(double s, int bands, int rows)
{
    double p = 1.0;
    for (int i = 0; i < rows; i++) p *= s;
    double miss = 1.0;
    for (int i = 0; i < bands; i++) miss *= 1.0 - p;
    return 1.0 - miss;
}

void ep_dedup_config_default(ep_dedup_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->ngram = 5;
    cfg->bands = 14;
    cfg->rows = 8;
    cfg->threshold = 0.72;
    cfg->seed = 0;
    cfg->bucket_cap = 8;
    cfg->mem_bytes = 0;
    cfg->tmp_dir = NULL;
    cfg->threads = 0;
}

ep_status ep_dedup_config_check(const ep_dedup_config *cfg, ep_error *err)
{
    if (cfg->ngram < 1 || cfg->ngram > 64) return ep_error_set(err, EP_ERR_ARG, "dedup: ngram %d not in 1..64", cfg->ngram);
    if (cfg->bands < 1 || cfg->bands > 256) return ep_error_set(err, EP_ERR_ARG, "dedup: bands %d not in 1..256", cfg->bands);
    if (cfg->rows < 1 || cfg->rows > 64) return ep_error_set(err, EP_ERR_ARG, "dedup: rows %d not in 1..64", cfg->rows);
    if (!(cfg->threshold > 0.0 && cfg->threshold <= 1.0))
        return ep_error_set(err, EP_ERR_ARG, "dedup: threshold %g not in (0, 1]", cfg->threshold);
    if (cfg->bucket_cap < 1 || cfg->bucket_cap > 1024)
        return ep_error_set(err, EP_ERR_ARG, "dedup: bucket_cap %d not in 1..1024", cfg->bucket_cap);
    if (cfg->threads < 0) return ep_error_set(err, EP_ERR_ARG, "dedup: threads %d < 0", cfg->threads);
    return EP_OK;
}
