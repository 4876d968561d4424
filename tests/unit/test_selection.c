/*
 * test_selection.c - unit tests of the selection family and the rung store
 * (strategies/selection*.c): the registry, the promotion quota, hand-made
 * rungs for each rule (ties, duplicates, fewer than eta results, mixed
 * goals), and random report sequences where every incremental answer is
 * checked against a from-scratch computation written here (pareto: the
 * full non-dominated sort and crowding distance of pareto.c; epsnet: a
 * plain O(n^2) epsilon-net of the documented definition; scalar: a sort).
 *
 * Not covered here: the halving rules that call this (test_halving.c).
 */
#include <errno.h>
#include <limits.h>
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

#include "strategies/pareto.h"
#include "strategies/selection.h"

#define MAXN 96
#define MAXK 4

/* ---- from-scratch references ----------------------------------------- */

typedef struct {
  size_t rank;
  double key; /* pareto: -crowding; epsnet: walk step; scalar: value */
  long id;
  size_t index;
} ref_key;

static int ref_cmp(const void *pa, const void *pb) {
  const ref_key *a = pa, *b = pb;
  if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
  if (a->key != b->key) return a->key < b->key ? -1 : 1;
  return (a->id > b->id) - (a->id < b->id);
}

static int id_cmp_index(const void *pa, const void *pb, const long *ids) {
  long a = ids[*(const size_t *)pa], b = ids[*(const size_t *)pb];
  return (a > b) - (a < b);
}

/* qsort has no context argument in C11: sort front members by id with a
 * file-scope pointer (tests are single-threaded). */
static const long *sort_ids;
static int by_id(const void *pa, const void *pb) { return id_cmp_index(pa, pb, sort_ids); }

/* Members of front r in ascending id order; their count. */
static size_t front_members(const int *rank, const long *ids, size_t n, int r, size_t *out) {
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (rank[i] == r) out[m++] = i;
  sort_ids = ids;
  qsort(out, m, sizeof *out, by_id);
  return m;
}

/* The epsilon-net order of the m members idx[] (any order): step[s] = the
 * 0-based step at which idx[s] is chosen. The definition of selection.h,
 * written as plainly as possible. */
static void ref_epsnet(const double *obj, size_t k, const long *ids, const size_t *idx, size_t m,
                       double *step) {
  double lo[MAXK], range[MAXK], u[MAXN][MAXK], mind[MAXN];
  int chosen[MAXN] = {0};
  for (size_t j = 0; j < k; j++) {
    double l = INFINITY, h = -INFINITY;
    for (size_t s = 0; s < m; s++) {
      double v = obj[idx[s] * k + j];
      if (v < l) l = v;
      if (v > h) h = v;
    }
    lo[j] = l;
    range[j] = h - l;
  }
  for (size_t s = 0; s < m; s++)
    for (size_t j = 0; j < k; j++) u[s][j] = range[j] > 0.0 ? (obj[idx[s] * k + j] - lo[j]) / range[j] : 0.0;
  size_t first = 0;
  for (size_t s = 1; s < m; s++) {
    double a = obj[idx[s] * k], b = obj[idx[first] * k];
    if (a < b || (a == b && ids[idx[s]] < ids[idx[first]])) first = s;
  }
  chosen[first] = 1;
  step[first] = 0;
  for (size_t s = 0; s < m; s++) mind[s] = INFINITY;
  size_t last = first;
  for (size_t t = 1; t < m; t++) {
    size_t best = m;
    for (size_t s = 0; s < m; s++) {
      if (chosen[s]) continue;
      double d = 0.0;
      for (size_t j = 0; j < k; j++) {
        double e = u[s][j] - u[last][j];
        d += e * e;
      }
      if (d < mind[s]) mind[s] = d;
      if (best == m || mind[s] > mind[best] || (mind[s] == mind[best] && ids[idx[s]] < ids[idx[best]]))
        best = s;
    }
    chosen[best] = 1;
    step[best] = (double)t;
    last = best;
  }
}

