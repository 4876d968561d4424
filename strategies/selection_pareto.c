/*
 * selection_pareto.c - incrementally maintained non-dominated fronts
 * (es_fronts_*, shared with epsnet) and the "pareto" selection: the
 * MO-ASHA rule of non-dominated rank, then larger crowding distance within
 * the front, then lower trial id.
 *
 * It does: fold one new result into the fronts without re-sorting the rung
 * (see es_fronts_add in selection.h for the rule and its cost), build them
 * from scratch in O(n log n) for two objectives (es_fronts_load), keep every
 * front's members sorted by each objective so a crowding distance needs no
 * sort, and answer a position from the new result's rank (the sizes of the
 * fronts ahead) plus one crowding pass over its own front: O(L + m k).
 * Crowding distances reproduce es_crowding_distance() of pareto.c bit for
 * bit when that is given the front in ascending trial-id order (same tie
 * order, same arithmetic), which is what the unit tests compare against.
 *
 * It deliberately does not: apply constraints (callers fold constrained
 * domination into the objectives), accept non-finite values (es_rung_add
 * rejects them), allocate in position/order (add reserves the scratch), or
 * ever remove a result.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "selection.h"

enum { IN_D = 1, MOVED = 2 };

typedef struct {
  size_t m;    /* members */
  size_t cap;  /* room in each by[j] */
  size_t **by; /* by[j]: members sorted by (objective j, id); NULL until first used */
} front;

struct es_fronts {
  size_t k;
  size_t cap;          /* room in the per-result arrays below */
  size_t *rank;        /* rank[i] of result i */
  unsigned char *mark; /* IN_D / MOVED during an add, all 0 between calls */
  size_t *list_a;      /* cascade lists (moved of level l-1, moved of level l) */
  size_t *list_b;
  size_t *merged; /* merge output */
  front *f;       /* fronts 0 .. nf-1 (fcap entries, the spare ones empty) */
  size_t nf, fcap;
  size_t *moved; /* moved[l]: members of front l moving to l + 1 (fcap + 1) */
  unsigned long long tests;
};

es_fronts *es_fronts_alloc(size_t k) {
  if (k == 0) return NULL;
  es_fronts *f = calloc(1, sizeof *f);
  if (f) f->k = k;
  return f;
}

void es_fronts_free(es_fronts *f) {
  if (!f) return;
  for (size_t l = 0; l < f->fcap; l++) {
    if (!f->f[l].by) continue;
    for (size_t j = 0; j < f->k; j++) free(f->f[l].by[j]);
    free(f->f[l].by);
  }
  free(f->f);
  free(f->moved);
  free(f->rank);
  free(f->mark);
  free(f->list_a);
  free(f->list_b);
  free(f->merged);
  free(f);
}

size_t es_fronts_rank(const es_fronts *f, size_t i) { return f->rank[i]; }
size_t es_fronts_count(const es_fronts *f) { return f->nf; }
unsigned long long es_fronts_cascade_tests(const es_fronts *f) { return f->tests; }

size_t es_fronts_before(const es_fronts *f, size_t r) {
  size_t c = 0;
  for (size_t l = 0; l < r && l < f->nf; l++) c += f->f[l].m;
  return c;
}

const size_t *es_fronts_sorted(const es_fronts *f, size_t r, size_t j, size_t *m) {
  *m = f->f[r].m;
  return f->f[r].by[j];
}

/* 1 if a dominates b, -1 if b dominates a, 0 otherwise (equal or
 * incomparable) - both directions in one pass. */
static int dominance(const double *a, const double *b, size_t k) {
  int a_better = 0, b_better = 0;
  for (size_t j = 0; j < k; j++) {
    if (a[j] < b[j])
      a_better = 1;
    else if (a[j] > b[j])
      b_better = 1;
    if (a_better && b_better) return 0;
  }
  return a_better ? 1 : (b_better ? -1 : 0);
}

static int grow_sizes(size_t **p, size_t cap) {
  size_t *q = realloc(*p, cap * sizeof *q);
  if (!q) return -ENOMEM;
  *p = q;
  return 0;
}

