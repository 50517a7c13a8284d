/* BPE benchmark and verification driver (bench/bench_bpe.sh, bench/verify_bpe.mjs).
 *
 *   bpe_bench speed TOKENIZER FILE [REPS]
 *       vocabulary load time (ms), then MB/s encoding FILE (plain text, raw bytes) with 1 and 2
 *       threads: the file is cut at line boundaries into 64 KiB chunks, each thread has its own
 *       scratch; the best of REPS (default 3) runs is printed.
 *   bpe_bench lines TOKENIZER FILE
 *       prints the ids of every line of FILE (its '\n' included), one output line per input line,
 *       then one final line with the ids of the whole file encoded as one text.
 * Uses only the public API. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "entroprof/tokenizer.h"

#include "tool_args.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)sz + 1);
    if (!b) { fclose(f); return NULL; }
    *n = fread(b, 1, (size_t)sz, f);
    fclose(f);
    return b;
}

static void print_ids(const ep_token_buf *b)
{
    for (size_t i = 0; i < b->len; i++) printf(i ? " %llu" : "%llu", (unsigned long long)b->ids[i]);
    putchar('\n');
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bpe_bench speed|lines TOKENIZER FILE [REPS]\n");
        return 2;
    }
    size_t n = 0;
    char *text = slurp(argv[3], &n);
    if (!text) { fprintf(stderr, "cannot read %s\n", argv[3]); return 3; }
    ep_error err = {0};
    ep_tokenizer *tok = NULL;
    double t0 = now_s();
    if (ep_tokenizer_open(&tok, argv[2], &err) != EP_OK) { fprintf(stderr, "%s\n", err.msg); return 3; }
    double load_ms = 1e3 * (now_s() - t0);

    if (!strcmp(argv[1], "lines")) {
        ep_tok_scratch *s = ep_tok_scratch_create(tok);
        ep_token_buf b = {0};
        for (size_t i = 0; i < n;) {
            char *e = memchr(text + i, '\n', n - i);
            size_t end = e ? (size_t)(e - text) + 1 : n;
            b.len = 0;
            if (ep_tokenizer_encode(tok, s, text + i, end - i, &b) != EP_OK) return 3;
            print_ids(&b);
            i = end;
        }
        b.len = 0;
        if (ep_tokenizer_encode(tok, s, text, n, &b) != EP_OK) return 3;
        print_ids(&b);
        ep_token_buf_free(&b);
        ep_tok_scratch_free(s);
        ep_tokenizer_free(tok);
        free(text);
        return 0;
    }

    int reps = 3;
    if (argc > 4 && parse_int(argv[4], 1, 1000000, &reps) != 0) {
        fprintf(stderr, "bpe_bench: REPS must be an integer from 1 to 10^6, not '%s'\n", argv[4]);
        free(text);
        return 2;
    }
    /* chunks at line boundaries */
    size_t nch = 0, cap = n / 65536 + 2;
    size_t *cut = malloc((cap + 1) * sizeof *cut);
    cut[nch++] = 0;
    for (size_t i = 65536; i < n;) {
        char *e = memchr(text + i, '\n', n - i);
        if (!e) break;
        i = (size_t)(e - text) + 1;
        cut[nch++] = i;
        i += 65536;
    }
    cut[nch] = n;
    printf("tokenizer %s: vocabulary load %.1f ms (vocab size %llu)\n", ep_tokenizer_name(tok), load_ms,
           (unsigned long long)ep_tokenizer_vocab_size(tok));
    for (int threads = 1; threads <= 2; threads++) {
        double best = 1e30;
        unsigned long long tokens = 0;
        for (int r = 0; r < reps; r++) {
            unsigned long long tk = 0;
            double t1 = now_s();
#pragma omp parallel num_threads(threads) reduction(+ : tk)
            {
                ep_tok_scratch *s = ep_tok_scratch_create(tok);
                ep_token_buf b = {0};
#pragma omp for schedule(dynamic, 1)
                for (long c = 0; c < (long)nch; c++) {
                    b.len = 0;
                    if (ep_tokenizer_encode(tok, s, text + cut[c], cut[c + 1] - cut[c], &b) == EP_OK) tk += b.len;
                }
                ep_token_buf_free(&b);
                ep_tok_scratch_free(s);
            }
            double dt = now_s() - t1;
            if (dt < best) best = dt;
            tokens = tk;
        }
        printf("threads %d: %.2f MB/s (%zu bytes, %llu tokens, best of %d: %.3f s)\n", threads, (double)n / best / 1e6, n,
               tokens, reps, best);
    }
    free(cut);
    ep_tokenizer_free(tok);
    free(text);
    return 0;
}
