/* Expands inputs into the canonical shard list: regular files found under the inputs, sorted by
 * path (byte order), without duplicates. Directories are followed through symlinks, but a
 * directory already on the current path (same device and inode) is a loop: skipped, warned.
 * An input that cannot be read is not skipped: a directory that cannot be opened, or an entry
 * whose stat fails for another reason than a dangling link (ENOENT, ELOOP: warned), stays in the
 * list as a shard, so opening it fails and the profile lists it with status error. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/walk.h"

typedef struct {
    char **items;
    size_t n, cap;
} strlist;

typedef struct {
    dev_t dev;
    ino_t ino;
} dirid;

static int push(strlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 64;
        char **ni = realloc(l->items, nc * sizeof *ni);
        if (!ni) return -1;
        l->items = ni;
        l->cap = nc;
    }
    l->items[l->n] = strdup(s);
    if (!l->items[l->n]) return -1;
    l->n++;
    return 0;
}

static void warn(ep_jv *w, const char *fmt, const char *a, const char *b)
{
    if (!w) return;
    char msg[1200];
    snprintf(msg, sizeof msg, fmt, a, b);
    ep_jv_push(w, ep_jv_str(msg));
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int walk_dir(const char *path, dirid *stack, size_t depth, strlist *out, ep_jv *w)
{
    if (depth >= 256) { warn(w, "%s: directory nesting deeper than 256, not descended%s", path, ""); return 0; }
    DIR *d = opendir(path);
    if (!d) return push(out, path); /* a failed input: the scan's open reports why */
    strlist names = {0};
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue; /* ".", "..", hidden files */
        if (push(&names, e->d_name)) {
            closedir(d);
            for (size_t i = 0; i < names.n; i++) free(names.items[i]);
            free(names.items);
            return -1;
        }
    }
    closedir(d);
    if (names.n > 1) qsort(names.items, names.n, sizeof *names.items, cmp_str); /* items is NULL when empty */
    int rc = 0;
    for (size_t i = 0; i < names.n && rc == 0; i++) {
        size_t len = strlen(path) + strlen(names.items[i]) + 2;
        char *child = malloc(len);
        if (!child) { rc = -1; break; }
        snprintf(child, len, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", names.items[i]);
        struct stat st;
        if (stat(child, &st) != 0) {
            if (errno == ENOENT || errno == ELOOP) warn(w, "%s: cannot stat (dangling link?): %s", child, strerror(errno));
            else if (push(out, child)) rc = -1; /* e.g. EACCES: a failed input */
        } else if (S_ISDIR(st.st_mode)) {
            int loop = 0;
            for (size_t k = 0; k < depth; k++)
                if (stack[k].dev == st.st_dev && stack[k].ino == st.st_ino) loop = 1;
            if (loop) warn(w, "%s: symlink loop (directory already on the path), skipped%s", child, "");
            else {
                stack[depth].dev = st.st_dev;
                stack[depth].ino = st.st_ino;
                rc = walk_dir(child, stack, depth + 1, out, w);
            }
        } else if (S_ISREG(st.st_mode)) {
            if (push(out, child)) rc = -1;
        }
        free(child);
    }
    for (size_t i = 0; i < names.n; i++) free(names.items[i]);
    free(names.items);
    return rc;
}

ep_status ep_walk_inputs(const char *const *inputs, size_t n_inputs, char ***out, size_t *n_out, ep_jv *warnings,
                         ep_error *err)
{
    strlist l = {0};
    dirid *stack = calloc(257, sizeof *stack);
    if (!stack) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n_inputs; i++) {
        const char *p = inputs[i];
        struct stat st;
        int seen = 0;
        for (size_t j = 0; j < i; j++) seen |= strcmp(inputs[j], p) == 0;
        if (seen) continue;
        if (strcmp(p, "-") != 0 && stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            stack[0].dev = st.st_dev;
            stack[0].ino = st.st_ino;
            if (walk_dir(p, stack, 1, &l, warnings)) goto oom;
        } else {
            /* stdin, a file, or a path that cannot be examined: kept as a shard (reading it fails and the
               profile says why). */
            if (push(&l, p)) goto oom;
        }
    }
    free(stack);
    if (l.n > 1) qsort(l.items, l.n, sizeof *l.items, cmp_str); /* items is NULL when empty */
    size_t k = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (k > 0 && strcmp(l.items[k - 1], l.items[i]) == 0) { free(l.items[i]); continue; }
        l.items[k++] = l.items[i];
    }
    *out = l.items;
    *n_out = k;
    return EP_OK;
oom:
    free(stack);
    ep_list_free(l.items, l.n);
    return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
}

ep_status ep_list_shards(const char *const *inputs, size_t n_inputs, char ***out, size_t *n_out, ep_error *err)
{
    return ep_walk_inputs(inputs, n_inputs, out, n_out, NULL, err);
}

void ep_list_free(char **list, size_t n)
{
    for (size_t i = 0; list && i < n; i++) free(list[i]);
    free(list);
}
