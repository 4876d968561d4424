/*
 * test_samplers.c - unit tests of the sampler family: the registry
 * (lookup, names, check), random and sobol (bounds, integral ints, seeds,
 * sobol's halton fallback past 40 dimensions) and grid (exact cartesian
 * product in a fixed order, then ES_SAMPLER_EXHAUSTED).
 *
 * Not covered here: the unit -> value mapping itself (test_space.c).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strategies/sampler.h"

#define assert_double_near(a, b, tol)                                                              \
  do {                                                                                             \
    double a_ = (a), b_ = (b);                                                                     \
    if (!(fabs(a_ - b_) <= (tol))) fail_msg("%s = %.17g, expected %.17g", #a, a_, b_);            \
  } while (0)

static es_scalar precisions[3] = {
    {ES_SCALAR_STRING, 0, "fp32"}, {ES_SCALAR_STRING, 0, "bf16"}, {ES_SCALAR_STRING, 0, "fp8"}};

/* The design document's example space plus a linear float and int. */
static es_param mixed_params[5] = {
    {"lr", ES_PARAM_FLOAT, 1e-4, 1.0, 1, 0, NULL, 0},
    {"width", ES_PARAM_INT, 8, 512, 1, 0, NULL, 0},
    {"layers", ES_PARAM_INT, 1, 4, 0, 0, NULL, 0},
    {"precision", ES_PARAM_CATEGORICAL, 0, 0, 0, 0, precisions, 3},
    {"dropout", ES_PARAM_FLOAT, 0.0, 0.5, 0, 0, NULL, 0},
};
static const es_space mixed = {mixed_params, 5};

static void assert_in_space(const es_space *space, const double *x) {
  for (size_t i = 0; i < space->n; i++) {
    const es_param *p = &space->params[i];
    switch (p->kind) {
    case ES_PARAM_FLOAT:
      if (!(x[i] >= p->low && x[i] <= p->high))
        fail_msg("%s = %.17g outside [%g, %g]", p->name, x[i], p->low, p->high);
      break;
    case ES_PARAM_INT:
      if (!(x[i] >= p->low && x[i] <= p->high && x[i] == floor(x[i])))
        fail_msg("%s = %.17g not an integer in [%g, %g]", p->name, x[i], p->low, p->high);
      break;
    case ES_PARAM_CATEGORICAL:
      if (!(x[i] >= 0 && x[i] < (double)p->n_values && x[i] == floor(x[i])))
        fail_msg("%s = %.17g not an index below %zu", p->name, x[i], p->n_values);
      break;
    }
  }
}

/* n points of T over space with seed, into out (n * space->n doubles). */
static void draw(const es_sampler_type *T, const es_space *space, unsigned long seed, size_t n,
                 double *out) {
  char note[128];
  es_sampler *s = es_sampler_alloc(T, space, seed, note, sizeof note);
  assert_non_null(s);
  for (size_t i = 0; i < n; i++) assert_int_equal(es_sampler_next(s, out + i * space->n), 0);
  assert_int_equal(s->drawn, n);
  es_sampler_free(s);
}

static void test_lookup_and_names(void **state) {
  (void)state;
  assert_ptr_equal(es_sampler_lookup("random"), &es_sampler_random);
  assert_ptr_equal(es_sampler_lookup("sobol"), &es_sampler_sobol);
  assert_ptr_equal(es_sampler_lookup("grid"), &es_sampler_grid);
  assert_null(es_sampler_lookup("Random"));
  assert_null(es_sampler_lookup("nsga3"));
  assert_null(es_sampler_lookup(""));
  assert_null(es_sampler_lookup(NULL));

  char buf[64];
  es_sampler_names(buf, sizeof buf);
  assert_string_equal(buf, "random, sobol, grid, nsga2");
  /* A short buffer still gets a terminated prefix. */
  char small[10];
  memset(small, 'x', sizeof small);
  es_sampler_names(small, sizeof small);
  assert_true(memchr(small, '\0', sizeof small) != NULL);
  assert_int_equal(strncmp(small, "random", 6), 0);

  size_t n = 0;
  while (es_sampler_types[n]) n++;
  assert_int_equal(n, 4);
}

