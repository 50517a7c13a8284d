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

/* Asserts |a - b| <= tol with a readable message. */
#define assert_near(a, b, tol)                                                                   \
    do {                                                                                         \
        double _a = (a), _b = (b), _t = (tol);                                                   \
        if (!(fabs(_a - _b) <= _t)) fail_msg("%s = %.10g, expected %.10g +- %.3g", #a, _a, _b, _t); \
    } while (0)
#endif
