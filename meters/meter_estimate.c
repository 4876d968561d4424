/*
 * meter_estimate.c - the "estimate" meter: joules modelled from CPU time.
 *
 *   joules = cpu_s * cpu_watts + wall_s * ram_watts
 *
 * cpu_s is the CPU time of the trial's whole process tree, so a trial that
 * keeps two cores busy for a second counts 2 CPU-seconds.
 *
 * Default cpu_watts = 10 W per busy core. Source: vendor TDP divided by
 * core count for common parts - a 65 W 8-core desktop CPU (8.1 W/core), a
 * 150 W 20-core Xeon Gold 6248 (7.5 W/core), a 280 W 32-core EPYC 7543
 * (8.75 W/core) - rounded up, since TDP/cores leaves out uncore and DRAM.
 * The default RAM term is 0 W; set estimate.ram_watts in the spec to add
 * one. Every figure from this meter is labelled an estimate; it is never
 * presented as a measurement.
 *
 * What it does not do: read any hardware counter.
 */
#include <errno.h>
#include <stdio.h>

#include "meter.h"

static int estimate_probe(const es_meter_config *cfg, char *why, size_t why_len) {
  snprintf(why, why_len, "always available: models %.3g W per busy core%s", cfg ? cfg->cpu_watts : 0.0,
           cfg && cfg->ram_watts > 0 ? " plus a RAM term" : "");
  return 0;
}

static int estimate_trial_joules(const es_meter_config *cfg, const es_trial_usage *use, double *joules) {
  double cpu_w = cfg ? cfg->cpu_watts : ES_ESTIMATE_CPU_WATTS_DEFAULT;
  double ram_w = cfg ? cfg->ram_watts : ES_ESTIMATE_RAM_WATTS_DEFAULT;
  *joules = use->cpu_s * cpu_w + use->wall_s * ram_w;
  return 0;
}

const es_meter_type es_meter_estimate = {
    .name = "estimate",
    .estimate = 1,
    .what = "CPU-seconds of the trial's process tree x watts per busy core (a model, not a measurement)",
    .probe = estimate_probe,
    .trial_joules = estimate_trial_joules,
};
