/*
 * test_space.c - unit tests of strategies/space.c: the unit -> value
 * mapping (bounds, log scale, integers reaching both ends, categorical
 * indices), grid values, value text as a trial sees it in argv, and the
 * shortest round-trip number text.
 *
 * Not covered here: samplers (test_samplers.c) and spec parsing.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_rng.h>

#include "strategies/space.h"

#define assert_double_near(a, b, tol)                                                              \
  do {                                                                                             \
    double a_ = (a), b_ = (b);                                                                     \
    if (!(fabs(a_ - b_) <= (tol))) fail_msg("%s = %.17g, expected %.17g", #a, a_, b_);            \
  } while (0)

static const double BELOW_ONE = 0.99999999999999989; /* nextafter(1, 0) */

static es_param float_param(double low, double high, int log) {
  es_param p = {0};
  p.name = "f";
  p.kind = ES_PARAM_FLOAT;
  p.low = low;
  p.high = high;
  p.log = log;
  return p;
}

static es_param int_param(double low, double high, int log) {
  es_param p = float_param(low, high, log);
  p.name = "i";
  p.kind = ES_PARAM_INT;
  return p;
}

static void test_float_linear_maps_ends_and_middle(void **state) {
  (void)state;
  es_param p = float_param(-2.0, 6.0, 0);
  assert_double_near(es_param_from_unit(&p, 0.0), -2.0, 0);
  assert_double_near(es_param_from_unit(&p, 0.5), 2.0, 0);
  assert_double_near(es_param_from_unit(&p, 0.25), 0.0, 0);
  assert_double_near(es_param_from_unit(&p, BELOW_ONE), 6.0, 1e-14);
  for (int i = 0; i <= 1000; i++) {
    double v = es_param_from_unit(&p, i / 1000.0);
    assert_true(v >= -2.0 && v <= 6.0);
  }
  /* Out-of-range input is clamped, never leaves the bounds. */
  assert_double_near(es_param_from_unit(&p, -0.5), -2.0, 0);
  assert_double_near(es_param_from_unit(&p, 1.5), 6.0, 0);
}

static void test_float_log_is_uniform_in_log_space(void **state) {
  (void)state;
  es_param p = float_param(1e-4, 1.0, 1);
  assert_double_near(es_param_from_unit(&p, 0.0), 1e-4, 0);
  assert_double_near(es_param_from_unit(&p, 0.5), 1e-2, 1e-15);
  assert_double_near(es_param_from_unit(&p, 0.25), 1e-3, 1e-16);
  assert_double_near(es_param_from_unit(&p, BELOW_ONE), 1.0, 1e-14);
  double prev = 0.0;
  for (int i = 0; i <= 1000; i++) {
    double v = es_param_from_unit(&p, i / 1000.0);
    assert_true(v >= 1e-4 && v <= 1.0);
    assert_true(v > prev); /* monotone */
    prev = v;
  }
}

static void test_int_linear_reaches_both_ends_evenly(void **state) {
  (void)state;
  es_param p = int_param(1, 5, 0);
  int count[6] = {0};
  for (int i = 0; i < 1000; i++) {
    double v = es_param_from_unit(&p, i / 1000.0);
    assert_true(v == floor(v));
    assert_in_range((long)v, 1, 5);
    count[(int)v]++;
  }
  for (int v = 1; v <= 5; v++) assert_int_equal(count[v], 200);
  assert_double_near(es_param_from_unit(&p, 0.0), 1, 0);
  assert_double_near(es_param_from_unit(&p, BELOW_ONE), 5, 0);
  assert_double_near(es_param_from_unit(&p, 1.0), 5, 0);

  es_param single = int_param(7, 7, 0);
  assert_double_near(es_param_from_unit(&single, 0.0), 7, 0);
  assert_double_near(es_param_from_unit(&single, BELOW_ONE), 7, 0);
}

