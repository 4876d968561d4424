/*
 * test_meter_perf.c - the "perf" meter against fixture PMU descriptions built
 * in a mkdtemp directory and pointed to by $ECOSWEEP_PERF_ROOT.
 *
 * No machine this runs on needs a power PMU: the fixture describes one whose
 * type is 1 (PERF_TYPE_SOFTWARE), so the meter's real perf_event_open and
 * read(2) path opens software events instead. event=0x0 is cpu-clock
 * (nanoseconds the CPU-wide event ran: wall time on that CPU) and event=0x2
 * page-faults (counted on the CPU that took them), so with scales of 1e-9
 * and 1 the "joules" are seconds and faults, which the tests can predict.
 * Covered: which events count (pkg and ram; never cores, gpu or psys),
 * domain names, cpumask parsing and CPU placement, event strings and format
 * files, unit and scale checks, the perf_event_open errors (a restricted
 * user end to end, injected errnos, a config the kernel rejects), no fd
 * leaks on failure, a failed read updating nothing, max_period, resolution.
 *
 * Tests needing perf_event_open skip when it is not usable here (ENOSYS,
 * or EACCES/EPERM in a container). It does not touch /sys.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/perf_event.h>
#include <math.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/helpers.h"

#include "meters/meter.h"
#include "meters/meter_perf.h"

#define CPU_CLOCK "event=0x0"   /* PERF_COUNT_SW_CPU_CLOCK */
#define PAGE_FAULTS "event=0x2" /* PERF_COUNT_SW_PAGE_FAULTS */
#define REAL_SCALE "2.3283064365386962890625e-10"

static const es_meter_type *const M = &es_meter_perf;
static char root[64];

static int setup(void **state) {
  (void)state;
  snprintf(root, sizeof root, "/tmp/es-perf-XXXXXX");
  if (!mkdtemp(root)) return -1;
  return setenv(ES_PERF_ROOT_ENV, root, 1);
}

static int teardown(void **state) {
  (void)state;
  unsetenv(ES_PERF_ROOT_ENV);
  return es_test_rm_tree(root);
}

static void write_file(const char *rel, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
}

static void make_dir(const char *rel) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  if (mkdir(path, 0755) != 0 && errno != EEXIST) fail_msg("mkdir %s: %s", path, strerror(errno));
}

/* root/power with its type and cpumask (NULL: the file is left out). */
static void make_pmu(const char *type, const char *cpumask) {
  make_dir("power");
  make_dir("power/events");
  char text[64];
  if (type) {
    snprintf(text, sizeof text, "%s\n", type);
    write_file("power/type", text);
  }
  if (cpumask) {
    snprintf(text, sizeof text, "%s\n", cpumask);
    write_file("power/cpumask", text);
  }
}

/* power/events/<name> with its .scale and .unit (NULL: left out). */
static void make_event(const char *name, const char *code, const char *scale, const char *unit) {
  char rel[128], text[128];
  snprintf(rel, sizeof rel, "power/events/%s", name);
  snprintf(text, sizeof text, "%s\n", code);
  write_file(rel, text);
  if (scale) {
    snprintf(rel, sizeof rel, "power/events/%s.scale", name);
    snprintf(text, sizeof text, "%s\n", scale);
    write_file(rel, text);
  }
  if (unit) {
    snprintf(rel, sizeof rel, "power/events/%s.unit", name);
    snprintf(text, sizeof text, "%s\n", unit);
    write_file(rel, text);
  }
}

static void make_format(const char *term, const char *bits) {
  char rel[128], text[64];
  make_dir("power/format");
  snprintf(rel, sizeof rel, "power/format/%s", term);
  snprintf(text, sizeof text, "%s\n", bits);
  write_file(rel, text);
}

/* The meter's test double of a one-package machine: cpu-clock as energy-pkg. */
static void make_cpu_clock_pkg(const char *cpumask) {
  make_pmu("1", cpumask);
  make_event("energy-pkg", CPU_CLOCK, "1e-9", "Joules");
}

/* Skips the test when perf_event_open cannot open a CPU-wide software event
 * here; what the meter then reports is the business of other tests. */
