#include "io/source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#define RAW_CAP (1u << 20)

struct ep_source_s {
    FILE *f;
    int is_stdin;
    int is_regular;          /* a regular file: its size at open is checked at the end */
    uint64_t size_at_open;   /* bytes from the file position to st_size when opened (regular files) */
    uint64_t bytes_read;     /* bytes fread so far */
    ep_compression comp;
    unsigned char *raw; /* (RAW_CAP) compressed input buffer */
    size_t raw_pos, raw_len;
    uint64_t raw_consumed; /* bytes of the file handed to the decoder (or returned, uncompressed) */
    int eof;
    ZSTD_DStream *zd;
    size_t zstd_pending; /* last ZSTD_decompressStream hint: 0 = at a frame boundary */
    z_stream gz;
    int gz_inited, gz_member_done;
    uint64_t gz_zero_padding; /* zero bytes after the last gzip member (skipped, as gzip(1) does) */
    int deferred;        /* an error met after some output: reported on the next call */
    ep_error deferred_err;
};

static int fill(ep_source *s, ep_error *err)
{
    if (s->eof) return 0;
    if (s->raw_pos < s->raw_len) return 1;
    size_t n = fread(s->raw, 1, RAW_CAP, s->f);
    s->bytes_read += n;
    if (n == 0) {
        if (ferror(s->f)) {
            ep_error_set(err, EP_ERR_IO, "read error at byte %llu: %s", (unsigned long long)s->raw_consumed,
                         strerror(errno));
            return -1;
        }
        if (s->is_regular && s->bytes_read < s->size_at_open) {
            /* the file was cut while we read it (rewritten, truncated): what was read may be a
             * torn state, and the end of the data is missing */
            ep_error_set(err, EP_ERR_IO, "file shrank while being read: %llu bytes at open, end of file after %llu",
                         (unsigned long long)s->size_at_open, (unsigned long long)s->bytes_read);
            return -1;
        }
        s->eof = 1;
        return 0;
    }
    s->raw_pos = 0;
    s->raw_len = n;
    return 1;
}

ep_status ep_source_open(ep_source **out, const char *path, ep_error *err)
{
    ep_source *s = calloc(1, sizeof *s);
    if (!s) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    s->is_stdin = strcmp(path, "-") == 0;
    s->f = s->is_stdin ? stdin : fopen(path, "rb");
    if (!s->f) {
        ep_error_set(err, EP_ERR_IO, "cannot open: %s", strerror(errno));
        free(s);
        return EP_ERR_IO;
    }
    struct stat sb;
    if (fstat(fileno(s->f), &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) {
            ep_source_close(s);
            return ep_error_set(err, EP_ERR_IO, "cannot read: is a directory");
        }
        /* stdin may be a regular file already read in part: count from where it stands */
        off_t at = S_ISREG(sb.st_mode) ? lseek(fileno(s->f), 0, SEEK_CUR) : -1;
        s->is_regular = at >= 0 && at <= sb.st_size;
        s->size_at_open = s->is_regular ? (uint64_t)(sb.st_size - at) : 0;
    }
    s->raw = malloc(RAW_CAP);
    if (!s->raw) { ep_source_close(s); return ep_error_set(err, EP_ERR_NOMEM, "out of memory"); }
    if (fill(s, err) < 0) { ep_source_close(s); return EP_ERR_IO; }
    if (s->raw_len >= 4 && s->raw[0] == 0x28 && s->raw[1] == 0xB5 && s->raw[2] == 0x2F && s->raw[3] == 0xFD) {
        s->comp = EP_COMP_ZSTD;
        s->zd = ZSTD_createDStream();
        if (!s->zd) { ep_source_close(s); return ep_error_set(err, EP_ERR_NOMEM, "out of memory"); }
        ZSTD_initDStream(s->zd);
    } else if (s->raw_len >= 2 && s->raw[0] == 0x1F && s->raw[1] == 0x8B) {
        s->comp = EP_COMP_GZIP;
        if (inflateInit2(&s->gz, 16 + MAX_WBITS) != Z_OK) {
            ep_source_close(s);
            return ep_error_set(err, EP_ERR_NOMEM, "cannot initialize zlib");
        }
        s->gz_inited = 1;
    }
    *out = s;
    return EP_OK;
}

