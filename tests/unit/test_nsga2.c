/*
 * test_nsga2.c - unit tests of the "nsga2" sampler: sobol warm-up of one
 * population (and sobol until two trials have results), population size,
 * offspring within bounds and of the right type, determinism, tell()
 * replacing a result only from an equal or higher level and copying the
 * point, tell()'s -EINVAL cases, selection pressure on a toy two-objective
 * problem, and crossover/mutation in log space.
 *
 * Not covered here: the registry line (test_samplers.c once nsga2 is in
 * es_sampler_types), the unit -> value mapping (test_space.c), ranking and
 * crowding themselves (test_pareto.c), and resume of a learning sampler.
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
#include <gsl/gsl_rng.h>

#include "strategies/sampler.h"

/* Declared here until sampler.h lists it (a repeated extern is harmless). */
extern const es_sampler_type es_sampler_nsga2;

static es_scalar colours[3] = {
    {ES_SCALAR_STRING, 0, "red"}, {ES_SCALAR_STRING, 0, "green"}, {ES_SCALAR_STRING, 0, "blue"}};
static es_scalar only[1] = {{ES_SCALAR_STRING, 0, "only"}};

/* Every kind of gene, with the degenerate cases (one int value, one category). */
static es_param every_params[8] = {
    {"dropout", ES_PARAM_FLOAT, 0.0, 0.5, 0, 0, NULL, 0},
    {"lr", ES_PARAM_FLOAT, 1e-5, 1.0, 1, 0, NULL, 0},
    {"layers", ES_PARAM_INT, 1, 4, 0, 0, NULL, 0},
    {"width", ES_PARAM_INT, 8, 512, 1, 0, NULL, 0},
    {"colour", ES_PARAM_CATEGORICAL, 0, 0, 0, 0, colours, 3},
    {"fixed", ES_PARAM_INT, 3, 3, 0, 0, NULL, 0},
    {"single", ES_PARAM_CATEGORICAL, 0, 0, 0, 0, only, 1},
    {"shift", ES_PARAM_FLOAT, -2.0, 3.0, 0, 0, NULL, 0},
};
static const es_space every = {every_params, 8}; /* P = 32 */

static es_param xy_params[2] = {
    {"x", ES_PARAM_FLOAT, 0.0, 1.0, 0, 0, NULL, 0},
    {"y", ES_PARAM_FLOAT, 0.0, 1.0, 0, 0, NULL, 0},
};
static const es_space xy = {xy_params, 2}; /* P = 8 */

static es_param lr_params[2] = {
    {"lr", ES_PARAM_FLOAT, 1e-5, 1.0, 1, 0, NULL, 0},
    {"y", ES_PARAM_FLOAT, 0.0, 1.0, 0, 0, NULL, 0},
};
static const es_space lr_space = {lr_params, 2}; /* P = 8 */

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

static es_sampler *make(const es_space *space, unsigned long seed) {
  char note[128];
  es_sampler *s = es_sampler_alloc(&es_sampler_nsga2, space, seed, note, sizeof note);
  assert_non_null(s);
  return s;
}

/* The toy problem of the selection test: f1 = x, f2 = (1-x)^2 + y. */
static void toy_objectives(const double *x, double *obj) {
  obj[0] = x[0];
  obj[1] = (1.0 - x[0]) * (1.0 - x[0]) + x[1];
}

/* Objectives for any space: two conflicting sums of the point's numbers. */
static void mixed_objectives(const es_space *space, const double *x, double *obj) {
  obj[0] = 0.0;
  obj[1] = 0.0;
  for (size_t i = 0; i < space->n; i++) {
    obj[0] += (double)(i + 1) * x[i];
    obj[1] -= (double)(i % 3) * x[i];
  }
}

static void test_type_basics(void **state) {
  (void)state;
  assert_string_equal(es_sampler_nsga2.name, "nsga2");
  assert_non_null(es_sampler_nsga2.tell);
  es_sampler *s = make(&every, 1);
  assert_int_equal(es_sampler_size(s), 0); /* unbounded */
  es_sampler_free(s);
}

