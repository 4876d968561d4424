/*
 * proctree.c - sum CPU time over a process and its live descendants.
 *
 * Reads /proc/PID/stat (fields 14-17: utime, stime, cutime, cstime, in
 * clock ticks) and walks /proc/PID/task/TID/children depth-first. A process
 * that vanishes mid-walk is skipped: its time shows up in its parent's
 * cutime once reaped.
 *
 * What it does not do: cache anything, or follow processes that left the
 * tree (setsid orphans re-parented to init).
 */
#include "proctree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *proc_root = "/proc";

void es_proctree_set_root(const char *root) { proc_root = root ? root : "/proc"; }

static ssize_t read_small(const char *path, char *buf, size_t len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  ssize_t n;
  do n = read(fd, buf, len - 1);
  while (n < 0 && errno == EINTR);
  int e = errno;
  close(fd);
  if (n < 0) return -e;
  buf[n] = '\0';
  return n;
}

/* Ticks of utime+stime+cutime+cstime of one process. */
static int stat_ticks(pid_t pid, unsigned long long *ticks) {
  char path[PATH_MAX], buf[1024];
  snprintf(path, sizeof path, "%s/%d/stat", proc_root, (int)pid);
  ssize_t n = read_small(path, buf, sizeof buf);
  if (n < 0) return (int)n;
  /* comm may hold spaces and ')': fields start after the last ')'. */
  char *p = strrchr(buf, ')');
  if (!p) return -EINVAL;
  p++;
  /* After ')': field 3 (state) is the first. utime is field 14. */
  unsigned long long v[4];
  int field = 2;
  char *save = NULL;
  for (char *tok = strtok_r(p, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
    field++;
    if (field >= 14 && field <= 17) v[field - 14] = strtoull(tok, NULL, 10);
    if (field == 17) break;
  }
  if (field < 17) return -EINVAL;
  *ticks = v[0] + v[1] + v[2] + v[3];
  return 0;
}

static void walk(pid_t pid, unsigned long long *ticks, int depth) {
  unsigned long long t;
  if (depth > 64 || stat_ticks(pid, &t) != 0) return;
  *ticks += t;
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%d/task", proc_root, (int)pid);
  DIR *d = opendir(path);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char cpath[PATH_MAX + 300], buf[4096];
    snprintf(cpath, sizeof cpath, "%s/%s/children", path, e->d_name);
    if (read_small(cpath, buf, sizeof buf) <= 0) continue;
    char *save = NULL;
    for (char *tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
      walk((pid_t)strtol(tok, NULL, 10), ticks, depth + 1);
  }
  closedir(d);
}

int es_proctree_cpu(pid_t pid, double *cpu_s) {
  unsigned long long t0;
  int rc = stat_ticks(pid, &t0);
  if (rc != 0) return rc;
  unsigned long long ticks = 0;
  walk(pid, &ticks, 0);
  static long hz;
  if (!hz) hz = sysconf(_SC_CLK_TCK);
  *cpu_s = (double)ticks / (double)(hz > 0 ? hz : 100);
  return 0;
}
