/* Signature store with spill to an unlinked temp file (docs/dedup.md, "Memory"). The file is
 * in the host's byte order and lives only for the process: it is never read by another run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dedup/dedup_internal.h"

void ep_sigstore_init(ep_sigstore *s, int k, size_t cap_mem, const char *tmp_dir)
{
    memset(s, 0, sizeof *s);
    s->k = k;
    s->cap_mem = cap_mem;
    s->spill_fd = -1;
    if (!tmp_dir || !*tmp_dir) tmp_dir = getenv("TMPDIR");
    if (!tmp_dir || !*tmp_dir) tmp_dir = "/tmp";
    snprintf(s->tmp_dir, sizeof s->tmp_dir, "%s", tmp_dir);
}

void ep_sigstore_free(ep_sigstore *s)
{
    free(s->mem);
    if (s->spill) fclose(s->spill);
    memset(s, 0, sizeof *s);
    s->spill_fd = -1;
}

ep_status ep_sigstore_append(ep_sigstore *s, const uint32_t *sig, ep_error *err)
{
    size_t k = (size_t)s->k;
    if (s->n < s->cap_mem) {
        if (s->n == s->n_mem_alloc) {
            size_t cap = s->n_mem_alloc ? 2 * s->n_mem_alloc : 1024;
            if (cap > s->cap_mem) cap = s->cap_mem;
            uint32_t *p = realloc(s->mem, cap * k * sizeof *p);
            if (!p) return ep_error_set(err, EP_ERR_NOMEM, "dedup: out of memory for %zu signatures", cap);
            s->mem = p;
            s->n_mem_alloc = cap;
        }
        memcpy(s->mem + s->n * k, sig, k * sizeof *sig);
        s->n++;
        return EP_OK;
    }
    if (!s->spill) {
        char path[300];
        snprintf(path, sizeof path, "%s/entroprof-dedup-XXXXXX", s->tmp_dir);
        int fd = mkstemp(path);
        if (fd < 0)
            return ep_error_set(err, EP_ERR_IO, "dedup: cannot create spill file in %s: %s", s->tmp_dir,
                                strerror(errno));
        unlink(path);
        s->spill = fdopen(fd, "w+b");
        if (!s->spill) {
            close(fd);
            return ep_error_set(err, EP_ERR_IO, "dedup: cannot open spill file: %s", strerror(errno));
        }
        s->spill_fd = fd;
    }
    if (fwrite(sig, sizeof *sig, k, s->spill) != k)
        return ep_error_set(err, EP_ERR_IO, "dedup: cannot write spill file: %s", strerror(errno));
    s->n++;
    return EP_OK;
}

const uint32_t *ep_sigstore_get(const ep_sigstore *s, size_t i, uint32_t *buf)
{
    size_t k = (size_t)s->k;
    if (i < s->cap_mem) return s->mem + i * k;
    /* pread does not move the stream position that fwrite appends at; flush buffered writes
     * first so that they are visible. */
    if (fflush(s->spill) != 0) return NULL;
    size_t bytes = k * sizeof *buf;
    off_t off = (off_t)((i - s->cap_mem) * bytes);
    ssize_t got = pread(s->spill_fd, buf, bytes, off);
    if (got != (ssize_t)bytes) return NULL;
    return buf;
}
