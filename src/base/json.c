/* A small ordered JSON tree; writer with deterministic number formatting; parser via json-c. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "entroprof/json.h"
#include "entroprof/outfile.h"

struct ep_jv_s {
    ep_jv_type type;
    union {
        int b;
        int64_t i;
        double d;
        struct { char *s; size_t n; } str;
        struct { ep_jv **items; char **keys; size_t n, cap; } c; /* keys NULL for arrays */
    } u;
};

static ep_jv *jv_new(ep_jv_type t)
{
    ep_jv *v = calloc(1, sizeof *v);
    if (v) v->type = t;
    return v;
}

ep_jv *ep_jv_null(void) { return jv_new(EP_JV_NULL); }
ep_jv *ep_jv_bool(int b) { ep_jv *v = jv_new(EP_JV_BOOL); if (v) v->u.b = !!b; return v; }
ep_jv *ep_jv_int(int64_t x) { ep_jv *v = jv_new(EP_JV_INT); if (v) v->u.i = x; return v; }
ep_jv *ep_jv_num(double x) { ep_jv *v = jv_new(EP_JV_NUM); if (v) v->u.d = x; return v; }
ep_jv *ep_jv_arr(void) { return jv_new(EP_JV_ARR); }
ep_jv *ep_jv_obj(void) { return jv_new(EP_JV_OBJ); }

ep_jv *ep_jv_strn(const char *s, size_t n)
{
    ep_jv *v = jv_new(EP_JV_STR);
    if (!v) return NULL;
    v->u.str.s = malloc(n + 1);
    if (!v->u.str.s) { free(v); return NULL; }
    memcpy(v->u.str.s, s, n);
    v->u.str.s[n] = '\0';
    v->u.str.n = n;
    return v;
}

ep_jv *ep_jv_str(const char *s) { return ep_jv_strn(s ? s : "", s ? strlen(s) : 0); }

void ep_jv_free(ep_jv *v)
{
    if (!v) return;
    if (v->type == EP_JV_STR) free(v->u.str.s);
    if (v->type == EP_JV_ARR || v->type == EP_JV_OBJ) {
        for (size_t i = 0; i < v->u.c.n; i++) {
            ep_jv_free(v->u.c.items[i]);
            if (v->u.c.keys) free(v->u.c.keys[i]);
        }
        free(v->u.c.items);
        free(v->u.c.keys);
    }
    free(v);
}

ep_jv *ep_jv_clone(const ep_jv *v)
{
    if (!v) return NULL;
    switch (v->type) {
    case EP_JV_NULL: return ep_jv_null();
    case EP_JV_BOOL: return ep_jv_bool(v->u.b);
    case EP_JV_INT: return ep_jv_int(v->u.i);
    case EP_JV_NUM: return ep_jv_num(v->u.d);
    case EP_JV_STR: return ep_jv_strn(v->u.str.s, v->u.str.n);
    case EP_JV_ARR: {
        ep_jv *a = ep_jv_arr();
        for (size_t i = 0; a && i < v->u.c.n; i++) ep_jv_push(a, ep_jv_clone(v->u.c.items[i]));
        return a;
    }
    case EP_JV_OBJ: {
        ep_jv *o = ep_jv_obj();
        for (size_t i = 0; o && i < v->u.c.n; i++) ep_jv_set(o, v->u.c.keys[i], ep_jv_clone(v->u.c.items[i]));
        return o;
    }
    }
    return NULL;
}

ep_jv_type ep_jv_typeof(const ep_jv *v) { return v ? v->type : EP_JV_NULL; }

static int reserve(ep_jv *c, int with_keys)
{
    if (c->u.c.n < c->u.c.cap) return 0;
    size_t ncap = c->u.c.cap ? 2 * c->u.c.cap : 8;
    ep_jv **ni = realloc(c->u.c.items, ncap * sizeof(ep_jv *));
    if (!ni) return -1;
    c->u.c.items = ni;
    if (with_keys) {
        char **nk = realloc(c->u.c.keys, ncap * sizeof *nk);
        if (!nk) return -1;
        c->u.c.keys = nk;
    }
    c->u.c.cap = ncap;
    return 0;
}

