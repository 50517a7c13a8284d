/* entroprof-mpi scan: the split scan of include/entroprof/partial.h over MPI ranks (see mpi_scan.h). */
#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/profile_output.h"
#include "cli/scan_options.h"
#include "entroprof/entroprof.h"
#include "entroprof/partial.h"
#include "mpi/mpi_records.h"
#include "mpi/mpi_scan.h"
#include "mpi/mpi_wait.h"

#define WHO "entroprof-mpi scan"
#define SYNOPSIS "mpirun -np R entroprof-mpi scan [OPTIONS] PATH... [-o PROFILE.json]"

/* How far (bytes of records made and not yet received by rank 0) a rank scans ahead of the
 * rank-0 reduction; one record is always allowed, whatever its size. */
#define AHEAD_BYTES ((size_t)1 << 30)

const char ep_mpi_scan_usage[] =
    "usage: " SYNOPSIS "\n"
    "       mpirun -np R entroprof-mpi scan [OPTIONS] --partial DIR PATH... [-o PROFILE.json]\n"
    "\n"
    "`entroprof scan` spread over the ranks of an MPI job (docs/scale-out.md). Every rank lists the\n"
    "same shards (the inputs must be on a file system that every rank sees, unchanged while the job\n"
    "runs), scans its size-balanced share of them (the share of `scan --task RANK/R`) and sends each\n"
    "shard's partial state to rank 0, which adds them in canonical order and writes the profile:\n"
    "byte-identical to the profile of `entroprof scan` with the same inputs and options. Rank 0\n"
    "writes the profile and the table; a rank that fails says so on stderr with its rank number, and\n"
    "then nothing is written. --threads is per rank (one rank per node with --threads 0, or\n"
    "C/ranks-per-node threads each). --task is refused: the ranks are the tasks. With --partial DIR\n"
    "every rank also writes its shards' partial files into DIR (a shared directory, for `entroprof\n"
    "merge DIR -o P`), and a run after a crash reuses those that still match. No progress display.\n"
    "With -v each rank prints its shards, seconds and peak RSS.\n"
    "\n" EP_CLI_SCAN_OPTIONS_HELP "             (agreed over the ranks: every rank exits with the worst)\n";

typedef struct {
    int rank, nranks;
    int mpi_threads; /* the MPI library allows calls from another thread (MPI_THREAD_SERIALIZED) */
    ep_cli_scan_options opt;
    ep_scan_run *run;
    size_t n_shards;
    size_t *mine, n_mine; /* (n_mine) this rank's shards, increasing */
    int *owner;           /* (n_shards) on rank 0: the rank that makes each shard's record */
    int failed;           /* a fatal error on this rank: make no more records */
    double t0;            /* when the command started (-v) */
    /* for -v */
    size_t n_scanned, n_reused;
    uint64_t bytes_scanned;
    double scan_seconds;
} mpi_scan;

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The worst (largest) of v over all ranks. */
static int worst_of_ranks(int v) { return ep_mpi_max_quietly(v); }

/* A message of this rank on stderr: "entroprof-mpi scan: rank R: ...", written with one call, so
 * that the lines of ranks sharing mpirun's stderr do not cut into each other. */
static void say(const mpi_scan *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const mpi_scan *m, const char *fmt, ...)
{
    char line[2048];
    int k = snprintf(line, sizeof line, WHO ": rank %d: ", m->rank);
    if (k < 0 || (size_t)k >= sizeof line) k = 0;
    va_list ap;
    va_start(ap, fmt);
    /* LLVM 14 false positive: ap is started on the line above */
    // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
    vsnprintf(line + k, sizeof line - (size_t)k - 1, fmt, ap);
    va_end(ap);
    size_t n = strlen(line);
    line[n] = '\n';
    fwrite(line, 1, n + 1, stderr);
}

/* A usage error found after the parse: rank 0 prints it. @return EP_EXIT_USAGE */
static int usage_error(const mpi_scan *m, const char *msg)
{
    if (m->rank == 0) {
        ep_cli_args a;
        ep_cli_args_begin(&a, "scan", SYNOPSIS, "", NULL);
        a.prog = "entroprof-mpi";
        ep_cli_usage_error(&a, "%s", msg);
    }
    return EP_EXIT_USAGE;
}

/* Stage 1. Rank 0 parses first and prints what is wrong; the others parse only when it found
 * nothing wrong (same argv, so silently the same result; should a rank's argv differ, all ranks
 * still agree and stop together). @return -1 go on, else the exit status. */
