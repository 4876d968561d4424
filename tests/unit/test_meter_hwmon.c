/*
 * test_meter_hwmon.c - the "hwmon" meter against fixture trees built in a
 * mkdtemp directory: which energyN_input counters are counted (sockets and
 * packages only when a label names one, else all), domain names and order,
 * hwmonK entries that are symlinks (as in sysfs) and the older device/
 * layout, deltas, a counter that restarts, exact 64-bit totals, a failed
 * read, the -ENOENT / -ENODEV / -EACCES lines (EACCES end to end, dropping
 * to nobody when run as root), $ECOSWEEP_HWMON_ROOT, max_period and the
 * resolution line.
 *
 * It does not touch /sys: this project's CI machines have no hwmon energy
 * counters. Every tree is $base/class (the root the meter is pointed at)
 * plus, for symlink targets, $base/devices.
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
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/helpers.h"

#include "meters/meter.h"
#include "meters/meter_hwmon.h"

static const es_meter_type *const T = &es_meter_hwmon;

static char base[64];  /* the mkdtemp directory */
static char root[128]; /* base/class: what $ECOSWEEP_HWMON_ROOT points at */

static int setup(void **state) {
  (void)state;
  snprintf(base, sizeof base, "/tmp/es-hwmon-XXXXXX");
  if (!mkdtemp(base)) return -1;
  snprintf(root, sizeof root, "%s/class", base);
  if (mkdir(root, 0755) != 0) return -1;
  return setenv(ES_HWMON_ROOT_ENV, root, 1);
}

static int teardown(void **state) {
  (void)state;
  unsetenv(ES_HWMON_ROOT_ENV);
  return es_test_rm_tree(base);
}

/* rel is relative to base. */
static void make_dir(const char *rel) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", base, rel);
  assert_int_equal(mkdir(path, 0755), 0);
}

static void write_file(const char *dir, const char *file, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s/%s", base, dir, file);
  FILE *f = fopen(path, "w");
  if (!f) fail_msg("cannot write %s", path);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
}

/* A device directory dir (relative to base) whose name file says name. */
static void make_device(const char *dir, const char *name) {
  char text[64];
  make_dir(dir);
  if (name) {
    snprintf(text, sizeof text, "%s\n", name);
    write_file(dir, "name", text);
  }
}

static void set_energy(const char *dir, int n, uint64_t uj) {
  char file[64], text[32];
  snprintf(file, sizeof file, "energy%d_input", n);
  snprintf(text, sizeof text, "%llu\n", (unsigned long long)uj);
  write_file(dir, file, text);
}

static void set_label(const char *dir, int n, const char *label) {
  char file[64], text[64];
  snprintf(file, sizeof file, "energy%d_label", n);
  snprintf(text, sizeof text, "%s\n", label);
  write_file(dir, file, text);
}

/* amd_energy on a 2-socket box, shrunk: Ecore000..003 (energy1..4) and
 * Esocket0/1 (energy5, 6), as the driver numbers them. */
static void make_amd_energy(const char *dir) {
  char label[24];
  make_device(dir, "amd_energy");
  for (int i = 0; i < 4; i++) {
    snprintf(label, sizeof label, "Ecore%03d", i);
    set_label(dir, i + 1, label);
    set_energy(dir, i + 1, 1000000);
  }
  set_label(dir, 5, "Esocket0");
  set_energy(dir, 5, 10000000);
  set_label(dir, 6, "Esocket1");
  set_energy(dir, 6, 20000000);
}

static void *open_ok(void) {
  void *st = NULL;
  char why[512] = "";
  int rc = T->open(&st, NULL, why, sizeof why);
  if (rc != 0) fail_msg("open: %d: %s", rc, why);
  assert_non_null(st);
  return st;
}

/* Opening must fail with rc; returns why. */
static const char *open_fails(int rc) {
  static char why[512];
  void *st = (void *)&st;
  why[0] = '\0';
  int got = T->open(&st, NULL, why, sizeof why);
  if (got != rc) fail_msg("open: %d, expected %d: %s", got, rc, why);
  assert_null(st);
  return why;
}

