/*
 * selection_epsnet.c - the "epsnet" selection: non-dominated rank, then
 * the epsilon-net order within the front (Salinas et al., "A
 * multi-objective perspective on jointly tuning hardware and
 * hyperparameters", 2021; the NonDominatedPriority of Syne Tune's MO-ASHA,
 * which takes the greedy farthest-point traversal from Clarkson 2005).
 *
 * The order within a front (the definition the tests re-implement):
 *   - scale: u_j = (v_j - lo_j) / (hi_j - lo_j) over the front's range of
 *     objective j; objectives where the whole front agrees are left out;
 *   - d(a, b) = sum over j of (u_j(a) - u_j(b))^2, j ascending (squared
 *     Euclidean: the same order as the distance itself);
 *   - first: the member with the smallest objective 0 (then lower id);
 *   - next: the member whose smallest d to those already chosen is the
 *     largest (then lower id).
 *
 * It does: the fronts come from es_fronts (selection_pareto.c); a position
 * walks only the queried result's front and stops as soon as that result
 * is chosen or the limit is reached. For k = 2 a front is a staircase
 * (objective 0 up, objective 1 down), along which distances grow
 * monotonically in both directions - in floating point too, as every step
 * of d is monotone - so a member's nearest chosen point is one of the two
 * chosen neighbours along the staircase. The walk then keeps a heap of
 * gaps between consecutive chosen members, each with its best candidate
 * found by binary search (min(d to left end, d to right end) rises then
 * falls across the gap): O(log m) per step instead of O(m). For k >= 3 it
 * keeps each member's distance to the chosen set: O(m k) per step.
 *
 * It deliberately does not: pick the first member at random (Syne Tune's
 * dim=None option) - the order must be reproducible; use raw, unscaled
 * distances (see selection.h); allocate in position/order (add reserves).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "selection.h"

typedef struct {
  double g;    /* the candidate's distance to the chosen set */
  long id;     /* its trial id */
  size_t c;    /* its position along the staircase */
  size_t a, b; /* the gap: chosen ends (b == m: open to the right) */
} gap;

typedef struct {
  es_fronts *fronts;
  size_t cap;
  double *u;    /* scaled objectives of the front's members, m * k */
  double *mind; /* k >= 3: distance of each member to the chosen set */
  unsigned char *chosen;
  size_t *gend;   /* k = 2: one past the last staircase position of each duplicate group */
  size_t *gstart; /* k = 2: first staircase position of each duplicate group */
  gap *heap;
} epsnet_state;

static int epsnet_init(void *vstate, size_t k) {
  epsnet_state *st = vstate;
  st->fronts = es_fronts_alloc(k);
  return st->fronts ? 0 : -ENOMEM;
}

/* Grow array ptr to count elements, or return -ENOMEM from the caller. */
#define GROW(ptr, count)                                    \
  do {                                                      \
    void *grown_ = realloc((ptr), (count) * sizeof *(ptr)); \
    if (!grown_) return -ENOMEM;                            \
    (ptr) = grown_;                                         \
  } while (0)

static int epsnet_reserve(epsnet_state *st, const es_rung *rung) {
  if (rung->n > st->cap) {
    size_t cap = st->cap ? 2 * st->cap : 16;
    while (cap < rung->n) cap *= 2;
    GROW(st->u, cap * rung->k);
    GROW(st->mind, cap);
    GROW(st->chosen, cap);
    GROW(st->gend, cap);
    GROW(st->gstart, cap);
    GROW(st->heap, cap + 1);
    st->cap = cap;
  }
  return 0;
}

static int epsnet_add(void *vstate, const es_rung *rung) {
  epsnet_state *st = vstate;
  int rc = epsnet_reserve(st, rung);
  return rc < 0 ? rc : es_fronts_add(st->fronts, rung);
}

static int epsnet_load(void *vstate, const es_rung *rung) {
  epsnet_state *st = vstate;
  int rc = epsnet_reserve(st, rung);
  return rc < 0 ? rc : es_fronts_load(st->fronts, rung);
}

/* Scale the members of front r (staircase = sorted by objective 0) into
 * st->u, row s for the member at position s. */
