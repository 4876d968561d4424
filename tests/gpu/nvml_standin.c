/*
 * nvml_standin.c - a stand-in for NVIDIA's libnvidia-ml.so.1, built as
 * build/tests/libnvml_standin.so, so that the nvml meter's tests dlopen() a
 * real shared library through the same code path as on a GPU machine
 * (ECOSWEEP_NVML_LIB=.../libnvml_standin.so).
 *
 * Its GPUs come from the description file named by $ECOSWEEP_NVML_STANDIN,
 * read at nvmlInit_v2:
 *
 *   fail-init                         (optional first line) nvmlInit_v2
 *                                     fails with NVML_ERROR_DRIVER_NOT_LOADED
 *   UUID POWER_MW COUNTER [ENERGY_MJ] one line per GPU, in index order
 *
 * COUNTER says what the GPU supports:
 *   energy  the total-energy counter (Volta and later) and power readings
 *   power   power readings only: GetTotalEnergyConsumption is NOT_SUPPORTED
 *   none    neither (both NOT_SUPPORTED)
 *   lost    both fail with NVML_ERROR_GPU_IS_LOST (fallen off the bus)
 * Blank lines and lines starting with '#' are skipped. An empty file is a
 * machine with the driver and no GPU.
 *
 * Energy advances in real time (CLOCK_MONOTONIC): the counter reads
 * base + POWER_MW * seconds since base was set, in millijoules; base starts
 * at ENERGY_MJ, or 123456789 mJ without it, so that a reader which forgets
 * to subtract its first reading is caught. GetPowerUsage returns POWER_MW.
 *
 * A test may change the file while a meter is open (write a new file and
 * rename() it over the old one, so no half-written file is ever seen): each
 * power or energy call stat()s it and re-reads it when its inode, size or
 * mtime changed. A GPU's energy so far is kept across a change of power (the
 * base moves up to now); a line with ENERGY_MJ sets the counter to that
 * value (0: the driver reloaded). The number of GPUs is fixed at init, and
 * fail-init only matters at init. A re-read that cannot be parsed is
 * ignored.
 *
 * Like NVML, init and shutdown are reference-counted: the file is read and
 * the clocks start at the first nvmlInit_v2, and every call fails with
 * NVML_ERROR_UNINITIALIZED once the last nvmlShutdown has run.
 * es_nvml_standin_inits() (not an NVML symbol) returns the count, so tests
 * can check that every open is paired with a shutdown.
 *
 * What it does not do: implement any NVML function beyond those the meter
 * uses, be thread-safe, or imitate NVML's timing, averaging or accuracy.
 * Its exported names are NVML's own, not es_-prefixed: that is the point.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define NVML_SUCCESS 0
#define NVML_ERROR_UNINITIALIZED 1
#define NVML_ERROR_INVALID_ARGUMENT 2
#define NVML_ERROR_NOT_SUPPORTED 3
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_ERROR_DRIVER_NOT_LOADED 9
#define NVML_ERROR_GPU_IS_LOST 15
#define NVML_ERROR_UNKNOWN 999

#define STANDIN_ENV "ECOSWEEP_NVML_STANDIN"
#define STANDIN_MAX_GPUS 16
#define STANDIN_UUID_LEN 80
#define STANDIN_DEFAULT_BASE_MJ 123456789.0

typedef int nvmlReturn_t;

enum { HAS_ENERGY, HAS_POWER_ONLY, HAS_NONE, IS_LOST };

/* One GPU; its address is the nvmlDevice_t handle. */
struct nvmlDevice_st {
  char uuid[STANDIN_UUID_LEN];
  double power_mw;
  int counter;     /* HAS_ENERGY ... IS_LOST */
  int has_base;    /* the line gave ENERGY_MJ */
  double base_mj;  /* the counter at t_base */
  double t_base;   /* CLOCK_MONOTONIC seconds */
};
typedef struct nvmlDevice_st *nvmlDevice_t;

/* What one parse of the file found. */
typedef struct {
  int fail_init;
  unsigned int n;
  struct nvmlDevice_st gpu[STANDIN_MAX_GPUS];
} standin_desc;

static int inits;             /* nvmlInit_v2 minus nvmlShutdown calls */
static unsigned int n_gpus;   /* fixed at the first init */
static struct nvmlDevice_st gpus[STANDIN_MAX_GPUS];
static struct stat file_seen; /* identity of the file last read */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 0, or -1 when the file is missing or malformed. */
static int parse_file(const char *path, standin_desc *d, struct stat *st) {
  memset(d, 0, sizeof *d);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  if (fstat(fileno(f), st) != 0) {
    fclose(f);
    return -1;
  }
  char line[256];
  int first = 1, rc = 0;
  while (rc == 0 && fgets(line, sizeof line, f)) {
    char uuid[STANDIN_UUID_LEN], kind[16];
    double power, base;
    if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line)) continue;
    if (first && strncmp(line, "fail-init", 9) == 0) {
      d->fail_init = 1;
      first = 0;
      continue;
    }
    first = 0;
    int got = sscanf(line, "%79s %lf %15s %lf", uuid, &power, kind, &base);
    if (got < 3 || d->n == STANDIN_MAX_GPUS || power < 0) {
      rc = -1;
      break;
    }
    struct nvmlDevice_st *g = &d->gpu[d->n++];
    snprintf(g->uuid, sizeof g->uuid, "%s", uuid);
    g->power_mw = power;
    g->has_base = got == 4;
    g->base_mj = got == 4 ? base : STANDIN_DEFAULT_BASE_MJ;
    if (strcmp(kind, "energy") == 0)
      g->counter = HAS_ENERGY;
    else if (strcmp(kind, "power") == 0)
      g->counter = HAS_POWER_ONLY;
    else if (strcmp(kind, "none") == 0)
      g->counter = HAS_NONE;
    else if (strcmp(kind, "lost") == 0)
      g->counter = IS_LOST;
    else
      rc = -1;
  }
  fclose(f);
  return rc;
}

