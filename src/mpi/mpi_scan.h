/* entroprof-mpi scan: `entroprof scan` spread over the ranks of an MPI job (docs/scale-out.md).
 *
 * Stages, in every rank:
 *   1. parse scan's options (src/cli/scan_options.c; rank 0 prints what is wrong, all return it);
 *   2. open the same run (ep_scan_run_open) and check that every rank lists the same shards (rank
 *      0 broadcasts its manifest);
 *   3. take this rank's size-balanced share (ep_scan_run_task(run, rank, R));
 *   4. make each of its records (reused from --partial DIR when still current, else scanned, then
 *      written there) in increasing shard order, and send it to rank 0 (mpi_records.h);
 *   5. rank 0 adds the records of shards 0..n-1 in canonical order, its own or received, then
 *      finishes and writes the profile and prints what `entroprof scan` prints.
 * A rank that fails says so on stderr ("entroprof-mpi scan: rank R: ...") and sends failure
 * markers for its remaining shards, so that rank 0 never waits for a record that will not come;
 * rank 0 then writes nothing. */
#ifndef EP_MPI_SCAN_H
#define EP_MPI_SCAN_H

/** The usage text of `entroprof-mpi scan --help`. */
extern const char ep_mpi_scan_usage[];

/** Runs `scan` (argv[0] = "scan") as rank `rank` of `nranks`. Collective: every rank of
 *  MPI_COMM_WORLD calls it with the same arguments. mpi_threads: MPI was initialised with at least
 *  MPI_THREAD_SERIALIZED (records are then sent from a thread of their own: mpi_records.h).
 *  @return this rank's exit status (0 ok, 1 some shard failed or is partial, 2 usage, 3 fatal); the
 *  caller agrees on the worst over the ranks. */
int ep_mpi_scan(int argc, char **argv, int rank, int nranks, int mpi_threads);

#endif
