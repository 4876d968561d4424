/*
 * sysfs.c - small sysfs files (see sysfs.h).
 */
#include "sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int es_sysfs_path(char *buf, size_t len, const char *root, const char *rel, const char *file) {
  int n = snprintf(buf, len, "%s/%s%s%s", root, rel, file ? "/" : "", file ? file : "");
  return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int es_sysfs_read_text(const char *path, char *buf, size_t len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  size_t have = 0;
  ssize_t got = 0;
  char extra;
  while (have < len - 1 && (got = read(fd, buf + have, len - 1 - have)) > 0) have += (size_t)got;
  int err = got < 0 ? errno : 0;
  if (!err && have == len - 1 && read(fd, &extra, 1) > 0) err = EFBIG;
  close(fd);
  if (err) return -err;
  buf[have] = '\0';
  while (have > 0 && (buf[have - 1] == '\n' || buf[have - 1] == ' ' || buf[have - 1] == '\t')) buf[--have] = '\0';
  return 0;
}

int es_sysfs_read_u64(const char *path, uint64_t *out) {
  char buf[32];
  int rc = es_sysfs_read_text(path, buf, sizeof buf);
  if (rc < 0) return rc == -EFBIG ? -EINVAL : rc;
  if (buf[0] < '0' || buf[0] > '9') return -EINVAL;
  errno = 0;
  char *end;
  unsigned long long v = strtoull(buf, &end, 10);
  if (errno || *end) return -EINVAL;
  *out = (uint64_t)v;
  return 0;
}
