/*
 * sampler_nsga2.c - the "nsga2" sampler: an asynchronous (steady-state)
 * NSGA-II that breeds proposals from the results it has been told. With
 * the asha rule it makes an evolutionary MO-ASHA.
 *
 * It does:
 *  - Warm-up: the first P proposals are the first P points of the sobol
 *    sampler with the same seed (its init/next/free on a private state, so
 *    a note such as "using halton" passes through). After that, while
 *    fewer than 2 trials have results, it keeps drawing sobol points.
 *  - Population size P = max(8, 4 * number of parameters), rounded up to a
 *    multiple of 4 (both terms already are; the rounding documents the
 *    invariant). No spec key sets it yet.
 *  - Archive: every told trial once (id, a copy of its point, k objectives
 *    in minimisation form, level), in the order first told. A later result
 *    for the same id replaces the stored one when its level is at least as
 *    high, and is ignored otherwise; so a trial is judged by its
 *    highest-rung result.
 *  - Parent pool: the best P archived trials in NSGA-II order - non-
 *    dominated rank, then crowding distance (es_crowding_distance, within
 *    each whole front), then first told. Fronts are peeled off with
 *    es_pareto_front only until P trials are covered (the same fronts as
 *    es_pareto_rank, without its O(N^2 k) cost for all N trials). Elitism
 *    comes from ranking the whole archive: nothing good is forgotten. The
 *    pool is rebuilt only when a tell changed the archive; finding a told
 *    id is a linear scan (sweeps of thousands of trials, not millions).
 *  - Levels: trials of every level are ranked together on their highest-
 *    level results. Trials stopped early carry lower-level results, usually
 *    worse on accuracy-like objectives but *better* on objectives that grow
 *    with the resource (joules or time so far), where an early-stopped
 *    trial can reach the first front: a known bias of this simple rule.
 *  - Offspring: two parents by binary tournament (two distinct pool
 *    members drawn uniformly; lower rank wins, then larger crowding, then a
 *    fair coin; the two tournaments may return the same parent, and the
 *    child is then a mutated copy), then
 *      * float and int genes are bred in the unit coordinate that
 *        es_param_from_unit maps (linear, or log for log parameters; an
 *        int value sits at the centre of its rounding cell), so children
 *        map back through es_param_from_unit: within bounds, ints integral
 *        (told points outside the space are clamped first). An int with
 *        few values moves only when a gene shifts past its cell edge, so
 *        small int ranges change rarely (about 6% of mutations for 4 values);
 *      * SBX crossover (Deb & Agrawal 1995, bounded form on [0,1]),
 *        eta_c = 15, applied to a pair with probability 0.9 and then to
 *        each gene with the customary probability 0.5 (genes closer than
 *        1e-14 are left alone); the two children swap each gene with
 *        probability 0.5;
 *      * polynomial mutation (Deb's bounded form on [0,1]), eta_m = 20,
 *        per gene with probability 1/n (n = all parameters);
 *      * categorical genes: when the pair is crossed, each child takes
 *        the gene of a random parent (the other child the other parent's);
 *        then with probability 1/n it changes to a different category
 *        drawn uniformly (no change with a single category).
 *    Each crossover makes two children: next() returns the first and keeps
 *    the second for the following call (bred from the pool of that time).
 *  - Randomness: one gsl_rng_mt19937 seeded with the seed, plus the sobol
 *    state. The same seed and the same sequence of next() and tell() calls
 *    give the same points. Unbounded: size() is 0.
 *
 * It deliberately does not: use constraints, reference points (NSGA-III)
 * or a level-aware ranking; remove duplicate proposals; forget old trials;
 * replay itself on resume (the caller must repeat the same calls); or do
 * I/O. tell() refuses with -EINVAL non-finite objectives or point values,
 * a NaN level, k = 0 and a k other than the first accepted one.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "pareto.h"
#include "sampler.h"

#define NSGA2_MIN_POP 8
#define NSGA2_POP_PER_PARAM 4
#define NSGA2_ETA_C 15.0    /* SBX distribution index: larger keeps children nearer parents */
#define NSGA2_P_CROSS 0.9   /* probability that a pair is crossed at all */
#define NSGA2_P_GENE 0.5    /* per-gene SBX probability in a crossed pair */
#define NSGA2_ETA_M 20.0    /* polynomial mutation distribution index */
#define NSGA2_MIN_GAP 1e-14 /* genes this close are identical for SBX */

