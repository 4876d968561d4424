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

/* Ticks of utime+stime+cutime+cstime of one process, its thread count and
 * resident pages. */
static int stat_ticks(pid_t pid, unsigned long long *ticks, long *threads, unsigned long long *rss_pages) {
  char path[PATH_MAX], buf[1024];
  snprintf(path, sizeof path, "%s/%d/stat", proc_root, (int)pid);
  ssize_t n = read_small(path, buf, sizeof buf);
  if (n < 0) return (int)n;
  /* comm may hold spaces and ')': fields start after the last ')'. */
  char *p = strrchr(buf, ')');
  if (!p) return -EINVAL;
  p++;
  /* After ')': field 3 (state) is the first; utime is field 14, the
   * thread count field 20. */
  unsigned long long v[4] = {0};
  int field = 2;
  char *save = NULL;
  for (char *tok = strtok_r(p, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
    field++;
    if (field >= 14 && field <= 17) v[field - 14] = strtoull(tok, NULL, 10);
    if (field == 20) *threads = strtol(tok, NULL, 10);
    if (field == 24) {
      *rss_pages = strtoull(tok, NULL, 10);
      break;
    }
  }
  if (field < 24) return -EINVAL;
  *ticks = v[0] + v[1] + v[2] + v[3];
  return 0;
}

/* Add the children listed in one task's "children" file. */
static int walk(pid_t pid, unsigned long long *ticks, unsigned long long *pages, int depth);

static void walk_children_file(const char *path, unsigned long long *ticks, unsigned long long *pages, int depth) {
  char buf[4096];
  if (read_small(path, buf, sizeof buf) <= 0) return;
  char *save = NULL;
  for (char *tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
    walk((pid_t)strtol(tok, NULL, 10), ticks, pages, depth + 1);
}

/* Add pid's tree; 0 when pid itself could be read. */
static int walk(pid_t pid, unsigned long long *ticks, unsigned long long *pages, int depth) {
  unsigned long long t = 0, rss = 0;
  long threads = 1;
  if (depth > 64) return -ELOOP;
  int rc = stat_ticks(pid, &t, &threads, &rss);
  if (rc != 0) return rc;
  *ticks += t;
  *pages += rss;
  char path[PATH_MAX];
  if (threads <= 1) { /* the common case: one task, one children file */
    snprintf(path, sizeof path, "%s/%d/task/%d/children", proc_root, (int)pid, (int)pid);
    walk_children_file(path, ticks, pages, depth);
    return 0;
  }
  snprintf(path, sizeof path, "%s/%d/task", proc_root, (int)pid);
  DIR *d = opendir(path);
  if (!d) return 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char cpath[PATH_MAX + 300];
    snprintf(cpath, sizeof cpath, "%s/%s/children", path, e->d_name);
    walk_children_file(cpath, ticks, pages, depth);
  }
  closedir(d);
  return 0;
}

int es_proctree_usage(pid_t pid, double *cpu_s, double *rss_bytes) {
  unsigned long long ticks = 0, pages = 0;
  int rc = walk(pid, &ticks, &pages, 0);
  if (rc != 0) return rc == -ENOENT ? -ESRCH : rc;
  static long hz, page;
  if (!hz) hz = sysconf(_SC_CLK_TCK);
  if (!page) page = sysconf(_SC_PAGESIZE);
  *cpu_s = (double)ticks / (double)(hz > 0 ? hz : 100);
  if (rss_bytes) *rss_bytes = (double)pages * (double)(page > 0 ? page : 4096);
  return 0;
}

int es_proctree_cpu(pid_t pid, double *cpu_s) { return es_proctree_usage(pid, cpu_s, NULL); }
