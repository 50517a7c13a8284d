/* Shard records between ranks (see mpi_records.h). */
#include <stdlib.h>
#include <string.h>

#include "mpi/mpi_records.h"
#include "mpi/mpi_wait.h"

/* The header, then the bytes in chunks, each sent and waited for (quietly, mpi_wait.h). */
static void send_record(int dest, const ep_mpi_outgoing *o)
{
    uint64_t head[2] = {o->shard, o->failed ? EP_MPI_RECORD_FAILED : (uint64_t)o->len};
    MPI_Request req;
    MPI_Isend(head, 2, MPI_UINT64_T, dest, EP_MPI_TAG_RECORD, MPI_COMM_WORLD, &req);
    ep_mpi_wait_quietly(&req);
    if (o->failed) return;
    for (size_t off = 0; off < o->len; off += EP_MPI_CHUNK_BYTES) {
        size_t n = o->len - off < EP_MPI_CHUNK_BYTES ? o->len - off : EP_MPI_CHUNK_BYTES;
        MPI_Isend(o->bytes + off, (int)n, MPI_BYTE, dest, EP_MPI_TAG_RECORD, MPI_COMM_WORLD, &req);
        ep_mpi_wait_quietly(&req);
    }
}

/* The sender thread: sends the queued records in order until the outbox is closed and empty. */
static void *sender_main(void *arg)
{
    ep_mpi_outbox *box = arg;
    pthread_mutex_lock(&box->mu);
    for (;;) {
        while (!box->head && !box->closed) pthread_cond_wait(&box->changed, &box->mu);
        ep_mpi_outgoing *o = box->head;
        if (!o) break; /* closed and empty */
        pthread_mutex_unlock(&box->mu);
        send_record(box->dest, o); /* the record stays queued (counted) while it travels */
        pthread_mutex_lock(&box->mu);
        box->head = o->next;
        if (!box->head) box->tail = NULL;
        box->queued--;
        box->queued_bytes -= o->len;
        free(o->bytes);
        free(o);
        pthread_cond_broadcast(&box->changed);
    }
    pthread_mutex_unlock(&box->mu);
    return NULL;
}

int ep_mpi_outbox_start(ep_mpi_outbox *box, int dest, size_t max_pending_bytes, int threaded)
{
    memset(box, 0, sizeof *box);
    box->dest = dest;
    box->max_pending_bytes = max_pending_bytes;
    if (!threaded) return 0;
    pthread_mutex_init(&box->mu, NULL);
    pthread_cond_init(&box->changed, NULL);
    if (pthread_create(&box->thread, NULL, sender_main, box) != 0) {
        pthread_cond_destroy(&box->changed);
        pthread_mutex_destroy(&box->mu);
        return -1;
    }
    box->threaded = 1;
    return 0;
}

int ep_mpi_outbox_send(ep_mpi_outbox *box, uint64_t shard, unsigned char *bytes, size_t len, int failed)
{
    ep_mpi_outgoing *o = calloc(1, sizeof *o);
    if (!o) return -1;
    o->shard = shard;
    o->bytes = bytes;
    o->len = failed ? 0 : len;
    o->failed = failed;
    if (!box->threaded) {
        send_record(box->dest, o);
        free(o->bytes);
        free(o);
        return 0;
    }
    pthread_mutex_lock(&box->mu);
    while (box->queued && box->queued_bytes > box->max_pending_bytes)
        pthread_cond_wait(&box->changed, &box->mu);
    if (box->tail) box->tail->next = o;
    else box->head = o;
    box->tail = o;
    box->queued++;
    box->queued_bytes += o->len;
    pthread_cond_broadcast(&box->changed);
    pthread_mutex_unlock(&box->mu);
    return 0;
}

void ep_mpi_outbox_drain(ep_mpi_outbox *box)
{
    if (box->threaded) {
        pthread_mutex_lock(&box->mu);
        box->closed = 1;
        pthread_cond_broadcast(&box->changed);
        pthread_mutex_unlock(&box->mu);
        pthread_join(box->thread, NULL);
        pthread_cond_destroy(&box->changed);
        pthread_mutex_destroy(&box->mu);
    }
    memset(box, 0, sizeof *box);
}

int ep_mpi_recv_record(int src, uint64_t shard, unsigned char **bytes, size_t *len)
{
    uint64_t head[2];
    *bytes = NULL;
    *len = 0;
    MPI_Request req;
    MPI_Irecv(head, 2, MPI_UINT64_T, src, EP_MPI_TAG_RECORD, MPI_COMM_WORLD, &req);
    ep_mpi_wait_quietly(&req); /* the record may still be being scanned */
    if (head[0] != shard) return -1;
    if (head[1] == EP_MPI_RECORD_FAILED) return 1;
    if (head[1] > SIZE_MAX) return -2;
    size_t n = (size_t)head[1];
    unsigned char *p = malloc(n ? n : 1);
    if (!p) return -2;
    for (size_t off = 0; off < n; off += EP_MPI_CHUNK_BYTES) {
        size_t k = n - off < EP_MPI_CHUNK_BYTES ? n - off : EP_MPI_CHUNK_BYTES;
        MPI_Irecv(p + off, (int)k, MPI_BYTE, src, EP_MPI_TAG_RECORD, MPI_COMM_WORLD, &req);
        ep_mpi_wait_quietly(&req);
    }
    *bytes = p;
    *len = n;
    return 0;
}
