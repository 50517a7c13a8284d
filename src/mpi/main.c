/* entroprof-mpi: `entroprof scan` over the ranks of an MPI job (mpirun, srun). One command, `scan`;
 * every rank runs this program with the same arguments and exits with the same status (the worst
 * of the ranks'). */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli_output.h"
#include "cli/commands.h"
#include "entroprof/common.h"
#include "mpi/mpi_scan.h"
#include "mpi/mpi_wait.h"

static const char USAGE[] =
    "entroprof-mpi %s: entroprof scan spread over the ranks of an MPI job\n"
    "\n"
    "usage: mpirun -np R entroprof-mpi scan [OPTIONS] PATH... [-o PROFILE.json]\n"
    "       entroprof-mpi --help | --version\n"
    "\n"
    "'entroprof-mpi scan --help' lists the options (those of `entroprof scan`).\n"
    "Exit status (the same on every rank: the worst of the ranks'): 0 success, 1 some input failed\n"
    "(profile still written), 2 bad usage, 3 fatal error.\n";

/* @return this rank's exit status. Only rank 0 prints help, version and usage errors. */
static int run(int argc, char **argv, int rank, int nranks, int mpi_threads)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;
    if (cmd && !strcmp(cmd, "scan")) return ep_mpi_scan(argc - 1, argv + 1, rank, nranks, mpi_threads);
    if (cmd && (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help"))) {
        if (rank == 0) printf(USAGE, EP_VERSION_STRING);
        return EP_EXIT_OK;
    }
    if (cmd && (!strcmp(cmd, "--version") || !strcmp(cmd, "version"))) {
        if (rank == 0) printf("entroprof-mpi %s\n", EP_VERSION_STRING);
        return EP_EXIT_OK;
    }
    if (rank == 0) {
        if (cmd) fprintf(stderr, "entroprof-mpi: unknown command '%s'\n", cmd);
        fprintf(stderr, USAGE, EP_VERSION_STRING);
    }
    return EP_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    /* MPI is called by the main thread and, while a rank sends its records, by the outbox's thread
     * alone (mpi_records.h); OpenMP threads inside a rank never call it. MULTIPLE is asked for so
     * that an abort from the main thread while the outbox sends is allowed; SERIALIZED suffices. */
    int provided = MPI_THREAD_SINGLE, rank = 0, nranks = 1;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    ep_cli_install_signal_cleanup();
    int rc = ep_cli_close_stdout(run(argc, argv, rank, nranks, provided >= MPI_THREAD_SERIALIZED));
    int worst = ep_mpi_max_quietly(rc); /* while rank 0 finishes, the others sleep (mpi_wait.h) */
    MPI_Finalize();
    return worst;
}
