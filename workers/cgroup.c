/*
 * cgroup.c - per-trial cgroup v2 groups (see cgroup.h).
 *
 * What it does not do: enable controllers, or retry a removal that found
 * the group busy (the caller removes it again later; base_close kills and
 * removes what is left).
 */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct es_cgroup_base {
  char path[PATH_MAX];
  int dirfd;
};

/* The mount point of the cgroup2 file system and the group at its root
 * ("/" unless a subtree is mounted, as in some containers), from mountinfo. */
static int find_cgroup2_mount(const char *mountinfo, char *out, size_t len, char *mroot, size_t mroot_len) {
  FILE *f = fopen(mountinfo, "re");
  if (!f) return -errno;
  char line[4096];
  int rc = -ENOENT;
  while (fgets(line, sizeof line, f)) {
    /* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER" */
    char *dash = strstr(line, " - ");
    if (!dash || strncmp(dash + 3, "cgroup2 ", 8) != 0) continue;
    char root[PATH_MAX], mnt[PATH_MAX];
    if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2) continue;
    /* Octal escapes (\040 for a space) are rare in mount points; refuse them. */
    if (strchr(mnt, '\\')) continue;
    snprintf(out, len, "%s", mnt);
    snprintf(mroot, mroot_len, "%s", root);
    rc = 0;
    break;
  }
  fclose(f);
  return rc;
}

/* ecosweep's own cgroup v2 path ("0::/path" in /proc/self/cgroup). */
static int find_own_cgroup(const char *self_cgroup, char *out, size_t len) {
  FILE *f = fopen(self_cgroup, "re");
  if (!f) return -errno;
  char line[4096];
  int rc = -ENOENT;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "0::", 3) != 0) continue;
    line[strcspn(line, "\n")] = '\0';
    snprintf(out, len, "%s", line + 3);
    rc = 0;
    break;
  }
  fclose(f);
  return rc;
}

