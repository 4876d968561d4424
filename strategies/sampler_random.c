/*
 * sampler_random.c - the "random" sampler: independent uniform points.
 *
 * It does: draw one gsl_rng_uniform per parameter from a gsl_rng_mt19937
 * seeded with the sweep's seed, and map it through es_space_from_unit (so
 * log parameters are uniform in log space). Unbounded: size() is 0.
 *
 * It deliberately does not: use any other source of randomness (the same
 * seed must give the same sequence, which is what resume replays), avoid
 * repeats, or do I/O. Note GSL's mt19937 uses the low 32 bits of the seed
 * and treats seed 0 as its default seed 4357.
 */
#include <errno.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "sampler.h"

typedef struct {
  gsl_rng *rng;
  double *unit; /* one uniform per parameter, reused for every point */
} random_state;

static int random_init(void *vstate, const es_space *space, unsigned long seed, char *note,
                       size_t note_len) {
  (void)note;
  (void)note_len;
  random_state *st = vstate;
  st->rng = gsl_rng_alloc(gsl_rng_mt19937);
  st->unit = malloc((space->n ? space->n : 1) * sizeof *st->unit);
  if (!st->rng || !st->unit) return -ENOMEM;
  gsl_rng_set(st->rng, seed);
  return 0;
}

static int random_next(void *vstate, const es_space *space, double *point) {
  random_state *st = vstate;
  for (size_t i = 0; i < space->n; i++) st->unit[i] = gsl_rng_uniform(st->rng);
  es_space_from_unit(space, st->unit, point);
  return 0;
}

static size_t random_size(const void *vstate, const es_space *space) {
  (void)vstate;
  (void)space;
  return 0;
}

static void random_free(void *vstate) {
  random_state *st = vstate;
  if (st->rng) gsl_rng_free(st->rng);
  free(st->unit);
  st->rng = NULL;
  st->unit = NULL;
}

const es_sampler_type es_sampler_random = {"random", sizeof(random_state), random_init, random_next,
                                           random_size, random_free, NULL};
