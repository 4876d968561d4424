/*
 * rung_scaling.c - how the cost of one report at a rung grows with the
 * number of results already there (strategies/selection*.c).
 *
 * It does: for each selection (scalar, pareto, epsnet) and three kinds of
 * rung - two uniform random objectives (many small fronts), two opposed
 * objectives (accuracy against joules: nearly every result on one front,
 * the hard case for crowding and the epsilon-net) and three uniform
 * objectives - fill a rung with n = 10^2 .. 10^5 results, then time
 * reports of fresh results (es_rung_promote: record, then decide with
 * eta = 3) and print the mean time per report and that time divided by n.
 * A flat last column means linear cost per report. It then counts the
 * cascade work of the fronts engine per report (the term selection.h
 * bounds only for k <= 2), and for contrast times one from-scratch ranking
 * (es_pareto_rank + es_crowding_distance of pareto.c, O(n^2 k)) - what a
 * report would cost if it re-sorted the rung.
 *
 * It deliberately does not: compare against a stored baseline or fail
 * (numbers are machine-dependent; read ratios, not absolute times), or go
 * past 10^4 results with three objectives: filling such a rung takes one
 * O(n k) add per result (there is no sub-quadratic bulk build for k >= 3),
 * which would not fit the 20 s budget. Takes no arguments.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_rng.h>

#include "strategies/pareto.h"
#include "strategies/selection.h"

enum { KIND_UNIFORM2, KIND_TRADEOFF2, KIND_UNIFORM3 };
static const char *const kind_names[] = {"2 uniform", "2 opposed", "3 uniform"};
static const size_t kind_k[] = {2, 2, 3};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void draw(gsl_rng *g, int kind, double *out) {
  if (kind == KIND_TRADEOFF2) {
    double acc = gsl_rng_uniform(g);
    out[0] = -acc;                                           /* accuracy, negated */
    out[1] = 1000.0 * acc * acc + 50.0 * gsl_rng_uniform(g); /* joules */
    return;
  }
  for (size_t j = 0; j < kind_k[kind]; j++) out[j] = gsl_rng_uniform(g);
}

/* Mean seconds per report after filling a rung with n results. */
static double time_reports(const es_selection_type *T, int kind, size_t n, size_t reports, gsl_rng *g,
                           double *fill_s) {
  const size_t k = kind_k[kind];
  double *obj = malloc(n * k * sizeof *obj);
  long *ids = malloc(n * sizeof *ids);
  es_rung *r = es_rung_alloc(T, k);
  if (!obj || !ids || !r) {
    fprintf(stderr, "rung_scaling: out of memory\n");
    exit(1);
  }
  for (size_t i = 0; i < n; i++) {
    draw(g, kind, obj + i * k);
    ids[i] = (long)i;
  }
  double t0 = now();
  if (es_rung_add_many(r, n, ids, obj) != 0) {
    fprintf(stderr, "rung_scaling: es_rung_add_many failed\n");
    exit(1);
  }
  *fill_s = now() - t0;
  double p[3];
  size_t continued = 0;
  t0 = now();
  for (size_t s = 0; s < reports; s++) {
    draw(g, kind, p);
    int rc = es_rung_promote(r, (long)(n + s), p, 3.0);
    if (rc < 0) {
      fprintf(stderr, "rung_scaling: es_rung_promote failed (%d)\n", rc);
      exit(1);
    }
    continued += (size_t)rc;
  }
  double per = (now() - t0) / (double)reports;
  /* Roughly a third continue: a sanity check that the rule ran. */
  if (continued == 0 && reports >= 30) fprintf(stderr, "rung_scaling: nothing continued?\n");
  es_rung_free(r);
  free(obj);
  free(ids);
  return per;
}

/* Mean cascade work (es_fronts_cascade_tests) per added result, over
 * `reports` results added to a rung of n. The rung is a scalar one: it
 * only holds the arrays the engine reads. */
