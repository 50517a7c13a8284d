/* The normalizer and pre-tokenizer of a tokenizer.json, read into the encoder's terms
 * (docs/tokenizers-bpe.md, "tokenizer.json").
 *
 * Normalizers: NFC, NFKC, Replace (String pattern), Prepend, and Sequence of these (flattened).
 * Pre-tokenizers: what byte-level BPE files use, which the encoder runs as one regex pass whose
 * matches are the pieces ("Isolated": unmatched text between matches is a piece too, as in
 * transformers.js regexSplit; the encoder keeps that text, see bpe_encode.c):
 *   ByteLevel{use_regex: true}                          the GPT-2 pattern;
 *   Split{pattern: Regex, behavior: Isolated, invert: false} followed by ByteLevel{use_regex: false}
 *                                                        (alone or in a Sequence): that pattern.
 * ByteLevel with add_prefix_space true is refused (it adds a space the text does not have). Any
 * other component is refused with its name. */
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

/* One pre-tokenizer of the chain. *regex receives a Split's pattern; *byte_level counts ByteLevels. */
static ep_status parse_pretok(json_object *p, const char **regex, int *byte_level, const char *what, ep_error *err)
{
    const char *t = str_field(p, "type");
    if (!t) return ep_error_set(err, EP_ERR_FORMAT, "%s: pre_tokenizer without a type", what);
    if (!strcmp(t, "ByteLevel")) {
        int use_regex = bool_field(p, "use_regex", 1), prefix = bool_field(p, "add_prefix_space", 0);
        if (use_regex < 0 || prefix < 0)
            return ep_error_set(err, EP_ERR_FORMAT, "%s: ByteLevel use_regex/add_prefix_space must be booleans", what);
        if (prefix)
            return ep_error_set(err, EP_ERR_UNSUPPORTED, "%s: ByteLevel with add_prefix_space true is not supported",
                                what);
        if (use_regex) {
            if (*regex)
                return ep_error_set(err, EP_ERR_UNSUPPORTED,
                                    "%s: a Split regex followed by ByteLevel's own regex is not supported", what);
            *regex = PAT_GPT2;
        }
        ++*byte_level;
        return EP_OK;
    }
    if (!strcmp(t, "Split")) {
        json_object *pat;
        const char *re = json_object_object_get_ex(p, "pattern", &pat) && pat ? str_field(pat, "Regex") : NULL;
        const char *beh = str_field(p, "behavior");
        int invert = bool_field(p, "invert", 0);
        if (!re)
            return ep_error_set(err, EP_ERR_UNSUPPORTED, "%s: Split with a String pattern is not supported", what);
        if (beh && strcmp(beh, "Isolated") != 0)
            return ep_error_set(err, EP_ERR_UNSUPPORTED, "%s: Split behavior %s is not supported", what, beh);
        if (invert)
            return ep_error_set(err, EP_ERR_UNSUPPORTED, "%s: Split with invert true is not supported", what);
        if (*regex || *byte_level)
            return ep_error_set(err, EP_ERR_UNSUPPORTED, "%s: more than one regex pre-tokenizer is not supported",
                                what);
        *regex = re;
        return EP_OK;
    }
    return ep_error_set(err, EP_ERR_UNSUPPORTED,
                        "%s: pre_tokenizer %s is not supported (supported: ByteLevel, Split, Sequence)", what, t);
}

ep_status ep_bpe_hf_parse_pipeline(ep_bpe_hf_opts *o, json_object *normalizer, json_object *pre, const char *what,
                                   ep_error *err)
{
    ep_status st;
    if (normalizer && (st = parse_normalizer(&o->norm, normalizer, 0, what, err)) != EP_OK) return st;
    if (!pre) return ep_error_set(err, EP_ERR_UNSUPPORTED, "%s: no pre_tokenizer (not a byte-level BPE)", what);
    const char *type = str_field(pre, "type"), *regex = NULL;
    int byte_level = 0;
    if (type && !strcmp(type, "Sequence")) {
        json_object *list;
        if (!json_object_object_get_ex(pre, "pretokenizers", &list) || !json_object_is_type(list, json_type_array))
            return ep_error_set(err, EP_ERR_FORMAT, "%s: Sequence pre_tokenizer without a \"pretokenizers\" array",
                                what);
        for (size_t i = 0; i < json_object_array_length(list); i++)
            if ((st = parse_pretok(json_object_array_get_idx(list, i), &regex, &byte_level, what, err)) != EP_OK)
                return st;
    } else if ((st = parse_pretok(pre, &regex, &byte_level, what, err)) != EP_OK) {
        return st;
    }
    if (!regex || byte_level != 1)
        return ep_error_set(err, EP_ERR_UNSUPPORTED,
                            "%s: expected ByteLevel, or Split(Regex) + ByteLevel(use_regex false) pre_tokenizers",
                            what);
    o->pattern = strdup(regex);
    return o->pattern ? EP_OK : ep_error_set(err, EP_ERR_NOMEM, "out of memory");
}
