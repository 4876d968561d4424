/*
 * meter_reported.c - the "reported" meter: the trial's own figure.
 *
 * The trial reports a cumulative "energy_j" metric with its reports
 * (measured however it likes: a wall-socket meter, its own NVML reads);
 * ecosweep takes the latest value as the trial's joules. It is labelled a
 * measurement made by the trial.
 *
 * What it does not do: check the trial's figure against anything.
 */
#include <errno.h>
#include <stdio.h>

#include "meter.h"

static int reported_probe(const es_meter_config *cfg, char *why, size_t why_len) {
  (void)cfg;
  snprintf(why, why_len, "always available: uses the energy_j each trial reports");
  return 0;
}

static int reported_trial_joules(const es_meter_config *cfg, const es_trial_usage *use, double *joules) {
  (void)cfg;
  if (!use->has_reported) return -ENODATA;
  *joules = use->reported_j;
  return 0;
}

const es_meter_type es_meter_reported = {
    .name = "reported",
    .kind = ES_METER_TRIAL,
    .estimate = 0,
    .what = "the cumulative energy_j metric the trial reports itself",
    .probe = reported_probe,
    .trial_joules = reported_trial_joules,
};
