/*
 * test_powercap.c - the powercap RAPL reader against fixture trees built in a
 * mkdtemp directory: which zones are counted (packages and dram; never core,
 * uncore or the mmio duplicate; psys only when asked or without packages),
 * deltas and wraps, a counter advancing in real time, the root-only
 * energy_uj error (end to end, dropping to nobody when run as root), a
 * missing root, $ECOSWEEP_POWERCAP_ROOT, and the poll-period advice.
 *
 * It does not touch /sys: this project's CI machines have no powercap.
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/helpers.h"

#include "meters/powercap.h"

#define RANGE_UJ 262143328850ULL /* a common real max_energy_range_uj */

static char root[64];

static int setup(void **state) {
  (void)state;
  snprintf(root, sizeof root, "/tmp/es-powercap-XXXXXX");
  return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  unsetenv(ES_POWERCAP_ROOT_ENV);
  return es_test_rm_tree(root);
}

static void write_file(const char *rel, const char *file, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s/%s", root, rel, file);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
}

static void set_energy(const char *rel, uint64_t uj) {
  char text[32];
  snprintf(text, sizeof text, "%llu\n", (unsigned long long)uj);
  write_file(rel, "energy_uj", text);
}

/* A zone directory rel (parents made first by the caller's order). */
static void make_zone(const char *rel, const char *name, uint64_t energy_uj, uint64_t range_uj) {
  char path[512], text[64];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  assert_int_equal(mkdir(path, 0755), 0);
  snprintf(text, sizeof text, "%s\n", name);
  write_file(rel, "name", text);
  set_energy(rel, energy_uj);
  snprintf(text, sizeof text, "%llu\n", (unsigned long long)range_uj);
  write_file(rel, "max_energy_range_uj", text);
}

/* sysfs links every zone, subzones included, at the top level. */
static void link_top(const char *target, const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", root, name);
  assert_int_equal(symlink(target, path), 0);
}

/* Two packages with core/uncore/dram (package 1 without uncore), the mmio
 * duplicate of package 0, and the "intel-rapl" control-type directory. */
static void make_two_packages(void) {
  char path[512];
  snprintf(path, sizeof path, "%s/intel-rapl", root);
  assert_int_equal(mkdir(path, 0755), 0);
  make_zone("intel-rapl:0", "package-0", 1000000, RANGE_UJ);
  make_zone("intel-rapl:0/intel-rapl:0:0", "core", 1000000, RANGE_UJ);
  make_zone("intel-rapl:0/intel-rapl:0:1", "uncore", 1000000, RANGE_UJ);
  make_zone("intel-rapl:0/intel-rapl:0:2", "dram", 1000000, 65532610987ULL);
  make_zone("intel-rapl:1", "package-1", 1000000, RANGE_UJ);
  make_zone("intel-rapl:1/intel-rapl:1:0", "core", 1000000, RANGE_UJ);
  make_zone("intel-rapl:1/intel-rapl:1:1", "dram", 1000000, 65532610987ULL);
  make_zone("intel-rapl-mmio:0", "package-0", 1000000, RANGE_UJ);
  link_top("intel-rapl:0/intel-rapl:0:0", "intel-rapl:0:0");
  link_top("intel-rapl:0/intel-rapl:0:2", "intel-rapl:0:2");
  link_top("intel-rapl:1/intel-rapl:1:1", "intel-rapl:1:1");
}

static es_powercap *open_ok(int want_psys) {
  es_powercap *p = NULL;
  char why[512] = "";
  int rc = es_powercap_open(&p, root, want_psys, why, sizeof why);
  if (rc != 0) fail_msg("es_powercap_open: %d: %s", rc, why);
  assert_non_null(p);
  return p;
}

static double read_total(es_powercap *p) {
  double total = -1;
  assert_int_equal(es_powercap_read(p, &total, NULL, 0), 0);
  return total;
}

static void discovery_counts_packages_and_dram_only(void **state) {
  (void)state;
  make_two_packages();
  es_powercap *p = open_ok(0);
  const char *names[8] = {NULL};
  assert_int_equal(es_powercap_domains(p, names, 8), 4);
  assert_string_equal(names[0], "package-0");
  assert_string_equal(names[1], "package-1");
  assert_string_equal(names[2], "dram-0");
  assert_string_equal(names[3], "dram-1");
  assert_null(names[4]);
  assert_int_equal(es_powercap_domains(p, NULL, 0), 4);
  const char *one[1] = {NULL};
  assert_int_equal(es_powercap_domains(p, one, 1), 4);
  assert_string_equal(one[0], "package-0");
  es_powercap_close(p);
}

