/*
 * test_hypervolume.c - unit tests of strategies/hypervolume.c: hand-computed
 * volumes (single points, pairs, a 3-D set worked out by inclusion-exclusion,
 * duplicates, points on or past the reference), the exact 3-D sweep and the
 * exact WFG path against an independent grid-cell computation written here
 * on random sets with and without ties, invariance under reordering the
 * objectives on sets too large for the grid, and the Monte Carlo estimate
 * against the exact value (within 4 standard errors), its reproducibility
 * and the switch between the two at exact_limit.
 *
 * Not covered here: how the output layer picks the reference point, or
 * allocation failures (nothing here can make malloc fail on demand).
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

#include "strategies/hypervolume.h"
#include "strategies/pareto.h"

#define assert_double_near(a, b, tol)                                                              \
  do {                                                                                             \
    double a_ = (a), b_ = (b);                                                                     \
    if (!(fabs(a_ - b_) <= (tol))) fail_msg("%s = %.17g, expected %.17g", #a, a_, b_);             \
  } while (0)

#define MAX_K 6
#define MAX_POINTS 64

static int compare_double(const void *va, const void *vb) {
  double a = *(const double *)va, b = *(const double *)vb;
  return (a > b) - (a < b);
}

/* Independent check: cut the reference box along every coordinate of every
 * point inside it, and add up the cells whose lower corner some point
 * reaches. O(n^(k+1) k); fine for the small sets used here. */
static double grid_cell_volume(const double *obj, size_t n, size_t k, const double *ref) {
  double cuts[MAX_K][MAX_POINTS + 1];
  size_t ncuts[MAX_K], cell[MAX_K];
  const double *inside[MAX_POINTS];
  size_t m = 0;
  assert_true(k <= MAX_K && n <= MAX_POINTS);
  for (size_t i = 0; i < n; i++) {
    size_t j = 0;
    while (j < k && obj[i * k + j] < ref[j]) j++;
    if (j == k) inside[m++] = obj + i * k;
  }
  if (m == 0) return 0.0;
  for (size_t j = 0; j < k; j++) {
    for (size_t i = 0; i < m; i++) cuts[j][i] = inside[i][j];
    qsort(cuts[j], m, sizeof(double), compare_double);
    size_t u = 1;
    for (size_t i = 1; i < m; i++)
      if (cuts[j][i] != cuts[j][u - 1]) cuts[j][u++] = cuts[j][i];
    cuts[j][u] = ref[j];
    ncuts[j] = u; /* cells along j: [cuts[j][c], cuts[j][c+1]) for c < u */
    cell[j] = 0;
  }
  double volume = 0.0;
  for (;;) {
    int covered = 0;
    for (size_t i = 0; i < m && !covered; i++) {
      size_t j = 0;
      while (j < k && inside[i][j] <= cuts[j][cell[j]]) j++;
      covered = j == k;
    }
    if (covered) {
      double v = 1.0;
      for (size_t j = 0; j < k; j++) v *= cuts[j][cell[j] + 1] - cuts[j][cell[j]];
      volume += v;
    }
    size_t j = 0;
    while (j < k && ++cell[j] == ncuts[j]) cell[j++] = 0;
    if (j == k) break;
  }
  return volume;
}

/* Points on the positive part of the unit sphere, pushed outwards by up to
 * 10 %: mostly non-dominated, as real fronts are. */
static void sphere_points(gsl_rng *r, double *obj, size_t n, size_t k) {
  for (size_t i = 0; i < n; i++) {
    double norm = 0.0;
    for (size_t j = 0; j < k; j++) {
      double v = gsl_rng_uniform_pos(r);
      obj[i * k + j] = v;
      norm += v * v;
    }
    double scale = (1.0 + 0.1 * gsl_rng_uniform(r)) / sqrt(norm);
    for (size_t j = 0; j < k; j++) obj[i * k + j] *= scale;
  }
}

static double exact_hv(const double *obj, size_t n, size_t k, const double *ref) {
  double hv = -1.0, se = -1.0;
  assert_int_equal(es_hypervolume(obj, n, k, ref, SIZE_MAX, 1, &hv, &se), 0);
  assert_true(se == 0.0);
  return hv;
}

