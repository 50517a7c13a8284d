/* dedup_sigbench: MinHash signature throughput on one core. Reads every document of the inputs
 * into memory first (reading is not timed), then signs them all on the calling thread.
 * usage: dedup_sigbench PATH... ; prints "docs=N bytes=N seconds=S MB_per_s=X docs_per_s=Y". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "entroprof/dedup.h"
#include "entroprof/reader.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: dedup_sigbench PATH...\n");
        return 2;
    }
    ep_error err;
    char **paths;
    size_t np;
    if (ep_list_shards((const char *const *)argv + 1, (size_t)argc - 1, &paths, &np, &err) != EP_OK) {
        fprintf(stderr, "dedup_sigbench: %s\n", err.msg);
        return 3;
    }
    ep_reader_config rc;
    ep_reader_config_default(&rc);
    char *buf = NULL;
    size_t len = 0, cap = 0, nd = 0, dcap = 0;
    size_t *off = NULL;
    int oom = 0;
    for (size_t s = 0; s < np; s++) {
        ep_reader *r;
        if (ep_reader_open(&r, paths[s], &rc, &err) != EP_OK) {
            fprintf(stderr, "dedup_sigbench: %s\n", err.msg);
            free(buf);
            free(off);
            ep_list_free(paths, np);
            return 3;
        }
        ep_doc d;
        while (ep_reader_next(r, &d, &err) == 1) {
            if (len + d.len > cap || !buf) {
                char *nb = realloc(buf, (len + d.len) * 2 + 1);
                if (!nb) { oom = 1; break; }
                buf = nb;
                cap = (len + d.len) * 2 + 1;
            }
            if (nd + 2 > dcap) {
                size_t *no = realloc(off, (nd + 2) * 2 * sizeof *off);
                if (!no) { oom = 1; break; }
                off = no;
                dcap = (nd + 2) * 2;
            }
            off[nd++] = len;
            memcpy(buf + len, d.text, d.len);
            len += d.len;
        }
        ep_reader_close(r);
        if (oom) {
            fprintf(stderr, "dedup_sigbench: out of memory\n");
            free(buf);
            free(off);
            ep_list_free(paths, np);
            return 1;
        }
    }
    ep_list_free(paths, np);
    if (!off) return 0;
    off[nd] = len;
    ep_dedup_config cfg;
    ep_dedup_config_default(&cfg);
    ep_minhash *mh;
    ep_minhash_create(&mh, &cfg, NULL);
    ep_minhash_scratch *sc = ep_minhash_scratch_create();
    uint32_t sig[112];
    uint64_t shingles = 0, check = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < nd; i++) {
        shingles += ep_minhash_sign(mh, sc, buf + off[i], off[i + 1] - off[i], sig, NULL);
        check ^= sig[0];
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("docs=%zu bytes=%zu shingles=%llu seconds=%.3f MB_per_s=%.1f docs_per_s=%.0f check=%u\n", nd, len,
           (unsigned long long)shingles, sec, (double)len / 1e6 / sec, (double)nd / sec, (unsigned)check);
    ep_minhash_scratch_free(sc);
    ep_minhash_free(mh);
    free(buf);
    free(off);
    return 0;
}
