/* What `scan`, `merge` and entroprof-mpi do with a finished profile: write it, print the ranked
 * table, the warnings, the shards that failed and the probes that gave up, and choose the exit
 * status. */
#ifndef EP_CLI_PROFILE_OUTPUT_H
#define EP_CLI_PROFILE_OUTPUT_H

#include <stddef.h>

#include "entroprof/json.h"

/** Writes profile to out (a file by ep_jv_save_file's rules, or stdout when out is NULL or "-";
 *  compact: one line) and, unless quiet, the table of `entroprof rank` (to stdout when the profile
 *  went to a file, else to stderr); then one stderr line per warning, failed shard and probe that
 *  gave up, each prefixed "entroprof CMD: ". @return EP_EXIT_OK, EP_EXIT_SHARD_FAILED (failed > 0
 *  or a probe gave up) or EP_EXIT_FATAL (the profile could not be written; said why). */
int ep_cli_emit_profile(const char *cmd, const ep_jv *profile, const char *out, int compact, int quiet, size_t failed);

/** An ep_note_fn (scan_config.h): "entroprof: MSG" on stderr. */
void ep_cli_print_note(void *user, const char *msg);

#endif
