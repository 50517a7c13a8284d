/* tokenizer.json (Hugging Face) tokenizers: Qwen3's ids equal transformers.js's on the committed
 * fixtures (a reduced Qwen3 vocabulary, tests/fixtures/tok/gen_hf_fixtures.mjs), normalizers,
 * JavaScript regex semantics, unmatched text kept as pieces, ignore_merges, errors that name the
 * unsupported component, and the vocabulary's SHA-256 (ep_tokenizer_sha256). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hf_fixture.h"
#include "tok/bpe_impl.h"
#include "tok/sha256.h"

/* ---- helpers ----------------------------------------------------------------------------- */

/* A byte-level tokenizer.json: byte b has id b; extra tokens (printable ASCII, JSON-ready) get ids
 * 256, 257, ...; merges as given ("a b" strings); normalizer and pre_tokenizer as JSON text. */
static char *tiny_json(const char *normalizer, const char *pre_tokenizer, const char *model_extra,
                       const char *const *extra, size_t n_extra, const char *merges)
{
    char *json = malloc(1 << 16), *p = json;
    p += sprintf(p, "{\"version\":\"1.0\",\"normalizer\":%s,\"pre_tokenizer\":%s,"
                    "\"model\":{\"type\":\"BPE\"%s,\"vocab\":{", normalizer, pre_tokenizer, model_extra);
    for (int b = 0; b < 256; b++) {
        *p++ = '"';
        hf_put_alphabet_char(&p, b);
        p += sprintf(p, "\":%d,", b);
    }
    for (size_t i = 0; i < n_extra; i++) p += sprintf(p, "\"%s\":%zu,", extra[i], 256 + i);
    p[-1] = '}';
    sprintf(p, ",\"merges\":[%s]}}", merges);
    return json;
}

/* Writes json to a temporary file and opens it; @return the status (message in err). */
static ep_status open_json(const char *json, ep_tokenizer **tok, ep_error *err)
{
    char path[] = "/tmp/ep_hf_json_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
    close(fd);
    ep_status st = ep_tokenizer_open(tok, path, err);
    unlink(path);
    return st;
}

/* Encodes text and compares with want[0..n). */
static void expect_ids(const ep_tokenizer *tok, const char *text, const ep_token *want, size_t n)
{
    ep_tok_scratch *s = ep_tok_scratch_create(tok);
    ep_token_buf out = {0};
    assert_int_equal(ep_tokenizer_encode(tok, s, text, strlen(text), &out), EP_OK);
    if (out.len != n) fail_msg("\"%s\": %zu ids, expected %zu", text, out.len, n);
    for (size_t i = 0; i < n; i++)
        if (out.ids[i] != want[i]) fail_msg("\"%s\": id %zu is %u, expected %u", text, i, out.ids[i], want[i]);
    ep_token_buf_free(&out);
    ep_tok_scratch_free(s);
}

#define BYTE_LEVEL "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"use_regex\":false}"
#define SPLIT(re) "{\"type\":\"Split\",\"pattern\":{\"Regex\":\"" re "\"},\"behavior\":\"Isolated\",\"invert\":false}"
#define SEQ2(a, b) "{\"type\":\"Sequence\",\"pretokenizers\":[" a "," b "]}"

/* ---- Qwen3 against transformers.js --------------------------------------------------------- */

/* The reduced Qwen3 vocabulary (5,701 of 151,643 tokens: every substring of the fixtures' pre-tokens
 * that is a token, with the merges among them in order) gives, mapped back to the original ids, the
 * ids of transformers.js with the full vocabulary on all 421 fixture texts. */
