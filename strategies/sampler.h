/*
 * sampler.h - the sampler family (GSL-style type descriptors).
 *
 * Each sampler is one const es_sampler_type in a file of its own
 * (sampler_random.c, sampler_sobol.c, sampler_grid.c); es_sampler_types[]
 * is the name table the spec's "strategy.sampler" is looked up in.
 * Samplers produce points of the space (see space.h for their layout).
 *
 * Pure computation: no I/O. Randomness comes from GSL generators seeded by
 * the sweep's seed, so the same seed gives the same sequence.
 */
#ifndef ES_SAMPLER_H
#define ES_SAMPLER_H

#include <stddef.h>

#include "space.h"

#define ES_SAMPLER_EXHAUSTED 1 /* es_sampler_next(): no points left (grid) */

typedef struct es_sampler_type {
  const char *name;
  size_t state_size;
  /* Prepare state for space and seed. May write a one-line note to note
   * (e.g. "sobol: 45 dimensions exceed 40, using halton"). 0 or -errno. */
  int (*init)(void *state, const es_space *space, unsigned long seed, char *note, size_t note_len);
  /* Write the next point to point (space->n doubles): 0, or
   * ES_SAMPLER_EXHAUSTED when a finite sampler has nothing left. */
  int (*next)(void *state, const es_space *space, double *point);
  /* Total number of points a finite sampler yields; 0 = unbounded. */
  size_t (*size)(const void *state, const es_space *space);
  void (*free)(void *state);
  /* Samplers that learn (nsga2): a result for trial id, whose point was
   * `point`, with k objectives in minimisation form (obj), measured at
   * resource level `level`. A later result for the same id replaces an
   * earlier one when its level is at least as high (a trial is judged by
   * its highest-rung result). NULL for samplers that do not learn.
   * 0 or -errno. */
  int (*tell)(void *state, const es_space *space, long id, const double *point, const double *obj, size_t k,
              double level);
} es_sampler_type;

typedef struct {
  const es_sampler_type *type;
  const es_space *space; /* borrowed; must outlive the sampler */
  void *state;
  size_t drawn; /* points returned so far (resume replays this many) */
} es_sampler;

extern const es_sampler_type es_sampler_random;
extern const es_sampler_type es_sampler_sobol;
extern const es_sampler_type es_sampler_grid;
extern const es_sampler_type es_sampler_nsga2;

/* NULL-terminated table of every sampler type. */
extern const es_sampler_type *const es_sampler_types[];

/* The type called name, or NULL. */
const es_sampler_type *es_sampler_lookup(const char *name);
/* Comma-separated list of valid names ("random, sobol, grid") into buf. */
void es_sampler_names(char *buf, size_t len);

/* Check that the space suits sampler type T before a sweep starts (grid:
 * every float has steps). 0, or -EINVAL with a message naming the
 * parameter ("parameters.lr: grid needs steps for a float") in err. */
int es_sampler_check(const es_sampler_type *T, const es_space *space, char *err, size_t err_len);

es_sampler *es_sampler_alloc(const es_sampler_type *T, const es_space *space, unsigned long seed,
                             char *note, size_t note_len);
int es_sampler_next(es_sampler *s, double *point);
/* Report a result to the sampler (see tell above); 0 when it does not learn. */
int es_sampler_tell(es_sampler *s, long id, const double *point, const double *obj, size_t k, double level);
size_t es_sampler_size(const es_sampler *s);
void es_sampler_free(es_sampler *s);

#endif
