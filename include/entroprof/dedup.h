/* entroprof: deduplication. Exact duplicates (XXH3-128 of document bytes) and near duplicates
 * (MinHash LSH over word n-gram shingles of normalized text), plus Gopher repetition signals.
 * docs/dedup.md gives the normalization, the shingling rule, the LSH S-curve, memory growth
 * and the traceability format.
 *
 * Pipeline:  text --ep_minhash_sign--> signature (k x uint32)
 *            signatures in canonical order --ep_dedup_index_add--> index
 *            ep_dedup_index_run: exact groups, band buckets -> candidate pairs -> verification
 *            (estimated Jaccard >= threshold) -> union-find clusters -> per-document result.
 *
 * Duplicate rule (streaming, first occurrence kept): a document is an exact duplicate when an
 * earlier document has the same bytes; else a near duplicate when it has a verified candidate
 * edge to an earlier document. The kept document reported for it is the first document (in
 * canonical order) of its union-find cluster. Every result is a pure function of the documents
 * and the configuration: bit-identical for any thread count and memory budget. */
#ifndef ENTROPROF_DEDUP_H
#define ENTROPROF_DEDUP_H

#include <stdio.h>
#include "common.h"
#include "reader.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Near-duplicate settings. ep_dedup_config_default fills the defaults. */
typedef struct {
    int ngram;            /**< tokens per shingle, 1..64; default 5 (word 5-grams) */
    int bands;            /**< LSH bands b, 1..256; default 14 */
    int rows;             /**< rows per band r, 1..64; default 8. k = bands * rows (default 112) */
    double threshold;     /**< estimated Jaccard needed to accept a candidate, (0, 1]; default 0.72 */
    uint64_t seed;        /**< seed of the shingle hash and of the permutations; default 0 */
    int bucket_cap;       /**< earlier members of a band bucket verified against each document
                               (plus the bucket's first member), 1..1024; default 8 */
    uint64_t mem_bytes;   /**< budget for the index (signatures, per-document state, band tables);
                               0 = 1 GiB. Signatures beyond their share spill to a temp file. */
    const char *tmp_dir;  /**< where spill files go (created and unlinked at once); NULL = $TMPDIR
                               or /tmp */
    int threads;          /**< worker threads for signatures in ep_dedup_run; 0 = OpenMP default */
} ep_dedup_config;

EP_API void ep_dedup_config_default(ep_dedup_config *cfg);
/** @return EP_OK or EP_ERR_ARG with a message naming the bad field. */
EP_API ep_status ep_dedup_config_check(const ep_dedup_config *cfg, ep_error *err);

/* ---- MinHash signatures ------------------------------------------------------------------ */

/** Permutation coefficients (immutable after creation; share between threads). */
typedef struct ep_minhash_s ep_minhash;
/** Per-thread buffers (normalized text, token hashes). One per thread. */
typedef struct ep_minhash_scratch_s ep_minhash_scratch;

EP_API ep_status ep_minhash_create(ep_minhash **out, const ep_dedup_config *cfg, ep_error *err);
EP_API void ep_minhash_free(ep_minhash *mh);   /**< NULL-safe */
EP_API int ep_minhash_k(const ep_minhash *mh); /**< number of permutations = bands * rows */

EP_API ep_minhash_scratch *ep_minhash_scratch_create(void); /**< NULL on allocation failure */
EP_API void ep_minhash_scratch_free(ep_minhash_scratch *s); /**< NULL-safe */

/** Normalizes text for shingling: Unicode NFC + case fold (utf8proc), punctuation and symbols
 *  (categories P*, S*) removed, runs of whitespace/control characters collapsed to one space;
 *  code points of scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer,
 *  Myanmar, Tibetan) become one token each. Tokens are separated by single spaces.
 *  @return pointer to the NUL-terminated result, owned by s (valid until the next call), or
 *  NULL on allocation failure; *out_len its length. */
EP_API const char *ep_dedup_normalize(ep_minhash_scratch *s, const char *text, size_t len, size_t *out_len);

/** Computes the k-slot MinHash signature of text into sig[0..k). Shingles are the n-grams of
 *  normalized tokens (a document with 1..n-1 tokens is one shingle).
 *  @return the number of shingles; 0 when the text has no token (sig is then all UINT32_MAX)
 *  or on allocation failure (*oom set to 1 when oom is not NULL). */
EP_API size_t ep_minhash_sign(const ep_minhash *mh, ep_minhash_scratch *s, const char *text, size_t len,
                              uint32_t *sig, int *oom);

/** Fraction of equal slots, the MinHash estimate of Jaccard similarity. */
EP_API double ep_minhash_jaccard(const uint32_t *a, const uint32_t *b, int k);

/** Probability that two documents of Jaccard similarity s share at least one band bucket:
 *  1 - (1 - s^r)^b (the LSH S-curve, Leskovec, Rajaraman & Ullman, Mining of Massive Datasets,
 *  ch. 3.4). */
EP_API double ep_lsh_candidate_probability(double s, int bands, int rows);

/* ---- Index: exact + near duplicates over documents in canonical order --------------------- */

typedef struct ep_dedup_index_s ep_dedup_index;

typedef enum { EP_DUP_NONE = 0, EP_DUP_EXACT = 1, EP_DUP_NEAR = 2 } ep_dup_kind;

