/* The normalizer and pre-tokenizer of a tokenizer.json, read into the encoder's terms
 * (docs/tokenizers-bpe.md, "tokenizer.json").
 *
 * Normalizers: NFC, NFKC, Replace (String pattern), Prepend, and Sequence of these (flattened).
 * Pre-tokenizers: ByteLevel (use_regex, add_prefix_space), Split (Regex or String pattern, every
 * behavior, invert) and Sequence of these, as steps run by bpe_pretok.c, ByteLevel last (the
 * vocabulary is byte-level; its byte-to-character mapping is implicit: pieces stay bytes). The
 * shapes every published byte-level file has, one regex whose matches and the text between them
 * are the pieces, go to the encoder's fast path (bpe_encode.c) instead:
 *   ByteLevel{use_regex: true}                                 the GPT-2 pattern;
 *   Split{Regex, Isolated, invert: false} + ByteLevel{use_regex: false}   that pattern.
 * Any other component is refused with its name. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "tok/bpe_internal.h"

#define PAT_GPT2 "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"

void ep_bpe_hf_opts_free(ep_bpe_hf_opts *o)
{
    if (!o) return;
    free(o->pattern);
    ep_bpe_normalizer_free(&o->norm);
    ep_bpe_pretok_steps_free(o->steps, o->n_steps);
    memset(o, 0, sizeof *o);
}

static const char *str_field(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                                              : NULL;
}

/* A boolean field; def when absent or null. @return -1 when present but not a boolean. */
static int bool_field(json_object *o, const char *key, int def)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !v) return def;
    if (!json_object_is_type(v, json_type_boolean)) return -1;
    return json_object_get_boolean(v);
}

static ep_status add_norm(ep_bpe_normalizer *nz, int kind, const char *from, const char *to, ep_error *err)
{
    ep_bpe_norm_step *s = realloc(nz->steps, (nz->n + 1) * sizeof *s);
    if (!s) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    nz->steps = s;
    ep_bpe_norm_step *st = &s[nz->n];
    memset(st, 0, sizeof *st);
    st->kind = kind;
    if (from && !(st->from = strdup(from))) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    if (to && !(st->to = strdup(to))) { free(st->from); return ep_error_set(err, EP_ERR_NOMEM, "out of memory"); }
    st->from_len = from ? strlen(from) : 0;
    st->to_len = to ? strlen(to) : 0;
    nz->n++;
    return EP_OK;
}

static ep_status parse_normalizer(ep_bpe_normalizer *nz, json_object *j, int depth, const char *what, ep_error *err)
{
    const char *type = str_field(j, "type");
    if (!type) return ep_error_set(err, EP_ERR_FORMAT, "%s: normalizer without a type", what);
    if (!strcmp(type, "NFC")) return add_norm(nz, EP_BPE_NORM_NFC, NULL, NULL, err);
    if (!strcmp(type, "NFKC")) return add_norm(nz, EP_BPE_NORM_NFKC, NULL, NULL, err);
    if (!strcmp(type, "Prepend")) {
        const char *p = str_field(j, "prepend");
        if (!p) return ep_error_set(err, EP_ERR_FORMAT, "%s: Prepend normalizer without a \"prepend\" string", what);
        return *p ? add_norm(nz, EP_BPE_NORM_PREPEND, p, NULL, err) : EP_OK;
    }
    if (!strcmp(type, "Replace")) {
        json_object *pat;
        const char *content = str_field(j, "content");
        if (!json_object_object_get_ex(j, "pattern", &pat) || !pat || !content)
            return ep_error_set(err, EP_ERR_FORMAT, "%s: Replace normalizer needs \"pattern\" and \"content\"", what);
        const char *lit = str_field(pat, "String");
        if (!lit)
            return ep_error_set(err, EP_ERR_UNSUPPORTED,
                                "%s: Replace normalizer with a Regex pattern is not supported (String only)", what);
        if (!*lit) return ep_error_set(err, EP_ERR_FORMAT, "%s: Replace normalizer with an empty pattern", what);
        return add_norm(nz, EP_BPE_NORM_REPLACE, lit, content, err);
    }
    if (!strcmp(type, "Sequence")) {
        json_object *list;
        if (depth > 8) return ep_error_set(err, EP_ERR_FORMAT, "%s: normalizer Sequences nested too deep", what);
        if (!json_object_object_get_ex(j, "normalizers", &list) || !json_object_is_type(list, json_type_array))
            return ep_error_set(err, EP_ERR_FORMAT, "%s: Sequence normalizer without a \"normalizers\" array", what);
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            ep_status st = parse_normalizer(nz, json_object_array_get_idx(list, i), depth + 1, what, err);
            if (st != EP_OK) return st;
        }
        return EP_OK;
    }
    return ep_error_set(err, EP_ERR_UNSUPPORTED,
                        "%s: normalizer %s is not supported (supported: NFC, NFKC, Replace, Prepend, Sequence)", what,
                        type);
}

static ep_status add_step(ep_bpe_hf_opts *o, const ep_bpe_pretok_step *st, const char *regex, const char *literal,
                          ep_error *err)
{
    ep_bpe_pretok_step *s = realloc(o->steps, (o->n_steps + 1) * sizeof *s);
    if (!s) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    o->steps = s;
    s[o->n_steps] = *st;
    s[o->n_steps].regex = regex ? strdup(regex) : NULL;
    s[o->n_steps].literal = literal ? strdup(literal) : NULL;
    s[o->n_steps].literal_len = literal ? strlen(literal) : 0;
    o->n_steps++;
    if ((regex && !s[o->n_steps - 1].regex) || (literal && !s[o->n_steps - 1].literal))
        return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    return EP_OK;
}

