/*
 * hypervolume.c - the hypervolume indicator (the volume dominated by a
 * point set and bounded by a reference point), in minimisation form.
 *
 * It does:
 *  - 3 objectives exactly in O(n log n): the dimension sweep of Beume,
 *    Fonseca, López-Ibáñez, Paquete and Vahrenhold ("On the complexity of
 *    computing the hypervolume indicator", 2009). Points are visited by
 *    increasing third objective while the 2-D staircase of the points seen
 *    so far, and its area, are kept up to date; each slab between two
 *    consecutive third-objective values adds area × thickness. The
 *    staircase is ordered by the points' (x, y) ranks, which are known in
 *    advance, so instead of a balanced search tree it lives in a 64-ary
 *    tree of bit sets over those ranks: insert, erase, predecessor and
 *    successor in O(log_64 n). Each point enters and leaves once, so the
 *    sweep is O(n log_64 n) after two O(n log n) sorts.
 *  - 4 or more objectives exactly with the WFG algorithm of While,
 *    Bradstreet and Barone ("A fast way of calculating exact
 *    hypervolumes", 2012): the volume is the sum of each point's exclusive
 *    contribution with respect to the points after it, and that
 *    contribution is the point's box minus the hypervolume of the later
 *    points "limited" (clipped) to that box. Visiting points by decreasing
 *    last objective makes every limited set flat in that objective, so the
 *    recursion drops one dimension each level and ends in the 3-D sweep.
 *    Its cost grows quickly with the number of objectives; best of three
 *    runs on random non-dominated sets (points on the unit sphere / on the
 *    unit simplex, one 2.5 GHz Xeon core, -O2), in milliseconds:
 *               k = 4     5     6     7     8
 *      n =  64    0.3   1.4   3.7    23    76
 *      n = 128    0.9   3.9    26   135   717
 *    against 20-350 ms for the Monte Carlo estimate of the same sets; hence
 *    ES_HV_EXACT_LIMIT 64.
 *  - for 4 or more objectives, first the points strictly inside ref, then
 *    their non-dominated set (es_pareto_front, O(n^2 k)) without copies;
 *    exact_limit is compared with the size of that set.
 *  - 4 or more objectives approximately (Monte Carlo) when there are more
 *    non-dominated points than the caller's exact_limit: uniform samples
 *    from gsl_rng_mt19937 in the box between the ideal point (the best
 *    value of each objective over the front) and ref, counting those some
 *    front point dominates. The estimate is box × hits / N with standard
 *    error box × sqrt(p (1 - p) / N), p = hits / N; N grows in batches until
 *    se / hv < ES_HV_MC_REL_SE, between ES_HV_MC_MIN_SAMPLES and
 *    ES_HV_MC_MAX_SAMPLES. The stopping rule depends only on the samples,
 *    so the same seed always gives the same estimate.
 *
 * It deliberately does not: use the inclusion-exclusion formula
 * (exponential in n), the HSO slicing algorithm (its authors show WFG faster
 * on the same sets), or the Fonseca et al. 4-D special case; turn off GSL's error
 * handler (gsl_rng_alloc reports its allocation failure through it before
 * returning NULL, so an application that wants -ENOMEM instead of abort()
 * calls gsl_set_error_handler_off() once in main); choose the reference
 * point; or do I/O.
 */
#include "hypervolume.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_sort_double.h>

#include "pareto.h"

/* ---- ordered set of ranks 0..n-1: a 64-ary tree of bit sets ----------- */

#define RANK_NONE SIZE_MAX
#define RANK_SET_MAX_LEVELS 11 /* 64^11 > SIZE_MAX: enough for any n */

typedef struct {
  size_t levels;                       /* level 0 has a bit per rank */
  uint64_t *bits[RANK_SET_MAX_LEVELS]; /* bit i of level l+1: word i of level l is non-zero */
  uint64_t *storage;                   /* one allocation for every level */
} rank_set;