static void core_and_uncore_never_counted(void **state) {
  (void)state;
  make_two_packages();
  es_powercap *p = open_ok(0);
  set_energy("intel-rapl:0/intel-rapl:0:0", 9000000);
  set_energy("intel-rapl:0/intel-rapl:0:1", 7000000);
  set_energy("intel-rapl:1/intel-rapl:1:0", 5000000);
  assert_true(read_total(p) == 0.0);
  set_energy("intel-rapl:0", 4000000);      /* +3 J */
  set_energy("intel-rapl:0/intel-rapl:0:2", 1500000); /* +0.5 J */
  double per[4] = {-1, -1, -1, -1};
  double total = -1;
  assert_int_equal(es_powercap_read(p, &total, per, 4), 0);
  assert_near(total, 3.5, 1e-9);
  assert_near(per[0], 3.0, 1e-9);
  assert_near(per[1], 0.0, 1e-9);
  assert_near(per[2], 0.5, 1e-9);
  assert_near(per[3], 0.0, 1e-9);
  es_powercap_close(p);
}

/* The plain case: one package whose only subzone is core, and core moves. */
static void core_subzone_alone_not_counted(void **state) {
  (void)state;
  make_zone("intel-rapl:0", "package-0", 0, RANGE_UJ);
  make_zone("intel-rapl:0/intel-rapl:0:0", "core", 0, RANGE_UJ);
  link_top("intel-rapl:0/intel-rapl:0:0", "intel-rapl:0:0");
  es_powercap *p = open_ok(0);
  const char *names[4] = {NULL};
  assert_int_equal(es_powercap_domains(p, names, 4), 1);
  assert_string_equal(names[0], "package-0");
  set_energy("intel-rapl:0/intel-rapl:0:0", 6000000);
  assert_true(read_total(p) == 0.0);
  es_powercap_close(p);
}

static void mmio_duplicate_counted_once(void **state) {
  (void)state;
  make_zone("intel-rapl:0", "package-0", 0, RANGE_UJ);
  make_zone("intel-rapl:0/intel-rapl:0:0", "dram", 0, RANGE_UJ);
  make_zone("intel-rapl-mmio:0", "package-0", 0, RANGE_UJ);
  es_powercap *p = open_ok(0);
  const char *names[4] = {NULL};
  assert_int_equal(es_powercap_domains(p, names, 4), 2);
  assert_string_equal(names[0], "package-0");
  assert_string_equal(names[1], "dram"); /* the only dram: plain name, as in DESIGN §5 */
  set_energy("intel-rapl:0", 2000000);
  set_energy("intel-rapl-mmio:0", 2000000); /* the same joules, seen twice */
  assert_near(read_total(p), 2.0, 1e-9);
  set_energy("intel-rapl-mmio:0", 9000000); /* MSR is the one read */
  assert_near(read_total(p), 2.0, 1e-9);
  es_powercap_close(p);
}

static void mmio_used_when_msr_unreadable(void **state) {
  (void)state;
  char path[512];
  make_zone("intel-rapl:0", "package-0", 0, RANGE_UJ);
  make_zone("intel-rapl-mmio:0", "package-0", 0, RANGE_UJ);
  /* An energy_uj that cannot be read even as root: a directory (EISDIR). */
  snprintf(path, sizeof path, "%s/intel-rapl:0/energy_uj", root);
  assert_int_equal(unlink(path), 0);
  assert_int_equal(mkdir(path, 0755), 0);
  es_powercap *p = open_ok(0);
  assert_int_equal(es_powercap_domains(p, NULL, 0), 1);
  set_energy("intel-rapl-mmio:0", 1250000);
  assert_near(read_total(p), 1.25, 1e-9);
  es_powercap_close(p);
}

