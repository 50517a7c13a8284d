/* BPE internals shared by src/tok/bpe*.c and tests/unit/test_bpe.c (not installed).
 *
 * Layout (docs/tokenizers-bpe.md):
 *   ep_bpe_vocab   token bytes by id, merge rank by id, and one open-addressing hash table
 *                  bytes -> id (mergeable tokens only; special tokens are decode-only).
 *   ep_bpe_pretok  the pre-tokenizer regex (PCRE2, UTF + UCP + JIT), with \s rewritten to the
 *                  Unicode White_Space set that the reference (Rust regex) uses.
 *   merge          tiktoken's byte_pair_merge: repeatedly merge the adjacent pair whose
 *                  concatenation has the lowest rank, leftmost first on ties. */
#ifndef EP_TOK_BPE_INTERNAL_H
#define EP_TOK_BPE_INTERNAL_H

#include <stdint.h>
#include <stddef.h>

#include "entroprof/common.h"

#define EP_BPE_NO_RANK UINT32_MAX

/* The reference pre-tokenizer patterns (tiktoken, npm 1.0.22 registry). */
#define EP_BPE_PAT_R50K "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"
#define EP_BPE_PAT_CL100K                                                                                        \
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|" \
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
#define EP_BPE_PAT_O200K                                                                                             \
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"                \
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?|"                                                                          \
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"                \
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?|"                                                                          \
    "\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"

/* Qwen2/Qwen3's tokenizer.json Split pattern: cl100k's with single digits (\p{N}). */
#define EP_BPE_PAT_QWEN                                                                                   \
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|" \
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"

/* One hash slot: the first 8 bytes of the token (zero-padded) inline, so that tokens of up to 8
 * bytes (most of them) compare without touching the blob. */
typedef struct {
    uint64_t key8;
    uint32_t id;
    uint32_t len_tag; /* byte length (low 16 bits) | hash tag (high 16 bits) */
} ep_bpe_slot;

typedef struct {
    uint32_t n_ids;     /* ids are [0, n_ids); holes have len 0 */
    uint8_t *blob;      /* (blob_len) token bytes, concatenated */
    size_t blob_len;
    uint32_t *start;    /* (n_ids) offset of id's bytes in blob */
    uint32_t *len;      /* (n_ids) byte length of id; 0 = no such id */
    uint32_t *rank;     /* (n_ids) merge rank of id, or NULL when rank == id (tiktoken files) */
    uint8_t *special;   /* (n_ids) 1 for special tokens (never produced by merges) */
    ep_bpe_slot *slots; /* (mask + 1) hash table bytes -> id; len_tag == 0: empty */
    uint32_t *pair_rank; /* (65536) merge rank of each 2-byte string, EP_BPE_NO_RANK if none */
    uint32_t mask;
    uint32_t n_mergeable;
    uint32_t byte_id[256]; /* id of each single byte */
} ep_bpe_vocab;

void ep_bpe_vocab_free(ep_bpe_vocab *v);

/** Largest id count a vocabulary file with `entries` tokens may ask for. Ids may leave holes (neither
 *  tiktoken files nor tokenizer.json require dense ids), but the id arrays are sized by the largest id,
 *  so without a bound a 16-byte file naming rank 400000000 allocated gigabytes before failing (issue
 *  12). The published vocabularies are dense; this allows as many holes as entries, plus 1024. */
static inline uint64_t ep_bpe_id_limit(uint64_t entries) { return 2 * entries + 1024; }

/** Parses a tiktoken file (base64 token, space, rank, per line) held in buf[0..n).
 *  Every line is checked (syntax, base64, rank range, ranks below ep_bpe_id_limit of the number of
 *  entries) before anything is allocated, so memory is bounded by a constant times n.
 *  Errors name the 1-based line. */
ep_status ep_bpe_vocab_parse_tiktoken(ep_bpe_vocab *v, const char *buf, size_t n, const char *what,
                                      ep_error *err);

/** Builds the hash table over the mergeable ids and checks that all 256 bytes exist. */
ep_status ep_bpe_vocab_finish(ep_bpe_vocab *v, const char *what, ep_error *err);

/** Adds a special token (decode only) with the given id. */
ep_status ep_bpe_vocab_add_special(ep_bpe_vocab *v, const char *text, uint32_t id, ep_error *err);

/** @return the id of bytes p[0..n) among mergeable tokens, or EP_BPE_NO_RANK. */
uint32_t ep_bpe_vocab_find(const ep_bpe_vocab *v, const uint8_t *p, size_t n);

/** ep_bpe_vocab_find with the hash XXH3_64bits(p, n) already computed. */
uint32_t ep_bpe_vocab_find_h(const ep_bpe_vocab *v, const uint8_t *p, size_t n, uint64_t h);