static ptrdiff_t read_zstd(ep_source *s, char *buf, size_t cap, ep_error *err)
{
    ZSTD_outBuffer ob = {buf, cap, 0};
    while (ob.pos == 0) {
        int r = fill(s, err);
        if (r < 0) return -1;
        if (r == 0) {
            if (s->zstd_pending != 0)
                return ep_error_set(err, EP_ERR_CORRUPT, "truncated zstd stream at compressed byte %llu",
                                    (unsigned long long)s->raw_consumed), -1;
            return 0;
        }
        ZSTD_inBuffer ib = {s->raw, s->raw_len, s->raw_pos};
        size_t ret = ZSTD_decompressStream(s->zd, &ob, &ib);
        s->raw_consumed += ib.pos - s->raw_pos;
        s->raw_pos = ib.pos;
        if (ZSTD_isError(ret)) {
            ep_error_set(&s->deferred_err, EP_ERR_CORRUPT, "corrupt zstd stream near compressed byte %llu: %s",
                         (unsigned long long)s->raw_consumed, ZSTD_getErrorName(ret));
            s->deferred = 1;
            return ob.pos ? (ptrdiff_t)ob.pos : -1;
        }
        s->zstd_pending = ret;
    }
    return (ptrdiff_t)ob.pos;
}

static ptrdiff_t read_gzip(ep_source *s, char *buf, size_t cap, ep_error *err)
{
    s->gz.next_out = (Bytef *)buf;
    s->gz.avail_out = (uInt)cap;
    while (s->gz.avail_out == cap) {
        int r = fill(s, err);
        if (r < 0) return -1;
        if (r == 0) {
            if (!s->gz_member_done)
                return ep_error_set(err, EP_ERR_CORRUPT, "truncated gzip stream at compressed byte %llu",
                                    (unsigned long long)s->raw_consumed), -1;
            return 0;
        }
        if (s->gz_member_done && (s->gz_zero_padding || s->raw[s->raw_pos] == 0)) {
            /* Zero bytes after a complete member (tape blocks, preallocated files) are padding, as
             * gzip(1) treats them; no member starts with 0 (magic 1f 8b), so this is unambiguous.
             * Anything after the zeros is an error. */
            while (s->raw_pos < s->raw_len && s->raw[s->raw_pos] == 0) {
                s->raw_pos++;
                s->raw_consumed++;
                s->gz_zero_padding++;
            }
            if (s->raw_pos < s->raw_len)
                return ep_error_set(err, EP_ERR_CORRUPT, "gzip: data after %llu bytes of zero padding at compressed byte %llu",
                                    (unsigned long long)s->gz_zero_padding, (unsigned long long)s->raw_consumed), -1;
            continue;
        }
        if (s->gz_member_done) { /* another member follows */
            inflateReset(&s->gz);
            s->gz_member_done = 0;
        }
        s->gz.next_in = s->raw + s->raw_pos;
        s->gz.avail_in = (uInt)(s->raw_len - s->raw_pos);
        int zr = inflate(&s->gz, Z_NO_FLUSH);
        size_t used = (s->raw_len - s->raw_pos) - s->gz.avail_in;
        s->raw_pos += used;
        s->raw_consumed += used;
        if (zr == Z_STREAM_END) s->gz_member_done = 1;
        else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            ep_error_set(&s->deferred_err, EP_ERR_CORRUPT, "corrupt gzip stream near compressed byte %llu: %s",
                         (unsigned long long)s->raw_consumed, s->gz.msg ? s->gz.msg : "inflate error");
            s->deferred = 1;
            size_t got = cap - s->gz.avail_out;
            return got ? (ptrdiff_t)got : -1;
        }
    }
    return (ptrdiff_t)(cap - s->gz.avail_out);
}

ptrdiff_t ep_source_read(ep_source *s, char *buf, size_t cap, ep_error *err)
{
    if (s->deferred) {
        if (err) *err = s->deferred_err;
        return -1;
    }
    if (s->comp != EP_COMP_NONE) {
        ptrdiff_t r = s->comp == EP_COMP_ZSTD ? read_zstd(s, buf, cap, err) : read_gzip(s, buf, cap, err);
        if (r < 0 && s->deferred && err) *err = s->deferred_err;
        return r;
    }
    int r = fill(s, err);
    if (r <= 0) return r;
    size_t n = s->raw_len - s->raw_pos;
    if (n > cap) n = cap;
    memcpy(buf, s->raw + s->raw_pos, n);
    s->raw_pos += n;
    s->raw_consumed += n;
    return (ptrdiff_t)n;
}

ep_compression ep_source_compression(const ep_source *s) { return s->comp; }
uint64_t ep_source_raw_offset(const ep_source *s) { return s->raw_consumed; }
uint64_t ep_source_zero_padding(const ep_source *s) { return s->gz_zero_padding; }

void ep_source_close(ep_source *s)
{
    if (!s) return;
    if (s->f && !s->is_stdin) fclose(s->f);
    if (s->zd) ZSTD_freeDStream(s->zd);
    if (s->gz_inited) inflateEnd(&s->gz);
    free(s->raw);
    free(s);
}
