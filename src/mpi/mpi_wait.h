/* Waiting for MPI without holding a core. Open MPI's blocking calls (MPI_Send, MPI_Recv,
 * MPI_Wait, MPI_Allreduce) poll in a loop until the message moves: a rank waiting for rank 0 to
 * take a record, rank 0 waiting for a record that is still being scanned, or every rank waiting
 * while rank 0 finishes, each keeps a core busy that the scan on the same machine needs. Measured on
 * 2 cores shared with other work (load 7-9; bench/bench_scale.sh, EP_BENCH_MB=16): -np 2 took
 * 43.6 s against 25.0 s for -np 1 with blocking waits, 29.5 s against 30.5 s with these. These
 * waits test the request (which also moves the message) with a sleep between tests that grows from
 * 20 us to 1 ms: at most 1 ms of latency per record. */
#ifndef EP_MPI_WAIT_H
#define EP_MPI_WAIT_H

#include <mpi.h>
#include <time.h>

/** Waits until req completed. (Inline, and ends with MPI_Wait on the completed, now null, request,
 *  so that clang's MPI checker sees the request waited for.) */
static inline void ep_mpi_wait_quietly(MPI_Request *req)
{
    long sleep_ns = 20000;
    int done = 0;
    while (MPI_Test(req, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done) {
        struct timespec ts = {0, sleep_ns};
        nanosleep(&ts, NULL);
        if (sleep_ns < 1000000) sleep_ns *= 2;
    }
    MPI_Wait(req, MPI_STATUS_IGNORE);
}

/** The largest of v over the ranks of MPI_COMM_WORLD (collective: every rank calls it). */
int ep_mpi_max_quietly(int v);

#endif