static void require_perf(void) {
  struct perf_event_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_CPU_CLOCK;
  long fd = syscall(SYS_perf_event_open, &attr, (pid_t)-1, 0, -1, (unsigned long)PERF_FLAG_FD_CLOEXEC);
  if (fd >= 0) {
    close((int)fd);
    return;
  }
  int err = errno;
  if (err == ENOSYS || err == EACCES || err == EPERM) {
    fprintf(stderr, "# perf_event_open unusable here (%s): skipped\n", strerror(err));
    skip();
  }
  fail_msg("perf_event_open of cpu-clock on CPU 0: %s", strerror(err));
}

static void *open_ok(void) {
  void *s = NULL;
  char why[512] = "";
  int rc = M->open(&s, NULL, why, sizeof why);
  if (rc != 0) fail_msg("open: %d: %s", rc, why);
  assert_non_null(s);
  return s;
}

/* Opening fails with want, and why contains each of the NULL-terminated
 * fragments. */
static void open_fails(int want, ...) {
  void *s = (void *)&s;
  char why[512] = "";
  int rc = M->open(&s, NULL, why, sizeof why);
  if (rc == 0) M->close(s); /* not left open for the tests after this one */
  if (rc != want) fail_msg("open: %d (expected %d): %s", rc, want, why);
  assert_null(s);
  assert_null(strchr(why, '\n'));
  va_list ap;
  va_start(ap, want);
  for (const char *frag; (frag = va_arg(ap, const char *)) != NULL;)
    if (!strstr(why, frag)) fail_msg("why \"%s\" lacks \"%s\"", why, frag);
  va_end(ap);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&t, &t) != 0 && errno == EINTR) {
  }
}

static size_t count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  assert_non_null(d);
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

/* The fds of perf events open in this process, lowest first. */
static size_t perf_fds(int *out, size_t cap) {
  DIR *d = opendir("/proc/self/fd");
  assert_non_null(d);
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    char path[300], target[64];
    snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
    ssize_t len = readlink(path, target, sizeof target - 1);
    if (len < 0) continue;
    target[len] = '\0';
    if (strcmp(target, "anon_inode:[perf_event]") == 0 && n < cap) out[n++] = atoi(e->d_name);
  }
  closedir(d);
  for (size_t i = 1; i < n; i++) /* insertion sort: a handful of fds */
    for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
      int t = out[j];
      out[j] = out[j - 1];
      out[j - 1] = t;
    }
  return n;
}

static void assert_domains(void *s, size_t n, ...) {
  const char *names[8] = {NULL};
  assert_int_equal(M->domains(s, names, 8), n);
  va_list ap;
  va_start(ap, n);
  for (size_t i = 0; i < n; i++) assert_string_equal(names[i], va_arg(ap, const char *));
  va_end(ap);
}

static void descriptor(void **state) {
  (void)state;
  assert_string_equal(M->name, "perf");
  assert_int_equal(M->kind, ES_METER_HOST);
  assert_int_equal(M->estimate, 0);
  assert_non_null(M->what);
  assert_null(M->probe);
  assert_null(M->trial_joules);
  assert_null(M->device_id);
  assert_non_null(M->open);
  assert_non_null(M->domains);
  assert_non_null(M->read);
  assert_non_null(M->max_period);
  assert_non_null(M->resolution);
  assert_non_null(M->close);
}

/* The real syscall path: cpu-clock on CPU 0 as package-0, whose "joules"
 * are the seconds CPU 0 has been counting since open. */
static void package_advances_with_wall_time(void **state) {
  (void)state;
  require_perf();
  make_cpu_clock_pkg("0");
  double t0 = now_s();
  void *s = open_ok();
  assert_domains(s, 1, "package-0");
  double j[2] = {-1, -1};
  assert_int_equal(M->read(s, j, 2), 0);
  assert_true(j[0] >= 0);
  assert_true(j[1] == -1); /* one domain: nothing past it is written */
  double first = j[0];
  nap_ms(200);
  assert_int_equal(M->read(s, j, 1), 0);
  double wall = now_s() - t0;
  if (!(j[0] > first && j[0] > 0.05)) fail_msg("package-0 at %.6f J after %.3f s (first read %.6f)", j[0], wall, first);
  if (j[0] > wall * 1.5 + 0.01) fail_msg("package-0 at %.6f J after only %.3f s of wall time", j[0], wall);
  double prev = j[0];
  assert_int_equal(M->read(s, j, 1), 0);
  assert_true(j[0] >= prev); /* cumulative */
  assert_int_equal(M->read(s, NULL, 0), 0);
  M->close(s);
}

