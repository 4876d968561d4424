/*
 * sampler_sobol.c - the "sobol" sampler: a randomly shifted quasi-random
 * sequence that covers the space more evenly than independent draws.
 *
 * It does: take points of gsl_qrng_sobol and add a Cranley-Patterson shift
 * (one uniform offset per dimension from a gsl_rng_mt19937 seeded with the
 * sweep's seed, modulo 1), so that different seeds give different but
 * equally well-spread sequences; then map through es_space_from_unit.
 * The sequence starts at its point 0, the origin, which GSL skips: with it
 * every first 2^m points form a net (Owen, "On dropping the first Sobol'
 * point"), and after the shift it is no longer a corner of the space.
 * GSL's sobol knows only 40 dimensions and silently returns zeros beyond
 * them, so larger spaces fall back to gsl_qrng_halton (1229 dimensions)
 * and say so in the note. Unbounded: size() is 0.
 *
 * It deliberately does not: scramble digits (the shift is enough for a
 * seed-dependent sequence and keeps the low-discrepancy structure), skip
 * any points ("burn-in" spoils the net property), or do I/O. Spaces beyond halton's limit are
 * refused by es_sampler_check before init sees them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_qrng.h>
#include <gsl/gsl_rng.h>

#include "sampler.h"

typedef struct {
  gsl_qrng *qrng; /* NULL for a space without parameters */
  double *shift;  /* per-dimension offset in [0,1) */
  double *unit;   /* the current shifted point */
  int started;    /* the origin (point 0) has been yielded */
} sobol_state;

static int sobol_init(void *vstate, const es_space *space, unsigned long seed, char *note,
                      size_t note_len) {
  sobol_state *st = vstate;
  size_t dim = space->n;
  const gsl_qrng_type *T = gsl_qrng_sobol;
  if (dim > gsl_qrng_sobol->max_dimension) {
    if (dim > gsl_qrng_halton->max_dimension) {
      if (note && note_len)
        snprintf(note, note_len, "sobol: %zu parameters exceed halton's %u dimensions", dim,
                 gsl_qrng_halton->max_dimension);
      return -EINVAL;
    }
    T = gsl_qrng_halton;
    if (note && note_len)
      snprintf(note, note_len, "sobol: %zu parameters exceed sobol's %u dimensions; using halton",
               dim, gsl_qrng_sobol->max_dimension);
  }
  st->shift = malloc((dim ? dim : 1) * sizeof *st->shift);
  st->unit = malloc((dim ? dim : 1) * sizeof *st->unit);
  if (!st->shift || !st->unit) return -ENOMEM;
  if (dim == 0) return 0; /* gsl_qrng_alloc rejects dimension 0 */
  st->qrng = gsl_qrng_alloc(T, (unsigned int)dim);
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  if (!st->qrng || !rng) {
    if (rng) gsl_rng_free(rng);
    return -ENOMEM;
  }
  gsl_rng_set(rng, seed);
  for (size_t i = 0; i < dim; i++) st->shift[i] = gsl_rng_uniform(rng);
  gsl_rng_free(rng);
  return 0;
}

static int sobol_next(void *vstate, const es_space *space, double *point) {
  sobol_state *st = vstate;
  if (space->n == 0) return 0;
  if (!st->started) {
    /* GSL starts at point 1; point 0 (the origin) completes the net, so
     * the first 2^m points are evenly stratified. After the shift it is
     * no corner of the space. */
    for (size_t i = 0; i < space->n; i++) st->unit[i] = 0.0;
    st->started = 1;
  } else if (gsl_qrng_get(st->qrng, st->unit) != 0) {
    return -EINVAL;
  }
  for (size_t i = 0; i < space->n; i++) {
    double u = st->unit[i] + st->shift[i];
    st->unit[i] = u >= 1.0 ? u - 1.0 : u;
  }
  es_space_from_unit(space, st->unit, point);
  return 0;
}

static size_t sobol_size(const void *vstate, const es_space *space) {
  (void)vstate;
  (void)space;
  return 0;
}

static void sobol_free(void *vstate) {
  sobol_state *st = vstate;
  if (st->qrng) gsl_qrng_free(st->qrng);
  free(st->shift);
  free(st->unit);
  st->qrng = NULL;
  st->shift = NULL;
  st->unit = NULL;
}

const es_sampler_type es_sampler_sobol = {"sobol", sizeof(sobol_state), sobol_init, sobol_next,
                                          sobol_size, sobol_free, NULL};