static int parse_options(mpi_scan *m, int argc, char **argv)
{
    int rc = -1;
    if (m->rank == 0)
        rc = ep_cli_scan_options_parse(&m->opt, "entroprof-mpi", SYNOPSIS, ep_mpi_scan_usage, argc, argv);
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rc >= 0) return rc;
    if (m->rank != 0)
        rc = ep_cli_scan_options_parse(&m->opt, "entroprof-mpi", SYNOPSIS, ep_mpi_scan_usage, argc, argv);
    rc = worst_of_ranks(rc);
    if (rc >= 0) return rc;
    if (m->opt.cfg.task_count)
        return usage_error(m, "--task is not for entroprof-mpi: the ranks are the tasks");
    for (size_t k = 0; k < m->opt.n_inputs; k++)
        if (!strcmp(m->opt.inputs[k], "-"))
            return usage_error(m, "standard input ('-') cannot be a shard: the ranks do not share it");
    m->opt.cfg.progress = NULL; /* ranks would write over each other's line */
    m->opt.cfg.note = NULL;     /* the run's notes are about partial directories, which this driver keeps */
    return -1;
}

/* Stage 2. @return -1 go on, else the exit status (every rank returns one when any rank failed). */
static int open_run(mpi_scan *m)
{
    ep_error err;
    ep_error_clear(&err);
    ep_status st = ep_scan_run_open(&m->run, m->opt.inputs, m->opt.n_inputs, &m->opt.cfg, &err);
    int rc = st == EP_OK ? -1 : st == EP_ERR_ARG || st == EP_ERR_NOTFOUND ? EP_EXIT_USAGE : EP_EXIT_FATAL;
    /* the same inputs and configuration fail the same way everywhere: say it once, unless this
     * rank's failure is its own */
    int rank0_rc = rc;
    MPI_Bcast(&rank0_rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rc >= 0 && (m->rank == 0 || rank0_rc < 0)) say(m, "%s", err.msg[0] ? err.msg : ep_strerror(st));
    int worst = worst_of_ranks(rc);
    if (worst >= 0) return worst;

    /* every rank must list the same shards with the same configuration: compare with rank 0's
     * manifest (a rank that sees other files, e.g. on a file system of its own, would scan wrong) */
    ep_wbuf man;
    ep_wbuf_init(&man);
    rc = -1;
    if (ep_scan_run_manifest(m->run, &man, &err) != EP_OK || ep_wbuf_status(&man) != EP_OK) {
        say(m, "%s", err.msg[0] ? err.msg : "out of memory");
        rc = EP_EXIT_FATAL;
    }
    if (worst_of_ranks(rc) >= 0) {
        ep_wbuf_free(&man);
        return EP_EXIT_FATAL;
    }
    uint64_t len0 = man.len;
    MPI_Bcast(&len0, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    unsigned char *man0 = m->rank == 0 ? man.data : malloc(len0 ? (size_t)len0 : 1);
    int have = man0 != NULL, anyone_without = worst_of_ranks(!have); /* collective: every rank calls it */
    if (!have || anyone_without) {
        if (!have) say(m, "out of memory");
        if (m->rank != 0) free(man0);
        ep_wbuf_free(&man);
        return EP_EXIT_FATAL;
    }
    for (uint64_t off = 0; off < len0; off += EP_MPI_CHUNK_BYTES) {
        uint64_t k = len0 - off < EP_MPI_CHUNK_BYTES ? len0 - off : EP_MPI_CHUNK_BYTES;
        MPI_Bcast(man0 + off, (int)k, MPI_BYTE, 0, MPI_COMM_WORLD);
    }
    if (len0 != man.len || (man.len && (!man.data || memcmp(man0, man.data, man.len) != 0))) {
        say(m, "lists other shards (or other sizes or times) than rank 0: every rank must see the same "
               "inputs, unchanged while the job runs");
        rc = EP_EXIT_FATAL;
    }
    m->n_shards = ep_scan_run_shards(m->run);
    /* --partial DIR: the directory, and rank 0 writes the manifest that `entroprof merge` reads */
    if (rc < 0 && m->opt.cfg.partial_dir) {
        /* every rank: the directory, and its manifest written or checked (the same bytes on every rank) */
        ep_status pst = ep_partial_dir_prepare(m->run, m->opt.cfg.partial_dir, &err);
        if (pst != EP_OK) {
            say(m, "%s", err.msg);
            rc = pst == EP_ERR_ARG ? EP_EXIT_USAGE : EP_EXIT_FATAL; /* another scan's directory: as scan */
        }
    }
    if (m->rank != 0) free(man0);
    ep_wbuf_free(&man);
    return worst_of_ranks(rc);
}

/* Stage 3: this rank's shards and, on rank 0, the owner of every shard. @return 0 or -1 (said why). */
static int split_shards(mpi_scan *m)
{
    ep_error err;
    ep_error_clear(&err);
    if (ep_scan_run_task(m->run, (size_t)m->rank, (size_t)m->nranks, &m->mine, &m->n_mine, &err) != EP_OK) {
        say(m, "%s", err.msg);
        return -1;
    }
    if (m->rank != 0) return 0;
    m->owner = malloc((m->n_shards ? m->n_shards : 1) * sizeof *m->owner);
    if (!m->owner) {
        say(m, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < m->n_shards; i++) m->owner[i] = -1;
    for (int r = 0; r < m->nranks; r++) {
        size_t *idx = NULL, n = 0;
        if (ep_scan_run_task(m->run, (size_t)r, (size_t)m->nranks, &idx, &n, &err) != EP_OK) {
            say(m, "%s", err.msg);
            return -1;
        }
        for (size_t k = 0; k < n; k++)
            if (idx[k] < m->n_shards) m->owner[idx[k]] = r;
        free(idx);
    }
    for (size_t i = 0; i < m->n_shards; i++) {
        if (m->owner[i] < 0) {
            say(m, "a shard belongs to no rank (ep_scan_run_task): internal error");
            return -1;
        }
    }
    return 0;
}

/* With --partial DIR: shard i's record from DIR when the file there is that shard's record of this
 * run and the input has not changed since (resume). A file that does not qualify is named (also
 * with -q, as scan does) and will be replaced. @return 1 reused (*bytes, *len), 0 not. */
static int reuse_record(mpi_scan *m, size_t i, const char *name, unsigned char **bytes, size_t *len)
{
    ep_error err;
    ep_error_clear(&err);
    ep_status st = ep_partial_dir_read(m->run, m->opt.cfg.partial_dir, i, bytes, len, &err);
    if (st == EP_ERR_NOTFOUND) return 0;
    if (st == EP_OK && ep_scan_run_record_is_current(m->run, i, *bytes, *len, &err) == 1) return 1;
    /* said also with -q, as scan does */
    say(m, "%s/%s: not reused, scanning %s again: %s", m->opt.cfg.partial_dir, name,
        ep_scan_run_shard_path(m->run, i), err.msg);
    free(*bytes);
    *bytes = NULL;
    *len = 0;
    return 0;
}

/* Stage 4: shard i's record (the caller frees *bytes). @return 0, or -1 (this rank failed, said why). */
static int make_record(mpi_scan *m, size_t i, unsigned char **bytes, size_t *len)
{
    char name[256];
    const char *dir = m->opt.cfg.partial_dir;
    if (dir) {
        ep_partial_file_name(m->run, i, name, sizeof name);
        if (reuse_record(m, i, name, bytes, len)) {
            m->n_reused++;
            return 0;
        }
    }
    ep_error err;
    ep_error_clear(&err);
    ep_wbuf w;
    ep_wbuf_init(&w);
    double t0 = now_seconds();
    ep_status st = ep_scan_run_shard(m->run, i, &w, &err);
    if (st == EP_OK && ep_wbuf_status(&w) != EP_OK) st = ep_error_set(&err, EP_ERR_NOMEM, "out of memory");
    m->scan_seconds += now_seconds() - t0;
    if (st == EP_OK && dir) st = ep_partial_dir_write(m->run, dir, i, w.data, w.len, &err);
    if (st != EP_OK) {
        say(m, "%s: %s", ep_scan_run_shard_path(m->run, i), err.msg[0] ? err.msg : ep_strerror(st));
        ep_wbuf_free(&w);
        return -1;
    }
    m->n_scanned++;
    m->bytes_scanned += ep_scan_run_shard_size(m->run, i);
    *bytes = w.data; /* the record's bytes change hands: not ep_wbuf_free'd */
    *len = w.len;
    return 0;
}

/* Stage 4 on ranks other than 0. @return the exit status of this rank. */
static int send_records(mpi_scan *m)
{
    ep_mpi_outbox box;
    /* from here to the drain this thread makes no MPI call: the outbox's thread sends */
    if (ep_mpi_outbox_start(&box, 0, AHEAD_BYTES, m->mpi_threads) != 0 && m->opt.verbose)
        say(m, "no sender thread: records are sent as they are made");
    for (size_t k = 0; k < m->n_mine; k++) {
        unsigned char *bytes = NULL;
        size_t len = 0;
        if (!m->failed && make_record(m, m->mine[k], &bytes, &len) != 0) m->failed = 1;
        if (ep_mpi_outbox_send(&box, m->mine[k], bytes, len, m->failed) != 0) {
            say(m, "out of memory sending a record");
            MPI_Abort(MPI_COMM_WORLD, EP_EXIT_FATAL); /* rank 0 would wait for it forever */
        }
    }
    ep_mpi_outbox_drain(&box);
    return m->failed ? EP_EXIT_FATAL : EP_EXIT_OK;
}

/* Stage 5 on rank 0: every shard's record added in canonical order, then the profile.
 * @return the exit status of rank 0. */
static int reduce_records(mpi_scan *m)
{
    ep_error err;
    ep_error_clear(&err);
    for (size_t i = 0; i < m->n_shards; i++) {
        unsigned char *bytes = NULL;
        size_t len = 0;
        int have = 0;
        if (m->owner[i] == 0) {
            have = !m->failed && make_record(m, i, &bytes, &len) == 0;
        } else {
            int r = ep_mpi_recv_record(m->owner[i], i, &bytes, &len);
            if (r == -2) {
                say(m, "out of memory receiving a record");
                MPI_Abort(MPI_COMM_WORLD, EP_EXIT_FATAL); /* its sender would wait forever */
            }
            if (r == -1) {
                say(m, "a rank sent another shard's record than expected: internal error");
                MPI_Abort(MPI_COMM_WORLD, EP_EXIT_FATAL);
            }
            have = r == 0; /* r == 1: the owner failed and said why */
        }
        if (!have) m->failed = 1;
        /* after a failure, the other ranks' records are still received (they wait for that), not added */
        if (have && !m->failed && ep_scan_run_add(m->run, i, bytes, len, &err) != EP_OK) {
            say(m, "%s: %s", ep_scan_run_shard_path(m->run, i), err.msg);
            m->failed = 1;
        }
        free(bytes);
    }
    if (m->failed) {
        say(m, "no profile written: a rank failed (see above)");
        return EP_EXIT_FATAL;
    }
    ep_jv *profile = NULL;
    size_t n_failed = 0;
    if (ep_scan_run_finish(m->run, &profile, &n_failed, &err) != EP_OK) {
        say(m, "%s", err.msg);
        return EP_EXIT_FATAL;
    }
    const ep_cli_scan_options *o = &m->opt;
    /* what `entroprof scan` writes and prints, with its messages ("entroprof scan: ...") */
    int rc = ep_cli_emit_profile("scan", profile, o->out, o->compact, o->quiet, n_failed);
    if (o->verbose && rc != EP_EXIT_FATAL) {
        double secs = now_seconds() - m->t0;
        double raw = ep_jv_as_num(ep_jv_path(profile, "corpus.counters.input_bytes"), 0);
        fprintf(stderr, WHO ": %.2f s, %.1f MB read (%.1f MB/s) by %d ranks\n", secs, raw / 1e6,
                secs > 0 ? raw / 1e6 / secs : 0, m->nranks);
    }
    ep_jv_free(profile);
    return rc;
}

/* -v: what this rank did. */
static void print_rank_summary(const mpi_scan *m, double seconds)
{
    struct rusage ru;
    long peak_kib = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1; /* KiB on Linux */
    fprintf(stderr,
            WHO ": rank %d of %d: %zu shards (%zu scanned, %.1f MB, %.2f s scanning; %zu reused), %.2f s, "
                "peak RSS %ld KiB\n",
            m->rank, m->nranks, m->n_mine, m->n_scanned, (double)m->bytes_scanned / 1e6, m->scan_seconds,
            m->n_reused, seconds, peak_kib);
}

int ep_mpi_scan(int argc, char **argv, int rank, int nranks, int mpi_threads)
{
    mpi_scan m;
    memset(&m, 0, sizeof m);
    m.rank = rank;
    m.nranks = nranks;
    m.mpi_threads = mpi_threads;
    m.t0 = now_seconds();
    int rc = parse_options(&m, argc, argv);
    if (rc >= 0) return rc;
    rc = open_run(&m);
    if (rc < 0) {
        rc = worst_of_ranks(split_shards(&m) != 0 ? EP_EXIT_FATAL : -1);
        if (rc < 0) rc = rank == 0 ? reduce_records(&m) : send_records(&m);
    }
    if (rc < EP_EXIT_USAGE && m.n_reused) /* also with -q, as scan */
        say(&m, "%zu shard(s) reused from %s", m.n_reused, m.opt.cfg.partial_dir);
    if (m.opt.verbose) print_rank_summary(&m, now_seconds() - m.t0);
    free(m.mine);
    free(m.owner);
    ep_scan_run_free(m.run);
    return rc;
}