static void test_single_point_every_k(void **state) {
  (void)state;
  double p[MAX_K] = {1, 2, 3, 4, 5, 6}, ref[MAX_K] = {2, 4, 6, 8, 10, 12};
  double want = 1.0;
  for (size_t k = 1; k <= MAX_K; k++) {
    want *= ref[k - 1] - p[k - 1]; /* 1, 2, 6, 24, 120, 720 */
    double hv = -1.0, se = -1.0;
    assert_int_equal(es_hypervolume(p, 1, k, ref, ES_HV_EXACT_LIMIT, 1, &hv, &se), 0);
    assert_double_near(hv, want, 0);
    assert_true(se == 0.0);
  }
  double p3[3] = {0.5, 0.25, 0.125}, ref3[3] = {1, 1, 1};
  assert_double_near(es_hypervolume_3d(p3, 1, ref3), 0.5 * 0.75 * 0.875, 0);
}

static void test_one_objective(void **state) {
  (void)state;
  double obj[4] = {3, 1, 7, NAN}, ref = 5, hv = -1, se = -1;
  assert_int_equal(es_hypervolume(obj, 4, 1, &ref, 0, 1, &hv, &se), 0);
  assert_double_near(hv, 4, 0);
  assert_true(se == 0.0);
  double past[2] = {5, 9};
  assert_int_equal(es_hypervolume(past, 2, 1, &ref, 0, 1, &hv, &se), 0);
  assert_double_near(hv, 0, 0);
}

static void test_two_points_3d(void **state) {
  (void)state;
  /* Boxes 1 and 0.5 overlapping in [1,2]x[1.5,2]x[1.5,2] = 0.25. */
  double obj[6] = {1, 1, 1, 0, 1.5, 1.5}, ref[3] = {2, 2, 2};
  assert_double_near(es_hypervolume_3d(obj, 2, ref), 1.25, 1e-15);
  /* One dominating the other: only the larger box counts. */
  double nested[6] = {1, 1, 1, 0.5, 0.5, 0.5};
  assert_double_near(es_hypervolume_3d(nested, 2, ref), 3.375, 0);
  assert_double_near(es_hypervolume_3d(nested + 3, 1, ref), 3.375, 0);
}

static void test_hand_computed_3d_set(void **state) {
  (void)state;
  /* Boxes A 6, B 12, C 3; A∩B 4, A∩C 1, B∩C 2, A∩B∩C 1: 21 - 7 + 1 = 15. */
  double obj[] = {1, 2, 3, 2, 1, 2, 3, 3, 1};
  double ref[3] = {4, 4, 4};
  assert_double_near(es_hypervolume_3d(obj, 3, ref), 15, 0);
  assert_double_near(grid_cell_volume(obj, 3, 3, ref), 15, 0);

  /* Every point twice, in another order, plus points that add nothing: on
   * the reference in one objective, past it, NaN, and a dominated one. */
  double more[] = {
      3, 3,   1,   /* C, A, B, then the copies */
      1, 2,   3,   /**/
      2, 1,   2,   /**/
      1, 2,   3,   /**/
      3, 3,   1,   /**/
      2, 1,   2,   /**/
      0, 0,   4,   /* on the reference in z */
      5, 0,   0,   /* past it in x */
      0, 4,   0,   /* on it in y */
      0, 0,   9,   /* past it in z */
      0, 0,   NAN, /* not comparable */
      3, 3.5, 3.5, /* dominated by C */
      2, 2,   3,   /* dominated by A */
  };
  size_t n = sizeof more / sizeof *more / 3;
  assert_double_near(es_hypervolume_3d(more, n, ref), 15, 0);
  double hv = -1;
  assert_int_equal(es_hypervolume(more, n, 3, ref, 0, 1, &hv, NULL), 0);
  assert_double_near(hv, 15, 0);

  /* Nothing inside the reference box. */
  assert_double_near(es_hypervolume_3d(more + 3 * 6, 5, ref), 0, 0);
  assert_double_near(es_hypervolume_3d(NULL, 0, ref), 0, 0);
}

