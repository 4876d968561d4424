/*
 * test_cgroup.c - per-trial cgroup v2 groups (workers/cgroup.c).
 *
 * Two halves. Fixture files in a mkdtemp directory drive
 * es_cgroup_base_open's discovery (no cgroup2 mount, no "0::" line, a
 * "mount point" that is a plain directory without cpu.stat) and the cpu.stat
 * parser, with no cgroup at all. Then the real cgroup2 tree (found through
 * /proc/self, as ecosweep finds it) with real child processes: usage equal
 * to the child's rusage, a setsid grandchild that outlives its parent still
 * counted, cgroup.kill ending a whole tree, EBUSY while populated, and
 * base_close cleaning up what is left.
 *
 * The real half needs write access to the cgroup2 tree (root on this
 * project's CI VMs); where open fails for lack of it (EACCES, EPERM, EROFS,
 * ENOENT) those tests are skipped with the reason printed, never passed.
 * Times are CPU times, never wall times: a busy VM stretches the latter.
 * Orphans are re-parented to PID 1, which reaps slowly on these VMs, so a
 * grandchild counts as gone once /proc shows it a zombie.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/helpers.h"

#include "workers/cgroup.h"

/* What each test leaves behind, undone by teardown even when an assertion
 * jumped out half way. */
static char tmp[64];         /* fixture directory */
static char name[64];        /* the real base group's name */
static es_cgroup_base *base; /* the real base group, or NULL */
static pid_t kids[4];        /* our direct children, killed and reaped */
static size_t n_kids;
static pid_t grandkid;         /* a grandchild not yet seen gone */
static char closing[PATH_MAX]; /* a base handed to base_close: removed here if it failed to */

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
}

static int exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static double now_s(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Undo a base group that es_cgroup_base_close left behind (only when the
 * test has already failed): kill each child group, remove it, then the base. */
static void remove_leftover(const char *path) {
  DIR *d = opendir(path);
  if (!d) return;
  struct dirent *e;
  char sub[PATH_MAX + 300];
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    snprintf(sub, sizeof sub, "%s/%s/cgroup.kill", path, e->d_name);
    int fd = open(sub, O_WRONLY | O_CLOEXEC);
    if (fd < 0) continue; /* a file of the base itself, not a child group */
    ssize_t n = write(fd, "1", 1);
    (void)n; /* the rmdir below tells whether it worked */
    close(fd);
    snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
    for (int i = 0; i < 100 && rmdir(sub) != 0 && errno == EBUSY; i++) sleep_ms(10);
  }
  closedir(d);
  rmdir(path);
}

static int setup(void **state) {
  (void)state;
  base = NULL;
  n_kids = 0;
  grandkid = 0;
  closing[0] = '\0';
  snprintf(tmp, sizeof tmp, "/tmp/es-cgroup-XXXXXX");
  return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  for (size_t i = 0; i < n_kids; i++) {
    kill(kids[i], SIGKILL);
    waitpid(kids[i], NULL, 0);
  }
  if (grandkid > 0) kill(grandkid, SIGKILL);
  es_cgroup_base_close(base); /* kills what is left in its groups */
  if (closing[0]) remove_leftover(closing);
  return es_test_rm_tree(tmp);
}

/* Spin until this process has used cpu_s of CPU since it was forked. */
static void burn(double cpu_s) {
  volatile uint64_t x = 1;
  while (now_s(CLOCK_PROCESS_CPUTIME_ID) < cpu_s)
    for (int i = 0; i < 100000; i++) x = x * 6364136223846793005ULL + 1;
}

/* The state letter of /proc/PID/stat ('R', 'S', 'Z', ...), or 0 when the
 * process is gone. The command name may hold ')' - hence strrchr. */
static char proc_state(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "re");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  char *p = strrchr(buf, ')');
  return p && p[1] == ' ' ? p[2] : 0;
}

