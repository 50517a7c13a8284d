/* entroprof: streaming reader. A shard (one file, or stdin) becomes a sequence of documents.
 *
 * Decompression by magic bytes (zstd, gzip; concatenated members/frames are read, zero padding
 * after the last gzip member is skipped and counted), then
 * record splitting (plain text by paragraph, line or whole file; JSONL one document per line
 * with the text taken from a dotted field path), then repair: invalid UTF-8 sequences are
 * replaced by U+FFFD, CRLF becomes LF, NUL bytes are removed, over-long documents are cut at
 * max_doc_bytes (at a UTF-8 boundary). Every repair and skip is counted in ep_reader_counters.
 * Memory is bounded by max_doc_bytes plus fixed buffers, never by the file size. */
#ifndef ENTROPROF_READER_H
#define ENTROPROF_READER_H

#include "common.h"
#include "doc.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { EP_FORMAT_AUTO = 0, EP_FORMAT_TEXT = 1, EP_FORMAT_JSONL = 2 } ep_format;
typedef enum { EP_SPLIT_PARAGRAPH = 0, EP_SPLIT_LINE = 1, EP_SPLIT_FILE = 2 } ep_split;
typedef enum { EP_COMP_NONE = 0, EP_COMP_ZSTD = 1, EP_COMP_GZIP = 2 } ep_compression;

typedef struct {
    ep_format format;       /**< AUTO: by magic bytes, then extension (.jsonl/.json/.ndjson = JSONL) */
    ep_split split;         /**< plain text only; default PARAGRAPH (blank-line separated) */
    const char *field;      /**< JSONL text field, dotted path ("text", "meta.body"); default "text" */
    const char *id_field;   /**< JSONL id field (dotted); default "id"; missing ids are fine */
    size_t max_doc_bytes;   /**< cap per document in bytes, 1 KiB .. 1 GiB; default 64 MiB */
} ep_reader_config;

EP_API void ep_reader_config_default(ep_reader_config *cfg);

#define EP_READER_FIRST_LINES 8

/** Counters of what was read, repaired and skipped. All sums: merge by adding. */
typedef struct {
    uint64_t input_bytes;          /**< bytes read from the file (compressed size if compressed) */
    uint64_t decoded_bytes;        /**< bytes after decompression */
    uint64_t lines;                /**< lines of the decoded input */
    uint64_t docs;                 /**< documents delivered */
    uint64_t doc_bytes;            /**< bytes of delivered documents (after repair) */
    uint64_t empty_docs;           /**< records with no text after repair (not delivered) */
    uint64_t invalid_utf8;         /**< invalid UTF-8 sequences replaced by U+FFFD */
    uint64_t crlf;                 /**< CRLF pairs normalized to LF */
    uint64_t nul_bytes;            /**< NUL bytes removed */
    uint64_t truncated_docs;       /**< documents cut at max_doc_bytes */
    uint64_t truncated_bytes;      /**< bytes dropped by those cuts */
    uint64_t json_malformed;       /**< JSONL lines that are not valid JSON objects (skipped) */
    uint64_t json_missing_field;   /**< JSONL objects without the text field (skipped) */
    uint64_t json_nonstring_field; /**< JSONL objects whose text field is not a string (skipped) */
    uint64_t blank_lines_jsonl;    /**< empty lines in JSONL (ignored, counted) */
    uint64_t jsonl_overlong;       /**< JSONL lines longer than 4 x max_doc_bytes (skipped) */
    uint64_t zero_padding_bytes;   /**< zero bytes after the last gzip member (padding, skipped as
                                        gzip(1) does; counted in input_bytes) */
    uint64_t error_dropped_bytes;  /**< decoded bytes of the unfinished record (paragraph so far and the
                                        last line without its newline) lost at a stream error */
    uint64_t first_bad_lines[EP_READER_FIRST_LINES]; /**< first line numbers of skipped JSONL lines */
    uint32_t n_first_bad_lines;
} ep_reader_counters;

EP_API void ep_reader_counters_merge(ep_reader_counters *into, const ep_reader_counters *from);

typedef struct ep_reader_s ep_reader;

/** Opens path ("-" = stdin). @return EP_OK, or EP_ERR_IO/EP_ERR_FORMAT with a message. */
EP_API ep_status ep_reader_open(ep_reader **out, const char *path, const ep_reader_config *cfg,
                                ep_error *err);

/** Next document. @return 1 and fills *doc (valid until the next call), 0 at the end, -1 on a
 *  fatal error of this shard (message in err; documents before it stay counted): a read error,
 *  a truncated or corrupt stream, or a regular file that ended before its size at open (it
 *  shrank while being read). */
EP_API int ep_reader_next(ep_reader *r, ep_doc *doc, ep_error *err);

EP_API const ep_reader_counters *ep_reader_counters_get(const ep_reader *r);
EP_API ep_format ep_reader_format(const ep_reader *r); /**< resolved format */
EP_API ep_compression ep_reader_compression(const ep_reader *r);
/** Offset in the raw (compressed) file of the byte read most recently; for progress and errors. */
EP_API uint64_t ep_reader_input_offset(const ep_reader *r);
EP_API void ep_reader_close(ep_reader *r); /**< NULL-safe */

/** Expands inputs (files, directories recursively, "-") into a sorted list of shard paths.
 *  Directories are walked in byte order of names; symlink loops are detected and reported;
 *  hidden entries (".name") are skipped. A directory that cannot be opened, or an entry whose
 *  stat fails other than as a dangling link, stays in the list (opening it fails later). *out is a malloc'd array of malloc'd strings. */
EP_API ep_status ep_list_shards(const char *const *inputs, size_t n_inputs, char ***out, size_t *n_out,
                                ep_error *err);
EP_API void ep_list_free(char **list, size_t n);

#ifdef __cplusplus
}
#endif
#endif
