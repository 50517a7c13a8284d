/* Opening a BPE tokenizer: built-in names, tiktoken files, tokenizer.json files.
 *
 * Names resolve to <dir>/vocab/<name>.tiktoken for dir in: $ENTROPROF_DATA_DIR, the source tree's
 * data/ (EP_SOURCE_DATADIR, set by CMake), the install prefix's share/entroprof (EP_DATADIR).
 * Patterns and special tokens are those of tiktoken (tiktoken_ext/openai_public.py, identical to
 * the npm tiktoken 1.0.22 registry). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tok/bpe_impl.h"
#include "tok/sha256.h"

#ifndef EP_SOURCE_DATADIR
#define EP_SOURCE_DATADIR "data"
#endif
#ifndef EP_DATADIR
#define EP_DATADIR "/usr/local/share/entroprof"
#endif

typedef struct {
    const char *text;
    uint32_t id;
} special_def;

static const struct {
    const char *name;
    const char *pattern;
    special_def specials[6]; /* terminated by text == NULL */
} builtins[] = {
    {"r50k_base", EP_BPE_PAT_R50K, {{"<|endoftext|>", 50256}, {NULL, 0}}},
    {"cl100k_base",
     EP_BPE_PAT_CL100K,
     {{"<|endoftext|>", 100257},
      {"<|fim_prefix|>", 100258},
      {"<|fim_middle|>", 100259},
      {"<|fim_suffix|>", 100260},
      {"<|endofprompt|>", 100276},
      {NULL, 0}}},
    {"o200k_base", EP_BPE_PAT_O200K, {{"<|endoftext|>", 199999}, {"<|endofprompt|>", 200018}, {NULL, 0}}},
};
enum { N_BUILTINS = sizeof builtins / sizeof builtins[0] };

static int builtin_index(const char *name)
{
    if (!strcmp(name, "gpt2")) name = "r50k_base";
    for (int i = 0; i < N_BUILTINS; i++)
        if (!strcmp(name, builtins[i].name)) return i;
    return -1;
}

static ep_status read_file(const char *path, char **buf, size_t *n, ep_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return ep_error_set(err, EP_ERR_IO, "cannot open %s", path);
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return ep_error_set(err, EP_ERR_IO, "%s: not a regular file", path);
    }
    size_t sz = (size_t)st.st_size;
    char *b = malloc(sz + 1);
    if (!b) { fclose(f); return ep_error_set(err, EP_ERR_NOMEM, "%s: out of memory", path); }
    size_t got = fread(b, 1, sz, f);
    fclose(f);
    if (got != sz) { free(b); return ep_error_set(err, EP_ERR_IO, "%s: short read", path); }
    b[sz] = 0;
    *buf = b;
    *n = sz;
    return EP_OK;
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* js: the pattern comes from a tokenizer.json (JavaScript regex semantics, bpe_pattern.c). */
static ep_status compile_pattern(ep_bpe_impl *b, const char *pattern, int js, ep_error *err)
{
    b->pattern = strdup(pattern);
    b->ascii_kind = ep_bpe_ascii_kind(pattern);
    char *pat = ep_bpe_pattern_for_pcre2(pattern, js, err);
    if (!b->pattern || !pat) { free(pat); return err && err->status ? err->status : EP_ERR_NOMEM; }
    int ec;
    PCRE2_SIZE eo;
    b->re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY,
                          &ec, &eo, NULL);
    free(pat);
    if (!b->re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(ec, msg, sizeof msg);
        return ep_error_set(err, EP_ERR_FORMAT, "pre-tokenizer pattern: %s at offset %zu", (char *)msg, (size_t)eo);
    }
    b->jit = pcre2_jit_compile(b->re, PCRE2_JIT_COMPLETE) == 0;
    return EP_OK;
}

/* The steps of a pre-tokenizer that is not one regex: their patterns compiled (JavaScript
 * semantics); the steps move from o to b. */
static ep_status compile_steps(ep_bpe_impl *b, ep_bpe_hf_opts *o, ep_error *err)
{
    b->steps = o->steps;
    b->n_steps = o->n_steps;
    o->steps = NULL;
    o->n_steps = 0;
    b->step_re = calloc(b->n_steps, sizeof(pcre2_code *));
    if (!b->step_re) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < b->n_steps; i++) {
        if (!b->steps[i].regex) continue;
        char *pat = ep_bpe_pattern_for_pcre2(b->steps[i].regex, 1, err);
        if (!pat) return err && err->status ? err->status : EP_ERR_NOMEM;
        int ec;
        PCRE2_SIZE eo;
        b->step_re[i] = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
                                      PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, &ec, &eo, NULL);
        free(pat);
        if (!b->step_re[i]) {
            PCRE2_UCHAR msg[160];
            pcre2_get_error_message(ec, msg, sizeof msg);
            return ep_error_set(err, EP_ERR_FORMAT, "pre-tokenizer pattern: %s at offset %zu", (char *)msg,
                                (size_t)eo);
        }
        if (pcre2_jit_compile(b->step_re[i], PCRE2_JIT_COMPLETE) == 0) b->jit = 1;
    }
    return EP_OK;
}

/* Without ignore_merges every piece is merged from its bytes; a piece that is a token T gives T
 * exactly when merging T's own bytes does, which is decided here once per token. */