static void expect_domains(void *st, const char *const *want, size_t n) {
  const char *names[16] = {NULL};
  assert_int_equal(T->domains(st, names, 16), n);
  for (size_t i = 0; i < n; i++) assert_string_equal(names[i], want[i]);
}

static void read_ok(void *st, double *per, size_t cap) { assert_int_equal(T->read(st, per, cap), 0); }

static void descriptor(void **state) {
  (void)state;
  assert_string_equal(T->name, "hwmon");
  assert_int_equal(T->kind, ES_METER_HOST);
  assert_int_equal(T->estimate, 0);
  assert_non_null(T->what);
  assert_null(T->probe);
  assert_null(T->trial_joules);
  assert_null(T->device_id);
  assert_non_null(T->open);
  assert_non_null(T->domains);
  assert_non_null(T->read);
  assert_non_null(T->max_period);
  assert_non_null(T->resolution);
  assert_non_null(T->close);
}

static void amd_energy_counts_sockets_only(void **state) {
  (void)state;
  make_amd_energy("class/hwmon0");
  void *st = open_ok();
  const char *want[] = {"amd_energy-Esocket0", "amd_energy-Esocket1"};
  expect_domains(st, want, 2);
  double per[2] = {-1, -1};
  read_ok(st, per, 2);
  assert_true(per[0] == 0.0 && per[1] == 0.0);
  for (int i = 1; i <= 4; i++) set_energy("class/hwmon0", i, 50000000); /* cores: inside the sockets */
  set_energy("class/hwmon0", 5, 13500000);                              /* +3.5 J */
  set_energy("class/hwmon0", 6, 21250000);                              /* +1.25 J */
  read_ok(st, per, 2);
  assert_near(per[0], 3.5, 1e-9);
  assert_near(per[1], 1.25, 1e-9);
  /* A core counter is never even read: garbage there changes nothing. */
  write_file("class/hwmon0", "energy1_input", "garbage\n");
  set_energy("class/hwmon0", 5, 13500001);
  read_ok(st, per, 2);
  assert_near(per[0], 3.500001, 1e-12);
  assert_near(per[1], 1.25, 1e-9);
  T->close(st);
}

/* energy1, 2, 3, 10: numeric order, neither the directory's (created out
 * of order, so neither creation nor reverse order is sorted) nor strcmp's. */
static void unlabelled_device_counts_all(void **state) {
  (void)state;
  make_device("class/hwmon0", "fake_energy");
  set_energy("class/hwmon0", 10, 100);
  set_energy("class/hwmon0", 1, 300);
  set_energy("class/hwmon0", 3, 400);
  set_energy("class/hwmon0", 2, 200);
  void *st = open_ok();
  const char *want[] = {"fake_energy-energy1", "fake_energy-energy2", "fake_energy-energy3", "fake_energy-energy10"};
  expect_domains(st, want, 4);
  set_energy("class/hwmon0", 1, 300 + 1000000);
  set_energy("class/hwmon0", 2, 200 + 2000000);
  set_energy("class/hwmon0", 3, 400 + 3000000);
  set_energy("class/hwmon0", 10, 100 + 10000000);
  double per[4] = {-1, -1, -1, -1};
  read_ok(st, per, 4);
  assert_near(per[0], 1.0, 1e-9);
  assert_near(per[1], 2.0, 1e-9);
  assert_near(per[2], 3.0, 1e-9);
  assert_near(per[3], 10.0, 1e-9);
  T->close(st);
}

/* A graphics driver's energy is the GPU's, never the CPU package's. */
static void gpu_drivers_not_counted(void **state) {
  (void)state;
  make_device("class/hwmon0", "i915");
  set_energy("class/hwmon0", 1, 100);
  make_device("class/hwmon1", "fake_energy");
  set_energy("class/hwmon1", 1, 100);
  void *st = open_ok();
  const char *want[] = {"fake_energy-energy1"};
  expect_domains(st, want, 1);
  T->close(st);
}

/* The socket rule is per device and case-insensitive; labels that name no
 * socket or package leave every counter counted. */