/* Room for n results in the per-result arrays (new marks zeroed). */
static int reserve_results(es_fronts *f, size_t n) {
  if (n <= f->cap) return 0;
  size_t cap = f->cap ? 2 * f->cap : 16;
  while (cap < n) cap *= 2;
  unsigned char *mark = realloc(f->mark, cap);
  if (!mark) return -ENOMEM;
  memset(mark + f->cap, 0, cap - f->cap);
  f->mark = mark;
  if (grow_sizes(&f->rank, cap) || grow_sizes(&f->list_a, cap) || grow_sizes(&f->list_b, cap) ||
      grow_sizes(&f->merged, cap))
    return -ENOMEM;
  f->cap = cap;
  return 0;
}

/* Room for fronts 0 .. nfronts-1 (and moved[] one beyond). */
static int reserve_fronts(es_fronts *f, size_t nfronts) {
  if (nfronts <= f->fcap) return 0;
  size_t cap = f->fcap ? 2 * f->fcap : 8;
  while (cap < nfronts) cap *= 2;
  front *nf = realloc(f->f, cap * sizeof *nf);
  if (!nf) return -ENOMEM;
  memset(nf + f->fcap, 0, (cap - f->fcap) * sizeof *nf);
  f->f = nf;
  f->fcap = cap;
  return grow_sizes(&f->moved, cap + 1);
}

/* Room for m members in every sorted list of front l. */
static int reserve_members(es_fronts *f, size_t l, size_t m) {
  front *fr = &f->f[l];
  if (!fr->by && !(fr->by = calloc(f->k, sizeof *fr->by))) return -ENOMEM;
  if (m <= fr->cap) return 0;
  size_t cap = fr->cap ? 2 * fr->cap : 4;
  while (cap < m) cap *= 2;
  for (size_t j = 0; j < f->k; j++)
    if (grow_sizes(&fr->by[j], cap)) return -ENOMEM;
  fr->cap = cap;
  return 0;
}

/* Members of front l (sorted by objective 0) with all of `flags` set, into
 * out; their count. */
static size_t filter(const es_fronts *f, size_t l, unsigned char flags, size_t *out) {
  const front *fr = &f->f[l];
  size_t c = 0;
  for (size_t s = 0; s < fr->m; s++)
    if ((f->mark[fr->by[0][s]] & flags) == flags) out[c++] = fr->by[0][s];
  return c;
}

/* Of the results of D at level l (dl, nd of them, sorted by objective 0),
 * mark MOVED those dominated by one of the ml results moved out of level
 * l-1 (mv, sorted by objective 0) and list them in out; their count. */
static size_t cascade_level(es_fronts *f, const es_rung *rung, const size_t *mv, size_t ml, const size_t *dl,
                            size_t nd, size_t *out) {
  const double *obj = rung->obj;
  const size_t k = f->k;
  size_t c = 0;
  if (k == 2) {
    /* Staircase sweep: z (level l-1) dominates y (level l) iff z0 <= y0
     * and z1 <= y1 - they cannot be equal, being on different levels - so
     * y moves iff the smallest second objective among the moved z with
     * z0 <= y0 is <= y1. */
    double min1 = INFINITY;
    size_t a = 0;
    for (size_t s = 0; s < nd; s++) {
      size_t y = dl[s];
      while (a < ml && obj[2 * mv[a]] <= obj[2 * y]) {
        if (obj[2 * mv[a] + 1] < min1) min1 = obj[2 * mv[a] + 1];
        a++;
      }
      if (min1 <= obj[2 * y + 1]) {
        f->mark[y] |= MOVED;
        out[c++] = y;
      }
    }
    f->tests += ml + nd;
    return c;
  }
  for (size_t s = 0; s < nd; s++) {
    size_t y = dl[s];
    for (size_t a = 0; a < ml; a++) {
      f->tests++;
      if (dominance(obj + mv[a] * k, obj + y * k, k) == 1) {
        f->mark[y] |= MOVED;
        out[c++] = y;
        break;
      }
    }
  }
  return c;
}

/* a sorts before b on objective j: smaller value, then lower id. */
static int before_on(const es_rung *rung, size_t j, size_t a, size_t b) {
  double va = rung->obj[a * rung->k + j], vb = rung->obj[b * rung->k + j];
  return va < vb || (va == vb && rung->id[a] < rung->id[b]);
}

