/* Reader: splitting, JSONL fields, repair counters, compressed streams and their faults, walk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "ep_test.h"
#include "entroprof/json.h"
#include "entroprof/reader.h"
#include "io/walk.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return ep_test_mkdtemp(dir, sizeof dir, "ep_test_reader");
}

static int teardown(void **state)
{
    (void)state;
    return ep_test_rmtree(dir);
}

static const char *write_file(const char *name, const void *data, size_t n)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
    return path;
}

typedef struct {
    char texts[16][128];
    uint64_t lines[16];
    char ids[16][32];
    int n, rc;
    ep_reader_counters c;
    char err[512];
} readout;

static void read_all(const char *path, const ep_reader_config *cfg, readout *o)
{
    memset(o, 0, sizeof *o);
    ep_reader *r = NULL;
    ep_error err;
    ep_error_clear(&err);
    assert_int_equal(ep_reader_open(&r, path, cfg, &err), EP_OK);
    ep_doc d;
    int k;
    while ((k = ep_reader_next(r, &d, &err)) == 1) {
        if (o->n < 16) {
            snprintf(o->texts[o->n], sizeof o->texts[0], "%.*s", (int)d.len, d.text);
            o->lines[o->n] = d.line;
            if (d.id) snprintf(o->ids[o->n], sizeof o->ids[0], "%.*s", (int)d.id_len, d.id);
        }
        o->n++;
    }
    o->rc = k;
    o->c = *ep_reader_counters_get(r);
    snprintf(o->err, sizeof o->err, "%s", err.msg);
    ep_reader_close(r);
}

/* Peak resident set of this process so far, in bytes (Linux reports KiB). */
static uint64_t peak_rss_bytes(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)ru.ru_maxrss * 1024;
}

/* Reads the one document of path (--split file) and returns its length; counters in *c. */
static size_t read_one_doc(const char *path, const ep_reader_config *cfg, ep_reader_counters *c)
{
    ep_reader *r = NULL;
    ep_error err;
    ep_error_clear(&err);
    assert_int_equal(ep_reader_open(&r, path, cfg, &err), EP_OK);
    ep_doc d;
    assert_int_equal(ep_reader_next(r, &d, &err), 1);
    size_t len = d.len;
    assert_int_equal(ep_reader_next(r, &d, &err), 0);
    *c = *ep_reader_counters_get(r);
    ep_reader_close(r);
    return len;
}

/* Reader memory per huge document (docs/design.md, Memory): the line buffer and the record (2 x the
 * document) when nothing needs repair, plus a repair buffer of at most max_doc_bytes when something
 * does. It held a repair copy always, sized 3 x the record: a 32 MiB valid document peaked at 3 x,
 * 48 MiB of invalid bytes at 5 x. Runs first, so the peak RSS baseline is low; ASan's shadow memory
 * and quarantine would blur the numbers, so it skips there. */
static void huge_document_memory_stays_within_documented_multiple(void **state)
{
    (void)state;
#if defined(__SANITIZE_ADDRESS__)
    skip();
#endif
    ep_reader_config cfg;
    ep_reader_config_default(&cfg);
    cfg.split = EP_SPLIT_FILE;
    ep_reader_counters c;
    const uint64_t base = peak_rss_bytes();

    size_t n = 32u << 20;
    char *text = malloc(n);
    for (size_t i = 0; i < n; i++) text[i] = (char)('a' + i % 26);
    const char *path = write_file("huge_valid.txt", text, n);
    free(text);
    assert_int_equal(read_one_doc(path, &cfg, &c), n);
    unlink(path);
    uint64_t grown = peak_rss_bytes() - base;
    print_message("valid: grown %llu of %zu\n", (unsigned long long)grown, n);
    if (grown > n / 2 * 5) fail_msg("valid %zu-byte document: peak RSS grew by %llu bytes (> 2.5 x)", n, (unsigned long long)grown);

    n = 48u << 20; /* all invalid: 3 x after repair, cut at max_doc_bytes */
    cfg.max_doc_bytes = n;
    text = malloc(n);
    memset(text, 0xFF, n);
    path = write_file("huge_invalid.txt", text, n);
    free(text);
    assert_int_equal(read_one_doc(path, &cfg, &c), n);
    unlink(path);
    assert_int_equal(c.invalid_utf8, n);
    assert_int_equal(c.truncated_docs, 1);
    assert_int_equal(c.truncated_bytes, 2 * (uint64_t)n);
    grown = peak_rss_bytes() - base;
    print_message("invalid: grown %llu of %zu\n", (unsigned long long)grown, n);
    if (grown > n / 2 * 7) fail_msg("invalid %zu-byte document: peak RSS grew by %llu bytes (> 3.5 x)", n, (unsigned long long)grown);
}

