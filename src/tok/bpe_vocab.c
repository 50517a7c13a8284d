/* BPE vocabulary: token bytes by id and one hash table bytes -> id, built in one pass with no
 * per-token allocation (arrays sized from a line count, one blob for all token bytes). */
#include <stdlib.h>
#include <string.h>

#include "base/xxh.h"
#include "tok/bpe_internal.h"

void ep_bpe_vocab_free(ep_bpe_vocab *v)
{
    if (!v) return;
    free(v->blob);
    free(v->start);
    free(v->len);
    free(v->rank);
    free(v->special);
    free(v->slots);
    free(v->pair_rank);
    memset(v, 0, sizeof *v);
}

static inline uint64_t vocab_hash(const uint8_t *p, size_t n) { return XXH3_64bits(p, n); }

static inline uint64_t load8(const uint8_t *p, size_t n)
{
    uint64_t k = 0;
    memcpy(&k, p, n < 8 ? n : 8);
    return k;
}

static inline uint32_t len_tag(uint64_t h, size_t n) { return (uint32_t)(h >> 48) << 16 | (uint32_t)n; }

uint64_t ep_bpe_vocab_hash_prefetch(const ep_bpe_vocab *v, const uint8_t *p, size_t n)
{
    uint64_t h = vocab_hash(p, n);
    __builtin_prefetch(&v->slots[(size_t)h & v->mask]);
    return h;
}

uint32_t ep_bpe_vocab_find(const ep_bpe_vocab *v, const uint8_t *p, size_t n)
{
    return ep_bpe_vocab_find_h(v, p, n, vocab_hash(p, n));
}

uint32_t ep_bpe_vocab_find_h(const ep_bpe_vocab *v, const uint8_t *p, size_t n, uint64_t h)
{
    if (n > 0xFFFF) return EP_BPE_NO_RANK;
    uint64_t k8 = load8(p, n);
    uint32_t lt = len_tag(h, n);
    for (size_t i = (size_t)h & v->mask;; i = (i + 1) & v->mask) {
        const ep_bpe_slot *s = &v->slots[i];
        if (!s->len_tag) return EP_BPE_NO_RANK;
        if (s->len_tag != lt || s->key8 != k8) continue;
        if (n <= 8 || memcmp(v->blob + v->start[s->id] + 8, p + 8, n - 8) == 0) return s->id;
    }
}

ep_status ep_bpe_vocab_finish(ep_bpe_vocab *v, const char *what, ep_error *err)
{
    size_t cap = 1024;
    while (cap < 2 * (size_t)v->n_ids) cap *= 2;
    v->slots = calloc(cap, sizeof *v->slots);
    if (!v->pair_rank) v->pair_rank = malloc(65536 * sizeof *v->pair_rank);
    if (!v->slots || !v->pair_rank) return ep_error_set(err, EP_ERR_NOMEM, "%s: out of memory", what);
    v->mask = (uint32_t)(cap - 1);
    for (int b = 0; b < 256; b++) v->byte_id[b] = EP_BPE_NO_RANK;
    for (size_t i = 0; i < 65536; i++) v->pair_rank[i] = EP_BPE_NO_RANK;
    v->n_mergeable = 0;
    for (uint32_t id = 0; id < v->n_ids; id++) {
        if (!v->len[id] || (v->special && v->special[id])) continue;
        const uint8_t *p = v->blob + v->start[id];
        size_t n = v->len[id];
        if (n > 0xFFFF) return ep_error_set(err, EP_ERR_FORMAT, "%s: token %u is longer than 65535 bytes", what, id);
        if (ep_bpe_vocab_find(v, p, n) != EP_BPE_NO_RANK)
            return ep_error_set(err, EP_ERR_FORMAT, "%s: token %u duplicates token %u", what, id,
                                ep_bpe_vocab_find(v, p, n));
        uint64_t h = vocab_hash(p, n);
        size_t i = (size_t)h & v->mask;
        while (v->slots[i].len_tag) i = (i + 1) & v->mask;
        v->slots[i].key8 = load8(p, n);
        v->slots[i].id = id;
        v->slots[i].len_tag = len_tag(h, n);
        if (n == 1) v->byte_id[p[0]] = id;
        if (n == 2) v->pair_rank[(unsigned)p[0] << 8 | p[1]] = v->rank ? v->rank[id] : id;
        v->n_mergeable++;
    }
    for (int b = 0; b < 256; b++)
        if (v->byte_id[b] == EP_BPE_NO_RANK)
            return ep_error_set(err, EP_ERR_FORMAT, "%s: no token for byte 0x%02x (not a byte-level BPE)", what, b);
    return EP_OK;
}

