/*
 * selection.c - the selection registry, the trial-id map and the rung
 * store (the generic object around a selection type's state).
 *
 * It does: the name table the spec's "strategy.selection" is looked up in,
 * the list of valid names for error messages, the rung's arrays of ids and
 * objectives, the id -> result index map, the promotion quota ceil(n/eta)
 * and the add / position / order wrappers (GSL style: the wrapper owns the
 * state block, the type only fills it).
 *
 * It deliberately does not: rank anything itself (each rule lives in its
 * own selection_*.c), negate "max" goals (callers pass minimisation form),
 * remove results, print anything, or keep global state beyond the const
 * table.
 */
#include "selection.h"
#include "registry.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const es_selection_type *const es_selection_types[] = {&es_selection_pareto, &es_selection_epsnet,
                                                       &es_selection_scalar, NULL};

static const char *selection_name_at(size_t i) { return es_selection_types[i] ? es_selection_types[i]->name : NULL; }

const es_selection_type *es_selection_lookup(const char *name) {
  long i = es_registry_find(selection_name_at, name);
  return i < 0 ? NULL : es_selection_types[i];
}

void es_selection_names(char *buf, size_t len) { es_registry_names(selection_name_at, buf, len); }

/* ---- trial id -> index ---------------------------------------------- */

/* Ids are usually 0, 1, 2...: a multiplicative hash spreads them. */
static size_t id_slot(long key, size_t cap) {
  uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ull;
  return (size_t)(h >> 17) & (cap - 1);
}

static int idmap_grow(es_idmap *m) {
  size_t cap = m->cap ? 2 * m->cap : 16;
  long *keys = malloc(cap * sizeof *keys);
  size_t *vals = malloc(cap * sizeof *vals);
  unsigned char *used = calloc(cap, 1);
  if (!keys || !vals || !used) {
    free(keys);
    free(vals);
    free(used);
    return -ENOMEM;
  }
  for (size_t s = 0; s < m->cap; s++) {
    if (!m->used[s]) continue;
    size_t t = id_slot(m->keys[s], cap);
    while (used[t]) t = (t + 1) & (cap - 1);
    used[t] = 1;
    keys[t] = m->keys[s];
    vals[t] = m->vals[s];
  }
  free(m->keys);
  free(m->vals);
  free(m->used);
  m->keys = keys;
  m->vals = vals;
  m->used = used;
  m->cap = cap;
  return 0;
}

int es_idmap_get(const es_idmap *m, long key, size_t *val) {
  if (m->cap == 0) return -ENOENT;
  for (size_t s = id_slot(key, m->cap); m->used[s]; s = (s + 1) & (m->cap - 1))
    if (m->keys[s] == key) {
      if (val) *val = m->vals[s];
      return 0;
    }
  return -ENOENT;
}

int es_idmap_put(es_idmap *m, long key, size_t val) {
  if (es_idmap_get(m, key, NULL) == 0) return -EEXIST;
  /* Keep the load at most 1/2 so probes stay short. */
  if (2 * (m->n + 1) > m->cap) {
    int rc = idmap_grow(m);
    if (rc < 0) return rc;
  }
  size_t s = id_slot(key, m->cap);
  while (m->used[s]) s = (s + 1) & (m->cap - 1);
  m->used[s] = 1;
  m->keys[s] = key;
  m->vals[s] = val;
  m->n++;
  return 0;
}

void es_idmap_free(es_idmap *m) {
  free(m->keys);
  free(m->vals);
  free(m->used);
  memset(m, 0, sizeof *m);
}

/* ---- the rung store ------------------------------------------------- */

es_rung *es_rung_alloc(const es_selection_type *T, size_t k) {
  if (!T || k == 0) return NULL;
  es_rung *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->type = T;
  r->k = k;
  r->state = calloc(1, T->state_size ? T->state_size : 1);
  if (!r->state || T->init(r->state, k) < 0) {
    if (r->state) T->free(r->state);
    free(r->state);
    free(r);
    return NULL;
  }
  return r;
}