static void test_hand_computed_4d(void **state) {
  (void)state;
  /* A (0,1,1,1) and B (1,0,1,1) against ref 2^4: 2 + 2 - 1 = 3; a copy of
   * A and a point past the reference change nothing. */
  double obj[] = {0, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 0, 0, 2};
  double ref[4] = {2, 2, 2, 2}, hv = -1, se = -1;
  assert_int_equal(es_hypervolume(obj, 4, 4, ref, ES_HV_EXACT_LIMIT, 1, &hv, &se), 0);
  assert_double_near(hv, 3, 0);
  assert_true(se == 0.0);
  assert_double_near(grid_cell_volume(obj, 4, 4, ref), 3, 0);
}

static void test_3d_random_against_grid_cells(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 3);
  double obj[40 * 3];
  for (int trial = 0; trial < 100; trial++) {
    size_t n = 1 + gsl_rng_uniform_int(r, 40);
    double ref[3];
    if (trial % 2) {
      /* Small integers: shared coordinates, duplicates, points on and past
       * the reference. The grid sum is then exact. */
      for (size_t i = 0; i < 3 * n; i++) obj[i] = (double)gsl_rng_uniform_int(r, 8);
      ref[0] = ref[1] = ref[2] = 6;
    } else {
      for (size_t i = 0; i < 3 * n; i++) obj[i] = gsl_rng_uniform(r);
      for (size_t j = 0; j < 3; j++) ref[j] = 0.8 + 0.4 * gsl_rng_uniform(r);
    }
    double got = es_hypervolume_3d(obj, n, ref), want = grid_cell_volume(obj, n, 3, ref);
    assert_true(got >= 0);
    assert_double_near(got, want, 1e-9 * want);
  }
  gsl_rng_free(r);
}

static void test_exact_4d_5d_6d_against_grid_cells(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 4);
  double obj[12 * MAX_K];
  for (int trial = 0; trial < 120; trial++) {
    size_t k = 4 + (size_t)(trial % 3);
    size_t max_n = k == 4 ? 12 : k == 5 ? 8 : 5;
    size_t n = 1 + gsl_rng_uniform_int(r, max_n);
    double ref[MAX_K];
    if (trial % 4 == 1) {
      for (size_t i = 0; i < k * n; i++) obj[i] = (double)gsl_rng_uniform_int(r, 5);
      for (size_t j = 0; j < k; j++) ref[j] = 4;
    } else if (trial % 4 == 3) {
      sphere_points(r, obj, n, k);
      for (size_t j = 0; j < k; j++) ref[j] = 1.2;
    } else {
      for (size_t i = 0; i < k * n; i++) obj[i] = gsl_rng_uniform(r);
      for (size_t j = 0; j < k; j++) ref[j] = 0.8 + 0.4 * gsl_rng_uniform(r);
    }
    double want = grid_cell_volume(obj, n, k, ref);
    assert_double_near(exact_hv(obj, n, k, ref), want, 1e-9 * want);
  }
  gsl_rng_free(r);
}

/* Independent check for large sets: slice along the third objective at
 * each of its distinct values and take the 2-D volume of every slice with
 * pareto.c's sweep. O(n^2 log n). */
static double slab_volume_3d(const double *obj, size_t n, const double *ref) {
  double *levels = malloc((n + 1) * sizeof *levels), *slice = malloc(2 * n * sizeof *slice);
  assert_non_null(levels);
  assert_non_null(slice);
  size_t nl = 0;
  for (size_t i = 0; i < n; i++)
    if (obj[3 * i + 2] < ref[2]) levels[nl++] = obj[3 * i + 2];
  qsort(levels, nl, sizeof *levels, compare_double);
  levels[nl] = ref[2];
  double volume = 0.0;
  for (size_t l = 0; l < nl; l++) {
    if (levels[l + 1] == levels[l]) continue;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
      if (obj[3 * i + 2] <= levels[l]) {
        slice[2 * m] = obj[3 * i];
        slice[2 * m + 1] = obj[3 * i + 1];
        m++;
      }
    volume += es_hypervolume_2d(slice, m, ref) * (levels[l + 1] - levels[l]);
  }
  free(levels);
  free(slice);
  return volume;
}