ep_status ep_bpe_vocab_add_special(ep_bpe_vocab *v, const char *text, uint32_t id, ep_error *err)
{
    size_t n = strlen(text);
    if (id < v->n_ids && v->len[id])
        return ep_error_set(err, EP_ERR_FORMAT, "special token %s: id %u is already used", text, id);
    if (id >= v->n_ids) {
        uint32_t nn = id + 1;
        uint32_t *s = realloc(v->start, nn * sizeof *s), *l;
        if (!s) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
        v->start = s;
        if (!(l = realloc(v->len, nn * sizeof *l))) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
        v->len = l;
        if (v->rank) {
            uint32_t *r = realloc(v->rank, nn * sizeof *r);
            if (!r) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
            v->rank = r;
            for (uint32_t i = v->n_ids; i < nn; i++) r[i] = EP_BPE_NO_RANK;
        }
        for (uint32_t i = v->n_ids; i < nn; i++) s[i] = l[i] = 0;
        uint8_t *sp = realloc(v->special, nn);
        if (!sp) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
        if (!v->special) memset(sp, 0, nn);
        else memset(sp + v->n_ids, 0, nn - v->n_ids);
        v->special = sp;
        v->n_ids = nn;
    } else if (!v->special) {
        if (!(v->special = calloc(v->n_ids, 1))) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    }
    uint8_t *b = realloc(v->blob, v->blob_len + n + 1);
    if (!b) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    v->blob = b;
    /* the blob holds token bytes by (start, len), never C strings */
    // NOLINTNEXTLINE(bugprone-not-null-terminated-result)
    memcpy(b + v->blob_len, text, n);
    v->start[id] = (uint32_t)v->blob_len;
    v->len[id] = (uint32_t)n;
    v->special[id] = 1;
    v->blob_len += n;
    return EP_OK;
}

/* RFC 4648 base64 (standard alphabet, '=' padding). dst NULL: only checks and measures.
 * @return decoded length or -1. */
static long b64_decode(uint8_t *dst, const char *s, size_t n)
{
    static const uint8_t T[256] = {
        ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,  ['H'] = 8,
        ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
        ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
        ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
        ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
        ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
        ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
        ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
    }; /* value + 1; 0 = not in the alphabet */
    if (n == 0 || n % 4) return -1;
    size_t pad = 0;
    if (s[n - 1] == '=') pad++;
    if (s[n - 2] == '=') pad++;
    long o = 0;
    for (size_t i = 0; i < n; i += 4) {
        uint32_t q = 0;
        for (int k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)s[i + k];
            int val;
            if (c == '=' && i + 4 == n && (size_t)k >= 4 - pad) val = 0;
            else if (!(val = T[c])) return -1;
            else val -= 1;
            q = q << 6 | (uint32_t)val;
        }
        uint8_t out3[3] = {(uint8_t)(q >> 16), (uint8_t)(q >> 8), (uint8_t)q};
        int k = 1 + (i + 4 < n || pad < 2) + (i + 4 < n || pad < 1);
        if (dst) memcpy(dst + o, out3, (size_t)k);
        o += k;
    }
    return o;
}

/* One line of a tiktoken file: "BASE64 RANK" (a CR before the newline is ignored). */
typedef struct {
    const char *b64;
    size_t b64_len;
    uint32_t rank;
    long bytes; /* decoded length */
} tiktoken_line;