/* Full order of n results under the rule called name: order[pos] = index. */
static void ref_order(const char *name, const double *obj, const long *ids, size_t n, size_t k,
                      size_t *order) {
  ref_key keys[MAXN];
  int rank[MAXN];
  if (strcmp(name, "scalar") == 0) {
    for (size_t i = 0; i < n; i++) keys[i] = (ref_key){0, obj[i * k], ids[i], i};
  } else {
    assert_int_equal(es_pareto_rank(obj, n, k, rank), 0);
    for (int r = 0;; r++) {
      size_t idx[MAXN];
      double v[MAXN];
      size_t m = front_members(rank, ids, n, r, idx);
      if (m == 0) break;
      if (strcmp(name, "pareto") == 0) {
        es_crowding_distance(obj, k, idx, m, v);
        for (size_t s = 0; s < m; s++) v[s] = -v[s];
      } else {
        ref_epsnet(obj, k, ids, idx, m, v);
      }
      for (size_t s = 0; s < m; s++) keys[idx[s]] = (ref_key){(size_t)r, v[s], ids[idx[s]], idx[s]};
    }
  }
  qsort(keys, n, sizeof *keys, ref_cmp);
  for (size_t s = 0; s < n; s++) order[s] = keys[s].index;
}

/* ---- helpers ---------------------------------------------------------- */

static size_t position_of(es_rung *r, long id) {
  size_t pos = 0;
  int rc = es_rung_position(r, id, (size_t)-1, &pos);
  if (rc != 0) fail_msg("es_rung_position(%ld) = %d", id, rc);
  return pos;
}

/* Add results (k objectives each) and return the rung. */
static es_rung *rung_with(const char *name, size_t k, const double *obj, const long *ids, size_t n) {
  es_rung *r = es_rung_alloc(es_selection_lookup(name), k);
  assert_non_null(r);
  for (size_t i = 0; i < n; i++) {
    int rc = es_rung_add(r, ids[i], obj + i * k);
    if (rc != 0) fail_msg("es_rung_add(%ld) = %d", ids[i], rc);
  }
  return r;
}

static void assert_order(es_rung *r, const long *want, size_t n) {
  long got[MAXN];
  assert_int_equal(es_rung_size(r), n);
  assert_int_equal(es_rung_order(r, got), 0);
  for (size_t s = 0; s < n; s++) {
    if (got[s] != want[s]) fail_msg("order[%zu] = %ld, expected %ld", s, got[s], want[s]);
    size_t pos = position_of(r, want[s]);
    if (pos != s) fail_msg("position(%ld) = %zu, expected %zu", want[s], pos, s);
  }
}

/* ---- registry, quota, store errors ------------------------------------ */

static void test_registry(void **state) {
  (void)state;
  assert_ptr_equal(es_selection_lookup("pareto"), &es_selection_pareto);
  assert_ptr_equal(es_selection_lookup("epsnet"), &es_selection_epsnet);
  assert_ptr_equal(es_selection_lookup("scalar"), &es_selection_scalar);
  assert_null(es_selection_lookup("Pareto"));
  assert_null(es_selection_lookup(""));
  assert_null(es_selection_lookup(NULL));
  char buf[64];
  es_selection_names(buf, sizeof buf);
  assert_string_equal(buf, "pareto, epsnet, scalar");
  es_selection_names(buf, 10); /* truncated but terminated */
  assert_true(strlen(buf) < 10);
  size_t i = 0;
  while (es_selection_types[i]) i++;
  assert_int_equal(i, 3);
}

static void test_quota(void **state) {
  (void)state;
  size_t want3[] = {0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4};
  for (size_t n = 0; n <= 10; n++) assert_int_equal(es_rung_quota(n, 3), want3[n]);
  assert_int_equal(es_rung_quota(5, 2), 3);
  assert_int_equal(es_rung_quota(6, 1.2), 5); /* 6/1.2 is 5 on paper */
  assert_int_equal(es_rung_quota(7, 1.2), 6);
  assert_int_equal(es_rung_quota(1, 1000), 1); /* the first result always continues */
  assert_int_equal(es_rung_quota(100000, 3), 33334);
}

