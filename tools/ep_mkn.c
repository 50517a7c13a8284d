/* ep_mkn: held-out modified Kneser-Ney on whitespace-tokenized text, one document per line, with
 * the same train/test split as the heldout_mkn probe; optionally writes that split for KenLM.
 *
 * ep_mkn --in FILE [--order K] [--seed S] [--heldout F] [--mem BYTES]
 *        [--train-out FILE] [--test-out FILE]
 * Tokens: maximal runs of non-space bytes (as KenLM reads them); id = XXH3-64 of the token bytes.
 * Document hash: XXH3-128 of the line with its tokens joined by single spaces (what the split
 * files contain, so re-reading them gives the same split). Lines without tokens are skipped.
 * stdout: the heldout_mkn estimate as JSON. Exit: 0 ok, 1 failure, 2 bad usage. */
#define XXH_INLINE_ALL
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entroprof/heldout.h"
#include "entroprof/probe.h"
#include "entroprof/scan.h"

#include "tool_args.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: ep_mkn --in FILE [--order K] [--seed S] [--heldout F] [--mem BYTES]\n"
               "              [--train-out FILE] [--test-out FILE]\n");
}

int main(int argc, char **argv)
{
    const char *in = NULL, *train_out = NULL, *test_out = NULL;
    ep_scan_config cfg;
    ep_scan_config_default(&cfg);
    cfg.ngram_order = 5;
    uint64_t mem = 1ull << 30;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help")) { usage(stdout); return 0; }
        if (!v) { usage(stderr); return 2; }
        i++;
        if (!strcmp(a, "--in")) in = v;
        else if (!strcmp(a, "--order")) {
            if (parse_int(v, 1, 16, &cfg.ngram_order) != 0) { usage(stderr); return 2; }
        }
        else if (!strcmp(a, "--seed")) cfg.seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--heldout")) cfg.heldout_fraction = strtod(v, NULL);
        else if (!strcmp(a, "--mem")) mem = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--train-out")) train_out = v;
        else if (!strcmp(a, "--test-out")) test_out = v;
        else { usage(stderr); return 2; }
    }
    if (!in || cfg.ngram_order < 1 || cfg.ngram_order > 16) { usage(stderr); return 2; }
    if (cfg.heldout_fraction <= 0) cfg.heldout_fraction = 0.1;
    size_t n;
    const ep_probe_vtable *const *reg = ep_probe_registry(&n);
    const ep_probe_vtable *vt = NULL;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(reg[i]->name, "heldout_mkn")) vt = reg[i];
    if (!vt) { fprintf(stderr, "ep_mkn: no heldout_mkn probe\n"); return 1; }
    ep_probe_env env = {&cfg, NULL, mem, 0, 1};
    ep_error err;
    ep_error_clear(&err);
    void *st = NULL;
    if (vt->create(&st, &env, &err) != EP_OK) { fprintf(stderr, "ep_mkn: %s\n", err.msg); return 1; }
    FILE *f = fopen(in, "rb");
    FILE *ftr = train_out ? fopen(train_out, "wb") : NULL;
    FILE *fte = test_out ? fopen(test_out, "wb") : NULL;
    if (!st || !f || (train_out && !ftr) || (test_out && !fte)) {
        fprintf(stderr, "ep_mkn: cannot open input/output or out of memory\n");
        return 1;
    }
    char *line = NULL, *norm = NULL;
    size_t cap = 0, ncap = 0, idcap = 0;
    ep_token *ids = NULL;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        char *nnorm = norm;
        ep_token *nids = ids;
        if ((size_t)len + 1 > ncap && (nnorm = realloc(norm, (size_t)len + 1))) {
            norm = nnorm;
            ncap = (size_t)len + 1;
        }
        if ((size_t)len + 1 > idcap && (nids = realloc(ids, ((size_t)len + 1) * sizeof *ids))) {
            ids = nids;
            idcap = (size_t)len + 1;
        }
        if (!nnorm || !nids) {
            fprintf(stderr, "ep_mkn: out of memory\n");
            free(norm);
            free(ids);
            free(line);
            return 1;
        }
        size_t nn = 0, nid = 0;
        for (ssize_t i = 0; i < len;) {
            while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\n' || line[i] == '\r' ||
                               line[i] == '\v' || line[i] == '\f'))
                i++;
            ssize_t s = i;
            while (i < len && !(line[i] == ' ' || line[i] == '\t' || line[i] == '\n' || line[i] == '\r' ||
                                line[i] == '\v' || line[i] == '\f'))
                i++;
            if (i == s) break;
            if (nn) norm[nn++] = ' ';
            memcpy(norm + nn, line + s, (size_t)(i - s));
            nn += (size_t)(i - s);
            ids[nid++] = XXH3_64bits(line + s, (size_t)(i - s));
        }
        if (!nid) continue;
        XXH128_hash_t h = XXH3_128bits(norm, nn);
        ep_doc d = {0};
        d.text = norm;
        d.len = nn;
        d.hash_lo = h.low64;
        d.hash_hi = h.high64;
        if (vt->observe(st, &d, ids, nid, &err) != EP_OK) { fprintf(stderr, "ep_mkn: %s\n", err.msg); return 1; }
        FILE *side = ep_heldout_is_test(d.hash_lo, cfg.seed, cfg.heldout_fraction) ? fte : ftr;
        if (side) {
            fwrite(norm, 1, nn, side);
            fputc('\n', side);
        }
    }
    fclose(f);
    if (ftr) fclose(ftr);
    if (fte) fclose(fte);
    free(line);
    free(norm);
    free(ids);
    ep_jv *out = ep_jv_obj();
    ep_status r = vt->finish(st, NULL, out, &env, &err);
    vt->free(st);
    if (r != EP_OK) {
        fprintf(stderr, "ep_mkn: %s\n", err.msg);
        ep_jv_free(out);
        return 1;
    }
    const ep_jv *e = ep_jv_path(out, "estimates.heldout_mkn");
    if (!e) { fprintf(stderr, "ep_mkn: no estimate (empty train or test split)\n"); ep_jv_free(out); return 1; }
    ep_jv_write(e, stdout, 0);
    fputc('\n', stdout);
    ep_jv_free(out);
    return 0;
}
