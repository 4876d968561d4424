/*
 * selection.h - the selection family (GSL-style type descriptors) and the
 * rung store the halving rules record results in.
 *
 * A rung holds the results recorded at one rung level: one per trial, each
 * a vector of k objective values in *minimisation* form (callers negate
 * "max" goals first, e.g. with es_pareto_orient()). A selection type ranks
 * the results of a rung best first; every type breaks ties by the lower
 * trial id. DESIGN §3's promotion rule is then: with n results recorded
 * (the new one included), a trial continues iff its 0-based position is
 * below es_rung_quota(n, eta) = ceil(n / eta).
 *
 *   pareto  non-dominated rank, then larger NSGA-II crowding distance
 *           within the front (exactly es_pareto_rank + es_crowding_distance
 *           of pareto.h with the front's members in ascending trial-id
 *           order), then lower id. MO-ASHA's rule.
 *   epsnet  non-dominated rank, then the epsilon-net order within the front
 *           (Salinas et al. 2021, MO-ASHA in Syne Tune), then lower id: the
 *           front's member with the smallest first objective comes first;
 *           each next one is the member farthest (largest minimum Euclidean
 *           distance) from those already ordered. Distances are taken after
 *           scaling each objective by the front's range (an objective on
 *           which the whole front agrees is left out); Syne Tune uses raw
 *           values, which lets the objective with the largest unit (joules
 *           against an accuracy in [0, 1]) decide alone.
 *   scalar  the first objective only (plain ASHA), then lower id.
 *
 * Cost of one es_rung_add + es_rung_position at a rung of n results with k
 * objectives (m = size of the new result's front, L = number of fronts),
 * worst case, no amortisation needed:
 *   scalar  O(n): one counting pass (add is O(1) amortised).
 *   pareto  O(n k) for k <= 2: one dominance pass, the cascade of results
 *           pushed down a front (a staircase sweep per front touched),
 *           merges of the touched fronts' sorted lists, and the crowding
 *           distances of one front (O(L + m k)).
 *           For k >= 3 the cascade is the exception: O(n k + C k) where C
 *           is the number of dominance tests between the results moving
 *           out of front l-1 and the ones they may push out of front l.
 *           C <= n^2/4 in the worst case (two large adjacent fronts, all
 *           dominated by the new result); measured on uniform random
 *           3-objective rungs it stays below 100 per report up to 10^4
 *           results (tests/bench/rung_scaling.c).
 *   epsnet  the pareto cost, plus the epsilon-net walk of the new result's
 *           front, stopped at that result or at the promotion limit:
 *           O(m k + t log m) for k = 2, t = steps walked (the front is a
 *           monotone staircase, so a member's nearest chosen point is one
 *           of its chosen neighbours along it; each step splits one gap
 *           and finds the best candidate of each half by binary search -
 *           plus, rarely, the length of a run of distinct points tied at
 *           exactly the same distance); O(t m k) for k >= 3.
 * es_rung_add_many builds a rung from scratch in O(n log n) for k = 2.
 * Measured per report (2 vCPUs): pareto and epsnet about 20-35 ns per
 * result already at the rung from 10^3 to 10^5 results, scalar 5-9 ns.
 * Every type keeps O(n k) memory. Results are never removed from a rung.
 *
 * Pure computation: no I/O. Objective values must be finite.
 */
#ifndef ES_SELECTION_H
#define ES_SELECTION_H

#include <stddef.h>

typedef struct es_rung es_rung;

typedef struct es_selection_type {
  const char *name;
  size_t state_size; /* bytes of incremental state per rung */
  /* Prepare state for results of k objectives. 0 or -ENOMEM. */
  int (*init)(void *state, size_t k);
  /* Result rung->n - 1 has just been appended: fold it into state (and
   * reserve whatever position/order will need). 0, or -ENOMEM with state
   * left as it was before the call. */
  int (*add)(void *state, const es_rung *rung);
  /* 0-based position of result i among the rung's rung->n results, best
   * first; any position >= limit may be answered as limit (this is what
   * lets epsnet stop its walk early). Never fails. */
  size_t (*position)(void *state, const es_rung *rung, size_t i, size_t limit);
  /* Every result index, best first, into order (rung->n entries). */
  void (*order)(void *state, const es_rung *rung, size_t *order);
  /* The rung was empty and rung->n results have just been appended at
   * once: build state for all of them, faster than n adds. 0, 1 when the
   * type has no faster way (the caller then adds them one by one), or
   * -ENOMEM with state still empty. */
  int (*load)(void *state, const es_rung *rung);
  void (*free)(void *state);
} es_selection_type;

/* Trial id -> index map (open addressing) used by the rung store and by
 * halving.c. Zero-initialise before use. */
typedef struct {
  long *keys;
  size_t *vals;
  unsigned char *used;
  size_t cap, n;
} es_idmap;

/* 0, -EEXIST (key already there; nothing changed) or -ENOMEM. */
int es_idmap_put(es_idmap *m, long key, size_t val);
/* 0 with *val set, or -ENOENT. */
int es_idmap_get(const es_idmap *m, long key, size_t *val);
void es_idmap_free(es_idmap *m);