static const char *const BEHAVIORS[] = {"Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"};

/* One pre-tokenizer (not a Sequence), appended to o->steps. */
static ep_status parse_pretok(ep_bpe_hf_opts *o, json_object *p, const char *what, ep_error *err)
{
    const char *t = str_field(p, "type");
    ep_bpe_pretok_step st = {0};
    if (!t) return ep_error_set(err, EP_ERR_FORMAT, "%s: pre_tokenizer without a type", what);
    if (!strcmp(t, "ByteLevel")) {
        int use_regex = bool_field(p, "use_regex", 1), prefix = bool_field(p, "add_prefix_space", 0);
        if (use_regex < 0 || prefix < 0)
            return ep_error_set(err, EP_ERR_FORMAT, "%s: ByteLevel use_regex/add_prefix_space must be booleans", what);
        st.kind = EP_BPE_PT_BYTE_LEVEL;
        st.add_prefix_space = prefix;
        return add_step(o, &st, use_regex ? PAT_GPT2 : NULL, NULL, err);
    }
    if (!strcmp(t, "Split")) {
        json_object *pat;
        const char *re = NULL, *lit = NULL, *beh = str_field(p, "behavior");
        if (json_object_object_get_ex(p, "pattern", &pat) && pat) {
            re = str_field(pat, "Regex");
            lit = str_field(pat, "String");
        }
        if (!re && !lit) return ep_error_set(err, EP_ERR_FORMAT, "%s: Split without a Regex or String pattern", what);
        if (lit && !*lit) return ep_error_set(err, EP_ERR_FORMAT, "%s: Split with an empty String pattern", what);
        st.kind = EP_BPE_PT_SPLIT;
        st.behavior = -1;
        for (int k = 0; k < 5 && beh; k++)
            if (!strcmp(beh, BEHAVIORS[k])) st.behavior = k;
        if (st.behavior < 0)
            return ep_error_set(err, EP_ERR_FORMAT, "%s: Split behavior %s is not one of Removed, Isolated, "
                                "MergedWithPrevious, MergedWithNext, Contiguous", what, beh ? beh : "(none)");
        if ((st.invert = bool_field(p, "invert", 0)) < 0)
            return ep_error_set(err, EP_ERR_FORMAT, "%s: Split invert must be a boolean", what);
        return add_step(o, &st, re, re ? NULL : lit, err);
    }
    return ep_error_set(err, EP_ERR_UNSUPPORTED,
                        "%s: pre_tokenizer %s is not supported (supported: ByteLevel, Split, Sequence)", what, t);
}

void ep_bpe_pretok_steps_free(ep_bpe_pretok_step *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(steps[i].regex);
        free(steps[i].literal);
    }
    free(steps);
}

ep_status ep_bpe_hf_parse_pipeline(ep_bpe_hf_opts *o, json_object *normalizer, json_object *pre, const char *what,
                                   ep_error *err)
{
    ep_status st;
    if (normalizer && (st = parse_normalizer(&o->norm, normalizer, 0, what, err)) != EP_OK) return st;
    if (!pre) return ep_error_set(err, EP_ERR_UNSUPPORTED, "%s: no pre_tokenizer (not a byte-level BPE)", what);
    const char *type = str_field(pre, "type");
    if (type && !strcmp(type, "Sequence")) {
        json_object *list;
        if (!json_object_object_get_ex(pre, "pretokenizers", &list) || !json_object_is_type(list, json_type_array))
            return ep_error_set(err, EP_ERR_FORMAT, "%s: Sequence pre_tokenizer without a \"pretokenizers\" array",
                                what);
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            json_object *item = json_object_array_get_idx(list, i);
            const char *it = item ? str_field(item, "type") : NULL;
            if (it && !strcmp(it, "Sequence"))
                return ep_error_set(err, EP_ERR_UNSUPPORTED, "%s: nested pre_tokenizer Sequences are not supported",
                                    what);
            if ((st = parse_pretok(o, item, what, err)) != EP_OK) return st;
        }
    } else if ((st = parse_pretok(o, pre, what, err)) != EP_OK) {
        return st;
    }
    /* The vocabulary is byte-level: exactly one ByteLevel step, the last one that maps text to the
     * byte alphabet (steps after it would see the mapped text, which entroprof never builds). */
    size_t n_bl = 0;
    for (size_t i = 0; i < o->n_steps; i++) n_bl += o->steps[i].kind == EP_BPE_PT_BYTE_LEVEL;
    if (n_bl != 1 || o->steps[o->n_steps - 1].kind != EP_BPE_PT_BYTE_LEVEL)
        return ep_error_set(err, EP_ERR_UNSUPPORTED,
                            "%s: a byte-level vocabulary needs exactly one ByteLevel pre_tokenizer, last", what);
    /* The fast path: one regex whose matches and the text between them are the pieces. */
    const ep_bpe_pretok_step *s0 = &o->steps[0], *last = &o->steps[o->n_steps - 1];
    const char *one = NULL;
    if (o->n_steps == 1 && s0->regex && !s0->add_prefix_space) one = s0->regex;
    if (o->n_steps == 2 && s0->kind == EP_BPE_PT_SPLIT && s0->regex && s0->behavior == EP_BPE_SPLIT_ISOLATED &&
        !s0->invert && !last->regex && !last->add_prefix_space)
        one = s0->regex;
    if (one && !(o->pattern = strdup(one))) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    return EP_OK;
}
