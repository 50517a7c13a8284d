/* Partial directories (docs/scale-out.md): `scan --partial DIR [--task I/N]` writes one record per
 * shard into DIR as each shard finishes (atomically: a killed scan leaves whole files or none) and
 * reuses the records there that match the input and the configuration; `entroprof merge DIR...`
 * adds the records of every shard in canonical order. DIR also holds the manifest (configuration
 * and shard list), the same bytes for every task of one scan. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scan/scan_run.h"
#include "entroprof/outfile.h"

static void note(const ep_scan_config *cfg, const char *msg)
{
    if (cfg->note) cfg->note(cfg->progress_user, msg);
}

/* err's message prefixed with `what: ` (the message is copied first: snprintf may not read the
 * buffer it writes). @return st */
static ep_status prefix_err(ep_error *err, ep_status st, const char *what)
{
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", err->msg);
    return ep_error_set(err, st, "%s: %s", what, msg);
}

static ep_status join(char *buf, size_t cap, const char *dir, const char *name, ep_error *err)
{
    int n = snprintf(buf, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap) return ep_error_set(err, EP_ERR_ARG, "%s: path too long", dir);
    return EP_OK;
}

static ep_status write_file(const char *path, const void *bytes, size_t len, ep_error *err)
{
    ep_outfile *o = NULL;
    ep_status st = ep_outfile_open(path, &o, err);
    if (st != EP_OK) return st;
    if (len && fwrite(bytes, 1, len, ep_outfile_stream(o)) != len) {
        ep_outfile_abort(o);
        return ep_error_set(err, EP_ERR_IO, "%s: write error", path);
    }
    return ep_outfile_commit(o, err);
}

/* mkdir -p */
static ep_status make_dir(const char *dir, ep_error *err)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) return ep_error_set(err, EP_ERR_ARG, "%s: path too long", dir);
    for (char *p = buf + 1;; p++) {
        char c = *p;
        if (c != '/' && c != 0) continue;
        *p = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return ep_error_set(err, EP_ERR_IO, "--partial %s: cannot create %s: %s", dir, buf, strerror(errno));
        *p = c;
        if (!c) break;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) return ep_error_set(err, EP_ERR_IO, "--partial %s: not a directory", dir);
    return EP_OK;
}

ep_status ep_partial_dir_prepare(const ep_scan_run *run, const char *dir, ep_error *err)
{
    ep_status st = make_dir(dir, err);
    if (st != EP_OK) return st;
    for (size_t i = 0; i < run->n_paths; i++)
        if (!strcmp(run->paths[i], "-"))
            return ep_error_set(err, EP_ERR_ARG, "--partial: standard input ('-') cannot be a shard of a partial scan");
    ep_wbuf w;
    ep_wbuf_init(&w);
    st = ep_scan_run_manifest(run, &w, err);
    char path[4096];
    if (st == EP_OK) st = join(path, sizeof path, dir, EP_PARTIAL_MANIFEST, err);
    unsigned char *have = NULL;
    size_t have_len = 0;
    if (st == EP_OK) {
        ep_error e;
        ep_error_clear(&e);
        ep_status rs = ep_scan_read_file(path, &have, &have_len, &e);
        if (rs == EP_ERR_NOTFOUND) st = write_file(path, w.data, w.len, err);
        else if (rs != EP_OK) st = ep_error_set(err, rs, "%s", e.msg);
        else if (have_len != w.len || memcmp(have, w.data, w.len) != 0)
            st = ep_error_set(err, EP_ERR_ARG,
                              "%s holds the partial states of another scan (its manifest differs: inputs, their order or the "
                              "configuration, e.g. --mem, tokenizer, probes); use another directory or remove it",
                              dir);
    }
    free(have);
    ep_wbuf_free(&w);
    return st;
}

static ep_status record_path(const ep_scan_run *run, const char *dir, size_t i, char *buf, size_t cap, ep_error *err)
{
    if (i >= run->n_paths) return ep_error_set(err, EP_ERR_ARG, "shard %zu does not exist", i);
    char name[64];
    ep_partial_file_name(run, i, name, sizeof name);
    return join(buf, cap, dir, name, err);
}