/* Sets large enough that the sweep's ordered set needs two and three
 * levels (over 64 and over 4096 points). */
static void test_3d_large_against_slabs(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 11);
  static double obj[10000 * 3];
  double ref[3] = {1.1, 1.1, 1.1};
  /* Every third objective distinct. */
  sphere_points(r, obj, 1000, 3);
  double want = slab_volume_3d(obj, 1000, ref);
  assert_double_near(es_hypervolume_3d(obj, 1000, ref), want, 1e-9 * want);
  /* 20 distinct third objectives, x and y on a 1000-step grid: many ties. */
  for (size_t i = 0; i < 10000; i++) {
    obj[3 * i] = (double)gsl_rng_uniform_int(r, 1000) / 1000;
    obj[3 * i + 1] = (double)gsl_rng_uniform_int(r, 1000) / 1000;
    obj[3 * i + 2] = (double)gsl_rng_uniform_int(r, 20) / 20;
    /* Pull points towards a front so that the staircases stay long. */
    double s = obj[3 * i] + obj[3 * i + 1] + obj[3 * i + 2];
    if (s < 1.0) obj[3 * i + 2] = (double)(int)(20 * (1.0 - obj[3 * i] - obj[3 * i + 1])) / 20;
  }
  want = slab_volume_3d(obj, 10000, ref);
  assert_double_near(es_hypervolume_3d(obj, 10000, ref), want, 1e-9 * want);
  gsl_rng_free(r);
}

/* Reordering the objectives (and the reference with them) must not change
 * the volume; the sweep and WFG visit the points in quite different orders
 * when it happens, so this checks sets too large for the grid. */
static void test_exact_invariant_under_objective_order(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 5);
  static double obj[2000 * 3], swapped[2000 * 3];
  for (size_t k = 3; k <= 5; k++) {
    size_t n = k == 3 ? 2000 : 64;
    sphere_points(r, obj, n, k);
    double ref[MAX_K], ref_swapped[MAX_K];
    for (size_t j = 0; j < k; j++) ref[j] = 1.1 + 0.01 * (double)j;
    double base = exact_hv(obj, n, k, ref);
    assert_true(base > 0);
    for (size_t shift = 1; shift < k; shift++) {
      for (size_t j = 0; j < k; j++) {
        ref_swapped[j] = ref[(j + shift) % k];
        for (size_t i = 0; i < n; i++) swapped[i * k + j] = obj[i * k + (j + shift) % k];
      }
      assert_double_near(exact_hv(swapped, n, k, ref_swapped), base, 1e-9 * base);
    }
  }
  gsl_rng_free(r);
}

/* A 4-D set whose last objective is the same everywhere is a 3-D set times
 * a length: WFG on 300 points against the 3-D sweep. */
static void test_exact_4d_flat_equals_3d_times_length(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 6);
  static double obj3[300 * 3], obj4[300 * 4];
  sphere_points(r, obj3, 300, 3);
  for (size_t i = 0; i < 300; i++) {
    memcpy(obj4 + 4 * i, obj3 + 3 * i, 3 * sizeof *obj3);
    obj4[4 * i + 3] = 0.25;
  }
  double ref[4] = {1.2, 1.2, 1.2, 1.0};
  double want = 0.75 * es_hypervolume_3d(obj3, 300, ref);
  assert_double_near(exact_hv(obj4, 300, 4, ref), want, 1e-9 * want);
  gsl_rng_free(r);
}

/* An estimate box × hits / N with se = box × sqrt(p (1 - p) / N) gives
 * back N = box² p (1 - p) / se² and hits = p N: check they are whole, that N
 * is a whole number of batches within the documented bounds, and that the
 * documented stopping rule held at N (or N is the cap). */
