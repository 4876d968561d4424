/*
 * outputs.h - the files a sweep leaves (DESIGN.md §6) and the front.
 *
 * Everything here is computed from a record set, so a live sweep and a
 * replayed journal produce the same files. Files are written to a
 * temporary name and renamed, so a reader never sees half a file.
 *
 * What it does not do: journal.jsonl (journal.c) or trial logs (sweep.c).
 */
#ifndef ES_OUTPUTS_H
#define ES_OUTPUTS_H

#include <stdio.h>

#include "record.h"
#include "spec.h"

/* The front over completed and stopped trials that have every objective;
 * with constraints, over the feasible ones (or, when none is feasible,
 * over those with the least total violation). */
typedef struct {
  size_t k;           /* objectives */
  int feasible;       /* the eligible trials satisfy every constraint */
  size_t n_eligible;  /* completed/stopped records with all objectives (and feasible) */
  size_t *eligible;   /* indices into the set's records */
  double *obj;        /* n_eligible x k, minimisation form (max goals negated) */
  size_t n_front;
  size_t *front;      /* indices into the set's records, ascending id */
  double *reference;  /* k values in the objectives' own orientation */
  int has_hv;         /* hypervolume computed */
  double hv;
  double hv_se;       /* its standard error when a Monte Carlo estimate, else 0 */
  double *history;    /* pairs (joules spent, hypervolume), n_history of them */
  size_t n_history;
} es_front;

/* Totals the sweep measured (not derivable from records). */
typedef struct {
  double total_j;    /* everything metered (trial meters: trials + overhead) */
  double overhead_j; /* joules metered but not attributed to any trial: the sum of the parts below */
  double ecosweep_j; /* ecosweep's own share */
  double other_j;    /* other processes' share (host meters) */
  double idle_j;     /* intervals in which nothing used the CPU (host meters) */
  double gpu_idle_j; /* GPUs while no trial held them */
  int metered;       /* a host meter measured total_j; other_j and idle_j apply */
  double wall_s;     /* the sweep's wall time */
  int unfinished;    /* rebuilt from a journal without a "finish" event: the
                        overhead and the total are not known yet */
} es_totals;

/* Value of objective metric for record r (energy_j is the scheduler's). */
const double *es_objective_value(const es_recordset *set, const es_record *r, const char *metric);

/* Total amount by which r misses the spec's constraints (0 = feasible,
 * INFINITY when a constrained metric is missing). */
double es_constraint_violation(const es_spec *spec, const es_recordset *set, const es_record *r);

int es_front_compute(const es_spec *spec, const es_recordset *set, es_front *out);
void es_front_free(es_front *f);

/* Write trials.csv, front.json, front.csv, summary.json and report.html
 * (report.h) into dir, and
 * the front's size into *front_size. 0, or -errno with "<file>: <what>"
 * in err. */
int es_outputs_write(const char *dir, const es_spec *spec, const es_recordset *set, const es_totals *tot,
                     size_t *front_size, char *err, size_t err_len);

/* Print the front as "table", "json" or "csv" to out. Records whose
 * energy_j exceeds max_energy (when has_max_energy) or whose metric
 * min_metric is below min_value (when min_metric) are left out. */
typedef struct {
  const char *format;
  int has_max_energy;
  double max_energy;
  const char *min_metric;
  double min_value;
  const char *dir; /* output directory, for the trials' paths */
} es_front_query;
int es_front_print(FILE *out, const es_spec *spec, const es_recordset *set, const es_front_query *q);

#endif
