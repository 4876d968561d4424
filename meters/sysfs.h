/*
 * sysfs.h - reading the small text files of sysfs (and of the fixture trees
 * that stand in for it in the tests), shared by the meters that read
 * powercap, hwmon and the perf PMU's description.
 *
 * What it does not do: cache, or retry a file that vanished.
 */
#ifndef ES_SYSFS_H
#define ES_SYSFS_H

#include <stddef.h>
#include <stdint.h>

/* buf = "root/rel[/file]". 0, or -ENAMETOOLONG. */
int es_sysfs_path(char *buf, size_t len, const char *root, const char *rel, const char *file);

/* The whole file into buf (len includes the NUL), trailing whitespace cut.
 * 0, -errno, or -EFBIG when it does not fit. */
int es_sysfs_read_text(const char *path, char *buf, size_t len);

/* A decimal unsigned 64-bit number alone in the file. 0, -errno, or
 * -EINVAL for anything else. */
int es_sysfs_read_u64(const char *path, uint64_t *out);

#endif
