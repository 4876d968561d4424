/*
 * meter_nvml.c - the "nvml" meter: joules per NVIDIA GPU through NVML, the
 * driver's management library, dlopen()ed at run time ($ECOSWEEP_NVML_LIB,
 * default libnvidia-ml.so.1) so that ecosweep builds and runs on machines
 * without the driver, and tests can substitute a stand-in library
 * (tests/gpu/nvml_standin.c) that exercises the same code path.
 *
 * One domain per GPU, "gpu0", "gpu1"... in NVML index order; device_id(i) is
 * the GPU's UUID ("GPU-8f6c..."), which CUDA_VISIBLE_DEVICES accepts and
 * which, unlike an index, does not depend on CUDA's device ordering.
 *
 * Each GPU is read one of two ways, chosen at open:
 *   counter  nvmlDeviceGetTotalEnergyConsumption: millijoules since the
 *            driver loaded (Volta and later), 64-bit, so it never wraps in
 *            practice. A reading below the previous one means the driver was
 *            reloaded (the counter restarted at 0): the new reading is the
 *            delta. The baseline taken at open is subtracted.
 *   power    where that counter is NOT_SUPPORTED (older GPUs):
 *            nvmlDeviceGetPowerUsage milliwatt samples integrated by the
 *            trapezoid rule over CLOCK_MONOTONIC time between reads. This is
 *            only as good as the sampling, so max_period() then asks for
 *            reads at least every ES_NVML_POWER_PERIOD_S (>= 10 Hz).
 *
 * All state lives in the opened state (function pointers included): two
 * opens are independent. NVML itself reference-counts nvmlInit/nvmlShutdown
 * and dlopen/dlclose are reference-counted, so closing one leaves the other
 * working.
 *
 * What it does not do: include NVIDIA's headers (the few types used are
 * declared below, ABI-compatible with nvml.h), hand GPUs to trials, poll on
 * its own, or read anything but energy and power (no utilisation or clocks).
 */
#include "meter_nvml.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meter.h"

/* The slice of nvml.h this meter needs. nvmlReturn_t is an enum there;
 * an int has the same size and passing convention. */
typedef int nvmlReturn_t;
typedef struct es_nvml_device_st *nvmlDevice_t; /* opaque handle */
#define NVML_SUCCESS 0
#define NVML_ERROR_NO_PERMISSION 4
#define NVML_ERROR_NOT_SUPPORTED 3
#define NVML_ERROR_FUNCTION_NOT_FOUND 13
#define NVML_ERROR_GPU_IS_LOST 15
#define NVML_DEVICE_UUID_V2_BUFFER_SIZE 96

#define NVML_NAME_LEN 16

/* One GPU and what has been counted for it. */
typedef struct {
  char name[NVML_NAME_LEN];                   /* "gpu0": the domain name */
  char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE]; /* device_id() */
  nvmlDevice_t dev;                           /* NVML's handle */
  int power;                                  /* 1: power samples integrated; 0: energy counter */
  unsigned long long last_mj;                 /* counter: reading at the previous read (or open) */
  double last_w;                              /* power: the previous sample, watts */
  double last_t;                              /* power: its CLOCK_MONOTONIC time, seconds */
  double total_j;                             /* joules since open */
} nvml_gpu;

typedef struct {
  void *lib; /* the dlopen() handle */
  nvmlReturn_t (*init)(void);
  nvmlReturn_t (*shutdown)(void);
  const char *(*error_string)(nvmlReturn_t);
  nvmlReturn_t (*get_count)(unsigned int *);
  nvmlReturn_t (*get_handle)(unsigned int, nvmlDevice_t *);
  nvmlReturn_t (*get_uuid)(nvmlDevice_t, char *, unsigned int);
  nvmlReturn_t (*get_energy)(nvmlDevice_t, unsigned long long *); /* NULL: absent (an old driver) */
  nvmlReturn_t (*get_power)(nvmlDevice_t, unsigned int *);
  size_t n;           /* GPUs */
  nvml_gpu *gpu;      /* n of them, in NVML index order */
  nvml_gpu *scratch;  /* n, so that a failed read updates nothing */
  int any_power;      /* some GPU is read by power samples */
} nvml_state;