static double ru_cpu(const struct rusage *ru) {
  return (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6 + (double)ru->ru_stime.tv_sec +
         ru->ru_stime.tv_usec / 1e6;
}

/* A process that is a zombie or gone holds nothing in any cgroup. */
static int gone_within(pid_t pid, long ms) {
  for (long t = 0; t <= ms; t += 5) {
    char s = proc_state(pid);
    if (s == 0 || s == 'Z') return 1;
    sleep_ms(5);
  }
  return 0;
}

/* Reap our child pid within ms, or 0 (it is then still tracked for
 * teardown). */
static int reap_within(pid_t pid, long ms, int *status, struct rusage *ru) {
  for (long t = 0; t <= ms; t += 5) {
    pid_t r = wait4(pid, status, WNOHANG, ru);
    if (r == pid) {
      for (size_t i = 0; i < n_kids; i++)
        if (kids[i] == pid) kids[i] = kids[--n_kids];
      return 1;
    }
    if (r < 0) return 0;
    sleep_ms(5);
  }
  return 0;
}

/* ---- children ------------------------------------------------------------ */

enum role {
  ROLE_BURN,       /* burn 0.3 CPU-s, exit */
  ROLE_ORPHAN,     /* fork a grandchild that setsid()s and burns 0.2 CPU-s; exit at once */
  ROLE_SLEEP,      /* sleep until killed */
  ROLE_SLEEP_TREE, /* fork a sleeping grandchild; sleep until killed */
};

typedef struct {
  pid_t pid;
  int info; /* read end: the grandchild's pid, then EOF once every holder is gone */
} kid;

static void child_main(enum role role, int gate, int info) {
  char c;
  ssize_t n;
  do n = read(gate, &c, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1) _exit(9); /* the parent failed before attaching us */
  close(gate);
  if (role == ROLE_BURN) {
    burn(0.3);
    _exit(0);
  }
  if (role == ROLE_SLEEP)
    for (;;) pause();
  pid_t g = fork();
  if (g < 0) _exit(8);
  if (g == 0) {
    if (role == ROLE_ORPHAN && setsid() < 0) _exit(7);
    pid_t me = getpid();
    if (write(info, &me, sizeof me) != (ssize_t)sizeof me) _exit(6);
    if (role == ROLE_ORPHAN) {
      burn(0.2);
      _exit(0);
    }
    for (;;) pause();
  }
  close(info); /* only the grandchild keeps it: EOF tells the test it ended */
  if (role == ROLE_ORPHAN) _exit(0);
  for (;;) pause();
}

/* Fork a child in the role, move it into the group dirfd, and only then let
 * it start, so that everything it does is counted there. */
static kid start_kid(enum role role, int dirfd) {
  int gate[2], info[2];
  assert_int_equal(pipe2(gate, O_CLOEXEC), 0);
  assert_int_equal(pipe2(info, O_CLOEXEC), 0);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(gate[1]);
    close(info[0]);
    child_main(role, gate[0], info[1]);
  }
  kids[n_kids++] = pid;
  close(gate[0]);
  close(info[1]);
  assert_int_equal(es_cgroup_attach(dirfd, pid), 0);
  assert_int_equal(write(gate[1], "g", 1), 1);
  close(gate[1]);
  return (kid){pid, info[0]};
}

/* n bytes from fd within ms: 1, or 0 on timeout, EOF or error. */
static int read_within(int fd, void *buf, size_t n, long ms) {
  struct pollfd p = {fd, POLLIN, 0};
  if (poll(&p, 1, (int)ms) != 1) return 0;
  return read(fd, buf, n) == (ssize_t)n;
}

/* Wait for EOF on fd (every writer gone) within ms. */
static int eof_within(int fd, long ms) {
  char buf[64];
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, (int)ms) != 1) return 0;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0) return 1;
    if (n < 0 && errno != EINTR) return 0;
  }
}

/* Whether pid is listed in the group's cgroup.procs. */
static int in_group(int dirfd, pid_t pid) {
  int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  for (char *p = buf; *p;) {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p) break;
    if (v == (long)pid) return 1;
    p = end + (*end == '\n');
  }
  return 0;
}