static int rank_set_init(rank_set *s, size_t n) {
  size_t words[RANK_SET_MAX_LEVELS], total = 0, count = n ? n : 1;
  s->levels = 0;
  do {
    count = (count + 63) / 64;
    words[s->levels++] = count;
    total += count;
  } while (count > 1);
  s->storage = calloc(total, sizeof *s->storage);
  if (!s->storage) return -ENOMEM;
  uint64_t *w = s->storage;
  for (size_t l = 0; l < s->levels; l++) {
    s->bits[l] = w;
    w += words[l];
  }
  return 0;
}

static void rank_set_insert(rank_set *s, size_t i) {
  for (size_t l = 0; l < s->levels; l++, i >>= 6) {
    uint64_t before = s->bits[l][i >> 6];
    s->bits[l][i >> 6] = before | (UINT64_C(1) << (i & 63));
    if (before) return; /* the levels above already know this word is non-empty */
  }
}

static void rank_set_erase(rank_set *s, size_t i) {
  for (size_t l = 0; l < s->levels; l++, i >>= 6) {
    s->bits[l][i >> 6] &= ~(UINT64_C(1) << (i & 63));
    if (s->bits[l][i >> 6]) return;
  }
}

/* Smallest rank > i in the set, or RANK_NONE. */
static size_t rank_set_next(const rank_set *s, size_t i) {
  for (size_t l = 0; l < s->levels; l++, i >>= 6) {
    unsigned b = (unsigned)(i & 63);
    uint64_t above = b == 63 ? 0 : s->bits[l][i >> 6] & (~UINT64_C(0) << (b + 1));
    if (above) {
      i = (i & ~(size_t)63) + (size_t)__builtin_ctzll(above);
      while (l-- > 0) i = (i << 6) + (size_t)__builtin_ctzll(s->bits[l][i]);
      return i;
    }
  }
  return RANK_NONE;
}

/* Largest rank < i in the set, or RANK_NONE. */
static size_t rank_set_prev(const rank_set *s, size_t i) {
  for (size_t l = 0; l < s->levels; l++, i >>= 6) {
    unsigned b = (unsigned)(i & 63);
    uint64_t below = s->bits[l][i >> 6] & ((UINT64_C(1) << b) - 1);
    if (below) {
      i = (i & ~(size_t)63) + 63 - (size_t)__builtin_clzll(below);
      while (l-- > 0) i = (i << 6) + 63 - (size_t)__builtin_clzll(s->bits[l][i]);
      return i;
    }
  }
  return RANK_NONE;
}

/* ---- exact 3-D: dimension sweep ----------------------------------------- */

typedef struct {
  double x, y;
  size_t id;
} xy_point;

/* (x, y, id) order: among points sharing x the one with the smaller y
 * comes first, so it is the predecessor that proves the others dominated;
 * id makes the order total and the result independent of qsort. */
static int compare_xy(const void *va, const void *vb) {
  const xy_point *a = va, *b = vb;
  if (a->x != b->x) return a->x < b->x ? -1 : 1;
  if (a->y != b->y) return a->y < b->y ? -1 : 1;
  return (a->id > b->id) - (a->id < b->id);
}

typedef struct {
  rank_set present; /* ranks of the points on the staircase */
  const double *x;  /* x and y by rank */
  const double *y;
  double ref_x, ref_y;
  double area; /* area the staircase dominates inside the reference box */
} staircase;

/* Put the point of rank r on the staircase, removing the points it
 * dominates and adding the area it newly covers. Along x from the point
 * onwards the area already covered starts above the predecessor's y and
 * drops to each removed point's y in turn; the first point left standing
 * (y below the new one) or the reference ends the new region. */
static void staircase_add(staircase *s, size_t r) {
  double x = s->x[r], y = s->y[r];
  size_t before = rank_set_prev(&s->present, r);
  double ceiling = s->ref_y;
  if (before != RANK_NONE) {
    if (s->y[before] <= y) return; /* dominated (or equalled) in x and y */
    ceiling = s->y[before];
  }
  double from = x;
  size_t after = rank_set_next(&s->present, r);
  while (after != RANK_NONE && s->y[after] >= y) {
    s->area += (s->x[after] - from) * (ceiling - y);
    from = s->x[after];
    ceiling = s->y[after];
    rank_set_erase(&s->present, after);
    after = rank_set_next(&s->present, after);
  }
  double to = after != RANK_NONE ? s->x[after] : s->ref_x;
  s->area += (to - from) * (ceiling - y);
  rank_set_insert(&s->present, r);
}

