/* Streaming reader: source (decompression) -> lines -> records -> repaired documents. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/grow.h"
#include "base/xxh.h"
#include "entroprof/reader.h"
#include "io/source.h"
#include "text/utf8.h"

#define READ_CHUNK (1u << 20)
/* A buffer grown past this for one huge record is released (or shrunk) at the next call, so that
 * it does not stay resident beside the consumer's copy of the record and its token ids (docs/design.md,
 * "Memory"). Records below it keep their buffers: no reallocation per record. */
#define KEEP_BYTES ((size_t)8 << 20)

void ep_reader_config_default(ep_reader_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->format = EP_FORMAT_AUTO;
    cfg->split = EP_SPLIT_PARAGRAPH;
    cfg->field = "text";
    cfg->id_field = "id";
    cfg->max_doc_bytes = (size_t)64 << 20;
}

void ep_reader_counters_merge(ep_reader_counters *into, const ep_reader_counters *from)
{
    uint64_t *a = &into->input_bytes;
    const uint64_t *b = &from->input_bytes;
    size_t n = (size_t)(&into->error_dropped_bytes - &into->input_bytes) + 1;
    for (size_t i = 0; i < n; i++) a[i] += b[i];
    /* first_bad_lines are per shard: a merged total keeps none. */
}

typedef struct {
    const char *p;
    size_t len;
    uint64_t line_no;   /* 1-based */
    uint64_t offset;    /* decoded offset of the line start */
    int truncated;      /* the line was longer than the cap: only its head is here */
    int had_newline;
} line_t;

struct ep_reader_s {
    ep_reader_config cfg;
    ep_source *src;
    ep_format format;
    ep_reader_counters c;
    /* line buffer: data in [pos, end) of buf (cap) */
    char *buf;
    size_t cap, pos, end, scan_from;
    int src_eof;
    int skip_rest;          /* drop bytes up to the next newline (after a truncated line) */
    uint64_t line_no, offset;
    size_t line_cap;
    /* document assembly and repair */
    char *doc;
    size_t doc_len, doc_cap;
    char *rep;
    size_t rep_cap;
    char *id;
    size_t id_cap;
    uint64_t doc_index;
    struct json_tokener *tok;
    struct json_object *obj; /* the JSONL record whose text field is the current document's source */
    char **field_path;
    size_t field_depth;
    char **id_path;
    size_t id_depth;
    int failed;
};

/* Makes the byte buffer *p hold need bytes (base/grow.h: doubling from 4 KiB). 0, or -1 with *p and
 * *cap untouched when out of memory. */
static int grow_bytes(char **p, size_t *cap, size_t need)
{
    char *q = ep_grow_array(*p, cap, need, 1, 4096);
    if (!q) return -1;
    *p = q;
    return 0;
}

static char **split_path(const char *path, size_t *depth)
{
    size_t n = 1;
    for (const char *q = path; *q; q++) n += *q == '.';
    char **parts = calloc(n, sizeof *parts);
    if (!parts) return NULL;
    const char *start = path;
    for (size_t i = 0; i < n; i++) {
        const char *dot = strchr(start, '.');
        size_t len = dot ? (size_t)(dot - start) : strlen(start);
        parts[i] = strndup(start, len);
        start = dot ? dot + 1 : start + len;
    }
    *depth = n;
    return parts;
}

static void free_path(char **p, size_t n)
{
    for (size_t i = 0; p && i < n; i++) free(p[i]);
    free(p);
}

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static ep_format format_from_name(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (size_t i = 0; tmp[i]; i++) tmp[i] = (char)tolower((unsigned char)tmp[i]);
    const char *comp[] = {".zst", ".zstd", ".gz"};
    for (size_t i = 0; i < 3; i++)
        if (has_suffix(tmp, comp[i])) { tmp[strlen(tmp) - strlen(comp[i])] = '\0'; break; }
    if (has_suffix(tmp, ".jsonl") || has_suffix(tmp, ".ndjson") || has_suffix(tmp, ".json")) return EP_FORMAT_JSONL;
    if (has_suffix(tmp, ".txt") || has_suffix(tmp, ".md") || has_suffix(tmp, ".text") || strcmp(path, "-") == 0)
        return EP_FORMAT_TEXT;
    return EP_FORMAT_AUTO; /* unknown extension: sniff the content */
}