static void test_store_errors(void **state) {
  (void)state;
  for (size_t t = 0; es_selection_types[t]; t++) {
    es_rung *r = es_rung_alloc(es_selection_types[t], 2);
    assert_non_null(r);
    double a[2] = {1, 2}, nan2[2] = {NAN, 0}, inf2[2] = {0, INFINITY};
    assert_int_equal(es_rung_add(r, 7, a), 0);
    assert_int_equal(es_rung_add(r, 7, a), -EEXIST);
    assert_int_equal(es_rung_add(r, 8, nan2), -EINVAL);
    assert_int_equal(es_rung_add(r, 8, inf2), -EINVAL);
    assert_int_equal(es_rung_size(r), 1);
    size_t pos = 99;
    assert_int_equal(es_rung_position(r, 8, (size_t)-1, &pos), -ENOENT);
    assert_int_equal(pos, 99);
    assert_int_equal(es_rung_position(r, 7, (size_t)-1, &pos), 0);
    assert_int_equal(pos, 0);
    /* The id rejected above can still be added. */
    assert_int_equal(es_rung_add(r, 8, a), 0);
    assert_int_equal(es_rung_size(r), 2);
    es_rung_free(r);
  }
  assert_null(es_rung_alloc(&es_selection_pareto, 0));
  es_rung_free(NULL);
}

/* Negative and huge ids, and enough of them to make the id map grow. */
static void test_store_ids(void **state) {
  (void)state;
  es_rung *r = es_rung_alloc(&es_selection_scalar, 1);
  for (long i = 0; i < 1000; i++) {
    double v = (double)((i * 7919) % 1000);
    long id = (i % 2 ? -1 : 1) * (i * 1000003L + (i % 3 ? 0 : LONG_MAX / 2));
    assert_int_equal(es_rung_add(r, id, &v), 0);
  }
  for (long i = 0; i < 1000; i++) {
    long id = (i % 2 ? -1 : 1) * (i * 1000003L + (i % 3 ? 0 : LONG_MAX / 2));
    size_t pos = position_of(r, id);
    assert_int_equal(pos, (size_t)((i * 7919) % 1000)); /* values are a permutation of 0..999 */
  }
  es_rung_free(r);
}

/* ---- hand-made rungs --------------------------------------------------- */

static void test_first_result_continues(void **state) {
  (void)state;
  /* ceil(n/eta) >= 1: the first result at a rung continues, however bad,
   * and with fewer results than eta only the best one does. */
  for (size_t t = 0; es_selection_types[t]; t++) {
    es_rung *r = es_rung_alloc(es_selection_types[t], 2);
    double worst[2] = {1e300, 1e300}, better[2] = {0, 0}, best[2] = {-1, -1};
    assert_int_equal(es_rung_promote(r, 10, worst, 3), 1);
    assert_int_equal(es_rung_promote(r, 11, worst, 3), 0); /* tie: lower id (10) ahead */
    assert_int_equal(es_rung_promote(r, 12, better, 3), 1);
    assert_int_equal(es_rung_promote(r, 13, best, 3), 1);   /* n = 4: quota 2 */
    assert_int_equal(es_rung_promote(r, 14, better, 3), 0); /* n = 5: position 2 (id 12 ahead) */
    es_rung_free(r);
  }
}

static void test_scalar_ties_and_duplicates(void **state) {
  (void)state;
  /* Second objective ignored; equal first objectives ordered by id. */
  double obj[] = {5, 0, 3, 9, 5, -100, 3, 1, 1, 2};
  long ids[] = {40, 30, 20, 10, 0};
  es_rung *r = rung_with("scalar", 2, obj, ids, 5);
  /* first objectives: id40 5, id30 3, id20 5, id10 3, id0 1 */
  long want[] = {0, 10, 30, 20, 40};
  assert_order(r, want, 5);
  size_t pos;
  assert_int_equal(es_rung_position(r, 40, 2, &pos), 0);
  assert_int_equal(pos, 2); /* capped at the limit */
  es_rung_free(r);
}