static void check_bounds_and_size(const es_sampler_type *T) {
  enum { N = 2000 };
  static double pts[N * 5];
  draw(T, &mixed, 7, N, pts);
  for (size_t i = 0; i < N; i++) assert_in_space(&mixed, pts + i * 5);
  /* Both ends of the small int range and every category occur. */
  int layers[5] = {0}, cats[3] = {0};
  for (size_t i = 0; i < N; i++) {
    layers[(int)pts[i * 5 + 2]]++;
    cats[(int)pts[i * 5 + 3]]++;
  }
  for (int v = 1; v <= 4; v++) assert_true(layers[v] > N / 4 - N / 10 && layers[v] < N / 4 + N / 10);
  for (int c = 0; c < 3; c++) assert_true(cats[c] > N / 3 - N / 10 && cats[c] < N / 3 + N / 10);
  /* Log scale: about half the learning rates below 1e-2. */
  int below = 0;
  for (size_t i = 0; i < N; i++) below += pts[i * 5] < 1e-2;
  assert_true(below > N / 2 - N / 10 && below < N / 2 + N / 10);

  es_sampler *s = es_sampler_alloc(T, &mixed, 7, NULL, 0);
  assert_non_null(s);
  assert_int_equal(es_sampler_size(s), 0); /* unbounded */
  es_sampler_free(s);
}

static void test_random_within_bounds(void **state) {
  (void)state;
  check_bounds_and_size(&es_sampler_random);
}

static void test_sobol_within_bounds(void **state) {
  (void)state;
  check_bounds_and_size(&es_sampler_sobol);
}

static void check_seeds(const es_sampler_type *T) {
  enum { N = 50 };
  double a[N * 5], b[N * 5], c[N * 5];
  draw(T, &mixed, 42, N, a);
  draw(T, &mixed, 42, N, b);
  draw(T, &mixed, 43, N, c);
  assert_memory_equal(a, b, sizeof a);
  /* The floats of different seeds differ at essentially every point. */
  int same = 0;
  for (size_t i = 0; i < N; i++) same += a[i * 5] == c[i * 5] || a[i * 5 + 4] == c[i * 5 + 4];
  assert_true(same <= 1);
}

static void test_random_seeds(void **state) {
  (void)state;
  check_seeds(&es_sampler_random);
}

static void test_sobol_seeds(void **state) {
  (void)state;
  check_seeds(&es_sampler_sobol);
}

static void test_resume_replays_the_sequence(void **state) {
  (void)state;
  /* Resuming means: a new sampler with the same seed, advanced by drawn. */
  const es_sampler_type *types[2] = {&es_sampler_random, &es_sampler_sobol};
  for (int t = 0; t < 2; t++) {
    double all[20 * 5], x[5];
    draw(types[t], &mixed, 9, 20, all);
    es_sampler *s = es_sampler_alloc(types[t], &mixed, 9, NULL, 0);
    for (int i = 0; i < 12; i++) es_sampler_next(s, x);
    for (int i = 12; i < 20; i++) {
      assert_int_equal(es_sampler_next(s, x), 0);
      assert_memory_equal(x, all + i * 5, sizeof x);
    }
    es_sampler_free(s);
  }
}

static void test_sobol_spreads_evenly(void **state) {
  (void)state;
  /* One unit float: the first 2^m shifted sobol points sit one per bin of
   * width 2^-m, which independent draws essentially never do. */
  es_param p = {"x", ES_PARAM_FLOAT, 0, 1, 0, 0, NULL, 0};
  es_space one = {&p, 1};
  for (unsigned long seed = 1; seed <= 5; seed++) {
    double x[64];
    int bins[64] = {0};
    draw(&es_sampler_sobol, &one, seed, 64, x);
    for (int i = 0; i < 64; i++) bins[(int)(x[i] * 64)]++;
    for (int b = 0; b < 64; b++)
      if (bins[b] != 1) fail_msg("seed %lu: bin %d holds %d points", seed, b, bins[b]);
  }
}