ep_status ep_partial_dir_write(const ep_scan_run *run, const char *dir, size_t i, const void *rec, size_t len,
                               ep_error *err)
{
    char path[4096];
    ep_status st = record_path(run, dir, i, path, sizeof path, err);
    return st == EP_OK ? write_file(path, rec, len, err) : st;
}

ep_status ep_partial_dir_read(const ep_scan_run *run, const char *dir, size_t i, unsigned char **rec, size_t *len,
                              ep_error *err)
{
    char path[4096];
    *rec = NULL;
    *len = 0;
    ep_status st = record_path(run, dir, i, path, sizeof path, err);
    return st == EP_OK ? ep_scan_read_file(path, rec, len, err) : st;
}

/* Shard i's record from the partial directory when it is there, intact, of this configuration and
 * still matches the input: *bytes (malloc'd) or NULL. A file that does not qualify is named in a
 * note and will be replaced. */
static ep_status reusable(const ep_scan_run *run, size_t i, const char *file, unsigned char **bytes, size_t *len,
                          ep_error *err)
{
    *bytes = NULL;
    ep_error e;
    ep_error_clear(&e);
    ep_status st = ep_scan_read_file(file, bytes, len, &e);
    if (st == EP_ERR_NOTFOUND) return EP_OK;
    if (st == EP_ERR_NOMEM) return ep_error_set(err, st, "%s", e.msg);
    if (st == EP_OK && ep_scan_run_record_is_current(run, i, *bytes, *len, &e)) return EP_OK;
    char msg[9000];
    snprintf(msg, sizeof msg, "%s: not reused, scanning %s again: %s", file, run->paths[i], e.msg);
    note(run->c.cfg, msg);
    free(*bytes);
    *bytes = NULL;
    return EP_OK;
}

ep_status ep_scan_partial(const char *const *inputs, size_t n_inputs, const ep_scan_config *cfg, ep_jv **profile_out,
                          size_t *n_failed, ep_error *err)
{
    if (!cfg->partial_dir) return ep_error_set(err, EP_ERR_ARG, "--task needs --partial DIR (where the task's records go)");
    ep_scan_run *run = NULL;
    ep_status st = ep_scan_run_open(&run, inputs, n_inputs, cfg, err);
    if (st != EP_OK) return st;
    size_t *mine = NULL, n_mine = 0, k = 0, failed = 0, reused = 0;
    if (cfg->task_count) st = ep_scan_run_task(run, cfg->task_index, cfg->task_count, &mine, &n_mine, err);
    if (st == EP_OK) st = ep_partial_dir_prepare(run, cfg->partial_dir, err);
    for (size_t i = 0; st == EP_OK && i < run->n_paths; i++) {
        int in_task = !cfg->task_count || (k < n_mine && mine[k] == i);
        if (cfg->task_count && !in_task) continue;
        k++;
        char name[64], file[4096];
        ep_partial_file_name(run, i, name, sizeof name);
        st = join(file, sizeof file, cfg->partial_dir, name, err);
        unsigned char *bytes = NULL;
        size_t len = 0;
        if (st == EP_OK) st = reusable(run, i, file, &bytes, &len, err);
        if (st == EP_OK && bytes) {
            reused++;
            if (!cfg->task_count) st = ep_scan_run_add(run, i, bytes, len, err);
            free(bytes);
            if (st != EP_OK) prefix_err(err, st, file);
            continue;
        }
        scan_rec rec;
        ep_wbuf w;
        ep_wbuf_init(&w);
        if (st == EP_OK) st = ep_scan_rec_make(&run->c, run->paths[i], &rec, err);
        else memset(&rec, 0, sizeof rec);
        if (st == EP_OK) st = ep_scan_run_rec_bytes(run, i, &rec, &w, err);
        if (st == EP_OK) st = write_file(file, w.data, w.len, err);
        failed += st == EP_OK && (!rec.opened || rec.read_failed);
        if (st == EP_OK && !cfg->task_count) st = ep_scan_run_apply(run, &rec, err);
        ep_scan_rec_free(&run->c, &rec);
        ep_wbuf_free(&w);
    }
    if (st == EP_OK && reused) {
        char msg[4200];
        snprintf(msg, sizeof msg, "%zu shard(s) reused from %s", reused, cfg->partial_dir);
        note(cfg, msg);
    }
    if (st == EP_OK && !cfg->task_count) st = ep_scan_run_finish(run, profile_out, n_failed, err);
    else if (st == EP_OK && n_failed) *n_failed = failed;
    free(mine);
    ep_scan_run_free(run);
    return st;
}