/* The first P points are sobol's first P for the same seed, whatever is told meanwhile. */
static void test_warmup_is_sobol(void **state) {
  (void)state;
  enum { P = 32, N = 8 };
  double a[N], b[N], obj[2];
  es_sampler *ns = make(&every, 11);
  es_sampler *sb = es_sampler_alloc(&es_sampler_sobol, &every, 11, NULL, 0);
  assert_non_null(sb);
  for (long i = 0; i < P; i++) {
    assert_int_equal(es_sampler_next(ns, a), 0);
    assert_int_equal(es_sampler_next(sb, b), 0);
    assert_memory_equal(a, b, sizeof a);
    mixed_objectives(&every, a, obj);
    assert_int_equal(es_sampler_tell(ns, i, a, obj, 2, 1.0), 0);
  }
  /* Past the warm-up with results told: offspring, no longer sobol. */
  int differ = 0;
  for (int i = 0; i < 4; i++) {
    assert_int_equal(es_sampler_next(ns, a), 0);
    assert_int_equal(es_sampler_next(sb, b), 0);
    differ += memcmp(a, b, sizeof a) != 0;
  }
  assert_int_equal(differ, 4);
  es_sampler_free(ns);
  es_sampler_free(sb);
}

/* P = max(8, 4n): 8 for one and two parameters, 12 for three. */
static void check_population(const es_space *space, size_t pop) {
  double a[8], b[8], obj[2];
  size_t n = space->n;
  es_sampler *ns = make(space, 5);
  es_sampler *sb = es_sampler_alloc(&es_sampler_sobol, space, 5, NULL, 0);
  assert_non_null(sb);
  for (size_t i = 0; i < pop; i++) {
    assert_int_equal(es_sampler_next(ns, a), 0);
    assert_int_equal(es_sampler_next(sb, b), 0);
    assert_memory_equal(a, b, n * sizeof *a);
    obj[0] = a[0];
    obj[1] = 1.0 - a[0];
    assert_int_equal(es_sampler_tell(ns, (long)i, a, obj, 2, 0.0), 0);
  }
  assert_int_equal(es_sampler_next(ns, a), 0);
  assert_int_equal(es_sampler_next(sb, b), 0);
  assert_true(memcmp(a, b, n * sizeof *a) != 0);
  es_sampler_free(ns);
  es_sampler_free(sb);
}

static void test_population_size(void **state) {
  (void)state;
  es_param three_params[3] = {xy_params[0], xy_params[1], {"z", ES_PARAM_FLOAT, 0, 1, 0, 0, NULL, 0}};
  const es_space one = {xy_params, 1}, three = {three_params, 3};
  check_population(&one, 8);
  check_population(&xy, 8);
  check_population(&three, 12);
}

/* With fewer than two results there is nothing to breed: sobol goes on. */
static void test_sobol_until_two_results(void **state) {
  (void)state;
  double a[2], b[2], obj[2] = {0.5, 0.5};
  es_sampler *ns = make(&xy, 3);
  es_sampler *sb = es_sampler_alloc(&es_sampler_sobol, &xy, 3, NULL, 0);
  assert_non_null(sb);
  for (int i = 0; i < 20; i++) {
    assert_int_equal(es_sampler_next(ns, a), 0);
    assert_int_equal(es_sampler_next(sb, b), 0);
    assert_memory_equal(a, b, sizeof a);
    if (i == 9) assert_int_equal(es_sampler_tell(ns, 1, a, obj, 2, 0.0), 0);
    /* The same trial again at a higher level is still one trial. */
    if (i == 14) assert_int_equal(es_sampler_tell(ns, 1, a, obj, 2, 2.0), 0);
  }
  assert_int_equal(es_sampler_tell(ns, 2, a, obj, 2, 0.0), 0);
  assert_int_equal(es_sampler_next(ns, a), 0);
  assert_int_equal(es_sampler_next(sb, b), 0);
  assert_true(memcmp(a, b, sizeof a) != 0);
  es_sampler_free(ns);
  es_sampler_free(sb);
}

/* Thousands of offspring (results told in batches, objectives random so
 * that the population stays diverse): all within bounds, of the right
 * type, and every category and int end value still reachable. */
static void test_offspring_bounds_and_types(void **state) {
  (void)state;
  enum { N = 8, DRAWS = 6000, BATCH = 16 };
  double x[BATCH][N], obj[2];
  gsl_rng *noise = gsl_rng_alloc(gsl_rng_mt19937);
  assert_non_null(noise);
  gsl_rng_set(noise, 99);
  es_sampler *s = make(&every, 42);
  int colour_seen[3] = {0}, layers_seen[5] = {0};
  long id = 0;
  for (int d = 0; d < DRAWS; d += BATCH) {
    for (int b = 0; b < BATCH; b++) {
      assert_int_equal(es_sampler_next(s, x[b]), 0);
      assert_in_space(&every, x[b]);
      if (d >= 64) {
        colour_seen[(int)x[b][4]]++;
        layers_seen[(int)x[b][2]]++;
      }
    }
    for (int b = 0; b < BATCH; b++) {
      obj[0] = gsl_rng_uniform(noise);
      obj[1] = gsl_rng_uniform(noise);
      assert_int_equal(es_sampler_tell(s, id++, x[b], obj, 2, (double)(b % 3)), 0);
    }
  }
  for (int c = 0; c < 3; c++) assert_true(colour_seen[c] > 0);
  for (int v = 1; v <= 4; v++) assert_true(layers_seen[v] > 0);
  es_sampler_free(s);
  gsl_rng_free(noise);
}