static void psys_only_when_asked_or_without_packages(void **state) {
  (void)state;
  make_zone("intel-rapl:0", "package-0", 0, RANGE_UJ);
  make_zone("intel-rapl:1", "psys", 0, RANGE_UJ);
  const char *names[4] = {NULL};

  es_powercap *p = open_ok(0);
  assert_int_equal(es_powercap_domains(p, names, 4), 1);
  assert_string_equal(names[0], "package-0");
  es_powercap_close(p);

  p = open_ok(1); /* psys holds the package: counted alone, never both */
  assert_int_equal(es_powercap_domains(p, names, 4), 1);
  assert_string_equal(names[0], "psys");
  set_energy("intel-rapl:0", 5000000);
  set_energy("intel-rapl:1", 8000000);
  assert_near(read_total(p), 8.0, 1e-9);
  es_powercap_close(p);

  char path[512];
  snprintf(path, sizeof path, "%s/intel-rapl:0/name", root);
  assert_int_equal(unlink(path), 0); /* now no zone says it is a package */
  p = open_ok(0);
  assert_int_equal(es_powercap_domains(p, names, 4), 1);
  assert_string_equal(names[0], "psys");
  es_powercap_close(p);
}

static void psys_asked_but_absent_is_enodev(void **state) {
  (void)state;
  make_zone("intel-rapl:0", "package-0", 0, RANGE_UJ);
  es_powercap *p = (es_powercap *)&p;
  char why[512] = "";
  assert_int_equal(es_powercap_open(&p, root, 1, why, sizeof why), -ENODEV);
  assert_null(p);
  assert_non_null(strstr(why, "no psys zone"));
}

static void empty_root_is_enodev(void **state) {
  (void)state;
  make_zone("intel-rapl:0", "core", 0, RANGE_UJ); /* nothing countable */
  es_powercap *p = NULL;
  char why[512] = "";
  assert_int_equal(es_powercap_open(&p, root, 0, why, sizeof why), -ENODEV);
  assert_null(p);
  assert_non_null(strstr(why, "no RAPL package or psys zone under"));
  assert_non_null(strstr(why, root));
}

static void reading_deltas(void **state) {
  (void)state;
  make_zone("intel-rapl:0", "package-0", 1000000, RANGE_UJ);
  es_powercap *p = open_ok(0);
  assert_true(read_total(p) == 0.0);
  set_energy("intel-rapl:0", 3500000);
  assert_near(read_total(p), 2.5, 1e-9);
  assert_near(read_total(p), 2.5, 1e-9); /* unchanged counter: nothing added */
  set_energy("intel-rapl:0", 3500001);
  assert_near(read_total(p), 2.500001, 1e-12);
  es_powercap_close(p);
}

static void failed_read_updates_nothing(void **state) {
  (void)state;
  make_zone("intel-rapl:0", "package-0", 0, RANGE_UJ);
  make_zone("intel-rapl:0/intel-rapl:0:0", "dram", 0, RANGE_UJ);
  es_powercap *p = open_ok(0);
  set_energy("intel-rapl:0", 1000000);
  write_file("intel-rapl:0/intel-rapl:0:0", "energy_uj", "garbage\n");
  double total = 42;
  assert_int_equal(es_powercap_read(p, &total, NULL, 0), -EINVAL);
  assert_true(total == 42);
  set_energy("intel-rapl:0/intel-rapl:0:0", 250000);
  assert_near(read_total(p), 1.25, 1e-9);
  es_powercap_close(p);
}