/* Refills the line buffer. @return 1 data added, 0 eof, -1 error. */
static int refill(ep_reader *r, ep_error *err)
{
    if (r->src_eof) return 0;
    if (r->pos > 0 && r->pos == r->end) { r->pos = r->end = r->scan_from = 0; }
    if (r->end + READ_CHUNK > r->cap) {
        if (r->pos > 0) { /* compact */
            memmove(r->buf, r->buf + r->pos, r->end - r->pos);
            r->end -= r->pos;
            r->scan_from -= r->pos;
            r->pos = 0;
        }
        if (grow_bytes(&r->buf, &r->cap, r->end + READ_CHUNK)) return ep_error_set(err, EP_ERR_NOMEM, "out of memory"), -1;
    }
    ptrdiff_t n = ep_source_read(r->src, r->buf + r->end, READ_CHUNK, err);
    if (n < 0) {
        /* a stream error: [pos, end) holds no newline (or refill would not have been called), so it
         * is the unfinished last line, lost with the stream (next_text adds its paragraph so far) */
        r->c.error_dropped_bytes += r->end - r->pos;
        return -1;
    }
    if (n == 0) { r->src_eof = 1; return 0; }
    r->end += (size_t)n;
    r->c.decoded_bytes += (uint64_t)n;
    return 1;
}

/* Next line (without its '\n' and a CR before it). @return 1, 0 at end, -1 error. */
static int next_line(ep_reader *r, line_t *ln, ep_error *err)
{
    for (;;) {
        if (r->skip_rest) {
            char *q = memchr(r->buf + r->pos, '\n', r->end - r->pos);
            if (q) {
                size_t drop = (size_t)(q - (r->buf + r->pos));
                r->c.truncated_bytes += drop;
                r->offset += drop + 1;
                r->line_no++;
                r->pos = r->scan_from = (size_t)(q - r->buf) + 1;
                r->skip_rest = 0;
                r->c.lines++;
                continue;
            }
            r->c.truncated_bytes += r->end - r->pos;
            r->offset += r->end - r->pos;
            r->pos = r->end = r->scan_from = 0;
            int f = refill(r, err);
            if (f < 0) return -1;
            if (f == 0) { r->skip_rest = 0; r->c.lines++; return 0; }
            continue;
        }
        char *q = r->scan_from < r->end ? memchr(r->buf + r->scan_from, '\n', r->end - r->scan_from) : NULL;
        size_t avail = r->end - r->pos;
        if (q || avail >= r->line_cap || (r->src_eof && avail > 0)) {
            size_t len = q ? (size_t)(q - (r->buf + r->pos)) : avail;
            ln->p = r->buf + r->pos;
            ln->line_no = ++r->line_no;
            ln->offset = r->offset;
            ln->truncated = 0;
            ln->had_newline = q != NULL;
            if (len > r->line_cap) { len = r->line_cap; q = NULL; }
            if (!q && !r->src_eof) {
                /* over-long line: deliver its head, drop the rest up to the newline later */
                ln->truncated = 1;
                ln->had_newline = 0;
                r->skip_rest = 1;
                r->pos += len;
                r->scan_from = r->pos;
                r->offset += len;
                r->line_no--; /* counted when the newline is found */
                ln->len = len;
                return 1;
            }
            r->pos += len + (q ? 1 : 0);
            r->scan_from = r->pos;
            r->offset += len + (q ? 1 : 0);
            r->c.lines++;
            if (q && len > 0 && ln->p[len - 1] == '\r') { len--; r->c.crlf++; }
            ln->len = len;
            return 1;
        }
        r->scan_from = r->end;
        int f = refill(r, err);
        if (f < 0) return -1;
        if (f == 0 && r->end == r->pos) return 0;
    }
}

