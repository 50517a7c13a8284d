/* The scan driver: shards in canonical order, each through the probe lifecycle of
 * include/entroprof/probe.h (create -> pipeline -> merge -> finish -> fold: a record made and
 * applied, scan_record.c), then the corpus section from the folded corpus states. With a partial
 * directory each record is also written there, and a record already there that matches is used
 * instead of scanning the shard again (scan_partial.c). Inside a shard (scan_pipeline.c) one thread
 * reads batches while the others tokenize and run the unordered probes on per-thread states, and
 * each ordered probe observes the documents in canonical order in its own lane. Worker states are
 * merged with exact (integer) merges, so results do not depend on how many threads ran or which
 * documents each one saw. */
#include <stdlib.h>
#include <string.h>

#include "scan/scan_run.h"

ep_status ep_scan(const char *const *inputs, size_t n_inputs, const ep_scan_config *cfg, ep_jv **profile_out,
                  size_t *n_failed, ep_error *err)
{
    *profile_out = NULL;
    if (n_failed) *n_failed = 0;
    if (cfg->partial_dir || cfg->task_count) return ep_scan_partial(inputs, n_inputs, cfg, profile_out, n_failed, err);
    ep_scan_run *run = NULL;
    ep_status st = ep_scan_run_open_sequential(&run, inputs, n_inputs, cfg, err);
    for (size_t i = 0; st == EP_OK && i < run->n_paths; i++) {
        scan_rec rec;
        st = ep_scan_rec_make(&run->c, run->paths[i], &rec, err);
        if (st == EP_OK) st = ep_scan_run_apply(run, &rec, err);
        ep_scan_rec_free(&run->c, &rec);
    }
    if (st == EP_OK) st = ep_scan_run_finish(run, profile_out, n_failed, err);
    ep_scan_run_free(run);
    return st;
}
