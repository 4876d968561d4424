/*
 * reference_hv.c - the search benchmark's reference: the Pareto front of
 * accuracy (max) against training joules (min) of the surrogate
 * (examples/bench/surrogate.c), taken over a dense random sample of its
 * search space, and that front's hypervolume. Every method in the
 * benchmark (ecosweep's strategies and Optuna's samplers) is scored by
 * the joules its search spends before its own points reach 80 / 90 / 95 %
 * of this hypervolume.
 *
 * The sample: N configurations (200,000 unless given) drawn uniformly with
 * a fixed seed, the way ecosweep's random sampler draws them (log
 * parameters uniform in log space; int ones widened by half an integer
 * each side, then rounded; categorical values equally likely), from a
 * splitmix64 stream. Each configuration counts at every epoch 1..81: a
 * model stopped after epoch e is a valid cheaper model, with point
 * (accuracy after e, joules of epochs 1..e). Within a configuration only
 * the epochs that beat all earlier ones on accuracy can be on the front,
 * and of those only the ones that the front found so far does not
 * dominate are kept; the kept points are merged into the front chunk by
 * chunk with es_pareto_front() (strategies/pareto.c).
 *
 * The reference point, fixed by a rule rather than by looking at any
 * search: accuracy 0.5 (half of a 10-class task's range above chance is
 * the least a model must reach to be of use; below it nothing counts),
 * and joules = the median cost of fully training (81 epochs) a
 * configuration drawn from the space, over the same sample - "what
 * training one typical model costs". A cheap model then earns area in
 * proportion to how much cheaper than a typical full training it is.
 * Hypervolume in minimisation form (-accuracy, joules), exact
 * (es_hypervolume_2d()).
 *
 * Output, one JSON object on stdout:
 *   {"objectives": ["accuracy", "energy_j"], "goals": ["max", "min"],
 *    "reference": [0.5, J], "hypervolume": h, "front_size": n, ...}
 * plus the sample's size and seed, the full-training cost quantiles, the
 * best accuracy, the fraction of configuration pairs whose order by
 * accuracy after epoch 3 differs from that after epoch 81 (how often
 * learning curves cross), and with --front the front's points.
 *
 * usage: reference_hv [--samples N] [--seed S] [--front]
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "examples/bench/surrogate.h"
#include "strategies/pareto.h"

#define DEFAULT_SAMPLES 200000L
#define DEFAULT_SEED 20240611ull
#define REF_ACCURACY 0.5
#define CHUNK_POINTS 65536 /* merge the front when the buffer holds this many */
#define CROSS_CONFIGS 2000      /* configurations in the crossing statistic */

typedef struct {
  uint64_t state;
} rng;

static double rng_unit(rng *r) {
  uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1.0p-53; /* [0, 1) */
}

static double log_float(rng *r, double lo, double hi) { return lo * exp(rng_unit(r) * log(hi / lo)); }

static long log_int(rng *r, long lo, long hi) {
  double ll = log((double)lo - 0.5), lh = log((double)hi + 0.5);
  long v = lround(exp(ll + rng_unit(r) * (lh - ll)));
  return v < lo ? lo : v > hi ? hi : v;
}

static long lin_int(rng *r, long lo, long hi) {
  long v = (long)floor((double)lo + rng_unit(r) * (double)(hi - lo + 1));
  return v > hi ? hi : v;
}