/* energy-ram gives a "dram" domain after the packages, with its own scale. */
static void ram_event_gives_dram_domain(void **state) {
  (void)state;
  require_perf();
  make_cpu_clock_pkg("0");
  make_event("energy-ram", CPU_CLOCK, "3e-9", "Joules"); /* three times pkg's */
  void *s = open_ok();
  assert_domains(s, 2, "package-0", "dram");
  nap_ms(200);
  double j[2] = {-1, -1};
  assert_int_equal(M->read(s, j, 2), 0);
  if (!(j[0] > 0.05 && j[1] > 2.0 * j[0] && j[1] < 4.0 * j[0]))
    fail_msg("package-0 %.6f J, dram %.6f J: expected dram about 3x", j[0], j[1]);
  double k[1] = {-1};
  assert_int_equal(M->read(s, k, 1), 0); /* cap 1: package only */
  assert_true(k[0] >= j[0]);
  M->close(s);
}

/* Cores, gpu and psys are inside (or around) pkg and ram: never counted,
 * even when they are the only other events. */
static void cores_gpu_psys_not_counted(void **state) {
  (void)state;
  require_perf();
  make_cpu_clock_pkg("0");
  make_event("energy-cores", CPU_CLOCK, "1e-9", "Joules");
  make_event("energy-gpu", CPU_CLOCK, "1e-9", "Joules");
  make_event("energy-psys", CPU_CLOCK, "1e-9", "Joules");
  size_t fds_before = count_fds();
  void *s = open_ok();
  assert_domains(s, 1, "package-0");
  assert_int_equal(count_fds(), fds_before + 1); /* one counter opened, not four */
  M->close(s);
  assert_int_equal(count_fds(), fds_before);
}

static void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  assert_int_equal(sched_setaffinity(0, sizeof set, &set), 0);
}

#define FAULT_PAGES 1024
#define FAULT_ROUNDS 48

/* Takes FAULT_PAGES * FAULT_ROUNDS page faults on the current CPU. */
static void take_page_faults(void) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE), len = page * FAULT_PAGES;
  char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  assert_true(m != MAP_FAILED);
  madvise(m, len, MADV_NOHUGEPAGE); /* one fault per page, not per 2 MiB */
  for (int r = 0; r < FAULT_ROUNDS; r++) {
    for (size_t i = 0; i < len; i += page) m[i] = 1;
    assert_int_equal(madvise(m, len, MADV_DONTNEED), 0);
  }
  munmap(m, len);
}

/* cpumask "0-1": two packages (and drams), package-N counting on the Nth CPU
 * of the mask, shown by page faults taken while pinned to each CPU. */
static void cpumask_range_gives_one_domain_per_cpu(void **state) {
  (void)state;
  if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
    fprintf(stderr, "# one CPU online: skipped\n");
    skip();
  }
  require_perf();
  make_pmu("1", "0-1");
  make_event("energy-pkg", PAGE_FAULTS, "1", "Joules");
  make_event("energy-ram", CPU_CLOCK, "1e-9", "Joules");
  cpu_set_t saved;
  assert_int_equal(sched_getaffinity(0, sizeof saved, &saved), 0);
  void *s = open_ok();
  assert_domains(s, 4, "package-0", "package-1", "dram-0", "dram-1");
  const double want = 0.9 * FAULT_PAGES * FAULT_ROUNDS;
  for (int cpu = 1; cpu >= 0; cpu--) {
    double before[4], after[4];
    pin_to(cpu);
    assert_int_equal(M->read(s, before, 4), 0);
    take_page_faults();
    assert_int_equal(M->read(s, after, 4), 0);
    double faults = after[cpu] - before[cpu];
    if (faults < want) {
      sched_setaffinity(0, sizeof saved, &saved);
      fail_msg("package-%d saw %.0f faults taken on CPU %d, expected at least %.0f", cpu, faults, cpu, want);
    }
  }
  assert_int_equal(sched_setaffinity(0, sizeof saved, &saved), 0);
  M->close(s);
}

