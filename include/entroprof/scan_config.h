/* entroprof: what a scan is asked to do (ep_scan_config) and how it reports progress. Its own
 * header because the probes read it (probe.h) and the scan driver (scan.h) sits above the probes;
 * ep_scan_config_default and ep_scan_config_check are declared in scan.h. */
#ifndef ENTROPROF_SCAN_CONFIG_H
#define ENTROPROF_SCAN_CONFIG_H

#include "common.h"
#include "reader.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Progress report, delivered from the reading thread about every 1/6 s when enabled. */
typedef struct {
    uint64_t input_bytes_done;  /**< raw bytes consumed, all shards */
    uint64_t input_bytes_total; /**< sum of file sizes (0 when unknown, e.g. stdin) */
    uint64_t decoded_bytes_done;
    size_t shards_done;
    size_t shards_total;
    double seconds;             /**< since the scan began */
    int final;                  /**< 1 on the last call */
} ep_progress;

typedef void (*ep_progress_fn)(void *user, const ep_progress *p);
/** A message for the user that is not part of the profile (a partial file reused or refused). */
typedef void (*ep_note_fn)(void *user, const char *msg);

/** Every scan setting, with its unit and range. ep_scan_config_default fills defaults. */
typedef struct {
    ep_reader_config reader;
    const char *tokenizer;      /**< name or path; see tokenizer.h */
    int threads;                /**< worker threads; 0 = OpenMP default */
    uint64_t mem_bytes;         /**< memory budget for probe state; 0 = min(1/4 of physical RAM, 2 GiB) */
    size_t batch_bytes;         /**< text bytes per work batch; default 4 MiB; no effect on results */
    int zstd_level;             /**< compression probe level, 1..22 (others are refused); default 3 */
    int zstd_strong_level;      /**< strong compression bound level, 0 = off; default 19 */
    int zstd_long;              /**< --long window log for compression probes; 0 = off (10..31) */
    double zstd_strong_fraction; /**< strong level runs on this fraction of documents, chosen by content
                                      hash (0 < f <= 1); default 1/32 */
    int ngram_order;            /**< K of the n-gram ladder; 0 = by tokenizer (8 bytes/chars, 5 else) */
    double heldout_fraction;    /**< fraction of documents (by content hash) held out; default 0.1 */
    int lm_enable;              /**< tiny-model pass; default 0 */
    uint64_t lm_tokens;         /**< token budget of the tiny-model sample per shard */
    uint64_t seed;              /**< seed of every hash-based sampling decision; default 0 */
    const char *probes;         /**< comma list of registry names to enable only these (NULL = defaults;
                                     "counts" always runs; unknown names are refused) */
    uint64_t ngram_sample_tokens; /**< n-gram ladder: at most about this many tokens per shard (and for
                                       the corpus), a content-hashed document sample; 0 = only the
                                       memory budget limits it; default 4M */
    int dedup_estimators;       /**< 1: estimator probes skip documents whose bytes equal an earlier
                                     document's (canonical order); counts and dedup probes see all */
    const char *partial_dir;    /**< write one partial-state file per shard here (created if missing)
                                     and reuse the files that match (resume); NULL = none
                                     (include/entroprof/partial.h, docs/scale-out.md) */
    size_t task_index, task_count; /**< task_count > 0: scan only task task_index's share of the shards
                                        (ep_scan_run_task) into partial_dir, build no profile */
    ep_progress_fn progress;    /**< NULL = none */
    void *progress_user;        /**< passed to progress and note */
    ep_note_fn note;            /**< NULL = none */
    int verbose;                /**< 0 quiet, 1 normal, 2 plan and timings in the profile */
} ep_scan_config;

#ifdef __cplusplus
}
#endif
#endif