/* ---- base_open on fixture files -------------------------------------------- */

/* A mountinfo of the hybrid kind, without or with a cgroup2 line at mnt.
 * The decoys' mount points lie in the fixture directory too (and do not
 * exist), so a parser that took one would touch nothing real. */
static void write_mountinfo(const char *path, const char *mnt) {
  char text[2048];
  int n = snprintf(text, sizeof text,
                   "22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
                   "30 22 0:26 / %s/v1 ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755\n"
                   "33 30 0:29 / %s/v1/cpu rw,relatime shared:10 - cgroup cgroup rw,cpu\n"
                   /* a cgroup2 source on another file system type is no cgroup2 */
                   "34 22 0:30 / %s/cg rw,relatime shared:11 - tmpfs cgroup2 rw\n",
                   tmp, tmp, tmp);
  if (mnt) snprintf(text + n, sizeof text - n, "41 30 0:38 / %s rw,relatime shared:9 - cgroup2 cgroup2 rw\n", mnt);
  write_file(path, text);
}

static void no_cgroup2_mount_is_enoent(void **state) {
  (void)state;
  char mi[128], sc[128], why[512] = "";
  snprintf(mi, sizeof mi, "%s/mountinfo", tmp);
  snprintf(sc, sizeof sc, "%s/cgroup", tmp);
  write_mountinfo(mi, NULL);
  write_file(sc, "1:cpu:/\n0::/\n");
  es_cgroup_base *b = (es_cgroup_base *)&b; /* must be cleared */
  assert_int_equal(es_cgroup_base_open(&b, "es", mi, sc, why, sizeof why), -ENOENT);
  assert_null(b);
  assert_string_equal(why, "no cgroup2 file system is mounted");

  /* No mountinfo at all says the same. */
  snprintf(mi, sizeof mi, "%s/no-such-mountinfo", tmp);
  why[0] = '\0';
  assert_int_equal(es_cgroup_base_open(&b, "es", mi, sc, why, sizeof why), -ENOENT);
  assert_null(b);
  assert_string_equal(why, "no cgroup2 file system is mounted");
}

static void no_own_cgroup_line_is_an_error(void **state) {
  (void)state;
  char mi[128], sc[128], mnt[128], why[512] = "";
  snprintf(mnt, sizeof mnt, "%s/mnt", tmp);
  assert_int_equal(mkdir(mnt, 0755), 0);
  snprintf(mi, sizeof mi, "%s/mountinfo", tmp);
  snprintf(sc, sizeof sc, "%s/cgroup", tmp);
  write_mountinfo(mi, mnt);
  write_file(sc, "9:name=systemd:/\n1:cpu:/\n"); /* v1 lines only */
  es_cgroup_base *b = (es_cgroup_base *)&b;
  int rc = es_cgroup_base_open(&b, "es", mi, sc, why, sizeof why);
  assert_true(rc < 0);
  assert_null(b);
  if (!strstr(why, "\"0::\"")) fail_msg("why: %s", why);
  char made[192];
  snprintf(made, sizeof made, "%s/es", mnt);
  assert_false(exists(made)); /* nothing made before the group was known */

  /* An unreadable /proc/self/cgroup stand-in is an error too. */
  snprintf(sc, sizeof sc, "%s/no-such-cgroup", tmp);
  why[0] = '\0';
  assert_true(es_cgroup_base_open(&b, "es", mi, sc, why, sizeof why) < 0);
  assert_null(b);
  assert_true(why[0] != '\0');
}

/* The "cgroup2 mount" is a plain directory: mkdir works there, but the new
 * directory has no cpu.stat, so it is no cgroup and must not be kept. */