static void socket_words_per_device(void **state) {
  (void)state;
  make_device("class/hwmon0", "a");
  set_label("class/hwmon0", 1, "core0");
  set_label("class/hwmon0", 2, "CPU PKG");
  make_device("class/hwmon1", "b");
  set_label("class/hwmon1", 1, "Package id 0");
  set_label("class/hwmon1", 2, "gfx");
  make_device("class/hwmon2", "c");
  set_label("class/hwmon2", 1, "Ecore001");
  set_label("class/hwmon2", 2, "SoCkEt 1");
  make_device("class/hwmon3", "d");
  set_label("class/hwmon3", 1, "Ecore000");
  set_label("class/hwmon3", 2, "Ecore001");
  make_device("class/hwmon4", "e"); /* one labelled, one not: all counted */
  set_label("class/hwmon4", 1, "vdd");
  for (int k = 0; k < 5; k++) {
    char dir[32];
    snprintf(dir, sizeof dir, "class/hwmon%d", k);
    set_energy(dir, 1, 0);
    set_energy(dir, 2, 0);
  }
  void *st = open_ok();
  const char *want[] = {"a-CPU PKG", "b-Package id 0", "c-SoCkEt 1", "d-Ecore000", "d-Ecore001", "e-vdd",
                        "e-energy2"};
  expect_domains(st, want, 7);
  T->close(st);
}

static void two_devices_ordered_by_index(void **state) {
  (void)state;
  make_device("class/hwmon10", "zeta");
  set_energy("class/hwmon10", 1, 5000000);
  make_amd_energy("class/hwmon2");
  make_device("class/hwmon3", "coretemp"); /* no energy: not a domain */
  write_file("class/hwmon3", "temp1_input", "45000\n");
  write_file("class", "hwmon4", "not a directory\n");
  make_device("class/other", "stray"); /* not hwmonK: ignored */
  set_energy("class/other", 1, 0);
  void *st = open_ok();
  const char *want[] = {"amd_energy-Esocket0", "amd_energy-Esocket1", "zeta-energy1"};
  expect_domains(st, want, 3);
  set_energy("class/hwmon10", 1, 5750000);
  set_energy("class/hwmon2", 6, 22000000);
  set_energy("class/other", 1, 99000000);
  double per[3] = {-1, -1, -1};
  read_ok(st, per, 3);
  assert_near(per[0], 0.0, 1e-12);
  assert_near(per[1], 2.0, 1e-9);
  assert_near(per[2], 0.75, 1e-9);
  char res[128];
  T->resolution(st, res, sizeof res);
  assert_string_equal(res, "1 µJ counters (hwmon amd_energy, zeta)");
  T->close(st);
}

/* As in sysfs: class/hwmon7 -> ../devices/platform/amd_energy.0/hwmon/hwmon7 */
static void symlinked_entry_followed(void **state) {
  (void)state;
  make_dir("devices");
  make_dir("devices/platform");
  make_dir("devices/platform/amd_energy.0");
  make_dir("devices/platform/amd_energy.0/hwmon");
  make_amd_energy("devices/platform/amd_energy.0/hwmon/hwmon7");
  char link[512];
  snprintf(link, sizeof link, "%s/hwmon7", root);
  assert_int_equal(symlink("../devices/platform/amd_energy.0/hwmon/hwmon7", link), 0);
  void *st = open_ok();
  const char *want[] = {"amd_energy-Esocket0", "amd_energy-Esocket1"};
  expect_domains(st, want, 2);
  set_energy("devices/platform/amd_energy.0/hwmon/hwmon7", 5, 12000000);
  double per[2] = {-1, -1};
  read_ok(st, per, 2);
  assert_near(per[0], 2.0, 1e-9);
  assert_near(per[1], 0.0, 1e-12);
  T->close(st);
}

/* The older layout: hwmonK holds nothing, its device/ (a symlink in sysfs)
 * has name and the counters. A device with counters of its own is not
 * looked at below. */