/* Rebuild front l: its members minus those marked MOVED, plus the
 * incoming ones (the MOVED members of front l-1, or the new result p when
 * l == r), every list by merging two sorted sequences. */
static void rebuild(es_fronts *f, const es_rung *rung, size_t l, size_t r, size_t p, size_t newm) {
  front *fr = &f->f[l];
  for (size_t j = 0; j < f->k; j++) {
    const size_t *old = fr->by[j];
    const size_t *src = l == r ? &p : f->f[l - 1].by[j];
    size_t nsrc = l == r ? 1 : f->f[l - 1].m;
    size_t a = 0, b = 0, out = 0;
    for (;;) {
      while (a < fr->m && (f->mark[old[a]] & MOVED)) a++;
      while (l != r && b < nsrc && !(f->mark[src[b]] & MOVED)) b++;
      if (a == fr->m && b == nsrc) break;
      if (b == nsrc || (a < fr->m && before_on(rung, j, old[a], src[b])))
        f->merged[out++] = old[a++];
      else
        f->merged[out++] = src[b++];
    }
    memcpy(fr->by[j], f->merged, out * sizeof *f->merged);
  }
  fr->m = newm;
}

static void clear_marks(es_fronts *f, size_t p) {
  for (size_t i = 0; i < p; i++) f->mark[i] = 0;
}

int es_fronts_add(es_fronts *f, const es_rung *rung) {
  const size_t k = f->k, p = rung->n - 1;
  const double *obj = rung->obj;
  int rc;
  if ((rc = reserve_results(f, rung->n)) < 0 || (rc = reserve_fronts(f, f->nf + 1)) < 0) return rc;

  /* One pass: the new rank, and the set D of results p dominates. */
  size_t r = 0, nd = 0;
  for (size_t i = 0; i < p; i++) {
    int d = dominance(obj + i * k, obj + p * k, k);
    if (d == 1 && f->rank[i] + 1 > r)
      r = f->rank[i] + 1;
    else if (d == -1) {
      f->mark[i] = IN_D;
      nd++;
    }
  }

  /* The cascade: every result of D at level r moves; at each next level,
   * those dominated by a result that has just moved in. */
  size_t top = r; /* highest level whose membership changes */
  if (r < f->nf) {
    size_t *mv = f->list_a, *next = f->list_b;
    size_t ml = nd ? filter(f, r, IN_D, mv) : 0;
    for (size_t s = 0; s < ml; s++) f->mark[mv[s]] |= MOVED;
    f->moved[r] = ml;
    for (size_t l = r; f->moved[l] > 0;) {
      top = l + 1;
      if (l + 1 == f->nf) break; /* they form a new last front */
      size_t *dl = f->merged;    /* free until the rebuild */
      size_t ndl = filter(f, l + 1, IN_D, dl);
      size_t c = cascade_level(f, rung, mv, f->moved[l], dl, ndl, next);
      f->moved[++l] = c;
      size_t *t = mv;
      mv = next;
      next = t;
    }
  }

  /* Reserve everything before changing anything. */
  if (top == f->nf) f->moved[top] = 0;
  for (size_t l = r; l <= top; l++) {
    size_t m = l < f->nf ? f->f[l].m : 0;
    size_t newm = m - f->moved[l] + (l == r ? 1 : f->moved[l - 1]);
    if ((rc = reserve_members(f, l, newm)) < 0) {
      clear_marks(f, p);
      return rc;
    }
  }

  /* Top down, so each level still sees the old membership of the one
   * above it when taking in that level's movers. */
  for (size_t l = top + 1; l-- > r;) {
    size_t m = l < f->nf ? f->f[l].m : 0;
    rebuild(f, rung, l, r, p, m - f->moved[l] + (l == r ? 1 : f->moved[l - 1]));
  }
  for (size_t i = 0; i < p; i++) {
    if (f->mark[i] & MOVED) f->rank[i]++;
    f->mark[i] = 0;
  }
  f->rank[p] = r;
  if (top == f->nf) f->nf++;
  return 0;
}

/* ---- building from scratch (k = 2) ----------------------------------- */

typedef struct {
  double x, y;
  long id;
  size_t index;
} point_key;

