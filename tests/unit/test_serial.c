/* The partial-state byte format's primitives (include/entroprof/serial.h): little-endian layout
 * whatever the host, exact doubles, JSON trees that round-trip exactly, and a reader that refuses
 * short or inconsistent bytes without reading past them. */
#include <math.h>
#include <string.h>

#include "ep_test.h"
#include "entroprof/serial.h"
#include "partial_harness.h" /* compiled here so that its helpers stay buildable */

static void integers_are_little_endian(void **state)
{
    (void)state;
    ep_wbuf w;
    ep_wbuf_init(&w);
    ep_wbuf_u32(&w, 0x01020304u);
    ep_wbuf_u64(&w, 0x1122334455667788ull);
    assert_int_equal(ep_wbuf_status(&w), EP_OK);
    static const unsigned char want[] = {4, 3, 2, 1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
    assert_int_equal(w.len, sizeof want);
    assert_memory_equal(w.data, want, sizeof want);
    ep_rbuf r;
    ep_rbuf_init(&r, w.data, w.len);
    assert_int_equal(ep_rbuf_u32(&r), 0x01020304u);
    assert_true(ep_rbuf_u64(&r) == 0x1122334455667788ull);
    assert_int_equal(ep_rbuf_left(&r), 0);
    assert_int_equal(ep_rbuf_status(&r), EP_OK);
    ep_wbuf_free(&w);
}

static void doubles_keep_their_bits(void **state)
{
    (void)state;
    double v[] = {0.1, -0.0, 1e308, 5e-324, NAN, INFINITY};
    ep_wbuf w;
    ep_wbuf_init(&w);
    for (size_t i = 0; i < 6; i++) ep_wbuf_f64(&w, v[i]);
    ep_rbuf r;
    ep_rbuf_init(&r, w.data, w.len);
    for (size_t i = 0; i < 6; i++) {
        double x = ep_rbuf_f64(&r);
        assert_memory_equal(&x, &v[i], sizeof x);
    }
    ep_wbuf_free(&w);
}

static void short_reads_fail_and_stay_failed(void **state)
{
    (void)state;
    unsigned char b[5] = {1, 2, 3, 4, 5};
    ep_rbuf r;
    ep_rbuf_init(&r, b, sizeof b);
    assert_int_equal(ep_rbuf_u32(&r), 0x04030201u);
    assert_true(ep_rbuf_u64(&r) == 0); /* 1 byte left */
    assert_int_equal(ep_rbuf_status(&r), EP_ERR_CORRUPT);
    assert_int_equal(ep_rbuf_u8(&r), 0); /* sticky: the byte left is not read */
    assert_int_equal(ep_rbuf_left(&r), 0);
}

static void counts_are_checked_against_the_bytes_left(void **state)
{
    (void)state;
    ep_wbuf w;
    ep_wbuf_init(&w);
    ep_wbuf_u64(&w, 3);
    ep_wbuf_u32(&w, 7);
    ep_wbuf_u32(&w, 8);
    ep_wbuf_u32(&w, 9);
    ep_rbuf r;
    ep_rbuf_init(&r, w.data, w.len);
    assert_int_equal(ep_rbuf_count(&r, 4), 3);
    ep_rbuf_init(&r, w.data, w.len);
    assert_int_equal(ep_rbuf_count(&r, 8), 0); /* 3 items of 8 bytes do not fit in 12 */
    assert_int_equal(ep_rbuf_status(&r), EP_ERR_CORRUPT);
    w.data[7] = 0x80; /* a count near 2^63: refused before any allocation */
    ep_rbuf_init(&r, w.data, w.len);
    assert_int_equal(ep_rbuf_count(&r, 1), 0);
    assert_int_equal(ep_rbuf_status(&r), EP_ERR_CORRUPT);
    ep_wbuf_free(&w);
}

static void strings_blobs_and_null(void **state)
{
    (void)state;
    ep_wbuf w;
    ep_wbuf_init(&w);
    ep_wbuf_str(&w, "h\xc3\xa9llo");
    ep_wbuf_str(&w, NULL);
    ep_wbuf_blob(&w, "a\0b", 3);
    ep_rbuf r;
    ep_rbuf_init(&r, w.data, w.len);
    int was_null = 0;
    char *s = ep_rbuf_str(&r, &was_null, NULL);
    assert_string_equal(s, "h\xc3\xa9llo");
    assert_int_equal(was_null, 0);
    free(s);
    assert_null(ep_rbuf_str(&r, &was_null, NULL));
    assert_int_equal(was_null, 1);
    assert_int_equal(ep_rbuf_status(&r), EP_OK);
    size_t save = r.pos;
    assert_null(ep_rbuf_str(&r, NULL, NULL)); /* a NUL inside is not a string */
    assert_int_equal(ep_rbuf_status(&r), EP_ERR_CORRUPT);
    r.pos = save;
    r.failed = 0;
    size_t n = 0;
    const char *b = ep_rbuf_blob(&r, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(b, "a\0b", 3);
    ep_wbuf_free(&w);
}

static void json_trees_round_trip_exactly(void **state)
{
    (void)state;
    ep_jv *v = ep_jv_obj();
    ep_jv_set(v, "i", ep_jv_int(-5));
    ep_jv_set(v, "x", ep_jv_num(0.1));
    ep_jv_set(v, "nan", ep_jv_num(NAN));
    ep_jv_set(v, "t", ep_jv_bool(1));
    ep_jv_set(v, "z", ep_jv_null());
    ep_jv *a = ep_jv_set(v, "a", ep_jv_arr());
    ep_jv_push(a, ep_jv_str("\xff raw byte"));
    ep_jv_push(ep_jv_push(a, ep_jv_obj()), ep_jv_int(0)); /* push into an object fails: {} stays */
    ep_wbuf w;
    ep_wbuf_init(&w);
    ep_wbuf_jv(&w, v);
    ep_rbuf r;
    ep_rbuf_init(&r, w.data, w.len);
    ep_jv *back = ep_rbuf_jv(&r);
    assert_non_null(back);
    assert_int_equal(ep_rbuf_left(&r), 0);
    assert_true(ph_same_json(v, back));
    assert_int_equal(ep_jv_typeof(ep_jv_get(back, "i")), EP_JV_INT);
    assert_true(isnan(ep_jv_as_num(ep_jv_get(back, "nan"), 0)));
    for (size_t cut = 0; cut < w.len; cut++) { /* every prefix is refused */
        ep_rbuf_init(&r, w.data, cut);
        assert_null(ep_rbuf_jv(&r));
        assert_int_equal(ep_rbuf_status(&r), EP_ERR_CORRUPT);
    }
    ep_jv_free(back);
    ep_jv_free(v);
    ep_wbuf_free(&w);
}

static void deep_json_is_refused(void **state)
{
    (void)state;
    ep_wbuf w;
    ep_wbuf_init(&w);
    for (int i = 0; i < 100; i++) { ep_wbuf_u8(&w, EP_JV_ARR); ep_wbuf_u64(&w, 1); }
    ep_wbuf_u8(&w, EP_JV_NULL);
    ep_rbuf r;
    ep_rbuf_init(&r, w.data, w.len);
    assert_null(ep_rbuf_jv(&r));
    assert_int_equal(ep_rbuf_status(&r), EP_ERR_CORRUPT);
    ep_wbuf_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integers_are_little_endian),
        cmocka_unit_test(doubles_keep_their_bits),
        cmocka_unit_test(short_reads_fail_and_stay_failed),
        cmocka_unit_test(counts_are_checked_against_the_bytes_left),
        cmocka_unit_test(strings_blobs_and_null),
        cmocka_unit_test(json_trees_round_trip_exactly),
        cmocka_unit_test(deep_json_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