static void wrap_gives_the_right_delta(void **state) {
  (void)state;
  make_zone("intel-rapl:0", "package-0", RANGE_UJ - 1000000, RANGE_UJ);
  es_powercap *p = open_ok(0);
  set_energy("intel-rapl:0", RANGE_UJ - 250000); /* +0.75 J */
  assert_near(read_total(p), 0.75, 1e-9);
  set_energy("intel-rapl:0", 500000); /* wrapped: +0.25 J to the range, +0.5 J after */
  assert_near(read_total(p), 1.5, 1e-9);
  set_energy("intel-rapl:0", 600000);
  assert_near(read_total(p), 1.6, 1e-9);
  es_powercap_close(p);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A fake 40 W package whose 60 J range wraps every 1.5 s, advanced in real
 * time between reads, polled at a period max_period approves. */
static void advancing_40w_counter(void **state) {
  (void)state;
  const double watts = 40.0;
  const uint64_t range = 60000000; /* 60 J: 1.5 s at 40 W */
  make_zone("intel-rapl:0", "package-0", 0, range);
  es_powercap *p = open_ok(0);
  double period = es_powercap_max_period(p, watts);
  assert_near(period, 0.75, 1e-9);
  double t0 = now_s(), t = t0, total = 0;
  for (int i = 0; i < 10; i++) {
    struct timespec nap = {0, 250000000}; /* 0.25 s < period */
    nanosleep(&nap, NULL);
    t = now_s();
    uint64_t uj = (uint64_t)(watts * (t - t0) * 1e6);
    set_energy("intel-rapl:0", uj % range);
    assert_int_equal(es_powercap_read(p, &total, NULL, 0), 0);
  }
  assert_true(t - t0 > 1.5); /* the counter wrapped at least once */
  double avg = total / (t - t0);
  if (fabs(avg - watts) > 0.05 * watts) fail_msg("measured %.3f W, expected 40 W within 5 %%", avg);
  es_powercap_close(p);
}

static const char root_only_tail[] =
    " is readable only by root since Linux 5.10 (CVE-2020-8694): run as root, or `chmod a+r` it (a udev rule "
    "or sysfs.conf makes that permanent)";

static void explain_injected_errno(void **state) {
  (void)state;
  char why[512], want[512];
  snprintf(want, sizeof want, "/x/intel-rapl:0/energy_uj%s", root_only_tail);
  assert_int_equal(es_powercap_explain(EACCES, "/x", "intel-rapl:0/energy_uj", why, sizeof why), -EACCES);
  assert_string_equal(why, want);
  assert_int_equal(es_powercap_explain(EPERM, "/x", "intel-rapl:0/energy_uj", why, sizeof why), -EPERM);
  assert_string_equal(why, want);
  assert_int_equal(es_powercap_explain(EIO, "/x", "intel-rapl:0/energy_uj", why, sizeof why), -EIO);
  assert_non_null(strstr(why, "cannot read /x/intel-rapl:0/energy_uj: "));
  assert_int_equal(es_powercap_explain(ENOENT, "/x", NULL, why, sizeof why), -ENOENT);
  assert_string_equal(why, "no RAPL powercap interface at /x (no Intel/AMD RAPL exposed here, e.g. in a VM)");
  char tiny[8];
  assert_int_equal(es_powercap_explain(EACCES, "/x", "f", tiny, sizeof tiny), -EACCES);
  assert_int_equal(strlen(tiny), sizeof tiny - 1); /* truncated, terminated */
}

/* The real thing: energy_uj mode 000 read by an unprivileged process. As
 * root (where chmod blocks nothing) a child drops to nobody first. */
static void root_only_energy_uj_end_to_end(void **state) {
  (void)state;
  make_zone("intel-rapl:0", "package-0", 0, RANGE_UJ);
  char path[512];
  assert_int_equal(chmod(root, 0755), 0);
  snprintf(path, sizeof path, "%s/intel-rapl:0/energy_uj", root);
  assert_int_equal(chmod(path, 0), 0);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(3);
    es_powercap *p = NULL;
    char why[512] = "", want[512];
    int rc = es_powercap_open(&p, root, 0, why, sizeof why);
    snprintf(want, sizeof want, "%s/intel-rapl:0/energy_uj%s", root, root_only_tail);
    if (rc != -EACCES || p) {
      fprintf(stderr, "# child: rc %d, why: %s\n", rc, why);
      _exit(1);
    }
    if (strcmp(why, want) != 0) {
      fprintf(stderr, "# child: why: %s\n", why);
      _exit(2);
    }
    _exit(0);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  if (WEXITSTATUS(status) == 3) skip(); /* cannot drop privileges here */
  assert_int_equal(WEXITSTATUS(status), 0);
}

static void missing_root_is_enoent(void **state) {
  (void)state;
  char missing[128], why[512], want[512];
  snprintf(missing, sizeof missing, "%s/no-such-dir", root);
  es_powercap *p = NULL;
  assert_int_equal(es_powercap_open(&p, missing, 0, why, sizeof why), -ENOENT);
  assert_null(p);
  snprintf(want, sizeof want, "no RAPL powercap interface at %s (no Intel/AMD RAPL exposed here, e.g. in a VM)",
           missing);
  assert_string_equal(why, want);
  assert_int_equal(es_powercap_open(&p, missing, 0, NULL, 0), -ENOENT); /* why is optional */
}

static void env_root_honoured(void **state) {
  (void)state;
  make_zone("intel-rapl:0", "package-0", 0, RANGE_UJ);
  assert_int_equal(setenv(ES_POWERCAP_ROOT_ENV, root, 1), 0);
  es_powercap *p = NULL;
  char why[512] = "";
  assert_int_equal(es_powercap_open(&p, NULL, 0, why, sizeof why), 0);
  const char *name = NULL;
  assert_int_equal(es_powercap_domains(p, &name, 1), 1);
  assert_string_equal(name, "package-0");
  es_powercap_close(p);

  char missing[128];
  snprintf(missing, sizeof missing, "%s/elsewhere", root);
  assert_int_equal(setenv(ES_POWERCAP_ROOT_ENV, missing, 1), 0);
  assert_int_equal(es_powercap_open(&p, NULL, 0, why, sizeof why), -ENOENT);
  assert_non_null(strstr(why, missing));
  /* An explicit root wins over the environment. */
  assert_int_equal(es_powercap_open(&p, root, 0, why, sizeof why), 0);
  es_powercap_close(p);
}

static void max_period_math(void **state) {
  (void)state;
  make_zone("intel-rapl:0", "package-0", 0, 60000000);            /* 60 J */
  make_zone("intel-rapl:0/intel-rapl:0:0", "dram", 0, 20000000);  /* 20 J: the smallest */
  es_powercap *p = open_ok(0);
  assert_near(es_powercap_max_period(p, 40.0), 0.25, 1e-12); /* 0.5 * 20 / 40 */
  assert_near(es_powercap_max_period(p, 4.0), 2.5, 1e-12);
  assert_near(es_powercap_max_period(p, 0.5), 10.0, 1e-12); /* max(W, 1): 10 s, also the cap */
  assert_near(es_powercap_max_period(p, 1.6), 6.25, 1e-12);
  assert_near(es_powercap_max_period(p, NAN), 10.0, 1e-12);
  assert_near(es_powercap_max_period(p, -5.0), 10.0, 1e-12);
  es_powercap_close(p);
  assert_true(es_powercap_max_period(NULL, 40.0) == 0.0);
}

static void max_period_capped(void **state) {
  (void)state;
  make_zone("intel-rapl:0", "package-0", 0, RANGE_UJ); /* 262 kJ: an hour at 70 W */
  es_powercap *p = open_ok(0);
  assert_near(es_powercap_max_period(p, 70.0), ES_POWERCAP_MAX_PERIOD_S, 1e-12);
  assert_near(es_powercap_max_period(p, 1e6), 0.5 * 262143.32885 / 1e6, 1e-12);
  es_powercap_close(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(discovery_counts_packages_and_dram_only, setup, teardown),
      cmocka_unit_test_setup_teardown(core_and_uncore_never_counted, setup, teardown),
      cmocka_unit_test_setup_teardown(core_subzone_alone_not_counted, setup, teardown),
      cmocka_unit_test_setup_teardown(mmio_duplicate_counted_once, setup, teardown),
      cmocka_unit_test_setup_teardown(mmio_used_when_msr_unreadable, setup, teardown),
      cmocka_unit_test_setup_teardown(psys_only_when_asked_or_without_packages, setup, teardown),
      cmocka_unit_test_setup_teardown(psys_asked_but_absent_is_enodev, setup, teardown),
      cmocka_unit_test_setup_teardown(empty_root_is_enodev, setup, teardown),
      cmocka_unit_test_setup_teardown(reading_deltas, setup, teardown),
      cmocka_unit_test_setup_teardown(failed_read_updates_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(wrap_gives_the_right_delta, setup, teardown),
      cmocka_unit_test_setup_teardown(advancing_40w_counter, setup, teardown),
      cmocka_unit_test_setup_teardown(explain_injected_errno, setup, teardown),
      cmocka_unit_test_setup_teardown(root_only_energy_uj_end_to_end, setup, teardown),
      cmocka_unit_test_setup_teardown(missing_root_is_enoent, setup, teardown),
      cmocka_unit_test_setup_teardown(env_root_honoured, setup, teardown),
      cmocka_unit_test_setup_teardown(max_period_math, setup, teardown),
      cmocka_unit_test_setup_teardown(max_period_capped, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