/* A mask of one CPU that is not 0: package-0 is on that CPU. */
static void single_cpu_mask_other_than_zero(void **state) {
  (void)state;
  if (sysconf(_SC_NPROCESSORS_ONLN) < 2) skip();
  require_perf();
  make_pmu("1", "1");
  make_event("energy-pkg", PAGE_FAULTS, "1", "Joules");
  make_event("energy-ram", CPU_CLOCK, "1e-9", "Joules");
  cpu_set_t saved;
  assert_int_equal(sched_getaffinity(0, sizeof saved, &saved), 0);
  void *s = open_ok();
  assert_domains(s, 2, "package-0", "dram");
  double before[2], after[2];
  pin_to(1);
  assert_int_equal(M->read(s, before, 2), 0);
  take_page_faults();
  assert_int_equal(M->read(s, after, 2), 0);
  assert_int_equal(sched_setaffinity(0, sizeof saved, &saved), 0);
  assert_true(after[0] - before[0] >= 0.9 * FAULT_PAGES * FAULT_ROUNDS);
  M->close(s);
}

static void bad_cpumasks_refused(void **state) {
  (void)state;
  static const char *const bad[] = {"", "x", "0-", "-1", "1-0", "0,", "0,,1", "0 1", "0,0", "0-99999999", "1:2"};
  make_pmu("1", NULL);
  make_event("energy-pkg", CPU_CLOCK, "1e-9", "Joules");
  char cpumask_path[128];
  snprintf(cpumask_path, sizeof cpumask_path, "%s/power/cpumask", root);
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char text[64];
    snprintf(text, sizeof text, "%s\n", bad[i]);
    write_file("power/cpumask", text);
    open_fails(-EINVAL, cpumask_path, "not a CPU list", NULL);
  }
  assert_int_equal(unlink(cpumask_path), 0);
  open_fails(-ENOENT, "cannot read", cpumask_path, NULL);
}

/* A CPU in the mask that this machine does not have: the syscall's own
 * error, naming the event and CPU. */
static void absent_cpu_is_a_syscall_error(void **state) {
  (void)state;
  require_perf();
  char mask[32], cpu[40];
  long n = sysconf(_SC_NPROCESSORS_CONF);
  snprintf(mask, sizeof mask, "%ld", n + 4000);
  snprintf(cpu, sizeof cpu, "CPU %ld: ", n + 4000);
  make_cpu_clock_pkg(mask);
  void *s = (void *)&s;
  char why[512] = "";
  int rc = M->open(&s, NULL, why, sizeof why);
  assert_true(rc < 0);
  assert_null(s);
  assert_non_null(strstr(why, "perf_event_open of power/energy-pkg on "));
  assert_non_null(strstr(why, cpu));
  assert_non_null(strstr(why, strerror(-rc)));
}

static void missing_root_is_enoent(void **state) {
  (void)state;
  char missing[128], want[256];
  snprintf(missing, sizeof missing, "%s/no-such-dir", root);
  assert_int_equal(setenv(ES_PERF_ROOT_ENV, missing, 1), 0);
  snprintf(want, sizeof want, "no perf power PMU at %s/power (no RAPL exposed to perf here, e.g. in a VM)", missing);
  void *s = (void *)&s;
  char why[512] = "";
  assert_int_equal(M->open(&s, NULL, why, sizeof why), -ENOENT);
  assert_null(s);
  assert_string_equal(why, want);
  assert_int_equal(M->open(&s, NULL, NULL, 0), -ENOENT); /* why is optional */

  /* The root is there, with other PMUs, but no power/ in it. */
  assert_int_equal(setenv(ES_PERF_ROOT_ENV, root, 1), 0);
  make_dir("software");
  snprintf(want, sizeof want, "no perf power PMU at %s/power (no RAPL exposed to perf here, e.g. in a VM)", root);
  assert_int_equal(M->open(&s, NULL, why, sizeof why), -ENOENT);
  assert_string_equal(why, want);
  write_file("power", "not a directory\n");
  assert_int_equal(M->open(&s, NULL, why, sizeof why), -ENOENT);
  assert_string_equal(why, want);
}