/** Hash of a key, and a prefetch of its first slot (for batched lookups). */
uint64_t ep_bpe_vocab_hash_prefetch(const ep_bpe_vocab *v, const uint8_t *p, size_t n);

/** Merge rank of p[0..n), or EP_BPE_NO_RANK. */
static inline uint32_t ep_bpe_vocab_rank(const ep_bpe_vocab *v, const uint8_t *p, size_t n)
{
    if (n == 2) return v->pair_rank[(unsigned)p[0] << 8 | p[1]];
    uint32_t id = ep_bpe_vocab_find(v, p, n);
    if (id == EP_BPE_NO_RANK || !v->rank) return id;
    return v->rank[id];
}

/** Rank cache of the merge: direct-mapped, for strings of 3..8 bytes (the merge's lookups of
 *  parts that are not 2-byte pairs), so that repeated substrings skip the vocabulary table. */
#define EP_BPE_RC_BITS 15
typedef struct {
    uint64_t key; /* first 4 bytes | last 4 bytes << 32 (n >= 4), or the 3 bytes (n == 3) */
    uint32_t len; /* 0 = empty */
    uint32_t rank;
} ep_bpe_rc_entry;

/** Work space of the merge (one per thread). */
typedef struct {
    ep_bpe_rc_entry *rc; /* (1 << EP_BPE_RC_BITS), or NULL (then unused) */
    uint32_t *a;   /* part starts / links */
    uint32_t *b;   /* ranks */
    uint32_t *c;
    uint64_t *heap;
    size_t cap;
} ep_bpe_merge_ws;

void ep_bpe_merge_ws_free(ep_bpe_merge_ws *ws);

/** Encodes one pre-token p[0..n) (n >= 1) by rank merging; writes ids to out (capacity n).
 *  @return the number of ids, or 0 on allocation failure. Uses the linear scan for short
 *  pieces and a heap for long ones; both give identical results. */
size_t ep_bpe_merge(const ep_bpe_vocab *v, ep_bpe_merge_ws *ws, const uint8_t *p, size_t n, uint32_t *out);
/** The two strategies, exposed for tests. */
size_t ep_bpe_merge_linear(const ep_bpe_vocab *v, ep_bpe_merge_ws *ws, const uint8_t *p, size_t n,
                           uint32_t *out);
size_t ep_bpe_merge_heap(const ep_bpe_vocab *v, ep_bpe_merge_ws *ws, const uint8_t *p, size_t n,
                         uint32_t *out);



/** Rewrites a reference pattern for PCRE2: \s and \S become the Unicode White_Space set (Rust regex,
 *  the tiktoken reference; js = 0) or JavaScript's \s set with transformers.js's rewrite of the
 *  (?i:...) contractions (js = 1, tokenizer.json files). @return malloc'd pattern or NULL (message
 *  in err). */
char *ep_bpe_pattern_for_pcre2(const char *pattern, int js, ep_error *err);

/* Hand-written ASCII pre-tokenizer (src/tok/bpe_ascii.c) for the built-in patterns. */
enum { EP_BPE_ASCII_NONE = 0, EP_BPE_ASCII_R50K = 1, EP_BPE_ASCII_CL100K = 2, EP_BPE_ASCII_O200K = 3,
       EP_BPE_ASCII_QWEN = 4 /* cl100k's rules with digit runs of 1 */ };
/** @return the EP_BPE_ASCII_* kind of a reference pattern (NONE unless it is a built-in one). */
int ep_bpe_ascii_kind(const char *pattern);
/** The match of the pattern of the given kind that starts at i (i < len): sets *end and returns 1
 *  when every byte it depends on is ASCII; returns 0 (undecided: ask the regex) otherwise. */
int ep_bpe_ascii_piece(int kind, const uint8_t *t, size_t len, size_t i, size_t *end);

/** Length of the longest valid UTF-8 prefix of p[0..n). */
size_t ep_bpe_utf8_valid_prefix(const uint8_t *p, size_t n);
/** Appends p[0..n) to dst with every maximal invalid subsequence replaced by U+FFFD (the WHATWG
 *  decoder's rule, which is what JavaScript's TextDecoder does). dst needs 3 * n bytes.
 *  @return bytes written. */
size_t ep_bpe_utf8_repair(uint8_t *dst, const uint8_t *p, size_t n);

/* tokenizer.json normalizers (src/tok/bpe_normalize.c; docs/tokenizers-bpe.md, "tokenizer.json").
 * A normalizer is a list of steps applied in order to the whole text before pre-tokenization. */