/* Two objectives, mixed goals: accuracy (max) and joules (min). The test
 * orients them itself. */
static void test_pareto_mixed_goals(void **state) {
  (void)state;
  double raw[] = {
      0.90, 500, /* id 1: front 0 */
      0.80, 300, /* id 2: front 0 */
      0.70, 100, /* id 3: front 0 */
      0.80, 600, /* id 4: dominated by 1 and 2 -> front 1 */
      0.60, 400, /* id 5: dominated by 2 and 3 -> front 1 */
      0.50, 700, /* id 6: dominated by 4 and 5 -> front 2 */
  };
  int maximize[2] = {1, 0};
  double obj[12];
  es_pareto_orient(raw, 6, 2, maximize, obj);
  long ids[] = {1, 2, 3, 4, 5, 6};
  es_rung *r = rung_with("pareto", 2, obj, ids, 6);
  /* Front 0 of three: both ends infinite (ids 1, 3), the middle finite. */
  long want[] = {1, 3, 2, 4, 5, 6};
  assert_order(r, want, 6);
  /* The promotion rule at eta 3 on six results: quota 2. */
  assert_int_equal(es_rung_quota(6, 3), 2);
  es_rung_free(r);

  /* Without orienting, "accuracy" would be minimised: id 6 becomes best on
   * accuracy - the orientation matters. */
  es_rung *w = rung_with("pareto", 2, raw, ids, 6);
  assert_true(position_of(w, 6) < 3);
  es_rung_free(w);
}

static void test_pareto_crowding_order(void **state) {
  (void)state;
  /* One front of five on a line, uneven spacing: ends first (by id), then
   * larger crowding distance. */
  double obj[] = {0, 10, 1, 9, 2, 8, 6, 4, 10, 0};
  long ids[] = {50, 40, 30, 20, 10};
  es_rung *r = rung_with("pareto", 2, obj, ids, 5);
  /* crowding (both objectives span 10): id40: (2-0)/10*2 = .4, id30:
   * (6-1)/10*2 = 1.0, id20: (10-2)/10*2 = 1.6. */
  long want[] = {10, 50, 20, 30, 40};
  assert_order(r, want, 5);
  es_rung_free(r);
}

static void test_pareto_duplicates(void **state) {
  (void)state;
  /* Copies of one point do not dominate each other: all on one front,
   * ordered among themselves by crowding, then id. */
  double obj[] = {1, 1, 1, 1, 1, 1, 0, 2, 2, 0};
  long ids[] = {3, 1, 2, 9, 8};
  es_rung *r = rung_with("pareto", 2, obj, ids, 5);
  /* One front. Crowding, objective 0 sorted by (value, id): 9, 1, 2, 3, 8
   * over a range of 2 -> id1 0.5, id2 0, id3 0.5; objective 1 the same.
   * Ends infinite (8 before 9 by id), then id1 and id3 tied at 1.0 (lower
   * id first), then id2 at 0: copies of one point are not interchangeable
   * under crowding, and the tie order decides which copy is interior. */
  long want[] = {8, 9, 1, 3, 2};
  assert_order(r, want, 5);
  size_t order[5];
  ref_order("pareto", obj, ids, 5, 2, order);
  for (int s = 0; s < 5; s++) assert_int_equal(ids[order[s]], want[s]);
  es_rung_free(r);

  /* Every result identical: position = rank of the id. */
  double same[8] = {2, 2, 2, 2, 2, 2, 2, 2};
  long ids4[] = {30, 10, 40, 20};
  for (size_t t = 0; es_selection_types[t]; t++) {
    es_rung *q = rung_with(es_selection_types[t]->name, 2, same, ids4, 4);
    long want[] = {10, 20, 30, 40};
    assert_order(q, want, 4);
    es_rung_free(q);
  }
}