static double nvml_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *nvml_lib_name(void) {
  const char *lib = getenv(ES_NVML_LIB_ENV);
  return lib && *lib ? lib : ES_NVML_LIB_DEFAULT;
}

static const char *nvml_error(const nvml_state *s, nvmlReturn_t rc) {
  const char *msg = s->error_string ? s->error_string(rc) : NULL;
  return msg ? msg : "unknown NVML error";
}

/* An NVML failure during read, as an errno. */
static int nvml_errno(nvmlReturn_t rc) {
  switch (rc) {
  case NVML_ERROR_GPU_IS_LOST:
    return -ENODEV;
  case NVML_ERROR_NO_PERMISSION:
    return -EACCES;
  case NVML_ERROR_NOT_SUPPORTED:
  case NVML_ERROR_FUNCTION_NOT_FOUND:
    return -EOPNOTSUPP;
  default:
    return -EIO;
  }
}

/* Resolves one symbol unless an earlier one failed (*rc < 0); NULL, with
 * *rc = -ENOSYS and the library and symbol in why, when it is missing. */
static void *nvml_sym(void *lib, const char *libname, const char *sym, int *rc, char *why, size_t why_len) {
  if (*rc < 0) return NULL;
  dlerror();
  void *p = dlsym(lib, sym);
  if (!p) {
    const char *err = dlerror();
    snprintf(why, why_len, "%s is not a usable NVML library: no %s (%s)", libname, sym, err ? err : "NULL symbol");
    *rc = -ENOSYS;
  }
  return p;
}

static void nvml_free(nvml_state *s) {
  if (!s) return;
  free(s->gpu);
  free(s->scratch);
  free(s);
}

/* Opens GPU i and takes its first reading, deciding between counter and power. */
static int nvml_open_gpu(nvml_state *s, unsigned int i, const char *libname, char *why, size_t why_len) {
  nvml_gpu *g = &s->gpu[i];
  snprintf(g->name, sizeof g->name, "gpu%u", i);
  nvmlReturn_t rc = s->get_handle(i, &g->dev);
  if (rc != NVML_SUCCESS) {
    snprintf(why, why_len, "%s: nvmlDeviceGetHandleByIndex_v2(%u) failed: %s", libname, i, nvml_error(s, rc));
    return rc == NVML_ERROR_NO_PERMISSION ? -EACCES : -ENODEV;
  }
  rc = s->get_uuid(g->dev, g->uuid, sizeof g->uuid);
  if (rc != NVML_SUCCESS) {
    snprintf(why, why_len, "%s: nvmlDeviceGetUUID(gpu%u) failed: %s", libname, i, nvml_error(s, rc));
    return -ENODEV;
  }
  g->uuid[sizeof g->uuid - 1] = '\0';
  rc = s->get_energy ? s->get_energy(g->dev, &g->last_mj) : NVML_ERROR_FUNCTION_NOT_FOUND;
  if (rc == NVML_SUCCESS) return 0;
  if (rc != NVML_ERROR_NOT_SUPPORTED && rc != NVML_ERROR_FUNCTION_NOT_FOUND) {
    snprintf(why, why_len, "%s: nvmlDeviceGetTotalEnergyConsumption(gpu%u %s) failed: %s", libname, i, g->uuid,
             nvml_error(s, rc));
    return nvml_errno(rc) == -EACCES ? -EACCES : -EIO;
  }
  /* Pre-Volta: no energy counter; integrate power samples instead. */
  unsigned int mw = 0;
  rc = s->get_power(g->dev, &mw);
  if (rc != NVML_SUCCESS) {
    snprintf(why, why_len, "gpu%u (%s) reports neither an energy counter nor its power: %s", i, g->uuid,
             nvml_error(s, rc));
    return -ENODEV;
  }
  g->power = 1;
  g->last_w = mw / 1000.0;
  g->last_t = nvml_now();
  s->any_power = 1;
  return 0;
}

