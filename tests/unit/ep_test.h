/* Shared includes for the cmocka unit tests (cmocka 1.1 API). */
#ifndef EP_TEST_H
#define EP_TEST_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

/* Asserts |a - b| <= tol with a readable message. */
#define assert_near(a, b, tol)                                                                   \
    do {                                                                                         \
        double _a = (a), _b = (b), _t = (tol);                                                   \
        if (!(fabs(_a - _b) <= _t)) fail_msg("%s = %.10g, expected %.10g +- %.3g", #a, _a, _b, _t); \
    } while (0)
#endif