static void plain_directory_without_cpu_stat_is_refused(void **state) {
  (void)state;
  char mi[128], sc[128], mnt[128], own[160], made[192], why[512] = "";
  snprintf(mnt, sizeof mnt, "%s/mnt", tmp);
  snprintf(own, sizeof own, "%s/sub", mnt);
  snprintf(made, sizeof made, "%s/es-x", own);
  assert_int_equal(mkdir(mnt, 0755), 0);
  assert_int_equal(mkdir(own, 0755), 0);
  snprintf(mi, sizeof mi, "%s/mountinfo", tmp);
  snprintf(sc, sizeof sc, "%s/cgroup", tmp);
  write_mountinfo(mi, mnt);
  write_file(sc, "4:memory:/elsewhere\n0::/sub\n"); /* ours is /sub in the cgroup2 tree */
  es_cgroup_base *b = (es_cgroup_base *)&b;
  assert_int_equal(es_cgroup_base_open(&b, "es-x", mi, sc, why, sizeof why), -ENOENT);
  assert_null(b);
  /* The why names the group it tried, under our own group, and cpu.stat. */
  if (!strstr(why, made) || !strstr(why, "cpu.stat")) fail_msg("why: %s", why);
  assert_false(exists(made));
  assert_true(exists(own));

  /* A mount point that does not exist: mkdir fails, and says where. */
  write_file(sc, "0::/\n");
  snprintf(mnt, sizeof mnt, "%s/gone", tmp);
  write_mountinfo(mi, mnt);
  why[0] = '\0';
  assert_int_equal(es_cgroup_base_open(&b, "es-x", mi, sc, why, sizeof why), -ENOENT);
  assert_null(b);
  snprintf(made, sizeof made, "%s/gone/es-x", tmp);
  if (!strstr(why, made)) fail_msg("why: %s", why);
}

/* ---- cpu.stat parsing and file errors on a plain directory ----------------- */

static void cpu_stat_parsing(void **state) {
  (void)state;
  int fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(fd >= 0);
  char path[128];
  snprintf(path, sizeof path, "%s/cpu.stat", tmp);
  double cpu = -1;

  assert_int_equal(es_cgroup_cpu(fd, &cpu), -ENOENT); /* no cpu.stat: no cgroup */

  write_file(path, "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\nnice_usec 0\n");
  assert_int_equal(es_cgroup_cpu(fd, &cpu), 0);
  assert_near(cpu, 2.5, 1e-12);

  write_file(path, "user_usec 7\nusage_usec 1234567\n"); /* found at any line start */
  assert_int_equal(es_cgroup_cpu(fd, &cpu), 0);
  assert_near(cpu, 1.234567, 1e-12);

  write_file(path, "user_usec 2000000\nsystem_usec 500000\n");
  assert_int_equal(es_cgroup_cpu(fd, &cpu), -EINVAL);
  write_file(path, "xusage_usec 9\n"); /* only a whole key counts */
  assert_int_equal(es_cgroup_cpu(fd, &cpu), -EINVAL);

  /* Nothing is created where cgroup files are missing. */
  assert_int_equal(es_cgroup_kill(fd), -ENOENT);
  assert_int_equal(es_cgroup_attach(fd, getpid()), -ENOENT);
  snprintf(path, sizeof path, "%s/cgroup.kill", tmp);
  assert_false(exists(path));

  assert_int_equal(close(fd), 0);
  assert_int_equal(es_cgroup_cpu(fd, &cpu), -EBADF); /* closed */
  assert_int_equal(es_cgroup_cpu(-1, &cpu), -EBADF);
}

/* ---- the real cgroup2 tree -------------------------------------------------- */

/* Open the base group "es-test-PID-what" from the real /proc/self files, or
 * skip where this machine gives us no writable cgroup2 tree. */
static void open_real(const char *what) {
  snprintf(name, sizeof name, "es-test-%d-%s", (int)getpid(), what);
  char why[512] = "";
  int rc = es_cgroup_base_open(&base, name, NULL, NULL, why, sizeof why);
  if (rc == -EACCES || rc == -EPERM || rc == -EROFS || rc == -ENOENT) {
    print_message("skipped, no writable cgroup2 tree: %s\n", why);
    skip();
  }
  if (rc != 0) fail_msg("es_cgroup_base_open: %d: %s", rc, why);
  assert_non_null(base);
}

