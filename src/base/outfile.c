/* Writing an output file safely: temp + rename for regular files, write-through for anything else,
 * fsync before and after the rename, and a signal-safe registry of temporary names.
 * Rules and lifecycle: include/entroprof/outfile.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "entroprof/outfile.h"

enum { TEMP_PATH_MAX = PATH_MAX + 32 };

/* Registry of temporary names for ep_outfile_remove_temps. A slot's state is FREE, CLAIMED (its name
 * is being written or cleared) or LIVE (name complete, the file may exist). The signal handler reads
 * only LIVE slots; lock-free atomics and fixed buffers keep it async-signal-safe (POSIX: unlink is). */
enum { SLOT_FREE = 0, SLOT_CLAIMED = 1, SLOT_LIVE = 2 };
typedef struct {
    atomic_int state;
    char path[TEMP_PATH_MAX];
} temp_slot;
static temp_slot temp_slots[EP_OUTFILE_MAX_TEMPS];

struct ep_outfile_s {
    FILE *f;          /* the stream handed to the caller */
    char *path;       /* the target as given */
    char *tmp;        /* temporary name (rule 2), else NULL */
    int slot;         /* registry slot of tmp, -1 when not registered */
    int is_stdout;    /* rule 1 */
    int sync_on_close; /* fsync before close: the open file is a regular file */
};

static int register_temp(const char *tmp)
{
    size_t n = strlen(tmp);
    if (n >= TEMP_PATH_MAX) return -1;
    for (int i = 0; i < EP_OUTFILE_MAX_TEMPS; i++) {
        int expected = SLOT_FREE;
        if (!atomic_compare_exchange_strong(&temp_slots[i].state, &expected, SLOT_CLAIMED)) continue;
        memcpy(temp_slots[i].path, tmp, n + 1);
        atomic_store(&temp_slots[i].state, SLOT_LIVE);
        return i;
    }
    return -1;
}

static void unregister_temp(int slot)
{
    if (slot >= 0) atomic_store(&temp_slots[slot].state, SLOT_FREE);
}

void ep_outfile_remove_temps(void)
{
    int saved = errno; /* a handler must not change errno under the interrupted code */
    for (int i = 0; i < EP_OUTFILE_MAX_TEMPS; i++)
        if (atomic_load(&temp_slots[i].state) == SLOT_LIVE) unlink(temp_slots[i].path);
    errno = saved;
}

static void outfile_free(ep_outfile *o)
{
    if (!o) return;
    free(o->path);
    free(o->tmp);
    free(o);
}

/* Creates the temporary file exclusively (never follows or reuses what is at that name: a stale
 * file or symlink left by a dead process with the same pid is unlinked and the create retried). */
static int create_temp(const char *tmp)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
    if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
    return fd;
}

ep_status ep_outfile_open(const char *path, ep_outfile **out, ep_error *err)
{
    *out = NULL;
    if (!path || !*path) return ep_error_set(err, EP_ERR_ARG, "empty output path");
    ep_outfile *o = calloc(1, sizeof *o);
    if (!o || !(o->path = strdup(path))) {
        free(o);
        return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    }
    o->slot = -1;
    if (strcmp(path, "-") == 0) {
        o->f = stdout;
        o->is_stdout = 1;
        *out = o;
        return EP_OK;
    }
    struct stat st;
    int fd;
    int missing = lstat(path, &st) != 0;
    if (missing && errno != ENOENT) {
        ep_error_set(err, EP_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        outfile_free(o);
        return EP_ERR_IO;
    }
    int replace = missing || S_ISREG(st.st_mode);
    if (replace) {
        size_t n = strlen(path) + 32;
        if (!(o->tmp = malloc(n))) {
            outfile_free(o);
            return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
        }
        snprintf(o->tmp, n, "%s.tmp.%ld", path, (long)getpid());
        /* Register before creating: a signal between the two then unlinks nothing or the file. */
        o->slot = register_temp(o->tmp);
        fd = create_temp(o->tmp);
        o->sync_on_close = 1;
    } else {
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
        struct stat target;
        o->sync_on_close = fd >= 0 && fstat(fd, &target) == 0 && S_ISREG(target.st_mode);
    }
    if (fd < 0 || !(o->f = fdopen(fd, "wb"))) {
        int e = errno;
        if (fd >= 0) close(fd);
        if (o->tmp && fd >= 0) unlink(o->tmp);
        unregister_temp(o->slot);
        if (!replace && S_ISLNK(st.st_mode) && e == ENOENT)
            ep_error_set(err, EP_ERR_IO, "cannot write %s: dangling symlink (its target does not exist)", path);
        else ep_error_set(err, EP_ERR_IO, "cannot write %s: %s", o->tmp ? o->tmp : path, strerror(e));
        outfile_free(o);
        return EP_ERR_IO;
    }
    *out = o;
    return EP_OK;
}

FILE *ep_outfile_stream(ep_outfile *o) { return o ? o->f : NULL; }

/* fsync of the directory holding path, so that the rename itself is durable. Best effort where it
 * cannot be done (a directory we may not open, a filesystem that cannot sync one: EINVAL); an
 * error of the sync itself (EIO) is reported. */
static int sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir) return ENOMEM;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0) return 0;
    int e = fsync(fd) != 0 && errno != EINVAL && errno != EROFS ? errno : 0;
    close(fd);
    return e;
}

ep_status ep_outfile_commit(ep_outfile *o, ep_error *err)
{
    if (!o) return ep_error_set(err, EP_ERR_ARG, "no output file");
    const char *what = o->is_stdout ? "standard output" : o->path;
    int e = 0;
    if (ferror(o->f)) e = EIO; /* an earlier buffered write failed; its errno is gone */
    if (fflush(o->f) != 0 && !e) e = errno ? errno : EIO;
    if (!e && o->sync_on_close && fsync(fileno(o->f)) != 0) e = errno;
    if (o->is_stdout) {
        outfile_free(o);
        if (e) return ep_error_set(err, EP_ERR_IO, "cannot write %s: %s", what, strerror(e));
        return EP_OK;
    }
    if (fclose(o->f) != 0 && !e) e = errno ? errno : EIO;
    if (!e && o->tmp && rename(o->tmp, o->path) != 0) e = errno;
    if (!e && o->tmp) e = sync_parent_dir(o->path);
    if (e && o->tmp) unlink(o->tmp); /* after a successful rename this name is gone: no harm */
    unregister_temp(o->slot);
    ep_status st = e ? ep_error_set(err, EP_ERR_IO, "cannot write %s: %s", what, strerror(e)) : EP_OK;
    outfile_free(o);
    return st;
}

void ep_outfile_abort(ep_outfile *o)
{
    if (!o) return;
    if (o->is_stdout) {
        fflush(o->f);
    } else {
        fclose(o->f);
        if (o->tmp) unlink(o->tmp);
        unregister_temp(o->slot);
    }
    outfile_free(o);
}