static void device_layout(void **state) {
  (void)state;
  make_dir("devices");
  make_device("devices/legacy.0", "legacy_drv");
  set_energy("devices/legacy.0", 1, 0);
  set_label("devices/legacy.0", 1, "core 0");
  set_energy("devices/legacy.0", 2, 0);
  set_label("devices/legacy.0", 2, "Socket 0");
  make_device("class/hwmon0", NULL);
  char link[512];
  snprintf(link, sizeof link, "%s/hwmon0/device", root);
  assert_int_equal(symlink("../../devices/legacy.0", link), 0);

  make_device("class/hwmon1", "modern");
  set_energy("class/hwmon1", 1, 0);
  make_device("class/hwmon1/device", "modern_parent");
  set_energy("class/hwmon1/device", 1, 0);

  void *st = open_ok();
  const char *want[] = {"legacy_drv-Socket 0", "modern-energy1"};
  expect_domains(st, want, 2);
  set_energy("devices/legacy.0", 1, 9000000);
  set_energy("devices/legacy.0", 2, 4000000);
  set_energy("class/hwmon1", 1, 1000000);
  set_energy("class/hwmon1/device", 1, 7000000);
  double per[2] = {-1, -1};
  read_ok(st, per, 2);
  assert_near(per[0], 4.0, 1e-9);
  assert_near(per[1], 1.0, 1e-9);
  char res[128];
  T->resolution(st, res, sizeof res);
  assert_string_equal(res, "1 µJ counters (hwmon legacy_drv, modern)");
  T->close(st);
}

static void device_without_name_file(void **state) {
  (void)state;
  make_device("class/hwmon3", NULL);
  set_energy("class/hwmon3", 1, 0);
  void *st = open_ok();
  const char *want[] = {"hwmon3-energy1"};
  expect_domains(st, want, 1);
  T->close(st);
}

/* A lower reading is a restart from 0: the new reading is the delta. */
static void counter_backwards_counts_new_reading(void **state) {
  (void)state;
  make_device("class/hwmon0", "x");
  set_energy("class/hwmon0", 1, 10000000);
  void *st = open_ok();
  double per = -1;
  set_energy("class/hwmon0", 1, 15000000); /* +5 J */
  read_ok(st, &per, 1);
  assert_near(per, 5.0, 1e-9);
  set_energy("class/hwmon0", 1, 1000000); /* restarted: 1 J since */
  read_ok(st, &per, 1);
  assert_near(per, 6.0, 1e-9);
  set_energy("class/hwmon0", 1, 3000000);
  read_ok(st, &per, 1);
  assert_near(per, 8.0, 1e-9);
  read_ok(st, &per, 1); /* unchanged: nothing added */
  assert_near(per, 8.0, 1e-9);
  T->close(st);
}

/* Near 2^64 a double cannot hold a microjoule step; the totals must. */
static void large_64bit_counters_exact(void **state) {
  (void)state;
  make_device("class/hwmon0", "x");
  set_energy("class/hwmon0", 1, 18446744073709000000ULL);
  void *st = open_ok();
  double per = -1;
  set_energy("class/hwmon0", 1, 18446744073709000001ULL);
  read_ok(st, &per, 1);
  assert_near(per, 1e-6, 1e-15);
  set_energy("class/hwmon0", 1, 18446744073709551615ULL);
  read_ok(st, &per, 1);
  assert_near(per, 0.551615, 1e-12);
  T->close(st);
}

static void failed_read_updates_nothing(void **state) {
  (void)state;
  make_device("class/hwmon0", "x");
  set_energy("class/hwmon0", 1, 0);
  set_energy("class/hwmon0", 2, 0);
  void *st = open_ok();
  set_energy("class/hwmon0", 1, 1000000);
  write_file("class/hwmon0", "energy2_input", "garbage\n");
  double per[2] = {42, 42};
  assert_int_equal(T->read(st, per, 2), -EINVAL);
  assert_true(per[0] == 42 && per[1] == 42);
  char path[512];
  snprintf(path, sizeof path, "%s/hwmon0/energy2_input", root);
  assert_int_equal(unlink(path), 0);
  assert_int_equal(T->read(st, per, 2), -ENOENT);
  assert_true(per[0] == 42 && per[1] == 42);
  set_energy("class/hwmon0", 2, 250000);
  read_ok(st, per, 2); /* the first counter's +1 J counted once, not lost */
  assert_near(per[0], 1.0, 1e-9);
  assert_near(per[1], 0.25, 1e-9);
  T->close(st);
}

