/* tokenizer.json pre-tokenizer steps (Split, ByteLevel) for the files whose pre-tokenizer is not
 * one regex (those take the fast path in bpe_encode.c). Each step runs on every piece the previous
 * step made, as in the Rust tokenizers crate (PreTokenizedString::split) and transformers.js
 * (PreTokenizerSequence), and writes its pieces to the other arena of the work space.
 *
 * Split (tokenizers/src/tokenizer/normalizer.rs, NormalizedString::split and Pattern::find_matches):
 * the piece is cut into spans, each a match of the pattern (leftmost-first, non-overlapping; an
 * empty match advances one code point) or the text between matches; invert swaps the two kinds.
 * Then, by behavior:
 *   Removed             the matches are dropped;
 *   Isolated            every span is a piece;
 *   MergedWithPrevious  a match joins the span before it, unless that span is itself a match;
 *   MergedWithNext      a match joins the span after it, unless that span is itself a match;
 *   Contiguous          runs of consecutive spans of the same kind are one piece.
 * Empty pieces are dropped. transformers.js implements only Removed, Isolated and invert (its
 * `invert` keeps only the matches, which equals Rust's invert + Removed); the others follow Rust.
 * ByteLevel: add_prefix_space puts ' ' before a piece that does not start with one; use_regex splits
 * it with the GPT-2 pattern (Isolated). Its byte-to-character mapping needs no work here: pieces
 * stay bytes and the vocabulary was decoded from the byte alphabet when loaded. */
#include <stdlib.h>
#include <string.h>

#include "tok/bpe_impl.h"

void ep_bpe_pretok_ws_free(ep_bpe_pretok_ws *ws)
{
    if (!ws) return;
    for (int k = 0; k < 2; k++) {
        free(ws->bytes[k]);
        free(ws->spans[k]);
    }
    free(ws->m);
    pcre2_match_data_free(ws->md);
    memset(ws, 0, sizeof *ws);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 1;
    size_t c = *cap ? *cap : 256;
    while (c < need) c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q) return 0;
    *p = q;
    *cap = c;
    return 1;
}

/* Appends span [s, e) with kind is_match to the match list (n entries so far). */
static int push_m(ep_bpe_pretok_ws *ws, size_t *n, size_t s, size_t e, size_t is_match)
{
    if (!grow((void **)&ws->m, &ws->m_cap, *n + 1, 3 * sizeof *ws->m)) return 0;
    ws->m[3 * *n] = s;
    ws->m[3 * *n + 1] = e;
    ws->m[3 * *n + 2] = is_match;
    ++*n;
    return 1;
}

/* The spans of p[0..n) for one Split pattern (find_matches). @return EP_OK and *nm. */
static ep_status find_matches(const ep_bpe_pretok_step *st, pcre2_code *re, ep_bpe_pretok_ws *ws,
                              pcre2_match_context *mctx, const uint8_t *p, size_t n, size_t *nm)
{
    size_t prev = 0, off = 0;
    *nm = 0;
    while (off <= n) {
        size_t a, e;
        if (re) {
            int rc = pcre2_match(re, p, n, off, PCRE2_NO_UTF_CHECK, ws->md, mctx);
            if (rc == PCRE2_ERROR_NOMATCH) break;
            if (rc < 0) return rc == PCRE2_ERROR_NOMEMORY ? EP_ERR_NOMEM : EP_ERR_LIMIT;
            const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(ws->md);
            a = ov[0];
            e = ov[1];
        } else {
            const uint8_t *f = st->literal_len <= n - off ? memmem(p + off, n - off, st->literal, st->literal_len) : NULL;
            if (!f) break;
            a = (size_t)(f - p);
            e = a + st->literal_len;
        }
        if (prev != a && !push_m(ws, nm, prev, a, 0)) return EP_ERR_NOMEM;
        if (!push_m(ws, nm, a, e, 1)) return EP_ERR_NOMEM;
        prev = e;
        if (e > a) {
            off = e;
        } else { /* empty match: step one code point */
            if (a >= n) break;
            off = a + 1;
            while (off < n && (p[off] & 0xC0) == 0x80) off++;
        }
    }
    if (prev != n && !push_m(ws, nm, prev, n, 0)) return EP_ERR_NOMEM;
    return EP_OK;
}

/* Combines the spans m[0..nm) by behavior (in place) and appends the non-empty pieces, offset by
 * base, to arena k's spans. */