ep_jv *ep_jv_push(ep_jv *arr, ep_jv *item)
{
    if (!arr || arr->type != EP_JV_ARR || !item || reserve(arr, 0)) { ep_jv_free(item); return NULL; }
    arr->u.c.items[arr->u.c.n++] = item;
    return item;
}

static ptrdiff_t find_key(const ep_jv *obj, const char *key, size_t klen)
{
    for (size_t i = 0; i < obj->u.c.n; i++)
        if (strlen(obj->u.c.keys[i]) == klen && memcmp(obj->u.c.keys[i], key, klen) == 0) return (ptrdiff_t)i;
    return -1;
}

ep_jv *ep_jv_set(ep_jv *obj, const char *key, ep_jv *val)
{
    if (!obj || obj->type != EP_JV_OBJ || !val) { ep_jv_free(val); return NULL; }
    ptrdiff_t i = find_key(obj, key, strlen(key));
    if (i >= 0) {
        /* find_key found i < n, so items holds n >= 1 entries */
        // NOLINTNEXTLINE(clang-analyzer-core.NullDereference)
        ep_jv_free(obj->u.c.items[i]);
        obj->u.c.items[i] = val;
        return val;
    }
    if (reserve(obj, 1)) { ep_jv_free(val); return NULL; }
    char *k = strdup(key);
    if (!k) { ep_jv_free(val); return NULL; }
    obj->u.c.keys[obj->u.c.n] = k;
    obj->u.c.items[obj->u.c.n++] = val;
    return val;
}

ep_jv *ep_jv_child(ep_jv *obj, const char *key)
{
    if (!obj || obj->type != EP_JV_OBJ) return NULL;
    ptrdiff_t i = find_key(obj, key, strlen(key));
    if (i >= 0 && obj->u.c.items[i]->type == EP_JV_OBJ) return obj->u.c.items[i];
    return ep_jv_set(obj, key, ep_jv_obj());
}

void ep_jv_del(ep_jv *obj, const char *key)
{
    if (!obj || obj->type != EP_JV_OBJ) return;
    ptrdiff_t i = find_key(obj, key, strlen(key));
    if (i < 0) return;
    ep_jv_free(obj->u.c.items[i]);
    free(obj->u.c.keys[i]);
    memmove(obj->u.c.items + i, obj->u.c.items + i + 1, (obj->u.c.n - (size_t)i - 1) * sizeof(ep_jv *));
    memmove(obj->u.c.keys + i, obj->u.c.keys + i + 1, (obj->u.c.n - (size_t)i - 1) * sizeof(char *));
    obj->u.c.n--;
}

const ep_jv *ep_jv_get(const ep_jv *obj, const char *key)
{
    if (!obj || obj->type != EP_JV_OBJ || !key) return NULL;
    ptrdiff_t i = find_key(obj, key, strlen(key));
    return i >= 0 ? obj->u.c.items[i] : NULL;
}

const ep_jv *ep_jv_path(const ep_jv *root, const char *path)
{
    const ep_jv *cur = root;
    const char *p = path;
    while (cur && p && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (cur->type != EP_JV_OBJ) return NULL;
        ptrdiff_t i = find_key(cur, p, n);
        cur = i >= 0 ? cur->u.c.items[i] : NULL;
        p = dot ? dot + 1 : NULL;
    }
    return cur;
}

size_t ep_jv_len(const ep_jv *v)
{
    return (v && (v->type == EP_JV_ARR || v->type == EP_JV_OBJ)) ? v->u.c.n : 0;
}

const ep_jv *ep_jv_at(const ep_jv *v, size_t i) { return i < ep_jv_len(v) ? v->u.c.items[i] : NULL; }

const char *ep_jv_key_at(const ep_jv *v, size_t i)
{
    return (v && v->type == EP_JV_OBJ && i < v->u.c.n) ? v->u.c.keys[i] : NULL;
}

double ep_jv_as_num(const ep_jv *v, double fb)
{
    if (!v) return fb;
    if (v->type == EP_JV_NUM) return v->u.d;
    if (v->type == EP_JV_INT) return (double)v->u.i;
    return fb;
}

