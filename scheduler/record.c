/*
 * record.c - trial records and their interned metric names.
 *
 * What it does not do: any I/O.
 */
#include "record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {"pending", "completed", "stopped", "failed", "timeout", "killed"};

const char *es_status_name(es_status s) {
  return (unsigned)s < sizeof status_names / sizeof *status_names ? status_names[s] : "unknown";
}

int es_status_parse(const char *name) {
  for (size_t i = 0; i < sizeof status_names / sizeof *status_names; i++)
    if (strcmp(status_names[i], name) == 0) return (int)i;
  return -1;
}

void es_recordset_init(es_recordset *set) { memset(set, 0, sizeof *set); }

void es_recordset_free(es_recordset *set) {
  for (size_t i = 0; i < set->n; i++) {
    es_record *r = &set->v[i];
    free(r->reason);
    free(r->detail);
    free(r->params);
    free(r->metric);
    free(r->has_metric);
  }
  free(set->v);
  for (size_t i = 0; i < set->n_names; i++) free(set->names[i]);
  free(set->names);
  memset(set, 0, sizeof *set);
}

es_record *es_recordset_add(es_recordset *set, long id, size_t n_params) {
  if (set->n == set->cap) {
    size_t cap = set->cap ? set->cap * 2 : 64;
    es_record *nv = realloc(set->v, cap * sizeof *nv);
    if (!nv) return NULL;
    set->v = nv;
    set->cap = cap;
  }
  es_record *r = &set->v[set->n];
  memset(r, 0, sizeof *r);
  r->params = calloc(n_params ? n_params : 1, sizeof *r->params);
  if (!r->params) return NULL;
  r->id = id;
  r->attempt = 1;
  set->n++;
  return r;
}

es_record *es_recordset_find(es_recordset *set, long id) {
  /* Ids are handed out in increasing order, so records are sorted by id
   * except where a journal was edited by hand: binary search, then scan. */
  size_t lo = 0, hi = set->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (set->v[mid].id < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < set->n && set->v[lo].id == id) return &set->v[lo];
  for (size_t i = 0; i < set->n; i++)
    if (set->v[i].id == id) return &set->v[i];
  return NULL;
}

int es_recordset_metric_index(es_recordset *set, const char *name) {
  for (size_t i = 0; i < set->n_names; i++)
    if (strcmp(set->names[i], name) == 0) return (int)i;
  char **nn = realloc(set->names, (set->n_names + 1) * sizeof *nn);
  if (!nn) return -1;
  set->names = nn;
  if (!(nn[set->n_names] = strdup(name))) return -1;
  return (int)set->n_names++;
}

int es_record_set_metric(es_recordset *set, es_record *r, const char *name, double value) {
  int j = es_recordset_metric_index(set, name);
  if (j < 0) return -ENOMEM;
  if ((size_t)j >= r->n_metric) {
    size_t n = set->n_names + 4;
    double *m = realloc(r->metric, n * sizeof *m);
    if (!m) return -ENOMEM;
    r->metric = m;
    unsigned char *h = realloc(r->has_metric, n);
    if (!h) return -ENOMEM;
    r->has_metric = h;
    memset(h + r->n_metric, 0, n - r->n_metric);
    r->n_metric = n;
  }
  r->metric[j] = value;
  r->has_metric[j] = 1;
  return 0;
}

const double *es_record_metric(const es_recordset *set, const es_record *r, const char *name) {
  for (size_t j = 0; j < set->n_names && j < r->n_metric; j++)
    if (r->has_metric[j] && strcmp(set->names[j], name) == 0) return &r->metric[j];
  return NULL;
}

void es_record_set_text(char **field, const char *text) {
  free(*field);
  *field = text ? strdup(text) : NULL;
}
