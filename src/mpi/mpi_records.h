/* Shard records between MPI ranks: a rank that scanned shard i sends its record to rank 0, which
 * adds the records in canonical order (include/entroprof/partial.h).
 *
 * One record is one header message, two u64 {shard index, length in bytes} (length
 * EP_MPI_RECORD_FAILED: the sender could not make the record and said why on its stderr), then the
 * bytes in messages of at most EP_MPI_CHUNK_BYTES (MPI counts are int; a record may exceed 2 GiB).
 * All on one tag: messages between one pair of ranks on one communicator and tag are
 * non-overtaking (MPI 4.0, section 3.5), so records sent in increasing shard order arrive in that
 * order; the receiver checks the index of each header.
 *
 * The outbox sends from a thread of its own, so that a rank goes on scanning while its records
 * travel: a large message needs the sender inside MPI to move (Open MPI's shared-memory transport
 * without single-copy, TCP), and the scanning thread makes no MPI call for the length of a shard.
 * Measured (a stand-in run whose shards take 2.4 s and make 50 MB records; 2 ranks, 4 shards, 2
 * cores under load 7; Open MPI 4.1 shared memory without single-copy): 14.1-16.3 s when the
 * scanning thread sent with MPI_Isend and waited later, 7.9-8.5 s from the sender thread; with the
 * single-copy mechanism (CMA: the receiver pulls) 6.0-6.5 s either way. The outbox holds at
 * most max_pending_bytes of records (and always at least one), so a rank scans ahead of rank 0 by
 * that much. Without MPI_THREAD_SERIALIZED from the MPI library, records are sent by the calling
 * thread, which waits until rank 0 takes them. Every wait here sleeps between tests (mpi_wait.h). */
#ifndef EP_MPI_RECORDS_H
#define EP_MPI_RECORDS_H

#include <mpi.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define EP_MPI_TAG_RECORD 17
#define EP_MPI_RECORD_FAILED UINT64_MAX
/** Largest message: 1 GiB (an MPI count is an int). */
#define EP_MPI_CHUNK_BYTES ((size_t)1 << 30)

/** One record waiting to be sent. */
typedef struct ep_mpi_outgoing_s {
    uint64_t shard;
    unsigned char *bytes; /**< (len) the record, owned; NULL for the failure marker */
    size_t len;
    int failed;
    struct ep_mpi_outgoing_s *next;
} ep_mpi_outgoing;

/** Records on their way to one rank, oldest first. */
typedef struct {
    int dest;
    int threaded; /**< 1: the sender thread sends; 0: ep_mpi_outbox_send sends */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t changed; /**< a record queued, sent, or the outbox closed */
    ep_mpi_outgoing *head, *tail;
    size_t queued, queued_bytes;
    size_t max_pending_bytes; /**< ep_mpi_outbox_send waits while more than this is queued */
    int closed;
} ep_mpi_outbox;

/** Starts an outbox to rank dest. threaded: the MPI library gave at least MPI_THREAD_SERIALIZED
 *  and the caller makes no MPI call until ep_mpi_outbox_drain returns. @return 0, or -1 (no thread
 *  could be started: the outbox sends from the caller's thread). */
int ep_mpi_outbox_start(ep_mpi_outbox *box, int dest, size_t max_pending_bytes, int threaded);
/** Queues shard `shard`'s record (bytes, len: ownership passes to the outbox, which frees them once
 *  sent; bytes NULL with failed = 1: the failure marker), first waiting while more than
 *  max_pending_bytes are queued. @return 0, or -1 out of memory (nothing queued; bytes still the
 *  caller's). */
int ep_mpi_outbox_send(ep_mpi_outbox *box, uint64_t shard, unsigned char *bytes, size_t len, int failed);
/** Sends what is queued, stops the thread and frees the outbox. */
void ep_mpi_outbox_drain(ep_mpi_outbox *box);

/** Receives shard `shard`'s record from rank src. @return 0 with *bytes (malloc'd, the caller frees
 *  it) and *len; 1 the sender sent the failure marker (*bytes NULL); -1 the header names another
 *  shard (a protocol error); -2 out of memory for the record (its bytes were not received: the
 *  caller must abort the job). */
int ep_mpi_recv_record(int src, uint64_t shard, unsigned char **bytes, size_t *len);

#endif