int64_t ep_jv_as_int(const ep_jv *v, int64_t fb)
{
    if (!v) return fb;
    if (v->type == EP_JV_INT) return v->u.i;
    if (v->type == EP_JV_NUM && v->u.d == floor(v->u.d) && fabs(v->u.d) < 9.2e18) return (int64_t)v->u.d;
    return fb;
}

const char *ep_jv_as_str(const ep_jv *v) { return (v && v->type == EP_JV_STR) ? v->u.str.s : NULL; }
int ep_jv_as_bool(const ep_jv *v, int fb) { return (v && v->type == EP_JV_BOOL) ? v->u.b : fb; }

/* ---- writer ---- */

/* Length of the well-formed UTF-8 sequence at s (1..4), or 0 when s[0] does not start one.
 * Well-formed per RFC 3629 sec. 4 (Unicode 15 table 3-7): no overlongs, no surrogates, <= U+10FFFF. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else return 0;
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return len;
}

/* A JSON string. Bytes that are not part of well-formed UTF-8 are written as the escape of a lone
 * low surrogate, byte 0xXY -> \udcXY (0x80..0xFF; as Python's surrogateescape, PEP 383), so the
 * output is valid JSON text and ep_jv_parse restores the original bytes (docs/profile-schema.md). */
static void write_str(FILE *f, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = u[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20) fprintf(f, "\\u%04x", c);
            else if (c < 0x80) fputc(c, f);
            else {
                size_t len = utf8_seq_len(u + i, n - i);
                if (len == 0) fprintf(f, "\\udc%02x", c);
                else fwrite(u + i, 1, len, f);
                if (len > 1) i += len - 1;
            }
        }
    }
    fputc('"', f);
}

/* Shortest of %.15g/%.16g/%.17g that reads back exactly: deterministic and readable. */
static void write_num(FILE *f, double d)
{
    if (!isfinite(d)) { fputs("null", f); return; }
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) break;
    }
    /* Keep it a JSON number that reads back as floating point. */
    size_t len = strlen(buf); /* at most 24 of buf's 40: "%.17g" of a double */
    if (!strpbrk(buf, ".eEn") && len + 3 <= sizeof buf) memcpy(buf + len, ".0", 3);
    fputs(buf, f);
}

static void indent_to(FILE *f, int indent, int depth)
{
    if (indent < 0) return;
    fputc('\n', f);
    for (int i = 0; i < indent * depth; i++) fputc(' ', f);
}

static void write_v(const ep_jv *v, FILE *f, int indent, int depth)
{
    switch (v->type) {
    case EP_JV_NULL: fputs("null", f); break;
    case EP_JV_BOOL: fputs(v->u.b ? "true" : "false", f); break;
    case EP_JV_INT: fprintf(f, "%lld", (long long)v->u.i); break;
    case EP_JV_NUM: write_num(f, v->u.d); break;
    case EP_JV_STR: write_str(f, v->u.str.s, v->u.str.n); break;
    case EP_JV_ARR:
    case EP_JV_OBJ: {
        int obj = v->type == EP_JV_OBJ;
        fputc(obj ? '{' : '[', f);
        /* Arrays of scalars stay on one line: curves and tables remain readable. */
        int flat = !obj;
        for (size_t i = 0; flat && i < v->u.c.n; i++)
            if (v->u.c.items[i]->type == EP_JV_ARR || v->u.c.items[i]->type == EP_JV_OBJ) flat = 0;
        for (size_t i = 0; i < v->u.c.n; i++) {
            if (i) fputs(flat && indent >= 0 ? ", " : ",", f);
            if (!flat) indent_to(f, indent, depth + 1);
            if (obj) {
                write_str(f, v->u.c.keys[i], strlen(v->u.c.keys[i]));
                fputs(indent >= 0 ? ": " : ":", f);
            }
            write_v(v->u.c.items[i], f, indent, depth + 1);
        }
        if (v->u.c.n && !flat) indent_to(f, indent, depth);
        fputc(obj ? '}' : ']', f);
        break;
    }
    }
}

ep_status ep_jv_write(const ep_jv *v, FILE *f, int indent)
{
    if (!v) return EP_ERR_ARG;
    write_v(v, f, indent, 0);
    if (indent >= 0) fputc('\n', f);
    return ferror(f) ? EP_ERR_IO : EP_OK;
}