static void scale_front(epsnet_state *st, const es_rung *rung, size_t r, const size_t *stair, size_t m) {
  const size_t k = rung->k;
  for (size_t j = 0; j < k; j++) {
    size_t mm;
    const size_t *by = es_fronts_sorted(st->fronts, r, j, &mm);
    double lo = rung->obj[by[0] * k + j], range = rung->obj[by[m - 1] * k + j] - lo;
    for (size_t s = 0; s < m; s++)
      st->u[s * k + j] = range > 0.0 ? (rung->obj[stair[s] * k + j] - lo) / range : 0.0;
  }
}

static double dist2(const double *u, size_t k, size_t a, size_t b) {
  double d = 0.0;
  for (size_t j = 0; j < k; j++) {
    double t = u[a * k + j] - u[b * k + j];
    d += t * t;
  }
  return d;
}

/* Candidate x beats y: larger distance, then lower id. */
static int better(double gx, long idx, double gy, long idy) { return gx > gy || (gx == gy && idx < idy); }

static int gap_better(const gap *x, const gap *y) { return better(x->g, x->id, y->g, y->id); }

static void heap_push(gap *h, size_t *n, gap v) {
  size_t s = (*n)++;
  while (s > 0 && gap_better(&v, &h[(s - 1) / 2])) {
    h[s] = h[(s - 1) / 2];
    s = (s - 1) / 2;
  }
  h[s] = v;
}

static gap heap_pop(gap *h, size_t *n) {
  gap top = h[0], last = h[--*n];
  size_t s = 0;
  for (;;) {
    size_t c = 2 * s + 1;
    if (c >= *n) break;
    if (c + 1 < *n && gap_better(&h[c + 1], &h[c])) c++;
    if (!gap_better(&h[c], &last)) break;
    h[s] = h[c];
    s = c;
  }
  if (*n > 0) h[s] = last;
  return top;
}

/* k = 2: the best candidate of the gap between chosen positions a and b
 * (b == m: nothing chosen to the right). 0 if the gap is empty. Inside a
 * gap g(x) = min(d(a,x), d(x,b)) with d(a,.) non-decreasing and d(.,b)
 * non-increasing; its maxima form one run of positions around the
 * crossing, walked group by group (a group = copies of one point, which
 * sit together in id order) to find the lowest id. */
static int gap_best(const epsnet_state *st, const es_rung *rung, const size_t *stair, size_t m, size_t a,
                    size_t b, gap *out) {
  const double *u = st->u;
  if (a + 1 >= b) return 0;
  size_t lo = a + 1, hi = b; /* interior [lo, hi) */
  size_t best_c = 0;
  double gstar;
  long best_id = 0;
  if (b == m) {
    /* Only the left end: g = d(a, .) grows to the right. */
    gstar = dist2(u, 2, a, hi - 1);
    for (size_t x = hi; x > lo;) {
      size_t first = st->gstart[x - 1] > lo ? st->gstart[x - 1] : lo;
      if (dist2(u, 2, a, first) != gstar) break;
      if (best_c == 0 || rung->id[stair[first]] < best_id) best_c = first, best_id = rung->id[stair[first]];
      x = first;
    }
  } else {
    /* t: first position where d(a, x) >= d(x, b). */
    size_t l = lo, h = hi;
    while (l < h) {
      size_t mid = l + (h - l) / 2;
      if (dist2(u, 2, a, mid) >= dist2(u, 2, mid, b))
        h = mid;
      else
        l = mid + 1;
    }
    size_t t = l;
    double left = t > lo ? dist2(u, 2, a, t - 1) : -1.0;
    double right = t < hi ? dist2(u, 2, t, b) : -1.0;
    gstar = left > right ? left : right;
    if (left == gstar)
      for (size_t x = t; x > lo;) {
        size_t first = st->gstart[x - 1] > lo ? st->gstart[x - 1] : lo;
        if (dist2(u, 2, a, first) != gstar) break;
        if (best_c == 0 || rung->id[stair[first]] < best_id) best_c = first, best_id = rung->id[stair[first]];
        x = first;
      }
    if (right == gstar)
      for (size_t x = t; x < hi; x = st->gend[x]) {
        if (dist2(u, 2, x, b) != gstar) break;
        if (best_c == 0 || rung->id[stair[x]] < best_id) best_c = x, best_id = rung->id[stair[x]];
      }
  }
  *out = (gap){gstar, best_id, best_c, a, b};
  return 1;
}