static void test_epsnet_hand_made(void **state) {
  (void)state;
  /* One front on a line from (0,4) to (4,0): the smallest first objective
   * comes first, then the farthest point (4,0), then the middle (2,2),
   * then (1,3) and (3,1) at equal distance: lower id first. */
  double obj[] = {3, 1, 1, 3, 2, 2, 4, 0, 0, 4};
  long ids[] = {5, 6, 7, 8, 9};
  es_rung *r = rung_with("epsnet", 2, obj, ids, 5);
  long want[] = {9, 8, 7, 5, 6};
  assert_order(r, want, 5);
  /* Limits stop the walk: id 6 is last, its position is capped. */
  size_t pos;
  assert_int_equal(es_rung_position(r, 6, 2, &pos), 0);
  assert_int_equal(pos, 2);
  /* A dominated result goes after the whole front. */
  double worse[2] = {5, 5};
  assert_int_equal(es_rung_add(r, 1, worse), 0);
  assert_int_equal(position_of(r, 1), 5);
  es_rung_free(r);

  /* Scaling: objective 1 in joules (range 1000), objective 0 in [0, 1].
   * The walk starts at (0, 1000), then takes the far end (1, 0). Scaled,
   * (0.5, 999) is then farther from both (min 0.250001) than
   * (0.9999, 400) (0.16); in raw joules the latter would win by far. */
  double mixed[] = {0, 1000, 1, 0, 0.9999, 400, 0.5, 999};
  long ids2[] = {1, 2, 3, 4};
  es_rung *q = rung_with("epsnet", 2, mixed, ids2, 4);
  long want2[] = {1, 2, 4, 3};
  assert_order(q, want2, 4);
  es_rung_free(q);
}

/* k = 3: the general walk, plus a point equal to a chosen one. */
static void test_epsnet_three_objectives(void **state) {
  (void)state;
  double obj[] = {0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 0.5, 0.5, 0.5};
  long ids[] = {1, 2, 3, 4, 5};
  es_rung *r = rung_with("epsnet", 3, obj, ids, 5);
  size_t order[5];
  long all[5];
  ref_order("epsnet", obj, ids, 5, 3, order);
  assert_int_equal(es_rung_order(r, all), 0);
  for (int s = 0; s < 5; s++) assert_int_equal(all[s], ids[order[s]]);
  /* (0,1,1) and its copy (id 4) tie on objective 0: id 1 starts. */
  assert_int_equal(all[0], 1);
  /* The copy is at distance 0 from it: last. */
  assert_int_equal(all[4], 4);
  es_rung_free(r);
}

/* ---- random sequences against the references -------------------------- */

static void draw(gsl_rng *g, size_t k, int grid, double *out) {
  for (size_t j = 0; j < k; j++)
    out[j] = grid ? (double)gsl_rng_uniform_int(g, (unsigned long)grid) : gsl_rng_uniform(g) * 10.0 - 5.0;
}

/* Anti-correlated 2-D points (one big front, as accuracy vs joules). */
static void draw_tradeoff(gsl_rng *g, double *out) {
  double t = gsl_rng_uniform(g);
  out[0] = t;
  out[1] = 1.0 - t + 0.05 * gsl_rng_uniform(g);
}