static void assert_monte_carlo_consistent(const double *obj, size_t n, size_t k, const double *ref,
                                          double hv, double se) {
  double box = 1.0;
  for (size_t j = 0; j < k; j++) {
    double low = ref[j];
    for (size_t i = 0; i < n; i++) low = fmin(low, obj[i * k + j]);
    box *= ref[j] - low;
  }
  double p = hv / box, samples = box * box * p * (1 - p) / (se * se), hits = p * samples;
  double batches = samples / ES_HV_MC_BATCH;
  if (!(fabs(batches - round(batches)) < 1e-6 * batches && fabs(hits - round(hits)) < 1e-6 * hits))
    fail_msg("N = %.9g, hits = %.9g: not whole batches and samples", samples, hits);
  assert_true(round(samples) >= ES_HV_MC_MIN_SAMPLES && round(samples) <= ES_HV_MC_MAX_SAMPLES);
  assert_true(round(samples) == ES_HV_MC_MAX_SAMPLES || se / hv < ES_HV_MC_REL_SE);
}

static void test_monte_carlo_within_four_standard_errors(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 7);
  double obj[40 * 5], chi2 = 0.0;
  for (int set = 0; set < 8; set++) {
    size_t k = set < 6 ? 4 : 5, n = 5 + gsl_rng_uniform_int(r, 36);
    double ref[5] = {1.2, 1.2, 1.2, 1.2, 1.2};
    if (set % 2)
      sphere_points(r, obj, n, k);
    else
      for (size_t i = 0; i < k * n; i++) obj[i] = gsl_rng_uniform(r);
    double exact = exact_hv(obj, n, k, ref), hv = -1, se = -1;
    assert_int_equal(es_hypervolume(obj, n, k, ref, 0, 100 + (unsigned long)set, &hv, &se), 0);
    assert_true(se > 0);
    assert_true(se < 0.01 * exact); /* the sample size is not left tiny */
    if (!(fabs(hv - exact) <= 4 * se))
      fail_msg("set %d: estimate %.9g, exact %.9g, se %.3g", set, hv, exact, se);
    assert_monte_carlo_consistent(obj, n, k, ref, hv, se);
    chi2 += (hv - exact) * (hv - exact) / (se * se);
  }
  /* The standard errors are the right size, not just large: over 8
   * estimates the squared z-scores sum to a chi-square with 8 degrees of
   * freedom, inside its 0.1 % and 99.9 % quantiles. */
  if (!(chi2 >= 1.646 && chi2 <= 26.12)) fail_msg("sum of squared z-scores %.3g", chi2);
  gsl_rng_free(r);
}

static void test_monte_carlo_reproducible(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 8);
  double obj[30 * 4], ref[4] = {1.2, 1.2, 1.2, 1.2};
  sphere_points(r, obj, 30, 4);
  double a = -1, b = -2, c = -3, se_a = -1, se_b = -2, se_c = -3;
  assert_int_equal(es_hypervolume(obj, 30, 4, ref, 0, 42, &a, &se_a), 0);
  assert_int_equal(es_hypervolume(obj, 30, 4, ref, 0, 42, &b, &se_b), 0);
  assert_int_equal(es_hypervolume(obj, 30, 4, ref, 0, 43, &c, &se_c), 0);
  assert_memory_equal(&a, &b, sizeof a);
  assert_memory_equal(&se_a, &se_b, sizeof se_a);
  assert_true(a != c); /* another seed, other samples */
  assert_true(se_a > 0 && se_c > 0);
  gsl_rng_free(r);
}

/* exact_limit counts distinct non-dominated points inside the reference:
 * dominated points, copies and points past ref do not push a set over. */
static void test_exact_limit_switch(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 9);
  double obj[24 * 4], ref[4] = {1.2, 1.2, 1.2, 1.2};
  sphere_points(r, obj, 10, 4);
  size_t front[10], m = es_pareto_front(obj, 10, 4, front);
  assert_true(m >= 5);
  memcpy(obj + 40, obj, 40 * sizeof *obj); /* 10 copies */
  for (size_t i = 20; i < 22; i++)
    for (size_t j = 0; j < 4; j++) obj[4 * i + j] = 1.15; /* dominated */
  for (size_t i = 22; i < 24; i++)
    for (size_t j = 0; j < 4; j++) obj[4 * i + j] = j == 2 ? 1.2 : 0.0; /* on ref */
  double exact = -1, hv = -1, se = -1;
  assert_int_equal(es_hypervolume(obj, 10, 4, ref, 10, 1, &exact, &se), 0);
  assert_true(se == 0.0);
  assert_int_equal(es_hypervolume(obj, 24, 4, ref, m, 1, &hv, &se), 0);
  assert_true(se == 0.0);
  assert_double_near(hv, exact, 1e-12 * exact);
  assert_int_equal(es_hypervolume(obj, 24, 4, ref, m - 1, 1, &hv, &se), 0);
  assert_true(se > 0);
  assert_double_near(hv, exact, 4 * se);
  gsl_rng_free(r);
}