static void test_int_log_reaches_every_integer(void **state) {
  (void)state;
  es_param p = int_param(1, 1000, 1);
  static char seen[1001];
  memset(seen, 0, sizeof seen);
  const int n = 200000; /* integer 1000 owns ~1.3e-4 of the interval: ~26 hits */
  for (int i = 0; i < n; i++) {
    double v = es_param_from_unit(&p, (double)i / n);
    assert_true(v == floor(v) && v >= 1 && v <= 1000);
    seen[(int)v] = 1;
  }
  for (int v = 1; v <= 1000; v++)
    if (!seen[v]) fail_msg("integer %d never produced", v);
  assert_double_near(es_param_from_unit(&p, 0.0), 1, 0);
  assert_double_near(es_param_from_unit(&p, BELOW_ONE), 1000, 0);
  /* The ends get the share of log space of their rounding neighbourhood:
   * 1 owns [0.5, 1.5), i.e. log(3)/log(2001) of the unit interval. */
  double share1 = log(3.0) / log(2001.0);
  assert_double_near(es_param_from_unit(&p, share1 * 0.999), 1, 0);
  assert_double_near(es_param_from_unit(&p, share1 * 1.001), 2, 0);
}

static void test_categorical_maps_to_indices(void **state) {
  (void)state;
  es_scalar values[3] = {{ES_SCALAR_STRING, 0, "a"}, {ES_SCALAR_STRING, 0, "b"}, {ES_SCALAR_STRING, 0, "c"}};
  es_param p = {0};
  p.name = "c";
  p.kind = ES_PARAM_CATEGORICAL;
  p.values = values;
  p.n_values = 3;
  assert_double_near(es_param_from_unit(&p, 0.0), 0, 0);
  assert_double_near(es_param_from_unit(&p, 0.33), 0, 0);
  assert_double_near(es_param_from_unit(&p, 0.34), 1, 0);
  assert_double_near(es_param_from_unit(&p, 0.66), 1, 0);
  assert_double_near(es_param_from_unit(&p, 0.67), 2, 0);
  assert_double_near(es_param_from_unit(&p, BELOW_ONE), 2, 0);
  assert_double_near(es_param_from_unit(&p, 1.0), 2, 0);
}

static void test_space_from_unit_maps_each_dimension(void **state) {
  (void)state;
  es_param params[3] = {float_param(0, 10, 0), int_param(1, 4, 0), float_param(1, 100, 1)};
  es_space space = {params, 3};
  double unit[3] = {0.5, 0.5, 0.5}, out[3];
  es_space_from_unit(&space, unit, out);
  assert_double_near(out[0], 5, 0);
  assert_double_near(out[1], 3, 0);
  assert_double_near(out[2], 10, 1e-13);
}

static void test_grid_values(void **state) {
  (void)state;
  es_param lin = float_param(0, 1, 0);
  assert_int_equal(es_param_grid_size(&lin), 0); /* steps unset */
  lin.steps = 5;
  assert_int_equal(es_param_grid_size(&lin), 5);
  double want[5] = {0, 0.25, 0.5, 0.75, 1};
  for (size_t i = 0; i < 5; i++) assert_double_near(es_param_grid_value(&lin, i), want[i], 1e-15);

  es_param lg = float_param(1e-3, 1, 1);
  lg.steps = 4;
  assert_true(es_param_grid_value(&lg, 0) == 1e-3); /* both ends exact */
  assert_true(es_param_grid_value(&lg, 3) == 1.0);
  assert_double_near(es_param_grid_value(&lg, 1), 1e-2, 1e-15);
  assert_double_near(es_param_grid_value(&lg, 2), 1e-1, 1e-14);

  es_param in = int_param(-2, 3, 0);
  assert_int_equal(es_param_grid_size(&in), 6);
  for (size_t i = 0; i < 6; i++) assert_double_near(es_param_grid_value(&in, i), -2.0 + (double)i, 0);

  es_scalar values[2] = {{ES_SCALAR_NUMBER, 1, NULL}, {ES_SCALAR_NULL, 0, NULL}};
  es_param cat = {0};
  cat.kind = ES_PARAM_CATEGORICAL;
  cat.values = values;
  cat.n_values = 2;
  assert_int_equal(es_param_grid_size(&cat), 2);
  assert_double_near(es_param_grid_value(&cat, 1), 1, 0);
}

