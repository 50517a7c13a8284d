/* Input expansion with warnings (symlink loops, dangling links); unreadable directories and entries
 * are kept in the list, so that they fail as shards. */
#ifndef EP_IO_WALK_H
#define EP_IO_WALK_H

#include "entroprof/json.h"
#include "entroprof/reader.h"

/** Like ep_list_shards; warnings (strings) are appended to the array `warnings` when non-NULL. */
ep_status ep_walk_inputs(const char *const *inputs, size_t n_inputs, char ***out, size_t *n_out, ep_jv *warnings,
                         ep_error *err);

#endif