static void text_paragraphs_lines_and_file(void **state)
{
    (void)state;
    const char *text = "one\r\ntwo\r\n\r\n  \t\nthree\n\n\nfour";
    const char *p = write_file("a.txt", text, strlen(text));
    ep_reader_config cfg;
    ep_reader_config_default(&cfg);
    readout o;
    read_all(p, &cfg, &o);
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.n, 3);
    assert_string_equal(o.texts[0], "one\ntwo");
    assert_string_equal(o.texts[1], "three");
    assert_string_equal(o.texts[2], "four");
    assert_int_equal(o.lines[1], 5);
    assert_int_equal(o.lines[2], 8);
    assert_int_equal(o.c.crlf, 3);
    assert_int_equal(o.c.lines, 8);
    cfg.split = EP_SPLIT_LINE;
    read_all(p, &cfg, &o);
    assert_int_equal(o.n, 5); /* one two "  \t" three four; empty lines are counted, not delivered */
    assert_int_equal(o.c.empty_docs, 3);
    cfg.split = EP_SPLIT_FILE;
    read_all(p, &cfg, &o);
    assert_int_equal(o.n, 1);
    assert_string_equal(o.texts[0], "one\ntwo\n\n  \t\nthree\n\n\nfour");
}

static const char JSONL[] =
    "{\"id\": 7, \"text\": \"hello\"}\n"
    "{\"text\": \"bad\n"
    "\n"
    "{\"id\": \"x\", \"meta\": {\"body\": 1}}\n"
    "{\"text\": 5}\n"
    "[1, 2]\n"
    "{\"text\": \"caf\xFF!\\u0000end\", \"id\": \"q\"}\n"
    "{\"text\": \"two\"} trailing\n";

static void jsonl_fields_and_skips_are_counted(void **state)
{
    (void)state;
    const char *p = write_file("b.jsonl", JSONL, sizeof JSONL - 1);
    ep_reader_config cfg;
    ep_reader_config_default(&cfg);
    readout o;
    read_all(p, &cfg, &o);
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.n, 2);
    assert_string_equal(o.texts[0], "hello");
    assert_string_equal(o.ids[0], "7");
    assert_string_equal(o.texts[1], "caf\xEF\xBF\xBD!end");
    assert_string_equal(o.ids[1], "q");
    assert_int_equal(o.c.json_malformed, 3); /* unterminated, array, trailing garbage */
    assert_int_equal(o.c.json_missing_field, 1);
    assert_int_equal(o.c.json_nonstring_field, 1);
    assert_int_equal(o.c.blank_lines_jsonl, 1);
    assert_int_equal(o.c.invalid_utf8, 1);
    assert_int_equal(o.c.nul_bytes, 1);
    assert_int_equal(o.c.n_first_bad_lines, 5);
    assert_int_equal(o.c.first_bad_lines[0], 2);
    assert_int_equal(o.c.first_bad_lines[4], 8);
    cfg.field = "meta.body";
    read_all(p, &cfg, &o);
    assert_int_equal(o.c.json_nonstring_field, 1); /* body is a number */
}

