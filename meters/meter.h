/*
 * meter.h - the meter family (GSL-style type descriptors): where a trial's
 * joules come from.
 *
 * Each meter is one const es_meter_type in a file of its own; es_meter_types[]
 * is the name table that the spec's "meters" entries are looked up in.
 *
 * This version knows two per-trial meters:
 *   reported  the trial's own cumulative "energy_j" metric (a measurement
 *             the trial made; ecosweep only relays it)
 *   estimate  CPU-seconds of the trial's whole process tree times a per-core
 *             wattage, plus a RAM term per wall-second; always labelled an
 *             estimate
 * Hardware meters (rapl, perf, hwmon, nvml) slot in as further types.
 *
 * What this file does not do: sample anything. The scheduler measures a
 * trial's CPU time and wall time (workers/proctree.h) and hands the usage
 * to the meter, which turns it into joules.
 */
#ifndef ES_METER_H
#define ES_METER_H

#include <stddef.h>

/* Default per-busy-core and RAM wattages of the estimate (documented in
 * meter_estimate.c with their source). */
#define ES_ESTIMATE_CPU_WATTS_DEFAULT 10.0
#define ES_ESTIMATE_RAM_WATTS_DEFAULT 0.0

typedef struct {
  double cpu_watts; /* estimate: watts per busy core */
  double ram_watts; /* estimate: watts while the trial runs */
} es_meter_config;

/* What a trial used so far. */
typedef struct {
  double cpu_s;       /* CPU-seconds of the trial's process tree */
  double wall_s;      /* seconds since launch */
  int has_reported;   /* the trial reported an "energy_j" metric */
  double reported_j;  /* its latest (cumulative) value */
} es_trial_usage;

typedef struct es_meter_type {
  const char *name;
  int estimate;     /* 1: the figures are modelled, never a measurement */
  const char *what; /* one line: what it reads */
  /* 0 when the meter can be used here; else -errno and one line in why. */
  int (*probe)(const es_meter_config *cfg, char *why, size_t why_len);
  /* Joules attributed to a trial with this usage: 0, or -ENODATA when the
   * meter has no figure for it (reported: nothing reported yet). */
  int (*trial_joules)(const es_meter_config *cfg, const es_trial_usage *use, double *joules);
} es_meter_type;

extern const es_meter_type es_meter_reported;
extern const es_meter_type es_meter_estimate;

/* NULL-terminated table of every meter type. */
extern const es_meter_type *const es_meter_types[];

const es_meter_type *es_meter_lookup(const char *name);
void es_meter_names(char *buf, size_t len);

/* Resolve the spec's "meters" list (NULL-terminated names, "auto" allowed)
 * to one meter type for trials. 0, or -EINVAL/-ENODEV with a one-line
 * reason in err (unknown name, or a named meter that is unavailable). */
int es_meter_select(char *const *names, const es_meter_config *cfg, const es_meter_type **out, char *err,
                    size_t err_len);

/* Carbon: grams of CO2e for joules at g_per_kwh and pue. */
double es_co2_grams(double joules, double g_per_kwh, double pue);

#endif
