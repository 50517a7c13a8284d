/* The split-scan run's private parts (include/entroprof/partial.h), shared by src/scan/scan*.c. */
#ifndef EP_SCAN_SCAN_RUN_H
#define EP_SCAN_SCAN_RUN_H

#include "scan/scan_internal.h"

struct ep_scan_run_s {
    scan_ctx c;
    ep_tokenizer *tok;
    char **paths;            /* (n_paths) canonical order */
    size_t n_paths;
    uint64_t *sizes;         /* (n_paths) bytes on disk when listed (0: stdin or unreadable) */
    uint64_t config_hash;    /* what a record must have been made with */
    ep_jv *profile, *warnings, *shards; /* the profile being built (warnings, shards inside it) */
    size_t next;             /* the next shard to add */
    size_t failed, partial;  /* shards added that could not be read / where a probe gave up */
    ep_reader_counters total;
    /* a run opened from a manifest owns its configuration */
    ep_scan_config own_cfg;
    char *own_tokenizer, *own_field, *own_id_field, *own_probes;
};

/* Opens a run that allows cfg->dedup_estimators (ep_scan in one process, shards in order). */
ep_status ep_scan_run_open_sequential(ep_scan_run **out, const char *const *inputs, size_t n_inputs,
                                      const ep_scan_config *cfg, ep_error *err);
/* rec as the whole partial file of shard i (header, body, checksum), appended to w. */
ep_status ep_scan_run_rec_bytes(ep_scan_run *run, size_t i, const scan_rec *rec, ep_wbuf *w, ep_error *err);
/* Applies an in-memory record as the next shard (takes its states). */
ep_status ep_scan_run_apply(ep_scan_run *run, scan_rec *rec, ep_error *err);
/* ep_scan with cfg->partial_dir or cfg->task_count (scan_partial.c). */
ep_status ep_scan_partial(const char *const *inputs, size_t n_inputs, const ep_scan_config *cfg, ep_jv **profile_out,
                          size_t *n_failed, ep_error *err);
/* A whole file into memory (malloc'd). @return EP_OK, EP_ERR_NOTFOUND, EP_ERR_IO or EP_ERR_NOMEM. */
ep_status ep_scan_read_file(const char *path, unsigned char **data, size_t *len, ep_error *err);

#endif