typedef struct {
  size_t pop;   /* P: warm-up length and parent pool size */
  gsl_rng *rng; /* tournaments, crossover, mutation */
  void *sobol;  /* private es_sampler_sobol state (warm-up, fallback) */
  size_t drawn; /* proposals returned so far */

  /* Archive of told trials, slot i in first-told order. */
  size_t count, cap;
  size_t k; /* objectives per result; 0 until the first tell */
  long *id;
  double *point; /* count x n */
  double *obj;   /* count x k, minimisation form */
  double *level;

  /* Parent pool (indices into the archive), rebuilt when dirty. */
  int dirty;
  size_t pool_n;
  size_t *pool;
  int *pool_rank;
  double *pool_crowd;

  /* Breeding scratch: genes of parents and children (unit coordinates,
   * categorical indices), and the child held for the next call. */
  double *g1, *g2, *c1, *c2;
  double *pending;
  int has_pending;
} nsga2_state;

static size_t population_size(const es_space *space) {
  size_t p = NSGA2_POP_PER_PARAM * space->n;
  if (p < NSGA2_MIN_POP) p = NSGA2_MIN_POP;
  return (p + 3) / 4 * 4;
}

static int nsga2_init(void *vstate, const es_space *space, unsigned long seed, char *note, size_t note_len) {
  nsga2_state *st = vstate;
  size_t n = space->n ? space->n : 1;
  st->pop = population_size(space);
  st->rng = gsl_rng_alloc(gsl_rng_mt19937);
  st->sobol = calloc(1, es_sampler_sobol.state_size ? es_sampler_sobol.state_size : 1);
  st->g1 = malloc(n * sizeof *st->g1);
  st->g2 = malloc(n * sizeof *st->g2);
  st->c1 = malloc(n * sizeof *st->c1);
  st->c2 = malloc(n * sizeof *st->c2);
  st->pending = malloc(n * sizeof *st->pending);
  st->pool = malloc(st->pop * sizeof *st->pool);
  st->pool_rank = malloc(st->pop * sizeof *st->pool_rank);
  st->pool_crowd = malloc(st->pop * sizeof *st->pool_crowd);
  if (!st->rng || !st->sobol || !st->g1 || !st->g2 || !st->c1 || !st->c2 || !st->pending || !st->pool ||
      !st->pool_rank || !st->pool_crowd)
    return -ENOMEM;
  gsl_rng_set(st->rng, seed);
  /* On failure nsga2_free runs sobol's free, which copes with a failed init. */
  return es_sampler_sobol.init(st->sobol, space, seed, note, note_len);
}

static void nsga2_free(void *vstate) {
  nsga2_state *st = vstate;
  if (st->rng) gsl_rng_free(st->rng);
  if (st->sobol) es_sampler_sobol.free(st->sobol);
  free(st->sobol);
  free(st->id);
  free(st->point);
  free(st->obj);
  free(st->level);
  free(st->pool);
  free(st->pool_rank);
  free(st->pool_crowd);
  free(st->g1);
  free(st->g2);
  free(st->c1);
  free(st->c2);
  free(st->pending);
  memset(st, 0, sizeof *st);
}

static size_t nsga2_size(const void *vstate, const es_space *space) {
  (void)vstate;
  (void)space;
  return 0;
}

/* ---- genes: the inverse of es_param_from_unit ---- */

static double clamp01(double u) {
  if (!(u >= 0.0)) return 0.0; /* also NaN */
  return u > 1.0 ? 1.0 : u;
}