static int by_x_y_id(const void *pa, const void *pb) {
  const point_key *a = pa, *b = pb;
  if (a->x != b->x) return a->x < b->x ? -1 : 1;
  if (a->y != b->y) return a->y < b->y ? -1 : 1;
  return (a->id > b->id) - (a->id < b->id);
}

static int by_y_id(const void *pa, const void *pb) {
  const point_key *a = pa, *b = pb;
  if (a->y != b->y) return a->y < b->y ? -1 : 1;
  return (a->id > b->id) - (a->id < b->id);
}

/* Empty every front (allocations stay as spares). */
static void reset(es_fronts *f) {
  for (size_t l = 0; l < f->nf; l++) f->f[l].m = 0;
  f->nf = 0;
}

int es_fronts_load(es_fronts *f, const es_rung *rung) {
  if (f->k != 2 || f->nf != 0) return 1;
  const size_t n = rung->n;
  if (n == 0) return 0;
  point_key *keys = malloc(n * sizeof *keys);
  double *tail = NULL; /* tail[l]: smallest y in front l so far */
  int rc = -ENOMEM;
  if (!keys || reserve_results(f, n) < 0 || !(tail = malloc(n * sizeof *tail))) goto out;
  for (size_t i = 0; i < n; i++)
    keys[i] = (point_key){rung->obj[2 * i], rung->obj[2 * i + 1], rung->id[i], i};
  qsort(keys, n, sizeof *keys, by_x_y_id);
  /* In (x, y) order every dominator of a point comes before it, and the
   * fronts holding one form a prefix whose tails are <= its y (a point of
   * front l+1 is dominated by one of front l, seen earlier): the rank is
   * the first front whose tail is above y. Copies of one point are ranked
   * together, before any of them enters a tail. */
  size_t nf = 0;
  for (size_t g = 0; g < n;) {
    size_t e = g + 1;
    while (e < n && keys[e].x == keys[g].x && keys[e].y == keys[g].y) e++;
    size_t lo = 0, hi = nf;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (tail[mid] <= keys[g].y)
        lo = mid + 1;
      else
        hi = mid;
    }
    if (lo == nf)
      tail[nf++] = keys[g].y;
    else if (keys[g].y < tail[lo])
      tail[lo] = keys[g].y;
    for (size_t s = g; s < e; s++) f->rank[keys[s].index] = lo;
    g = e;
  }
  if (reserve_fronts(f, nf) < 0) goto out;
  /* Front sizes into moved[] (scratch here), then room in each front. */
  for (size_t l = 0; l < nf; l++) f->moved[l] = 0;
  for (size_t i = 0; i < n; i++) f->moved[f->rank[i]]++;
  for (size_t l = 0; l < nf; l++)
    if (reserve_members(f, l, f->moved[l]) < 0) goto out;
  /* Within a 2-D front equal x means equal points, so (x, y, id) order is
   * (x, id) order there; objective 1 needs its own sort. */
  f->nf = nf;
  for (size_t i = 0; i < n; i++) {
    front *fr = &f->f[f->rank[keys[i].index]];
    fr->by[0][fr->m++] = keys[i].index;
  }
  qsort(keys, n, sizeof *keys, by_y_id);
  for (size_t l = 0; l < nf; l++) f->f[l].m = 0;
  for (size_t i = 0; i < n; i++) {
    front *fr = &f->f[f->rank[keys[i].index]];
    fr->by[1][fr->m++] = keys[i].index;
  }
  rc = 0;
out:
  if (rc < 0) reset(f);
  free(keys);
  free(tail);
  return rc;
}

/* ---- the pareto selection ------------------------------------------- */

typedef struct {
  double dist;
  long id;
  size_t index;
} crowd_key;

typedef struct {
  es_fronts *fronts;
  double *dist;    /* crowding distance by result index (scratch) */
  crowd_key *keys; /* order() scratch */
  size_t cap;
} pareto_state;

static int pareto_init(void *vstate, size_t k) {
  pareto_state *st = vstate;
  st->fronts = es_fronts_alloc(k);
  return st->fronts ? 0 : -ENOMEM;
}

static int pareto_reserve(pareto_state *st, size_t n);

