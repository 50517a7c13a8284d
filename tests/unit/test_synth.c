/* synth: the exact entropy rate of the generated sources, checked by brute force. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_test.h"
#include "entroprof/synth.h"

/* Stationary distribution of an order-k chain over A symbols given only ep_synth_prob, by power
 * iteration over the A^k contexts (independent of the library's own computation). */
static double *brute_stationary(const ep_synth *s, int k, uint32_t A)
{
    size_t n = 1;
    for (int i = 0; i < k; i++) n *= A;
    double *pi = malloc(n * sizeof *pi), *nx = malloc(n * sizeof *nx);
    uint32_t ctx[4];
    /* start on the contexts that can occur (rows that sum to 1) */
    double z = 0;
    for (size_t c = 0; c < n; c++) {
        size_t v = c;
        for (int i = k - 1; i >= 0; i--) { ctx[i] = (uint32_t)(v % A); v /= A; }
        double row = 0;
        for (uint32_t a = 0; a < A; a++) row += ep_synth_prob(s, ctx, a);
        pi[c] = row > 0.5 ? 1.0 : 0.0;
        z += pi[c];
    }
    for (size_t c = 0; c < n; c++) pi[c] /= z;
    for (int it = 0; it < 20000; it++) {
        memset(nx, 0, n * sizeof *nx);
        for (size_t c = 0; c < n; c++) {
            if (pi[c] == 0) continue;
            size_t v = c;
            for (int i = k - 1; i >= 0; i--) { ctx[i] = (uint32_t)(v % A); v /= A; }
            for (uint32_t a = 0; a < A; a++) nx[k ? (c * A + a) % n : 0] += pi[c] * ep_synth_prob(s, ctx, a);
        }
        memcpy(pi, nx, n * sizeof *pi);
    }
    free(nx);
    return pi;
}

/* Block entropy H_m (bits) of the stationary process by enumerating all A^m sequences. */
static double brute_block(const ep_synth *s, int k, uint32_t A, const double *pi, int m)
{
    size_t total = 1;
    for (int i = 0; i < m; i++) total *= A;
    double H = 0;
    uint32_t x[8];
    for (size_t seq = 0; seq < total; seq++) {
        size_t v = seq;
        for (int i = m - 1; i >= 0; i--) { x[i] = (uint32_t)(v % A); v /= A; }
        size_t c = 0;
        for (int i = 0; i < k; i++) c = c * A + x[i];
        double p = pi[c];
        for (int i = k; i < m && p > 0; i++) p *= ep_synth_prob(s, x + i - k, x[i]);
        if (p > 0) H -= p * log2(p);
    }
    return H;
}

static void check_brute(ep_synth_kind kind, int order, uint32_t A, uint32_t support)
{
    ep_synth_config cfg;
    ep_synth_config_default(&cfg);
    cfg.kind = kind;
    cfg.order = order;
    cfg.alphabet = A;
    cfg.vocab = A;
    cfg.support = support;
    cfg.seed = 7;
    ep_synth *s = NULL;
    ep_error err = {0};
    assert_int_equal(ep_synth_create(&s, &cfg, &err), EP_OK);
    double *pi = brute_stationary(s, order, A);
    /* For an order-k chain, H_{m+1} - H_m = h exactly for m >= k (Cover & Thomas thm 4.2.1). */
    double h1 = brute_block(s, order, A, pi, order + 2) - brute_block(s, order, A, pi, order + 1);
    double h0 = order ? brute_block(s, order, A, pi, order + 1) - brute_block(s, order, A, pi, order) : h1;
    assert_near(ep_synth_rate_bits_per_symbol(s), h1, 1e-9);
    assert_near(h0, h1, 1e-9);
    free(pi);
    ep_synth_free(s);
}

