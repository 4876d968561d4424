/*
 * selection_scalar.c - the "scalar" selection: plain ASHA on the first
 * objective.
 *
 * It does: rank results by their first objective (minimisation form), ties
 * to the lower trial id. A position costs one O(n) counting pass over the
 * rung - no sorting, no incremental state beyond the scratch space that
 * order() sorts in (reserved by add, so order never allocates).
 *
 * It deliberately does not: look at any other objective (use pareto or
 * epsnet for that), or keep the rung sorted (an O(n) count per report
 * already meets the O(n k) budget, and a sorted array would cost O(n) per
 * insert anyway).
 */
#include <errno.h>
#include <stdlib.h>

#include "selection.h"

typedef struct {
  double value;
  long id;
  size_t index;
} scalar_key;

typedef struct {
  scalar_key *keys; /* scratch for order(), rung->cap entries */
  size_t cap;
} scalar_state;

static int scalar_init(void *vstate, size_t k) {
  (void)vstate;
  (void)k;
  return 0;
}

static int scalar_add(void *vstate, const es_rung *rung) {
  scalar_state *st = vstate;
  if (rung->n <= st->cap) return 0;
  size_t cap = st->cap ? 2 * st->cap : 16;
  while (cap < rung->n) cap *= 2;
  scalar_key *keys = realloc(st->keys, cap * sizeof *keys);
  if (!keys) return -ENOMEM;
  st->keys = keys;
  st->cap = cap;
  return 0;
}

/* a before b: smaller value, then lower id. */
static int scalar_before(double va, long ia, double vb, long ib) { return va < vb || (va == vb && ia < ib); }

static size_t scalar_position(void *vstate, const es_rung *rung, size_t i, size_t limit) {
  (void)vstate;
  const size_t k = rung->k;
  const double v = rung->obj[i * k];
  const long id = rung->id[i];
  size_t pos = 0;
  for (size_t x = 0; x < rung->n; x++)
    if (scalar_before(rung->obj[x * k], rung->id[x], v, id)) pos++;
  return pos < limit ? pos : limit;
}

static int scalar_cmp(const void *pa, const void *pb) {
  const scalar_key *a = pa, *b = pb;
  if (scalar_before(a->value, a->id, b->value, b->id)) return -1;
  if (scalar_before(b->value, b->id, a->value, a->id)) return 1;
  return 0;
}

static void scalar_order(void *vstate, const es_rung *rung, size_t *order) {
  scalar_state *st = vstate;
  for (size_t x = 0; x < rung->n; x++) st->keys[x] = (scalar_key){rung->obj[x * rung->k], rung->id[x], x};
  qsort(st->keys, rung->n, sizeof *st->keys, scalar_cmp);
  for (size_t s = 0; s < rung->n; s++) order[s] = st->keys[s].index;
}

static int scalar_load(void *vstate, const es_rung *rung) { return scalar_add(vstate, rung); }

static void scalar_free(void *vstate) {
  scalar_state *st = vstate;
  free(st->keys);
  st->keys = NULL;
  st->cap = 0;
}

const es_selection_type es_selection_scalar = {"scalar",    sizeof(scalar_state), scalar_init,
                                               scalar_add,  scalar_position,      scalar_order,
                                               scalar_load, scalar_free};
