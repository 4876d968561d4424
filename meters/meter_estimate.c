/*
 * meter_estimate.c - the "estimate" meter: joules modelled from CPU time and
 * memory, never measured.
 *
 *   joules = cpu_s * W_cpu + wall_s * W_ram
 *
 * cpu_s is the CPU time of the trial's whole process tree, so a trial that
 * keeps two CPUs busy for a second counts 2 CPU-seconds.
 *
 * W_cpu, watts per busy CPU: estimate.cpu_watts from the spec; else the
 * entry of cpu_models[] below whose name occurs in /proc/cpuinfo's
 * "model name" (vendor TDP divided by physical cores, from the vendors'
 * published specifications); else 10 W, the same TDP/cores figure for
 * common server and desktop parts (5-9 W) rounded up, since TDP/cores
 * leaves out uncore and DRAM. A VM's CPU usually reports a generic name
 * ("Intel Xeon Processor") and gets the default.
 *
 * W_ram: estimate.ram_watts from the spec (flat, while the trial runs);
 * else 0.375 W per GiB of the trial's peak resident memory - 3 W per 8 GB
 * of DDR4, the figure CodeCarbon uses (from Micron's power calculator).
 *
 * Every figure from this meter is labelled an estimate.
 *
 * What it does not do: read any hardware counter.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "meter.h"

typedef struct {
  const char *model; /* a substring of /proc/cpuinfo's "model name" */
  double tdp_w;
  int cores;
} es_cpu_model;

/* Vendor TDP (base power) and physical cores, from Intel's ark and AMD's
 * product pages. More specific names go first. */
static const es_cpu_model cpu_models[] = {
    {"Xeon(R) Platinum 8480", 350, 56}, {"Xeon(R) Platinum 8380", 270, 40}, {"Xeon(R) Platinum 8275CL", 240, 24},
    {"Xeon(R) Platinum 8259CL", 210, 24}, {"Xeon(R) Gold 6248", 150, 20},   {"Xeon(R) CPU E5-2686 v4", 145, 18},
    {"EPYC 9654", 360, 96},               {"EPYC 7763", 280, 64},           {"EPYC 7543", 225, 32},
    {"Ryzen 9 5950X", 105, 16},       {"Core(TM) i9-13900K", 125, 24},
    {"Core(TM) i7-12700", 65, 12},        {NULL, 0, 0}};

double es_estimate_model_watts(const char *model_name, char *source, size_t source_len) {
  for (size_t i = 0; model_name && cpu_models[i].model; i++)
    if (strstr(model_name, cpu_models[i].model)) {
      if (source)
        snprintf(source, source_len, "%s: %g W TDP / %d cores", cpu_models[i].model, cpu_models[i].tdp_w,
                 cpu_models[i].cores);
      return cpu_models[i].tdp_w / cpu_models[i].cores;
    }
  if (source)
    snprintf(source, source_len, "default: CPU model \"%.80s\" not in the table", model_name ? model_name : "?");
  return ES_ESTIMATE_CPU_WATTS_DEFAULT;
}

/* The model name of the first CPU in /proc/cpuinfo, or "" when unknown. */
static void cpu_model_name(char *buf, size_t len) {
  buf[0] = '\0';
  FILE *f = fopen("/proc/cpuinfo", "re");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "model name", 10) != 0) continue;
    char *colon = strchr(line, ':');
    if (!colon) continue;
    colon++;
    while (*colon == ' ' || *colon == '\t') colon++;
    colon[strcspn(colon, "\n")] = '\0';
    snprintf(buf, len, "%s", colon);
    break;
  }
  fclose(f);
}

double es_estimate_cpu_watts(const es_meter_config *cfg, char *source, size_t source_len) {
  if (cfg && cfg->cpu_watts > 0) {
    if (source) snprintf(source, source_len, "estimate.cpu_watts from the spec");
    return cfg->cpu_watts;
  }
  /* The CPU model does not change while we run: look it up once. */
  static double watts;
  static char model_source[200];
  if (watts <= 0) {
    char model[256];
    cpu_model_name(model, sizeof model);
    watts = es_estimate_model_watts(model, model_source, sizeof model_source);
  }
  if (source) snprintf(source, source_len, "%s", model_source);
  return watts;
}

static int estimate_probe(const es_meter_config *cfg, char *why, size_t why_len) {
  char source[256];
  double w = es_estimate_cpu_watts(cfg, source, sizeof source);
  if (cfg && cfg->ram_watts >= 0)
    snprintf(why, why_len, "always available: models %.3g W per busy CPU (%s) + %.3g W RAM per trial", w, source,
             cfg->ram_watts);
  else
    snprintf(why, why_len, "always available: models %.3g W per busy CPU (%s) + %.3g W per GiB of RAM", w, source,
             ES_ESTIMATE_RAM_W_PER_GIB);
  return 0;
}

static int estimate_trial_joules(const es_meter_config *cfg, const es_trial_usage *use, double *joules) {
  double cpu_w = es_estimate_cpu_watts(cfg, NULL, 0);
  double ram_w = cfg && cfg->ram_watts >= 0 ? cfg->ram_watts : ES_ESTIMATE_RAM_W_PER_GIB * use->rss_gib;
  *joules = use->cpu_s * cpu_w + use->wall_s * ram_w;
  return 0;
}

const es_meter_type es_meter_estimate = {
    .name = "estimate",
    .kind = ES_METER_TRIAL,
    .estimate = 1,
    .what = "CPU-seconds of the trial's process tree x watts per busy CPU, + a RAM term (a model, not a measurement)",
    .probe = estimate_probe,
    .trial_joules = estimate_trial_joules,
};
