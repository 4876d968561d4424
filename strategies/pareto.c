/*
 * pareto.c - dominance, non-dominated fronts and ranks, NSGA-II crowding
 * distance and the exact 2-D hypervolume, on plain row-major arrays.
 *
 * It does: everything in minimisation form (es_pareto_orient negates "max"
 * goals). Identical points never dominate each other, so every copy of a
 * non-dominated point is on the front. Two objectives get O(n log n)
 * sweeps (sorted with gsl_sort_index / gsl_sort2); any number of
 * objectives gets the O(n^2 k) definitions.
 *
 * It deliberately does not: treat NaN specially (callers drop trials with
 * missing or non-finite objectives first), handle constraints (the
 * selection layer applies constrained domination before calling here),
 * compute hypervolume for k > 2, or do I/O.
 */
#include "pareto.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_sort_double.h>

int es_dominates(const double *a, const double *b, size_t k) {
  int better = 0;
  for (size_t j = 0; j < k; j++) {
    if (a[j] > b[j]) return 0;
    if (a[j] < b[j]) better = 1;
  }
  return better;
}

void es_pareto_orient(const double *in, size_t n, size_t k, const int *maximize, double *out) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < k; j++) {
      double v = in[i * k + j];
      out[i * k + j] = maximize && maximize[j] ? -v : v;
    }
}

/* Two objectives: sort by the first; a group of points sharing the first
 * value contributes only its smallest second values, and only if those
 * beat every point with a strictly smaller first value. */
static int front_2d(const double *obj, size_t n, char *on_front) {
  size_t *order = malloc(n * sizeof *order);
  double *f0 = malloc(n * sizeof *f0);
  if (!order || !f0) {
    free(order);
    free(f0);
    return -ENOMEM;
  }
  for (size_t i = 0; i < n; i++) f0[i] = obj[2 * i];
  gsl_sort_index(order, f0, 1, n);
  double best_before = INFINITY; /* smallest f1 among strictly smaller f0 */
  for (size_t g = 0; g < n;) {
    size_t end = g;
    double group_min = INFINITY;
    while (end < n && f0[order[end]] == f0[order[g]]) {
      double f1 = obj[2 * order[end] + 1];
      if (f1 < group_min) group_min = f1;
      end++;
    }
    if (g == 0 || group_min < best_before) {
      for (size_t s = g; s < end; s++)
        if (obj[2 * order[s] + 1] == group_min) on_front[order[s]] = 1;
    }
    if (group_min < best_before) best_before = group_min;
    g = end;
  }
  free(order);
  free(f0);
  return 0;
}

