/* ep_synth: writes a synthetic Markov source as text and prints its exact entropy rate as JSON.
 *
 * ep_synth --kind bytes|words --order K [--alphabet A] [--vocab V] [--support S] [--alpha X]
 *          --symbols N [--doc-symbols D] [--seed S] --out FILE [--jsonl]
 * stdout: {"kind":..., "order":..., "symbols":N, "rate_bits_per_symbol":h,
 *          "bytes_per_symbol":b, "rate_bits_per_byte":h/b, ...}
 * Exit: 0 ok, 1 failure, 2 bad usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entroprof/synth.h"

#include "tool_args.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: ep_synth --kind bytes|words --order K [--alphabet A] [--vocab V] [--support S]\n"
               "                [--alpha X] --symbols N [--doc-symbols D] [--seed S] --out FILE [--jsonl]\n");
}

int main(int argc, char **argv)
{
    ep_synth_config cfg;
    ep_synth_config_default(&cfg);
    unsigned long long n = 0, doc = 0;
    const char *out = NULL;
    int jsonl = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help")) { usage(stdout); return 0; }
        if (!strcmp(a, "--jsonl")) { jsonl = 1; continue; }
        if (!v) { usage(stderr); return 2; }
        i++;
        if (!strcmp(a, "--kind")) {
            if (!strcmp(v, "bytes")) cfg.kind = EP_SYNTH_BYTES;
            else if (!strcmp(v, "words")) cfg.kind = EP_SYNTH_WORDS;
            else { usage(stderr); return 2; }
        } else if (!strcmp(a, "--order")) {
            if (parse_int(v, 0, 16, &cfg.order) != 0) { usage(stderr); return 2; }
        }
        else if (!strcmp(a, "--alphabet")) cfg.alphabet = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--vocab")) cfg.vocab = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--support")) cfg.support = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--alpha")) cfg.alpha = strtod(v, NULL);
        else if (!strcmp(a, "--symbols")) n = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--doc-symbols")) doc = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--seed")) cfg.seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--out")) out = v;
        else { usage(stderr); return 2; }
    }
    if (!out || n == 0) { usage(stderr); return 2; }
    if (doc == 0) doc = cfg.kind == EP_SYNTH_BYTES ? 4096 : 1000;
    ep_error err = {0};
    ep_synth *s = NULL;
    if (ep_synth_create(&s, &cfg, &err) != EP_OK) {
        fprintf(stderr, "ep_synth: %s\n", err.msg);
        return 1;
    }
    FILE *f = strcmp(out, "-") ? fopen(out, "wb") : stdout;
    if (!f) {
        perror(out);
        ep_synth_free(s);
        return 1;
    }
    ep_status st = ep_synth_write_text(s, f, n, doc, jsonl, cfg.seed * 7919 + 1, &err);
    if (f != stdout && fclose(f) != 0) st = EP_ERR_IO;
    if (st != EP_OK) {
        fprintf(stderr, "ep_synth: %s\n", err.msg[0] ? err.msg : "write failed");
        ep_synth_free(s);
        return 1;
    }
    double h = ep_synth_rate_bits_per_symbol(s), b = ep_synth_bytes_per_symbol(s);
    printf("{\"kind\":\"%s\",\"order\":%d,\"symbols_total\":%llu,\"doc_symbols\":%llu,\"alphabet\":%u,"
           "\"support\":%u,\"alpha\":%.17g,\"seed\":%llu,\"states\":%llu,"
           "\"rate_bits_per_symbol\":%.17g,\"bytes_per_symbol\":%.17g,\"rate_bits_per_byte\":%.17g,"
           "\"note\":\"per symbol = per token of the byte tokenizer (bytes) or word tokenizer (words); "
           "per byte counts one separator byte per word, not document separators\"}\n",
           cfg.kind == EP_SYNTH_BYTES ? "bytes" : "words", cfg.order, n, doc, ep_synth_symbols(s),
           cfg.kind == EP_SYNTH_WORDS ? cfg.support : 0, cfg.alpha, (unsigned long long)cfg.seed,
           (unsigned long long)ep_synth_states(s), h, b, h / b);
    ep_synth_free(s);
    return 0;
}