/* Picks up a changed description file, keeping each GPU's energy so far. */
static void reload_if_changed(void) {
  const char *path = getenv(STANDIN_ENV);
  struct stat st;
  if (!path || stat(path, &st) != 0) return;
  if (st.st_ino == file_seen.st_ino && st.st_size == file_seen.st_size &&
      st.st_mtim.tv_sec == file_seen.st_mtim.tv_sec && st.st_mtim.tv_nsec == file_seen.st_mtim.tv_nsec)
    return;
  standin_desc d;
  if (parse_file(path, &d, &st) != 0) return;
  file_seen = st;
  double t = now_s();
  for (unsigned int i = 0; i < n_gpus && i < d.n; i++) {
    struct nvmlDevice_st *g = &gpus[i];
    g->base_mj = d.gpu[i].has_base ? d.gpu[i].base_mj : g->base_mj + g->power_mw * (t - g->t_base);
    g->t_base = t;
    g->power_mw = d.gpu[i].power_mw;
    g->counter = d.gpu[i].counter;
    snprintf(g->uuid, sizeof g->uuid, "%s", d.gpu[i].uuid);
  }
}

int es_nvml_standin_inits(void);
int es_nvml_standin_inits(void) { return inits; }

nvmlReturn_t nvmlInit_v2(void);
nvmlReturn_t nvmlInit_v2(void) {
  if (inits > 0) {
    inits++;
    return NVML_SUCCESS;
  }
  const char *path = getenv(STANDIN_ENV);
  standin_desc d;
  struct stat st;
  if (!path || parse_file(path, &d, &st) != 0) return NVML_ERROR_UNKNOWN;
  if (d.fail_init) return NVML_ERROR_DRIVER_NOT_LOADED;
  double t = now_s();
  n_gpus = d.n;
  memcpy(gpus, d.gpu, sizeof gpus);
  for (unsigned int i = 0; i < n_gpus; i++) gpus[i].t_base = t;
  file_seen = st;
  inits = 1;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlShutdown(void);
nvmlReturn_t nvmlShutdown(void) {
  if (inits == 0) return NVML_ERROR_UNINITIALIZED;
  inits--;
  return NVML_SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t rc);
const char *nvmlErrorString(nvmlReturn_t rc) {
  switch (rc) {
  case NVML_SUCCESS:
    return "Success";
  case NVML_ERROR_UNINITIALIZED:
    return "Uninitialized";
  case NVML_ERROR_INVALID_ARGUMENT:
    return "Invalid Argument";
  case NVML_ERROR_NOT_SUPPORTED:
    return "Not Supported";
  case NVML_ERROR_INSUFFICIENT_SIZE:
    return "Insufficient Size";
  case NVML_ERROR_DRIVER_NOT_LOADED:
    return "Driver Not Loaded";
  case NVML_ERROR_GPU_IS_LOST:
    return "GPU is lost";
  default:
    return "Unknown Error";
  }
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count);
nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count) {
  if (inits == 0) return NVML_ERROR_UNINITIALIZED;
  if (!count) return NVML_ERROR_INVALID_ARGUMENT;
  *count = n_gpus;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device);
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
  if (inits == 0) return NVML_ERROR_UNINITIALIZED;
  if (!device || index >= n_gpus) return NVML_ERROR_INVALID_ARGUMENT;
  *device = &gpus[index];
  return NVML_SUCCESS;
}

/* The handle, when it is one of ours and NVML is initialised. */
static nvmlReturn_t check_device(nvmlDevice_t device) {
  if (inits == 0) return NVML_ERROR_UNINITIALIZED;
  /* Compared as integers: ordering pointers into different objects is undefined. */
  uintptr_t p = (uintptr_t)device, lo = (uintptr_t)gpus, hi = (uintptr_t)(gpus + n_gpus);
  if (p < lo || p >= hi || (p - lo) % sizeof gpus[0] != 0) return NVML_ERROR_INVALID_ARGUMENT;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length);
nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length) {
  nvmlReturn_t rc = check_device(device);
  if (rc != NVML_SUCCESS) return rc;
  if (!uuid) return NVML_ERROR_INVALID_ARGUMENT;
  if (strlen(device->uuid) >= length) return NVML_ERROR_INSUFFICIENT_SIZE;
  memcpy(uuid, device->uuid, strlen(device->uuid) + 1);
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy);
nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy) {
  nvmlReturn_t rc = check_device(device);
  if (rc != NVML_SUCCESS) return rc;
  if (!energy) return NVML_ERROR_INVALID_ARGUMENT;
  reload_if_changed();
  if (device->counter == IS_LOST) return NVML_ERROR_GPU_IS_LOST;
  if (device->counter != HAS_ENERGY) return NVML_ERROR_NOT_SUPPORTED;
  *energy = (unsigned long long)(device->base_mj + device->power_mw * (now_s() - device->t_base));
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power);
nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power) {
  nvmlReturn_t rc = check_device(device);
  if (rc != NVML_SUCCESS) return rc;
  if (!power) return NVML_ERROR_INVALID_ARGUMENT;
  reload_if_changed();
  if (device->counter == IS_LOST) return NVML_ERROR_GPU_IS_LOST;
  if (device->counter == HAS_NONE) return NVML_ERROR_NOT_SUPPORTED;
  *power = (unsigned int)device->power_mw;
  return NVML_SUCCESS;
}