static int emit_split(ep_bpe_pretok_ws *ws, int k, size_t *np, size_t base, size_t nm, int behavior, int invert)
{
    size_t *m = ws->m, na = 0; /* the combined spans are written over m[0..na) */
    for (size_t i = 0; i < nm; i++) m[3 * i + 2] ^= (size_t)(invert != 0);
    if (behavior == EP_BPE_SPLIT_MERGED_NEXT) { /* a reversed MergedWithPrevious */
        size_t prev_match = 0;
        for (size_t i = nm; i-- > 0;) {
            size_t s = m[3 * i], e = m[3 * i + 1], is = m[3 * i + 2];
            /* acc grows from the end of m downwards: slot nm - 1 - na */
            if (is && !prev_match && na) m[3 * (nm - na)] = s;
            else { na++; m[3 * (nm - na)] = s; m[3 * (nm - na) + 1] = e; m[3 * (nm - na) + 2] = is; }
            prev_match = is;
        }
        memmove(m, m + 3 * (nm - na), 3 * na * sizeof *m);
    } else {
        size_t prev_match = 0;
        for (size_t i = 0; i < nm; i++) {
            size_t s = m[3 * i], e = m[3 * i + 1], is = m[3 * i + 2];
            int join = 0;
            if (behavior == EP_BPE_SPLIT_MERGED_PREV) join = is && !prev_match && na;
            else if (behavior == EP_BPE_SPLIT_CONTIGUOUS) join = is == prev_match && na;
            if (join) m[3 * (na - 1) + 1] = e;
            else if (behavior != EP_BPE_SPLIT_REMOVED || !is) { m[3 * na] = s; m[3 * na + 1] = e; m[3 * na + 2] = is; na++; }
            prev_match = is;
        }
    }
    for (size_t i = 0; i < na; i++) {
        if (m[3 * i] == m[3 * i + 1]) continue;
        if (!grow((void **)&ws->spans[k], &ws->spans_cap[k], *np + 1, 2 * sizeof(size_t))) return 0;
        ws->spans[k][2 * *np] = base + m[3 * i];
        ws->spans[k][2 * *np + 1] = base + m[3 * i + 1];
        ++*np;
    }
    return 1;
}

ep_status ep_bpe_pretok_run(const ep_bpe_impl *b, ep_bpe_pretok_ws *ws, pcre2_match_context *mctx, const uint8_t *t,
                            size_t len, const uint8_t **bytes, const size_t **spans, size_t *n_pieces)
{
    if (!ws->md && !(ws->md = pcre2_match_data_create(1, NULL))) return EP_ERR_NOMEM;
    size_t one[2] = {0, len};
    const uint8_t *cur = t;
    const size_t *cur_sp = one;
    size_t cur_n = len ? 1 : 0;
    for (size_t si = 0; si < b->n_steps; si++) {
        const ep_bpe_pretok_step *st = &b->steps[si];
        int k = (int)(si & 1);
        size_t used = 0, np = 0;
        for (size_t q = 0; q < cur_n; q++) {
            const uint8_t *p = cur + cur_sp[2 * q];
            size_t n = cur_sp[2 * q + 1] - cur_sp[2 * q];
            int prefix = st->kind == EP_BPE_PT_BYTE_LEVEL && st->add_prefix_space && (n == 0 || p[0] != ' ');
            if (!grow((void **)&ws->bytes[k], &ws->bytes_cap[k], used + n + 1, 1)) return EP_ERR_NOMEM;
            size_t base = used;
            if (prefix) ws->bytes[k][used++] = ' ';
            memcpy(ws->bytes[k] + used, p, n);
            used += n;
            size_t pn = used - base, nm = 0;
            if (st->kind == EP_BPE_PT_BYTE_LEVEL && !b->step_re[si]) {
                if (!push_m(ws, &nm, 0, pn, 0)) return EP_ERR_NOMEM;
                if (!emit_split(ws, k, &np, base, nm, EP_BPE_SPLIT_ISOLATED, 0)) return EP_ERR_NOMEM;
                continue;
            }
            ep_status rc = find_matches(st, b->step_re[si], ws, mctx, ws->bytes[k] + base, pn, &nm);
            if (rc != EP_OK) return rc;
            int beh = st->kind == EP_BPE_PT_SPLIT ? st->behavior : EP_BPE_SPLIT_ISOLATED;
            if (!emit_split(ws, k, &np, base, nm, beh, st->kind == EP_BPE_PT_SPLIT && st->invert)) return EP_ERR_NOMEM;
        }
        cur = ws->bytes[k];
        cur_sp = ws->spans[k];
        cur_n = np;
    }
    *bytes = cur;
    *spans = cur_sp;
    *n_pieces = cur_n;
    return EP_OK;
}
