/* Hugging Face tokenizer.json (byte-level BPE, as GPT-2/RoBERTa/Llama-3 style files write it).
 *
 * Supported: model.type "BPE" with "vocab" (token -> id) and "merges" ("a b" strings or [a, b]
 * pairs), tokens written with GPT-2's bytes_to_unicode alphabet, model.ignore_merges; the
 * normalizer and pre_tokenizer are read by bpe_hf_pipeline.c. Added tokens become special
 * (decode-only) tokens: never produced from text. Anything else is refused with EP_ERR_UNSUPPORTED.
 *
 * Merging: the rank of a token is the index of the first merge that produces it (bytes of a + b);
 * merging by lowest token rank equals Hugging Face's lowest pair rank whenever each token has one
 * producing merge, which holds for byte-level BPE trained vocabularies (tiktoken loads GPT-2's
 * vocab.bpe the same way, tiktoken/load.py data_gym_to_mergeable_bpe_ranks). */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "tok/bpe_internal.h"

/* Inverse of GPT-2's bytes_to_unicode (encoder.py): code point -> byte, -1 if not in the alphabet. */
static void byte_alphabet(int16_t inv[324])
{
    for (int i = 0; i < 324; i++) inv[i] = -1;
    int n = 0;
    for (int b = 0; b < 256; b++) {
        int printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        if (printable) inv[b] = (int16_t)b;
        else inv[256 + n++] = (int16_t)b;
    }
}

/* Decodes a token string of the byte alphabet to bytes (dst NULL: only checks); @return length or -1. */
static long alphabet_decode(const int16_t inv[324], const char *s, size_t n, uint8_t *dst)
{
    long o = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        if (c < 0x80) { cp = c; i++; }
        else if ((c & 0xE0) == 0xC0 && i + 1 < n) { cp = (uint32_t)(c & 0x1F) << 6 | ((unsigned char)s[i + 1] & 0x3F); i += 2; }
        else return -1;
        if (cp >= 324 || inv[cp] < 0) return -1;
        if (dst) dst[o] = (uint8_t)inv[cp];
        o++;
    }
    return o;
}

static const char *str_field(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                                              : NULL;
}