/* Walk front r in epsilon-net order, writing the first `steps` members
 * chosen into walk (if not NULL) and stopping early once `target` is
 * chosen. Returns the 0-based step at which target was chosen, or steps. */
static size_t walk_front(epsnet_state *st, const es_rung *rung, size_t r, size_t target, size_t steps,
                         size_t *walk) {
  const size_t k = rung->k;
  size_t m;
  const size_t *stair = es_fronts_sorted(st->fronts, r, 0, &m);
  if (steps > m) steps = m;
  if (steps == 0) return 0;
  scale_front(st, rung, r, stair, m);
  if (walk) walk[0] = stair[0];
  if (stair[0] == target) return 0;
  if (k == 2) {
    /* Duplicate groups along the staircase (equal objective 0 on a 2-D
     * front means equal points). */
    for (size_t s = 0; s < m;) {
      size_t e = s + 1;
      while (e < m && rung->obj[stair[e] * 2] == rung->obj[stair[s] * 2]) e++;
      for (size_t x = s; x < e; x++) st->gstart[x] = s, st->gend[x] = e;
      s = e;
    }
    size_t nh = 0;
    gap g;
    if (gap_best(st, rung, stair, m, 0, m, &g)) heap_push(st->heap, &nh, g);
    for (size_t step = 1; step < steps; step++) {
      g = heap_pop(st->heap, &nh);
      if (walk) walk[step] = stair[g.c];
      if (stair[g.c] == target) return step;
      gap h;
      if (gap_best(st, rung, stair, m, g.a, g.c, &h)) heap_push(st->heap, &nh, h);
      if (gap_best(st, rung, stair, m, g.c, g.b, &h)) heap_push(st->heap, &nh, h);
    }
    return steps;
  }
  memset(st->chosen, 0, m);
  st->chosen[0] = 1;
  for (size_t s = 0; s < m; s++) st->mind[s] = INFINITY;
  size_t last = 0;
  for (size_t step = 1; step < steps; step++) {
    size_t best = m;
    for (size_t s = 0; s < m; s++) {
      if (st->chosen[s]) continue;
      double d = dist2(st->u, k, s, last);
      if (d < st->mind[s]) st->mind[s] = d;
      if (best == m || better(st->mind[s], rung->id[stair[s]], st->mind[best], rung->id[stair[best]]))
        best = s;
    }
    st->chosen[best] = 1;
    last = best;
    if (walk) walk[step] = stair[best];
    if (stair[best] == target) return step;
  }
  return steps;
}

static size_t epsnet_position(void *vstate, const es_rung *rung, size_t i, size_t limit) {
  epsnet_state *st = vstate;
  size_t r = es_fronts_rank(st->fronts, i);
  size_t pos = es_fronts_before(st->fronts, r);
  if (pos >= limit) return limit;
  pos += walk_front(st, rung, r, i, limit - pos, NULL);
  return pos < limit ? pos : limit;
}

static void epsnet_order(void *vstate, const es_rung *rung, size_t *order) {
  epsnet_state *st = vstate;
  size_t out = 0;
  for (size_t r = 0; r < es_fronts_count(st->fronts); r++) {
    size_t m;
    es_fronts_sorted(st->fronts, r, 0, &m);
    walk_front(st, rung, r, (size_t)-1, m, order + out);
    out += m;
  }
}

static void epsnet_free(void *vstate) {
  epsnet_state *st = vstate;
  es_fronts_free(st->fronts);
  free(st->u);
  free(st->mind);
  free(st->chosen);
  free(st->gend);
  free(st->gstart);
  free(st->heap);
  memset(st, 0, sizeof *st);
}

const es_selection_type es_selection_epsnet = {"epsnet",    sizeof(epsnet_state), epsnet_init,
                                               epsnet_add,  epsnet_position,      epsnet_order,
                                               epsnet_load, epsnet_free};
