/*
 * sampler_grid.c - the "grid" sampler: every combination of every
 * parameter's grid values, once each, then ES_SAMPLER_EXHAUSTED.
 *
 * It does: enumerate the cartesian product in a fixed order, the last
 * parameter varying fastest (like nested loops written in the spec's
 * order), with es_param_grid_value giving each parameter's values (ints:
 * every integer, categoricals: every value, floats: "steps" points, log-
 * spaced for log parameters, both ends included). The point number is
 * decoded as a mixed-radix number, so the state is one counter.
 *
 * It deliberately does not: shuffle (the seed is ignored; the order is the
 * contract), invent steps for a float (es_sampler_check reports that with
 * the parameter's name; init refuses it), cap the grid (the check refuses
 * grids over 10^9 points; init only refuses a product that overflows), or
 * do I/O.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "sampler.h"

typedef struct {
  size_t *radix; /* grid size of each parameter */
  size_t total;  /* product of radix[] */
  size_t next;   /* number of the next point */
} grid_state;

static int grid_init(void *vstate, const es_space *space, unsigned long seed, char *note,
                     size_t note_len) {
  (void)seed;
  (void)note;
  (void)note_len;
  grid_state *st = vstate;
  st->radix = malloc((space->n ? space->n : 1) * sizeof *st->radix);
  if (!st->radix) return -ENOMEM;
  st->total = 1;
  for (size_t i = 0; i < space->n; i++) {
    size_t n = es_param_grid_size(&space->params[i]);
    if (n == 0) return -EINVAL;
    if (st->total > SIZE_MAX / n) return -EOVERFLOW;
    st->radix[i] = n;
    st->total *= n;
  }
  return 0;
}

static int grid_next(void *vstate, const es_space *space, double *point) {
  grid_state *st = vstate;
  if (st->next >= st->total) return ES_SAMPLER_EXHAUSTED;
  size_t k = st->next++;
  for (size_t i = space->n; i-- > 0;) {
    point[i] = es_param_grid_value(&space->params[i], k % st->radix[i]);
    k /= st->radix[i];
  }
  return 0;
}

static size_t grid_size(const void *vstate, const es_space *space) {
  (void)space;
  const grid_state *st = vstate;
  return st->total;
}

static void grid_free(void *vstate) {
  grid_state *st = vstate;
  free(st->radix);
  st->radix = NULL;
}

const es_sampler_type es_sampler_grid = {"grid", sizeof(grid_state), grid_init, grid_next,
                                         grid_size, grid_free, NULL};