/* What a VM shows: a power PMU with type and cpumask but no events. */
static void no_energy_pkg_is_enodev(void **state) {
  (void)state;
  make_pmu("9", "0");
  make_format("event", "config:0-7");
  char dir[128];
  snprintf(dir, sizeof dir, "%s/power/events", root);
  open_fails(-ENODEV, "no energy-pkg event in ", dir, NULL);
  make_event("energy-ram", CPU_CLOCK, "1e-9", "Joules"); /* ram alone is not enough */
  open_fails(-ENODEV, "no energy-pkg event in ", dir, NULL);
}

static void bad_type_refused(void **state) {
  (void)state;
  make_pmu("power", "0");
  make_event("energy-pkg", CPU_CLOCK, "1e-9", "Joules");
  open_fails(-EINVAL, "/power/type is \"power\": not a PMU type number", NULL);
  write_file("power/type", "-1\n");
  open_fails(-EINVAL, "not a PMU type number", NULL);
  write_file("power/type", "4294967296\n");
  open_fails(-EINVAL, "not a PMU type number", NULL);
  char path[128];
  snprintf(path, sizeof path, "%s/power/type", root);
  assert_int_equal(unlink(path), 0);
  open_fails(-ENOENT, "cannot read ", path, NULL);
}

static void bad_event_strings_refused(void **state) {
  (void)state;
  static const struct {
    const char *code, *says;
  } bad[] = {
      {"", "is empty"},
      {"event=", "has no number"},
      {"event=zz", "has no number"},
      {"event=0x2q", "has no number"},
      {"event=-1", "has no number"},
      {"event=0x1ffffffffffffffff", "has no number"},
      {"Event=0x2", "is not a term like event=0x02"},
      {"=0x2", "is not a term like event=0x02"},
      {"event=0x2,umask=0x1", "cannot map \"umask\": no "},
      {"edge", "cannot map \"edge\": no "},
  };
  make_pmu("1", "0");
  char path[128];
  snprintf(path, sizeof path, "%s/power/events/energy-pkg", root);
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    make_event("energy-pkg", bad[i].code, "1e-9", "Joules");
    open_fails(-EINVAL, path, bad[i].says, NULL);
  }
  /* A broken energy-ram is refused too, rather than silently not counted. */
  make_event("energy-pkg", CPU_CLOCK, "1e-9", "Joules");
  make_event("energy-ram", "event=what", "1e-9", "Joules");
  open_fails(-EINVAL, "/power/events/energy-ram: \"event=what\" has no number", NULL);
}

/* Format files place each term's bits; values wider than their bits and
 * malformed formats are refused. */
static void format_files_map_terms(void **state) {
  (void)state;
  require_perf();
  make_pmu("1", "0");
  make_format("event", "config:0-3");
  make_format("umask", "config:8-15");
  char fpath[128];
  snprintf(fpath, sizeof fpath, "%s/power/format/event", root);

  make_event("energy-pkg", "event=0x0,umask=0x0", "1e-9", "Joules"); /* config 0: cpu-clock */
  void *s = open_ok();
  nap_ms(50);
  double j = 0;
  assert_int_equal(M->read(s, &j, 1), 0);
  assert_true(j > 0);
  M->close(s);

  /* config 0x102: far past the last software event, which the kernel
   * refuses: proof that umask went to bits 8-15. */
  make_event("energy-pkg", "event=0x2, umask=0x1", "1", "Joules");
  open_fails(-ENOENT, "perf_event_open of power/energy-pkg on CPU 0: ", strerror(ENOENT), NULL);

  /* Two ranges: bits 0-1 and 8-9. event=0x6 puts 0b10 in 0-1 and 0b1 in
   * 8-9: config 0x102 again. */
  make_format("event", "config:0-1,8-9");
  make_event("energy-pkg", "event=0x6", "1", "Joules");
  open_fails(-ENOENT, "perf_event_open of power/energy-pkg on CPU 0: ", NULL);
  make_event("energy-pkg", "event=0x2", "1", "Joules"); /* page-faults: config 2 */
  s = open_ok();
  M->close(s);

  make_format("event", "config:0-3");
  make_event("energy-pkg", "event=0x1f", "1e-9", "Joules");
  open_fails(-EINVAL, "energy-pkg: event=0x1f does not fit ", fpath, "(config:0-3)", NULL);

  static const char *const bad_formats[] = {"config:", "config:7-0", "config:0-64", "confug:0-7", "config:0-7,",
                                            "config1:x"};
  make_event("energy-pkg", "event=0x0", "1e-9", "Joules");
  for (size_t i = 0; i < sizeof bad_formats / sizeof *bad_formats; i++) {
    make_format("event", bad_formats[i]);
    open_fails(-EINVAL, fpath, "not a format like config:0-7", NULL);
  }
}