static int nvml_open(void **state, const es_meter_config *cfg, char *why, size_t why_len) {
  (void)cfg;
  char spare[8];
  if (!why || why_len == 0) why = spare, why_len = sizeof spare;
  *state = NULL;
  const char *libname = nvml_lib_name();
  nvml_state *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(why, why_len, "out of memory opening NVML");
    return -ENOMEM;
  }
  s->lib = dlopen(libname, RTLD_NOW | RTLD_LOCAL);
  if (!s->lib) {
    /* dlerror() usually starts with the name again: say it once. */
    const char *err = dlerror();
    size_t len = strlen(libname);
    if (err && strncmp(err, libname, len) == 0 && strncmp(err + len, ": ", 2) == 0) err += len + 2;
    snprintf(why, why_len, "no NVML library (%s: %s) — no NVIDIA driver here", libname, err ? err : "not found");
    nvml_free(s);
    return -ENOENT;
  }
  int rc = 0;
  /* *(void **)&fp: ISO C has no cast from dlsym's object pointer to a
   * function pointer; this is the form POSIX's dlsym() documentation uses. */
  *(void **)(&s->init) = nvml_sym(s->lib, libname, "nvmlInit_v2", &rc, why, why_len);
  *(void **)(&s->shutdown) = nvml_sym(s->lib, libname, "nvmlShutdown", &rc, why, why_len);
  *(void **)(&s->error_string) = nvml_sym(s->lib, libname, "nvmlErrorString", &rc, why, why_len);
  *(void **)(&s->get_count) = nvml_sym(s->lib, libname, "nvmlDeviceGetCount_v2", &rc, why, why_len);
  *(void **)(&s->get_handle) = nvml_sym(s->lib, libname, "nvmlDeviceGetHandleByIndex_v2", &rc, why, why_len);
  *(void **)(&s->get_uuid) = nvml_sym(s->lib, libname, "nvmlDeviceGetUUID", &rc, why, why_len);
  *(void **)(&s->get_power) = nvml_sym(s->lib, libname, "nvmlDeviceGetPowerUsage", &rc, why, why_len);
  if (rc < 0) {
    dlclose(s->lib);
    nvml_free(s);
    return rc;
  }
  /* Drivers before the energy counter existed lack the symbol: power then. */
  *(void **)(&s->get_energy) = dlsym(s->lib, "nvmlDeviceGetTotalEnergyConsumption");

  nvmlReturn_t nrc = s->init();
  if (nrc != NVML_SUCCESS) {
    snprintf(why, why_len, "%s: nvmlInit_v2 failed: %s (is the NVIDIA kernel driver loaded?)", libname,
             nvml_error(s, nrc));
    dlclose(s->lib);
    nvml_free(s);
    return -ENODEV;
  }
  unsigned int count = 0;
  nrc = s->get_count(&count);
  if (nrc != NVML_SUCCESS) {
    snprintf(why, why_len, "%s: nvmlDeviceGetCount_v2 failed: %s", libname, nvml_error(s, nrc));
    rc = -ENODEV;
  } else if (count == 0) {
    snprintf(why, why_len, "%s: NVML sees no GPU", libname);
    rc = -ENODEV;
  } else {
    s->n = count;
    s->gpu = calloc(count, sizeof *s->gpu);
    s->scratch = calloc(count, sizeof *s->scratch);
    if (!s->gpu || !s->scratch) {
      snprintf(why, why_len, "out of memory for %u GPUs", count);
      rc = -ENOMEM;
    }
  }
  for (unsigned int i = 0; rc == 0 && i < count; i++) rc = nvml_open_gpu(s, i, libname, why, why_len);
  if (rc < 0) {
    s->shutdown();
    dlclose(s->lib);
    nvml_free(s);
    return rc;
  }
  *state = s;
  return 0;
}

static size_t nvml_domains(const void *state, const char **names, size_t cap) {
  const nvml_state *s = state;
  if (!s) return 0;
  for (size_t i = 0; names && i < s->n && i < cap; i++) names[i] = s->gpu[i].name;
  return s->n;
}

