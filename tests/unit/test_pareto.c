/*
 * test_pareto.c - unit tests of strategies/pareto.c on hand-made sets
 * (ties, duplicates, mixed max/min goals) and on random sets checked
 * against independent brute-force computations written here.
 *
 * Not covered here: how the selection layer uses ranks and distances.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_rng.h>

#include "strategies/pareto.h"

#define assert_double_near(a, b, tol)                                                              \
  do {                                                                                             \
    double a_ = (a), b_ = (b);                                                                     \
    if (!(fabs(a_ - b_) <= (tol))) fail_msg("%s = %.17g, expected %.17g", #a, a_, b_);            \
  } while (0)

static void assert_front(const double *obj, size_t n, size_t k, const size_t *want, size_t m) {
  size_t out[64];
  assert_true(n <= 64);
  size_t got = es_pareto_front(obj, n, k, out);
  if (got != m) fail_msg("front has %zu points, expected %zu", got, m);
  for (size_t i = 0; i < m; i++)
    if (out[i] != want[i]) fail_msg("front[%zu] = %zu, expected %zu", i, out[i], want[i]);
}

static void test_dominates(void **state) {
  (void)state;
  double a[3] = {1, 2, 3}, b[3] = {1, 2, 4}, c[3] = {0, 5, 3};
  assert_true(es_dominates(a, b, 3));
  assert_false(es_dominates(b, a, 3));
  assert_false(es_dominates(a, a, 3)); /* equal points do not dominate */
  assert_false(es_dominates(a, c, 3)); /* incomparable */
  assert_false(es_dominates(c, a, 3));
  assert_true(es_dominates(a, b, 3) && !es_dominates(a, b, 2)); /* only the last objective differs */
}

static void test_orient_negates_max_goals(void **state) {
  (void)state;
  double in[4] = {0.9, 100, 0.8, 50};
  int maximize[2] = {1, 0};
  double out[4];
  es_pareto_orient(in, 2, 2, maximize, out);
  double want[4] = {-0.9, 100, -0.8, 50};
  assert_memory_equal(out, want, sizeof want);
  es_pareto_orient(in, 2, 2, NULL, out); /* no goals given: copy */
  assert_memory_equal(out, in, sizeof in);
}

static void test_front_2d_ties_and_duplicates(void **state) {
  (void)state;
  double obj[] = {
      1, 5, /* 0 front */
      2, 3, /* 1 front */
      3, 4, /* 2 dominated by 1 */
      4, 1, /* 3 front */
      2, 3, /* 4 duplicate of 1: front too */
      1, 6, /* 5 same first objective as 0, worse second: dominated */
      5, 1, /* 6 same second objective as 3, worse first: dominated */
      9, 0, /* 7 front */
      9, 0, /* 8 duplicate of 7 */
      9, 2, /* 9 dominated by 7 */
  };
  size_t want[] = {0, 1, 3, 4, 7, 8};
  assert_front(obj, 10, 2, want, 6);
  /* The general path agrees (k = 3 with a constant third objective). */
  double obj3[30];
  for (size_t i = 0; i < 10; i++) {
    obj3[3 * i] = obj[2 * i];
    obj3[3 * i + 1] = obj[2 * i + 1];
    obj3[3 * i + 2] = 7;
  }
  assert_front(obj3, 10, 3, want, 6);
}