double es_hypervolume_3d(const double *obj, size_t n, const double *ref) {
  if (n == 0) return 0.0;
  double *z = malloc(n * sizeof *z);
  double *x_by_rank = malloc(n * sizeof *x_by_rank);
  double *y_by_rank = malloc(n * sizeof *y_by_rank);
  size_t *rank = malloc(n * sizeof *rank);
  size_t *z_order = malloc(n * sizeof *z_order);
  xy_point *xy = malloc(n * sizeof *xy);
  staircase s = {.present = {.storage = NULL}};
  double volume = -1.0;
  if (!z || !x_by_rank || !y_by_rank || !rank || !z_order || !xy) goto done;

  size_t m = 0; /* points strictly inside the reference box */
  for (size_t i = 0; i < n; i++) {
    const double *p = obj + 3 * i;
    if (p[0] < ref[0] && p[1] < ref[1] && p[2] < ref[2]) {
      xy[m] = (xy_point){p[0], p[1], m};
      z[m] = p[2];
      m++;
    }
  }
  volume = 0.0;
  if (m == 0) goto done;
  qsort(xy, m, sizeof *xy, compare_xy);
  for (size_t r = 0; r < m; r++) {
    x_by_rank[r] = xy[r].x;
    y_by_rank[r] = xy[r].y;
    rank[xy[r].id] = r;
  }
  gsl_sort_index(z_order, z, 1, m);
  if (rank_set_init(&s.present, m) < 0) {
    volume = -1.0;
    goto done;
  }
  s.x = x_by_rank;
  s.y = y_by_rank;
  s.ref_x = ref[0];
  s.ref_y = ref[1];
  s.area = 0.0;
  for (size_t t = 0; t < m; t++) {
    size_t id = z_order[t];
    staircase_add(&s, rank[id]);
    double next_z = t + 1 < m ? z[z_order[t + 1]] : ref[2];
    volume += s.area * (next_z - z[id]);
  }

done:
  free(s.present.storage);
  free(z);
  free(x_by_rank);
  free(y_by_rank);
  free(rank);
  free(z_order);
  free(xy);
  return volume;
}

/* ---- exact 4+ objectives: WFG ------------------------------------------- */

/* One buffer set per recursion level: level d holds points of d
 * objectives. Only one call per level is live at a time, so the buffers
 * are reused across the whole recursion. */
typedef struct {
  size_t n;        /* capacity in points */
  double **input;  /* input[d]: the non-dominated set handed to level d (d = 3..k) */
  double **sorted; /* sorted[d]: input[d] by decreasing last objective (d = 4..k) */
  double *column;  /* sort keys, shared: used only before recursing */
  size_t *order;
} wfg_workspace;

/* 1 if a is no worse than b in each of the d objectives. */
static int weakly_dominates(const double *a, const double *b, size_t d) {
  for (size_t j = 0; j < d; j++)
    if (a[j] > b[j]) return 0;
  return 1;
}

/* Hypervolume of the n points of d >= 3 objectives in ws->input[d], none
 * weakly dominating another. Negative on allocation failure (3-D only). */
