/* In-place MSD radix sort of 64-bit keys on 8-bit digits (American flag sort: McIlroy, Bostic and
 * McIlroy, "Engineering radix sort", Computing Systems 6(1), 1993). Each level counts the digit,
 * then permutes the keys into their buckets by cycles of swaps, then recurses into every bucket
 * with the next digit; small buckets are finished by insertion sort. Extra memory: 256 counters
 * per level (at most 8 levels). Used by the n-gram ladder to count fingerprints by runs. */
#include "probe/ngram_internal.h"

#define SMALL 48

static void insertion_sort(uint64_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t v = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static void msd_sort(uint64_t *a, size_t n, int shift)
{
    if (n <= SMALL) {
        insertion_sort(a, n);
        return;
    }
    size_t count[256] = {0};
    for (size_t i = 0; i < n; i++) count[(a[i] >> shift) & 255]++;
    /* A digit shared by every key (the high zero bits of sampled keys, say) costs no permutation. */
    if (count[(a[0] >> shift) & 255] == n) {
        if (shift) msd_sort(a, n, shift - 8);
        return;
    }
    size_t next[256], end[256], pos = 0;
    for (int b = 0; b < 256; b++) {
        next[b] = pos;
        pos += count[b];
        end[b] = pos;
    }
    for (int b = 0; b < 256; b++) {
        while (next[b] < end[b]) {
            uint64_t v = a[next[b]];
            unsigned d = (unsigned)(v >> shift) & 255;
            while (d != (unsigned)b) { /* carry v to its bucket, pick up what was there */
                uint64_t w = a[next[d]];
                a[next[d]++] = v;
                v = w;
                d = (unsigned)(v >> shift) & 255;
            }
            a[next[b]++] = v;
        }
    }
    if (!shift) return;
    size_t start = 0;
    for (int b = 0; b < 256; b++) {
        if (count[b] > 1) msd_sort(a + start, count[b], shift - 8);
        start += count[b];
    }
}

void ep_ngram_sort_u64(uint64_t *a, size_t n)
{
    if (n > 1) msd_sort(a, n, 56);
}
