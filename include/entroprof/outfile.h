/* entroprof: writing an output file safely (every file the CLI writes goes through here).
 *
 * Rules, by what PATH is when ep_outfile_open looks at it (lstat, so a symlink is seen as one):
 *  1. "-": standard output; commit flushes it and reports a write error (it is not closed).
 *  2. missing or a regular file: written to "PATH.tmp.PID" in the same directory (created with
 *     O_EXCL, mode 0666 less umask), flushed and fsync'ed, renamed onto PATH, then the directory
 *     is fsync'ed. A reader sees the old file or the whole new one, never half of one.
 *  3. anything else (symlink, character or block device, FIFO, socket): written through, i.e. PATH
 *     is opened for writing (O_WRONLY|O_TRUNC, no O_CREAT: a dangling symlink is an error) and
 *     written in place. PATH is never replaced, so a device node stays a device and a symlink stays
 *     a symlink; a symlink's target is truncated and rewritten, not atomically. A directory fails.
 * While a temporary file exists its name is registered; ep_outfile_remove_temps() unlinks every
 * registered one and is async-signal-safe, so a program's SIGINT/SIGTERM handler can call it and
 * then re-raise (the library installs no handler). At most EP_OUTFILE_MAX_TEMPS temporary files
 * are registered at once; more still work but are not cleaned up on a signal.
 *
 * Lifecycle: ep_outfile_open -> write to ep_outfile_stream() -> ep_outfile_commit (success) or
 * ep_outfile_abort (discard). Both free the handle. One handle per thread. */
#ifndef ENTROPROF_OUTFILE_H
#define ENTROPROF_OUTFILE_H

#include <stdio.h>
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EP_OUTFILE_MAX_TEMPS 8

typedef struct ep_outfile_s ep_outfile;

/** Opens PATH for writing by the rules above.
 *  @return EP_OK and *out set; else EP_ERR_IO (message names the path and the reason),
 *          EP_ERR_NOMEM, EP_ERR_ARG (empty path). */
EP_API ep_status ep_outfile_open(const char *path, ep_outfile **out, ep_error *err);

/** The stream to write to; owned by the handle (do not fclose it). */
EP_API FILE *ep_outfile_stream(ep_outfile *o);

/** Finishes the file: checks the stream for write errors, flushes, fsyncs (regular files), closes,
 *  renames the temporary file onto PATH and fsyncs the directory. On any failure the temporary file
 *  is removed and PATH is left as it was (for rule 3, what was written stays written).
 *  Frees o (NULL-safe: returns EP_ERR_ARG). @return EP_OK or EP_ERR_IO with a message. */
EP_API ep_status ep_outfile_commit(ep_outfile *o, ep_error *err);

/** Discards: closes the stream and removes the temporary file (PATH untouched). NULL-safe; frees o. */
EP_API void ep_outfile_abort(ep_outfile *o);

/** Unlinks every registered temporary file. Async-signal-safe (only atomics and unlink(2));
 *  for a signal handler. Handles stay valid; their later commit fails, abort is harmless. */
EP_API void ep_outfile_remove_temps(void);

#ifdef __cplusplus
}
#endif
#endif