ep_status ep_jv_save_file(const ep_jv *v, const char *path, int indent, ep_error *err)
{
    ep_outfile *o;
    ep_status st = ep_outfile_open(path, &o, err);
    if (st != EP_OK) return st;
    errno = 0;
    if (ep_jv_write(v, ep_outfile_stream(o), indent) != EP_OK) {
        int e = errno ? errno : EIO; /* from the write that failed, before abort's calls */
        ep_outfile_abort(o);
        return ep_error_set(err, EP_ERR_IO, "cannot write %s: %s", path, strerror(e));
    }
    return ep_outfile_commit(o, err);
}

/* ---- parser (json-c) ---- */

static ep_jv *from_jc(struct json_object *o)
{
    switch (json_object_get_type(o)) {
    case json_type_null: return ep_jv_null();
    case json_type_boolean: return ep_jv_bool(json_object_get_boolean(o));
    case json_type_int: return ep_jv_int(json_object_get_int64(o));
    case json_type_double: return ep_jv_num(json_object_get_double(o));
    case json_type_string: return ep_jv_strn(json_object_get_string(o), (size_t)json_object_get_string_len(o));
    case json_type_array: {
        ep_jv *a = ep_jv_arr();
        size_t n = json_object_array_length(o);
        for (size_t i = 0; a && i < n; i++) {
            ep_jv *item = from_jc(json_object_array_get_idx(o, i));
            if (!item || !ep_jv_push(a, item)) { ep_jv_free(a); return NULL; }
        }
        return a;
    }
    case json_type_object: {
        ep_jv *obj = ep_jv_obj();
        json_object_object_foreach(o, key, val) {
            ep_jv *item = from_jc(val);
            if (!obj || !item || !ep_jv_set(obj, key, item)) { ep_jv_free(obj); return NULL; }
        }
        return obj;
    }
    }
    return NULL;
}

static int hex4(const char *p, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
        if (d == 16) return 0;
        *v = *v << 4 | d;
    }
    return 1;
}

/* Undoes write_str's escape of bytes that are not UTF-8: a lone low surrogate escape \udc80 ..
 * \udcff (one not preceded by a high surrogate escape, with which it would form a pair) becomes
 * the raw byte 0x80..0xFF, which json-c keeps as is (it does not validate UTF-8 by default; it
 * would turn the lone surrogate into U+FFFD). Escaped backslashes are skipped as pairs.
 * out (may be NULL: count only) receives the rewritten text. When stop_at <= the output length,
 * returns the input offset that produced output offset stop_at; else the output length. */
static size_t unescape_bytes(const char *in, size_t len, char *out, size_t stop_at)
{
    size_t i = 0, o = 0;
    int after_high = 0;
    while (i < len && o < stop_at) {
        unsigned v;
        if (in[i] == '\\' && i + 1 < len && in[i + 1] == 'u' && i + 6 <= len && hex4(in + i + 2, &v)) {
            if (v >= 0xDC80 && v <= 0xDCFF && !after_high) {
                if (out) out[o] = (char)(v & 0xFF);
                o++;
            } else {
                if (out) memcpy(out + o, in + i, 6);
                o += 6;
            }
            after_high = v >= 0xD800 && v <= 0xDBFF;
            i += 6;
        } else {
            size_t k = in[i] == '\\' && i + 1 < len ? 2 : 1;
            if (out) memcpy(out + o, in + i, k);
            o += k;
            i += k;
            after_high = 0;
        }
    }
    return stop_at == (size_t)-1 ? o : i;
}

static int has_byte_escape(const char *text, size_t len)
{
    for (size_t i = 0; i + 4 <= len; i++)
        if (text[i] == '\\' && text[i + 1] == 'u' && (text[i + 2] | 0x20) == 'd' && (text[i + 3] | 0x20) == 'c')
            return 1;
    return 0;
}

static const char *type_name(ep_jv_type t)
{
    switch (t) {
    case EP_JV_NULL: return "null";
    case EP_JV_BOOL: return "a boolean";
    case EP_JV_INT:
    case EP_JV_NUM: return "a number";
    case EP_JV_STR: return "a string";
    case EP_JV_ARR: return "an array";
    case EP_JV_OBJ: return "an object";
    }
    return "?";
}

