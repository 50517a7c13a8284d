/* libFuzzer harness: the streaming reader (include/entroprof/reader.h) over text, JSONL, zstd and
 * gzip shards.
 *
 * Input: byte 0 chooses the configuration, the rest is the shard.
 *   bits 0-1  file name: "shard" (format sniffed), "shard.txt", "shard.jsonl", "shard.md"
 *   bits 2-3  split: paragraph, line, file, paragraph
 *   bits 4-5  0, 3: the bytes are the file as they are (a compressed stream only if they say so);
 *             1: the harness wraps them in two zstd frames; 2: in two gzip members
 *   bits 6-7  max_doc_bytes = 1 KiB << bits
 * Checks the promises of reader.h and doc.h on every document: non-empty, at most max_doc_bytes,
 * well-formed UTF-8, no NUL byte, index = position, hash = XXH3-128 of the text, start line and
 * offset increasing and inside what was decoded; and on the counters: docs and doc_bytes equal
 * what was delivered; a stream the harness compressed itself is read to its end without error,
 * with decoded_bytes = the bytes compressed; plain input is read whole. */
#include <stdint.h>
#include <string.h>

#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>

#include "entroprof/reader.h"
#include "fuzz_util.h"

/* Compresses src as two zstd frames (or two gzip members), split at the middle, into a malloc'd
 * buffer: concatenated frames/members are part of what the reader promises to read. */