static void zstd_stream_matches_plain_and_truncation_is_an_error(void **state)
{
    (void)state;
    /* ~1.5 MB: several zstd blocks, so a cut frame still yields its first blocks */
    size_t tcap = 2u << 20, n = 0;
    char *text = malloc(tcap);
    for (int i = 0; i < 60000; i++)
        n += (size_t)snprintf(text + n, tcap - n, "{\"text\":\"doc %d %x\"}\n", i, (unsigned)(i * 2654435761u));
    size_t cap = ZSTD_compressBound(n);
    char *z = malloc(cap);
    size_t zn = ZSTD_compress(z, cap, text, n, 3);
    assert_false(ZSTD_isError(zn));
    ep_reader_config cfg;
    ep_reader_config_default(&cfg);
    readout o;
    read_all(write_file("c.jsonl.zst", z, zn), &cfg, &o);
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.n, 60000);
    assert_string_equal(o.texts[15], "doc 15 4540215f");
    assert_int_equal(o.c.input_bytes, zn);
    assert_int_equal(o.c.decoded_bytes, n);
    read_all(write_file("d.jsonl.zst", z, zn - 10), &cfg, &o);
    assert_int_equal(o.rc, -1);
    assert_non_null(strstr(o.err, "truncated zstd"));
    assert_true(o.n > 1000 && o.n < 60000); /* documents before the fault are delivered */
    z[zn / 2] ^= 0x55;
    z[zn / 2 + 1] ^= 0x55;
    read_all(write_file("e.jsonl.zst", z, zn), &cfg, &o);
    assert_int_equal(o.rc, -1);
    assert_non_null(strstr(o.err, "zstd"));
    free(z);
    free(text);
}

/* A JSONL line over the cap (4 x max_doc_bytes) is reported under its own line number (it was
 * reported as the next line's), and the lines after it keep theirs. */
static void jsonl_overlong_line_reports_its_own_number(void **state)
{
    (void)state;
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    n += (size_t)snprintf(buf + n, cap - n, "{\"text\":\"a\"}\n{\"text\":\"");
    memset(buf + n, 'x', 5000);
    n += 5000;
    n += (size_t)snprintf(buf + n, cap - n, "\"}\nnot json\n{\"text\":\"b\"}\n");
    ep_reader_config cfg;
    ep_reader_config_default(&cfg);
    cfg.max_doc_bytes = 1024; /* JSONL line cap 4096 */
    readout o;
    read_all(write_file("overlong.jsonl", buf, n), &cfg, &o);
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.n, 2);
    assert_int_equal(o.lines[0], 1);
    assert_int_equal(o.lines[1], 4);
    assert_int_equal(o.c.jsonl_overlong, 1);
    assert_int_equal(o.c.json_malformed, 1);
    assert_int_equal(o.c.n_first_bad_lines, 2);
    assert_int_equal(o.c.first_bad_lines[0], 2);
    assert_int_equal(o.c.first_bad_lines[1], 3);
    free(buf);
}

/* At a stream error every decoded byte is either in a delivered record or in error_dropped_bytes:
 * with records of L bytes, docs * L + error_dropped_bytes == decoded_bytes (the unfinished last
 * line was not counted). Text by line and JSONL, cut at several points. */
static void truncated_stream_counts_the_unfinished_record(void **state)
{
    (void)state;
    for (int jsonl = 0; jsonl < 2; jsonl++) {
        size_t tcap = 6u << 20, n = 0, L = 0;
        char *text = malloc(tcap);
        for (int i = 0; i < 200000; i++) {
            const char *fmt = jsonl ? "{\"text\":\"doc %06d %08x\"}\n" : "doc %06d %08x\n";
            size_t k = (size_t)snprintf(text + n, tcap - n, fmt, i, (unsigned)(i * 2654435761u));
            assert_true(L == 0 || k == L);
            L = k;
            n += k;
        }
        size_t zcap = ZSTD_compressBound(n);
        char *z = malloc(zcap);
        size_t zn = ZSTD_compress(z, zcap, text, n, 3);
        assert_false(ZSTD_isError(zn));
        ep_reader_config cfg;
        ep_reader_config_default(&cfg);
        cfg.split = EP_SPLIT_LINE;
        const size_t cuts[] = {zn - 10, zn / 2, zn / 3, zn / 5};
        int mid_record = 0;
        for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
            readout o;
            read_all(write_file(jsonl ? "cut.jsonl.zst" : "cut.txt.zst", z, cuts[c]), &cfg, &o);
            assert_int_equal(o.rc, -1);
            assert_non_null(strstr(o.err, "truncated zstd"));
            assert_true(o.n > 0);
            if (o.c.decoded_bytes % L) mid_record++;
            if ((uint64_t)o.n * L + o.c.error_dropped_bytes != o.c.decoded_bytes)
                fail_msg("%s cut %zu: %d docs x %zu + dropped %llu != decoded %llu", jsonl ? "jsonl" : "text", c, o.n,
                         L, (unsigned long long)o.c.error_dropped_bytes, (unsigned long long)o.c.decoded_bytes);
        }
        assert_true(mid_record > 0); /* some cut fell inside a record: the check can fail */
        free(z);
        free(text);
    }
}

