/* entroprof-mpi scan --partial DIR: each rank keeps its records in DIR as files, so that a job that
 * died can be run again (shards whose file still matches are not scanned again) or merged with
 * `entroprof merge DIR` (docs/scale-out.md). The names and the manifest are the library's
 * (ep_partial_file_name, EP_PARTIAL_MANIFEST); every file is written atomically (ep_outfile:
 * temporary file, fsync, rename). */
#ifndef EP_MPI_PARTIAL_DIR_H
#define EP_MPI_PARTIAL_DIR_H

#include <stddef.h>

#include "entroprof/common.h"

/** Creates DIR and its missing parents (mkdir -p; several ranks may race). @return EP_OK, EP_ERR_IO. */
ep_status ep_mpi_partial_mkdir(const char *dir, ep_error *err);

/** DIR's manifest is `manifest` (len bytes): written when DIR has none; an existing one must be the
 *  same bytes, else EP_ERR_ARG (DIR holds another scan's partial states), as `scan --partial`. */
ep_status ep_mpi_partial_manifest(const char *dir, const void *manifest, size_t len, ep_error *err);

/** Writes DIR/NAME atomically. @return EP_OK or EP_ERR_IO / EP_ERR_NOMEM with err naming the file. */
ep_status ep_mpi_partial_write(const char *dir, const char *name, const void *bytes, size_t len,
                               ep_error *err);

/** Reads DIR/NAME whole into *bytes (malloc'd, the caller frees it) and *len.
 *  @return EP_OK; EP_ERR_NOTFOUND when there is no such file; EP_ERR_IO / EP_ERR_NOMEM. */
ep_status ep_mpi_partial_read(const char *dir, const char *name, unsigned char **bytes, size_t *len,
                              ep_error *err);

#endif
