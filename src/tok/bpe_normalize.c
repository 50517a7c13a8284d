/* tokenizer.json normalizers: NFC, NFKC, Replace (literal string), Prepend, and Sequence of them
 * (flattened to a list of steps by the loader, bpe_hf.c).
 *
 * Semantics are those of the reference (transformers.js, the `@lenml/tokenizers` 3.7.2 npm package,
 * which follows the Rust `tokenizers` crate here):
 *   NFC / NFKC  Unicode normalization forms (UAX #15), here by utf8proc (STABLE | COMPOSE, plus
 *               COMPAT for NFKC). A text that a quick check (nf_inert) shows invariant skips it.
 *   Replace     every non-overlapping occurrence of a literal string, left to right, by another
 *               (JavaScript replaceAll; Rust NormalizedString::replace). Regex patterns are refused
 *               by the loader.
 *   Prepend     a prefix before a non-empty text.
 * Each step reads the previous step's output; the buffers alternate in the work space. */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "tok/bpe_internal.h"

void ep_bpe_normalizer_free(ep_bpe_normalizer *nz)
{
    if (!nz) return;
    for (size_t i = 0; i < nz->n; i++) {
        free(nz->steps[i].from);
        free(nz->steps[i].to);
    }
    free(nz->steps);
    nz->steps = NULL;
    nz->n = 0;
}

void ep_bpe_norm_ws_free(ep_bpe_norm_ws *ws)
{
    if (!ws) return;
    free(ws->buf[0]);
    free(ws->buf[1]);
    free(ws->cps);
    memset(ws, 0, sizeof *ws);
}

static int reserve(ep_bpe_norm_ws *ws, int k, size_t n)
{
    if (n <= ws->cap[k]) return 1;
    size_t c = ws->cap[k] ? ws->cap[k] : 4096;
    while (c < n) c *= 2;
    uint8_t *b = realloc(ws->buf[k], c);
    if (!b) return 0;
    ws->buf[k] = b;
    ws->cap[k] = c;
    return 1;
}

/* 1 when no code point of the valid UTF-8 text p[0..n) can change under NFC or NFKC, so that
 * both leave the text as it is (a conservative quick check, UAX #15 section 9): every code point is
 * below U+0300 (no combining marks, no composition second characters there), or has canonical
 * combining class 0, no canonical decomposition (for NFKC: no decomposition of any kind), is not the second character of a canonical
 * composition (utf8proc: comb_index >= 0x8000) and is not Hangul (composed algorithmically). Text of
 * real corpora (Latin, punctuation, CJK ideographs, emoji) passes, and skips the normalization. */
static int nf_inert(const uint8_t *p, size_t n, int compat)
{
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0xCC) { /* U+0000..U+02FF: ASCII and 2-byte sequences below U+0300 */
            i += p[i] < 0x80 ? 1 : 2;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0) return 0;
        i += (size_t)k;
        if ((cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0xA960 && cp <= 0xA97F) || (cp >= 0xAC00 && cp <= 0xD7FF) ||
            (cp >= 0x3130 && cp <= 0x318F))
            return 0;
        const utf8proc_property_t *pr = utf8proc_get_property(cp);
        if (pr->combining_class != 0 || (pr->decomp_seqindex != UINT16_MAX && (compat || pr->decomp_type == 0)) ||
            (pr->comb_index != UINT16_MAX && pr->comb_index >= 0x8000))
            return 0;
    }
    return 1;
}