/* A regular file cut while it is read (size at open > bytes read at end of file) fails with a
 * message; it was reported ok with the documents that happened to be there. */
static void file_that_shrinks_while_read_is_an_error(void **state)
{
    (void)state;
    size_t n = 3u << 20, cut = (3u << 19) + 7; /* 3 MiB at open, 1.5 MiB + 7 bytes by the end */
    char *text = malloc(n);
    for (size_t i = 0; i < n; i++) text[i] = i % 20 == 19 ? '\n' : (char)('a' + i % 19);
    const char *path = write_file("shrinks.txt", text, n);
    ep_reader_config cfg;
    ep_reader_config_default(&cfg);
    cfg.split = EP_SPLIT_LINE;
    ep_reader *r = NULL;
    ep_error err;
    ep_error_clear(&err);
    assert_int_equal(ep_reader_open(&r, path, &cfg, &err), EP_OK); /* has read the first 1 MiB */
    assert_int_equal(truncate(path, (off_t)cut), 0);
    ep_doc d;
    int k;
    uint64_t docs = 0;
    while ((k = ep_reader_next(r, &d, &err)) == 1) docs++;
    assert_int_equal(k, -1);
    if (!strstr(err.msg, "file shrank while being read: 3145728 bytes at open, end of file after 1572871"))
        fail_msg("message: %s", err.msg);
    const ep_reader_counters *c = ep_reader_counters_get(r);
    assert_int_equal(docs, cut / 20);
    assert_int_equal(c->decoded_bytes, cut);
    assert_int_equal(c->error_dropped_bytes, cut % 20);
    ep_reader_close(r);
    free(text);
}

