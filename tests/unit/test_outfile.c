/* ep_outfile: atomic replace of regular files, write-through for everything else, cleanup of the
 * registered temporary names, write errors reported at commit. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ep_test.h"
#include "entroprof/outfile.h"

typedef struct {
    char dir[64];
    char path[128];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx || ep_test_mkdtemp(fx->dir, sizeof fx->dir, "ep_outfile")) return -1;
    snprintf(fx->path, sizeof fx->path, "%s/out", fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    int rc = ep_test_rmtree(fx->dir);
    free(fx);
    return rc;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void assert_file_text(const char *path, const char *expect)
{
    char buf[256] = {0};
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_string_equal(buf, expect);
}

/* Entries of dir whose name contains ".tmp.". */
static int count_temps(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strstr(e->d_name, ".tmp.")) n++;
    closedir(d);
    return n;
}

static void write_and_commit(const char *path, const char *text, ep_status expect)
{
    ep_outfile *o;
    ep_error err;
    ep_error_clear(&err);
    assert_int_equal(ep_outfile_open(path, &o, &err), EP_OK);
    fputs(text, ep_outfile_stream(o));
    assert_int_equal(ep_outfile_commit(o, &err), expect);
}

static void new_path_is_created_without_leaving_a_temp(void **state)
{
    fixture *fx = *state;
    write_and_commit(fx->path, "one\n", EP_OK);
    assert_file_text(fx->path, "one\n");
    assert_int_equal(count_temps(fx->dir), 0);
}

static void regular_file_is_replaced_by_rename(void **state)
{
    fixture *fx = *state;
    write_text(fx->path, "old\n");
    struct stat before, after;
    assert_int_equal(stat(fx->path, &before), 0);
    ep_outfile *o;
    assert_int_equal(ep_outfile_open(fx->path, &o, NULL), EP_OK);
    fputs("new\n", ep_outfile_stream(o));
    fflush(ep_outfile_stream(o));
    assert_file_text(fx->path, "old\n"); /* readers see the old file until the commit */
    assert_int_equal(count_temps(fx->dir), 1);
    assert_int_equal(ep_outfile_commit(o, NULL), EP_OK);
    assert_file_text(fx->path, "new\n");
    assert_int_equal(stat(fx->path, &after), 0);
    assert_true(before.st_ino != after.st_ino); /* a new file, renamed into place */
    assert_int_equal(count_temps(fx->dir), 0);
}

static void abort_keeps_the_old_file_and_removes_the_temp(void **state)
{
    fixture *fx = *state;
    write_text(fx->path, "old\n");
    ep_outfile *o;
    assert_int_equal(ep_outfile_open(fx->path, &o, NULL), EP_OK);
    fputs("partial", ep_outfile_stream(o));
    ep_outfile_abort(o);
    assert_file_text(fx->path, "old\n");
    assert_int_equal(count_temps(fx->dir), 0);
}

static void symlink_is_written_through_and_stays_a_symlink(void **state)
{
    fixture *fx = *state;
    char target[160], link[160];
    snprintf(target, sizeof target, "%s/target", fx->dir);
    snprintf(link, sizeof link, "%s/link", fx->dir);
    write_text(target, "old target\n");
    assert_int_equal(symlink("target", link), 0);
    write_and_commit(link, "through\n", EP_OK);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_file_text(target, "through\n");
    assert_int_equal(count_temps(fx->dir), 0);
}

static void dangling_symlink_is_an_error_and_stays(void **state)
{
    fixture *fx = *state;
    char link[160];
    snprintf(link, sizeof link, "%s/dangling", fx->dir);
    assert_int_equal(symlink("nowhere", link), 0);
    ep_outfile *o = NULL;
    ep_error err;
    ep_error_clear(&err);
    assert_int_equal(ep_outfile_open(link, &o, &err), EP_ERR_IO);
    assert_null(o);
    assert_non_null(strstr(err.msg, "dangling"));
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
}

static void fifo_is_written_through(void **state)
{
    fixture *fx = *state;
    char fifo[160];
    snprintf(fifo, sizeof fifo, "%s/fifo", fx->dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    int rd = open(fifo, O_RDONLY | O_NONBLOCK); /* a reader, so that opening for write does not block */
    assert_true(rd >= 0);
    write_and_commit(fifo, "piped\n", EP_OK);
    char buf[16] = {0};
    assert_int_equal(read(rd, buf, sizeof buf - 1), 6);
    assert_string_equal(buf, "piped\n");
    close(rd);
    struct stat st;
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(count_temps(fx->dir), 0);
}

static void directory_is_an_error(void **state)
{
    fixture *fx = *state;
    ep_outfile *o = NULL;
    ep_error err;
    ep_error_clear(&err);
    assert_int_equal(ep_outfile_open(fx->dir, &o, &err), EP_ERR_IO);
    assert_null(o);
    assert_non_null(strstr(err.msg, fx->dir));
}

static void full_device_fails_at_commit(void **state)
{
    (void)state;
    if (access("/dev/full", W_OK) != 0) { skip(); }
    ep_outfile *o;
    ep_error err;
    ep_error_clear(&err);
    assert_int_equal(ep_outfile_open("/dev/full", &o, &err), EP_OK);
    fputs("lost\n", ep_outfile_stream(o));
    assert_int_equal(ep_outfile_commit(o, &err), EP_ERR_IO);
    assert_non_null(strstr(err.msg, "/dev/full"));
    struct stat st;
    assert_int_equal(lstat("/dev/full", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
}

static void remove_temps_unlinks_an_open_temp(void **state)
{
    fixture *fx = *state;
    ep_outfile *o;
    assert_int_equal(ep_outfile_open(fx->path, &o, NULL), EP_OK);
    fputs("interrupted", ep_outfile_stream(o));
    assert_int_equal(count_temps(fx->dir), 1);
    ep_outfile_remove_temps();
    assert_int_equal(count_temps(fx->dir), 0);
    ep_outfile_abort(o);
    assert_int_equal(access(fx->path, F_OK), -1);
    /* the slot was released: a later file registers and commits normally */
    write_and_commit(fx->path, "after\n", EP_OK);
    assert_file_text(fx->path, "after\n");
}

static void stale_temp_symlink_is_not_followed(void **state)
{
    fixture *fx = *state;
    char tmp[200], victim[160];
    snprintf(victim, sizeof victim, "%s/victim", fx->dir);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", fx->path, (long)getpid());
    write_text(victim, "keep\n");
    assert_int_equal(symlink("victim", tmp), 0);
    write_and_commit(fx->path, "mine\n", EP_OK);
    assert_file_text(victim, "keep\n");
    assert_file_text(fx->path, "mine\n");
    struct stat st;
    assert_int_equal(lstat(fx->path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(new_path_is_created_without_leaving_a_temp, setup, teardown),
        cmocka_unit_test_setup_teardown(regular_file_is_replaced_by_rename, setup, teardown),
        cmocka_unit_test_setup_teardown(abort_keeps_the_old_file_and_removes_the_temp, setup, teardown),
        cmocka_unit_test_setup_teardown(symlink_is_written_through_and_stays_a_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown(dangling_symlink_is_an_error_and_stays, setup, teardown),
        cmocka_unit_test_setup_teardown(fifo_is_written_through, setup, teardown),
        cmocka_unit_test_setup_teardown(directory_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(full_device_fails_at_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(remove_temps_unlinks_an_open_temp, setup, teardown),
        cmocka_unit_test_setup_teardown(stale_temp_symlink_is_not_followed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
