/*
 * meter.c - the meter registry: name lookup, the "auto" choice, carbon.
 *
 * What it does not do: read any counter. Each meter type lives in a file
 * of its own (meter_reported.c, meter_estimate.c).
 */
#include "meter.h"
#include "../strategies/registry.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const es_meter_type *const es_meter_types[] = {&es_meter_estimate, &es_meter_reported, NULL};

static const char *meter_name_at(size_t i) { return es_meter_types[i] ? es_meter_types[i]->name : NULL; }

const es_meter_type *es_meter_lookup(const char *name) {
  long i = es_registry_find(meter_name_at, name);
  return i < 0 ? NULL : es_meter_types[i];
}

void es_meter_names(char *buf, size_t len) { es_registry_names(meter_name_at, buf, len); }

/* "auto" picks the best CPU source that is available. In this version the
 * only CPU source is the estimate, which is always available; hardware
 * meters go before it in this list as they are added. */
static const es_meter_type *const auto_order[] = {&es_meter_estimate, NULL};

int es_meter_select(char *const *names, const es_meter_config *cfg, const es_meter_type **out, char *err,
                    size_t err_len) {
  char why[256];
  *out = NULL;
  for (size_t i = 0; names && names[i]; i++) {
    const es_meter_type *t = NULL;
    if (strcmp(names[i], "auto") == 0) {
      for (size_t j = 0; auto_order[j]; j++)
        if (auto_order[j]->probe(cfg, why, sizeof why) == 0) {
          t = auto_order[j];
          break;
        }
      if (!t) {
        snprintf(err, err_len, "meters[%zu]: auto: no meter is available", i);
        return -ENODEV;
      }
    } else {
      t = es_meter_lookup(names[i]);
      if (!t) {
        char valid[128];
        es_meter_names(valid, sizeof valid);
        snprintf(err, err_len, "meters[%zu]: unknown meter \"%s\" (valid: auto, %s)", i, names[i], valid);
        return -EINVAL;
      }
      if (t->probe(cfg, why, sizeof why) != 0) {
        snprintf(err, err_len, "meters[%zu]: %s is unavailable: %s", i, names[i], why);
        return -ENODEV;
      }
    }
    /* One source of trial joules: the first usable entry wins. */
    if (!*out) *out = t;
  }
  if (!*out) {
    snprintf(err, err_len, "meters: no meter given");
    return -EINVAL;
  }
  return 0;
}

double es_co2_grams(double joules, double g_per_kwh, double pue) {
  return joules / 3.6e6 * g_per_kwh * pue;
}
