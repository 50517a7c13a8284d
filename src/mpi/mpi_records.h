/* Shard records between MPI ranks: a rank that scanned shard i sends its record to rank 0, which
 * adds the records in canonical order (include/entroprof/partial.h).
 *
 * One record is one header message, two u64 {shard index, length in bytes} (length
 * EP_MPI_RECORD_FAILED: the sender could not make the record and said why on its stderr), then the
 * bytes in chunks of at most EP_MPI_CHUNK_BYTES (MPI counts are int; a record may exceed 2 GiB).
 * All on one tag: MPI messages between one pair of ranks on one communicator and tag are
 * non-overtaking (MPI 4.0, section 3.5), also for nonblocking sends in the order they were posted,
 * so a rank that sends its records in increasing shard order delivers them in that order, and the
 * receiver checks the index in each header.
 *
 * Senders do not wait for rank 0: each record is sent with MPI_Isend and kept until its sends
 * complete, so a rank scans ahead of the rank-0 reduction; the outbox bounds how far (in bytes
 * pending). */
#ifndef EP_MPI_RECORDS_H
#define EP_MPI_RECORDS_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#define EP_MPI_TAG_RECORD 17
#define EP_MPI_RECORD_FAILED UINT64_MAX
/** Largest message: 1 GiB (an MPI count is an int). */
#define EP_MPI_CHUNK_BYTES ((size_t)1 << 30)

/** One record in flight. */
typedef struct {
    uint64_t head[2];     /**< {shard index, length or EP_MPI_RECORD_FAILED}: the header message */
    unsigned char *bytes; /**< (length) the record; owned, freed when the sends complete */
    size_t len;
    MPI_Request *reqs; /**< (n_reqs) header + chunks */
    int n_reqs;
} ep_mpi_outgoing;

/** The records a rank has sent and not yet seen delivered, oldest first. */
typedef struct {
    ep_mpi_outgoing *items; /**< (cap) ring */
    size_t first, count, cap;
    size_t pending_bytes;     /**< sum of len over items */
    size_t max_pending_bytes; /**< ep_mpi_outbox_send waits for the oldest while above this */
} ep_mpi_outbox;

void ep_mpi_outbox_init(ep_mpi_outbox *box, size_t max_pending_bytes);
/** Sends shard `shard`'s record (bytes, len: ownership passes to the outbox, which frees them; bytes
 *  NULL with failed = 1: the failure marker) to rank dest, first waiting for older records while
 *  more than max_pending_bytes are in flight. @return 0, or -1 out of memory (nothing sent). */
int ep_mpi_outbox_send(ep_mpi_outbox *box, int dest, uint64_t shard, unsigned char *bytes, size_t len,
                       int failed);
/** Waits for every record in flight and frees the outbox. */
void ep_mpi_outbox_drain(ep_mpi_outbox *box);

/** Receives shard `shard`'s record from rank src. @return 0 with *bytes (malloc'd, the caller frees
 *  it) and *len; 1 the sender sent the failure marker (*bytes NULL); -1 the header names another
 *  shard (a protocol error); -2 out of memory for the record (its bytes were not received: the
 *  caller must abort the job). */
int ep_mpi_recv_record(int src, uint64_t shard, unsigned char **bytes, size_t *len);

#endif