static void qwen3_reduced_ids_equal_transformers_js(void **state)
{
    (void)state;
    size_t nm = 0;
    char *mb = ep_test_slurp(HF_FIX "qwen3-reduced.idmap", &nm);
    assert_non_null(mb);
    unsigned long *map = malloc((nm / 2 + 1) * sizeof *map);
    size_t n_map = 0;
    for (char *p = mb, *q;; p = q) {
        unsigned long v = strtoul(p, &q, 10);
        if (q == p) break;
        map[n_map++] = v;
    }
    ep_tokenizer *tok = NULL;
    ep_error err = {0};
    if (ep_tokenizer_open(&tok, HF_FIX "qwen3-reduced.json", &err) != EP_OK) fail_msg("%s", err.msg);
    assert_int_equal(ep_tokenizer_vocab_size(tok), n_map);
    size_t total = hf_check_family(tok, "qwen3", map, n_map);
    assert_true(total > 15000);
    ep_tokenizer_free(tok);

    /* The same through the pre-tokenizer steps (bpe_pretok.c) instead of the one-regex fast path:
     * Split with invert true and Isolated gives the same pieces (every span is one either way). */
    size_t jn = 0;
    char *json = ep_test_slurp(HF_FIX "qwen3-reduced.json", &jn);
    assert_non_null(json);
    char *inv = strstr(json, "\"invert\":false");
    assert_non_null(inv);
    const char with_true[] = "\"invert\":true ";  /* as long as "invert":false */
    memcpy(inv, with_true, sizeof with_true - 1);
    if (open_json(json, &tok, &err) != EP_OK) fail_msg("%s", err.msg);
    assert_null(((const ep_bpe_impl *)tok->impl)->re); /* really the steps */
    assert_int_equal(hf_check_family(tok, "qwen3", map, n_map), total);
    ep_tokenizer_free(tok);
    free(json);
    free(map);
    free(mb);
}

/* ---- normalizers ---------------------------------------------------------------------------- */

static void normalize_steps(const ep_bpe_norm_step *steps, size_t n, const char *in, const char *want)
{
    ep_bpe_normalizer nz = {(ep_bpe_norm_step *)steps, n};
    ep_bpe_norm_ws ws = {0};
    const uint8_t *out;
    size_t len;
    assert_int_equal(ep_bpe_normalize(&nz, &ws, (const uint8_t *)in, strlen(in), &out, &len), EP_OK);
    if (len != strlen(want) || memcmp(out, want, len) != 0)
        fail_msg("normalized \"%s\" is \"%.*s\", expected \"%s\"", in, (int)len, (const char *)out, want);
    ep_bpe_norm_ws_free(&ws);
}

static void normalizers_nfc_nfkc_replace_prepend_in_order(void **state)
{
    (void)state;
    ep_bpe_norm_step nfc = {EP_BPE_NORM_NFC, NULL, 0, NULL, 0}, nfkc = {EP_BPE_NORM_NFKC, NULL, 0, NULL, 0};
    normalize_steps(&nfc, 1, "cafe\xcc\x81 A\xcc\x8a \xef\xac\x81", "caf\xc3\xa9 \xc3\x85 \xef\xac\x81"); /* ﬁ kept */
    normalize_steps(&nfkc, 1, "cafe\xcc\x81 \xef\xac\x81 \xef\xbc\xa1", "caf\xc3\xa9 fi A");             /* ﬁ, Ａ folded */
    normalize_steps(&nfc, 1, "plain ascii", "plain ascii");
    /* the quick check must not skip these: Hangul jamo L + V compose (algorithmically), a
     * decomposed Cyrillic short i composes, "…" has only a compatibility decomposition */
    normalize_steps(&nfc, 1, "\xe1\x84\x80\xe1\x85\xa1 \xd0\xb8\xcc\x86 \xe2\x80\xa6", "\xea\xb0\x80 \xd0\xb9 \xe2\x80\xa6");
    normalize_steps(&nfkc, 1, "\xe2\x80\xa6 \xe2\x80\x99", "... \xe2\x80\x99");
    /* Llama 2: Prepend("▁") then Replace(" " -> "▁"); the order matters */
    ep_bpe_norm_step seq[2] = {{EP_BPE_NORM_PREPEND, "\xe2\x96\x81", 3, NULL, 0},
                               {EP_BPE_NORM_REPLACE, " ", 1, "\xe2\x96\x81", 3}};
    normalize_steps(seq, 2, "a b  c", "\xe2\x96\x81" "a" "\xe2\x96\x81" "b" "\xe2\x96\x81\xe2\x96\x81" "c");
    normalize_steps(seq, 2, "", "");                 /* nothing is prepended to an empty text */
    ep_bpe_norm_step swapped[2] = {seq[1], seq[0]};
    normalize_steps(swapped, 2, " x", "\xe2\x96\x81\xe2\x96\x81x");
    ep_bpe_norm_step rep = {EP_BPE_NORM_REPLACE, "aa", 2, "b", 1};
    normalize_steps(&rep, 1, "aaaaa", "bba");        /* non-overlapping, left to right */
}