static void draw(rng *r, sg_params *p) {
  p->lr = log_float(r, SG_LR_LOW, SG_LR_HIGH);
  p->width = log_int(r, SG_WIDTH_LOW, SG_WIDTH_HIGH);
  p->depth = lin_int(r, SG_DEPTH_LOW, SG_DEPTH_HIGH);
  p->batch = log_int(r, SG_BATCH_LOW, SG_BATCH_HIGH);
  p->dropout = SG_DROPOUT_LOW + rng_unit(r) * (SG_DROPOUT_HIGH - SG_DROPOUT_LOW);
  p->weight_decay = log_float(r, SG_WD_LOW, SG_WD_HIGH);
  p->optimizer = (int)lin_int(r, 0, SG_N_OPTIMIZERS - 1);
  p->precision = (int)lin_int(r, 0, SG_N_PRECISIONS - 1);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The front found so far, sorted by joules, for a quick dominance test:
 * best[i] = the highest accuracy among the first i + 1 points. */
typedef struct {
  double *joules, *best;
  size_t n;
} sorted_front;

static int cmp_pair(const void *a, const void *b) {
  const double *x = a, *y = b;
  return x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : (x[0] < y[0] ? -1 : x[0] > y[0]);
}

/* obj (minimisation pairs) holds a front of n points: rebuild sf from it. */
static void sort_front(sorted_front *sf, double *obj, size_t n) {
  qsort(obj, n, 2 * sizeof *obj, cmp_pair);
  double best = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    if (-obj[2 * i] > best) best = -obj[2 * i];
    sf->joules[i] = obj[2 * i + 1];
    sf->best[i] = best;
  }
  sf->n = n;
}

/* 1 if some point of sf has accuracy >= acc at joules <= j (the point is
 * then dominated or a duplicate: either way it adds nothing). */
static int covered(const sorted_front *sf, double acc, double j) {
  size_t lo = 0, hi = sf->n; /* count of points with joules <= j */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (sf->joules[mid] <= j)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo > 0 && sf->best[lo - 1] >= acc;
}

/* Replace the n points in obj (pairs) by their front; returns its size. */
static size_t compact(double *obj, size_t n, size_t *idx) {
  size_t m = es_pareto_front(obj, n, 2, idx);
  for (size_t i = 0; i < m; i++) {
    obj[2 * i] = obj[2 * idx[i]]; /* idx ascending: never overwrites a later source */
    obj[2 * i + 1] = obj[2 * idx[i] + 1];
  }
  return m;
}