ep_status ep_bpe_vocab_parse_hf(ep_bpe_vocab *v, ep_bpe_hf_opts *o, const char *buf, size_t n, const char *what,
                                ep_error *err)
{
    memset(v, 0, sizeof *v);
    memset(o, 0, sizeof *o);
    json_tokener *tk = json_tokener_new_ex(64);
    if (!tk) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    json_object *root = json_tokener_parse_ex(tk, buf, (int)n);
    enum json_tokener_error je = json_tokener_get_error(tk);
    if (!root || je != json_tokener_success) {
        size_t at = json_tokener_get_parse_end(tk), line = 1;
        for (size_t i = 0; i < at && i < n; i++) line += buf[i] == '\n';
        json_tokener_free(tk);
        json_object_put(root);
        return ep_error_set(err, EP_ERR_FORMAT, "%s:%zu: invalid JSON (%s)", what, line, json_tokener_error_desc(je));
    }
    json_tokener_free(tk);
    ep_status st = EP_OK;
    json_object *model, *vocab, *merges, *norm, *pre = NULL, *added;
    int16_t inv[324];
    byte_alphabet(inv);
    if (!json_object_object_get_ex(root, "model", &model) || !json_object_object_get_ex(model, "vocab", &vocab) ||
        !json_object_is_type(vocab, json_type_object) || !json_object_object_get_ex(model, "merges", &merges) ||
        !json_object_is_type(merges, json_type_array)) {
        st = ep_error_set(err, EP_ERR_FORMAT, "%s: expected model.vocab (object) and model.merges (array)", what);
        goto done;
    }
    const char *mtype = str_field(model, "type");
    if (mtype && strcmp(mtype, "BPE") != 0) {
        st = ep_error_set(err, EP_ERR_UNSUPPORTED, "%s: model type %s is not BPE", what, mtype);
        goto done;
    }
    norm = NULL;
    json_object_object_get_ex(root, "normalizer", &norm);
    json_object_object_get_ex(root, "pre_tokenizer", &pre);
    if ((st = ep_bpe_hf_parse_pipeline(o, norm, pre, what, err)) != EP_OK) goto done;
    json_object *im;
    if (json_object_object_get_ex(model, "ignore_merges", &im) && im) {
        if (!json_object_is_type(im, json_type_boolean)) {
            st = ep_error_set(err, EP_ERR_FORMAT, "%s: model.ignore_merges is not a boolean", what);
            goto done;
        }
        o->ignore_merges = json_object_get_boolean(im);
    }

    /* Pass 1: ids, alphabet and total bytes are checked before anything is sized by them. */
    uint64_t max_id = 0, total = 0, count = 0;
    json_object_object_foreach(vocab, key, val) {
        if (!json_object_is_type(val, json_type_int) || json_object_get_int64(val) < 0 ||
            json_object_get_int64(val) >= (int64_t)UINT32_MAX / 2) {
            st = ep_error_set(err, EP_ERR_FORMAT, "%s: vocab entry \"%.40s\" has no valid id", what, key);
            goto done;
        }
        if (alphabet_decode(inv, key, strlen(key), NULL) <= 0) {
            st = ep_error_set(err, EP_ERR_UNSUPPORTED, "%s: vocab entry \"%.40s\" is not in the byte-level alphabet",
                              what, key);
            goto done;
        }
        uint64_t id = (uint64_t)json_object_get_int64(val);
        if (id + 1 > max_id) max_id = id + 1;
        total += strlen(key);
        count++;
    }
    if (max_id > ep_bpe_id_limit(count)) {
        st = ep_error_set(err, EP_ERR_FORMAT,
                          "%s: vocab id %llu is too large for %llu entries (ids must stay below 2 x entries + 1024)",
                          what, (unsigned long long)(max_id - 1), (unsigned long long)count);
        goto done;
    }
    v->n_ids = (uint32_t)max_id;
    v->start = calloc(max_id + 1, sizeof *v->start);
    v->len = calloc(max_id + 1, sizeof *v->len);
    v->rank = malloc((max_id + 1) * sizeof *v->rank);
    v->special = calloc(max_id + 1, 1);
    v->blob = malloc(total + 1);
    if (!v->start || !v->len || !v->rank || !v->special || !v->blob) { st = ep_error_set(err, EP_ERR_NOMEM, "out of memory"); goto done; }
    for (uint64_t i = 0; i <= max_id; i++) v->rank[i] = EP_BPE_NO_RANK;
    {
        json_object_object_foreach(vocab, key2, val2) {
            uint32_t id = (uint32_t)json_object_get_int64(val2);
            long dn = alphabet_decode(inv, key2, strlen(key2), v->blob + v->blob_len);
            if (dn <= 0) {
                st = ep_error_set(err, EP_ERR_UNSUPPORTED, "%s: vocab entry \"%.40s\" is not in the byte-level alphabet",
                                  what, key2);
                goto done;
            }
            if (v->len[id]) { st = ep_error_set(err, EP_ERR_FORMAT, "%s: id %u appears twice in vocab", what, id); goto done; }
            v->start[id] = (uint32_t)v->blob_len;
            v->len[id] = (uint32_t)dn;
            v->blob_len += (size_t)dn;
            if (dn == 1) v->rank[id] = 0; /* bytes: never looked up as pair ranks */
        }
    }
    /* Temporary table over all ids to find merge results; then ranks; then the final table
     * over mergeable ids only (tokens no merge produces are kept for decoding only). */
    if ((st = ep_bpe_vocab_finish(v, what, err)) != EP_OK) goto done;
    size_t nm = json_object_array_length(merges);
    uint8_t tmp[1024];
    for (size_t k = 0; k < nm; k++) {
        json_object *m = json_object_array_get_idx(merges, k);
        const char *a = NULL, *b = NULL;
        size_t la = 0, lb = 0;
        if (json_object_is_type(m, json_type_string)) {
            const char *s = json_object_get_string(m), *sp = strchr(s, ' ');
            if (sp) { a = s; la = (size_t)(sp - s); b = sp + 1; lb = strlen(b); }
        } else if (json_object_is_type(m, json_type_array) && json_object_array_length(m) == 2) {
            a = json_object_get_string(json_object_array_get_idx(m, 0));
            b = json_object_get_string(json_object_array_get_idx(m, 1));
            if (a && b) { la = strlen(a); lb = strlen(b); }
        }
        if (!a || !b || la + lb > sizeof tmp) {
            st = ep_error_set(err, EP_ERR_FORMAT, "%s: merges[%zu] is not a pair of tokens", what, k);
            goto done;
        }
        long da = alphabet_decode(inv, a, la, tmp), db = da > 0 ? alphabet_decode(inv, b, lb, tmp + da) : -1;
        uint32_t id = db > 0 ? ep_bpe_vocab_find(v, tmp, (size_t)(da + db)) : EP_BPE_NO_RANK;
        if (id == EP_BPE_NO_RANK) {
            st = ep_error_set(err, EP_ERR_FORMAT, "%s: merges[%zu] (\"%.30s\" + \"%.30s\") is not in vocab", what, k,
                              a, b);
            goto done;
        }
        if (v->rank[id] == EP_BPE_NO_RANK) v->rank[id] = (uint32_t)(256 + k);
    }
    /* A token no merge produces cannot come out of merging: it is decode-only, unless
     * ignore_merges lets a pre-token that equals it be that token (it then stays in the table with
     * no rank, so merges never make it). */
    for (uint32_t id = 0; id < v->n_ids; id++)
        if (v->len[id] && v->rank[id] == EP_BPE_NO_RANK && !o->ignore_merges) v->special[id] = 1;
    if (json_object_object_get_ex(root, "added_tokens", &added) && json_object_is_type(added, json_type_array)) {
        size_t n_added = json_object_array_length(added);
        for (size_t i = 0; i < n_added; i++) {
            json_object *t = json_object_array_get_idx(added, i), *jid;
            const char *content = str_field(t, "content");
            if (!content || !json_object_object_get_ex(t, "id", &jid)) continue;
            int64_t id = json_object_get_int64(jid);
            if (id < 0 || (uint64_t)id >= ep_bpe_id_limit(count + n_added)) {
                st = ep_error_set(err, EP_ERR_FORMAT,
                                  "%s: added_tokens[%zu] id %lld is outside 0..2 x (vocab entries + added tokens) + 1023",
                                  what, i, (long long)id);
                goto done;
            }
            if ((uint64_t)id < v->n_ids && v->len[id]) { v->special[id] = 1; continue; }
            if ((st = ep_bpe_vocab_add_special(v, content, (uint32_t)id, err)) != EP_OK) goto done;
        }
    }
    free(v->slots);
    v->slots = NULL;
    st = ep_bpe_vocab_finish(v, what, err);
    (void)count;
done:
    json_object_put(root);
    if (st != EP_OK) {
        ep_bpe_vocab_free(v);
        ep_bpe_hf_opts_free(o);
    }
    return st;
}
