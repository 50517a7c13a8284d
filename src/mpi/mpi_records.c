/* Shard records between ranks (see mpi_records.h). */
#include <stdlib.h>
#include <string.h>

#include "mpi/mpi_records.h"

static size_t chunks_of(size_t len) { return (len + EP_MPI_CHUNK_BYTES - 1) / EP_MPI_CHUNK_BYTES; }

void ep_mpi_outbox_init(ep_mpi_outbox *box, size_t max_pending_bytes)
{
    memset(box, 0, sizeof *box);
    box->max_pending_bytes = max_pending_bytes;
}

/* Waits for the oldest record's sends and frees it. */
static void complete_oldest(ep_mpi_outbox *box)
{
    ep_mpi_outgoing *o = &box->items[box->first];
    MPI_Waitall(o->n_reqs, o->reqs, MPI_STATUSES_IGNORE);
    box->pending_bytes -= o->len;
    free(o->bytes);
    free(o->reqs);
    memset(o, 0, sizeof *o);
    box->first = (box->first + 1) % box->cap;
    box->count--;
}

/* Room for one more item in the ring. @return 0 or -1 (out of memory). */
static int reserve(ep_mpi_outbox *box)
{
    if (box->count < box->cap) return 0;
    size_t cap = box->cap ? 2 * box->cap : 8;
    ep_mpi_outgoing *items = calloc(cap, sizeof *items);
    if (!items) return -1;
    if (box->cap) /* count <= cap: an empty ring (cap 0) has nothing to move */
        for (size_t k = 0; k < box->count; k++) items[k] = box->items[(box->first + k) % box->cap];
    free(box->items);
    box->items = items;
    box->first = 0;
    box->cap = cap;
    return 0;
}

int ep_mpi_outbox_send(ep_mpi_outbox *box, int dest, uint64_t shard, unsigned char *bytes, size_t len,
                       int failed)
{
    while (box->count && box->pending_bytes > box->max_pending_bytes) complete_oldest(box);
    if (failed) len = 0;
    size_t n_chunks = chunks_of(len);
    MPI_Request *reqs = malloc((1 + n_chunks) * sizeof(MPI_Request));
    if (!reqs || reserve(box) != 0) {
        free(reqs);
        return -1;
    }
    ep_mpi_outgoing *o = &box->items[(box->first + box->count) % box->cap];
    o->head[0] = shard;
    o->head[1] = failed ? EP_MPI_RECORD_FAILED : (uint64_t)len;
    o->bytes = bytes;
    o->len = len;
    o->reqs = reqs;
    o->n_reqs = (int)(1 + n_chunks);
    MPI_Isend(o->head, 2, MPI_UINT64_T, dest, EP_MPI_TAG_RECORD, MPI_COMM_WORLD, &reqs[0]);
    for (size_t c = 0; c < n_chunks; c++) {
        size_t off = c * EP_MPI_CHUNK_BYTES,
               n = len - off < EP_MPI_CHUNK_BYTES ? len - off : EP_MPI_CHUNK_BYTES;
        MPI_Isend(bytes + off, (int)n, MPI_BYTE, dest, EP_MPI_TAG_RECORD, MPI_COMM_WORLD, &reqs[1 + c]);
    }
    box->count++;
    box->pending_bytes += len;
    return 0;
}

void ep_mpi_outbox_drain(ep_mpi_outbox *box)
{
    while (box->count) complete_oldest(box);
    free(box->items);
    memset(box, 0, sizeof *box);
}

int ep_mpi_recv_record(int src, uint64_t shard, unsigned char **bytes, size_t *len)
{
    uint64_t head[2];
    *bytes = NULL;
    *len = 0;
    MPI_Recv(head, 2, MPI_UINT64_T, src, EP_MPI_TAG_RECORD, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (head[0] != shard) return -1;
    if (head[1] == EP_MPI_RECORD_FAILED) return 1;
    if (head[1] > SIZE_MAX) return -2;
    size_t n = (size_t)head[1];
    unsigned char *p = malloc(n ? n : 1);
    if (!p) return -2;
    for (size_t off = 0; off < n; off += EP_MPI_CHUNK_BYTES) {
        size_t k = n - off < EP_MPI_CHUNK_BYTES ? n - off : EP_MPI_CHUNK_BYTES;
        MPI_Recv(p + off, (int)k, MPI_BYTE, src, EP_MPI_TAG_RECORD, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
    *bytes = p;
    *len = n;
    return 0;
}