/* Unit coordinate of value v of a float or int parameter. */
static double value_to_unit(const es_param *p, double v) {
  if (v < p->low) v = p->low;
  if (v > p->high) v = p->high;
  double u;
  if (p->kind == ES_PARAM_FLOAT) {
    if (!(p->high > p->low)) return 0.0;
    u = p->log ? log(v / p->low) / log(p->high / p->low) : (v - p->low) / (p->high - p->low);
  } else if (p->log) {
    /* es_param_from_unit spreads [low-0.5, high+0.5] in log space. */
    double ll = log(p->low - 0.5), lh = log(p->high + 0.5);
    u = (log(v) - ll) / (lh - ll);
  } else {
    /* Value v is the cell [v, v+1) of low + u*(high-low+1); take its centre. */
    u = (v - p->low + 0.5) / (p->high - p->low + 1.0);
  }
  return isfinite(u) ? clamp01(u) : 0.5;
}

/* A valid category index (a told point could carry anything finite). */
static double category_index(const es_param *p, double c) {
  double top = p->n_values ? (double)(p->n_values - 1) : 0.0;
  c = floor(c);
  return c < 0.0 ? 0.0 : c > top ? top : c;
}

static void point_to_genes(const es_space *space, const double *x, double *g) {
  for (size_t i = 0; i < space->n; i++) {
    const es_param *p = &space->params[i];
    g[i] = p->kind == ES_PARAM_CATEGORICAL ? category_index(p, x[i]) : value_to_unit(p, x[i]);
  }
}

static void genes_to_point(const es_space *space, const double *g, double *x) {
  for (size_t i = 0; i < space->n; i++) {
    const es_param *p = &space->params[i];
    x[i] = p->kind == ES_PARAM_CATEGORICAL ? category_index(p, g[i]) : es_param_from_unit(p, g[i]);
  }
}

/* ---- variation operators on [0,1] ---- */

/* SBX spread factor for a child on the side where the bound lies `room`
 * away from the nearer parent, parents `gap` apart; r uniform in [0,1).
 * The bounded form rescales the polynomial density so that no child
 * falls outside the bound. */
static double sbx_beta(double room, double gap, double r) {
  double e = NSGA2_ETA_C + 1.0;
  double beta = 1.0 + 2.0 * room / gap;
  double alpha = 2.0 - pow(beta, -e);
  if (r <= 1.0 / alpha) return pow(r * alpha, 1.0 / e);
  return pow(1.0 / (2.0 - r * alpha), 1.0 / e);
}

static void sbx_gene(gsl_rng *rng, double a, double b, double *ca, double *cb) {
  double lo = a < b ? a : b, hi = a < b ? b : a, gap = hi - lo;
  double r = gsl_rng_uniform(rng);
  double mid = 0.5 * (lo + hi);
  double low_child = clamp01(mid - 0.5 * sbx_beta(lo, gap, r) * gap);
  double high_child = clamp01(mid + 0.5 * sbx_beta(1.0 - hi, gap, r) * gap);
  if (gsl_rng_uniform(rng) < 0.5) {
    *ca = low_child;
    *cb = high_child;
  } else {
    *ca = high_child;
    *cb = low_child;
  }
}

static double poly_mutate(gsl_rng *rng, double y) {
  double e = NSGA2_ETA_M + 1.0;
  double r = gsl_rng_uniform(rng);
  double dq;
  if (r < 0.5) {
    double v = 2.0 * r + (1.0 - 2.0 * r) * pow(y, e); /* 1 - delta1 = y on [0,1] */
    dq = pow(v, 1.0 / e) - 1.0;
  } else {
    double v = 2.0 * (1.0 - r) + 2.0 * (r - 0.5) * pow(1.0 - y, e);
    dq = 1.0 - pow(v, 1.0 / e);
  }
  return clamp01(y + dq);
}