static int pareto_add(void *vstate, const es_rung *rung) {
  pareto_state *st = vstate;
  int rc = pareto_reserve(st, rung->n);
  return rc < 0 ? rc : es_fronts_add(st->fronts, rung);
}

/* NSGA-II crowding distance of every member of front r into dist[],
 * computed as es_crowding_distance() does on the front in id order. */
static void crowding(const es_fronts *f, const es_rung *rung, size_t r, double *dist) {
  const size_t k = rung->k;
  size_t m;
  const size_t *by0 = es_fronts_sorted(f, r, 0, &m);
  for (size_t s = 0; s < m; s++) dist[by0[s]] = m <= 2 ? INFINITY : 0.0;
  if (m <= 2) return;
  for (size_t j = 0; j < k; j++) {
    const size_t *by = es_fronts_sorted(f, r, j, &m);
    double lo = rung->obj[by[0] * k + j], hi = rung->obj[by[m - 1] * k + j];
    double range = hi - lo;
    if (!(range > 0.0)) continue;
    dist[by[0]] = INFINITY;
    dist[by[m - 1]] = INFINITY;
    for (size_t s = 1; s + 1 < m; s++)
      dist[by[s]] += (rung->obj[by[s + 1] * k + j] - rung->obj[by[s - 1] * k + j]) / range;
  }
}

static size_t pareto_position(void *vstate, const es_rung *rung, size_t i, size_t limit) {
  pareto_state *st = vstate;
  size_t r = es_fronts_rank(st->fronts, i);
  size_t pos = es_fronts_before(st->fronts, r);
  if (pos >= limit) return limit;
  crowding(st->fronts, rung, r, st->dist);
  size_t m;
  const size_t *by0 = es_fronts_sorted(st->fronts, r, 0, &m);
  const double d = st->dist[i];
  for (size_t s = 0; s < m; s++) {
    size_t x = by0[s];
    if (st->dist[x] > d || (st->dist[x] == d && rung->id[x] < rung->id[i])) pos++;
  }
  return pos < limit ? pos : limit;
}

static int crowd_cmp(const void *pa, const void *pb) {
  const crowd_key *a = pa, *b = pb;
  if (a->dist != b->dist) return a->dist > b->dist ? -1 : 1;
  return (a->id > b->id) - (a->id < b->id);
}

static void pareto_order(void *vstate, const es_rung *rung, size_t *order) {
  pareto_state *st = vstate;
  size_t out = 0;
  for (size_t r = 0; r < es_fronts_count(st->fronts); r++) {
    crowding(st->fronts, rung, r, st->dist);
    size_t m;
    const size_t *by0 = es_fronts_sorted(st->fronts, r, 0, &m);
    for (size_t s = 0; s < m; s++) st->keys[s] = (crowd_key){st->dist[by0[s]], rung->id[by0[s]], by0[s]};
    qsort(st->keys, m, sizeof *st->keys, crowd_cmp);
    for (size_t s = 0; s < m; s++) order[out++] = st->keys[s].index;
  }
}

static int pareto_reserve(pareto_state *st, size_t n) {
  if (n <= st->cap) return 0;
  size_t cap = st->cap ? 2 * st->cap : 16;
  while (cap < n) cap *= 2;
  double *dist = realloc(st->dist, cap * sizeof *dist);
  if (!dist) return -ENOMEM;
  st->dist = dist;
  crowd_key *keys = realloc(st->keys, cap * sizeof *keys);
  if (!keys) return -ENOMEM;
  st->keys = keys;
  st->cap = cap;
  return 0;
}

static int pareto_load(void *vstate, const es_rung *rung) {
  pareto_state *st = vstate;
  int rc = pareto_reserve(st, rung->n);
  return rc < 0 ? rc : es_fronts_load(st->fronts, rung);
}

static void pareto_free(void *vstate) {
  pareto_state *st = vstate;
  es_fronts_free(st->fronts);
  free(st->dist);
  free(st->keys);
  memset(st, 0, sizeof *st);
}

const es_selection_type es_selection_pareto = {"pareto",    sizeof(pareto_state), pareto_init,
                                               pareto_add,  pareto_position,      pareto_order,
                                               pareto_load, pareto_free};
