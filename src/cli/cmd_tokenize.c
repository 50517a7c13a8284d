/* entroprof tokenize: token ids of the documents of one input, for users and tests that compare
 * tokenizers. Documents come from the reader (decompression, JSONL, repair: invalid UTF-8 ->
 * U+FFFD, CRLF -> LF, NUL removed; empty documents are skipped), exactly as `scan` sees them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "entroprof/reader.h"
#include "entroprof/tokenizer.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: entroprof tokenize [--tokenizer NAME|PATH] [--split file|paragraph|line]\n"
            "                          [--format auto|text|jsonl] [--field F] [--max-doc-bytes SIZE]\n"
            "                          [--u32 | --count] [FILE|-]\n"
            "Prints the token ids of each document of FILE (default: stdin), one document per line,\n"
            "space-separated.\n"
            "  -t, --tokenizer NAME|PATH  byte, char, word, r50k_base (gpt2), cl100k_base, o200k_base, or a\n"
            "                             path to a .tiktoken or tokenizer.json file (default cl100k_base)\n"
            EP_CLI_READER_HELP("file: one document per file")
            "  --u32                      raw little-endian uint32 ids of all documents, concatenated\n"
            "  --count                    print only the number of tokens\n"
            "Input is read as `scan` reads it: .zst/.gz decompressed, invalid UTF-8 replaced by U+FFFD,\n"
            "CRLF turned into LF, NUL bytes removed, empty documents skipped. Special-token text\n"
            "(<|endoftext|>) is encoded as ordinary text (tiktoken's encode_ordinary).\n"
            "Exit status: 0 ok, 2 bad usage, 3 error.\n");
}

static int write_ids_text(FILE *out, const ep_token *ids, size_t n)
{
    char buf[1 << 16];
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (o > sizeof buf - 32) {
            if (fwrite(buf, 1, o, out) != o) return -1;
            o = 0;
        }
        char tmp[24];
        int k = 0;
        uint64_t v = ids[i];
        do { tmp[k++] = (char)('0' + v % 10); v /= 10; } while (v);
        if (i) buf[o++] = ' ';
        while (k) buf[o++] = tmp[--k];
    }
    buf[o++] = '\n';
    return fwrite(buf, 1, o, out) == o ? 0 : -1;
}

static int write_ids_u32(FILE *out, const ep_token *ids, size_t n)
{
    unsigned char buf[1 << 16];
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (o == sizeof buf) {
            if (fwrite(buf, 1, o, out) != o) return -1;
            o = 0;
        }
        uint32_t v = (uint32_t)ids[i];
        buf[o++] = (unsigned char)v;
        buf[o++] = (unsigned char)(v >> 8);
        buf[o++] = (unsigned char)(v >> 16);
        buf[o++] = (unsigned char)(v >> 24);
    }
    return fwrite(buf, 1, o, out) == o ? 0 : -1;
}

int cmd_tokenize(int argc, char **argv)
{
    enum { O_U32 = EP_CLI_O_COMMAND, O_COUNT };
    static const struct option opts[] = {EP_CLI_HELP_OPTION, {"tokenizer", required_argument, 0, 't'},
                                         EP_CLI_READER_OPTIONS, {"u32", no_argument, 0, O_U32},
                                         {"count", no_argument, 0, O_COUNT}, {0, 0, 0, 0}};
    const char *tokname = "cl100k_base", *input = "-";
    int u32 = 0, count_only = 0, c;
    ep_reader_config rc;
    ep_reader_config_default(&rc);
    rc.split = EP_SPLIT_FILE;
    ep_cli_args a;
    ep_cli_args_begin(&a, "tokenize", "entroprof tokenize [--tokenizer NAME|PATH] [OPTIONS] [FILE|-]", "ht:", opts);
    while ((c = ep_cli_args_next(&a, argc, argv)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return EP_EXIT_OK;
        case 't': tokname = a.arg; break;
        case O_U32: u32 = 1; break;
        case O_COUNT: count_only = 1; break;
        default:
            if (ep_cli_reader_option(&a, c, &rc) != 1) return EP_EXIT_USAGE;
            break;
        }
    }
    if (argc - a.first_operand > 1) return ep_cli_usage_error(&a, "unexpected argument '%s'", argv[a.first_operand + 1]);
    if (a.first_operand < argc) input = argv[a.first_operand];
    if (u32 && count_only) return ep_cli_usage_error(&a, "--u32 and --count exclude each other");

    ep_error err = {0};
    ep_tokenizer *tok = NULL;
    ep_status ts = ep_tokenizer_open(&tok, tokname, &err);
    if (ts != EP_OK) {
        fprintf(stderr, "entroprof tokenize: %s\n", err.msg);
        return ts == EP_ERR_NOTFOUND ? EP_EXIT_USAGE : EP_EXIT_FATAL; /* an unknown name is bad usage */
    }
    ep_reader *r = NULL;
    if (ep_reader_open(&r, input, &rc, &err) != EP_OK) {
        fprintf(stderr, "entroprof tokenize: %s\n", err.msg);
        ep_tokenizer_free(tok);
        return EP_EXIT_FATAL;
    }
    ep_tok_scratch *s = ep_tok_scratch_create(tok);
    ep_token_buf ids = {0};
    uint64_t total = 0;
    int rcode = EP_EXIT_OK, got;
    ep_doc doc;
    if (!s) { fprintf(stderr, "entroprof tokenize: out of memory\n"); rcode = EP_EXIT_FATAL; }
    while (rcode == EP_EXIT_OK && (got = ep_reader_next(r, &doc, &err)) != 0) {
        if (got < 0) { fprintf(stderr, "entroprof tokenize: %s\n", err.msg); rcode = EP_EXIT_FATAL; break; }
        ids.len = 0;
        ep_status st = ep_tokenizer_encode(tok, s, doc.text, doc.len, &ids);
        if (st != EP_OK) {
            fprintf(stderr, "entroprof tokenize: document %llu: %s\n", (unsigned long long)doc.index, ep_strerror(st));
            rcode = EP_EXIT_FATAL;
            break;
        }
        total += ids.len;
        if (count_only) continue;
        if ((u32 ? write_ids_u32(stdout, ids.ids, ids.len) : write_ids_text(stdout, ids.ids, ids.len)) != 0) {
            fprintf(stderr, "entroprof tokenize: write error: %s\n", strerror(errno));
            rcode = EP_EXIT_FATAL;
        }
    }
    if (rcode == EP_EXIT_OK && count_only) printf("%llu\n", (unsigned long long)total);
    if (fflush(stdout) != 0 && rcode == EP_EXIT_OK) {
        fprintf(stderr, "entroprof tokenize: write error: %s\n", strerror(errno));
        rcode = EP_EXIT_FATAL;
    }
    ep_token_buf_free(&ids);
    ep_tok_scratch_free(s);
    ep_reader_close(r);
    ep_tokenizer_free(tok);
    return rcode;
}