static void test_dispatch_matches_dedicated(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 10);
  static double obj[500 * 3];
  for (int trial = 0; trial < 20; trial++) {
    size_t n = 1 + gsl_rng_uniform_int(r, 500);
    double ref[3] = {0.9, 1.0, 1.1}, hv = -1, se = -1;
    for (size_t i = 0; i < 3 * n; i++) obj[i] = gsl_rng_uniform(r);
    /* exact_limit 0 and any seed: 2 and 3 objectives are always exact. */
    assert_int_equal(es_hypervolume(obj, n, 2, ref, 0, 5, &hv, &se), 0);
    assert_double_near(hv, es_hypervolume_2d(obj, n, ref), 0);
    assert_true(se == 0.0);
    assert_int_equal(es_hypervolume(obj, n, 3, ref, 0, 5, &hv, &se), 0);
    assert_double_near(hv, es_hypervolume_3d(obj, n, ref), 0);
    assert_true(se == 0.0);
  }
  gsl_rng_free(r);
}

static void test_invalid_arguments(void **state) {
  (void)state;
  double obj[4] = {0, 0, 0, 0}, ref[4] = {1, 1, 1, 1}, hv = -1, se = -1;
  assert_int_equal(es_hypervolume(obj, 1, 0, ref, 8, 1, &hv, &se), -EINVAL);
  assert_int_equal(es_hypervolume(obj, 1, 4, NULL, 8, 1, &hv, &se), -EINVAL);
  assert_int_equal(es_hypervolume(obj, 1, 4, ref, 8, 1, NULL, &se), -EINVAL);
  assert_int_equal(es_hypervolume(NULL, 1, 4, ref, 8, 1, &hv, &se), -EINVAL);
  double bad_ref[4] = {1, INFINITY, 1, 1};
  assert_int_equal(es_hypervolume(obj, 1, 4, bad_ref, 8, 1, &hv, &se), -EINVAL);
  bad_ref[1] = NAN;
  assert_int_equal(es_hypervolume(obj, 1, 4, bad_ref, 8, 1, &hv, &se), -EINVAL);
  /* No points: nothing to read, volume 0. */
  assert_int_equal(es_hypervolume(NULL, 0, 4, ref, 0, 1, &hv, &se), 0);
  assert_double_near(hv, 0, 0);
  assert_true(se == 0.0);
  /* se is optional. */
  assert_int_equal(es_hypervolume(obj, 1, 4, ref, 8, 1, &hv, NULL), 0);
  assert_double_near(hv, 1, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_single_point_every_k),
      cmocka_unit_test(test_one_objective),
      cmocka_unit_test(test_two_points_3d),
      cmocka_unit_test(test_hand_computed_3d_set),
      cmocka_unit_test(test_hand_computed_4d),
      cmocka_unit_test(test_3d_random_against_grid_cells),
      cmocka_unit_test(test_3d_large_against_slabs),
      cmocka_unit_test(test_exact_4d_5d_6d_against_grid_cells),
      cmocka_unit_test(test_exact_invariant_under_objective_order),
      cmocka_unit_test(test_exact_4d_flat_equals_3d_times_length),
      cmocka_unit_test(test_monte_carlo_within_four_standard_errors),
      cmocka_unit_test(test_monte_carlo_reproducible),
      cmocka_unit_test(test_exact_limit_switch),
      cmocka_unit_test(test_dispatch_matches_dedicated),
      cmocka_unit_test(test_invalid_arguments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