static void check_sequences(const char *name, size_t k, int grid, int tradeoff, int sequences, size_t length,
                            unsigned long seed) {
  gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(g, seed);
  double obj[MAXN * MAXK];
  long ids[MAXN];
  size_t order[MAXN];
  for (int q = 0; q < sequences; q++) {
    es_rung *r = es_rung_alloc(es_selection_lookup(name), k);
    assert_non_null(r);
    /* Ids: a shuffled range, so arrival order and id order differ. */
    for (size_t i = 0; i < length; i++) ids[i] = (long)i * 3 - 40;
    for (size_t i = length; i > 1; i--) {
      size_t j = gsl_rng_uniform_int(g, i);
      long t = ids[i - 1];
      ids[i - 1] = ids[j];
      ids[j] = t;
    }
    double eta = 2.0 + (double)(q % 3);
    for (size_t n = 1; n <= length; n++) {
      double *p = obj + (n - 1) * k;
      if (tradeoff)
        draw_tradeoff(g, p);
      else
        draw(g, k, grid, p);
      if (n > 1 && gsl_rng_uniform(g) < 0.1) /* an exact copy of an earlier result */
        memcpy(p, obj + gsl_rng_uniform_int(g, n - 1) * k, k * sizeof *p);
      size_t quota = es_rung_quota(n, eta);
      int cont = es_rung_promote(r, ids[n - 1], p, eta);
      assert_true(cont == 0 || cont == 1);
      ref_order(name, obj, ids, n, k, order);
      size_t want = 0;
      while (order[want] != n - 1) want++;
      if (cont != (want < quota))
        fail_msg("%s k=%zu seq %d n=%zu: promote says %d, reference position %zu of quota %zu", name, k, q, n,
                 cont, want, quota);
      /* Exact positions of the new result and of a few others, and the
       * capped answer. */
      for (int probe = 0; probe < 3; probe++) {
        size_t i = probe == 0 ? n - 1 : gsl_rng_uniform_int(g, n);
        size_t refpos = 0;
        while (order[refpos] != i) refpos++;
        size_t got = position_of(r, ids[i]);
        if (got != refpos)
          fail_msg("%s k=%zu seq %d n=%zu: position(id %ld) = %zu, reference %zu", name, k, q, n, ids[i], got,
                   refpos);
        size_t lim = gsl_rng_uniform_int(g, n + 1), capped;
        assert_int_equal(es_rung_position(r, ids[i], lim, &capped), 0);
        if (refpos < lim ? capped != refpos : capped != lim)
          fail_msg("%s: position(id %ld, limit %zu) = %zu, exact %zu", name, ids[i], lim, capped, refpos);
      }
      if (n % 8 == 0 || n == length) {
        long all[MAXN];
        assert_int_equal(es_rung_order(r, all), 0);
        for (size_t s = 0; s < n; s++)
          if (all[s] != ids[order[s]])
            fail_msg("%s k=%zu seq %d n=%zu: order[%zu] = %ld, reference %ld", name, k, q, n, s, all[s],
                     ids[order[s]]);
      }
    }
    es_rung_free(r);
  }
  gsl_rng_free(g);
}

static void test_pareto_random(void **state) {
  (void)state;
  check_sequences("pareto", 2, 0, 0, 60, 48, 1);
  check_sequences("pareto", 2, 6, 0, 60, 48, 2); /* many ties and copies */
  check_sequences("pareto", 2, 0, 1, 40, 48, 3); /* one big front */
  check_sequences("pareto", 3, 0, 0, 40, 48, 4);
  check_sequences("pareto", 3, 4, 0, 40, 48, 5);
  check_sequences("pareto", 4, 3, 0, 30, 48, 6);
  check_sequences("pareto", 1, 5, 0, 30, 40, 7);
  check_sequences("pareto", 2, 6, 0, 6, 90, 8); /* a few long ones: deeper cascades */
  check_sequences("pareto", 3, 3, 0, 6, 90, 9);
}

static void test_epsnet_random(void **state) {
  (void)state;
  check_sequences("epsnet", 2, 0, 0, 60, 48, 11);
  check_sequences("epsnet", 2, 5, 0, 60, 48, 12);
  check_sequences("epsnet", 2, 0, 1, 40, 48, 13);
  check_sequences("epsnet", 2, 3, 1, 20, 48, 14);
  check_sequences("epsnet", 3, 0, 0, 40, 48, 15);
  check_sequences("epsnet", 3, 4, 0, 40, 48, 16);
  check_sequences("epsnet", 1, 5, 0, 20, 40, 17);
  check_sequences("epsnet", 2, 0, 1, 6, 90, 18);
  check_sequences("epsnet", 3, 2, 0, 6, 90, 19);
}

static void test_scalar_random(void **state) {
  (void)state;
  check_sequences("scalar", 1, 0, 0, 30, 40, 21);
  check_sequences("scalar", 2, 4, 0, 30, 40, 22);
}

/* The fronts engine directly: ranks equal es_pareto_rank after every
 * insert, and each front's lists are sorted by (objective, id). */
