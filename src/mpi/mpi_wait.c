/* Waiting for MPI without holding a core (see mpi_wait.h). */
#include "mpi/mpi_wait.h"

int ep_mpi_max_quietly(int v)
{
    int w = v;
    MPI_Request req;
    MPI_Iallreduce(&v, &w, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD, &req);
    ep_mpi_wait_quietly(&req);
    return w;
}
