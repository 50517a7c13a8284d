/* What the CLI does around every command so that no output is lost silently or left half-written:
 * signal cleanup of temporary output files, and the final check of standard output. */
#ifndef EP_CLI_OUTPUT_H
#define EP_CLI_OUTPUT_H

/** Installs handlers for SIGINT, SIGTERM and SIGHUP (those not ignored at start) that remove the
 *  registered temporary output files (ep_outfile_remove_temps) and then die by the same signal,
 *  so the exit status still says which signal it was. */
void ep_cli_install_signal_cleanup(void);

/** Flushes and closes stdout after a command returned rc. A write error on stdout (now or earlier,
 *  e.g. `> /dev/full`) prints "entroprof: cannot write standard output: REASON" (unless the command
 *  already failed fatally and said why) and turns rc into EP_EXIT_FATAL. @return the exit status. */
int ep_cli_close_stdout(int rc);

#endif
