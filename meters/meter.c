/*
 * meter.c - the meter registry: name lookup, probing, the "auto" choice,
 * carbon.
 *
 * What it does not do: read any counter. Each meter type lives in a file
 * of its own (meter_estimate.c, meter_reported.c, meter_rapl.c, ...).
 */
#include "meter.h"
#include "../strategies/registry.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const es_meter_type *const es_meter_types[] = {&es_meter_rapl, &es_meter_perf,     &es_meter_hwmon, &es_meter_nvml,
                                               &es_meter_estimate, &es_meter_reported, NULL};

static const char *meter_name_at(size_t i) { return es_meter_types[i] ? es_meter_types[i]->name : NULL; }

const es_meter_type *es_meter_lookup(const char *name) {
  long i = es_registry_find(meter_name_at, name);
  return i < 0 ? NULL : es_meter_types[i];
}

void es_meter_names(char *buf, size_t len) { es_registry_names(meter_name_at, buf, len); }

int es_meter_probe(const es_meter_type *t, const es_meter_config *cfg, char *why, size_t why_len, char *domains,
                   size_t domains_len, char *res, size_t res_len) {
  if (domains && domains_len) domains[0] = '\0';
  if (res && res_len) res[0] = '\0';
  if (t->kind == ES_METER_TRIAL) {
    if (domains) snprintf(domains, domains_len, "trial");
    return t->probe(cfg, why, why_len);
  }
  void *st = NULL;
  int rc = t->open(&st, cfg, why, why_len);
  if (rc < 0) return rc;
  const char *names[64];
  size_t n = t->domains(st, names, 64);
  for (size_t i = 0; domains && i < n && i < 64; i++) {
    size_t used = strlen(domains);
    snprintf(domains + used, domains_len - used, "%s%s", i ? ", " : "", names[i]);
  }
  if (res) t->resolution(st, res, res_len);
  snprintf(why, why_len, "%zu domain%s readable", n, n == 1 ? "" : "s");
  t->close(st);
  return 0;
}

/* "auto": the best CPU source that is available; the estimate always is. */
static const es_meter_type *const auto_cpu[] = {&es_meter_rapl, &es_meter_perf, &es_meter_hwmon, &es_meter_estimate,
                                               NULL};

int es_meter_select(char *const *names, const es_meter_config *cfg, int want_gpu, es_meter_choice *out, char *err,
                    size_t err_len) {
  char why[512], cpu_err[700] = "";
  memset(out, 0, sizeof *out);
  for (size_t i = 0; names && names[i]; i++) {
    if (strcmp(names[i], "auto") == 0) {
      for (size_t j = 0; auto_cpu[j] && !out->cpu; j++) {
        if (es_meter_probe(auto_cpu[j], cfg, why, sizeof why, NULL, 0, NULL, 0) == 0) {
          out->cpu = auto_cpu[j];
        } else {
          /* Fall back visibly: the caller prints which meters were skipped and why. */
          size_t used = strlen(out->fallback);
          snprintf(out->fallback + used, sizeof out->fallback - used, "%s%s: %s", used ? "; " : "",
                   auto_cpu[j]->name, why);
        }
      }
      if (want_gpu && !out->gpu && es_meter_probe(&es_meter_nvml, cfg, why, sizeof why, NULL, 0, NULL, 0) == 0)
        out->gpu = &es_meter_nvml;
      continue;
    }
    const es_meter_type *t = es_meter_lookup(names[i]);
    if (!t) {
      char valid[128];
      es_meter_names(valid, sizeof valid);
      snprintf(err, err_len, "meters[%zu]: unknown meter \"%s\" (valid: auto, %s)", i, names[i], valid);
      return -EINVAL;
    }
    if (t->kind != ES_METER_GPU && out->cpu) continue; /* a later preference */
    if (es_meter_probe(t, cfg, why, sizeof why, NULL, 0, NULL, 0) < 0) {
      /* A named GPU meter must work; CPU meters fall back down the list. */
      if (t->kind == ES_METER_GPU) {
        snprintf(err, err_len, "meters[%zu]: %s is unavailable: %s", i, names[i], why);
        return -ENODEV;
      }
      if (!cpu_err[0]) snprintf(cpu_err, sizeof cpu_err, "meters[%zu]: %s is unavailable: %s", i, names[i], why);
      size_t used = strlen(out->fallback);
      snprintf(out->fallback + used, sizeof out->fallback - used, "%s%s: %s", used ? "; " : "", t->name, why);
      continue;
    }
    /* A list is an order of preference: the first available CPU meter,
     * and the GPU meter. */
    if (t->kind == ES_METER_GPU)
      out->gpu = t;
    else
      out->cpu = t;
  }
  if (!out->cpu && cpu_err[0]) {
    snprintf(err, err_len, "%s", cpu_err);
    return -ENODEV;
  }
  if (!out->cpu) {
    snprintf(err, err_len, out->gpu ? "meters: %s meters GPUs only; add a CPU meter (e.g. \"estimate\")"
                                    : "meters: no meter given",
             out->gpu ? out->gpu->name : "");
    return -EINVAL;
  }
  return 0;
}

/* Every label a record can carry: each meter alone, and each CPU meter
 * with nvml. Static strings, so records can point at them. */
static const char *const labels[] = {"rapl",          "perf",          "hwmon",         "nvml",
                                     "estimate",      "reported",      "rapl+nvml",     "perf+nvml",
                                     "hwmon+nvml",    "estimate+nvml", "reported+nvml", NULL};

const char *es_meter_label(const char *name) {
  for (size_t i = 0; name && labels[i]; i++)
    if (strcmp(name, labels[i]) == 0) return labels[i];
  return NULL;
}

const char *es_meter_choice_label(const es_meter_choice *ch) {
  char buf[64];
  snprintf(buf, sizeof buf, "%s%s%s", ch->cpu ? ch->cpu->name : "", ch->cpu && ch->gpu ? "+" : "",
           ch->gpu ? ch->gpu->name : "");
  const char *l = es_meter_label(buf);
  return l ? l : "unknown";
}

double es_co2_grams(double joules, double g_per_kwh, double pue) { return joules / 3.6e6 * g_per_kwh * pue; }
