/*
 * test_hostmeter.c - attribution of package joules among participants by
 * CPU time (DESIGN §5): the arithmetic of one interval, /proc/stat busy
 * time, and the hostmeter end to end on a fixture RAPL tree whose counter
 * the test advances (wraps included) with participants whose CPU time the
 * test scripts, so every expected figure is exact.
 *
 * It does not touch /sys: the powercap root is a mkdtemp directory.
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
#include "meters/powercap.h"

static char root[64];

static int setup(void **state) {
  (void)state;
  snprintf(root, sizeof root, "/tmp/es-hostmeter-XXXXXX");
  return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  unsetenv(ES_POWERCAP_ROOT_ENV);
  unsetenv(ES_SAMPLE_HZ_ENV);
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

static void set_counter(double joules) {
  char buf[64];
  snprintf(buf, sizeof buf, "%llu\n", (unsigned long long)llround(joules * 1e6));
  put("intel-rapl:0/energy_uj", buf);
}

/* A package zone with a core subzone (never counted), range in joules. */
static void make_package(double range_j) {
  char path[256], buf[64];
  snprintf(path, sizeof path, "%s/intel-rapl:0", root);
  assert_int_equal(mkdir(path, 0755), 0);
  snprintf(path, sizeof path, "%s/intel-rapl:0/intel-rapl:0:0", root);
  assert_int_equal(mkdir(path, 0755), 0);
  put("intel-rapl:0/name", "package-0\n");
  snprintf(buf, sizeof buf, "%llu\n", (unsigned long long)llround(range_j * 1e6));
  put("intel-rapl:0/max_energy_range_uj", buf);
  put("intel-rapl:0/intel-rapl:0:0/name", "core\n");
  put("intel-rapl:0/intel-rapl:0:0/max_energy_range_uj", buf);
  put("intel-rapl:0/intel-rapl:0:0/energy_uj", "0\n");
  set_counter(0);
  setenv(ES_POWERCAP_ROOT_ENV, root, 1);
}

/* ---- one interval --------------------------------------------------------- */

static void interval_shares_by_cpu_time(void **state) {
  (void)state;
  double dc[2] = {1.0, 0.5}, out[2] = {0, 0};
  es_overhead oh = {0};
  /* busy 2 CPU-s: trials 1.5, ecosweep 0.1, others 0.4 */
  es_attribute_interval(100.0, 2.0, 0.1, dc, 2, out, &oh);
  assert_near(out[0], 50.0, 1e-12);
  assert_near(out[1], 25.0, 1e-12);
  assert_near(oh.ecosweep_j, 5.0, 1e-12);
  assert_near(oh.other_j, 20.0, 1e-12);
  assert_near(oh.idle_j, 0.0, 0);
  assert_near(out[0] + out[1] + oh.ecosweep_j + oh.other_j + oh.idle_j, 100.0, 1e-12);
}

static void interval_idle_goes_to_overhead(void **state) {
  (void)state;
  double dc[1] = {0}, out[1] = {0};
  es_overhead oh = {0};
  es_attribute_interval(7.0, 0.0, 0.0, dc, 1, out, &oh);
  assert_near(out[0], 0, 0);
  assert_near(oh.idle_j, 7.0, 0);
  assert_near(oh.other_j + oh.ecosweep_j, 0, 0);
  /* Nobody measured, but the machine was busy: all to other processes. */
  es_attribute_interval(3.0, 1.0, 0.0, dc, 1, out, &oh);
  assert_near(oh.other_j, 3.0, 1e-12);
}

static void interval_parts_above_busy_are_clamped(void **state) {
  (void)state;
  /* /proc/stat ticks lag a cgroup's microseconds: parts 1.5 > busy 1.0. */
  double dc[2] = {1.0, 0.5}, out[2] = {0, 0};
  es_overhead oh = {0};
  es_attribute_interval(30.0, 1.0, 0.0, dc, 2, out, &oh);
  assert_near(out[0], 20.0, 1e-12);
  assert_near(out[1], 10.0, 1e-12);
  assert_near(oh.other_j, 0.0, 1e-12);
}

static void interval_negative_deltas_count_nothing(void **state) {
  (void)state;
  double dc[2] = {-1.0, 1.0}, out[2] = {0, 0};
  es_overhead oh = {0};
  es_attribute_interval(10.0, 2.0, -0.5, dc, 2, out, &oh);
  assert_near(out[0], 0, 0);
  assert_near(out[1], 5.0, 1e-12);
  assert_near(oh.ecosweep_j, 0, 0);
  assert_near(oh.other_j, 5.0, 1e-12);
}

/* ---- /proc/stat ------------------------------------------------------------- */