/* Told results that lie outside the space (a changed spec, a bad caller)
 * still breed children inside it. */
static void test_offspring_of_outside_points(void **state) {
  (void)state;
  double x[8], obj[2];
  es_sampler *s = make(&every, 8);
  for (int i = 0; i < 32; i++) assert_int_equal(es_sampler_next(s, x), 0);
  double wild[2][8] = {{-1, 1e-9, 0, 9999, -3, 7, 5, -100}, {2, 50, 77, 1, 17.5, -2, -1, 100}};
  obj[0] = 0;
  obj[1] = 1;
  assert_int_equal(es_sampler_tell(s, 1, wild[0], obj, 2, 0), 0);
  obj[0] = 1;
  obj[1] = 0;
  assert_int_equal(es_sampler_tell(s, 2, wild[1], obj, 2, 0), 0);
  for (int i = 0; i < 500; i++) {
    assert_int_equal(es_sampler_next(s, x), 0);
    assert_in_space(&every, x);
  }
  es_sampler_free(s);
}

/* Runs a sweep of rounds batches on space, objectives from the points. */
static void run_sweep(const es_space *space, unsigned long seed, int rounds, double *out) {
  double obj[2];
  size_t n = space->n;
  es_sampler *s = make(space, seed);
  long id = 0;
  for (int r = 0; r < rounds; r++) {
    for (int b = 0; b < 10; b++) assert_int_equal(es_sampler_next(s, out + (size_t)(r * 10 + b) * n), 0);
    for (int b = 0; b < 10; b++) {
      const double *x = out + (size_t)(r * 10 + b) * n;
      mixed_objectives(space, x, obj);
      assert_int_equal(es_sampler_tell(s, id++, x, obj, 2, (double)(b % 2)), 0);
      if (b % 4 == 0) { /* some trials also report a higher rung */
        obj[0] += 0.25;
        assert_int_equal(es_sampler_tell(s, id - 1, x, obj, 2, 5.0), 0);
      }
    }
  }
  es_sampler_free(s);
}

static void test_determinism(void **state) {
  (void)state;
  enum { ROUNDS = 30, N = 8 };
  static double a[ROUNDS * 10 * N], b[ROUNDS * 10 * N], c[ROUNDS * 10 * N];
  run_sweep(&every, 2024, ROUNDS, a);
  run_sweep(&every, 2024, ROUNDS, b);
  run_sweep(&every, 2025, ROUNDS, c);
  assert_memory_equal(a, b, sizeof a);
  /* Another seed: different warm-up and different offspring. */
  size_t same = 0;
  for (size_t i = 0; i < ROUNDS * 10; i++) same += memcmp(a + i * N, c + i * N, N * sizeof *a) == 0;
  assert_int_equal(same, 0);
}

/* Fraction of count children (x only) drawn from s that have x < 0.5. */
static double share_low_x(es_sampler *s, int count) {
  double x[2];
  int low = 0;
  for (int i = 0; i < count; i++) {
    assert_int_equal(es_sampler_next(s, x), 0);
    low += x[0] < 0.5;
  }
  return (double)low / count;
}

/* Two trials, A at x = 0.1 and B at x = 0.9: the one that dominates wins
 * every tournament, so nearly all children sit near it. Which one that is
 * shows which result the sampler holds for A. */