void es_rung_free(es_rung *r) {
  if (!r) return;
  r->type->free(r->state);
  free(r->state);
  free(r->id);
  free(r->obj);
  es_idmap_free(&r->index);
  free(r);
}

size_t es_rung_size(const es_rung *r) { return r->n; }

static int rung_reserve(es_rung *r, size_t need) {
  if (need <= r->cap) return 0;
  size_t cap = r->cap ? r->cap : 16;
  while (cap < need) cap *= 2;
  long *id = realloc(r->id, cap * sizeof *id);
  if (!id) return -ENOMEM;
  r->id = id;
  double *obj = realloc(r->obj, cap * r->k * sizeof *obj);
  if (!obj) return -ENOMEM;
  r->obj = obj;
  r->cap = cap;
  return 0;
}

int es_rung_add(es_rung *r, long id, const double *obj) {
  for (size_t j = 0; j < r->k; j++)
    if (!isfinite(obj[j])) return -EINVAL;
  if (es_idmap_get(&r->index, id, NULL) == 0) return -EEXIST;
  int rc = rung_reserve(r, r->n + 1);
  /* Grow the map before the type sees the result, so that nothing can
   * fail once the type has folded it in. */
  if (rc == 0 && 2 * (r->index.n + 1) > r->index.cap) rc = idmap_grow(&r->index);
  if (rc < 0) return rc;
  r->id[r->n] = id;
  memcpy(r->obj + r->n * r->k, obj, r->k * sizeof *obj);
  r->n++;
  if ((rc = r->type->add(r->state, r)) < 0) {
    r->n--; /* the type left its state as it was */
    return rc;
  }
  return es_idmap_put(&r->index, id, r->n - 1); /* room reserved above */
}

int es_rung_add_many(es_rung *r, size_t n, const long *ids, const double *obj) {
  if (n == 0) return 0;
  if (r->n == 0 && r->type->load) {
    for (size_t i = 0; i < n * r->k; i++)
      if (!isfinite(obj[i])) return -EINVAL;
    int rc = rung_reserve(r, n);
    for (size_t i = 0; rc == 0 && i < n; i++) rc = es_idmap_put(&r->index, ids[i], i);
    if (rc == 0) {
      memcpy(r->id, ids, n * sizeof *ids);
      memcpy(r->obj, obj, n * r->k * sizeof *obj);
      r->n = n;
      rc = r->type->load(r->state, r);
      if (rc == 0) return 0;
      r->n = 0;
    }
    es_idmap_free(&r->index); /* the rung is empty again */
    if (rc < 0) return rc;
  }
  for (size_t i = 0; i < n; i++) {
    int rc = es_rung_add(r, ids[i], obj + i * r->k);
    if (rc < 0) return rc;
  }
  return 0;
}

int es_rung_position(es_rung *r, long id, size_t limit, size_t *pos) {
  size_t i;
  if (es_idmap_get(&r->index, id, &i) < 0) return -ENOENT;
  *pos = r->type->position(r->state, r, i, limit);
  return 0;
}

int es_rung_order(es_rung *r, long *ids) {
  if (r->n == 0) return 0;
  size_t *order = malloc(r->n * sizeof *order);
  if (!order) return -ENOMEM;
  r->type->order(r->state, r, order);
  for (size_t s = 0; s < r->n; s++) ids[s] = r->id[order[s]];
  free(order);
  return 0;
}

size_t es_rung_quota(size_t n, double eta) {
  if (n == 0) return 0;
  double x = (double)n / eta;
  double q = ceil(x - x * 1e-12);
  if (q < 1) q = 1;
  if (q > (double)n) q = (double)n;
  return (size_t)q;
}

int es_rung_promote(es_rung *r, long id, const double *obj, double eta) {
  int rc = es_rung_add(r, id, obj);
  if (rc < 0) return rc;
  size_t q = es_rung_quota(r->n, eta);
  size_t pos = r->type->position(r->state, r, r->n - 1, q);
  return pos < q;
}