struct es_rung {
  const es_selection_type *type;
  size_t k;       /* objectives per result */
  size_t n;       /* results recorded */
  size_t cap;     /* results the arrays below can hold */
  long *id;       /* id[i]: trial id of result i (results in arrival order) */
  double *obj;    /* obj[i*k + j]: objective j of result i, minimisation form */
  void *state;    /* the type's incremental state */
  es_idmap index; /* trial id -> result index */
};

extern const es_selection_type es_selection_pareto;
extern const es_selection_type es_selection_epsnet;
extern const es_selection_type es_selection_scalar;

/* NULL-terminated table of every selection type. */
extern const es_selection_type *const es_selection_types[];

/* The type called name, or NULL. */
const es_selection_type *es_selection_lookup(const char *name);
/* Comma-separated list of valid names ("pareto, epsnet, scalar") into buf. */
void es_selection_names(char *buf, size_t len);

/* An empty rung ranked by T, for results of k >= 1 objectives. NULL when
 * out of memory or k == 0. */
es_rung *es_rung_alloc(const es_selection_type *T, size_t k);
void es_rung_free(es_rung *r);

/* Record trial id's objectives (k values, minimisation form; copied).
 * 0, -EEXIST (id already has a result here), -EINVAL (a non-finite value)
 * or -ENOMEM; on error the rung is unchanged. */
int es_rung_add(es_rung *r, long id, const double *obj);
size_t es_rung_size(const es_rung *r);

/* Record n results at once (ids[i], objectives obj[i*k ..]): the same
 * rung as n es_rung_add calls in that order. Into an empty rung this is
 * the fast path for rebuilding a rung (resume, benchmarks): scalar O(n),
 * pareto and epsnet O(n log n) for k = 2 (one sweep in objective order);
 * otherwise one add after another. 0 or an es_rung_add error; an empty
 * rung stays empty on error, a non-empty one keeps the results before the
 * failing one. */
int es_rung_add_many(es_rung *r, size_t n, const long *ids, const double *obj);

/* 0-based position of trial id's result among the rung's results, best
 * first, ties to the lower id; a position >= limit may be given as limit
 * (pass (size_t)-1 for the exact one). 0, or -ENOENT. */
int es_rung_position(es_rung *r, long id, size_t limit, size_t *pos);

/* Every trial id of the rung, best first, into ids (es_rung_size entries).
 * 0 or -ENOMEM. */
int es_rung_order(es_rung *r, long *ids);

/* ceil(n / eta): how many of n results continue (>= 1 once n >= 1). A
 * relative 1e-12 slack keeps n/eta that is an integer on paper (n = 6,
 * eta = 1.2) from rounding up. eta > 1. */
size_t es_rung_quota(size_t n, double eta);

/* The promotion rule in one call: record the result, then 1 (continue)
 * when its position is below es_rung_quota(n, eta), else 0 (stop); or a
 * negative es_rung_add error. */
int es_rung_promote(es_rung *r, long id, const double *obj, double eta);

/*
 * Non-dominated fronts kept up to date one result at a time: the shared
 * engine of pareto and epsnet (selection_pareto.c), exposed for
 * selection_epsnet.c and for tests; the scheduler has no use for it.
 *
 * Each front keeps its members sorted by every objective (ties: lower id),
 * which is what crowding distances and the epsilon-net need.
 */
typedef struct es_fronts es_fronts;

es_fronts *es_fronts_alloc(size_t k);
void es_fronts_free(es_fronts *f);

/* f is empty and the rung's rung->n results arrived at once: k = 2 gets an
 * O(n log n) build (sorted sweep, one binary search per result over the
 * fronts' lowest second objective); 1 for any other k (add them one by
 * one). 0, 1, or -ENOMEM with f still empty. */
int es_fronts_load(es_fronts *f, const es_rung *rung);

/* Fold in result rung->n - 1. Its rank r is 1 + the largest rank of the
 * results that dominate it (0 if none); of the results it dominates, those
 * of rank r move to r + 1, and then, level by level, those dominated by a
 * result that has just moved into their level move down one (a single new
 * result pushes anything down by at most one level). Cost: O(n k) for the
 * pass over the rung, O(k) per member of each front whose membership
 * changes (merges of sorted lists), and for the cascade O(front sizes) per
 * level when k <= 2 (a staircase sweep) or one dominance test per pair
 * (moved result of level l-1, dominated result of level l) when k >= 3.
 * 0, or -ENOMEM with f unchanged. */
int es_fronts_add(es_fronts *f, const es_rung *rung);
/* 0-based non-dominated rank of result i. */
size_t es_fronts_rank(const es_fronts *f, size_t i);
/* Number of fronts. */
size_t es_fronts_count(const es_fronts *f);
/* How many results lie in fronts 0 .. r-1. */
size_t es_fronts_before(const es_fronts *f, size_t r);
/* Members of front r sorted by (objective j, id); *m gets their number. */
const size_t *es_fronts_sorted(const es_fronts *f, size_t r, size_t j, size_t *m);
/* Dominance tests spent in cascades so far (for the scaling benchmark). */
unsigned long long es_fronts_cascade_tests(const es_fronts *f);

#endif