static void test_tell_replaces_by_level(void **state) {
  (void)state;
  double x[2], good[2] = {0, 0}, mid[2] = {1, 1}, bad[2] = {2, 2};
  es_sampler *s = make(&xy, 17);
  for (int i = 0; i < 8; i++) assert_int_equal(es_sampler_next(s, x), 0);
  double a[2] = {0.1, 0.5}, b[2] = {0.9, 0.5};
  assert_int_equal(es_sampler_tell(s, 1, a, good, 2, 1.0), 0);
  assert_int_equal(es_sampler_tell(s, 2, b, mid, 2, 1.0), 0);
  a[0] = 0.95; /* the sampler keeps its own copy of the point */
  assert_true(share_low_x(s, 200) > 0.9);

  /* A higher rung replaces A's result: now B dominates. */
  assert_int_equal(es_sampler_tell(s, 1, a, bad, 2, 3.0), 0);
  share_low_x(s, 1); /* the child kept from the last crossover */
  assert_true(share_low_x(s, 200) < 0.1);

  /* A lower rung is ignored. */
  assert_int_equal(es_sampler_tell(s, 1, a, good, 2, 2.0), 0);
  share_low_x(s, 1);
  assert_true(share_low_x(s, 200) < 0.1);

  /* The same rung replaces (and the point is taken anew: A is at 0.95 now). */
  assert_int_equal(es_sampler_tell(s, 1, a, good, 2, 3.0), 0);
  share_low_x(s, 1);
  assert_true(share_low_x(s, 200) < 0.1);
  a[0] = 0.1;
  assert_int_equal(es_sampler_tell(s, 1, a, good, 2, 3.0), 0);
  share_low_x(s, 1);
  assert_true(share_low_x(s, 200) > 0.9);
  es_sampler_free(s);
}

static void test_tell_rejects(void **state) {
  (void)state;
  double x[2] = {0.5, 0.5}, obj3[3] = {1, 2, 3};
  es_sampler *s = make(&xy, 1);
  double nan_obj[2] = {NAN, 1}, inf_obj[2] = {1, -INFINITY}, bad_x[2] = {0.5, INFINITY};
  assert_int_equal(es_sampler_tell(s, 1, x, nan_obj, 2, 0), -EINVAL);
  assert_int_equal(es_sampler_tell(s, 1, x, inf_obj, 2, 0), -EINVAL);
  assert_int_equal(es_sampler_tell(s, 1, bad_x, obj3, 2, 0), -EINVAL);
  assert_int_equal(es_sampler_tell(s, 1, x, obj3, 2, NAN), -EINVAL);
  assert_int_equal(es_sampler_tell(s, 1, x, obj3, 0, 0), -EINVAL);
  assert_int_equal(es_sampler_tell(s, 1, x, NULL, 2, 0), -EINVAL);
  assert_int_equal(es_sampler_tell(s, 1, NULL, obj3, 2, 0), -EINVAL);
  /* Nothing rejected fixed k: the first accepted tell does. */
  assert_int_equal(es_sampler_tell(s, 1, x, obj3, 3, 0), 0);
  assert_int_equal(es_sampler_tell(s, 2, x, obj3, 2, 0), -EINVAL);
  assert_int_equal(es_sampler_tell(s, 1, x, obj3, 2, 9), -EINVAL);
  assert_int_equal(es_sampler_tell(s, 2, x, obj3, 3, 0), 0);
  /* A rejected replacement leaves the stored result alone (still usable). */
  double nan3[3] = {0, NAN, 0};
  assert_int_equal(es_sampler_tell(s, 2, x, nan3, 3, 5), -EINVAL);
  for (int i = 0; i < 50; i++) {
    assert_int_equal(es_sampler_next(s, x), 0);
    assert_in_space(&xy, x);
  }
  es_sampler_free(s);
}

/* Toy problem f1 = x, f2 = (1-x)^2 + y: the Pareto set is y = 0 for every
 * x. After 20 generations of 8 new proposals have far smaller y than
 * random (or sobol) proposals, whose mean is about 0.5 (over 30 seeds the
 * nsga2 mean was at most 0.034; after 12 generations at most 0.27). */