static int nvml_read(void *state, double *per_domain, size_t cap) {
  nvml_state *s = state;
  if (!s) return -EINVAL;
  memcpy(s->scratch, s->gpu, s->n * sizeof *s->gpu);
  for (size_t i = 0; i < s->n; i++) {
    nvml_gpu *g = &s->scratch[i];
    if (g->power) {
      unsigned int mw = 0;
      nvmlReturn_t rc = s->get_power(g->dev, &mw);
      if (rc != NVML_SUCCESS) return nvml_errno(rc);
      double t = nvml_now(), w = mw / 1000.0;
      g->total_j += 0.5 * (g->last_w + w) * (t - g->last_t);
      g->last_w = w;
      g->last_t = t;
    } else {
      unsigned long long mj = 0;
      nvmlReturn_t rc = s->get_energy(g->dev, &mj);
      if (rc != NVML_SUCCESS) return nvml_errno(rc);
      /* Lower than before: the driver reloaded and the count restarted. */
      unsigned long long delta = mj >= g->last_mj ? mj - g->last_mj : mj;
      g->total_j += (double)delta / 1000.0;
      g->last_mj = mj;
    }
  }
  memcpy(s->gpu, s->scratch, s->n * sizeof *s->gpu);
  for (size_t i = 0; per_domain && i < s->n && i < cap; i++) per_domain[i] = s->gpu[i].total_j;
  return 0;
}

static double nvml_max_period(const void *state, double watts) {
  (void)watts; /* neither way of reading depends on the power drawn */
  const nvml_state *s = state;
  if (!s) return 0;
  return s->any_power ? ES_NVML_POWER_PERIOD_S : ES_NVML_MAX_PERIOD_S;
}

static void nvml_resolution(const void *state, char *buf, size_t len) {
  static const char counter[] = "1 mJ energy counter", power[] = "1 mW power samples integrated at >= 10 Hz";
  const nvml_state *s = state;
  if (!buf || len == 0) return;
  buf[0] = '\0';
  if (!s) return;
  size_t n_power = 0;
  for (size_t i = 0; i < s->n; i++) n_power += (size_t)s->gpu[i].power;
  if (n_power == 0 || n_power == s->n) {
    snprintf(buf, len, "%s", n_power ? power : counter);
    return;
  }
  /* Mixed: say which GPUs are read which way. */
  size_t used = 0;
  for (int want_power = 0; want_power <= 1; want_power++) {
    int n = snprintf(buf + used, len - used, "%s%s (", want_power ? "; " : "", want_power ? power : counter);
    used += n > 0 ? (size_t)n : 0;
    if (used >= len) return;
    const char *sep = "";
    for (size_t i = 0; i < s->n; i++) {
      if (s->gpu[i].power != want_power) continue;
      n = snprintf(buf + used, len - used, "%s%s", sep, s->gpu[i].name);
      used += n > 0 ? (size_t)n : 0;
      if (used >= len) return;
      sep = ", ";
    }
    n = snprintf(buf + used, len - used, ")");
    used += n > 0 ? (size_t)n : 0;
    if (used >= len) return;
  }
}

static int nvml_device_id(const void *state, size_t i, char *buf, size_t len) {
  const nvml_state *s = state;
  if (!s || i >= s->n || !buf) return -EINVAL;
  int n = snprintf(buf, len, "%s", s->gpu[i].uuid);
  return n < 0 || (size_t)n >= len ? -ERANGE : 0;
}

const char *es_nvml_method(const void *state, size_t i) {
  const nvml_state *s = state;
  if (!s || i >= s->n) return NULL;
  return s->gpu[i].power ? "power" : "counter";
}

static void nvml_close(void *state) {
  nvml_state *s = state;
  if (!s) return;
  s->shutdown();
  dlclose(s->lib);
  nvml_free(s);
}

const es_meter_type es_meter_nvml = {
    .name = "nvml",
    .kind = ES_METER_GPU,
    .estimate = 0,
    .what = "NVIDIA GPU energy counters (NVML; power samples integrated where a GPU has no counter), each GPU's "
            "joules to the trial it is handed to",
    .open = nvml_open,
    .domains = nvml_domains,
    .read = nvml_read,
    .max_period = nvml_max_period,
    .resolution = nvml_resolution,
    .device_id = nvml_device_id,
    .close = nvml_close,
};
