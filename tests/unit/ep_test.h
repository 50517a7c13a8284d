/* Shared includes for the cmocka unit tests (cmocka 1.1 API). */
#ifndef EP_TEST_H
#define EP_TEST_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "entroprof/json.h"

/* A fresh temporary directory per test group: ep_test_mkdtemp fills dir (>= 64 bytes) with
 * /tmp/<prefix>_XXXXXX and creates it; ep_test_rmtree removes it. Both return 0 on success, as
 * cmocka group setup/teardown functions must. */
static inline int ep_test_mkdtemp(char *dir, size_t cap, const char *prefix)
{
    snprintf(dir, cap, "/tmp/%s_XXXXXX", prefix);
    return mkdtemp(dir) ? 0 : -1;
}

static inline int ep_test_rmtree(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The whole file at path, NUL-terminated (malloc'd; *n its length when n is not NULL), or NULL when
 * it cannot be read. */
static inline char *ep_test_slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *b = NULL;
    long sz = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
        b = malloc((size_t)sz + 1);
    size_t got = b ? fread(b, 1, (size_t)sz, f) : 0;
    fclose(f);
    if (!b) return NULL;
    b[got] = 0;
    if (n) *n = got;
    return b;
}

/* A JSON tree as compact text (malloc'd), failing the test when it cannot be written. */
static inline char *ep_test_json_text(const ep_jv *v)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_non_null(f);
    assert_int_equal(ep_jv_write(v, f, -1), EP_OK);
    assert_int_equal(fclose(f), 0);
    return buf;
}

/* Asserts |a - b| <= tol with a readable message. */
#define assert_near(a, b, tol)                                                                   \
    do {                                                                                         \
        double _a = (a), _b = (b), _t = (tol);                                                   \
        if (!(fabs(_a - _b) <= _t)) fail_msg("%s = %.10g, expected %.10g +- %.3g", #a, _a, _b, _t); \
    } while (0)
#endif