static es_param *many_floats(size_t n) {
  es_param *p = calloc(n, sizeof *p);
  assert_non_null(p);
  for (size_t i = 0; i < n; i++) {
    p[i].name = "x";
    p[i].kind = ES_PARAM_FLOAT;
    p[i].low = -1;
    p[i].high = 1;
  }
  return p;
}

static void test_sobol_falls_back_to_halton_past_40(void **state) {
  (void)state;
  es_param *p = many_floats(45);
  es_space space = {p, 45};
  char note[128] = "stale";
  es_sampler *s = es_sampler_alloc(&es_sampler_sobol, &space, 1, note, sizeof note);
  assert_non_null(s);
  assert_string_equal(note, "sobol: 45 parameters exceed sobol's 40 dimensions; using halton");
  /* Every dimension varies (GSL's sobol would give zeros past 40, mapped
   * to one constant value). */
  double pts[20][45];
  for (int i = 0; i < 20; i++) {
    assert_int_equal(es_sampler_next(s, pts[i]), 0);
    assert_in_space(&space, pts[i]);
  }
  for (int d = 0; d < 45; d++) {
    int distinct = 0;
    for (int i = 1; i < 20; i++) distinct += pts[i][d] != pts[0][d];
    if (distinct < 15) fail_msg("dimension %d barely varies", d);
  }
  es_sampler_free(s);

  /* 40 dimensions are sobol's own: no note. */
  es_space forty = {p, 40};
  strcpy(note, "stale");
  s = es_sampler_alloc(&es_sampler_sobol, &forty, 1, note, sizeof note);
  assert_non_null(s);
  assert_string_equal(note, "");
  es_sampler_free(s);
  free(p);
}

static void test_sobol_check_refuses_beyond_halton(void **state) {
  (void)state;
  es_param *p = many_floats(1230);
  es_space space = {p, 1230};
  char err[200];
  assert_int_equal(es_sampler_check(&es_sampler_sobol, &space, err, sizeof err), -EINVAL);
  assert_non_null(strstr(err, "1229"));
  assert_null(es_sampler_alloc(&es_sampler_sobol, &space, 1, NULL, 0));
  space.n = 1229;
  assert_int_equal(es_sampler_check(&es_sampler_sobol, &space, err, sizeof err), 0);
  assert_int_equal(es_sampler_check(&es_sampler_random, &space, err, sizeof err), 0);
  free(p);
}

static void test_grid_enumerates_product_once(void **state) {
  (void)state;
  es_scalar ab[2] = {{ES_SCALAR_STRING, 0, "a"}, {ES_SCALAR_STRING, 0, "b"}};
  es_param params[3] = {
      {"n", ES_PARAM_INT, 1, 3, 0, 0, NULL, 0},
      {"c", ES_PARAM_CATEGORICAL, 0, 0, 0, 0, ab, 2},
      {"x", ES_PARAM_FLOAT, 0, 1, 0, 3, NULL, 0},
  };
  es_space space = {params, 3};
  char err[200];
  assert_int_equal(es_sampler_check(&es_sampler_grid, &space, err, sizeof err), 0);
  es_sampler *s = es_sampler_alloc(&es_sampler_grid, &space, 1, NULL, 0);
  assert_non_null(s);
  assert_int_equal(es_sampler_size(s), 18);
  int seen[3][2][3] = {{{0}}};
  double pts[18][3];
  for (int i = 0; i < 18; i++) {
    assert_int_equal(es_sampler_next(s, pts[i]), 0);
    assert_in_space(&space, pts[i]);
    int xi = (int)(pts[i][2] * 2 + 0.5);
    assert_double_near(pts[i][2], xi / 2.0, 0);
    seen[(int)pts[i][0] - 1][(int)pts[i][1]][xi]++;
  }
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 2; b++)
      for (int c = 0; c < 3; c++) assert_int_equal(seen[a][b][c], 1);
  /* Fixed order, last parameter fastest. */
  double want_first[4][3] = {{1, 0, 0}, {1, 0, 0.5}, {1, 0, 1}, {1, 1, 0}};
  for (int i = 0; i < 4; i++) assert_memory_equal(pts[i], want_first[i], sizeof pts[i]);
  double want_last[3] = {3, 1, 1};
  assert_memory_equal(pts[17], want_last, sizeof want_last);
  double x[3];
  assert_int_equal(es_sampler_next(s, x), ES_SAMPLER_EXHAUSTED);
  assert_int_equal(es_sampler_next(s, x), ES_SAMPLER_EXHAUSTED);
  assert_int_equal(s->drawn, 18);
  es_sampler_free(s);

  /* The seed does not change a grid. */
  double other[18 * 3];
  draw(&es_sampler_grid, &space, 99, 18, other);
  assert_memory_equal(other, pts, sizeof other);
}