int es_cgroup_base_open(es_cgroup_base **out, const char *name, const char *mountinfo, const char *self_cgroup,
                        char *why, size_t why_len) {
  *out = NULL;
  char mnt[PATH_MAX], own[PATH_MAX], mroot[PATH_MAX];
  int rc = find_cgroup2_mount(mountinfo ? mountinfo : "/proc/self/mountinfo", mnt, sizeof mnt, mroot, sizeof mroot);
  if (rc < 0) {
    snprintf(why, why_len, "no cgroup2 file system is mounted");
    return rc;
  }
  rc = find_own_cgroup(self_cgroup ? self_cgroup : "/proc/self/cgroup", own, sizeof own);
  if (rc < 0) {
    snprintf(why, why_len, "ecosweep's cgroup v2 group is unknown (no \"0::\" line in /proc/self/cgroup)");
    return rc;
  }
  /* With a subtree mounted, our group's path is relative to its root. */
  const char *rel = own;
  size_t rl = strlen(mroot);
  if (strcmp(mroot, "/") != 0 && strncmp(own, mroot, rl) == 0 && (own[rl] == '/' || own[rl] == '\0')) rel = own + rl;
  es_cgroup_base *b = calloc(1, sizeof *b);
  if (!b) {
    snprintf(why, why_len, "out of memory");
    return -ENOMEM;
  }
  int n = snprintf(b->path, sizeof b->path, "%s%s/%s", mnt, strcmp(rel, "/") == 0 ? "" : rel, name);
  if (n < 0 || (size_t)n >= sizeof b->path) {
    free(b);
    snprintf(why, why_len, "cgroup path too long");
    return -ENAMETOOLONG;
  }
  if (mkdir(b->path, 0755) != 0 && errno != EEXIST) {
    int e = errno;
    snprintf(why, why_len, "cannot create cgroup %s: %s%s", b->path, strerror(e),
             e == EACCES || e == EPERM || e == EROFS
                 ? " (needs root or a delegated cgroup v2 subtree; trials' CPU time comes from /proc instead)"
                 : "");
    free(b);
    return -e;
  }
  b->dirfd = open(b->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (b->dirfd < 0) {
    int e = errno;
    snprintf(why, why_len, "cannot open cgroup %s: %s", b->path, strerror(e));
    rmdir(b->path);
    free(b);
    return -e;
  }
  /* A group whose cpu.stat we cannot read is no use for metering. */
  double cpu;
  rc = es_cgroup_cpu(b->dirfd, &cpu);
  if (rc < 0) {
    snprintf(why, why_len, "cgroup %s has no readable cpu.stat: %s", b->path, strerror(-rc));
    close(b->dirfd);
    rmdir(b->path);
    free(b);
    return rc;
  }
  *out = b;
  return 0;
}

const char *es_cgroup_base_path(const es_cgroup_base *b) { return b->path; }

int es_cgroup_create(es_cgroup_base *b, const char *name, int *dirfd) {
  *dirfd = -1;
  if (mkdirat(b->dirfd, name, 0755) != 0) {
    /* A stale group of the same name would bring its old CPU time along:
     * make a fresh one, or fail if something still runs in it. */
    if (errno != EEXIST) return -errno;
    if (unlinkat(b->dirfd, name, AT_REMOVEDIR) != 0 || mkdirat(b->dirfd, name, 0755) != 0)
      return errno == EBUSY ? -EEXIST : -errno;
  }
  int fd = openat(b->dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    unlinkat(b->dirfd, name, AT_REMOVEDIR);
    return -e;
  }
  *dirfd = fd;
  return 0;
}

static int write_at(int dirfd, const char *file, const char *text) {
  int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  size_t len = strlen(text);
  ssize_t n = write(fd, text, len);
  int e = errno;
  close(fd);
  if (n < 0) return -e;
  return (size_t)n == len ? 0 : -EIO;
}

int es_cgroup_attach(int dirfd, pid_t pid) {
  char buf[32];
  snprintf(buf, sizeof buf, "%d", (int)pid);
  return write_at(dirfd, "cgroup.procs", buf);
}

int es_cgroup_cpu(int dirfd, double *cpu_s) {
  int fd = openat(dirfd, "cpu.stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  char buf[1024];
  ssize_t n;
  do n = read(fd, buf, sizeof buf - 1);
  while (n < 0 && errno == EINTR);
  int e = errno;
  close(fd);
  if (n < 0) return -e;
  buf[n] = '\0';
  const char *p = strstr(buf, "usage_usec ");
  if (!p || (p != buf && p[-1] != '\n')) return -EINVAL;
  *cpu_s = (double)strtoull(p + 11, NULL, 10) / 1e6;
  return 0;
}

int es_cgroup_enter(es_cgroup_base *b, int dirfd) {
  if (dirfd < 0) return -1;
  const char *slash = strrchr(b->path, '/');
  if (!slash || slash == b->path) return -1;
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%.*s", (int)(slash - b->path), b->path);
  int home = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (home < 0) return -1;
  if (faccessat(home, "cgroup.procs", W_OK, 0) != 0 || es_cgroup_attach(dirfd, getpid()) != 0) {
    close(home);
    return -1;
  }
  return home;
}

int es_cgroup_return(int home) {
  int rc = es_cgroup_attach(home, getpid());
  close(home);
  return rc;
}

int es_cgroup_kill(int dirfd) { return write_at(dirfd, "cgroup.kill", "1"); }

int es_cgroup_remove(es_cgroup_base *b, const char *name, int dirfd) {
  if (dirfd >= 0) close(dirfd);
  return unlinkat(b->dirfd, name, AT_REMOVEDIR) == 0 ? 0 : -errno;
}

void es_cgroup_base_close(es_cgroup_base *b) {
  if (!b) return;
  /* Children still there hold processes that outlived their trial's kill,
   * or zombies the kernel has not released yet: kill, then retry briefly. */
  for (int attempt = 0; attempt < 50; attempt++) {
    int busy = 0;
    DIR *d = opendir(b->path);
    if (!d) break;
    struct dirent *e;
    while ((e = readdir(d))) {
      if (e->d_name[0] == '.' || e->d_type != DT_DIR) continue;
      if (unlinkat(b->dirfd, e->d_name, AT_REMOVEDIR) == 0) continue;
      busy = 1;
      int fd = openat(b->dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd >= 0) {
        es_cgroup_kill(fd);
        close(fd);
      }
    }
    closedir(d);
    if (!busy) break;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  close(b->dirfd);
  rmdir(b->path);
  free(b);
}