static void test_selection_pressure(void **state) {
  (void)state;
  enum { GENERATIONS = 20, P = 8, PROBE = 400 };
  double x[P][2], obj[2];
  for (unsigned long seed = 1; seed <= 5; seed++) {
    es_sampler *s = make(&xy, seed);
    long id = 0;
    for (int g = 0; g < GENERATIONS; g++) {
      for (int b = 0; b < P; b++) assert_int_equal(es_sampler_next(s, x[b]), 0);
      for (int b = 0; b < P; b++) {
        toy_objectives(x[b], obj);
        assert_int_equal(es_sampler_tell(s, id++, x[b], obj, 2, 1.0), 0);
      }
    }
    es_sampler *r = es_sampler_alloc(&es_sampler_random, &xy, seed, NULL, 0);
    assert_non_null(r);
    double nsga_y = 0, random_y = 0, nsga_x_lo = 1, nsga_x_hi = 0;
    for (int i = 0; i < PROBE; i++) {
      assert_int_equal(es_sampler_next(s, x[0]), 0);
      nsga_y += x[0][1] / PROBE;
      if (x[0][0] < nsga_x_lo) nsga_x_lo = x[0][0];
      if (x[0][0] > nsga_x_hi) nsga_x_hi = x[0][0];
      assert_int_equal(es_sampler_next(r, x[1]), 0);
      random_y += x[1][1] / PROBE;
    }
    if (!(nsga_y < random_y - 0.3 && nsga_y < 0.15))
      fail_msg("seed %lu: mean y %.3f (random %.3f)", seed, nsga_y, random_y);
    /* Pressure toward y = 0 did not collapse the spread along the front. */
    if (!(nsga_x_hi - nsga_x_lo > 0.3))
      fail_msg("seed %lu: x only spans [%.3f, %.3f]", seed, nsga_x_lo, nsga_x_hi);
    es_sampler_free(s);
    es_sampler_free(r);
  }
}

/* Parents at lr = 1e-4 and 1e-2 on a log scale 1e-5..1: children stay
 * within about a decade of the parents, around each of them, rather than
 * near their linear midpoint (~5e-3) or piled on the lower bound (where
 * a linear-space operator sends most children of 1e-4). */
static void test_log_space_variation(void **state) {
  (void)state;
  enum { CHILDREN = 4000 };
  double x[2];
  int inside = 0, near_lo = 0, near_hi = 0, on_bound = 0, near_mid = 0;
  es_sampler *s = make(&lr_space, 31);
  for (int i = 0; i < 8; i++) assert_int_equal(es_sampler_next(s, x), 0);
  double a[2] = {1e-4, 0.5}, b[2] = {1e-2, 0.5}, oa[2] = {0, 1}, ob[2] = {1, 0};
  assert_int_equal(es_sampler_tell(s, 1, a, oa, 2, 0), 0);
  assert_int_equal(es_sampler_tell(s, 2, b, ob, 2, 0), 0);
  for (int i = 0; i < CHILDREN; i++) {
    assert_int_equal(es_sampler_next(s, x), 0);
    assert_in_space(&lr_space, x);
    double lr = x[0];
    inside += lr >= 1e-5 && lr <= 1e-1;
    near_lo += lr >= 1e-4 / 3 && lr <= 3e-4;
    near_hi += lr >= 1e-2 / 3 && lr <= 3e-2;
    on_bound += lr <= 2e-5;
    near_mid += lr >= 4e-3 && lr <= 6e-3;
  }
  if (!(inside > CHILDREN * 9 / 10 && near_lo > CHILDREN / 4 && near_hi > CHILDREN / 4 &&
        on_bound < CHILDREN / 20 && near_mid < CHILDREN / 10))
    fail_msg("inside %d, near 1e-4 %d, near 1e-2 %d, at the bound %d, near 5e-3 %d of %d", inside, near_lo,
             near_hi, on_bound, near_mid, CHILDREN);
  es_sampler_free(s);
}

/* A space beyond sobol's 40 dimensions warms up with halton, and says so. */
static void test_warmup_note_passes_through(void **state) {
  (void)state;
  enum { N = 45 };
  es_param params[N];
  for (size_t i = 0; i < N; i++) params[i] = (es_param){"p", ES_PARAM_FLOAT, 0, 1, 0, 0, NULL, 0};
  const es_space big = {params, N};
  char note[128] = "";
  es_sampler *s = es_sampler_alloc(&es_sampler_nsga2, &big, 1, note, sizeof note);
  assert_non_null(s);
  assert_non_null(strstr(note, "halton"));
  double x[N];
  assert_int_equal(es_sampler_next(s, x), 0);
  assert_in_space(&big, x);
  es_sampler_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_type_basics),
      cmocka_unit_test(test_warmup_is_sobol),
      cmocka_unit_test(test_population_size),
      cmocka_unit_test(test_sobol_until_two_results),
      cmocka_unit_test(test_offspring_bounds_and_types),
      cmocka_unit_test(test_offspring_of_outside_points),
      cmocka_unit_test(test_determinism),
      cmocka_unit_test(test_tell_replaces_by_level),
      cmocka_unit_test(test_tell_rejects),
      cmocka_unit_test(test_selection_pressure),
      cmocka_unit_test(test_log_space_variation),
      cmocka_unit_test(test_warmup_note_passes_through),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