static void domains_and_read_respect_cap(void **state) {
  (void)state;
  make_amd_energy("class/hwmon0");
  void *st = open_ok();
  assert_int_equal(T->domains(st, NULL, 0), 2);
  const char *one[2] = {NULL, NULL};
  assert_int_equal(T->domains(st, one, 1), 2);
  assert_string_equal(one[0], "amd_energy-Esocket0");
  assert_null(one[1]);
  set_energy("class/hwmon0", 5, 11000000);
  set_energy("class/hwmon0", 6, 21000000);
  double per[2] = {-1, -1};
  read_ok(st, per, 1);
  assert_near(per[0], 1.0, 1e-9);
  assert_true(per[1] == -1);
  assert_int_equal(T->read(st, NULL, 0), 0); /* totals still advance */
  read_ok(st, per, 2);
  assert_near(per[1], 1.0, 1e-9);
  T->close(st);
  assert_int_equal(T->domains(NULL, NULL, 0), 0);
  assert_int_equal(T->read(NULL, per, 2), -EINVAL);
  T->close(NULL);
}

static void missing_root_is_enoent(void **state) {
  (void)state;
  char missing[256], want[512];
  snprintf(missing, sizeof missing, "%s/no-such-dir", base);
  assert_int_equal(setenv(ES_HWMON_ROOT_ENV, missing, 1), 0);
  snprintf(want, sizeof want, "no hwmon at %s", missing);
  assert_string_equal(open_fails(-ENOENT), want);
  void *st = NULL;
  assert_int_equal(T->open(&st, NULL, NULL, 0), -ENOENT); /* why is optional */
  assert_null(st);
}

static void no_energy_counters_is_enodev(void **state) {
  (void)state;
  char want[512];
  snprintf(want, sizeof want, "no hwmon energy counters under %s (no hwmon devices)", root);
  assert_string_equal(open_fails(-ENODEV), want);

  make_device("class/hwmon0", "coretemp");
  write_file("class/hwmon0", "temp1_input", "45000\n");
  make_device("class/hwmon1", "nvme");
  write_file("class/hwmon1", "temp1_input", "38000\n");
  write_file("class/hwmon1", "temp1_label", "Composite\n");
  set_label("class/hwmon1", 1, "Esocket0"); /* a label without its counter */
  snprintf(want, sizeof want, "no hwmon energy counters under %s (2 hwmon devices: coretemp, nvme)", root);
  assert_string_equal(open_fails(-ENODEV), want);
}

/* Many devices: the line stays short and says the list was cut. */
static void enodev_line_stays_short(void **state) {
  (void)state;
  for (int k = 0; k < 40; k++) {
    char dir[32];
    snprintf(dir, sizeof dir, "class/hwmon%d", k);
    make_device(dir, "some_sensor_driver");
  }
  const char *why = open_fails(-ENODEV);
  char head[256];
  snprintf(head, sizeof head, "no hwmon energy counters under %s (40 hwmon devices: some_sensor_driver, ", root);
  assert_true(strncmp(why, head, strlen(head)) == 0);
  size_t len = strlen(why);
  assert_true(len < 300);
  assert_string_equal(why + len - 6, ", ...)");
}

/* A label that cannot be read is refused, not guessed (a guess could count
 * a core and its socket). A directory cannot be read even by root. */
static void unreadable_label_refused(void **state) {
  (void)state;
  make_device("class/hwmon0", "x");
  set_energy("class/hwmon0", 1, 0);
  make_dir("class/hwmon0/energy1_label");
  char want[512];
  snprintf(want, sizeof want, "cannot read %s/hwmon0/energy1_label: %s", root, strerror(EISDIR));
  assert_string_equal(open_fails(-EISDIR), want);
}

/* The real thing: a socket counter mode 000 opened by an unprivileged
 * process. As root (where chmod blocks nothing) a child drops to nobody. */