static void test_grid_log_float_steps(void **state) {
  (void)state;
  es_param p = {"lr", ES_PARAM_FLOAT, 1e-4, 1, 1, 5, NULL, 0};
  es_space space = {&p, 1};
  double x[5];
  draw(&es_sampler_grid, &space, 1, 5, x);
  double want[5] = {1e-4, 1e-3, 1e-2, 1e-1, 1};
  for (int i = 0; i < 5; i++) assert_double_near(x[i], want[i], want[i] * 1e-12);
  assert_true(x[0] == 1e-4 && x[4] == 1.0);
}

static void test_grid_check_errors(void **state) {
  (void)state;
  es_param params[2] = {
      {"layers", ES_PARAM_INT, 1, 4, 0, 0, NULL, 0},
      {"lr", ES_PARAM_FLOAT, 1e-4, 1, 1, 0, NULL, 0},
  };
  es_space space = {params, 2};
  char err[200] = "";
  assert_int_equal(es_sampler_check(&es_sampler_grid, &space, err, sizeof err), -EINVAL);
  assert_string_equal(err, "parameters.lr: the grid sampler needs \"steps\" for a float parameter");
  assert_null(es_sampler_alloc(&es_sampler_grid, &space, 1, NULL, 0));
  /* Other samplers do not need steps. */
  assert_int_equal(es_sampler_check(&es_sampler_random, &space, err, sizeof err), 0);
  assert_string_equal(err, "");
  assert_int_equal(es_sampler_check(&es_sampler_sobol, &space, err, sizeof err), 0);

  /* 10^5 * 10^5 points is past the cap. */
  es_param big[2] = {
      {"a", ES_PARAM_INT, 1, 100000, 0, 0, NULL, 0},
      {"b", ES_PARAM_INT, 1, 100000, 0, 0, NULL, 0},
  };
  es_space huge = {big, 2};
  assert_int_equal(es_sampler_check(&es_sampler_grid, &huge, err, sizeof err), -EINVAL);
  assert_non_null(strstr(err, "grid"));
  assert_non_null(strstr(err, "1e+10"));
  huge.n = 1; /* 10^5 alone is fine */
  assert_int_equal(es_sampler_check(&es_sampler_grid, &huge, err, sizeof err), 0);

  assert_int_equal(es_sampler_check(NULL, &space, err, sizeof err), -EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lookup_and_names),
      cmocka_unit_test(test_random_within_bounds),
      cmocka_unit_test(test_sobol_within_bounds),
      cmocka_unit_test(test_random_seeds),
      cmocka_unit_test(test_sobol_seeds),
      cmocka_unit_test(test_resume_replays_the_sequence),
      cmocka_unit_test(test_sobol_spreads_evenly),
      cmocka_unit_test(test_sobol_falls_back_to_halton_past_40),
      cmocka_unit_test(test_sobol_check_refuses_beyond_halton),
      cmocka_unit_test(test_grid_enumerates_product_once),
      cmocka_unit_test(test_grid_log_float_steps),
      cmocka_unit_test(test_grid_check_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