ep_status ep_reader_open(ep_reader **out, const char *path, const ep_reader_config *cfg, ep_error *err)
{
    ep_reader *r = calloc(1, sizeof *r);
    if (!r) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    if (cfg) r->cfg = *cfg; else ep_reader_config_default(&r->cfg);
    if (!r->cfg.field) r->cfg.field = "text";
    if (r->cfg.max_doc_bytes < 1024) r->cfg.max_doc_bytes = 1024;
    ep_status st = ep_source_open(&r->src, path, err);
    if (st != EP_OK) { free(r); return st; }
    r->format = r->cfg.format != EP_FORMAT_AUTO ? r->cfg.format : format_from_name(path);
    if (r->format == EP_FORMAT_AUTO) {
        /* Unknown extension: JSONL if the first non-blank decoded byte opens an object. */
        int f = refill(r, err);
        if (f < 0) { ep_reader_close(r); return EP_ERR_CORRUPT; }
        size_t i = r->pos;
        while (i < r->end && isspace((unsigned char)r->buf[i])) i++;
        r->format = (i < r->end && r->buf[i] == '{') ? EP_FORMAT_JSONL : EP_FORMAT_TEXT;
    }
    r->line_cap = r->format == EP_FORMAT_JSONL ? 4 * r->cfg.max_doc_bytes : r->cfg.max_doc_bytes;
    if (r->format == EP_FORMAT_JSONL) {
        r->tok = json_tokener_new_ex(64);
        r->field_path = split_path(r->cfg.field, &r->field_depth);
        if (r->cfg.id_field && *r->cfg.id_field) r->id_path = split_path(r->cfg.id_field, &r->id_depth);
        if (!r->tok || !r->field_path) { ep_reader_close(r); return ep_error_set(err, EP_ERR_NOMEM, "out of memory"); }
    }
    *out = r;
    return EP_OK;
}

static void note_bad_line(ep_reader *r, uint64_t line)
{
    if (r->c.n_first_bad_lines < EP_READER_FIRST_LINES) r->c.first_bad_lines[r->c.n_first_bad_lines++] = line;
}

/* After a line over KEEP_BYTES has been used: shrinks the line buffer to its unread bytes plus a
 * read chunk, and renews the JSON tokener (json-c keeps its string buffer at the largest size it
 * parsed; a NULL tokener is reported as out of memory by next_jsonl). Lines already returned are
 * invalid after this. */
static void release_line(ep_reader *r)
{
    if (r->cap <= KEEP_BYTES) return;
    if (r->tok) {
        json_tokener_free(r->tok);
        r->tok = json_tokener_new_ex(64);
    }
    size_t unread = r->end - r->pos;
    if (unread + READ_CHUNK <= r->cap / 2) {
        memmove(r->buf, r->buf + r->pos, unread);
        r->scan_from -= r->pos;
        r->end = unread;
        r->pos = 0;
        size_t ncap = unread + READ_CHUNK;
        char *q = realloc(r->buf, ncap);
        if (q) { r->buf = q; r->cap = ncap; } /* a failed shrink keeps the larger buffer */
    }
}

static int append_doc(ep_reader *r, const char *p, size_t n)
{
    if (grow_bytes(&r->doc, &r->doc_cap, r->doc_len + n + 1)) return -1;
    memcpy(r->doc + r->doc_len, p, n);
    r->doc_len += n;
    return 0;
}

/* Repairs r->doc and fills doc. @return 1 delivered, 0 empty (skipped), -1 OOM.
 * Memory: a first pass only measures and counts. A record that needs no repair (valid UTF-8, no
 * CR LF, no NUL: the usual case) is delivered from src itself (r->doc for text, json-c's string
 * for JSONL: no copy); otherwise it is repaired into
 * r->rep, which holds at most max_doc_bytes (the cut happens while writing), never the 3 x
 * record that a U+FFFD per invalid byte could reach. */