size_t es_pareto_front(const double *obj, size_t n, size_t k, size_t *out) {
  if (n == 0) return 0;
  char *on_front = calloc(n, 1);
  int fast = on_front && k == 2 && front_2d(obj, n, on_front) == 0;
  if (!fast) {
    /* General case, and the fallback when the 2-D sweep cannot allocate:
     * the definition needs no memory beyond out. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
      size_t j = 0;
      while (j < n && !es_dominates(obj + j * k, obj + i * k, k)) j++;
      if (j == n) out[m++] = i;
    }
    free(on_front);
    return m;
  }
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (on_front[i]) out[m++] = i;
  free(on_front);
  return m;
}

/* Deb et al.'s fast non-dominated sort, recomputing each front member's
 * "dominated set" instead of storing it: the same O(n^2 k) time with O(n)
 * memory instead of O(n^2). */
int es_pareto_rank(const double *obj, size_t n, size_t k, int *rank) {
  if (n == 0) return 0;
  size_t *count = calloc(n, sizeof *count); /* how many unranked points dominate i */
  size_t *front = malloc(n * sizeof *front);
  size_t *next = malloc(n * sizeof *next);
  if (!count || !front || !next) {
    free(count);
    free(front);
    free(next);
    return -ENOMEM;
  }
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    rank[i] = -1;
    for (size_t j = 0; j < n; j++)
      if (es_dominates(obj + j * k, obj + i * k, k)) count[i]++;
    if (count[i] == 0) front[m++] = i;
  }
  for (int r = 0; m > 0; r++) {
    size_t m_next = 0;
    for (size_t a = 0; a < m; a++) rank[front[a]] = r;
    for (size_t a = 0; a < m; a++) {
      const double *p = obj + front[a] * k;
      for (size_t q = 0; q < n; q++)
        if (count[q] > 0 && es_dominates(p, obj + q * k, k) && --count[q] == 0) next[m_next++] = q;
    }
    size_t *t = front;
    front = next;
    next = t;
    m = m_next;
  }
  free(count);
  free(front);
  free(next);
  return 0;
}

/* Order the front by objective j, ties kept in idx order so the result
 * does not depend on the (unstable) sort GSL uses. order[] holds positions
 * in idx; pos is scratch of m doubles. */
static void order_by_objective(const double *obj, size_t k, const size_t *idx, size_t m, size_t j,
                               double *vals, double *pos, size_t *order) {
  for (size_t s = 0; s < m; s++) vals[s] = obj[idx[s] * k + j];
  gsl_sort_index(order, vals, 1, m);
  for (size_t g = 0; g < m;) {
    size_t end = g + 1;
    while (end < m && vals[order[end]] == vals[order[g]]) end++;
    if (end - g > 1) {
      for (size_t s = g; s < end; s++) pos[s - g] = (double)order[s];
      gsl_sort(pos, 1, end - g);
      for (size_t s = g; s < end; s++) order[s] = (size_t)pos[s - g];
    }
    g = end;
  }
}

void es_crowding_distance(const double *obj, size_t k, const size_t *idx, size_t m, double *dist) {
  for (size_t s = 0; s < m; s++) dist[s] = 0.0;
  if (m <= 2) {
    /* Every point is a boundary point. */
    for (size_t s = 0; s < m; s++) dist[s] = INFINITY;
    return;
  }
  double *vals = malloc(m * sizeof *vals);
  double *pos = malloc(m * sizeof *pos);
  size_t *order = malloc(m * sizeof *order);
  if (!vals || !pos || !order) {
    /* No way to report failure through this interface: leave every point
     * equally crowded, which degrades selection to its tie-break. */
    free(vals);
    free(pos);
    free(order);
    return;
  }
  for (size_t j = 0; j < k; j++) {
    order_by_objective(obj, k, idx, m, j, vals, pos, order);
    double lo = vals[order[0]], hi = vals[order[m - 1]];
    double range = hi - lo;
    /* An objective on which the whole front agrees says nothing about
     * crowding, and has no meaningful boundary either. */
    if (!(range > 0.0)) continue;
    dist[order[0]] = INFINITY;
    dist[order[m - 1]] = INFINITY;
    for (size_t s = 1; s + 1 < m; s++)
      dist[order[s]] += (vals[order[s + 1]] - vals[order[s - 1]]) / range;
  }
  free(vals);
  free(pos);
  free(order);
}

double es_hypervolume_2d(const double *obj, size_t n, const double *ref) {
  if (n == 0) return 0.0;
  double *f0 = malloc(n * sizeof *f0);
  double *f1 = malloc(n * sizeof *f1);
  if (!f0 || !f1) {
    free(f0);
    free(f1);
    return -1.0;
  }
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (obj[2 * i] < ref[0] && obj[2 * i + 1] < ref[1]) {
      f0[m] = obj[2 * i];
      f1[m] = obj[2 * i + 1];
      m++;
    }
  gsl_sort2(f0, 1, f1, 1, m);
  /* Sweep by increasing first objective: each point that lowers the best
   * second value so far adds the slab between it and the previous best.
   * Dominated points and duplicates lower nothing and add nothing; points
   * sharing f0 add up to the slab of the lowest of them in any order. */
  double volume = 0.0, best = ref[1];
  for (size_t s = 0; s < m; s++)
    if (f1[s] < best) {
      volume += (ref[0] - f0[s]) * (best - f1[s]);
      best = f1[s];
    }
  free(f0);
  free(f1);
  return volume;
}