static void unit_other_than_joules_refused(void **state) {
  (void)state;
  make_pmu("1", "0");
  make_event("energy-pkg", CPU_CLOCK, "1e-9", "Watts");
  char path[160];
  snprintf(path, sizeof path, "%s/power/events/energy-pkg.unit says \"Watts\", not Joules", root);
  open_fails(-EINVAL, path, NULL);
  make_event("energy-pkg", CPU_CLOCK, "1e-9", "Joules");
  make_event("energy-ram", CPU_CLOCK, "1e-9", "mJ");
  open_fails(-EINVAL, "energy-ram.unit says \"mJ\"", NULL);
}

/* No unit file is accepted (the kernel's are always Joules); a missing or
 * bad scale is not: counts could not become joules. */
static void scale_required_unit_optional(void **state) {
  (void)state;
  require_perf();
  make_pmu("1", "0");
  make_event("energy-pkg", CPU_CLOCK, "1e-9", NULL);
  void *s = open_ok();
  M->close(s);

  static const char *const bad[] = {"0", "-1e-9", "abc", "1e-9x", "inf", "nan", ""};
  char path[128];
  snprintf(path, sizeof path, "%s/power/events/energy-pkg.scale", root);
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    make_event("energy-pkg", CPU_CLOCK, bad[i], "Joules");
    open_fails(-EINVAL, path, "not a positive number of joules per count", NULL);
  }
  assert_int_equal(unlink(path), 0);
  open_fails(-EINVAL, "cannot read ", path, "(joules per count)", NULL);
}

/* A failure on the last counter closes the ones already open. */
static void failed_open_leaks_no_fds(void **state) {
  (void)state;
  require_perf();
  make_pmu("1", sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? "0-1" : "0");
  make_event("energy-pkg", CPU_CLOCK, "1e-9", "Joules");
  make_event("energy-ram", "event=0x7777", "1e-9", "Joules"); /* no such software event */
  int fds[8];
  size_t before = count_fds(), perf_before = perf_fds(fds, 8);
  open_fails(-ENOENT, "perf_event_open of power/energy-ram on CPU 0: ", NULL);
  assert_int_equal(count_fds(), before);
  assert_int_equal(perf_fds(fds, 8), perf_before);
}

/* A counter that cannot be read (its fd swapped for a directory behind the
 * meter's back) fails the read and leaves every output alone; put back, the
 * readings carry on from the same zero. */