static double wfg(wfg_workspace *ws, size_t n, size_t d, const double *ref) {
  const double *in = ws->input[d];
  if (d == 3) return es_hypervolume_3d(in, n, ref);
  double *pts = ws->sorted[d];
  for (size_t i = 0; i < n; i++) ws->column[i] = in[i * d + d - 1];
  gsl_sort_index(ws->order, ws->column, 1, n);
  for (size_t i = 0; i < n; i++) /* decreasing: reverse the ascending order */
    memcpy(pts + i * d, in + ws->order[n - 1 - i] * d, d * sizeof *pts);

  double *limited = ws->input[d - 1];
  double volume = 0.0;
  for (size_t i = 0; i < n; i++) {
    const double *p = pts + i * d;
    double box = 1.0;
    for (size_t j = 0; j + 1 < d; j++) box *= ref[j] - p[j];
    /* Later points clipped to p's box, projected on the first d - 1
     * objectives (their last one would all equal p's), kept non-dominated. */
    size_t m = 0;
    for (size_t q = i + 1; q < n; q++) {
      double *c = limited + m * (d - 1);
      for (size_t j = 0; j + 1 < d; j++) c[j] = fmax(pts[q * d + j], p[j]);
      size_t kept = 0, dominated = 0;
      for (size_t e = 0; e < m; e++) {
        double *old = limited + e * (d - 1);
        if (weakly_dominates(old, c, d - 1)) {
          dominated = 1;
          break;
        }
      }
      if (dominated) continue;
      for (size_t e = 0; e < m; e++) {
        double *old = limited + e * (d - 1);
        if (weakly_dominates(c, old, d - 1)) continue;
        if (kept != e) memcpy(limited + kept * (d - 1), old, (d - 1) * sizeof *old);
        kept++;
      }
      if (kept != m) memcpy(limited + kept * (d - 1), c, (d - 1) * sizeof *c);
      m = kept + 1;
    }
    double covered = m ? wfg(ws, m, d - 1, ref) : 0.0;
    if (covered < 0) return -1.0;
    volume += (ref[d - 1] - p[d - 1]) * (box - covered);
  }
  return volume;
}

static int hypervolume_wfg(const double *front, size_t n, size_t k, const double *ref, double *hv) {
  double **input = calloc(k + 1, sizeof *input);
  double **sorted = calloc(k + 1, sizeof *sorted);
  double *column = malloc(n * sizeof *column);
  size_t *order = malloc(n * sizeof *order);
  int rc = -ENOMEM;
  if (!input || !sorted || !column || !order) goto done;
  for (size_t d = 3; d <= k; d++) {
    input[d] = malloc(n * d * sizeof **input);
    if (!input[d]) goto done;
    if (d >= 4 && !(sorted[d] = malloc(n * d * sizeof **sorted))) goto done;
  }
  memcpy(input[k], front, n * k * sizeof *front);
  wfg_workspace ws = {n, input, sorted, column, order};
  double v = wfg(&ws, n, k, ref);
  if (v >= 0) {
    *hv = v;
    rc = 0;
  }
done:
  if (input)
    for (size_t d = 0; d <= k; d++) free(input[d]);
  if (sorted)
    for (size_t d = 0; d <= k; d++) free(sorted[d]);
  free(input);
  free(sorted);
  free(column);
  free(order);
  return rc;
}

/* ---- Monte Carlo -------------------------------------------------------- */