static int finish_doc(ep_reader *r, const char *src, size_t src_len, ep_doc *doc, uint64_t line,
                      uint64_t offset, int truncated)
{
    size_t max = r->cfg.max_doc_bytes, n;
    ep_repair_counts rc = {0, 0, 0};
    size_t full = ep_utf8_repair_capped(src, src_len, NULL, 0, &rc, &n);
    const char *text;
    if (!rc.invalid && !rc.crlf && !rc.nul) { /* nothing to repair: full == src_len */
        text = src;
        n = full > max ? ep_utf8_floor(src, max) : full;
    } else {
        size_t cap = full < max ? full : max;
        if (grow_bytes(&r->rep, &r->rep_cap, cap + 1)) return -1;
        ep_repair_counts again = {0, 0, 0};
        ep_utf8_repair_capped(src, src_len, r->rep, cap, &again, &n);
        text = r->rep;
    }
    r->c.invalid_utf8 += rc.invalid;
    r->c.crlf += rc.crlf;
    r->c.nul_bytes += rc.nul;
    if (full > max) {
        r->c.truncated_bytes += full - n;
        truncated = 1;
    }
    if (truncated) r->c.truncated_docs++;
    if (n == 0) { r->c.empty_docs++; return 0; }
    XXH128_hash_t h = XXH3_128bits(text, n);
    memset(doc, 0, sizeof *doc);
    doc->text = text;
    doc->len = n;
    doc->index = r->doc_index++;
    doc->line = line;
    doc->offset = offset;
    doc->hash_lo = h.low64;
    doc->hash_hi = h.high64;
    r->c.docs++;
    r->c.doc_bytes += n;
    return 1;
}

static int is_blank(const line_t *ln)
{
    for (size_t i = 0; i < ln->len; i++)
        if (ln->p[i] != ' ' && ln->p[i] != '\t' && ln->p[i] != '\r') return 0;
    return 1;
}

static struct json_object *lookup(struct json_object *o, char **path, size_t depth)
{
    for (size_t i = 0; i < depth && o; i++) {
        struct json_object *next = NULL;
        if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, path[i], &next)) return NULL;
        o = next;
    }
    return o;
}

static int next_jsonl(ep_reader *r, ep_doc *doc, ep_error *err)
{
    line_t ln;
    for (;;) {
        int k = next_line(r, &ln, err);
        if (k <= 0) return k;
        if (ln.truncated) { r->c.jsonl_overlong++; note_bad_line(r, ln.line_no); continue; }
        size_t i = 0;
        while (i < ln.len && isspace((unsigned char)ln.p[i])) i++;
        if (i == ln.len) { r->c.blank_lines_jsonl++; continue; }
        if (!r->tok) return ep_error_set(err, EP_ERR_NOMEM, "out of memory"), -1;
        json_tokener_reset(r->tok);
        struct json_object *o = json_tokener_parse_ex(r->tok, ln.p, (int)ln.len);
        size_t end = o ? json_tokener_get_parse_end(r->tok) : 0;
        while (o && end < ln.len && isspace((unsigned char)ln.p[end])) end++;
        if (!o || json_tokener_get_error(r->tok) != json_tokener_success || end != ln.len ||
            !json_object_is_type(o, json_type_object)) {
            json_object_put(o);
            r->c.json_malformed++;
            note_bad_line(r, ln.line_no);
            if (ln.len > KEEP_BYTES) release_line(r);
            continue;
        }
        if (ln.len > KEEP_BYTES) release_line(r); /* ln is parsed: o holds what is used of it */
        struct json_object *t = lookup(o, r->field_path, r->field_depth);
        if (!t) { r->c.json_missing_field++; note_bad_line(r, ln.line_no); json_object_put(o); continue; }
        if (!json_object_is_type(t, json_type_string)) {
            r->c.json_nonstring_field++;
            note_bad_line(r, ln.line_no);
            json_object_put(o);
            continue;
        }
        size_t tl = (size_t)json_object_get_string_len(t);
        int truncated = 0; /* an over-long text is cut after repair, in finish_doc */
        size_t id_len = 0;
        struct json_object *idv = r->id_path ? lookup(o, r->id_path, r->id_depth) : NULL;
        if (idv && !json_object_is_type(idv, json_type_null)) {
            const char *s = json_object_get_string(idv);
            id_len = json_object_is_type(idv, json_type_string) ? (size_t)json_object_get_string_len(idv) : strlen(s);
            if (grow_bytes(&r->id, &r->id_cap, id_len + 1)) { json_object_put(o); return -1; }
            memcpy(r->id, s, id_len);
            r->id[id_len] = '\0';
        } else {
            idv = NULL;
        }
        /* The document is delivered from json-c's string (or repaired from it): o lives until the
         * next call. */
        r->obj = o;
        int d = finish_doc(r, json_object_get_string(t), tl, doc, ln.line_no, ln.offset, truncated);
        if (d < 0) return ep_error_set(err, EP_ERR_NOMEM, "out of memory"), -1;
        if (d == 0) { json_object_put(r->obj); r->obj = NULL; continue; }
        if (idv) { doc->id = r->id; doc->id_len = id_len; }
        return 1;
    }
}

