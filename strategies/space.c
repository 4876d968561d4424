/*
 * space.c - parameters of the search space: mapping the unit cube onto
 * parameter values, grid values, and the text a trial sees for a value.
 *
 * It does: the unit -> value mapping every sampler relies on (linear or log
 * scale, integers that reach both ends, categorical indices), the per-
 * parameter grid of the grid sampler, the shortest round-trip number text
 * used in argv, JSON and CSV, and freeing a space.
 *
 * It deliberately does not: parse the spec (scheduler/spec.c validates
 * bounds, log > 0 and steps before a space reaches this file), quote or
 * escape anything (a categorical string goes into argv verbatim, never
 * through a shell), or do any I/O.
 */
#include "space.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double clamp(double x, double lo, double hi) {
  if (x < lo) return lo;
  if (x > hi) return hi;
  return x;
}

double es_param_from_unit(const es_param *p, double u) {
  /* u outside [0,1) would only come from a buggy sampler; clamping keeps
   * every value inside the declared bounds regardless. */
  u = clamp(u, 0.0, 1.0);
  switch (p->kind) {
  case ES_PARAM_FLOAT:
    /* low * exp(...) rather than exp(log(low) + ...): u = 0 gives low
     * exactly, where exp(log(1e-4)) would not. */
    if (p->log) return clamp(p->low * exp(u * log(p->high / p->low)), p->low, p->high);
    return clamp(p->low + u * (p->high - p->low), p->low, p->high);
  case ES_PARAM_INT:
    if (p->log) {
      /* Widening by half an integer on each side gives the end values the
       * same share of log space as their rounding neighbourhood, so low and
       * high are both reachable. */
      double ll = log(p->low - 0.5), lh = log(p->high + 0.5);
      return clamp(round(exp(ll + u * (lh - ll))), p->low, p->high);
    }
    return clamp(floor(p->low + u * (p->high - p->low + 1.0)), p->low, p->high);
  case ES_PARAM_CATEGORICAL:
    if (p->n_values == 0) return 0.0;
    return clamp(floor(u * (double)p->n_values), 0.0, (double)(p->n_values - 1));
  }
  return 0.0;
}

void es_space_from_unit(const es_space *space, const double *unit, double *out) {
  for (size_t i = 0; i < space->n; i++) out[i] = es_param_from_unit(&space->params[i], unit[i]);
}

size_t es_param_grid_size(const es_param *p) {
  switch (p->kind) {
  case ES_PARAM_FLOAT:
    return p->steps > 0 ? (size_t)p->steps : 0;
  case ES_PARAM_INT: {
    double n = floor(p->high) - ceil(p->low) + 1.0;
    if (!(n >= 1.0)) return 0;
    /* Saturate: callers compare against a cap far below SIZE_MAX. */
    if (n >= (double)SIZE_MAX) return SIZE_MAX;
    return (size_t)n;
  }
  case ES_PARAM_CATEGORICAL:
    return p->n_values;
  }
  return 0;
}

double es_param_grid_value(const es_param *p, size_t i) {
  switch (p->kind) {
  case ES_PARAM_FLOAT: {
    size_t n = es_param_grid_size(p);
    if (n <= 1 || i == 0) return p->low;
    if (i >= n - 1) return p->high; /* exact end, not low + (high-low)*1.0 */
    double t = (double)i / (double)(n - 1);
    if (p->log) return clamp(p->low * exp(t * log(p->high / p->low)), p->low, p->high);
    return clamp(p->low + t * (p->high - p->low), p->low, p->high);
  }
  case ES_PARAM_INT:
    return ceil(p->low) + (double)i;
  case ES_PARAM_CATEGORICAL:
    return (double)i;
  }
  return 0.0;
}

/* Shortest text of finite v that strtod reads back as v. Chooses the
 * fewest significant digits, then lays them out as Python's repr() does:
 * positional for decimal exponents -4..15, scientific otherwise, so 100
 * is "100" (not "1e+02") and 1e-05 stays "1e-05". */