/* An NFC normalizer in a tokenizer.json composes "e" + U+0301 into "é" before the merges see it
 * (Qwen3 has one; before, any normalizer was refused). */
static void tokenizer_json_nfc_composes_before_merging(void **state)
{
    (void)state;
    const char *extra[] = {"\xc3\x83\xc2\xa9"}; /* é = C3 A9, written in the byte alphabet as "Ã©" */
    char *json = tiny_json("{\"type\":\"NFC\"}", SEQ2(SPLIT("\\\\S+|\\\\s+"), BYTE_LEVEL), "", extra, 1,
                           "\"\xc3\x83 \xc2\xa9\"");
    ep_tokenizer *tok = NULL;
    ep_error err = {0};
    if (open_json(json, &tok, &err) != EP_OK) fail_msg("%s", err.msg);
    const ep_token want[] = {256, ' ', 256};
    expect_ids(tok, "e\xcc\x81 \xc3\xa9", want, 3);
    ep_tokenizer_free(tok);
    free(json);
}

/* ---- pre-tokenizer semantics ---------------------------------------------------------------- */

/* Text that no match of a Split regex covers is a piece of its own (transformers.js regexSplit,
 * Rust Split Isolated), not dropped as tiktoken drops it. */
static void split_keeps_unmatched_text_as_pieces(void **state)
{
    (void)state;
    const char *extra[] = {"ab", "!!"};
    char *json = tiny_json("null", SEQ2(SPLIT("[a-z]+"), BYTE_LEVEL), "", extra, 2, "\"a b\",\"! !\"");
    ep_tokenizer *tok = NULL;
    ep_error err = {0};
    if (open_json(json, &tok, &err) != EP_OK) fail_msg("%s", err.msg);
    const ep_token want[] = {256, 257, 256, '?'};
    expect_ids(tok, "ab!!ab?", want, 4);
    ep_tokenizer_free(tok);
    free(json);
}

/* Split behaviors (Rust tokenizers semantics) on a String pattern " ", invert, and ByteLevel's
 * add_prefix_space, through the pre-tokenizer steps (bpe_pretok.c). Tokens make piece boundaries
 * visible: "ab" 256, "ab " 257, " ab" 258, "  " 259 (" " is Ġ, U+0120, in the byte alphabet). */