/* ---- merge ---- */

/* Where shard i's record is: the first directory that has it. @return 1 found (path in buf). */
static int find_record(const ep_scan_run *run, size_t i, const char *const *dirs, size_t n_dirs, char *buf, size_t cap)
{
    char name[64];
    ep_partial_file_name(run, i, name, sizeof name);
    for (size_t d = 0; d < n_dirs; d++) {
        struct stat sb;
        int n = snprintf(buf, cap, "%s/%s", dirs[d], name);
        if (n > 0 && (size_t)n < cap && stat(buf, &sb) == 0 && S_ISREG(sb.st_mode)) return 1;
    }
    snprintf(buf, cap, "%s", name);
    return 0;
}

ep_status ep_merge_partials(const char *const *dirs, size_t n_dirs, ep_jv **profile, size_t *n_failed, ep_error *err)
{
    *profile = NULL;
    if (n_failed) *n_failed = 0;
    if (!dirs || n_dirs == 0) return ep_error_set(err, EP_ERR_ARG, "no partial directories");
    char path[4096];
    unsigned char *man = NULL;
    size_t man_len = 0;
    ep_status st = join(path, sizeof path, dirs[0], EP_PARTIAL_MANIFEST, err);
    if (st == EP_OK) st = ep_scan_read_file(path, &man, &man_len, err);
    if (st == EP_ERR_NOTFOUND) ep_error_set(err, EP_ERR_NOTFOUND, "%s: no manifest (not a partial directory of entroprof scan --partial)", dirs[0]);
    for (size_t d = 1; st == EP_OK && d < n_dirs; d++) {
        unsigned char *other = NULL;
        size_t other_len = 0;
        st = join(path, sizeof path, dirs[d], EP_PARTIAL_MANIFEST, err);
        if (st == EP_OK) st = ep_scan_read_file(path, &other, &other_len, err);
        if (st == EP_ERR_NOTFOUND) ep_error_set(err, EP_ERR_NOTFOUND, "%s: no manifest (not a partial directory of entroprof scan --partial)", dirs[d]);
        if (st == EP_OK && (other_len != man_len || memcmp(other, man, man_len) != 0))
            st = ep_error_set(err, EP_ERR_ARG, "%s and %s hold partial states of different scans (their manifests differ)",
                              dirs[0], dirs[d]);
        free(other);
    }
    ep_scan_run *run = NULL;
    if (st == EP_OK) {
        st = ep_scan_run_open_manifest(&run, man, man_len, err);
        if (st != EP_OK && join(path, sizeof path, dirs[0], EP_PARTIAL_MANIFEST, err) == EP_OK) prefix_err(err, st, path);
    }
    free(man);
    /* Every record must be there before anything is merged. */
    size_t missing = 0;
    char first[8400] = "";
    for (size_t i = 0; st == EP_OK && i < run->n_paths; i++)
        if (!find_record(run, i, dirs, n_dirs, path, sizeof path)) {
            if (!missing++) snprintf(first, sizeof first, "%s (shard %zu, %s)", path, i, run->paths[i]);
        }
    if (st == EP_OK && missing)
        st = ep_error_set(err, EP_ERR_NOTFOUND, "%zu of %zu shards have no partial state, first %s; scan them (e.g. the "
                                                "missing --task) before merging",
                          missing, run->n_paths, first);
    for (size_t i = 0; st == EP_OK && i < run->n_paths; i++) {
        find_record(run, i, dirs, n_dirs, path, sizeof path);
        unsigned char *bytes = NULL;
        size_t len = 0;
        st = ep_scan_read_file(path, &bytes, &len, err);
        if (st == EP_OK) st = ep_scan_run_add(run, i, bytes, len, err);
        if (st != EP_OK) prefix_err(err, st, path);
        free(bytes);
    }
    if (st == EP_OK) st = ep_scan_run_finish(run, profile, n_failed, err);
    ep_scan_run_free(run);
    return st;
}
