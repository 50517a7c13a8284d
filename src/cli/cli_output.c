/* Signal cleanup of temporary output files and the final check of stdout (see cli_output.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli_output.h"
#include "cli/commands.h"
#include "entroprof/outfile.h"

/* Async-signal-safe: ep_outfile_remove_temps only unlinks; raise is safe. SA_RESETHAND has
 * restored the default action, so the re-raised signal (pending until we return) ends the process. */
static void on_fatal_signal(int sig)
{
    ep_outfile_remove_temps();
    raise(sig);
}

void ep_cli_install_signal_cleanup(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old, sa;
        if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN) continue; /* e.g. nohup */
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND;
        sigaction(sigs[i], &sa, NULL);
    }
}

int ep_cli_close_stdout(int rc)
{
    int earlier = ferror(stdout); /* a buffered write failed earlier; its errno is gone */
    int e = 0;
    errno = 0;
    if (fflush(stdout) != 0) e = errno;
    errno = 0;
    if (fclose(stdout) != 0 && !e) e = errno;
    if (!earlier && !e) return rc;
    if (rc != EP_EXIT_FATAL)
        fprintf(stderr, "entroprof: cannot write standard output: %s\n", e ? strerror(e) : "write error");
    return EP_EXIT_FATAL;
}
