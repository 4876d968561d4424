/*
 * test_meter.c - the meter registry: "auto" and meter lists against fixture
 * RAPL trees and a missing NVML, the visible fallback, probing, the
 * estimate's CPU model table and RAM term, carbon; and GPU attribution
 * through the NVML stand-in library (a GPU held by a participant is its in
 * full, an idle one is overhead).
 */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/helpers.h"

#include "meters/hostmeter.h"
#include "meters/meter.h"
#include "meters/powercap.h"

static char root[64];

/* Every hardware meter pointed at nothing, unless a test points one back. */
static int setup(void **state) {
  (void)state;
  snprintf(root, sizeof root, "/tmp/es-meter-XXXXXX");
  if (!mkdtemp(root)) return -1;
  char none[128];
  snprintf(none, sizeof none, "%s/none", root);
  setenv("ECOSWEEP_POWERCAP_ROOT", none, 1);
  setenv("ECOSWEEP_PERF_ROOT", none, 1);
  setenv("ECOSWEEP_HWMON_ROOT", none, 1);
  snprintf(none, sizeof none, "%s/none/libnvidia-ml.so.1", root);
  setenv("ECOSWEEP_NVML_LIB", none, 1);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  return es_test_rm_tree(root);
}

static void put(const char *rel, const char *text) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void rapl_tree(void) {
  char path[256];
  snprintf(path, sizeof path, "%s/rapl", root);
  assert_int_equal(mkdir(path, 0755), 0);
  snprintf(path, sizeof path, "%s/rapl/intel-rapl:0", root);
  assert_int_equal(mkdir(path, 0755), 0);
  put("rapl/intel-rapl:0/name", "package-0\n");
  put("rapl/intel-rapl:0/energy_uj", "1000\n");
  put("rapl/intel-rapl:0/max_energy_range_uj", "262143328850\n");
  snprintf(path, sizeof path, "%s/rapl", root);
  setenv("ECOSWEEP_POWERCAP_ROOT", path, 1);
}

static void auto_without_hardware_falls_back_visibly(void **state) {
  (void)state;
  char *names[] = {"auto", NULL}, err[256];
  es_meter_choice ch;
  es_meter_config cfg = {0, -1, 0};
  assert_int_equal(es_meter_select(names, &cfg, 1, &ch, err, sizeof err), 0);
  assert_ptr_equal(ch.cpu, &es_meter_estimate);
  assert_null(ch.gpu);
  assert_true(ch.cpu->estimate);
  /* Each better meter is named with its reason, in auto's order. */
  char *r = strstr(ch.fallback, "rapl: no RAPL powercap interface at ");
  char *p = strstr(ch.fallback, "; perf: ");
  char *h = strstr(ch.fallback, "; hwmon: no hwmon at ");
  assert_non_null(r);
  assert_non_null(p);
  assert_non_null(h);
  assert_true(r < p && p < h);
}

static void auto_prefers_rapl(void **state) {
  (void)state;
  rapl_tree();
  char *names[] = {"auto", NULL}, err[256];
  es_meter_choice ch;
  assert_int_equal(es_meter_select(names, NULL, 0, &ch, err, sizeof err), 0);
  assert_ptr_equal(ch.cpu, &es_meter_rapl);
  assert_false(ch.cpu->estimate);
  assert_string_equal(ch.fallback, "");
}

static void a_list_is_an_order_of_preference(void **state) {
  (void)state;
  char *names[] = {"rapl", "estimate", NULL}, err[256];
  es_meter_choice ch;
  assert_int_equal(es_meter_select(names, NULL, 0, &ch, err, sizeof err), 0);
  assert_ptr_equal(ch.cpu, &es_meter_estimate);
  assert_non_null(strstr(ch.fallback, "rapl: no RAPL powercap interface"));
  rapl_tree();
  assert_int_equal(es_meter_select(names, NULL, 0, &ch, err, sizeof err), 0);
  assert_ptr_equal(ch.cpu, &es_meter_rapl);
}

static void a_named_meter_that_is_missing_is_an_error(void **state) {
  (void)state;
  char *names[] = {"rapl", NULL}, err[512];
  es_meter_choice ch;
  assert_int_equal(es_meter_select(names, NULL, 0, &ch, err, sizeof err), -ENODEV);
  assert_non_null(strstr(err, "meters[0]: rapl is unavailable: no RAPL powercap interface at "));
  char *gpu[] = {"estimate", "nvml", NULL};
  assert_int_equal(es_meter_select(gpu, NULL, 1, &ch, err, sizeof err), -ENODEV);
  assert_non_null(strstr(err, "meters[1]: nvml is unavailable: no NVML library"));
  char *bad[] = {"joulemeter", NULL};
  assert_int_equal(es_meter_select(bad, NULL, 0, &ch, err, sizeof err), -EINVAL);
  assert_non_null(strstr(err, "unknown meter \"joulemeter\" (valid: auto, rapl, perf, hwmon, nvml, estimate, reported)"));
}

static void probe_reports_domains_and_resolution(void **state) {
  (void)state;
  char why[256], dom[128], res[128];
  assert_true(es_meter_probe(&es_meter_rapl, NULL, why, sizeof why, dom, sizeof dom, res, sizeof res) < 0);
  assert_string_equal(dom, "");
  rapl_tree();
  assert_int_equal(es_meter_probe(&es_meter_rapl, NULL, why, sizeof why, dom, sizeof dom, res, sizeof res), 0);
  assert_string_equal(dom, "package-0");
  assert_non_null(strstr(res, "1 uJ counters"));
  es_meter_config cfg = {0, -1, 0};
  assert_int_equal(es_meter_probe(&es_meter_estimate, &cfg, why, sizeof why, dom, sizeof dom, NULL, 0), 0);
  assert_string_equal(dom, "trial");
  assert_non_null(strstr(why, "W per busy CPU"));
}

