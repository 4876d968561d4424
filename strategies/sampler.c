/*
 * sampler.c - the sampler registry and the generic sampler object.
 *
 * It does: the name table the spec's "strategy.sampler" is looked up in,
 * the list of valid names for error messages, the pre-flight check of a
 * space against a sampler (with a message naming the parameter), and the
 * alloc/next/size/free wrappers around a type's state (GSL style: the
 * wrapper owns the state block, the type only fills it).
 *
 * It deliberately does not: know any algorithm (each lives in its own
 * sampler_*.c), print anything, or keep global state beyond the const
 * table. Adding a sampler is a new file plus one line in es_sampler_types.
 */
#include "sampler.h"
#include "registry.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_qrng.h>

/* Largest grid es_sampler_check accepts: far beyond any sweep that can
 * finish, small enough that counting points never overflows. */
#define ES_GRID_MAX_POINTS 1000000000.0

const es_sampler_type *const es_sampler_types[] = {&es_sampler_random, &es_sampler_sobol,
                                                   &es_sampler_grid, &es_sampler_nsga2, NULL};

static const char *sampler_name_at(size_t i) { return es_sampler_types[i] ? es_sampler_types[i]->name : NULL; }

const es_sampler_type *es_sampler_lookup(const char *name) {
  long i = es_registry_find(sampler_name_at, name);
  return i < 0 ? NULL : es_sampler_types[i];
}

void es_sampler_names(char *buf, size_t len) { es_registry_names(sampler_name_at, buf, len); }

static int fail(char *err, size_t err_len, const char *fmt, ...) {
  if (err && err_len) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
  }
  return -EINVAL;
}

static int check_grid(const es_space *space, char *err, size_t err_len) {
  double points = 1.0;
  for (size_t i = 0; i < space->n; i++) {
    const es_param *p = &space->params[i];
    if (p->kind == ES_PARAM_FLOAT && p->steps == 0)
      return fail(err, err_len, "parameters.%s: the grid sampler needs \"steps\" for a float parameter",
                  p->name);
    if (p->kind == ES_PARAM_FLOAT && p->steps < 2)
      return fail(err, err_len, "parameters.%s.steps: must be at least 2 (got %d)", p->name, p->steps);
    size_t n = es_param_grid_size(p);
    if (n == 0) return fail(err, err_len, "parameters.%s: has no grid values", p->name);
    points *= (double)n;
  }
  if (points > ES_GRID_MAX_POINTS)
    return fail(err, err_len,
                "parameters: the grid sampler would enumerate %.3g points (at most %.0f); "
                "reduce ranges, steps or values",
                points, ES_GRID_MAX_POINTS);
  return 0;
}

int es_sampler_check(const es_sampler_type *T, const es_space *space, char *err, size_t err_len) {
  if (err && err_len) err[0] = '\0';
  if (!T) return fail(err, err_len, "strategy.sampler: unknown sampler");
  if (T == &es_sampler_grid) return check_grid(space, err, err_len);
  /* Past sobol's limit the sampler falls back to halton (see
   * sampler_sobol.c); past halton's there is nothing left to fall to. */
  if (T == &es_sampler_sobol && space->n > gsl_qrng_halton->max_dimension)
    return fail(err, err_len,
                "parameters: the sobol sampler supports at most %u parameters (%zu given); "
                "use \"random\"",
                gsl_qrng_halton->max_dimension, space->n);
  return 0;
}

es_sampler *es_sampler_alloc(const es_sampler_type *T, const es_space *space, unsigned long seed,
                             char *note, size_t note_len) {
  if (note && note_len) note[0] = '\0';
  if (!T || !space) {
    errno = EINVAL;
    return NULL;
  }
  es_sampler *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  /* A zeroed state lets a type's free() run after a failed init. */
  s->state = calloc(1, T->state_size ? T->state_size : 1);
  if (!s->state) {
    free(s);
    return NULL;
  }
  s->type = T;
  s->space = space;
  int rc = T->init(s->state, space, seed, note, note_len);
  if (rc < 0) {
    T->free(s->state);
    free(s->state);
    free(s);
    errno = -rc;
    return NULL;
  }
  return s;
}

int es_sampler_tell(es_sampler *s, long id, const double *point, const double *obj, size_t k, double level) {
  if (!s->type->tell) return 0;
  return s->type->tell(s->state, s->space, id, point, obj, k, level);
}

int es_sampler_next(es_sampler *s, double *point) {
  int rc = s->type->next(s->state, s->space, point);
  if (rc == 0) s->drawn++;
  return rc;
}

size_t es_sampler_size(const es_sampler *s) { return s->type->size(s->state, s->space); }

void es_sampler_free(es_sampler *s) {
  if (!s) return;
  s->type->free(s->state);
  free(s->state);
  free(s);
}