static void split_behaviors_invert_and_prefix_space(void **state)
{
    (void)state;
    const char *extra[] = {"ab", "ab\xc4\xa0", "\xc4\xa0" "ab", "\xc4\xa0\xc4\xa0"};
    const char *merges = "\"a b\",\"ab \xc4\xa0\",\"\xc4\xa0 ab\",\"\xc4\xa0 \xc4\xa0\"";
#define SPLIT_STR(beh, inv) "{\"type\":\"Split\",\"pattern\":{\"String\":\" \"},\"behavior\":\"" beh "\",\"invert\":" inv "}"
    const struct { const char *pre, *text; ep_token want[6]; size_t n; } t[] = {
        {SEQ2(SPLIT_STR("Isolated", "false"), BYTE_LEVEL), "ab ab", {256, ' ', 256}, 3},
        {SEQ2(SPLIT_STR("Removed", "false"), BYTE_LEVEL), "ab ab", {256, 256}, 2},
        {SEQ2(SPLIT_STR("MergedWithPrevious", "false"), BYTE_LEVEL), "ab ab", {257, 256}, 2},
        {SEQ2(SPLIT_STR("MergedWithNext", "false"), BYTE_LEVEL), "ab ab", {256, 258}, 2},
        {SEQ2(SPLIT_STR("MergedWithNext", "false"), BYTE_LEVEL), " ab", {258}, 1},
        {SEQ2(SPLIT_STR("Contiguous", "false"), BYTE_LEVEL), "ab  ab", {256, 259, 256}, 3},
        {SEQ2(SPLIT_STR("Isolated", "false"), BYTE_LEVEL), "ab  ab", {256, ' ', ' ', 256}, 4},
        /* invert: the letters are the delimiters' complement; Removed then drops the spaces */
        {SEQ2("{\"type\":\"Split\",\"pattern\":{\"Regex\":\"[a-z]+\"},\"behavior\":\"Removed\",\"invert\":true}",
              BYTE_LEVEL), "ab  ab", {256, 256}, 2},
        {"{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"use_regex\":true}", "ab", {258}, 1},
        {"{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"use_regex\":true}", " ab", {258}, 1},
        {"{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"use_regex\":true}", "ab", {256}, 1},
    };
#undef SPLIT_STR
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char *json = tiny_json("null", t[i].pre, "", extra, 4, merges);
        ep_tokenizer *tok = NULL;
        ep_error err = {0};
        if (open_json(json, &tok, &err) != EP_OK) fail_msg("case %zu: %s", i, err.msg);
        expect_ids(tok, t[i].text, t[i].want, t[i].n);
        ep_tokenizer_free(tok);
        free(json);
    }
}

/* tokenizer.json patterns follow JavaScript's RegExp (the reference is transformers.js): \s holds
 * U+FEFF and not U+0085, and (?i:'s|...) is ASCII-only. tiktoken's (Rust) semantics are kept for
 * the built-in encodings. */
static void tokenizer_json_patterns_use_javascript_semantics(void **state)
{
    (void)state;
    const struct { const char *alt, *text; int js_len, rust_len; } t[] = {
        {"\\s+", "\xef\xbb\xbf", 3, 0}, /* U+FEFF: whitespace in JavaScript only */
        {"\\s+", "\xc2\x85", 0, 2},      /* U+0085: whitespace in Rust only */
        {"\\s+", "\xc2\xa0\xe3\x80\x80", 5, 5}, /* NBSP, U+3000: both */
        {"(?i:'s|'t|'re|'ve|'m|'ll|'d)", "'\xc5\xbf", 0, 3}, /* 'ſ: Unicode case folding in Rust only */
        {"(?i:'s|'t|'re|'ve|'m|'ll|'d)", "'LL", 3, 3},
    };
    for (int js = 0; js <= 1; js++)
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
            ep_error err = {0};
            char *re = ep_bpe_pattern_for_pcre2(t[i].alt, js, &err);
            assert_non_null(re);
            int ec;
            PCRE2_SIZE eo;
            pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED,
                                          &ec, &eo, NULL);
            assert_non_null(c);
            pcre2_match_data *md = pcre2_match_data_create_from_pattern(c, NULL);
            int rc = pcre2_match(c, (PCRE2_SPTR)t[i].text, strlen(t[i].text), 0, 0, md, NULL);
            int got = rc > 0 ? (int)pcre2_get_ovector_pointer(md)[1] : 0, want = js ? t[i].js_len : t[i].rust_len;
            if (got != want) fail_msg("case %zu js=%d: matched %d bytes, expected %d", i, js, got, want);
            pcre2_match_data_free(md);
            pcre2_code_free(c);
            free(re);
        }
}

/* model.ignore_merges: a pre-token that is a token is that token even when no merge makes it
 * (Llama 3); without it the pre-token is merged from its bytes (Qwen3: ignore_merges false). */