static void proc_busy_sums_busy_fields(void **state) {
  (void)state;
  /* user nice system idle iowait irq softirq steal guest guest_nice */
  put("stat", "cpu  100 5 50 1000 10 3 2 40 7 0\ncpu0 50 2 25 500 5 1 1 20 3 0\n");
  double busy = 0;
  assert_int_equal(es_proc_busy(root, &busy), 0);
  long hz = sysconf(_SC_CLK_TCK);
  assert_near(busy, 200.0 / (double)hz, 1e-12); /* idle, iowait, guest left out */
  put("stat", "intr 1 2 3\n");
  assert_int_equal(es_proc_busy(root, &busy), -EINVAL);
  char missing[128];
  snprintf(missing, sizeof missing, "%s/nope", root);
  assert_int_equal(es_proc_busy(missing, &busy), -ENOENT);
  /* The real one reads. */
  assert_int_equal(es_proc_busy(NULL, &busy), 0);
  assert_true(busy > 0);
}

/* ---- the hostmeter on a fixture package ------------------------------------ */

/* Scripted CPU time: far more CPU-seconds per interval than the machine
 * can have been busy, so the share denominator is exactly the parts. */
typedef struct {
  double cpu;
  int fail;
} script;

static int scripted_cpu(es_meter_share *s, double *cpu_s) {
  script *sc = s->ctx;
  if (sc->fail) return -ESRCH;
  *cpu_s = sc->cpu;
  return 0;
}

static void check_invariant(es_hostmeter *h) {
  double total, parts;
  es_overhead oh;
  es_hostmeter_totals(h, &total, &parts, &oh, NULL, 0);
  assert_near(parts + oh.ecosweep_j + oh.other_j + oh.idle_j + oh.gpu_idle_j, total, 1e-9 * (1 + total));
}

static void shares_follow_cpu_time(void **state) {
  (void)state;
  make_package(1000.0);
  es_hostmeter *h = NULL;
  char why[256];
  assert_int_equal(es_hostmeter_open(&h, &es_meter_rapl, NULL, NULL, why, sizeof why), 0);
  const char *names[4];
  assert_int_equal(es_hostmeter_domains(h, names, 4), 1);
  assert_string_equal(names[0], "package-0");

  script a = {5.0, 0}, b = {7.0, 0};
  es_meter_share sa = {.read_cpu = scripted_cpu, .ctx = &a}, sb = {.read_cpu = scripted_cpu, .ctx = &b};
  es_hostmeter_join(h, &sa);
  es_hostmeter_join(h, &sb);
  a.cpu += 2000.0; /* 2000 CPU-s against 1000: no real busy time or self time competes */
  b.cpu += 1000.0;
  set_counter(300.0);
  put("intel-rapl:0/intel-rapl:0:0/energy_uj", "250000000\n"); /* core: never added */
  assert_int_equal(es_hostmeter_sample(h), 0);
  assert_near(es_hostmeter_share_joules(&sa), 200.0, 1e-3);
  assert_near(es_hostmeter_share_joules(&sb), 100.0, 1e-3);
  assert_near(es_hostmeter_share_joules(&sa) / es_hostmeter_share_joules(&sb), 2.0, 1e-5);
  check_invariant(h);

  /* The counter wraps (range 1000 J): 300 -> 900 -> 100 is 800 J more. */
  a.cpu += 1000.0;
  set_counter(900.0);
  assert_int_equal(es_hostmeter_sample(h), 0);
  b.cpu += 1000.0;
  set_counter(100.0);
  assert_int_equal(es_hostmeter_sample(h), 0);
  double total;
  es_hostmeter_totals(h, &total, NULL, NULL, NULL, 0);
  assert_near(total, 1100.0, 1e-6);
  assert_near(es_hostmeter_share_joules(&sa), 200.0 + 600.0, 1e-2);
  assert_near(es_hostmeter_share_joules(&sb), 100.0 + 200.0, 1e-2);
  check_invariant(h);
  es_hostmeter_close(h);
}

static void leave_uses_the_final_cpu_time(void **state) {
  (void)state;
  make_package(1e6);
  es_hostmeter *h = NULL;
  char why[256];
  assert_int_equal(es_hostmeter_open(&h, &es_meter_rapl, NULL, NULL, why, sizeof why), 0);
  script a = {0, 0}, b = {0, 0};
  es_meter_share sa = {.read_cpu = scripted_cpu, .ctx = &a}, sb = {.read_cpu = scripted_cpu, .ctx = &b};
  es_hostmeter_join(h, &sa);
  es_hostmeter_join(h, &sb);
  /* a has exited: its reader fails now, its exact final time is given. */
  a.fail = 1;
  b.cpu = 3000.0;
  set_counter(40.0);
  assert_int_equal(es_hostmeter_leave(h, &sa, 1000.0), 0);
  assert_near(es_hostmeter_share_joules(&sa), 10.0, 1e-3);
  assert_near(es_hostmeter_share_joules(&sb), 30.0, 1e-3);
  /* After leaving, a gets nothing more. */
  b.cpu += 1000.0;
  set_counter(50.0);
  assert_int_equal(es_hostmeter_sample(h), 0);
  assert_near(es_hostmeter_share_joules(&sa), 10.0, 1e-3);
  assert_near(es_hostmeter_share_joules(&sb), 40.0, 1e-3);
  /* A reader that fails counts no new CPU time; the interval goes elsewhere. */
  b.fail = 1;
  set_counter(60.0);
  assert_int_equal(es_hostmeter_sample(h), 0);
  assert_near(es_hostmeter_share_joules(&sb), 40.0, 1e-3);
  check_invariant(h);
  es_hostmeter_leave(h, &sb, 4000.0);
  es_hostmeter_close(h);
}