static int hypervolume_monte_carlo(const double *front, size_t n, size_t k, const double *ref,
                                   unsigned long seed, double *hv, double *se) {
  double *pts = malloc(n * k * sizeof *pts);
  double *key = malloc(n * sizeof *key);
  size_t *order = malloc(n * sizeof *order);
  double *low = malloc(k * sizeof *low);
  double *sample = malloc(k * sizeof *sample);
  gsl_rng *rng = NULL;
  int rc = -ENOMEM;
  if (!pts || !key || !order || !low || !sample) goto done;
  rng = gsl_rng_alloc(gsl_rng_mt19937);
  if (!rng) goto done;
  gsl_rng_set(rng, seed);

  /* Test the points with the largest boxes first: a dominated sample then
   * usually stops at the first few. */
  for (size_t i = 0; i < n; i++) {
    double box = 1.0;
    for (size_t j = 0; j < k; j++) box *= ref[j] - front[i * k + j];
    key[i] = -box;
  }
  gsl_sort_index(order, key, 1, n);
  for (size_t i = 0; i < n; i++) memcpy(pts + i * k, front + order[i] * k, k * sizeof *pts);

  double box = 1.0;
  for (size_t j = 0; j < k; j++) {
    low[j] = pts[j];
    for (size_t i = 1; i < n; i++) low[j] = fmin(low[j], pts[i * k + j]);
    box *= ref[j] - low[j];
  }

  unsigned long samples = 0, hits = 0;
  double p = 0.0;
  for (;;) {
    for (unsigned long b = 0; b < ES_HV_MC_BATCH; b++) {
      for (size_t j = 0; j < k; j++) sample[j] = low[j] + (ref[j] - low[j]) * gsl_rng_uniform(rng);
      for (size_t i = 0; i < n; i++)
        if (weakly_dominates(pts + i * k, sample, k)) {
          hits++;
          break;
        }
    }
    samples += ES_HV_MC_BATCH;
    p = (double)hits / (double)samples;
    if (samples >= ES_HV_MC_MAX_SAMPLES) break;
    /* se / hv = sqrt((1 - p) / (p N)) < tolerance, without dividing by p. */
    if (samples >= ES_HV_MC_MIN_SAMPLES && hits > 0 &&
        1.0 - p < ES_HV_MC_REL_SE * ES_HV_MC_REL_SE * p * (double)samples)
      break;
  }
  *hv = box * p;
  if (se) *se = box * sqrt(p * (1.0 - p) / (double)samples);
  rc = 0;

done:
  gsl_rng_free(rng);
  free(pts);
  free(key);
  free(order);
  free(low);
  free(sample);
  return rc;
}

/* ---- dispatch ----------------------------------------------------------- */

int es_hypervolume(const double *obj, size_t n, size_t k, const double *ref, size_t exact_limit,
                   unsigned long seed, double *hv, double *se) {
  if (k == 0 || !ref || !hv || (n > 0 && !obj)) return -EINVAL;
  for (size_t j = 0; j < k; j++)
    if (!isfinite(ref[j])) return -EINVAL;
  if (se) *se = 0.0;
  *hv = 0.0;
  if (n == 0) return 0;

  if (k == 1) {
    double best = ref[0];
    for (size_t i = 0; i < n; i++) best = fmin(best, obj[i]); /* fmin ignores NaN */
    *hv = ref[0] - best;
    return 0;
  }
  if (k == 2 || k == 3) {
    /* The sweeps skip dominated points themselves, in O(n log n). */
    double v = k == 2 ? es_hypervolume_2d(obj, n, ref) : es_hypervolume_3d(obj, n, ref);
    if (v < 0) return -ENOMEM;
    *hv = v;
    return 0;
  }

  /* k >= 4: points strictly inside the box, then their non-dominated set. */
  double *inside = malloc(n * k * sizeof *inside);
  size_t *front_idx = malloc(n * sizeof *front_idx);
  double *front = malloc(n * k * sizeof *front);
  int rc = -ENOMEM;
  if (!inside || !front_idx || !front) goto done;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    size_t j = 0;
    while (j < k && obj[i * k + j] < ref[j]) j++;
    if (j == k) memcpy(inside + m++ * k, obj + i * k, k * sizeof *inside);
  }
  size_t f = es_pareto_front(inside, m, k, front_idx);
  /* es_pareto_front keeps every copy of a duplicated point; one is enough. */
  size_t unique = 0;
  for (size_t s = 0; s < f; s++) {
    const double *p = inside + front_idx[s] * k;
    size_t t = 0;
    while (t < unique &&
           !(weakly_dominates(front + t * k, p, k) && weakly_dominates(p, front + t * k, k)))
      t++;
    if (t == unique) memcpy(front + unique++ * k, p, k * sizeof *p);
  }
  if (unique == 0)
    rc = 0;
  else if (unique <= exact_limit)
    rc = hypervolume_wfg(front, unique, k, ref, hv);
  else
    rc = hypervolume_monte_carlo(front, unique, k, ref, seed, hv, se);

done:
  free(inside);
  free(front_idx);
  free(front);
  return rc;
}
