/* Record files of entroprof-mpi scan --partial DIR (see partial_dir.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "entroprof/outfile.h"
#include "entroprof/partial.h"
#include "mpi/partial_dir.h"

ep_status ep_mpi_partial_mkdir(const char *dir, ep_error *err)
{
    size_t n = strlen(dir);
    char *buf = malloc(n + 1);
    if (!buf) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    memcpy(buf, dir, n + 1);
    ep_status st = EP_OK;
    /* each prefix that ends before a '/', then the whole path; EEXIST is fine (another rank, or there) */
    for (size_t k = 1; k <= n && st == EP_OK; k++) {
        if (k < n && buf[k] != '/') continue;
        char c = buf[k];
        buf[k] = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            st =
                ep_error_set(err, EP_ERR_IO, "--partial %s: cannot create %s: %s", dir, buf, strerror(errno));
        buf[k] = c;
    }
    free(buf);
    struct stat sb;
    if (st == EP_OK && (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)))
        st = ep_error_set(err, EP_ERR_IO, "--partial %s: not a directory", dir);
    return st;
}

/* DIR/NAME in a malloc'd string, or NULL. */
static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + 1 + strlen(name) + 1;
    char *path = malloc(n);
    if (path) snprintf(path, n, "%s/%s", dir, name);
    return path;
}

ep_status ep_mpi_partial_write(const char *dir, const char *name, const void *bytes, size_t len,
                               ep_error *err)
{
    char *path = join(dir, name);
    if (!path) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    ep_outfile *o = NULL;
    ep_status st = ep_outfile_open(path, &o, err);
    if (st == EP_OK) {
        if (len && fwrite(bytes, 1, len, ep_outfile_stream(o)) != len) {
            ep_outfile_abort(o);
            st = ep_error_set(err, EP_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        } else {
            st = ep_outfile_commit(o, err);
        }
    }
    free(path);
    return st;
}

ep_status ep_mpi_partial_read(const char *dir, const char *name, unsigned char **bytes, size_t *len,
                              ep_error *err)
{
    *bytes = NULL;
    *len = 0;
    char *path = join(dir, name);
    if (!path) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    ep_status st = EP_OK;
    FILE *f = fopen(path, "rb");
    struct stat sb;
    memset(&sb, 0, sizeof sb);
    unsigned char *p = NULL;
    if (!f) {
        st = errno == ENOENT ? ep_error_set(err, EP_ERR_NOTFOUND, "%s: no such file", path)
                             : ep_error_set(err, EP_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    } else if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = ep_error_set(err, EP_ERR_IO, "%s: not a regular file", path);
    } else if (!(p = malloc(sb.st_size > 0 ? (size_t)sb.st_size : 1))) {
        st = ep_error_set(err, EP_ERR_NOMEM, "out of memory reading %s", path);
    } else if (fread(p, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size || fgetc(f) != EOF) {
        st = ep_error_set(err, EP_ERR_IO, "cannot read %s: %s", path,
                          ferror(f) ? strerror(errno) : "its size changed");
    }
    if (f) fclose(f);
    if (st == EP_OK) {
        *bytes = p;
        *len = (size_t)sb.st_size;
    } else {
        free(p);
    }
    free(path);
    return st;
}

ep_status ep_mpi_partial_manifest(const char *dir, const void *manifest, size_t len, ep_error *err)
{
    unsigned char *have = NULL;
    size_t have_len = 0;
    ep_error e;
    ep_error_clear(&e);
    ep_status st = ep_mpi_partial_read(dir, EP_PARTIAL_MANIFEST, &have, &have_len, &e);
    if (st == EP_ERR_NOTFOUND) st = ep_mpi_partial_write(dir, EP_PARTIAL_MANIFEST, manifest, len, err);
    else if (st != EP_OK) st = ep_error_set(err, st, "%s", e.msg);
    else if (have_len != len || (len && (!have || memcmp(have, manifest, len) != 0)))
        st = ep_error_set(
            err, EP_ERR_ARG,
            "%s holds the partial states of another scan (its manifest differs: inputs, their order or "
            "the configuration, e.g. --mem, tokenizer, probes); use another directory or remove it",
            dir);
    free(have);
    return st;
}