ep_jv *ep_jv_parse(const char *text, size_t len, ep_error *err)
{
    char *copy = NULL;
    const char *src = text;
    size_t n = len;
    if (has_byte_escape(text, len)) {
        if (!(copy = malloc(len + 1))) { ep_error_set(err, EP_ERR_NOMEM, "out of memory"); return NULL; }
        n = unescape_bytes(text, len, copy, (size_t)-1);
        copy[n] = '\0';
        src = copy;
    }
    if (n > INT_MAX - 1) {
        free(copy);
        ep_error_set(err, EP_ERR_LIMIT, "JSON text over 2 GiB");
        return NULL;
    }
    struct json_tokener *tok = json_tokener_new_ex(512);
    if (!tok) { free(copy); ep_error_set(err, EP_ERR_NOMEM, "out of memory"); return NULL; }
    struct json_object *o = json_tokener_parse_ex(tok, src, (int)n);
    enum json_tokener_error e = json_tokener_get_error(tok);
    /* A top-level number is complete only at the end of the input: json-c waits for more
     * ("continue"); the terminating NUL tells it that there is none (json-c's own convention). */
    size_t fed = 0; /* bytes of src before the current json_tokener_parse_ex buffer */
    size_t end = (size_t)json_tokener_get_parse_end(tok);
    if (!o && e == json_tokener_continue) {
        fed = n;
        o = json_tokener_parse_ex(tok, "", 1);
        e = json_tokener_get_error(tok);
        end = n;
    }
    /* One JSON text is one value, then only white space (RFC 8259 sec. 2). */
    while (e == json_tokener_success && end < n &&
           (src[end] == ' ' || src[end] == '\t' || src[end] == '\n' || src[end] == '\r'))
        end++;
    if (e == json_tokener_success && end < n) {
        size_t at = copy ? unescape_bytes(text, len, NULL, end) : end;
        ep_error_set(err, EP_ERR_FORMAT, "invalid JSON at byte %zu: data after the value", at);
        json_object_put(o);
        json_tokener_free(tok);
        free(copy);
        return NULL;
    }
    if (e != json_tokener_success) { /* o == NULL with success is the JSON value null */
        size_t at = fed + (size_t)json_tokener_get_parse_end(tok);
        if (at > n) at = n;
        if (copy) at = unescape_bytes(text, len, NULL, at); /* back to an offset in text */
        ep_error_set(err, EP_ERR_FORMAT, "invalid JSON at byte %zu: %s", at,
                     e == json_tokener_continue ? "unexpected end of input" : json_tokener_error_desc(e));
        json_object_put(o);
        json_tokener_free(tok);
        free(copy);
        return NULL;
    }
    ep_jv *v = from_jc(o);
    json_object_put(o);
    json_tokener_free(tok);
    free(copy);
    if (!v) ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    return v;
}

ep_jv *ep_jv_load_object(const char *path, const char *what, ep_error *err)
{
    ep_jv *v = ep_jv_load_file(path, err);
    if (v && v->type != EP_JV_OBJ) {
        ep_error_set(err, EP_ERR_FORMAT, "%.300s: not %.100s: top level is %s", path, what, type_name(v->type));
        ep_jv_free(v);
        return NULL;
    }
    return v;
}

ep_jv *ep_jv_load_file(const char *path, ep_error *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) { ep_error_set(err, EP_ERR_IO, "cannot open %s: %s", path, strerror(errno)); return NULL; }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) break;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) { free(buf); buf = NULL; break; }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) break;
    }
    int ioerr = ferror(f);
    if (f != stdin) fclose(f);
    if (!buf) { ep_error_set(err, EP_ERR_NOMEM, "out of memory reading %s", path); return NULL; }
    if (ioerr) { free(buf); ep_error_set(err, EP_ERR_IO, "cannot read %s", path); return NULL; }
    ep_jv *v = ep_jv_parse(buf, n, err);
    free(buf);
    if (!v && err) {
        char tmp[sizeof err->msg];
        memcpy(tmp, err->msg, sizeof tmp);
        ep_error_set(err, err->status, "%.200s: %.300s", path, tmp);
    }
    return v;
}