static void bytes_rate_matches_brute_force(void **state)
{
    (void)state;
    check_brute(EP_SYNTH_BYTES, 0, 5, 0);
    check_brute(EP_SYNTH_BYTES, 1, 4, 0);
    check_brute(EP_SYNTH_BYTES, 2, 3, 0);
    check_brute(EP_SYNTH_BYTES, 3, 3, 0);
    check_brute(EP_SYNTH_BYTES, 4, 2, 0);
}

static void words_rate_matches_brute_force(void **state)
{
    (void)state;
    check_brute(EP_SYNTH_WORDS, 1, 8, 3);
    check_brute(EP_SYNTH_WORDS, 2, 8, 4);
}

static void rows_sum_to_one_and_spelling_is_bijective(void **state)
{
    (void)state;
    ep_synth_config cfg;
    ep_synth_config_default(&cfg);
    cfg.kind = EP_SYNTH_WORDS;
    cfg.vocab = 1000;
    cfg.support = 16;
    ep_synth *s = NULL;
    assert_int_equal(ep_synth_create(&s, &cfg, NULL), EP_OK);
    for (uint32_t b = 0; b < 1000; b += 37) {
        double z = 0;
        for (uint32_t w = 0; w < 1000; w++) z += ep_synth_prob(s, &b, w);
        assert_near(z, 1.0, 1e-12);
    }
    char buf[8];
    size_t n = ep_synth_spell(s, 0, buf);
    assert_true(n == 1 && buf[0] == 'a');
    n = ep_synth_spell(s, 25, buf);
    assert_true(n == 1 && buf[0] == 'z');
    n = ep_synth_spell(s, 26, buf);
    assert_true(n == 2 && !memcmp(buf, "aa", 2));
    n = ep_synth_spell(s, 26 + 676, buf);
    assert_true(n == 3 && !memcmp(buf, "aaa", 3));
    assert_true(ep_synth_bytes_per_symbol(s) > 2.0 && ep_synth_bytes_per_symbol(s) < 4.0);
    ep_synth_free(s);
}

static void large_alphabets_spell_two_byte_code_points(void **state)
{
    (void)state;
    ep_synth_config cfg;
    ep_synth_config_default(&cfg);
    cfg.order = 0;
    cfg.alphabet = 200;
    ep_synth *s = NULL;
    assert_int_equal(ep_synth_create(&s, &cfg, NULL), EP_OK);
    char buf[8];
    assert_int_equal(ep_synth_spell(s, 0, buf), 2);
    assert_memory_equal(buf, "\xC4\x80", 2); /* U+0100 */
    assert_int_equal(ep_synth_spell(s, 199, buf), 2);
    assert_memory_equal(buf, "\xC7\x87", 2); /* U+01C7 */
    assert_near(ep_synth_bytes_per_symbol(s), 2.0, 1e-12);
    ep_synth_free(s);
}

static void streams_are_deterministic_and_refuse_huge_tables(void **state)
{
    (void)state;
    ep_synth_config cfg;
    ep_synth_config_default(&cfg);
    cfg.order = 2;
    cfg.alphabet = 16;
    ep_synth *s = NULL;
    assert_int_equal(ep_synth_create(&s, &cfg, NULL), EP_OK);
    ep_synth_stream a, b;
    ep_synth_stream_init(s, &a, 5);
    ep_synth_stream_init(s, &b, 5);
    for (int i = 0; i < 1000; i++) assert_int_equal(ep_synth_next(s, &a), ep_synth_next(s, &b));
    ep_synth_free(s);
    cfg.order = 3;
    cfg.alphabet = 256;
    ep_error err = {0};
    assert_int_equal(ep_synth_create(&s, &cfg, &err), EP_ERR_ARG);
    assert_null(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bytes_rate_matches_brute_force),
        cmocka_unit_test(words_rate_matches_brute_force),
        cmocka_unit_test(rows_sum_to_one_and_spelling_is_bijective),
        cmocka_unit_test(large_alphabets_spell_two_byte_code_points),
        cmocka_unit_test(streams_are_deterministic_and_refuse_huge_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
