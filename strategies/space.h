/*
 * space.h - the search space: parameter definitions and points in it.
 *
 * A point is an array of doubles, one per parameter, in the order of
 * es_space.params: a float parameter holds its value, an int parameter its
 * (integral) value, a categorical parameter the 0-based index of its value.
 * Samplers produce points in the unit cube; es_space_from_unit() maps them.
 *
 * Pure computation: no I/O, no libuv, no cJSON.
 */
#ifndef ES_SPACE_H
#define ES_SPACE_H

#include <stddef.h>

typedef enum { ES_PARAM_FLOAT, ES_PARAM_INT, ES_PARAM_CATEGORICAL } es_param_kind;

/* One categorical value: any JSON scalar. */
typedef enum { ES_SCALAR_NUMBER, ES_SCALAR_STRING, ES_SCALAR_BOOL, ES_SCALAR_NULL } es_scalar_kind;
typedef struct {
  es_scalar_kind kind;
  double number; /* ES_SCALAR_NUMBER; ES_SCALAR_BOOL: 0 or 1 */
  char *string;  /* ES_SCALAR_STRING: owned, NUL-terminated */
} es_scalar;

typedef struct {
  char *name;         /* owned */
  es_param_kind kind;
  double low, high;   /* float, int: inclusive bounds, low < high (int: low <= high) */
  int log;            /* float, int: sample uniformly in log space (low > 0) */
  int steps;          /* float: number of grid points (>= 2) for the grid sampler; 0 = unset */
  es_scalar *values;  /* categorical: owned array */
  size_t n_values;
} es_param;

typedef struct {
  es_param *params; /* owned array */
  size_t n;
} es_space;

/* Map u in [0,1) to parameter p's value (an index for categorical).
 * Log scale is applied for log parameters; ints round to the nearest
 * integer and stay within [low, high]. */
double es_param_from_unit(const es_param *p, double u);

/* Map a unit-cube point to a point of the space (out has space->n slots). */
void es_space_from_unit(const es_space *space, const double *unit, double *out);

/* Number of grid values of p: int: high-low+1; categorical: n_values;
 * float: steps (0 when unset). */
size_t es_param_grid_size(const es_param *p);
/* The i-th grid value of p (i < es_param_grid_size(p)). Float steps are
 * evenly spaced in linear or log space, both ends included. */
double es_param_grid_value(const es_param *p, size_t i);

/* Shortest decimal text that reads back as the same double ("%.17g" at
 * most). Integral values of int parameters print as integers; other finite
 * values always carry a '.' or an exponent so that JSON readers keep them
 * floating point ("1.0", "1e-05"). Non-finite values print as "null".
 * buf must hold at least ES_NUM_BUFSZ bytes. Returns buf. */
#define ES_NUM_BUFSZ 40
char *es_fmt_double(char *buf, double v);
/* Shortest round-trip text with no forced ".0" (used for CSV and tables). */
char *es_fmt_number(char *buf, double v);

/* Text of parameter p's value v as a trial sees it in argv: numbers via
 * es_fmt_double (ints as ints), categorical strings verbatim, booleans as
 * true/false, null as null. Returns a malloc'd string (NULL on OOM). */
char *es_param_value_text(const es_param *p, double v);

/* Index of the parameter named name, or -1. */
int es_space_find(const es_space *space, const char *name);

void es_space_free(es_space *space);

#endif