static void unreadable_counter_is_eacces(void **state) {
  (void)state;
  make_amd_energy("class/hwmon0");
  assert_int_equal(chmod(base, 0755), 0);
  char path[256];
  snprintf(path, sizeof path, "%s/hwmon0/energy6_input", root);
  assert_int_equal(chmod(path, 0), 0);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(3);
    void *st = NULL;
    char why[512] = "", want[512];
    int rc = T->open(&st, NULL, why, sizeof why);
    snprintf(want, sizeof want,
             "%s is readable only by root (amd_energy's counters are root-only since CVE-2020-12912): run as root, "
             "or `chmod a+r` it (a udev rule makes that permanent)",
             path);
    if (rc != -EACCES || st) {
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

static void env_root_honoured(void **state) {
  (void)state;
  char other[256];
  snprintf(other, sizeof other, "%s/elsewhere", base);
  make_dir("elsewhere");
  make_device("elsewhere/hwmon0", "there");
  set_energy("elsewhere/hwmon0", 1, 0);
  make_device("class/hwmon0", "here");
  set_energy("class/hwmon0", 1, 0);

  void *st = open_ok();
  const char *here[] = {"here-energy1"};
  expect_domains(st, here, 1);
  T->close(st);

  assert_int_equal(setenv(ES_HWMON_ROOT_ENV, other, 1), 0);
  st = open_ok();
  const char *there[] = {"there-energy1"};
  expect_domains(st, there, 1);
  T->close(st);

  /* Empty or unset: the real /sys/class/hwmon, whatever this machine has. */
  char why[512] = "";
  assert_int_equal(setenv(ES_HWMON_ROOT_ENV, "", 1), 0);
  st = NULL;
  if (T->open(&st, NULL, why, sizeof why) == 0)
    T->close(st);
  else
    assert_non_null(strstr(why, ES_HWMON_ROOT_DEFAULT));
  unsetenv(ES_HWMON_ROOT_ENV);
  st = NULL;
  why[0] = '\0';
  if (T->open(&st, NULL, why, sizeof why) == 0)
    T->close(st);
  else
    assert_non_null(strstr(why, ES_HWMON_ROOT_DEFAULT));
}

static void max_period_and_resolution(void **state) {
  (void)state;
  make_amd_energy("class/hwmon0");
  make_amd_energy("class/hwmon1"); /* the same driver twice: named once */
  void *st = open_ok();
  assert_near(T->max_period(st, 40.0), 10.0, 1e-12);
  assert_near(T->max_period(st, 1e6), 10.0, 1e-12);
  assert_near(T->max_period(st, NAN), 10.0, 1e-12);
  assert_near(T->max_period(st, -5.0), 10.0, 1e-12);
  assert_near(ES_HWMON_MAX_PERIOD_S, 10.0, 0);
  char res[128];
  T->resolution(st, res, sizeof res);
  assert_string_equal(res, "1 µJ counters (hwmon amd_energy)");
  char tiny[8];
  T->resolution(st, tiny, sizeof tiny);
  assert_int_equal(strlen(tiny), sizeof tiny - 1); /* truncated, terminated */
  assert_int_equal(T->domains(st, NULL, 0), 4);
  T->close(st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(descriptor),
      cmocka_unit_test_setup_teardown(amd_energy_counts_sockets_only, setup, teardown),
      cmocka_unit_test_setup_teardown(unlabelled_device_counts_all, setup, teardown),
      cmocka_unit_test_setup_teardown(gpu_drivers_not_counted, setup, teardown),
      cmocka_unit_test_setup_teardown(socket_words_per_device, setup, teardown),
      cmocka_unit_test_setup_teardown(two_devices_ordered_by_index, setup, teardown),
      cmocka_unit_test_setup_teardown(symlinked_entry_followed, setup, teardown),
      cmocka_unit_test_setup_teardown(device_layout, setup, teardown),
      cmocka_unit_test_setup_teardown(device_without_name_file, setup, teardown),
      cmocka_unit_test_setup_teardown(counter_backwards_counts_new_reading, setup, teardown),
      cmocka_unit_test_setup_teardown(large_64bit_counters_exact, setup, teardown),
      cmocka_unit_test_setup_teardown(failed_read_updates_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(domains_and_read_respect_cap, setup, teardown),
      cmocka_unit_test_setup_teardown(missing_root_is_enoent, setup, teardown),
      cmocka_unit_test_setup_teardown(no_energy_counters_is_enodev, setup, teardown),
      cmocka_unit_test_setup_teardown(enodev_line_stays_short, setup, teardown),
      cmocka_unit_test_setup_teardown(unreadable_label_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(unreadable_counter_is_eacces, setup, teardown),
      cmocka_unit_test_setup_teardown(env_root_honoured, setup, teardown),
      cmocka_unit_test_setup_teardown(max_period_and_resolution, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