/* Parses buf[i..le) (non-empty). @return NULL or the reason it is malformed. */
static const char *parse_tiktoken_line(const char *line, size_t len, tiktoken_line *out)
{
    const char *sp = memchr(line, ' ', len);
    if (!sp) return "expected 'BASE64 RANK'";
    out->b64 = line;
    out->b64_len = (size_t)(sp - line);
    const char *q = sp + 1, *end = line + len;
    uint64_t r = 0;
    if (q == end) return "rank is not a non-negative integer";
    for (; q < end; q++) {
        if (*q < '0' || *q > '9' || r > UINT32_MAX / 10) return "rank is not a non-negative integer";
        r = r * 10 + (uint64_t)(*q - '0');
    }
    if (r >= UINT32_MAX / 2) return "rank is not a non-negative integer";
    out->rank = (uint32_t)r;
    out->bytes = b64_decode(NULL, out->b64, out->b64_len);
    if (out->bytes <= 0) return "invalid base64 token";
    return NULL;
}

/* The next line of buf[0, n) from *at (a final line without '\n' included), without its '\n' or
 * "\r\n"; *len its length. Advances *at; NULL at the end. */
static const char *next_line(const char *buf, size_t n, size_t *at, size_t *len)
{
    if (*at >= n) return NULL;
    const char *l = buf + *at;
    size_t e = *at;
    while (e < n && buf[e] != '\n') e++;
    *len = e - *at;
    if (*len && l[*len - 1] == '\r') (*len)--;
    *at = e + 1;
    return l;
}

ep_status ep_bpe_vocab_parse_tiktoken(ep_bpe_vocab *v, const char *buf, size_t n, const char *what,
                                      ep_error *err)
{
    memset(v, 0, sizeof *v);
    /* Pass 1: check every line and measure (entries, largest rank, token bytes); nothing is
     * allocated until the file is known to be well formed and its ranks fit its size. */
    uint64_t entries = 0, max_rank = 0, blob_bytes = 0, max_rank_line = 0;
    size_t line = 0, at = 0, len;
    const char *l;
    while ((l = next_line(buf, n, &at, &len))) {
        line++;
        if (len) {
            tiktoken_line tl;
            const char *why = parse_tiktoken_line(l, len, &tl);
            if (why) return ep_error_set(err, EP_ERR_FORMAT, "%s:%zu: %s", what, line, why);
            entries++;
            blob_bytes += (uint64_t)tl.bytes;
            if (tl.rank >= max_rank) { max_rank = tl.rank; max_rank_line = line; }
        }
    }
    if (entries == 0) return ep_error_set(err, EP_ERR_FORMAT, "%s: empty tiktoken file", what);
    if (max_rank + 1 > ep_bpe_id_limit(entries))
        return ep_error_set(err, EP_ERR_FORMAT,
                            "%s:%llu: rank %llu is too large for a file of %llu tokens (ranks must stay below "
                            "2 x tokens + 1024)",
                            what, (unsigned long long)max_rank_line, (unsigned long long)max_rank,
                            (unsigned long long)entries);
    /* Pass 2: fill. */
    uint32_t n_ids = (uint32_t)max_rank + 1;
    v->start = calloc(n_ids, sizeof *v->start);
    v->len = calloc(n_ids, sizeof *v->len);
    v->blob = malloc(blob_bytes + 1);
    if (!v->start || !v->len || !v->blob) {
        ep_bpe_vocab_free(v);
        return ep_error_set(err, EP_ERR_NOMEM, "%s: out of memory", what);
    }
    line = 0;
    at = 0;
    while ((l = next_line(buf, n, &at, &len))) {
        line++;
        if (len) {
            tiktoken_line tl;
            parse_tiktoken_line(l, len, &tl); /* checked in pass 1 */
            if (v->len[tl.rank]) {
                ep_bpe_vocab_free(v);
                return ep_error_set(err, EP_ERR_FORMAT, "%s:%zu: rank %u appears twice", what, line, tl.rank);
            }
            b64_decode(v->blob + v->blob_len, tl.b64, tl.b64_len);
            v->start[tl.rank] = (uint32_t)v->blob_len;
            v->len[tl.rank] = (uint32_t)tl.bytes;
            v->blob_len += (size_t)tl.bytes;
        }
    }
    v->n_ids = n_ids;
    return ep_bpe_vocab_finish(v, what, err);
}