static void expect_text(const es_param *p, double v, const char *want) {
  char *t = es_param_value_text(p, v);
  assert_non_null(t);
  assert_string_equal(t, want);
  free(t);
}

static void test_value_text(void **state) {
  (void)state;
  es_scalar values[7] = {
      {ES_SCALAR_STRING, 0, "$(touch x)"},
      {ES_SCALAR_STRING, 0, "it's \"quoted\"; rm -rf / \n"},
      {ES_SCALAR_NUMBER, 0.5, NULL},
      {ES_SCALAR_NUMBER, 3, NULL},
      {ES_SCALAR_BOOL, 1, NULL},
      {ES_SCALAR_BOOL, 0, NULL},
      {ES_SCALAR_NULL, 0, NULL},
  };
  es_param cat = {0};
  cat.name = "c";
  cat.kind = ES_PARAM_CATEGORICAL;
  cat.values = values;
  cat.n_values = 7;
  expect_text(&cat, 0, "$(touch x)");
  expect_text(&cat, 1, "it's \"quoted\"; rm -rf / \n");
  expect_text(&cat, 2, "0.5");
  expect_text(&cat, 3, "3");
  expect_text(&cat, 4, "true");
  expect_text(&cat, 5, "false");
  expect_text(&cat, 6, "null");

  es_param in = int_param(1, 1000, 0);
  expect_text(&in, 64, "64");
  expect_text(&in, 1000, "1000");
  expect_text(&in, -0.0, "0");

  es_param fl = float_param(1e-6, 1000, 1);
  expect_text(&fl, 0.1, "0.1");
  expect_text(&fl, 1.0, "1.0");
  expect_text(&fl, 100.0, "100.0");
  expect_text(&fl, 1e-5, "1e-05");
  expect_text(&fl, 0.30000000000000004, "0.30000000000000004");
}

static void test_fmt_double_and_number(void **state) {
  (void)state;
  char b[ES_NUM_BUFSZ];
  assert_string_equal(es_fmt_double(b, 1.0), "1.0");
  assert_string_equal(es_fmt_double(b, 0.1), "0.1");
  assert_string_equal(es_fmt_double(b, 100.0), "100.0");
  assert_string_equal(es_fmt_double(b, -2.5), "-2.5");
  assert_string_equal(es_fmt_double(b, 0.0), "0.0");
  assert_string_equal(es_fmt_double(b, -0.0), "-0.0");
  assert_string_equal(es_fmt_double(b, 1e-5), "1e-05");
  assert_string_equal(es_fmt_double(b, 0.0001), "0.0001");
  assert_string_equal(es_fmt_double(b, 1e16), "1e+16");
  assert_string_equal(es_fmt_double(b, 1e15), "1000000000000000.0");
  assert_string_equal(es_fmt_double(b, 123456.789), "123456.789");
  assert_string_equal(es_fmt_double(b, 1.5e300), "1.5e+300");
  assert_string_equal(es_fmt_double(b, NAN), "null");
  assert_string_equal(es_fmt_double(b, INFINITY), "null");
  assert_string_equal(es_fmt_double(b, -INFINITY), "null");

  assert_string_equal(es_fmt_number(b, 1.0), "1");
  assert_string_equal(es_fmt_number(b, 100.0), "100");
  assert_string_equal(es_fmt_number(b, 0.5), "0.5");
  assert_string_equal(es_fmt_number(b, 1e-5), "1e-05");
  assert_string_equal(es_fmt_number(b, NAN), "nan");
  assert_string_equal(es_fmt_number(b, INFINITY), "inf");
  assert_string_equal(es_fmt_number(b, -INFINITY), "-inf");
}