/* The cgroup2 mount point and our group in it, read here independently of
 * cgroup.c. */
static void real_mount_and_own(char *mnt, size_t mnt_len, char *own, size_t own_len) {
  char line[4096];
  mnt[0] = own[0] = '\0';
  FILE *f = fopen("/proc/self/mountinfo", "re");
  assert_non_null(f);
  while (fgets(line, sizeof line, f)) {
    char *dash = strstr(line, " - cgroup2 ");
    if (!dash) continue;
    char *p = line;
    for (int field = 0; field < 4 && p; field++) /* to field 5, the mount point */
      if ((p = strchr(p, ' '))) p++;
    if (!p) continue;
    size_t n = strcspn(p, " ");
    snprintf(mnt, mnt_len, "%.*s", (int)n, p);
    break;
  }
  fclose(f);
  f = fopen("/proc/self/cgroup", "re");
  assert_non_null(f);
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "0::", 3) == 0) {
      line[strcspn(line, "\n")] = '\0';
      snprintf(own, own_len, "%s", line + 3);
    }
  fclose(f);
}

static void real_base_is_a_group_under_our_own(void **state) {
  (void)state;
  open_real("path");
  char mnt[4096], own[4096], want[8300], procs[PATH_MAX + 16];
  real_mount_and_own(mnt, sizeof mnt, own, sizeof own);
  assert_true(mnt[0] == '/');
  snprintf(want, sizeof want, "%s%s/%s", mnt, strcmp(own, "/") == 0 ? "" : own, name);
  const char *path = es_cgroup_base_path(base);
  assert_string_equal(path, want);
  assert_true(strncmp(path, mnt, strlen(mnt)) == 0 && path[strlen(mnt)] == '/');
  snprintf(procs, sizeof procs, "%s/cgroup.procs", path);
  assert_true(exists(procs)); /* a real group, made by the kernel */
  double cpu = -1;
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(es_cgroup_cpu(fd, &cpu), 0);
  close(fd);
  assert_near(cpu, 0.0, 1e-9); /* nothing ever ran in it */
}

/* usage_usec of a group holding one child equals the child's own rusage. */
static void cpu_matches_childs_rusage(void **state) {
  (void)state;
  open_real("cpu");
  int fd = -1;
  assert_int_equal(es_cgroup_create(base, "burn", &fd), 0);
  assert_true(fd >= 0);
  char dir[PATH_MAX + 8];
  snprintf(dir, sizeof dir, "%s/burn/cgroup.procs", es_cgroup_base_path(base));
  assert_true(exists(dir));

  double before = -1, after = -1;
  assert_int_equal(es_cgroup_cpu(fd, &before), 0);
  assert_near(before, 0.0, 1e-9);
  kid k = start_kid(ROLE_BURN, fd);
  assert_true(in_group(fd, k.pid) || proc_state(k.pid) == 'Z');
  int status = 0;
  struct rusage ru;
  if (!reap_within(k.pid, 2500, &status, &ru)) fail_msg("the burning child did not end");
  close(k.info);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  double child = ru_cpu(&ru);
  assert_true(child >= 0.29);
  assert_int_equal(es_cgroup_cpu(fd, &after), 0);
  assert_near(after, child, 0.020);
  assert_int_equal(es_cgroup_remove(base, "burn", fd), 0);
  assert_false(exists(dir));
}

/* The point of cgroups over /proc: a setsid grandchild that outlives its
 * parent is counted, though its parent's rusage never sees it. */