static void breed(nsga2_state *st, const es_space *space) {
  size_t n = space->n;
  double pm = 1.0 / (double)n;
  memcpy(st->c1, st->g1, n * sizeof *st->c1);
  memcpy(st->c2, st->g2, n * sizeof *st->c2);
  if (gsl_rng_uniform(st->rng) < NSGA2_P_CROSS) {
    for (size_t i = 0; i < n; i++) {
      if (space->params[i].kind == ES_PARAM_CATEGORICAL) {
        if (gsl_rng_uniform(st->rng) < 0.5) {
          st->c1[i] = st->g2[i];
          st->c2[i] = st->g1[i];
        }
      } else if (gsl_rng_uniform(st->rng) < NSGA2_P_GENE && fabs(st->g1[i] - st->g2[i]) > NSGA2_MIN_GAP) {
        sbx_gene(st->rng, st->g1[i], st->g2[i], &st->c1[i], &st->c2[i]);
      }
    }
  }
  double *child[2] = {st->c1, st->c2};
  for (size_t c = 0; c < 2; c++)
    for (size_t i = 0; i < n; i++) {
      if (gsl_rng_uniform(st->rng) >= pm) continue;
      const es_param *p = &space->params[i];
      if (p->kind != ES_PARAM_CATEGORICAL) {
        child[c][i] = poly_mutate(st->rng, child[c][i]);
      } else if (p->n_values >= 2) {
        /* Uniform over the other n_values-1 categories. */
        unsigned long other = gsl_rng_uniform_int(st->rng, (unsigned long)(p->n_values - 1));
        unsigned long cur = (unsigned long)child[c][i];
        child[c][i] = (double)(other >= cur ? other + 1 : other);
      }
    }
}

/* ---- selection ---- */

typedef struct {
  int rank;
  double crowd;
  size_t idx;
} candidate;