static size_t gzip_member(const char *in, size_t n, unsigned char *out, size_t cap)
{
    z_stream s;
    memset(&s, 0, sizeof s);
    assert_int_equal(deflateInit2(&s, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    s.next_in = (Bytef *)in;
    s.avail_in = (uInt)n;
    s.next_out = out;
    s.avail_out = (uInt)cap;
    assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
    size_t k = cap - s.avail_out;
    deflateEnd(&s);
    return k;
}

static void gzip_members_are_concatenated(void **state)
{
    (void)state;
    unsigned char buf[4096];
    size_t a = gzip_member("first para\n\n", 12, buf, sizeof buf);
    size_t b = gzip_member("second para\n", 12, buf + a, sizeof buf - a);
    ep_reader_config cfg;
    ep_reader_config_default(&cfg);
    readout o;
    read_all(write_file("f.txt.gz", buf, a + b), &cfg, &o);
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.n, 2);
    assert_string_equal(o.texts[1], "second para");
    read_all(write_file("g.txt.gz", buf, a + b - 5), &cfg, &o);
    assert_int_equal(o.rc, -1);
    assert_non_null(strstr(o.err, "gzip"));
}

/* Zero padding after the last gzip member (as tar blocks or preallocated files leave it) is
 * skipped and counted, as gzip(1) accepts it; data after the zeros is still an error. */
static void gzip_trailing_zero_padding_is_accepted(void **state)
{
    (void)state;
    size_t cap = 4096 + (3u << 20);
    unsigned char *buf = calloc(1, cap + 1);
    size_t a = gzip_member("first para\n\n", 12, buf, 4096);
    size_t b = gzip_member("second para\n", 12, buf + a, 4096 - a);
    size_t pad = (2u << 20) + 123; /* more than one 1 MiB read */
    ep_reader_config cfg;
    ep_reader_config_default(&cfg);
    readout o;
    read_all(write_file("padded.txt.gz", buf, a + b + pad), &cfg, &o);
    if (o.rc != 0) fail_msg("rc %d: %s", o.rc, o.err);
    assert_int_equal(o.n, 2);
    assert_string_equal(o.texts[1], "second para");
    assert_int_equal(o.c.zero_padding_bytes, pad);
    assert_int_equal(o.c.input_bytes, a + b + pad);
    assert_int_equal(o.c.error_dropped_bytes, 0);
    buf[a + b + pad] = 'x'; /* not padding: corrupt, named with its offset */
    read_all(write_file("padded_bad.txt.gz", buf, a + b + pad + 1), &cfg, &o);
    assert_int_equal(o.rc, -1);
    assert_int_equal(o.n, 1); /* the last paragraph was unfinished at the error: dropped, counted */
    assert_int_equal(o.c.error_dropped_bytes, 11);
    assert_non_null(strstr(o.err, "after 2097275 bytes of zero padding"));
    free(buf);
}

static void overlong_documents_are_cut_and_counted(void **state)
{
    (void)state;
    char text[6000];
    memset(text, 'x', 5000);
    memcpy(text + 5000, "\nshort\n", 7);
    ep_reader_config cfg;
    ep_reader_config_default(&cfg);
    cfg.max_doc_bytes = 1024;
    cfg.split = EP_SPLIT_LINE;
    readout o;
    read_all(write_file("h.txt", text, 5007), &cfg, &o);
    assert_int_equal(o.n, 2);
    assert_int_equal(o.c.truncated_docs, 1);
    assert_int_equal(o.c.truncated_bytes, 5000 - 1024);
    assert_int_equal(o.lines[1], 2);
    assert_string_equal(o.texts[1], "short");
}

static void walk_sorts_skips_hidden_and_detects_loops(void **state)
{
    (void)state;
    char path[600], cmd[2000];
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/w/b %s/w/a && echo x > %s/w/b/2.txt && echo y > %s/w/a/1.txt && echo z > %s/w/.hid && "
             "ln -s .. %s/w/a/loop",
             dir, dir, dir, dir, dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/w", dir);
    const char *inputs[] = {path, path};
    char **list = NULL;
    size_t n = 0;
    ep_jv *warnings = ep_jv_arr();
    assert_int_equal(ep_walk_inputs(inputs, 2, &list, &n, warnings, NULL), EP_OK);
    assert_int_equal(n, 2);
    assert_non_null(strstr(list[0], "/w/a/1.txt"));
    assert_non_null(strstr(list[1], "/w/b/2.txt"));
    assert_int_equal(ep_jv_len(warnings), 1);
    assert_non_null(strstr(ep_jv_as_str(ep_jv_at(warnings, 0)), "symlink loop"));
    ep_list_free(list, n);
    ep_jv_free(warnings);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(huge_document_memory_stays_within_documented_multiple), /* first: low RSS baseline */
        cmocka_unit_test(text_paragraphs_lines_and_file),
        cmocka_unit_test(jsonl_fields_and_skips_are_counted),
        cmocka_unit_test(zstd_stream_matches_plain_and_truncation_is_an_error),
        cmocka_unit_test(jsonl_overlong_line_reports_its_own_number),
        cmocka_unit_test(truncated_stream_counts_the_unfinished_record),
        cmocka_unit_test(file_that_shrinks_while_read_is_an_error),
        cmocka_unit_test(gzip_members_are_concatenated),
        cmocka_unit_test(gzip_trailing_zero_padding_is_accepted),
        cmocka_unit_test(overlong_documents_are_cut_and_counted),
        cmocka_unit_test(walk_sorts_skips_hidden_and_detects_loops),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