static void test_fronts_invariants(void **state) {
  (void)state;
  gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(g, 99);
  for (int q = 0; q < 200; q++) {
    size_t k = 1 + (size_t)(q % 4);
    int grid = q % 2 ? 4 : 0;
    es_rung *r = es_rung_alloc(&es_selection_pareto, k); /* only for its arrays */
    es_fronts *f = es_fronts_alloc(k);
    int rank[MAXN];
    for (size_t n = 1; n <= 60; n++) {
      /* Grow the rung's arrays through the public API, then feed f. */
      double p[MAXK];
      draw(g, k, grid, p);
      assert_int_equal(es_rung_add(r, (long)(n * 17 % 61), p), 0);
      assert_int_equal(es_fronts_add(f, r), 0);
      assert_int_equal(es_pareto_rank(r->obj, n, k, rank), 0);
      size_t total = 0;
      for (size_t i = 0; i < n; i++)
        if (es_fronts_rank(f, i) != (size_t)rank[i])
          fail_msg("k=%zu n=%zu: rank[%zu] = %zu, reference %d", k, n, i, es_fronts_rank(f, i), rank[i]);
      for (size_t l = 0; l < es_fronts_count(f); l++) {
        size_t m;
        for (size_t j = 0; j < k; j++) {
          const size_t *by = es_fronts_sorted(f, l, j, &m);
          assert_true(m > 0);
          for (size_t s = 0; s < m; s++) {
            assert_int_equal(es_fronts_rank(f, by[s]), l);
            if (s > 0) {
              double a = r->obj[by[s - 1] * k + j], b = r->obj[by[s] * k + j];
              assert_true(a < b || (a == b && r->id[by[s - 1]] < r->id[by[s]]));
            }
          }
        }
        assert_int_equal(es_fronts_before(f, l), total);
        total += m;
      }
      assert_int_equal(total, n);
    }
    /* The bulk build of the same rung: k = 2 only, same ranks and lists. */
    es_fronts *bulk = es_fronts_alloc(k);
    int rc = es_fronts_load(bulk, r);
    assert_int_equal(rc, k == 2 ? 0 : 1);
    if (rc == 0) {
      assert_int_equal(es_fronts_count(bulk), es_fronts_count(f));
      for (size_t i = 0; i < r->n; i++) assert_int_equal(es_fronts_rank(bulk, i), es_fronts_rank(f, i));
      for (size_t l = 0; l < es_fronts_count(f); l++)
        for (size_t j = 0; j < k; j++) {
          size_t m1, m2;
          const size_t *a = es_fronts_sorted(f, l, j, &m1), *b = es_fronts_sorted(bulk, l, j, &m2);
          assert_int_equal(m1, m2);
          assert_memory_equal(a, b, m1 * sizeof *a);
        }
      assert_int_equal(es_fronts_load(bulk, r), 1); /* only into an empty one */
    }
    es_fronts_free(bulk);
    es_fronts_free(f);
    es_rung_free(r);
  }
  gsl_rng_free(g);
}

/* A new result better than everything pushes every front down by one. */
static void test_fronts_cascade(void **state) {
  (void)state;
  double obj[] = {
      5, 5, /* 0: front 0 */
      4, 6, /* 1: front 0 */
      6, 6, /* 2: front 1 */
      7, 7, /* 3: front 2 */
      3, 3, /* 4: best, dominates all -> everything moves */
  };
  long ids[] = {1, 2, 3, 4, 5};
  for (size_t t = 0; t < 2; t++) {
    es_rung *r = rung_with(t ? "epsnet" : "pareto", 2, obj, ids, 4);
    assert_int_equal(position_of(r, 4), 3);
    assert_int_equal(es_rung_add(r, 5, obj + 8), 0);
    assert_int_equal(position_of(r, 5), 0);
    assert_int_equal(position_of(r, 4), 4);
    assert_int_equal(position_of(r, 3), 3);
    es_rung_free(r);
  }
}

/* es_rung_add_many into an empty rung (the k = 2 bulk build) and into a
 * non-empty one give the same rung as one add after another. */