static ep_status find_merges_to_self(ep_bpe_impl *b, ep_error *err)
{
    const ep_bpe_vocab *v = &b->vocab;
    uint8_t *self = calloc(v->n_ids ? v->n_ids : 1, 1);
    if (!self) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    b->merges_to_self = self;
    uint32_t *ids = NULL;
    size_t cap = 0;
    ep_bpe_merge_ws ws = {0};
    ep_status st = EP_OK;
    for (uint32_t id = 0; id < v->n_ids && st == EP_OK; id++) {
        if (!v->len[id] || (v->special && v->special[id])) continue;
        size_t n = v->len[id];
        if (n > cap) {
            uint32_t *t = realloc(ids, n * sizeof *t);
            if (!t) { st = ep_error_set(err, EP_ERR_NOMEM, "out of memory"); break; }
            ids = t;
            cap = n;
        }
        size_t m = ep_bpe_merge(v, &ws, v->blob + v->start[id], n, ids);
        if (!m) st = ep_error_set(err, EP_ERR_NOMEM, "out of memory");
        self[id] = m == 1 && ids[0] == id;
    }
    free(ids);
    ep_bpe_merge_ws_free(&ws);
    return st;
}

/* Loads path; builtin >= 0 supplies the pattern and special tokens of a tiktoken file. */
static ep_status open_file(ep_tokenizer **out, const char *path, int builtin, const char *name, ep_error *err)
{
    char *buf = NULL;
    size_t n = 0;
    ep_status st = read_file(path, &buf, &n, err);
    if (st != EP_OK) return st;
    ep_bpe_impl *b = calloc(1, sizeof *b);
    if (!b) { free(buf); return ep_error_set(err, EP_ERR_NOMEM, "out of memory"); }
    size_t i = 0;
    while (i < n && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t')) i++;
    if (i < n && buf[i] == '{') {
        ep_bpe_hf_opts o;
        st = ep_bpe_vocab_parse_hf(&b->vocab, &o, buf, n, path, err);
        if (st == EP_OK && o.pattern) st = compile_pattern(b, o.pattern, 1, err);
        else if (st == EP_OK) st = compile_steps(b, &o, err);
        b->keep_gaps = 1;
        b->whole_piece_lookup = o.ignore_merges;
        if (st == EP_OK && !b->whole_piece_lookup) st = find_merges_to_self(b, err);
        b->norm = o.norm; /* moved */
        memset(&o.norm, 0, sizeof o.norm);
        ep_bpe_hf_opts_free(&o);
    } else {
        /* A tiktoken file carries no pattern: use the built-in one of the same name, else cl100k's. */
        int bi = builtin >= 0 ? builtin : 1;
        st = ep_bpe_vocab_parse_tiktoken(&b->vocab, buf, n, path, err);
        if (st == EP_OK && builtin >= 0)
            for (const special_def *sp = builtins[bi].specials; sp->text && st == EP_OK; sp++)
                st = ep_bpe_vocab_add_special(&b->vocab, sp->text, sp->id, err);
        if (st == EP_OK) st = compile_pattern(b, builtins[bi].pattern, 0, err);
        b->whole_piece_lookup = 1;
    }
    if (st == EP_OK) {
        *out = ep_tokenizer_new(&ep_bpe_ops, name, b->vocab.n_ids, b);
        if (!*out) st = ep_error_set(err, EP_ERR_NOMEM, "out of memory");
        else ep_sha256_hex(buf, n, (*out)->sha256);
    }
    free(buf);
    if (st != EP_OK) ep_bpe_ops.free_impl(b);
    return st;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

ep_status ep_bpe_tokenizer_open(ep_tokenizer **out, const char *name_or_path, ep_error *err)
{
    *out = NULL;
    int bi = builtin_index(name_or_path);
    if (bi >= 0) {
        const char *dirs[3] = {getenv("ENTROPROF_DATA_DIR"), EP_SOURCE_DATADIR, EP_DATADIR};
        char path[4096];
        for (int d = 0; d < 3; d++) {
            if (!dirs[d] || !dirs[d][0]) continue;
            snprintf(path, sizeof path, "%s/vocab/%s.tiktoken", dirs[d], builtins[bi].name);
            if (is_file(path)) return open_file(out, path, bi, builtins[bi].name, err);
        }
        return ep_error_set(err, EP_ERR_NOTFOUND,
                            "vocabulary %s.tiktoken not found in $ENTROPROF_DATA_DIR/vocab, %s/vocab or %s/vocab",
                            builtins[bi].name, EP_SOURCE_DATADIR, EP_DATADIR);
    }
    const char *path = name_or_path;
    if (!strncmp(path, "bpe:", 4)) path += 4;
    if (!is_file(path))
        return ep_error_set(err, EP_ERR_NOTFOUND,
                            "unknown tokenizer '%s' (byte, char, word, r50k_base/gpt2, cl100k_base, o200k_base, "
                            "or a path to a .tiktoken or tokenizer.json file)",
                            name_or_path);
    /* A file named like a built-in (e.g. a copy of cl100k_base.tiktoken) gets its pattern. */
    char stem[256];
    snprintf(stem, sizeof stem, "%s", base_name(path));
    char *dot = strstr(stem, ".tiktoken");
    if (dot) *dot = 0;
    char cname[4200];
    snprintf(cname, sizeof cname, "bpe:%s", path);
    return open_file(out, path, dot ? builtin_index(stem) : -1, cname, err);
}