static int candidate_cmp(const void *va, const void *vb) {
  const candidate *a = va, *b = vb;
  if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
  if (a->crowd != b->crowd) return a->crowd > b->crowd ? -1 : 1;
  return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* The best P archived trials by rank, then crowding, then first told.
 * Fronts are peeled off one at a time (es_pareto_front on the trials not
 * yet placed) only until P trials are covered: the last front may be cut,
 * but its crowding is measured over all its members. Peeling a few fronts
 * costs far less than ranking every trial (es_pareto_rank is O(N^2 k)
 * however few fronts are needed), and gives the same fronts. */
static int rebuild_pool(nsga2_state *st) {
  size_t n = st->count, k = st->k;
  size_t *left = malloc(n * sizeof *left); /* archive slots not yet placed */
  double *left_obj = malloc(n * k * sizeof *left_obj);
  size_t *front = malloc(n * sizeof *front); /* positions in left */
  size_t *members = malloc(n * sizeof *members);
  double *dist = malloc(n * sizeof *dist);
  candidate *cand = malloc(n * sizeof *cand);
  int rc = -ENOMEM;
  if (!left || !left_obj || !front || !members || !dist || !cand) goto out;
  for (size_t i = 0; i < n; i++) left[i] = i;
  size_t n_left = n, m = 0;
  for (int r = 0; m < st->pop && n_left > 0; r++) {
    for (size_t i = 0; i < n_left; i++) memcpy(left_obj + i * k, st->obj + left[i] * k, k * sizeof *left_obj);
    size_t f = es_pareto_front(left_obj, n_left, k, front);
    for (size_t s = 0; s < f; s++) members[s] = left[front[s]];
    es_crowding_distance(st->obj, k, members, f, dist);
    for (size_t s = 0; s < f; s++) cand[m + s] = (candidate){r, dist[s], members[s]};
    m += f;
    /* Drop the front from left, keeping first-told order (front[] ascends). */
    size_t kept = 0;
    for (size_t i = 0, s = 0; i < n_left; i++) {
      if (s < f && front[s] == i) {
        s++;
        continue;
      }
      left[kept++] = left[i];
    }
    n_left = kept;
  }
  qsort(cand, m, sizeof *cand, candidate_cmp);
  st->pool_n = m < st->pop ? m : st->pop;
  for (size_t s = 0; s < st->pool_n; s++) {
    st->pool[s] = cand[s].idx;
    st->pool_rank[s] = cand[s].rank;
    st->pool_crowd[s] = cand[s].crowd;
  }
  st->dirty = 0;
  rc = 0;
out:
  free(left);
  free(left_obj);
  free(front);
  free(members);
  free(dist);
  free(cand);
  return rc;
}

/* Binary tournament between two distinct pool members: a pool position. */
static size_t tournament(nsga2_state *st) {
  size_t a = gsl_rng_uniform_int(st->rng, st->pool_n);
  size_t b = gsl_rng_uniform_int(st->rng, st->pool_n - 1);
  if (b >= a) b++;
  if (st->pool_rank[a] != st->pool_rank[b]) return st->pool_rank[a] < st->pool_rank[b] ? a : b;
  if (st->pool_crowd[a] != st->pool_crowd[b]) return st->pool_crowd[a] > st->pool_crowd[b] ? a : b;
  return gsl_rng_uniform(st->rng) < 0.5 ? a : b;
}

static int nsga2_next(void *vstate, const es_space *space, double *point) {
  nsga2_state *st = vstate;
  size_t n = space->n;
  if (st->drawn < st->pop || st->count < 2 || n == 0) {
    int rc = es_sampler_sobol.next(st->sobol, space, point);
    if (rc == 0) st->drawn++;
    return rc;
  }
  if (st->has_pending) {
    memcpy(point, st->pending, n * sizeof *point);
    st->has_pending = 0;
    st->drawn++;
    return 0;
  }
  if (st->dirty) {
    int rc = rebuild_pool(st);
    if (rc < 0) return rc;
  }
  size_t a = st->pool[tournament(st)], b = st->pool[tournament(st)];
  point_to_genes(space, st->point + a * n, st->g1);
  point_to_genes(space, st->point + b * n, st->g2);
  breed(st, space);
  genes_to_point(space, st->c1, point);
  genes_to_point(space, st->c2, st->pending);
  st->has_pending = 1;
  st->drawn++;
  return 0;
}

/* ---- results ---- */

static int grow_archive(nsga2_state *st, size_t n) {
  size_t cap = st->cap ? 2 * st->cap : 64;
  size_t dim = n ? n : 1;
  long *id = realloc(st->id, cap * sizeof *id);
  if (id) st->id = id;
  double *pt = realloc(st->point, cap * dim * sizeof *pt);
  if (pt) st->point = pt;
  double *obj = realloc(st->obj, cap * st->k * sizeof *obj);
  if (obj) st->obj = obj;
  double *level = realloc(st->level, cap * sizeof *level);
  if (level) st->level = level;
  /* Arrays that did grow stay valid (and larger); cap moves only when all did. */
  if (!id || !pt || !obj || !level) return -ENOMEM;
  st->cap = cap;
  return 0;
}

static int nsga2_tell(void *vstate, const es_space *space, long id, const double *point, const double *obj,
                      size_t k, double level) {
  nsga2_state *st = vstate;
  size_t n = space->n;
  if (!obj || k == 0 || (n && !point) || isnan(level)) return -EINVAL;
  if (st->k && k != st->k) return -EINVAL;
  for (size_t j = 0; j < k; j++)
    if (!isfinite(obj[j])) return -EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!isfinite(point[i])) return -EINVAL;

  size_t slot = 0;
  while (slot < st->count && st->id[slot] != id) slot++;
  if (slot == st->count) {
    st->k = k;
    if (st->count == st->cap) {
      int rc = grow_archive(st, n);
      if (rc < 0) {
        if (st->count == 0) st->k = 0;
        return rc;
      }
    }
    st->count++;
    st->id[slot] = id;
  } else if (level < st->level[slot]) {
    return 0; /* a lower rung than the one already known */
  }
  if (n) memcpy(st->point + slot * n, point, n * sizeof *point);
  memcpy(st->obj + slot * k, obj, k * sizeof *obj);
  st->level[slot] = level;
  st->dirty = 1;
  return 0;
}

const es_sampler_type es_sampler_nsga2 = {"nsga2",    sizeof(nsga2_state), nsga2_init, nsga2_next,
                                          nsga2_size, nsga2_free,          nsga2_tell};