static void ignore_merges_takes_a_whole_piece_that_is_a_token(void **state)
{
    (void)state;
    const char *extra[] = {"xy", "xyz"};
    const char *merges = "\"x y\"";
    for (int im = 0; im <= 1; im++) {
        char *json = tiny_json("null", SEQ2(SPLIT("\\\\S+|\\\\s+"), BYTE_LEVEL),
                               im ? ",\"ignore_merges\":true" : ",\"ignore_merges\":false", extra, 2, merges);
        ep_tokenizer *tok = NULL;
        ep_error err = {0};
        if (open_json(json, &tok, &err) != EP_OK) fail_msg("%s", err.msg);
        const ep_token merged[] = {256, 'z'}, whole[] = {257};
        if (im) expect_ids(tok, "xyz", whole, 1);
        else expect_ids(tok, "xyz", merged, 2);
        ep_tokenizer_free(tok);
        free(json);
    }
}

/* Anything not supported is refused with the component's name. */
static void unsupported_components_are_named(void **state)
{
    (void)state;
    const struct { const char *norm, *pre, *expect; } t[] = {
        {"{\"type\":\"Lowercase\"}", SEQ2(SPLIT("\\\\S+"), BYTE_LEVEL), "normalizer Lowercase"},
        {"{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFC\"},{\"type\":\"StripAccents\"}]}",
         SEQ2(SPLIT("\\\\S+"), BYTE_LEVEL), "normalizer StripAccents"},
        {"{\"type\":\"Replace\",\"pattern\":{\"Regex\":\" +\"},\"content\":\" \"}", SEQ2(SPLIT("\\\\S+"), BYTE_LEVEL),
         "Regex"},
        {"null", "{\"type\":\"Whitespace\"}", "pre_tokenizer Whitespace"},
        {"null", SEQ2("{\"type\":\"Punctuation\"}", BYTE_LEVEL), "pre_tokenizer Punctuation"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char *json = tiny_json(t[i].norm, t[i].pre, "", NULL, 0, "");
        ep_tokenizer *tok = NULL;
        ep_error err = {0};
        assert_int_equal(open_json(json, &tok, &err), EP_ERR_UNSUPPORTED);
        if (!strstr(err.msg, t[i].expect)) fail_msg("case %zu: message '%s' lacks '%s'", i, err.msg, t[i].expect);
        assert_null(tok);
        free(json);
    }
}

/* ---- identity ------------------------------------------------------------------------------ */

/* FIPS 180-4 / NIST CSRC examples (one block, two blocks, a million 'a'), and the pinned digest of
 * cl100k_base.tiktoken (tiktoken's hash, data/vocab/SHA256SUMS) through ep_tokenizer_sha256. */
static void sha256_known_answers_and_vocabulary_identity(void **state)
{
    (void)state;
    char hex[65];
    ep_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ep_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    ep_sha256_hex(two, strlen(two), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *million = malloc(1000000);
    memset(million, 'a', 1000000);
    ep_sha256_hex(million, 1000000, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);

    ep_tokenizer *tok = NULL;
    ep_error err = {0};
    assert_int_equal(ep_tokenizer_open(&tok, "cl100k_base", &err), EP_OK);
    assert_string_equal(ep_tokenizer_sha256(tok), "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7");
    ep_tokenizer_free(tok);
    assert_int_equal(ep_tokenizer_open(&tok, "byte", &err), EP_OK);
    assert_null(ep_tokenizer_sha256(tok));
    ep_tokenizer_free(tok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(qwen3_reduced_ids_equal_transformers_js),
        cmocka_unit_test(normalizers_nfc_nfkc_replace_prepend_in_order),
        cmocka_unit_test(tokenizer_json_nfc_composes_before_merging),
        cmocka_unit_test(split_keeps_unmatched_text_as_pieces),
        cmocka_unit_test(split_behaviors_invert_and_prefix_space),
        cmocka_unit_test(tokenizer_json_patterns_use_javascript_semantics),
        cmocka_unit_test(ignore_merges_takes_a_whole_piece_that_is_a_token),
        cmocka_unit_test(unsupported_components_are_named),
        cmocka_unit_test(sha256_known_answers_and_vocabulary_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