typedef struct {
    ep_dup_kind kind;
    uint32_t kept;          /**< exact: first document with the same bytes; near: first document of
                                 the union-find cluster; none: the document itself */
    double jaccard_kept;    /**< estimated Jaccard with kept (1 for exact) */
    uint32_t match;         /**< near: the earlier document with the highest verified estimate
                                 (ties: the earliest); else = kept */
    double jaccard_match;   /**< its estimate (>= threshold for near) */
} ep_dedup_result;

typedef struct {
    uint64_t docs;                /**< documents added */
    uint64_t sig_docs_in_memory;  /**< signatures held in memory */
    uint64_t sig_docs_spilled;    /**< signatures written to the spill file */
    uint64_t band_passes;         /**< (band, hash partition) passes of the last run */
    uint64_t partitions_per_band; /**< hash partitions per band in the last run (1 = no fallback) */
    uint64_t candidate_pairs;     /**< pairs verified */
    uint64_t verified_pairs;      /**< pairs accepted */
    uint64_t peak_table_bytes;    /**< largest band table of the last run */
} ep_dedup_stats;

EP_API ep_status ep_dedup_index_create(ep_dedup_index **out, const ep_dedup_config *cfg, ep_error *err);
EP_API void ep_dedup_index_free(ep_dedup_index *ix); /**< NULL-safe */

/** Adds the next document in canonical order. sig has k slots; n_shingles == 0 marks a document
 *  without tokens (exact dedup only). hash_lo/hash_hi: XXH3-128 of the document bytes.
 *  *gid_out (may be NULL) receives its 0-based position. @return EP_OK, EP_ERR_NOMEM,
 *  EP_ERR_IO (spill file) or EP_ERR_LIMIT (more than 2^32-1 documents, or per-document state
 *  alone over the budget). */
EP_API ep_status ep_dedup_index_add(ep_dedup_index *ix, const uint32_t *sig, size_t n_shingles,
                                    uint64_t hash_lo, uint64_t hash_hi, uint32_t *gid_out, ep_error *err);

/** Finds duplicates for the documents with gid >= first_query (earlier documents serve only as
 *  references: e.g. earlier shards). Band tables are sized from the budget left after the
 *  signatures; when one band does not fit, each band is processed in several hash partitions.
 *  May be called again after more adds. */
EP_API ep_status ep_dedup_index_run(ep_dedup_index *ix, uint32_t first_query, ep_error *err);

/** Result of document gid (gid >= first_query of the last run). */
EP_API void ep_dedup_index_result(const ep_dedup_index *ix, uint32_t gid, ep_dedup_result *res);
EP_API uint32_t ep_dedup_index_count(const ep_dedup_index *ix);
EP_API void ep_dedup_index_stats(const ep_dedup_index *ix, ep_dedup_stats *st);

/* ---- Traceability run over files (entroprof dedup) ---------------------------------------- */

/** Reads every shard of inputs (ep_list_shards order, documents in file order), finds exact and
 *  near duplicates across all of them and writes one JSON line per duplicate document to out:
 *  {"shard":PATH,"index":I,"line":L,"offset":B,"id":ID?,"kind":"exact"|"near",
 *   "kept":{"shard":PATH,"index":I,"line":L,"offset":B,"id":ID?},"jaccard":J,
 *   "match":{...same fields...},"match_jaccard":J}   ("match" only for near duplicates).
 *  Lines are in canonical order of the duplicate. stats_out (may be NULL) gets the counters;
 *  n_docs/n_exact/n_near (may be NULL) the totals. A shard that fails to read stops the run
 *  with its error (positions would otherwise be ambiguous). */
EP_API ep_status ep_dedup_run(const char *const *inputs, size_t n_inputs, const ep_reader_config *rcfg,
                              const ep_dedup_config *cfg, FILE *out, uint64_t *n_docs, uint64_t *n_exact,
                              uint64_t *n_near, ep_dedup_stats *stats_out, ep_error *err);

/* ---- Gopher repetition signals (Rae et al. 2021, table A1; datatrove GopherRepetitionFilter) - */

/** Integer counts of one document; fractions are ratios of these (chars are code points). */
typedef struct {
    uint64_t chars;                 /**< code points of the document */
    uint64_t lines;                 /**< lines (split at '\n'; empty lines skipped) */
    uint64_t dup_lines;             /**< lines equal to an earlier line of the document */
    uint64_t dup_line_chars;        /**< code points in those lines */
    uint64_t top_ngram_chars[3];    /**< n = 2,3,4: chars of the most frequent word n-gram (words
                                         joined by one space) times its count */
    uint64_t dup_ngram_chars[6];    /**< n = 5..10: chars (words, no spaces) of repeated n-grams,
                                         greedy left to right as datatrove find_all_duplicate */
} ep_repetition_counts;

typedef struct ep_repetition_scratch_s ep_repetition_scratch;
EP_API ep_repetition_scratch *ep_repetition_scratch_create(void);
EP_API void ep_repetition_scratch_free(ep_repetition_scratch *s);
/** Computes the counts of one document. @return EP_OK or EP_ERR_NOMEM. */
EP_API ep_status ep_repetition_doc(ep_repetition_scratch *s, const char *text, size_t len,
                                   ep_repetition_counts *c);

#ifdef __cplusplus
}
#endif
#endif