static void check_round_trip(double x) {
  char b[ES_NUM_BUFSZ];
  es_fmt_double(b, x);
  assert_true(strlen(b) < ES_NUM_BUFSZ);
  if (strtod(b, NULL) != x) fail_msg("es_fmt_double(%.17g) = \"%s\" does not read back", x, b);
  if (!strpbrk(b, ".e")) fail_msg("es_fmt_double(%.17g) = \"%s\" reads as an integer", x, b);
  es_fmt_number(b, x);
  if (strtod(b, NULL) != x) fail_msg("es_fmt_number(%.17g) = \"%s\" does not read back", x, b);
}

static void test_fmt_double_round_trips_random_doubles(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 12345);
  /* Random bit patterns cover every exponent, subnormals included (libc
   * is slow at huge exponents, hence fewer of them). */
  for (int checked = 0; checked < 5000;) {
    uint64_t bits = ((uint64_t)gsl_rng_get(r) << 32) | (uint64_t)gsl_rng_get(r);
    double x;
    memcpy(&x, &bits, sizeof x);
    if (!isfinite(x)) continue;
    check_round_trip(x);
    checked++;
  }
  /* Values of everyday magnitude, where positional text is used. */
  for (int i = 0; i < 15000; i++)
    check_round_trip((gsl_rng_uniform(r) - 0.5) * pow(10.0, (double)gsl_rng_uniform_int(r, 24) - 8));
  gsl_rng_free(r);
  check_round_trip(5e-324);
  check_round_trip(1.7976931348623157e308);
  check_round_trip(2.2250738585072014e-308);
}

static void test_fmt_is_shortest(void **state) {
  (void)state;
  /* Values whose shortest text is known: no digits beyond those needed. */
  char b[ES_NUM_BUFSZ];
  assert_string_equal(es_fmt_number(b, 0.1 + 0.2), "0.30000000000000004");
  assert_string_equal(es_fmt_number(b, 1.0 / 3.0), "0.3333333333333333");
  assert_string_equal(es_fmt_number(b, 2.0 / 3.0), "0.6666666666666666");
  assert_string_equal(es_fmt_number(b, 3e-4), "0.0003");
  assert_string_equal(es_fmt_number(b, 1234.5), "1234.5");
}

static void test_space_find_and_free(void **state) {
  (void)state;
  es_space space = {0};
  space.n = 2;
  space.params = calloc(2, sizeof *space.params);
  assert_non_null(space.params);
  space.params[0].name = strdup("lr");
  space.params[0].kind = ES_PARAM_FLOAT;
  space.params[1].name = strdup("precision");
  space.params[1].kind = ES_PARAM_CATEGORICAL;
  space.params[1].n_values = 2;
  space.params[1].values = calloc(2, sizeof(es_scalar));
  space.params[1].values[0].kind = ES_SCALAR_STRING;
  space.params[1].values[0].string = strdup("fp32");
  space.params[1].values[1].kind = ES_SCALAR_NUMBER;
  assert_int_equal(es_space_find(&space, "lr"), 0);
  assert_int_equal(es_space_find(&space, "precision"), 1);
  assert_int_equal(es_space_find(&space, "width"), -1);
  assert_int_equal(es_space_find(&space, ""), -1);
  es_space_free(&space); /* leaks would show under ASan */
  assert_null(space.params);
  assert_int_equal(space.n, 0);
  es_space_free(&space); /* a freed space frees again harmlessly */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_float_linear_maps_ends_and_middle),
      cmocka_unit_test(test_float_log_is_uniform_in_log_space),
      cmocka_unit_test(test_int_linear_reaches_both_ends_evenly),
      cmocka_unit_test(test_int_log_reaches_every_integer),
      cmocka_unit_test(test_categorical_maps_to_indices),
      cmocka_unit_test(test_space_from_unit_maps_each_dimension),
      cmocka_unit_test(test_grid_values),
      cmocka_unit_test(test_value_text),
      cmocka_unit_test(test_fmt_double_and_number),
      cmocka_unit_test(test_fmt_double_round_trips_random_doubles),
      cmocka_unit_test(test_fmt_is_shortest),
      cmocka_unit_test(test_space_find_and_free),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