static void setsid_orphan_is_counted(void **state) {
  (void)state;
  open_real("orphan");
  int fd = -1;
  assert_int_equal(es_cgroup_create(base, "tree", &fd), 0);
  kid k = start_kid(ROLE_ORPHAN, fd);
  pid_t g = 0;
  if (!read_within(k.info, &g, sizeof g, 2000)) fail_msg("no grandchild pid");
  grandkid = g;
  int status = 0;
  struct rusage ru;
  if (!reap_within(k.pid, 2000, &status, &ru)) fail_msg("the child did not exit at once");
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  double child = ru_cpu(&ru);
  if (!eof_within(k.info, 2500)) fail_msg("the grandchild did not end");
  close(k.info);
  if (!gone_within(g, 2000)) fail_msg("grandchild %d still running", (int)g);
  grandkid = 0;
  double cpu = -1;
  assert_int_equal(es_cgroup_cpu(fd, &cpu), 0);
  assert_true(child < 0.05);
  if (!(cpu >= 0.15 + child && cpu < 0.5)) fail_msg("group cpu %.6f s, child's rusage %.6f s", cpu, child);
  assert_int_equal(es_cgroup_remove(base, "tree", fd), 0);
}

/* cgroup.kill ends a sleeping child and its sleeping grandchild. */
static void kill_ends_the_whole_tree(void **state) {
  (void)state;
  open_real("kill");
  int fd = -1;
  assert_int_equal(es_cgroup_create(base, "tree", &fd), 0);
  kid k = start_kid(ROLE_SLEEP_TREE, fd);
  pid_t g = 0;
  if (!read_within(k.info, &g, sizeof g, 2000)) fail_msg("no grandchild pid");
  grandkid = g;
  assert_true(in_group(fd, g)); /* the grandchild was born into the group */
  char s = proc_state(g);
  assert_true(s != 0 && s != 'Z');
  s = proc_state(k.pid);
  assert_true(s != 0 && s != 'Z');

  assert_int_equal(es_cgroup_kill(fd), 0);
  int status = 0;
  struct rusage ru;
  if (!reap_within(k.pid, 1000, &status, &ru)) fail_msg("the child survived cgroup.kill");
  assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  if (!gone_within(g, 1000)) fail_msg("grandchild %d survived cgroup.kill", (int)g);
  grandkid = 0;
  assert_true(eof_within(k.info, 1000)); /* its last fd closed: it really exited */
  close(k.info);
  assert_int_equal(es_cgroup_remove(base, "tree", fd), 0);
}

/* EBUSY while a live process is inside; removable once it is gone. */
static void remove_is_ebusy_while_populated(void **state) {
  (void)state;
  open_real("busy");
  int fd = -1;
  assert_int_equal(es_cgroup_create(base, "busy", &fd), 0);
  kid k = start_kid(ROLE_SLEEP, fd);
  close(k.info);
  char dir[PATH_MAX + 8];
  snprintf(dir, sizeof dir, "%s/busy", es_cgroup_base_path(base));
  assert_int_equal(es_cgroup_remove(base, "busy", fd), -EBUSY); /* fd closed all the same */
  assert_true(exists(dir));
  assert_int_equal(kill(k.pid, SIGKILL), 0);
  int status = 0;
  struct rusage ru;
  if (!reap_within(k.pid, 1000, &status, &ru)) fail_msg("child not reaped");
  assert_int_equal(es_cgroup_remove(base, "busy", -1), 0);
  assert_false(exists(dir));
  assert_int_equal(es_cgroup_remove(base, "busy", -1), -ENOENT);
}

/* base_close kills what is left in its children, removes them and itself. */
static void base_close_cleans_up(void **state) {
  (void)state;
  open_real("close");
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s", es_cgroup_base_path(base));
  snprintf(closing, sizeof closing, "%s", path);
  int busy = -1, idle = -1;
  assert_int_equal(es_cgroup_create(base, "busy", &busy), 0);
  assert_int_equal(es_cgroup_create(base, "idle", &idle), 0);
  kid k = start_kid(ROLE_SLEEP, busy);
  close(k.info);
  close(busy);
  close(idle);
  assert_true(exists(path));

  es_cgroup_base *b = base;
  base = NULL;
  es_cgroup_base_close(b);
  int status = 0;
  struct rusage ru;
  if (!reap_within(k.pid, 1000, &status, &ru)) fail_msg("base_close left the child running");
  assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  if (exists(path)) fail_msg("%s still exists after base_close", path);

  es_cgroup_base_close(NULL); /* a no-op */
}