static int next_text(ep_reader *r, ep_doc *doc, ep_error *err)
{
    line_t ln;
    for (;;) {
        r->doc_len = 0;
        int truncated = 0, have = 0, k;
        uint64_t line0 = 0, off0 = 0;
        size_t cap = r->cfg.max_doc_bytes;
        while ((k = next_line(r, &ln, err)) > 0) {
            if (r->cfg.split == EP_SPLIT_PARAGRAPH && is_blank(&ln)) {
                if (have) break;
                continue;
            }
            if (!have) { line0 = ln.line_no; off0 = ln.offset; have = 1; }
            else if (r->cfg.split != EP_SPLIT_LINE) {
                if (r->doc_len < cap) { if (append_doc(r, "\n", 1)) return -1; }
                else r->c.truncated_bytes += 1;
            }
            size_t take = ln.len;
            if (r->doc_len + take > cap) {
                size_t room = cap > r->doc_len ? cap - r->doc_len : 0;
                r->c.truncated_bytes += take - room;
                take = room;
                truncated = 1;
            }
            if (take && append_doc(r, ln.p, take)) return ep_error_set(err, EP_ERR_NOMEM, "out of memory"), -1;
            if (ln.truncated) truncated = 1;
            if (r->cfg.split == EP_SPLIT_LINE) break;
        }
        if (k < 0) {
            r->c.error_dropped_bytes += r->doc_len;
            return -1;
        }
        if (!have) return 0;
        int d = finish_doc(r, r->doc, r->doc_len, doc, line0, off0, truncated);
        if (d < 0) return ep_error_set(err, EP_ERR_NOMEM, "out of memory"), -1;
        if (d == 1) return 1;
        if (k == 0) return 0;
    }
}

/* Before the next record: drops the previous JSONL record, and releases the buffers that a huge
 * previous record grew past KEEP_BYTES. */
static void release_previous(ep_reader *r)
{
    json_object_put(r->obj);
    r->obj = NULL;
    if (r->doc_cap > KEEP_BYTES) { free(r->doc); r->doc = NULL; r->doc_cap = r->doc_len = 0; }
    if (r->rep_cap > KEEP_BYTES) { free(r->rep); r->rep = NULL; r->rep_cap = 0; }
    release_line(r);
}

int ep_reader_next(ep_reader *r, ep_doc *doc, ep_error *err)
{
    if (r->failed) return -1;
    release_previous(r);
    int k = r->format == EP_FORMAT_JSONL ? next_jsonl(r, doc, err) : next_text(r, doc, err);
    r->c.input_bytes = ep_source_raw_offset(r->src);
    r->c.zero_padding_bytes = ep_source_zero_padding(r->src);
    if (k < 0) r->failed = 1;
    return k;
}

const ep_reader_counters *ep_reader_counters_get(const ep_reader *r) { return &r->c; }
ep_format ep_reader_format(const ep_reader *r) { return r->format; }
ep_compression ep_reader_compression(const ep_reader *r) { return ep_source_compression(r->src); }
uint64_t ep_reader_input_offset(const ep_reader *r) { return ep_source_raw_offset(r->src); }

void ep_reader_close(ep_reader *r)
{
    if (!r) return;
    ep_source_close(r->src);
    json_object_put(r->obj);
    if (r->tok) json_tokener_free(r->tok);
    free_path(r->field_path, r->field_depth);
    free_path(r->id_path, r->id_depth);
    free(r->buf);
    free(r->doc);
    free(r->rep);
    free(r->id);
    free(r);
}
