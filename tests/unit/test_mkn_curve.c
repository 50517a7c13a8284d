/* Learning-curve fit of held-out code lengths (src/probe/mkn_curve.c). */
#include "ep_test.h"

#include "probe/mkn_curve.h"

/* Exact points of c + a n^-alpha: the fit recovers c and alpha, the interval contains c and
 * shrinks with the standard errors. */
static void recovers_an_exact_power_law(void **state)
{
    (void)state;
    ep_mkn_curve_point p[4];
    double n[4] = {4e6, 1e6, 5e5, 2.5e5};
    for (int se_i = 0; se_i < 2; se_i++) {
        double se = se_i ? 0.05 : 0.001;
        for (int i = 0; i < 4; i++) p[i] = (ep_mkn_curve_point){n[i], 3.0 + 40.0 * pow(n[i], -0.5), se};
        ep_mkn_curve_fit f;
        assert_int_equal(ep_mkn_curve_fit_power(p, 4, &f), 0);
        assert_near(f.alpha, 0.5, 0.006);
        assert_near(f.c, 3.0, 0.01);
        assert_true(f.lo <= 3.0 && 3.0 <= f.hi);
        assert_true(f.hi <= p[0].v); /* never above the best measured code length */
        if (se_i == 0) assert_true(f.hi - f.lo < 0.05);
        else assert_true(f.hi - f.lo > 0.05);
    }
}

static void refuses_too_few_points_and_increasing_curves(void **state)
{
    (void)state;
    ep_mkn_curve_point p[3] = {{1e6, 3.0, 0.01}, {5e5, 3.1, 0.01}, {2.5e5, 3.2, 0.01}};
    ep_mkn_curve_fit f;
    assert_int_equal(ep_mkn_curve_fit_power(p, 2, &f), -1);
    ep_mkn_curve_point q[3] = {{1e6, 3.3, 0.01}, {5e5, 3.1, 0.01}, {2.5e5, 2.9, 0.01}}; /* worse with more data */
    assert_int_equal(ep_mkn_curve_fit_power(q, 3, &f), -1);
    ep_mkn_curve_point z[3] = {{1e6, 3.0, 0}, {5e5, 3.1, 0.01}, {2.5e5, 3.2, 0.01}};
    assert_int_equal(ep_mkn_curve_fit_power(z, 3, &f), -1);
}

static void interpolates_in_log_n_inside_the_range_only(void **state)
{
    (void)state;
    ep_mkn_curve_point p[3] = {{4e6, 3.0, 0.01}, {1e6, 3.2, 0.02}, {2.5e5, 3.6, 0.04}};
    double v, se;
    assert_int_equal(ep_mkn_curve_interpolate(p, 3, 2e6, &v, &se), 0);
    assert_near(v, 3.1, 1e-12);
    assert_near(se, 0.015, 1e-12);
    assert_int_equal(ep_mkn_curve_interpolate(p, 3, 1e6, &v, &se), 0);
    assert_near(v, 3.2, 1e-12);
    assert_int_equal(ep_mkn_curve_interpolate(p, 3, 1e5, &v, &se), -1);
    assert_int_equal(ep_mkn_curve_interpolate(p, 3, 5e6, &v, &se), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recovers_an_exact_power_law),
        cmocka_unit_test(refuses_too_few_points_and_increasing_curves),
        cmocka_unit_test(interpolates_in_log_n_inside_the_range_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