static void failed_read_updates_nothing(void **state) {
  (void)state;
  require_perf();
  make_cpu_clock_pkg("0");
  make_event("energy-ram", CPU_CLOCK, "1e-9", "Joules");
  int old[16], now[16], victim = -1;
  size_t n_old = perf_fds(old, 16); /* left open by a failed test before this one */
  void *s = open_ok();
  size_t n_now = perf_fds(now, 16);
  assert_int_equal(n_now, n_old + 2);
  for (size_t i = 0; i < n_now; i++) { /* the meter's: the last one not there before */
    int was = 0;
    for (size_t k = 0; k < n_old; k++) was |= old[k] == now[i];
    if (!was) victim = now[i];
  }
  assert_true(victim >= 0);
  int spare = dup(victim);
  assert_true(spare >= 0);
  int dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(dir >= 0);
  nap_ms(20);
  double j[2] = {-1, -1};
  assert_int_equal(M->read(s, j, 2), 0);
  double good[2] = {j[0], j[1]};
  assert_true(good[0] > 0 && good[1] > 0);

  assert_int_equal(dup2(dir, victim), victim);
  j[0] = j[1] = -7;
  assert_int_equal(M->read(s, j, 2), -EISDIR);
  assert_true(j[0] == -7 && j[1] == -7);

  assert_int_equal(dup2(spare, victim), victim);
  nap_ms(20);
  assert_int_equal(M->read(s, j, 2), 0);
  assert_true(j[0] > good[0] && j[1] > good[1]);
  assert_true(j[0] < good[0] + 10.0); /* still since open, not re-zeroed or garbage */
  close(spare);
  close(dir);
  M->close(s);
}

/* Permission denied for real: a CPU-wide event as nobody, which
 * perf_event_paranoid >= 1 forbids. As root a child drops to nobody. */
static void restricted_perf_end_to_end(void **state) {
  (void)state;
  require_perf();
  make_cpu_clock_pkg("0");
  assert_int_equal(chmod(root, 0755), 0);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(3);
    void *s = NULL;
    char why[512] = "";
    int rc = M->open(&s, NULL, why, sizeof why);
    if (rc == 0) _exit(4); /* paranoid <= 0: nobody may; nothing to test */
    if (rc != -EACCES || s) {
      fprintf(stderr, "# child: rc %d, why: %s\n", rc, why);
      _exit(1);
    }
    static const char *const frags[] = {"perf_event_open of power/energy-pkg on CPU 0: ",
                                        "perf is restricted here (" ES_PERF_PARANOID_PATH " is ",
                                        "run as root or with CAP_PERFMON",
                                        "`sysctl kernel.perf_event_paranoid=0`"};
    for (size_t i = 0; i < sizeof frags / sizeof *frags; i++)
      if (!strstr(why, frags[i])) {
        fprintf(stderr, "# child: why \"%s\" lacks \"%s\"\n", why, frags[i]);
        _exit(2);
      }
    _exit(0);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  if (WEXITSTATUS(status) == 3 || WEXITSTATUS(status) == 4) {
    fprintf(stderr, "# cannot be refused as nobody here (exit %d): skipped\n", WEXITSTATUS(status));
    skip();
  }
  assert_int_equal(WEXITSTATUS(status), 0);
}

static void explain_injected_errno(void **state) {
  (void)state;
  char why[512], want[512], value[32] = "";
  FILE *f = fopen(ES_PERF_PARANOID_PATH, "r");
  if (f) {
    if (!fgets(value, sizeof value, f)) value[0] = '\0';
    fclose(f);
    value[strcspn(value, "\n")] = '\0';
  }
  const char *state_text = value[0] ? value : NULL;
  if (state_text)
    snprintf(want, sizeof want,
             "perf_event_open of power/energy-ram on CPU 28: %s: perf is restricted here (%s is %s): run as root "
             "or with CAP_PERFMON, or `sysctl kernel.perf_event_paranoid=0`",
             strerror(EACCES), ES_PERF_PARANOID_PATH, state_text);
  assert_int_equal(es_perf_explain(EACCES, "energy-ram", 28, why, sizeof why), -EACCES);
  if (state_text) assert_string_equal(why, want);
  assert_non_null(strstr(why, "CAP_PERFMON"));
  assert_int_equal(es_perf_explain(EPERM, "energy-ram", 28, why, sizeof why), -EACCES); /* EPERM too */
  assert_non_null(strstr(why, strerror(EPERM)));
  assert_non_null(strstr(why, "perf_event_paranoid=0"));

  assert_int_equal(es_perf_explain(EMFILE, "energy-pkg", 3, why, sizeof why), -EMFILE);
  snprintf(want, sizeof want, "perf_event_open of power/energy-pkg on CPU 3: %s", strerror(EMFILE));
  assert_string_equal(why, want);
  assert_int_equal(es_perf_explain(ENOSYS, "energy-pkg", 0, why, sizeof why), -ENOSYS);
  assert_non_null(strstr(why, "a kernel without perf events"));

  char tiny[8];
  assert_int_equal(es_perf_explain(EACCES, "energy-pkg", 0, tiny, sizeof tiny), -EACCES);
  assert_int_equal(strlen(tiny), sizeof tiny - 1); /* truncated, terminated */
  assert_int_equal(es_perf_explain(EIO, "energy-pkg", 0, NULL, 0), -EIO);
}

