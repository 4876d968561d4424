/*
 * meter_rapl.c - the "rapl" meter: CPU package and DRAM joules from the
 * Linux powercap interface ($ECOSWEEP_POWERCAP_ROOT, default
 * /sys/class/powercap), through the reader in powercap.c, which decides what
 * is counted (packages + dram, never core/uncore or the mmio duplicate;
 * psys only when asked for or alone) and handles counter wrap-around.
 *
 * What it does not do: attribute joules to trials (hostmeter.c shares them
 * by CPU time) or poll on its own; max_period tells the caller how often it
 * must read to see every wrap.
 */
#include <errno.h>
#include <stdio.h>

#include "meter.h"
#include "powercap.h"

static int rapl_open(void **state, const es_meter_config *cfg, char *why, size_t why_len) {
  es_powercap *p = NULL;
  int rc = es_powercap_open(&p, NULL, cfg ? cfg->want_psys : 0, why, why_len);
  if (rc < 0) return rc;
  *state = p;
  return 0;
}

static size_t rapl_domains(const void *state, const char **names, size_t cap) {
  return es_powercap_domains(state, names, cap);
}

static int rapl_read(void *state, double *per_domain, size_t cap) {
  return es_powercap_read(state, NULL, per_domain, cap);
}

static double rapl_max_period(const void *state, double watts) { return es_powercap_max_period(state, watts); }

static void rapl_resolution(const void *state, char *buf, size_t len) {
  /* energy_uj counts microjoules; the hardware's own unit is coarser
   * (15.3-61 uJ), which the driver hides. The period is the advice at 100 W. */
  snprintf(buf, len, "1 uJ counters (powercap energy_uj), wrap-safe when read every %.3g s at 100 W",
           es_powercap_max_period(state, 100.0));
}

static void rapl_close(void *state) { es_powercap_close(state); }

const es_meter_type es_meter_rapl = {
    .name = "rapl",
    .kind = ES_METER_HOST,
    .estimate = 0,
    .what = "CPU package and DRAM energy counters (Linux powercap RAPL), shared among trials by CPU time",
    .open = rapl_open,
    .domains = rapl_domains,
    .read = rapl_read,
    .max_period = rapl_max_period,
    .resolution = rapl_resolution,
    .close = rapl_close,
};