static void test_front_2d_all_identical_and_single(void **state) {
  (void)state;
  double same[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  size_t all[4] = {0, 1, 2, 3};
  assert_front(same, 4, 2, all, 4);
  double one[2] = {3, 3};
  assert_front(one, 1, 2, all, 1);
  size_t out[1];
  assert_int_equal(es_pareto_front(NULL, 0, 2, out), 0);
}

static void test_front_3d_hand_made(void **state) {
  (void)state;
  double obj[] = {
      1, 2, 3, /* 0 front */
      2, 1, 3, /* 1 front */
      1, 2, 4, /* 2 dominated by 0 (ties in two objectives) */
      3, 3, 0, /* 3 front */
      1, 2, 3, /* 4 duplicate of 0 */
      2, 2, 3, /* 5 dominated by 0 and 1 */
      0, 9, 9, /* 6 front: best first objective */
      3, 3, 1, /* 7 dominated by 3 */
  };
  size_t want[] = {0, 1, 3, 4, 6};
  assert_front(obj, 8, 3, want, 5);
}

static void test_front_mixed_goals(void **state) {
  (void)state;
  /* accuracy (max), energy_j (min) */
  double raw[] = {
      0.90, 500, /* 0 front: most accurate */
      0.85, 200, /* 1 front */
      0.85, 300, /* 2 dominated by 1 */
      0.70, 100, /* 3 front: cheapest */
      0.60, 100, /* 4 dominated by 3 */
      0.90, 600, /* 5 dominated by 0 */
  };
  int maximize[2] = {1, 0};
  double obj[12];
  es_pareto_orient(raw, 6, 2, maximize, obj);
  size_t want[] = {0, 1, 3};
  assert_front(obj, 6, 2, want, 3);
  /* Without orienting, "max" would be read as "min": a different front. */
  size_t wrong[] = {4};
  assert_front(raw, 6, 2, wrong, 1);
}

/* The definition, independent of the code under test. */
static size_t brute_front(const double *obj, size_t n, size_t k, size_t *out) {
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    int dominated = 0;
    for (size_t j = 0; j < n && !dominated; j++) {
      int no_worse = 1, better = 0;
      for (size_t d = 0; d < k; d++) {
        if (obj[j * k + d] > obj[i * k + d]) no_worse = 0;
        if (obj[j * k + d] < obj[i * k + d]) better = 1;
      }
      dominated = no_worse && better;
    }
    if (!dominated) out[m++] = i;
  }
  return m;
}

static void test_front_random_against_definition(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 2024);
  for (int trial = 0; trial < 500; trial++) {
    size_t n = 1 + gsl_rng_uniform_int(r, 60);
    size_t k = 2 + (size_t)(trial % 3);
    double obj[60 * 4];
    /* Small integers make ties and duplicates common. */
    unsigned long span = trial % 2 ? 5 : 1000;
    for (size_t i = 0; i < n * k; i++) obj[i] = (double)gsl_rng_uniform_int(r, span);
    size_t got[60], want[60];
    size_t m = es_pareto_front(obj, n, k, got);
    size_t mw = brute_front(obj, n, k, want);
    assert_int_equal(m, mw);
    assert_memory_equal(got, want, m * sizeof *got);
  }
  gsl_rng_free(r);
}

static void test_rank_hand_made(void **state) {
  (void)state;
  double obj[] = {
      1, 4, /* 0 rank 0 */
      2, 2, /* 1 rank 0 */
      4, 1, /* 2 rank 0 */
      2, 4, /* 3 rank 1 (0) */
      3, 3, /* 4 rank 1 (1) */
      3, 3, /* 5 rank 1: duplicate of 4 */
      4, 4, /* 6 rank 2 (3, 4) */
      5, 5, /* 7 rank 3 */
      2, 2, /* 8 rank 0: duplicate of 1 */
  };
  int rank[9];
  assert_int_equal(es_pareto_rank(obj, 9, 2, rank), 0);
  int want[9] = {0, 0, 0, 1, 1, 1, 2, 3, 0};
  assert_memory_equal(rank, want, sizeof want);
  assert_int_equal(es_pareto_rank(NULL, 0, 2, rank), 0);
}

static void test_rank_random_properties(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 77);
  for (int trial = 0; trial < 200; trial++) {
    size_t n = 1 + gsl_rng_uniform_int(r, 50), k = 1 + (size_t)(trial % 4);
    double obj[50 * 4];
    for (size_t i = 0; i < n * k; i++) obj[i] = (double)gsl_rng_uniform_int(r, 6);
    int rank[50];
    assert_int_equal(es_pareto_rank(obj, n, k, rank), 0);
    for (size_t i = 0; i < n; i++) {
      assert_true(rank[i] >= 0);
      int dominated_by_previous = rank[i] == 0;
      for (size_t j = 0; j < n; j++) {
        int d = 1, b = 0; /* j dominates i, computed here */
        for (size_t c = 0; c < k; c++) {
          if (obj[j * k + c] > obj[i * k + c]) d = 0;
          if (obj[j * k + c] < obj[i * k + c]) b = 1;
        }
        if (d && b) {
          assert_true(rank[j] < rank[i]);
          if (rank[j] == rank[i] - 1) dominated_by_previous = 1;
        }
      }
      /* rank r > 0 means: dominated by someone of rank r - 1. */
      assert_true(dominated_by_previous);
    }
  }
  gsl_rng_free(r);
}

