/*
 * test_meter_nvml.c - the "nvml" meter against the NVML stand-in library
 * (tests/gpu/nvml_standin.c, built as $ECOSWEEP_BUILD_DIR/tests/
 * libnvml_standin.so), really dlopen()ed through $ECOSWEEP_NVML_LIB, with
 * its GPUs described in a file in a mkdtemp directory
 * ($ECOSWEEP_NVML_STANDIN). Covered: energy counters tracking real time with
 * the baseline subtracted, power samples integrated by the trapezoid rule,
 * mixed machines, a counter reset, a failed read updating nothing, UUIDs for
 * CUDA_VISIBLE_DEVICES, the open errors (no library, not NVML, init failure,
 * no GPU, a GPU with neither reading), max_period, and two independent opens
 * with every nvmlInit paired with an nvmlShutdown.
 *
 * It does not need a GPU or NVIDIA's library; tests/gpu/nvml_check.sh checks
 * the meter against nvidia-smi on a real GPU.
 */
#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/helpers.h"

#include "meters/meter.h"
#include "meters/meter_nvml.h"

/* lo <= a <= hi, give or take slack (the counter's 1 mJ steps). */
#define assert_between(a, lo, hi, slack)                                                           \
  do {                                                                                             \
    double a_ = (a), lo_ = (lo), hi_ = (hi);                                                       \
    if (!(a_ >= lo_ - (slack) && a_ <= hi_ + (slack)))                                             \
      fail_msg("%s = %.9g, expected within [%.9g, %.9g]", #a, a_, lo_, hi_);                     \
  } while (0)

#define STANDIN_ENV "ECOSWEEP_NVML_STANDIN" /* read by the stand-in */
#define COUNTER_SLACK_J 0.005

static char dir[64];
static char desc_path[128];
static char standin[PATH_MAX];
static void *standin_handle;     /* keeps the stand-in loaded to ask it... */
static int (*standin_inits)(void); /* ...how many nvmlInit_v2 are not shut down */

static const es_meter_type *const M = &es_meter_nvml;

/* Meters a test opened and has not closed: teardown closes them, so that a
 * failed assertion does not leave NVML initialised for the tests after it. */
#define MAX_OPEN 4
static void *open_states[MAX_OPEN];

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap(double s) {
  struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static int group_setup(void **state) {
  (void)state;
  const char *build = getenv("ECOSWEEP_BUILD_DIR");
  snprintf(standin, sizeof standin, "%s/tests/libnvml_standin.so", build && *build ? build : "build");
  if (access(standin, R_OK) != 0) {
    fprintf(stderr, "# no %s: build it with `make %s`\n", standin, "build/tests/libnvml_standin.so");
    return -1;
  }
  char abs[PATH_MAX]; /* so that the meter's dlopen does not search the library path */
  if (!realpath(standin, abs)) return -1;
  snprintf(standin, sizeof standin, "%s", abs);
  standin_handle = dlopen(standin, RTLD_NOW | RTLD_LOCAL);
  if (!standin_handle) {
    fprintf(stderr, "# dlopen %s: %s\n", standin, dlerror());
    return -1;
  }
  *(void **)(&standin_inits) = dlsym(standin_handle, "es_nvml_standin_inits");
  return standin_inits ? 0 : -1;
}

static int group_teardown(void **state) {
  (void)state;
  if (standin_handle) dlclose(standin_handle);
  return 0;
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/es-nvml-XXXXXX");
  if (!mkdtemp(dir)) return -1;
  snprintf(desc_path, sizeof desc_path, "%s/gpus", dir);
  setenv(ES_NVML_LIB_ENV, standin, 1);
  setenv(STANDIN_ENV, desc_path, 1);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  unsetenv(ES_NVML_LIB_ENV);
  unsetenv(STANDIN_ENV);
  for (int i = 0; i < MAX_OPEN; i++)
    if (open_states[i]) {
      M->close(open_states[i]);
      open_states[i] = NULL;
    }
  int leaked = standin_inits(); /* an open without its shutdown */
  if (leaked) fprintf(stderr, "# %d nvmlInit_v2 without nvmlShutdown\n", leaked);
  return es_test_rm_tree(dir) || leaked ? -1 : 0;
}

/* Replaces the GPU description in one rename(), so the stand-in never sees
 * a half-written file. */
static void describe(const char *text) {
  char tmp[160];
  snprintf(tmp, sizeof tmp, "%s.tmp", desc_path);
  FILE *f = fopen(tmp, "w");
  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
  assert_int_equal(rename(tmp, desc_path), 0);
}

/* An open meter and the times around its baseline. */
typedef struct {
  void *st;
  double open0, open1; /* just before and after open */
} meter;

static meter open_ok(void) {
  meter m = {NULL, 0, 0};
  char why[512] = "";
  m.open0 = now_s();
  int rc = M->open(&m.st, NULL, why, sizeof why);
  m.open1 = now_s();
  if (rc != 0) fail_msg("open: %d: %s", rc, why);
  assert_non_null(m.st);
  for (int i = 0; i < MAX_OPEN; i++)
    if (!open_states[i]) {
      open_states[i] = m.st;
      break;
    }
  return m;
}

static void close_ok(meter *m) {
  for (int i = 0; i < MAX_OPEN; i++)
    if (open_states[i] == m->st) open_states[i] = NULL;
  M->close(m->st);
  m->st = NULL;
}

/* Reads into j; *lo and *hi bound the seconds between the meter's baseline
 * and this reading. */
static void read_ok(meter *m, double *j, size_t cap, double *lo, double *hi) {
  double r0 = now_s();
  int rc = M->read(m->st, j, cap);
  double r1 = now_s();
  if (rc != 0) fail_msg("read: %d", rc);
  if (lo) *lo = r0 - m->open1;
  if (hi) *hi = r1 - m->open0;
}

static void open_fails(int want_rc, const char *want_in_why) {
  void *st = (void *)&st;
  char why[512] = "";
  int rc = M->open(&st, NULL, why, sizeof why);
  if (rc != want_rc) fail_msg("open: %d (%s), expected %d", rc, why, want_rc);
  assert_null(st);
  if (!strstr(why, want_in_why)) fail_msg("why = \"%s\", expected it to contain \"%s\"", why, want_in_why);
}

static void descriptor_is_a_gpu_meter(void **state) {
  (void)state;
  assert_string_equal(M->name, "nvml");
  assert_int_equal(M->kind, ES_METER_GPU);
  assert_int_equal(M->estimate, 0);
  assert_non_null(M->device_id);
  assert_null(M->probe);
  assert_null(M->trial_joules);
}

/* 100 W and 250 W with energy counters: joules since open track real time;
 * the stand-in's counters start at 123456789 mJ, so a missing baseline shows. */
static void two_counters_track_real_time(void **state) {
  (void)state;
  describe("GPU-aaaaaaaa-0000-0000-0000-000000000000 100000 energy\n"
           "GPU-bbbbbbbb-0000-0000-0000-000000000001 250000 energy\n");
  meter m = open_ok();
  const char *names[4] = {NULL};
  assert_int_equal(M->domains(m.st, names, 4), 2);
  assert_string_equal(names[0], "gpu0");
  assert_string_equal(names[1], "gpu1");
  assert_string_equal(es_nvml_method(m.st, 0), "counter");
  assert_string_equal(es_nvml_method(m.st, 1), "counter");
  char res[256];
  M->resolution(m.st, res, sizeof res);
  assert_string_equal(res, "1 mJ energy counter");

  double j[2], lo, hi;
  nap(0.3);
  read_ok(&m, j, 2, &lo, &hi);
  assert_true(lo >= 0.29);
  assert_between(j[0], 100 * lo, 100 * hi, COUNTER_SLACK_J);
  assert_between(j[1], 250 * lo, 250 * hi, COUNTER_SLACK_J);
  nap(0.1); /* cumulative: the second read includes the first */
  read_ok(&m, j, 2, &lo, &hi);
  assert_true(lo >= 0.39);
  assert_between(j[0], 100 * lo, 100 * hi, COUNTER_SLACK_J);
  assert_between(j[1], 250 * lo, 250 * hi, COUNTER_SLACK_J);
  close_ok(&m);
}

/* A pre-Volta GPU: power samples read at the advised 10 Hz and integrated. */
static void power_only_integrated_at_10hz(void **state) {
  (void)state;
  describe("GPU-cccccccc-0000-0000-0000-000000000002 75000 power\n");
  meter m = open_ok();
  assert_string_equal(es_nvml_method(m.st, 0), "power");
  double period = M->max_period(m.st, 75.0);
  assert_near(period, 0.1, 1e-12);
  char res[256];
  M->resolution(m.st, res, sizeof res);
  assert_string_equal(res, "1 mW power samples integrated at >= 10 Hz");
  double j = 0, lo = 0, hi = 0;
  for (int i = 0; i < 5; i++) {
    nap(period);
    read_ok(&m, &j, 1, &lo, &hi);
  }
  assert_true(lo >= 0.49);
  assert_between(j, 75 * lo, 75 * hi, 0.001);
  close_ok(&m);
}

/* Power 100 W at open, 300 W at the only read 0.4 s later: the trapezoid
 * gives 0.4 s x 200 W = 80 J, where either rectangle would give 40 or 120. */
static void power_integrated_by_trapezoid(void **state) {
  (void)state;
  describe("GPU-dddddddd 100000 power\n");
  meter m = open_ok();
  nap(0.2);
  describe("GPU-dddddddd 300000 power\n");
  nap(0.2);
  double j, lo, hi;
  read_ok(&m, &j, 1, &lo, &hi);
  assert_between(j, 200 * lo, 200 * hi, 0.001);
  close_ok(&m);
}

/* One GPU with a counter and one without, through a step from 100 to 300 W,
 * read every 20 ms: both agree with what was drawn. */
static void mixed_counter_and_power_through_a_step(void **state) {
  (void)state;
  describe("GPU-eeeeeeee 100000 energy\nGPU-ffffffff 100000 power\n");
  meter m = open_ok();
  assert_near(M->max_period(m.st, 100.0), ES_NVML_POWER_PERIOD_S, 1e-12);
  assert_string_equal(es_nvml_method(m.st, 0), "counter");
  assert_string_equal(es_nvml_method(m.st, 1), "power");
  char res[256];
  M->resolution(m.st, res, sizeof res);
  assert_string_equal(res, "1 mJ energy counter (gpu0); 1 mW power samples integrated at >= 10 Hz (gpu1)");

  double j[2], lo, hi, step_lo, step_hi;
  while (now_s() - m.open0 < 0.3) {
    nap(0.02);
    read_ok(&m, j, 2, NULL, NULL);
  }
  describe("GPU-eeeeeeee 300000 energy\nGPU-ffffffff 300000 power\n");
  read_ok(&m, j, 2, &step_lo, &step_hi); /* the stand-in switches at this read */
  double t_end = now_s() + 0.3;
  while (now_s() < t_end) {
    nap(0.02);
    read_ok(&m, j, 2, &lo, &hi);
  }
  /* 100 W until the step, 300 W after it (bounds from both ends' timing). */
  double want_lo = 100 * step_lo + 300 * (lo - step_hi), want_hi = 100 * step_hi + 300 * (hi - step_lo);
  assert_between(j[0], want_lo, want_hi, COUNTER_SLACK_J);
  /* The trapezoid spreads the step over one 20 ms interval: at most
   * 0.5 x 200 W x that interval more; 5 % covers it. */
  assert_between(j[1], 0.95 * want_lo, 1.05 * want_hi, 0.0);
  assert_near(j[1], j[0], 0.05 * j[0]);
  close_ok(&m);
}

/* A counter lower than before (the driver reloaded): the new value is what
 * was used since the reset, neither a huge unsigned difference nor nothing. */
static void counter_reset_counts_the_new_value(void **state) {
  (void)state;
  describe("GPU-aaaa 100000 energy\n");
  meter m = open_ok();
  double j, lo1, hi1, lo2, hi2, lo3, hi3;
  nap(0.2);
  read_ok(&m, &j, 1, &lo1, &hi1);
  describe("GPU-aaaa 100000 energy 10000\n"); /* the counter restarts at 10 J */
  read_ok(&m, &j, 1, &lo2, &hi2);
  assert_between(j, 100 * lo1 + 10.0, 100 * hi2 + 10.0, COUNTER_SLACK_J);
  nap(0.2);
  read_ok(&m, &j, 1, &lo3, &hi3);
  assert_between(j, 100 * lo1 + 10.0 + 100 * (lo3 - hi2), 100 * hi2 + 10.0 + 100 * (hi3 - lo2), COUNTER_SLACK_J);
  close_ok(&m);
}

/* gpu1 lost mid-run: the read fails and touches neither the output nor the
 * other GPU's accounting; once it is back, both totals are whole. */
static void failed_read_updates_nothing(void **state) {
  (void)state;
  describe("GPU-aaaa 50000 energy\nGPU-bbbb 80000 energy\n");
  meter m = open_ok();
  double j[2], lo, hi;
  nap(0.1);
  read_ok(&m, j, 2, NULL, NULL);
  describe("GPU-aaaa 50000 energy\nGPU-bbbb 80000 lost\n");
  nap(0.1);
  double out[2] = {-1, -1};
  assert_int_equal(M->read(m.st, out, 2), -ENODEV);
  assert_true(out[0] == -1 && out[1] == -1);
  describe("GPU-aaaa 50000 energy\nGPU-bbbb 80000 energy\n");
  nap(0.1);
  read_ok(&m, j, 2, &lo, &hi);
  assert_between(j[0], 50 * lo, 50 * hi, COUNTER_SLACK_J);
  assert_between(j[1], 80 * lo, 80 * hi, COUNTER_SLACK_J);
  close_ok(&m);
}

static void uuids_from_device_id(void **state) {
  (void)state;
  describe("# index order is NVML's\n"
           "GPU-8f6c1a2b-3c4d-5e6f-7081-92a3b4c5d6e7 1000 energy\n"
           "\n"
           "GPU-00000000-1111-2222-3333-444444444444 2000 power\n"
           "GPU-ffffffff-eeee-dddd-cccc-bbbbbbbbbbbb 3000 energy\n");
  meter m = open_ok();
  assert_int_equal(M->domains(m.st, NULL, 0), 3);
  const char *one[1] = {NULL};
  assert_int_equal(M->domains(m.st, one, 1), 3);
  assert_string_equal(one[0], "gpu0");
  char id[96];
  assert_int_equal(M->device_id(m.st, 0, id, sizeof id), 0);
  assert_string_equal(id, "GPU-8f6c1a2b-3c4d-5e6f-7081-92a3b4c5d6e7");
  assert_int_equal(M->device_id(m.st, 1, id, sizeof id), 0);
  assert_string_equal(id, "GPU-00000000-1111-2222-3333-444444444444");
  assert_int_equal(M->device_id(m.st, 2, id, sizeof id), 0);
  assert_string_equal(id, "GPU-ffffffff-eeee-dddd-cccc-bbbbbbbbbbbb");
  assert_int_equal(M->device_id(m.st, 3, id, sizeof id), -EINVAL);
  assert_int_equal(M->device_id(m.st, 0, id, 10), -ERANGE);
  assert_null(es_nvml_method(m.st, 3));
  assert_null(es_nvml_method(NULL, 0));
  /* A read into fewer slots than domains fills only those. */
  double j[3] = {-1, -1, -1};
  assert_int_equal(M->read(m.st, j, 2), 0);
  assert_true(j[0] >= 0 && j[1] >= 0 && j[2] == -1);
  close_ok(&m);
}

static void missing_library_is_enoent(void **state) {
  (void)state;
  setenv(ES_NVML_LIB_ENV, "/nonexistent/libnvidia-ml.so.1", 1);
  open_fails(-ENOENT, "no NVML library (/nonexistent/libnvidia-ml.so.1: ");
  open_fails(-ENOENT, "no NVIDIA driver here");
}

/* Unset or empty: the driver's soname. A machine with NVIDIA's driver opens
 * it (or finds no GPU), so this runs only where it is absent: the message
 * names it. */
static void default_library_is_the_drivers(void **state) {
  (void)state;
  void *real = dlopen(ES_NVML_LIB_DEFAULT, RTLD_NOW | RTLD_LOCAL);
  if (real) { /* NVIDIA's driver is installed here: whether it opens depends on the GPUs */
    dlclose(real);
    return;
  }
  for (int k = 0; k < 2; k++) {
    if (k == 0)
      unsetenv(ES_NVML_LIB_ENV);
    else
      setenv(ES_NVML_LIB_ENV, "", 1);
    open_fails(-ENOENT, "no NVML library (" ES_NVML_LIB_DEFAULT ": ");
  }
}

static void library_without_nvml_is_enosys(void **state) {
  (void)state;
  setenv(ES_NVML_LIB_ENV, "libm.so.6", 1);
  open_fails(-ENOSYS, "libm.so.6 is not a usable NVML library: no nvmlInit_v2");
}

static void init_failure_is_enodev(void **state) {
  (void)state;
  describe("fail-init\nGPU-aaaa 1000 energy\n");
  open_fails(-ENODEV, "nvmlInit_v2 failed: Driver Not Loaded");
  /* and the next open, with the driver back, works */
  describe("GPU-aaaa 1000 energy\n");
  meter m = open_ok();
  close_ok(&m);
}

static void no_gpu_is_enodev(void **state) {
  (void)state;
  describe("");
  open_fails(-ENODEV, "NVML sees no GPU");
  assert_int_equal(standin_inits(), 0); /* shut down again */
}

static void gpu_without_energy_or_power_is_enodev(void **state) {
  (void)state;
  describe("GPU-aaaa 1000 energy\nGPU-9999 1000 none\n");
  open_fails(-ENODEV, "gpu1 (GPU-9999) reports neither an energy counter nor its power");
}

static void max_period_by_method(void **state) {
  (void)state;
  describe("GPU-aaaa 1000 energy\nGPU-bbbb 400000 energy\n");
  meter m = open_ok();
  assert_near(M->max_period(m.st, 0.0), ES_NVML_MAX_PERIOD_S, 1e-12);
  assert_near(M->max_period(m.st, NAN), ES_NVML_MAX_PERIOD_S, 1e-12);
  assert_near(M->max_period(m.st, 1e6), 10.0, 1e-12); /* 64-bit mJ: no wrap to outrun */
  close_ok(&m);
  describe("GPU-aaaa 1000 energy\nGPU-bbbb 400000 power\n");
  m = open_ok();
  assert_near(M->max_period(m.st, 0.0), 0.1, 1e-12);
  assert_near(M->max_period(m.st, -1.0), ES_NVML_POWER_PERIOD_S, 1e-12);
  close_ok(&m);
  assert_true(M->max_period(NULL, 100.0) == 0.0);
}

/* Two opens keep their own baselines; closing one leaves the other reading
 * (NVML's init count), and each close shuts down its own init. */
static void two_opens_are_independent(void **state) {
  (void)state;
  describe("GPU-aaaa 100000 energy\nGPU-bbbb 20000 power\n");
  meter a = open_ok();
  nap(0.2);
  meter b = open_ok();
  assert_int_equal(standin_inits(), 2);
  nap(0.2);
  double ja[2], jb[2], lo_a, hi_a, lo_b, hi_b;
  read_ok(&a, ja, 2, &lo_a, &hi_a);
  read_ok(&b, jb, 2, &lo_b, &hi_b);
  assert_between(ja[0], 100 * lo_a, 100 * hi_a, COUNTER_SLACK_J);
  assert_between(jb[0], 100 * lo_b, 100 * hi_b, COUNTER_SLACK_J);
  assert_between(ja[1], 20 * lo_a, 20 * hi_a, 0.001);
  assert_between(jb[1], 20 * lo_b, 20 * hi_b, 0.001);
  assert_true(ja[0] > 1.5 * jb[0]); /* a's baseline is 0.2 s older */
  close_ok(&a);
  assert_int_equal(standin_inits(), 1);
  nap(0.1);
  read_ok(&b, jb, 2, &lo_b, &hi_b);
  assert_between(jb[0], 100 * lo_b, 100 * hi_b, COUNTER_SLACK_J);
  close_ok(&b);
  assert_int_equal(standin_inits(), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(descriptor_is_a_gpu_meter, setup, teardown),
      cmocka_unit_test_setup_teardown(two_counters_track_real_time, setup, teardown),
      cmocka_unit_test_setup_teardown(power_only_integrated_at_10hz, setup, teardown),
      cmocka_unit_test_setup_teardown(power_integrated_by_trapezoid, setup, teardown),
      cmocka_unit_test_setup_teardown(mixed_counter_and_power_through_a_step, setup, teardown),
      cmocka_unit_test_setup_teardown(counter_reset_counts_the_new_value, setup, teardown),
      cmocka_unit_test_setup_teardown(failed_read_updates_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(uuids_from_device_id, setup, teardown),
      cmocka_unit_test_setup_teardown(missing_library_is_enoent, setup, teardown),
      cmocka_unit_test_setup_teardown(default_library_is_the_drivers, setup, teardown),
      cmocka_unit_test_setup_teardown(library_without_nvml_is_enosys, setup, teardown),
      cmocka_unit_test_setup_teardown(init_failure_is_enodev, setup, teardown),
      cmocka_unit_test_setup_teardown(no_gpu_is_enodev, setup, teardown),
      cmocka_unit_test_setup_teardown(gpu_without_energy_or_power_is_enodev, setup, teardown),
      cmocka_unit_test_setup_teardown(max_period_by_method, setup, teardown),
      cmocka_unit_test_setup_teardown(two_opens_are_independent, setup, teardown),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