/* Unicode normalization of in[0..n) into buffer k. @return EP_OK, *len set. */
static ep_status unicode_form(ep_bpe_norm_ws *ws, int k, int compat, const uint8_t *in, size_t n, size_t *len)
{
    const utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPOSE | (compat ? UTF8PROC_COMPAT : 0);
    if (n > (size_t)INT32_MAX / 4) return EP_ERR_LIMIT;
    utf8proc_ssize_t ncp;
    for (;;) {
        ncp = utf8proc_decompose(in, (utf8proc_ssize_t)n, ws->cps, (utf8proc_ssize_t)ws->cps_cap, opt);
        if (ncp < 0) return ncp == UTF8PROC_ERROR_NOMEM ? EP_ERR_NOMEM : EP_ERR_ARG;
        if ((size_t)ncp <= ws->cps_cap) break;
        size_t c = ws->cps_cap ? ws->cps_cap : 1024;
        while (c < (size_t)ncp) c *= 2;
        int32_t *cps = realloc(ws->cps, c * sizeof *cps);
        if (!cps) return EP_ERR_NOMEM;
        ws->cps = cps;
        ws->cps_cap = c;
    }
    ncp = utf8proc_normalize_utf32(ws->cps, ncp, opt);
    if (ncp < 0) return EP_ERR_NOMEM;
    if (!reserve(ws, k, 4 * (size_t)ncp + 1)) return EP_ERR_NOMEM;
    size_t o = 0;
    for (utf8proc_ssize_t j = 0; j < ncp; j++) o += (size_t)utf8proc_encode_char(ws->cps[j], ws->buf[k] + o);
    *len = o;
    return EP_OK;
}

/* Literal replace of s->from by s->to in in[0..n) into buffer k. @return 0 when nothing matched. */
static int replace(ep_bpe_norm_ws *ws, int k, const ep_bpe_norm_step *s, const uint8_t *in, size_t n, size_t *len,
                   ep_status *st)
{
    size_t hits = 0;
    for (size_t i = 0; i + s->from_len <= n;) {
        const uint8_t *f = memchr(in + i, (unsigned char)s->from[0], n - i);
        if (!f || (size_t)(f - in) + s->from_len > n) break;
        i = (size_t)(f - in);
        if (memcmp(f, s->from, s->from_len) == 0) { hits++; i += s->from_len; }
        else i++;
    }
    *st = EP_OK;
    if (!hits) return 0;
    size_t need = n + hits * s->to_len; /* an upper bound: from_len >= 1 */
    if (!reserve(ws, k, need + 1)) { *st = EP_ERR_NOMEM; return 1; }
    uint8_t *o = ws->buf[k];
    size_t w = 0, i = 0;
    while (i < n) {
        if (i + s->from_len <= n && in[i] == (uint8_t)s->from[0] && memcmp(in + i, s->from, s->from_len) == 0) {
            memcpy(o + w, s->to, s->to_len);
            w += s->to_len;
            i += s->from_len;
        } else {
            o[w++] = in[i++];
        }
    }
    *len = w;
    return 1;
}

ep_status ep_bpe_normalize(const ep_bpe_normalizer *nz, ep_bpe_norm_ws *ws, const uint8_t *in, size_t n,
                           const uint8_t **out, size_t *out_len)
{
    const uint8_t *cur = in;
    size_t len = n;
    int k = 0; /* the buffer the next step writes */
    for (size_t i = 0; i < nz->n; i++) {
        const ep_bpe_norm_step *s = &nz->steps[i];
        size_t w = 0;
        ep_status st = EP_OK;
        switch (s->kind) {
        case EP_BPE_NORM_NFC:
        case EP_BPE_NORM_NFKC:
            if (nf_inert(cur, len, s->kind == EP_BPE_NORM_NFKC)) continue;
            st = unicode_form(ws, k, s->kind == EP_BPE_NORM_NFKC, cur, len, &w);
            break;
        case EP_BPE_NORM_REPLACE:
            if (!replace(ws, k, s, cur, len, &w, &st)) continue;
            break;
        case EP_BPE_NORM_PREPEND:
            if (!len) continue;
            if (!reserve(ws, k, s->from_len + len + 1)) return EP_ERR_NOMEM;
            memcpy(ws->buf[k], s->from, s->from_len);
            memcpy(ws->buf[k] + s->from_len, cur, len);
            w = s->from_len + len;
            break;
        default:
            return EP_ERR_ARG;
        }
        if (st != EP_OK) return st;
        cur = ws->buf[k];
        len = w;
        k ^= 1;
    }
    *out = cur;
    *out_len = len;
    return EP_OK;
}