static double quantile(const double *sorted, size_t n, double q) {
  double pos = q * (double)(n - 1);
  size_t lo = (size_t)floor(pos);
  if (lo + 1 >= n) return sorted[n - 1];
  return sorted[lo] + (pos - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

int main(int argc, char **argv) {
  long n_samples = DEFAULT_SAMPLES;
  uint64_t seed = DEFAULT_SEED;
  int print_front = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--samples") == 0 && i + 1 < argc) {
      n_samples = strtol(argv[++i], NULL, 10);
    } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
      seed = strtoull(argv[++i], NULL, 10);
    } else if (strcmp(argv[i], "--front") == 0) {
      print_front = 1;
    } else {
      fprintf(stderr, "usage: reference_hv [--samples N] [--seed S] [--front]\n");
      return 2;
    }
  }
  if (n_samples < CROSS_CONFIGS) {
    fprintf(stderr, "reference_hv: --samples must be at least %d\n", CROSS_CONFIGS);
    return 2;
  }

  size_t cap = CHUNK_POINTS + SG_MAX_EPOCHS;
  double *obj = malloc(2 * cap * sizeof *obj);
  size_t *idx = malloc(cap * sizeof *idx);
  double *full_j = malloc((size_t)n_samples * sizeof *full_j);
  double *acc_e3 = malloc(CROSS_CONFIGS * sizeof *acc_e3);
  double *acc_e81 = malloc(CROSS_CONFIGS * sizeof *acc_e81);
  sorted_front sf = {malloc(cap * sizeof(double)), malloc(cap * sizeof(double)), 0};
  if (!obj || !idx || !full_j || !acc_e3 || !acc_e81 || !sf.joules || !sf.best) {
    fprintf(stderr, "reference_hv: %s\n", strerror(ENOMEM));
    return 1;
  }

  rng r = {seed};
  size_t n = 0;
  double best_acc = 0.0;
  for (long s = 0; s < n_samples; s++) {
    sg_params p;
    double acc[SG_MAX_EPOCHS], cum_j[SG_MAX_EPOCHS], record = -1.0;
    draw(&r, &p);
    sg_curve(&p, SG_MAX_EPOCHS, acc, cum_j);
    full_j[s] = cum_j[SG_MAX_EPOCHS - 1];
    if (s < CROSS_CONFIGS) {
      acc_e3[s] = acc[2];
      acc_e81[s] = acc[SG_MAX_EPOCHS - 1];
    }
    for (int e = 0; e < SG_MAX_EPOCHS; e++) {
      if (acc[e] <= record) continue; /* dominated by an earlier epoch of the same run */
      record = acc[e];
      if (covered(&sf, acc[e], cum_j[e])) continue;
      obj[2 * n] = -acc[e];
      obj[2 * n + 1] = cum_j[e];
      n++;
    }
    if (record > best_acc) best_acc = record;
    if (n >= CHUNK_POINTS) {
      n = compact(obj, n, idx);
      sort_front(&sf, obj, n);
    }
  }
  n = compact(obj, n, idx);

  qsort(full_j, (size_t)n_samples, sizeof *full_j, cmp_double);
  double ref_j = quantile(full_j, (size_t)n_samples, 0.5);
  double ref[2] = {-REF_ACCURACY, ref_j};
  double hv = es_hypervolume_2d(obj, n, ref);
  if (hv < 0) {
    fprintf(stderr, "reference_hv: %s\n", strerror(ENOMEM));
    return 1;
  }

  long crossed = 0, pairs = 0;
  for (int i = 0; i < CROSS_CONFIGS; i++)
    for (int j = i + 1; j < CROSS_CONFIGS; j++) {
      pairs++;
      if ((acc_e3[i] - acc_e3[j]) * (acc_e81[i] - acc_e81[j]) < 0) crossed++;
    }

  /* the front, sorted by joules, for printing */
  size_t in_box = 0;
  for (size_t i = 0; i < n; i++)
    if (-obj[2 * i] > REF_ACCURACY && obj[2 * i + 1] < ref_j) in_box++;
  printf("{\"objectives\": [\"accuracy\", \"energy_j\"], \"goals\": [\"max\", \"min\"], ");
  printf("\"reference\": [%.17g, %.17g], \"hypervolume\": %.17g, \"front_size\": %zu, ", REF_ACCURACY, ref_j, hv, n);
  printf("\"front_in_box\": %zu, \"samples\": %ld, \"seed\": %llu, \"epochs\": %d, ", in_box, n_samples,
         (unsigned long long)seed, SG_MAX_EPOCHS);
  printf("\"reference_rule\": \"accuracy 0.5; joules: median full-training (81-epoch) cost over the sample\", ");
  printf("\"full_training_j\": {\"min\": %.6g, \"p05\": %.6g, \"median\": %.6g, \"p95\": %.6g, \"max\": %.6g}, ",
         full_j[0], quantile(full_j, (size_t)n_samples, 0.05), ref_j, quantile(full_j, (size_t)n_samples, 0.95),
         full_j[n_samples - 1]);
  printf("\"best_accuracy\": %.6g, \"crossing_pairs_e3_e81\": %.4f", best_acc, (double)crossed / (double)pairs);
  if (print_front) {
    /* es_pareto_front keeps input order; sort by joules (obj[2i+1]) */
    double *pts = malloc(2 * n * sizeof *pts);
    if (!pts) {
      fprintf(stderr, "reference_hv: %s\n", strerror(ENOMEM));
      return 1;
    }
    for (size_t i = 0; i < n; i++) {
      pts[2 * i] = obj[2 * i + 1];
      pts[2 * i + 1] = -obj[2 * i];
    }
    qsort(pts, n, 2 * sizeof *pts, cmp_double); /* the first double of each pair is the key */
    printf(", \"front\": [");
    for (size_t i = 0; i < n; i++) printf("%s[%.6g, %.6g]", i ? ", " : "", pts[2 * i + 1], pts[2 * i]);
    printf("]");
    free(pts);
  }
  printf("}\n");
  free(obj);
  free(idx);
  free(full_j);
  free(acc_e3);
  free(acc_e81);
  free(sf.joules);
  free(sf.best);
  return 0;
}