static void failed_read_defers_the_interval(void **state) {
  (void)state;
  make_package(1e6);
  es_hostmeter *h = NULL;
  char why[256];
  assert_int_equal(es_hostmeter_open(&h, &es_meter_rapl, NULL, NULL, why, sizeof why), 0);
  script a = {0, 0};
  es_meter_share sa = {.read_cpu = scripted_cpu, .ctx = &a};
  es_hostmeter_join(h, &sa);
  put("intel-rapl:0/energy_uj", "garbage\n");
  a.cpu = 1000.0;
  assert_true(es_hostmeter_sample(h) < 0);
  assert_near(es_hostmeter_share_joules(&sa), 0, 0);
  set_counter(12.0);
  assert_int_equal(es_hostmeter_sample(h), 0);
  assert_near(es_hostmeter_share_joules(&sa), 12.0, 1e-3); /* nothing lost */
  check_invariant(h);
  es_hostmeter_leave(h, &sa, 1000.0);
  es_hostmeter_close(h);
}

static void period_from_rate_and_wraps(void **state) {
  (void)state;
  make_package(1000.0);
  es_hostmeter *h = NULL;
  char why[256];
  assert_int_equal(es_hostmeter_open(&h, &es_meter_rapl, NULL, NULL, why, sizeof why), 0);
  assert_near(es_hostmeter_period(h), 0.1, 1e-12); /* 10 Hz by default */
  es_hostmeter_close(h);
  setenv(ES_SAMPLE_HZ_ENV, "20", 1);
  assert_int_equal(es_hostmeter_open(&h, &es_meter_rapl, NULL, NULL, why, sizeof why), 0);
  assert_near(es_hostmeter_period(h), 0.05, 1e-12);
  es_hostmeter_close(h);
  setenv(ES_SAMPLE_HZ_ENV, "nonsense", 1);
  assert_int_equal(es_hostmeter_open(&h, &es_meter_rapl, NULL, NULL, why, sizeof why), 0);
  assert_near(es_hostmeter_period(h), 0.1, 1e-12);
  es_hostmeter_close(h);
  unsetenv(ES_SAMPLE_HZ_ENV);
}

static void short_range_shortens_the_period(void **state) {
  (void)state;
  make_package(0.5); /* wraps every 10 ms at 50 W */
  es_hostmeter *h = NULL;
  char why[256];
  assert_int_equal(es_hostmeter_open(&h, &es_meter_rapl, NULL, NULL, why, sizeof why), 0);
  /* Unknown power is taken as 1 W: 0.5 * 0.5 J / 1 W. */
  assert_near(es_hostmeter_period(h), 0.25 < 0.1 ? 0.25 : 0.1, 1e-12);
  usleep(20000);
  set_counter(0.4);
  assert_int_equal(es_hostmeter_sample(h), 0); /* now about 20 W */
  double p = es_hostmeter_period(h);
  assert_true(p < 0.1);
  assert_true(p > 0);
  es_hostmeter_close(h);
}

static void open_errors(void **state) {
  (void)state;
  es_hostmeter *h = NULL;
  char why[256];
  setenv(ES_POWERCAP_ROOT_ENV, "/nonexistent-es-root", 1);
  assert_int_equal(es_hostmeter_open(&h, &es_meter_rapl, NULL, NULL, why, sizeof why), -ENOENT);
  assert_null(h);
  assert_non_null(strstr(why, "no RAPL powercap interface at /nonexistent-es-root"));
  assert_int_equal(es_hostmeter_open(&h, &es_meter_estimate, NULL, NULL, why, sizeof why), -EINVAL);
  assert_int_equal(es_hostmeter_open(&h, NULL, NULL, NULL, why, sizeof why), -EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(interval_shares_by_cpu_time),
      cmocka_unit_test(interval_idle_goes_to_overhead),
      cmocka_unit_test(interval_parts_above_busy_are_clamped),
      cmocka_unit_test(interval_negative_deltas_count_nothing),
      cmocka_unit_test_setup_teardown(proc_busy_sums_busy_fields, setup, teardown),
      cmocka_unit_test_setup_teardown(shares_follow_cpu_time, setup, teardown),
      cmocka_unit_test_setup_teardown(leave_uses_the_final_cpu_time, setup, teardown),
      cmocka_unit_test_setup_teardown(failed_read_defers_the_interval, setup, teardown),
      cmocka_unit_test_setup_teardown(period_from_rate_and_wraps, setup, teardown),
      cmocka_unit_test_setup_teardown(short_range_shortens_the_period, setup, teardown),
      cmocka_unit_test_setup_teardown(open_errors, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