enum { EP_BPE_NORM_NFC = 1, EP_BPE_NORM_NFKC = 2, EP_BPE_NORM_REPLACE = 3, EP_BPE_NORM_PREPEND = 4 };
typedef struct {
    int kind;     /* EP_BPE_NORM_* */
    char *from;   /* REPLACE: the literal string replaced (non-empty); PREPEND: the prefix */
    size_t from_len;
    char *to;     /* REPLACE: its replacement (may be empty); else NULL */
    size_t to_len;
} ep_bpe_norm_step;

typedef struct {
    ep_bpe_norm_step *steps; /* (n) */
    size_t n;
} ep_bpe_normalizer;

void ep_bpe_normalizer_free(ep_bpe_normalizer *nz);

/** Work space of ep_bpe_normalize (one per thread). */
typedef struct {
    uint8_t *buf[2]; /* (cap[k]) ping-pong outputs */
    size_t cap[2];
    int32_t *cps;    /* (cps_cap) code points for NFC/NFKC */
    size_t cps_cap;
} ep_bpe_norm_ws;

void ep_bpe_norm_ws_free(ep_bpe_norm_ws *ws);

/** Applies every step of nz to the valid UTF-8 text in[0..n). *out points into ws (or is in when no
 *  step changed anything) and stays valid until the next call with ws. @return EP_OK or
 *  EP_ERR_NOMEM / EP_ERR_LIMIT. */
ep_status ep_bpe_normalize(const ep_bpe_normalizer *nz, ep_bpe_norm_ws *ws, const uint8_t *in, size_t n,
                           const uint8_t **out, size_t *out_len);

/* tokenizer.json pre-tokenizer steps (src/tok/bpe_pretok.c), each applied to every piece the
 * previous step made (Rust tokenizers / transformers.js PreTokenizerSequence). */
enum { EP_BPE_PT_SPLIT = 1, EP_BPE_PT_BYTE_LEVEL = 2 };
enum {
    EP_BPE_SPLIT_REMOVED = 0,    /* delimiters dropped */
    EP_BPE_SPLIT_ISOLATED = 1,   /* delimiters are pieces of their own */
    EP_BPE_SPLIT_MERGED_PREV = 2, /* a delimiter joins the piece before it */
    EP_BPE_SPLIT_MERGED_NEXT = 3, /* a delimiter joins the piece after it */
    EP_BPE_SPLIT_CONTIGUOUS = 4  /* consecutive delimiters form one piece */
};
typedef struct {
    int kind;          /* EP_BPE_PT_* */
    char *regex;       /* SPLIT: a Regex pattern; BYTE_LEVEL with use_regex: the GPT-2 pattern; or NULL */
    char *literal;     /* SPLIT: a String pattern (non-empty), or NULL */
    size_t literal_len;
    int behavior;      /* SPLIT: EP_BPE_SPLIT_* */
    int invert;        /* SPLIT: the matches are the pieces and the text between them the delimiters */
    int add_prefix_space; /* BYTE_LEVEL: a piece not starting with ' ' gets one */
} ep_bpe_pretok_step;

/* What a tokenizer.json asks of the encoder besides its vocabulary (docs/tokenizers-bpe.md). */
typedef struct {
    ep_bpe_pretok_step *steps; /* (n_steps) the pre-tokenizer, used when pattern is NULL */
    size_t n_steps;
    char *pattern;          /* set when the pre-tokenizer is one regex whose matches and gaps are the
                               pieces (the fast path): reference syntax, JavaScript semantics */
    ep_bpe_normalizer norm; /* normalizer steps (none: n == 0) */
    int ignore_merges;      /* model.ignore_merges: a pre-token that is a token is that token; else
                               it is merged from its bytes like any other */
} ep_bpe_hf_opts;

void ep_bpe_hf_opts_free(ep_bpe_hf_opts *o);
void ep_bpe_pretok_steps_free(ep_bpe_pretok_step *steps, size_t n);

/** Loads a Hugging Face byte-level BPE tokenizer.json: vocab, merges, normalizer, pre-tokenizer and
 *  added tokens. *o is filled (caller frees with ep_bpe_hf_opts_free, also on error). */
ep_status ep_bpe_vocab_parse_hf(ep_bpe_vocab *v, ep_bpe_hf_opts *o, const char *buf, size_t n, const char *what,
                                ep_error *err);

struct json_object;
/** The normalizer and pre-tokenizer of a tokenizer.json (src/tok/bpe_hf_pipeline.c): fills
 *  o->norm and o->pattern from the "normalizer" and "pre_tokenizer" objects (either may be NULL for
 *  JSON null). @return EP_ERR_UNSUPPORTED naming any component that is not supported. */
ep_status ep_bpe_hf_parse_pipeline(ep_bpe_hf_opts *o, struct json_object *normalizer,
                                   struct json_object *pre_tokenizer, const char *what, ep_error *err);

#endif