/* Our group's line in /proc/PID/cgroup ("/path"), "" when unknown. */
static void cgroup_of(pid_t pid, char *out, size_t len) {
  char path[64], line[4096];
  snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
  out[0] = '\0';
  FILE *f = fopen(path, "r");
  if (!f) return;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "0::", 3) == 0) {
      line[strcspn(line, "\n")] = '\0';
      snprintf(out, len, "%s", line + 3);
    }
  fclose(f);
}

/* enter/return: a child forked while we are inside is born in the group,
 * and we are back where we were afterwards. */
static void enter_makes_children_born_inside(void **state) {
  (void)state;
  open_real("enter");
  int fd = -1;
  assert_int_equal(es_cgroup_create(base, "t", &fd), 0);
  char before[4096], inside[4096], child[4096], after[4096];
  cgroup_of(getpid(), before, sizeof before);
  int home = es_cgroup_enter(base, fd);
  assert_true(home >= 0);
  cgroup_of(getpid(), inside, sizeof inside);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    pause();
    _exit(0);
  }
  kids[n_kids++] = pid;
  assert_int_equal(es_cgroup_return(home), 0);
  cgroup_of(getpid(), after, sizeof after);
  cgroup_of(pid, child, sizeof child);
  assert_string_equal(after, before);
  assert_non_null(strstr(inside, "/t"));
  assert_string_equal(child, inside); /* born inside, stays there */
  assert_true(in_group(fd, pid));
  kill(pid, SIGKILL);
  assert_int_equal(waitpid(pid, NULL, 0), pid);
  n_kids--;
  assert_int_equal(es_cgroup_remove(base, "t", fd), 0);
  assert_int_equal(es_cgroup_enter(base, -1), -1); /* nothing to enter */
}

static void attach_to_a_dead_pid_fails(void **state) {
  (void)state;
  open_real("attach");
  int fd = -1;
  assert_int_equal(es_cgroup_create(base, "g", &fd), 0);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) _exit(0);
  assert_int_equal(waitpid(pid, NULL, 0), pid); /* reaped: the pid names nothing now */
  assert_int_equal(es_cgroup_attach(fd, pid), -ESRCH);
  assert_false(in_group(fd, pid));
  double cpu = -1;
  assert_int_equal(es_cgroup_cpu(fd, &cpu), 0);
  assert_int_equal(es_cgroup_remove(base, "g", fd), 0);
  assert_int_equal(es_cgroup_cpu(fd, &cpu), -EBADF); /* remove closed it */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(no_cgroup2_mount_is_enoent, setup, teardown),
      cmocka_unit_test_setup_teardown(no_own_cgroup_line_is_an_error, setup, teardown),
      cmocka_unit_test_setup_teardown(plain_directory_without_cpu_stat_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(cpu_stat_parsing, setup, teardown),
      cmocka_unit_test_setup_teardown(real_base_is_a_group_under_our_own, setup, teardown),
      cmocka_unit_test_setup_teardown(cpu_matches_childs_rusage, setup, teardown),
      cmocka_unit_test_setup_teardown(setsid_orphan_is_counted, setup, teardown),
      cmocka_unit_test_setup_teardown(kill_ends_the_whole_tree, setup, teardown),
      cmocka_unit_test_setup_teardown(remove_is_ebusy_while_populated, setup, teardown),
      cmocka_unit_test_setup_teardown(base_close_cleans_up, setup, teardown),
      cmocka_unit_test_setup_teardown(attach_to_a_dead_pid_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(enter_makes_children_born_inside, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