static void max_period_and_resolution(void **state) {
  (void)state;
  require_perf();
  make_pmu("1", "0");
  make_event("energy-pkg", CPU_CLOCK, REAL_SCALE, "Joules");
  make_event("energy-ram", CPU_CLOCK, "1.52587890625e-05", "Joules"); /* a coarser DRAM unit */
  void *s = open_ok();
  assert_near(M->max_period(s, 40.0), 10.0, 0);
  assert_near(M->max_period(s, 1e6), 10.0, 0); /* 64-bit: no wrap to outrun at any power */
  assert_near(M->max_period(s, NAN), 10.0, 0);
  assert_near(M->max_period(s, -1.0), 10.0, 0);
  char res[128];
  M->resolution(s, res, sizeof res);
  assert_string_equal(res, "2.33e-10 J per count (perf power PMU), read every sample");
  M->close(s);
  M->resolution(NULL, res, sizeof res);
  assert_non_null(strstr(res, "perf power PMU"));
  assert_int_equal(M->domains(NULL, NULL, 0), 0);
  assert_int_equal(M->read(NULL, NULL, 0), -EINVAL);
  M->close(NULL);
}

/* Without $ECOSWEEP_PERF_ROOT the meter reads the real sysfs: whatever it
 * finds, it answers 0 or an error with one line saying why. */
static void default_root_answers_cleanly(void **state) {
  (void)state;
  unsetenv(ES_PERF_ROOT_ENV);
  void *s = NULL;
  char why[512] = "";
  int rc = M->open(&s, NULL, why, sizeof why);
  if (rc == 0) {
    assert_non_null(s);
    assert_true(M->domains(s, NULL, 0) >= 1);
    M->close(s);
  } else {
    assert_true(rc < 0);
    assert_null(s);
    assert_true(why[0] != '\0');
    assert_null(strchr(why, '\n'));
    fprintf(stderr, "# this machine: %s\n", why);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(descriptor),
      cmocka_unit_test_setup_teardown(package_advances_with_wall_time, setup, teardown),
      cmocka_unit_test_setup_teardown(ram_event_gives_dram_domain, setup, teardown),
      cmocka_unit_test_setup_teardown(cores_gpu_psys_not_counted, setup, teardown),
      cmocka_unit_test_setup_teardown(cpumask_range_gives_one_domain_per_cpu, setup, teardown),
      cmocka_unit_test_setup_teardown(single_cpu_mask_other_than_zero, setup, teardown),
      cmocka_unit_test_setup_teardown(bad_cpumasks_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(absent_cpu_is_a_syscall_error, setup, teardown),
      cmocka_unit_test_setup_teardown(missing_root_is_enoent, setup, teardown),
      cmocka_unit_test_setup_teardown(no_energy_pkg_is_enodev, setup, teardown),
      cmocka_unit_test_setup_teardown(bad_type_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(bad_event_strings_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(format_files_map_terms, setup, teardown),
      cmocka_unit_test_setup_teardown(unit_other_than_joules_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(scale_required_unit_optional, setup, teardown),
      cmocka_unit_test_setup_teardown(failed_open_leaks_no_fds, setup, teardown),
      cmocka_unit_test_setup_teardown(failed_read_updates_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(restricted_perf_end_to_end, setup, teardown),
      cmocka_unit_test(explain_injected_errno),
      cmocka_unit_test_setup_teardown(max_period_and_resolution, setup, teardown),
      cmocka_unit_test_setup_teardown(default_root_answers_cleanly, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
