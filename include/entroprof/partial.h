/* entroprof: a scan split into shards that may run in different processes or on different machines
 * (docs/scale-out.md), and the partial-state files between them (docs/partial-format.md).
 *
 * A run holds what every part of a split scan shares: the configuration, the tokenizer, the
 * canonical list of shards (the order of one `scan` of the same inputs) and the corpus states of
 * the probes. One shard is scanned into a *record* (the bytes of one partial file: header with the
 * configuration's and the input's identity, the probes' kept states and JSON, an XXH3 checksum);
 * records are added to a run in canonical order, whichever process made them; the profile is then
 * byte-identical to the one `ep_scan` writes for the same inputs and configuration.
 *
 *   ep_scan_run_open          (every process: walk the inputs, same list everywhere)
 *   ep_scan_run_shard         (any process, any shard, any order)  -> record
 *   ep_scan_run_add           (one process, shards 0, 1, ..., n-1)  <- record
 *   ep_scan_run_finish        -> the profile
 *
 * ep_scan (scan.h) is this loop in one process; with cfg->partial_dir it also writes each record to
 * that directory as a file (atomically) and reuses a matching file instead of scanning the shard
 * again (resume); with cfg->task_count it scans only its task's shards and builds no profile.
 * ep_merge_partials builds the profile from directories of records. */
#ifndef ENTROPROF_PARTIAL_H
#define ENTROPROF_PARTIAL_H

#ifndef EP_STATIC_LINKING_ONLY
#error "entroprof/partial.h is experimental: define EP_STATIC_LINKING_ONLY, link entroprof_static"
#endif

#include "common.h"
#include "json.h"
#include "scan_config.h"
#include "serial.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ep_scan_run_s ep_scan_run;

/** Checks cfg, opens the tokenizer, lists the shards of inputs in canonical order and creates the
 *  probes' corpus states. cfg (and the strings it points to) must outlive the run. Refuses
 *  cfg->dedup_estimators (which documents an estimator sees would depend on every earlier shard's
 *  documents: it needs one sequential pass). */
EP_STATIC_API ep_status ep_scan_run_open(ep_scan_run **out, const char *const *inputs, size_t n_inputs,
                                         const ep_scan_config *cfg, ep_error *err);
/** Opens the run that the manifest of a partial directory describes (its configuration and shard
 *  list), for ep_merge_partials and tools that add records made elsewhere. */
EP_STATIC_API ep_status ep_scan_run_open_manifest(ep_scan_run **out, const void *manifest, size_t len,
                                                  ep_error *err);
/** The manifest of this run: the bytes ep_scan_run_open_manifest reads (docs/partial-format.md). */
EP_STATIC_API ep_status ep_scan_run_manifest(const ep_scan_run *run, ep_wbuf *w, ep_error *err);
EP_STATIC_API void ep_scan_run_free(ep_scan_run *run); /**< NULL-safe */

/** Shards in canonical order; the path and size (bytes on disk when listed, 0 for stdin) of shard i. */
EP_STATIC_API size_t ep_scan_run_shards(const ep_scan_run *run);
EP_STATIC_API const char *ep_scan_run_shard_path(const ep_scan_run *run, size_t i);
EP_STATIC_API uint64_t ep_scan_run_shard_size(const ep_scan_run *run, size_t i);

/** Task `task` of `ntasks` (0 <= task < ntasks): a deterministic, size-balanced share of the shards
 *  (largest first, each to the task with the fewest bytes so far, ties to the lower task), the same
 *  in every process that lists the same shards. *idx (malloc'd, the caller frees it) gets the
 *  task's shard indices in increasing order. */
EP_STATIC_API ep_status ep_scan_run_task(const ep_scan_run *run, size_t task, size_t ntasks, size_t **idx,
                                         size_t *n, ep_error *err);

/** Scans shard i and appends its record (a whole partial file) to w. A shard that cannot be read
 *  is not an error here: its record says so, as the profile will. @return EP_OK or a fatal status
 *  (out of memory, a tokenizer failure). */
EP_STATIC_API ep_status ep_scan_run_shard(ep_scan_run *run, size_t i, ep_wbuf *w, ep_error *err);

/** Checks that a record is shard i's record of this run: intact (checksum), of this format version,
 *  made with this configuration, for this shard's path. @return EP_OK, or EP_ERR_CORRUPT /
 *  EP_ERR_FORMAT / EP_ERR_ARG with err naming what differs. Does not look at the input file. */
EP_STATIC_API ep_status ep_scan_run_check_record(const ep_scan_run *run, size_t i, const void *rec, size_t len,
                                                 ep_error *err);
/** Whether the record still matches the input on disk (size, mtime, content fingerprint): 1 yes, 0
 *  no (reason in err), for resume. */
EP_STATIC_API int ep_scan_run_record_is_current(const ep_scan_run *run, size_t i, const void *rec, size_t len,
                                                ep_error *err);

/** Adds shard i's record: i must be the next shard in canonical order (0, 1, ...). The record is
 *  checked first (ep_scan_run_check_record). */
EP_STATIC_API ep_status ep_scan_run_add(ep_scan_run *run, size_t i, const void *rec, size_t len, ep_error *err);

/** The profile, once every shard was added. *n_failed: shards that could not be read. */
EP_STATIC_API ep_status ep_scan_run_finish(ep_scan_run *run, ep_jv **profile, size_t *n_failed, ep_error *err);

/** The name of shard i's file in a partial directory: "shard-<i, 8 digits>-<xxh64 of path, 16 hex>.epp". */
EP_STATIC_API void ep_partial_file_name(const ep_scan_run *run, size_t i, char *buf, size_t cap);
#define EP_PARTIAL_MANIFEST "manifest.epm"

/** Makes DIR (and missing parents) and checks its manifest against this run's: written when DIR has
 *  none (atomically; concurrent tasks write the same bytes), else it must be the same bytes
 *  (EP_ERR_ARG: DIR holds another scan's partial states). Refuses a run with stdin ('-') as a
 *  shard (EP_ERR_ARG). */
EP_STATIC_API ep_status ep_partial_dir_prepare(const ep_scan_run *run, const char *dir, ep_error *err);
/** Writes shard i's record into DIR under ep_partial_file_name, atomically (temporary file, fsync,
 *  rename, fsync of DIR: include/entroprof/outfile.h). */
EP_STATIC_API ep_status ep_partial_dir_write(const ep_scan_run *run, const char *dir, size_t i, const void *rec,
                                             size_t len, ep_error *err);
/** Reads shard i's record file from DIR whole into *rec (malloc'd; the caller frees it).
 *  @return EP_OK, EP_ERR_NOTFOUND (no such file), EP_ERR_IO or EP_ERR_NOMEM. Checks nothing: see
 *  ep_scan_run_check_record and ep_scan_run_record_is_current. */
EP_STATIC_API ep_status ep_partial_dir_read(const ep_scan_run *run, const char *dir, size_t i, unsigned char **rec,
                                            size_t *len, ep_error *err);

/** Builds the profile from partial directories (`entroprof merge DIR... -o`): the manifests must be
 *  identical; every shard's record must be in one of the directories (the first one found is used),
 *  match the manifest and be intact. A missing, mismatched or corrupt record is an error that names
 *  it; nothing is merged then. */
EP_STATIC_API ep_status ep_merge_partials(const char *const *dirs, size_t n_dirs, ep_jv **profile,
                                          size_t *n_failed, ep_error *err);

#ifdef __cplusplus
}
#endif
#endif
