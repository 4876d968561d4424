/*
 * record.h - what the sweep knows about each trial, as the outputs need it.
 *
 * A record set is filled live by the sweep and, identically, by replaying
 * a journal (journal.c), so every output is computed the same way from
 * either source. Metric names are interned per set: record i's value of
 * metric j is metric[j] when has_metric[j].
 *
 * What it does not do: hold runtime state (handles, buffers); see sweep.c.
 */
#ifndef ES_RECORD_H
#define ES_RECORD_H

#include <stddef.h>

typedef enum {
  ES_STATUS_PENDING = 0, /* launched, no end yet */
  ES_STATUS_COMPLETED,
  ES_STATUS_STOPPED,
  ES_STATUS_FAILED,
  ES_STATUS_TIMEOUT,
  ES_STATUS_KILLED,
} es_status;

const char *es_status_name(es_status s);
/* ES_STATUS_* for a name, or -1. */
int es_status_parse(const char *name);

typedef struct {
  long id;
  int attempt;
  es_status status;
  char *reason;  /* stable token (DESIGN §4), owned; NULL while pending */
  char *detail;  /* one sentence, owned */
  double *params; /* one value per space parameter (space.h layout), owned */
  int has_step;
  double step;   /* last report's step */
  int n_reports;
  double *metric;          /* per interned metric name, owned */
  unsigned char *has_metric;
  size_t n_metric;         /* slots allocated (<= set's n_names) */
  double energy_j, cpu_s, wall_s, co2_g;
  const char *meter;       /* static meter name, NULL before the end */
  int estimate;            /* energy_j is an estimate */
  long end_seq;            /* order in which trials ended (1, 2, ...); 0 while pending */
  int retry;               /* its last attempt failed and another was queued (workers.retries) */
} es_record;

typedef struct {
  es_record *v; /* by insertion (= launch) order */
  size_t n, cap;
  char **names; /* interned metric names, first-seen order */
  size_t n_names;
} es_recordset;

void es_recordset_init(es_recordset *set);
void es_recordset_free(es_recordset *set);
/* Append a zeroed record with id and n_params parameter slots; NULL on OOM. */
es_record *es_recordset_add(es_recordset *set, long id, size_t n_params);
/* The record with id, or NULL. */
es_record *es_recordset_find(es_recordset *set, long id);
/* Index of metric name, interning it; -1 on OOM. */
int es_recordset_metric_index(es_recordset *set, const char *name);
/* Set record r's metric name = value. 0 or -ENOMEM. */
int es_record_set_metric(es_recordset *set, es_record *r, const char *name, double value);
/* Pointer to r's value of metric name, or NULL when it has none. */
const double *es_record_metric(const es_recordset *set, const es_record *r, const char *name);
void es_record_set_text(char **field, const char *text);

#endif