static void test_crowding_hand_computed(void **state) {
  (void)state;
  /* Rows 0, 1, 3, 5 are the front; rows 2 and 4 are noise not in idx. */
  double obj[] = {
      1, 6,  /* 0 */
      0, 10, /* 1 */
      99, 99, 10, 0, /* 3 */
      99, 99, 4, 2,  /* 5 */
  };
  size_t idx[4] = {3, 0, 5, 1};
  double dist[4];
  es_crowding_distance(obj, 2, idx, 4, dist);
  /* Objective 0, range 10: (0,10) (1,6) (4,2) (10,0): (1,6) gets 4/10,
   * (4,2) gets 9/10. Objective 1, range 10: (1,6) gets (10-2)/10,
   * (4,2) gets (6-0)/10. */
  assert_true(isinf(dist[0]) && dist[0] > 0); /* (10,0) */
  assert_double_near(dist[1], 0.4 + 0.8, 1e-15);
  assert_double_near(dist[2], 0.9 + 0.6, 1e-15);
  assert_true(isinf(dist[3]) && dist[3] > 0); /* (0,10) */
}

static void test_crowding_zero_range_and_small_fronts(void **state) {
  (void)state;
  /* The second objective is the same everywhere: it contributes 0. */
  double obj[] = {1, 5, 2, 5, 3, 5, 5, 5};
  size_t idx[4] = {0, 1, 2, 3};
  double dist[4];
  es_crowding_distance(obj, 2, idx, 4, dist);
  assert_true(isinf(dist[0]));
  assert_double_near(dist[1], (3.0 - 1.0) / 4.0, 1e-15);
  assert_double_near(dist[2], (5.0 - 2.0) / 4.0, 1e-15);
  assert_true(isinf(dist[3]));

  /* Every point identical: no objective says anything. */
  double same[6] = {2, 2, 2, 2, 2, 2};
  es_crowding_distance(same, 2, idx, 3, dist);
  for (int i = 0; i < 3; i++) assert_double_near(dist[i], 0.0, 0);

  /* One or two points are all boundary. */
  es_crowding_distance(obj, 2, idx, 2, dist);
  assert_true(isinf(dist[0]) && isinf(dist[1]));
  es_crowding_distance(obj, 2, idx, 1, dist);
  assert_true(isinf(dist[0]));
}

static void test_crowding_ties_follow_idx_order(void **state) {
  (void)state;
  /* Two copies of (1,1) between (0,3) and (3,0): the copy listed first in
   * idx sorts first in both objectives, whatever GSL's heapsort does. */
  double obj[] = {0, 3, 1, 1, 1, 1, 3, 0};
  size_t idx[4] = {0, 2, 1, 3};
  double dist[4];
  es_crowding_distance(obj, 2, idx, 4, dist);
  /* Objective 0, range 3: (0,3) a b (3,0): a gets (1-0)/3, b (3-1)/3.
   * Objective 1, range 3: (3,0) a b (0,3): a gets (1-0)/3, b (3-1)/3. */
  assert_true(isinf(dist[0]) && isinf(dist[3]));
  assert_double_near(dist[1], 2.0 / 3.0, 1e-15);
  assert_double_near(dist[2], 4.0 / 3.0, 1e-15);

  /* Five copies of (5,5) between (0,10) and (10,0): only the first and
   * last copies in idx order have a distinct neighbour. */
  double many[14] = {0, 10, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 10, 0};
  size_t idx7[7] = {0, 1, 2, 3, 4, 5, 6};
  double d7[7];
  es_crowding_distance(many, 2, idx7, 7, d7);
  double want[7] = {INFINITY, 1.0, 0, 0, 0, 1.0, INFINITY};
  for (int i = 0; i < 7; i++)
    if (!(d7[i] == want[i])) fail_msg("dist[%d] = %g, expected %g", i, d7[i], want[i]);
}