static void fmt_shortest(char *buf, double v) {
  /* Whole numbers below 10^15 (ids, steps, counts) print as integers
   * with no floating-point formatting at all: the same text the general
   * path gives, much cheaper. */
  if (v == floor(v) && fabs(v) < 1e15) {
    snprintf(buf, ES_NUM_BUFSZ, "%lld", (long long)v);
    if (v == 0 && signbit(v)) memcpy(buf, "-0", 3);
    return;
  }
  char sci[ES_NUM_BUFSZ];
  /* A double is within 2^-53 (relative) of every decimal that reads back
   * as it, far inside half a unit of the 15th digit: so when any text of
   * at most 15 digits reads back as v, the 15-digit rounding of v is that
   * text padded with zeros. One format-and-parse round therefore finds the
   * shortest digits for most values; 16 and 17 digits cover the rest. */
  int prec = 15;
  for (; prec < 17; prec++) {
    snprintf(sci, sizeof sci, "%.*e", prec - 1, v);
    if (strtod(sci, NULL) == v) break;
  }
  if (prec == 17) snprintf(sci, sizeof sci, "%.16e", v);
  /* Drop the mantissa's trailing zeros (and a bare decimal point). */
  char *e0 = strchr(sci, 'e');
  if (e0) {
    char *z = e0;
    while (z > sci && z[-1] == '0') z--;
    if (z > sci && z[-1] == '.') z--;
    memmove(z, e0, strlen(e0) + 1);
  }
  const char *e = strchr(sci, 'e');
  int exp10 = e ? atoi(e + 1) : 0;
  if (!e || exp10 < -4 || exp10 >= 16) {
    memcpy(buf, sci, strlen(sci) + 1);
    return;
  }
  /* Lay the same digits out positionally: no second rounding, so the
   * text still reads back as v. */
  char digits[24];
  size_t nd = 0;
  const char *p = sci;
  char *out = buf;
  if (*p == '-') *out++ = *p++;
  for (; p < e; p++)
    if (*p != '.') digits[nd++] = *p;
  if (exp10 < 0) {
    *out++ = '0';
    *out++ = '.';
    for (int z = -1; z > exp10; z--) *out++ = '0';
    memcpy(out, digits, nd);
    out += nd;
  } else {
    size_t int_digits = (size_t)exp10 + 1;
    for (size_t i = 0; i < int_digits; i++) *out++ = i < nd ? digits[i] : '0';
    if (nd > int_digits) {
      *out++ = '.';
      memcpy(out, digits + int_digits, nd - int_digits);
      out += nd - int_digits;
    }
  }
  *out = '\0';
}

char *es_fmt_double(char *buf, double v) {
  if (!isfinite(v)) {
    memcpy(buf, "null", 5);
    return buf;
  }
  fmt_shortest(buf, v);
  /* Keep JSON readers from turning a float into an integer. */
  if (!strpbrk(buf, ".eni")) strcat(buf, ".0");
  return buf;
}

char *es_fmt_number(char *buf, double v) {
  if (isnan(v)) {
    memcpy(buf, "nan", 4);
  } else if (isinf(v)) {
    memcpy(buf, v > 0 ? "inf" : "-inf", v > 0 ? 4 : 5);
  } else {
    fmt_shortest(buf, v);
  }
  return buf;
}

static char *dup_text(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

char *es_param_value_text(const es_param *p, double v) {
  char buf[ES_NUM_BUFSZ];
  switch (p->kind) {
  case ES_PARAM_INT:
    /* |v| < 1e15 prints every integer exactly with %.0f; + 0.0 turns -0
     * into 0. Anything else is not a sane int value: fall back. */
    if (isfinite(v) && v == floor(v) && fabs(v) < 1e15) {
      snprintf(buf, sizeof buf, "%.0f", v + 0.0);
      return dup_text(buf);
    }
    return dup_text(es_fmt_number(buf, v));
  case ES_PARAM_FLOAT:
    return dup_text(es_fmt_double(buf, v));
  case ES_PARAM_CATEGORICAL: {
    if (p->n_values == 0) return dup_text("");
    double r = round(v);
    size_t i = r <= 0.0 || isnan(r) ? 0 : r >= (double)(p->n_values - 1) ? p->n_values - 1 : (size_t)r;
    const es_scalar *s = &p->values[i];
    switch (s->kind) {
    case ES_SCALAR_STRING:
      return dup_text(s->string ? s->string : "");
    case ES_SCALAR_NUMBER:
      return dup_text(es_fmt_number(buf, s->number));
    case ES_SCALAR_BOOL:
      return dup_text(s->number != 0.0 ? "true" : "false");
    case ES_SCALAR_NULL:
      return dup_text("null");
    }
    return dup_text("");
  }
  }
  return dup_text("");
}

int es_space_find(const es_space *space, const char *name) {
  for (size_t i = 0; i < space->n; i++)
    if (space->params[i].name && strcmp(space->params[i].name, name) == 0) return (int)i;
  return -1;
}

void es_space_free(es_space *space) {
  if (!space) return;
  for (size_t i = 0; i < space->n; i++) {
    es_param *p = &space->params[i];
    free(p->name);
    for (size_t j = 0; j < p->n_values; j++) free(p->values[j].string);
    free(p->values);
  }
  free(space->params);
  space->params = NULL;
  space->n = 0;
}