static void estimate_model_table_and_ram_term(void **state) {
  (void)state;
  char src[128];
  assert_near(es_estimate_model_watts("AMD EPYC 7763 64-Core Processor", src, sizeof src), 280.0 / 64, 1e-12);
  assert_non_null(strstr(src, "EPYC 7763: 280 W TDP / 64 cores"));
  assert_near(es_estimate_model_watts("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", NULL, 0), 7.5, 1e-12);
  assert_near(es_estimate_model_watts("Intel(R) Xeon(R) Processor @ 2.50GHz", src, sizeof src),
              ES_ESTIMATE_CPU_WATTS_DEFAULT, 0);
  assert_non_null(strstr(src, "default"));
  /* The spec's figures win; the RAM term is per GiB of peak RSS by default. */
  es_meter_config cfg = {5.0, -1, 0};
  es_trial_usage u = {.cpu_s = 3.0, .wall_s = 10.0, .rss_gib = 2.0};
  double j;
  assert_int_equal(es_meter_estimate.trial_joules(&cfg, &u, &j), 0);
  assert_near(j, 3.0 * 5.0 + 10.0 * 2.0 * ES_ESTIMATE_RAM_W_PER_GIB, 1e-12);
  cfg.ram_watts = 1.5; /* flat watts while it runs */
  assert_int_equal(es_meter_estimate.trial_joules(&cfg, &u, &j), 0);
  assert_near(j, 15.0 + 15.0, 1e-12);
  /* reported: the trial's own figure, none before it reports. */
  u.has_reported = 0;
  assert_int_equal(es_meter_reported.trial_joules(NULL, &u, &j), -ENODATA);
  u.has_reported = 1;
  u.reported_j = 42;
  assert_int_equal(es_meter_reported.trial_joules(NULL, &u, &j), 0);
  assert_near(j, 42, 0);
}

static void carbon(void **state) {
  (void)state;
  assert_near(es_co2_grams(3.6e6, ES_CARBON_G_PER_KWH_DEFAULT, ES_CARBON_PUE_DEFAULT), 475.0, 1e-9);
  assert_near(es_co2_grams(3.6e6, 100, 1.5), 150.0, 1e-9);
}

/* ---- GPUs through the NVML stand-in --------------------------------------- */

static int standin(void) {
  const char *dir = getenv("ECOSWEEP_BUILD_DIR");
  char lib[512];
  snprintf(lib, sizeof lib, "%s/tests/libnvml_standin.so", dir ? dir : "build");
  if (access(lib, R_OK) != 0) return -1;
  setenv("ECOSWEEP_NVML_LIB", lib, 1);
  char desc[128];
  snprintf(desc, sizeof desc, "%s/gpus.txt", root);
  setenv("ECOSWEEP_NVML_STANDIN", desc, 1);
  return 0;
}

static int no_cpu(es_meter_share *s, double *cpu_s) {
  (void)s;
  *cpu_s = 0;
  return 0;
}

static void gpus_go_whole_to_their_holder(void **state) {
  (void)state;
  if (standin() != 0) skip();
  put("gpus.txt", "GPU-aaaa 100000 energy\nGPU-bbbb 50000 power\n");
  char *names[] = {"auto", NULL}, err[256];
  es_meter_choice ch;
  assert_int_equal(es_meter_select(names, NULL, 1, &ch, err, sizeof err), 0);
  assert_ptr_equal(ch.gpu, &es_meter_nvml);
  es_hostmeter *h = NULL;
  char why[256];
  assert_int_equal(es_hostmeter_open(&h, NULL, &es_meter_nvml, NULL, why, sizeof why), 0);
  assert_int_equal(es_hostmeter_gpu_count(h), 2);
  char id[80];
  assert_int_equal(es_hostmeter_gpu_id(h, 1, id, sizeof id), 0);
  assert_string_equal(id, "GPU-bbbb");
  es_meter_share s = {.read_cpu = no_cpu, .n_gpus = 1, .gpus = {0}};
  es_hostmeter_join(h, &s);
  for (int i = 0; i < 5; i++) {
    usleep(60000);
    assert_int_equal(es_hostmeter_sample(h), 0);
  }
  assert_int_equal(es_hostmeter_leave(h, &s, 0), 0);
  double total, parts;
  es_overhead oh;
  es_hostmeter_totals(h, &total, &parts, &oh, NULL, 0);
  /* GPU 0 (100 W) was the participant's, GPU 1 (50 W) idle: 2:1. */
  assert_near(s.gpu_j / oh.gpu_idle_j, 2.0, 0.15);
  assert_true(s.gpu_j > 100 * 0.25);
  assert_near(s.cpu_j, 0, 0);
  assert_near(parts + oh.gpu_idle_j + oh.ecosweep_j + oh.other_j + oh.idle_j, total, 1e-9 * total);
  es_hostmeter_close(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(auto_without_hardware_falls_back_visibly, setup, teardown),
      cmocka_unit_test_setup_teardown(auto_prefers_rapl, setup, teardown),
      cmocka_unit_test_setup_teardown(a_list_is_an_order_of_preference, setup, teardown),
      cmocka_unit_test_setup_teardown(a_named_meter_that_is_missing_is_an_error, setup, teardown),
      cmocka_unit_test_setup_teardown(probe_reports_domains_and_resolution, setup, teardown),
      cmocka_unit_test_setup_teardown(estimate_model_table_and_ram_term, setup, teardown),
      cmocka_unit_test_setup_teardown(carbon, setup, teardown),
      cmocka_unit_test_setup_teardown(gpus_go_whole_to_their_holder, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