static void test_hypervolume_hand_computed(void **state) {
  (void)state;
  double ref[2] = {3, 3};
  double one[2] = {1, 1};
  assert_double_near(es_hypervolume_2d(one, 1, ref), 4.0, 0);
  double two[4] = {1, 2, 2, 1};
  assert_double_near(es_hypervolume_2d(two, 2, ref), 3.0, 0);
  /* Adding a duplicate, a dominated point, points on or past the
   * reference changes nothing. */
  double noisy[] = {2, 1, 1, 2, 2, 2, 1, 2, 0, 3, 3, 0, 4, -1, 2.5, 2.5};
  assert_double_near(es_hypervolume_2d(noisy, 8, ref), 3.0, 0);
  /* Same first objective: only the lower second counts. */
  double same0[] = {1, 2.5, 1, 1};
  assert_double_near(es_hypervolume_2d(same0, 2, ref), 4.0, 0);
  /* Staircase: (0,4) (1,2) (3,1) (4,0) with ref (5,5):
   * 5*1 + 4*2 + 2*1 + 1*1 = 16. */
  double stairs[] = {3, 1, 0, 4, 4, 0, 1, 2};
  double ref5[2] = {5, 5};
  assert_double_near(es_hypervolume_2d(stairs, 4, ref5), 16.0, 0);
  assert_double_near(es_hypervolume_2d(NULL, 0, ref), 0.0, 0);
  double outside[] = {3, 1, 5, 5};
  assert_double_near(es_hypervolume_2d(outside, 2, ref), 0.0, 0);
}

/* Integer points: count the unit cells of [min, ref) dominated by some
 * point -- the most literal definition there is. */
static double cell_count_volume(const double *obj, size_t n, const int *ref) {
  double volume = 0;
  for (int x = -10; x < ref[0]; x++)
    for (int y = -10; y < ref[1]; y++) {
      for (size_t i = 0; i < n; i++)
        if (obj[2 * i] <= x && obj[2 * i + 1] <= y) {
          volume += 1;
          break;
        }
    }
  return volume;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* O(n^2) slab method: between consecutive first-objective breakpoints the
 * covered height is ref1 - the best second value of points to the left. */
static double slab_volume(const double *obj, size_t n, const double *ref) {
  double xs[64];
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (obj[2 * i] < ref[0] && obj[2 * i + 1] < ref[1]) xs[m++] = obj[2 * i];
  xs[m++] = ref[0];
  qsort(xs, m, sizeof *xs, cmp_double);
  double volume = 0;
  for (size_t s = 0; s + 1 < m; s++) {
    double best = ref[1];
    for (size_t i = 0; i < n; i++)
      if (obj[2 * i] <= xs[s] && obj[2 * i + 1] < best) best = obj[2 * i + 1];
    volume += (xs[s + 1] - xs[s]) * (ref[1] - best);
  }
  return volume;
}

static void test_hypervolume_random_against_brute_force(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 31337);
  for (int trial = 0; trial < 100; trial++) {
    size_t n = 1 + gsl_rng_uniform_int(r, 30);
    double obj[60];
    /* Integer grid with many ties, some points past the reference. */
    int iref[2] = {8, 8};
    for (size_t i = 0; i < 2 * n; i++) obj[i] = (double)gsl_rng_uniform_int(r, 12) - 2;
    double dref[2] = {8, 8};
    assert_double_near(es_hypervolume_2d(obj, n, dref), cell_count_volume(obj, n, iref), 0);
    assert_double_near(es_hypervolume_2d(obj, n, dref), slab_volume(obj, n, dref), 1e-12);

    /* Real values. */
    double ref[2] = {gsl_rng_uniform(r) + 0.5, gsl_rng_uniform(r) + 0.5};
    for (size_t i = 0; i < 2 * n; i++) obj[i] = gsl_rng_uniform(r);
    if (trial % 4 == 0 && n > 1) memcpy(obj + 2, obj, 2 * sizeof *obj); /* a duplicate */
    double got = es_hypervolume_2d(obj, n, ref), want = slab_volume(obj, n, ref);
    assert_true(got >= 0);
    assert_double_near(got, want, 1e-12 * (1 + want));
  }
  gsl_rng_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dominates),
      cmocka_unit_test(test_orient_negates_max_goals),
      cmocka_unit_test(test_front_2d_ties_and_duplicates),
      cmocka_unit_test(test_front_2d_all_identical_and_single),
      cmocka_unit_test(test_front_3d_hand_made),
      cmocka_unit_test(test_front_mixed_goals),
      cmocka_unit_test(test_front_random_against_definition),
      cmocka_unit_test(test_rank_hand_made),
      cmocka_unit_test(test_rank_random_properties),
      cmocka_unit_test(test_crowding_hand_computed),
      cmocka_unit_test(test_crowding_zero_range_and_small_fronts),
      cmocka_unit_test(test_crowding_ties_follow_idx_order),
      cmocka_unit_test(test_hypervolume_hand_computed),
      cmocka_unit_test(test_hypervolume_random_against_brute_force),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