static double cascade_work(int kind, size_t n, size_t reports, gsl_rng *g) {
  const size_t k = kind_k[kind];
  es_rung *r = es_rung_alloc(&es_selection_scalar, k);
  es_fronts *f = es_fronts_alloc(k);
  double *obj = malloc(n * k * sizeof *obj);
  long *ids = malloc(n * sizeof *ids);
  if (!r || !f || !obj || !ids) exit(1);
  for (size_t i = 0; i < n; i++) {
    draw(g, kind, obj + i * k);
    ids[i] = (long)i;
  }
  if (k == 2) {
    if (es_rung_add_many(r, n, ids, obj) != 0 || es_fronts_load(f, r) != 0) exit(1);
  } else {
    for (size_t i = 0; i < n; i++)
      if (es_rung_add(r, ids[i], obj + i * k) != 0 || es_fronts_add(f, r) != 0) exit(1);
  }
  unsigned long long before = es_fronts_cascade_tests(f);
  double p[3];
  for (size_t s = 0; s < reports; s++) {
    draw(g, kind, p);
    if (es_rung_add(r, (long)(n + s), p) != 0 || es_fronts_add(f, r) != 0) exit(1);
  }
  double w = (double)(es_fronts_cascade_tests(f) - before) / (double)reports;
  es_fronts_free(f);
  es_rung_free(r);
  free(obj);
  free(ids);
  return w;
}

/* One full from-scratch ranking: non-dominated sort + crowding per front. */
static double time_from_scratch(int kind, size_t n, gsl_rng *g) {
  const size_t k = kind_k[kind];
  double *obj = malloc(n * k * sizeof *obj), *dist = malloc(n * sizeof *dist);
  int *rank = malloc(n * sizeof *rank);
  size_t *idx = malloc(n * sizeof *idx);
  if (!obj || !dist || !rank || !idx) exit(1);
  for (size_t i = 0; i < n; i++) draw(g, kind, obj + i * k);
  double t0 = now();
  if (es_pareto_rank(obj, n, k, rank) != 0) exit(1);
  for (int r = 0;; r++) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
      if (rank[i] == r) idx[m++] = i;
    if (m == 0) break;
    es_crowding_distance(obj, k, idx, m, dist);
  }
  double t = now() - t0;
  free(obj);
  free(dist);
  free(rank);
  free(idx);
  return t;
}

int main(void) {
  gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(g, 2024);
  const size_t sizes[] = {100, 1000, 10000, 100000};
  double start = now();
  printf("# rung_scaling: one report (record + promotion decision, eta 3) at a rung of n results\n");
  printf("# %-7s %-10s %8s %14s %16s %12s\n", "rule", "objectives", "n", "us/report", "ns/report/n",
         "fill s");
  for (size_t t = 0; es_selection_types[t]; t++) {
    const es_selection_type *T = es_selection_types[t];
    for (int kind = 0; kind < 3; kind++) {
      for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        size_t n = sizes[si];
        if (kind == KIND_UNIFORM3 && n > 10000) {
          printf("  %-7s %-10s %8zu %14s %16s %12s\n", T->name, kind_names[kind], n, "-", "-", "(skipped)");
          continue;
        }
        size_t reports = n >= 100000 ? 40 : n >= 10000 ? 100 : 400;
        double fill;
        double per = time_reports(T, kind, n, reports, g, &fill);
        printf("  %-7s %-10s %8zu %14.2f %16.3f %12.3f\n", T->name, kind_names[kind], n, per * 1e6,
               per * 1e9 / (double)n, fill);
        fflush(stdout);
      }
    }
  }
  printf(
      "# cascade work per report in the fronts engine (pareto, epsnet): k = 2 counts sweep\n"
      "# steps, k = 3 dominance tests between movers and the results they may push down\n");
  printf("# %-7s %-10s %8s %14s %16s\n", "engine", "objectives", "n", "work/report", "work/report/n");
  for (int kind = 0; kind < 3; kind++)
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
      size_t n = sizes[si];
      if (kind == KIND_UNIFORM3 && n > 10000) continue;
      double w = cascade_work(kind, n, n >= 10000 ? 100 : 400, g);
      printf("  %-7s %-10s %8zu %14.1f %16.4f\n", "fronts", kind_names[kind], n, w, w / (double)n);
      fflush(stdout);
    }
  printf(
      "# from scratch: es_pareto_rank + es_crowding_distance over the whole rung (O(n^2 k);\n"
      "# 10^4 would take seconds)\n");
  for (int kind = 0; kind < 3; kind++)
    for (size_t n = 100; n <= 1000; n *= 10) {
      double s = time_from_scratch(kind, n, g);
      printf("  %-7s %-10s %8zu %14.2f %16.3f\n", "scratch", kind_names[kind], n, s * 1e6,
             s * 1e9 / (double)n);
    }
  printf("# total %.1f s\n", now() - start);
  gsl_rng_free(g);
  return 0;
}