static void test_add_many(void **state) {
  (void)state;
  gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(g, 31);
  double obj[MAXN * MAXK];
  long ids[MAXN];
  for (int q = 0; q < 150; q++) {
    int tradeoff = q % 5 == 1; /* one big 2-D front */
    size_t k = tradeoff ? 2 : 1 + (size_t)(q % 3), n = 1 + gsl_rng_uniform_int(g, MAXN);
    int grid = q % 4 == 0 ? 0 : 3 + q % 5;
    const es_selection_type *T = es_selection_types[q % 3];
    for (size_t i = 0; i < n; i++) {
      ids[i] = (long)((i * 37 + (size_t)q) % 101);
      if (tradeoff)
        draw_tradeoff(g, obj + i * k);
      else
        draw(g, k, grid, obj + i * k);
    }
    es_rung *one = rung_with(T->name, k, obj, ids, n);
    es_rung *bulk = es_rung_alloc(T, k);
    size_t split = q % 2 ? 0 : gsl_rng_uniform_int(g, n); /* some go in one by one first */
    assert_int_equal(es_rung_add_many(bulk, split, ids, obj), 0);
    assert_int_equal(es_rung_add_many(bulk, n - split, ids + split, obj + split * k), 0);
    assert_int_equal(es_rung_size(bulk), n);
    long a[MAXN], b[MAXN];
    assert_int_equal(es_rung_order(one, a), 0);
    assert_int_equal(es_rung_order(bulk, b), 0);
    for (size_t s = 0; s < n; s++) {
      if (a[s] != b[s]) fail_msg("%s k=%zu n=%zu: order[%zu] %ld vs %ld", T->name, k, n, s, a[s], b[s]);
      assert_int_equal(position_of(bulk, a[s]), s);
    }
    /* And both keep taking reports alike. */
    double p[MAXK];
    draw(g, k, grid, p);
    assert_int_equal(es_rung_add(one, 1000, p), 0);
    assert_int_equal(es_rung_add(bulk, 1000, p), 0);
    assert_int_equal(position_of(one, 1000), position_of(bulk, 1000));
    es_rung_free(one);
    es_rung_free(bulk);
  }
  gsl_rng_free(g);

  /* Errors leave an empty rung empty. */
  es_rung *r = es_rung_alloc(&es_selection_pareto, 2);
  double v[6] = {1, 2, 3, 4, 5, 6}, bad[6] = {1, 2, NAN, 4, 5, 6};
  long dup[3] = {1, 2, 1}, fine[3] = {1, 2, 3};
  assert_int_equal(es_rung_add_many(r, 3, dup, v), -EEXIST);
  assert_int_equal(es_rung_size(r), 0);
  assert_int_equal(es_rung_add_many(r, 3, fine, bad), -EINVAL);
  assert_int_equal(es_rung_size(r), 0);
  assert_int_equal(es_rung_add_many(r, 3, fine, v), 0);
  assert_int_equal(es_rung_size(r), 3);
  assert_int_equal(position_of(r, 1), 0);
  assert_int_equal(position_of(r, 3), 2);
  /* Into a non-empty rung: one by one, stopping at the first error. */
  long more[2] = {4, 2};
  assert_int_equal(es_rung_add_many(r, 2, more, v), -EEXIST);
  assert_int_equal(es_rung_size(r), 4);
  es_rung_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_registry),
      cmocka_unit_test(test_quota),
      cmocka_unit_test(test_store_errors),
      cmocka_unit_test(test_store_ids),
      cmocka_unit_test(test_first_result_continues),
      cmocka_unit_test(test_scalar_ties_and_duplicates),
      cmocka_unit_test(test_pareto_mixed_goals),
      cmocka_unit_test(test_pareto_crowding_order),
      cmocka_unit_test(test_pareto_duplicates),
      cmocka_unit_test(test_epsnet_hand_made),
      cmocka_unit_test(test_epsnet_three_objectives),
      cmocka_unit_test(test_pareto_random),
      cmocka_unit_test(test_epsnet_random),
      cmocka_unit_test(test_scalar_random),
      cmocka_unit_test(test_fronts_invariants),
      cmocka_unit_test(test_fronts_cascade),
      cmocka_unit_test(test_add_many),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