static unsigned char *wrap(const uint8_t *src, size_t n, int gzip, size_t *out_n)
{
    size_t half = n / 2, cap = 2 * (ZSTD_compressBound(n) + 64) + 2 * compressBound((uLong)n) + 128;
    unsigned char *out = malloc(cap);
    FZ_CHECK(out != NULL, "out of memory");
    size_t o = 0;
    for (int part = 0; part < 2; part++) {
        const uint8_t *p = part ? src + half : src;
        size_t len = part ? n - half : half;
        if (!gzip) {
            size_t r = ZSTD_compress(out + o, cap - o, p, len, 1);
            FZ_CHECK(!ZSTD_isError(r), "ZSTD_compress: %s", ZSTD_getErrorName(r));
            o += r;
            continue;
        }
        z_stream z;
        memset(&z, 0, sizeof z);
        FZ_CHECK(deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK, "deflateInit2");
        z.next_in = (Bytef *)(uintptr_t)p;
        z.avail_in = (uInt)len;
        z.next_out = out + o;
        z.avail_out = (uInt)(cap - o);
        FZ_CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END, "deflate");
        o = cap - z.avail_out;
        deflateEnd(&z);
    }
    *out_n = o;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    static const char *const names[4] = {"shard", "shard.txt", "shard.jsonl", "shard.md"};
    static const ep_split splits[4] = {EP_SPLIT_PARAGRAPH, EP_SPLIT_LINE, EP_SPLIT_FILE, EP_SPLIT_PARAGRAPH};
    unsigned sel = data[0];
    const uint8_t *payload = data + 1;
    size_t n = size - 1;
    int wrapping = (sel >> 4) & 3;
    ep_reader_config cfg;
    ep_reader_config_default(&cfg);
    cfg.split = splits[(sel >> 2) & 3];
    cfg.max_doc_bytes = (size_t)1024 << ((sel >> 6) & 3);

    unsigned char *wrapped = NULL;
    size_t file_n = n;
    const void *file = payload;
    if (wrapping == 1 || wrapping == 2) {
        wrapped = wrap(payload, n, wrapping == 2, &file_n);
        file = wrapped;
    }
    const char *path = fz_write(names[sel & 3], file, file_n);

    ep_error err;
    ep_error_clear(&err);
    ep_reader *r = NULL;
    if (ep_reader_open(&r, path, &cfg, &err) != EP_OK) {
        FZ_CHECK(err.msg[0] != 0, "a failed open leaves a message");
        free(wrapped);
        return 0;
    }
    ep_doc d;
    int k;
    uint64_t docs = 0, bytes = 0, last_line = 0, last_offset = 0;
    while ((k = ep_reader_next(r, &d, &err)) == 1) {
        FZ_CHECK(d.len > 0, "document %llu is empty", (unsigned long long)docs);
        FZ_CHECK(d.len <= cfg.max_doc_bytes, "document of %zu bytes over max_doc_bytes %zu", d.len, cfg.max_doc_bytes);
        FZ_CHECK(fz_utf8_valid(d.text, d.len), "document %llu is not valid UTF-8", (unsigned long long)docs);
        FZ_CHECK(memchr(d.text, 0, d.len) == NULL, "document %llu holds a NUL byte", (unsigned long long)docs);
        FZ_CHECK(d.index == docs, "index %llu at position %llu", (unsigned long long)d.index, (unsigned long long)docs);
        XXH128_hash_t h = XXH3_128bits(d.text, d.len);
        FZ_CHECK(d.hash_lo == h.low64 && d.hash_hi == h.high64, "hash is not XXH3-128 of the text");
        FZ_CHECK(d.id == NULL || d.id_len < ((size_t)1 << 40), "id length %zu", d.id_len);
        /* where the record starts: on a later line and byte than the previous one, in what was decoded */
        FZ_CHECK(d.line >= 1 && (docs == 0 || d.line > last_line), "document %llu starts on line %llu after %llu",
                 (unsigned long long)docs, (unsigned long long)d.line, (unsigned long long)last_line);
        FZ_CHECK(docs == 0 || d.offset > last_offset, "document %llu starts at byte %llu after %llu",
                 (unsigned long long)docs, (unsigned long long)d.offset, (unsigned long long)last_offset);
        FZ_CHECK(d.offset < ep_reader_counters_get(r)->decoded_bytes, "document %llu starts at byte %llu of %llu decoded",
                 (unsigned long long)docs, (unsigned long long)d.offset,
                 (unsigned long long)ep_reader_counters_get(r)->decoded_bytes);
        last_line = d.line;
        last_offset = d.offset;
        docs++;
        bytes += d.len;
    }
    FZ_CHECK(k == 0 || k == -1, "ep_reader_next returned %d", k);
    if (k < 0) {
        FZ_CHECK(err.msg[0] != 0, "a failed read leaves a message");
        FZ_CHECK(ep_reader_next(r, &d, &err) == -1, "a failed reader stays failed");
    }
    const ep_reader_counters *c = ep_reader_counters_get(r);
    FZ_CHECK(c->docs == docs, "counters.docs %llu, delivered %llu", (unsigned long long)c->docs,
             (unsigned long long)docs);
    FZ_CHECK(c->doc_bytes == bytes, "counters.doc_bytes %llu, delivered %llu", (unsigned long long)c->doc_bytes,
             (unsigned long long)bytes);
    FZ_CHECK(c->n_first_bad_lines <= EP_READER_FIRST_LINES, "n_first_bad_lines %u", c->n_first_bad_lines);
    if (wrapped) {
        FZ_CHECK(k == 0, "a well-formed %s stream failed: %s", wrapping == 2 ? "gzip" : "zstd", err.msg);
        FZ_CHECK(c->decoded_bytes == n, "decoded %llu bytes of %zu", (unsigned long long)c->decoded_bytes, n);
        FZ_CHECK(ep_reader_compression(r) == (wrapping == 2 ? EP_COMP_GZIP : EP_COMP_ZSTD), "compression not detected");
    } else if (ep_reader_compression(r) == EP_COMP_NONE) {
        FZ_CHECK(k == 0, "plain input failed: %s", err.msg);
        FZ_CHECK(c->decoded_bytes == n && c->input_bytes == n, "plain input of %zu bytes: decoded %llu, input %llu", n,
                 (unsigned long long)c->decoded_bytes, (unsigned long long)c->input_bytes);
    }
    ep_reader_close(r);
    free(wrapped);
    return 0;
}
