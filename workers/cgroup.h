/*
 * cgroup.h - per-trial cgroup v2 groups, for exact CPU time of a whole
 * process tree.
 *
 * A trial's cgroup counts the CPU time of every process in it - exited
 * children and setsid orphans included (cpu.stat usage_usec) - which /proc
 * cannot: a child's time reaches /proc only when its parent reaps it, and
 * orphans leave the tree. The cgroup2 mount is found in
 * /proc/self/mountinfo (on hybrid systems it is /sys/fs/cgroup/unified),
 * the sweep's group is made under ecosweep's own cgroup, and each trial gets
 * a child group of it. No controller is enabled: usage_usec is counted in
 * every cgroup v2 group regardless.
 *
 * A trial is born in its group: the caller moves itself into the group for
 * the moment of posix_spawn (es_cgroup_enter) and back (es_cgroup_return),
 * since glibc's posix_spawn cannot start a child in a cgroup. Moving the
 * trial after the spawn instead can take ~10 ms (a migration waits for an
 * RCU grace period when none ran lately): long enough for `sh script.sh`
 * to fork its first child outside.
 *
 * What it does not do: limit resources, or work without write access to
 * the cgroup2 tree (callers fall back to /proc and say why).
 */
#ifndef ES_CGROUP_H
#define ES_CGROUP_H

#include <stddef.h>
#include <sys/types.h>

typedef struct es_cgroup_base es_cgroup_base;

/* Make the group "name" under ecosweep's own cgroup v2 group. 0, or -errno
 * with one line in why (no cgroup2 mount, not writable, ...).
 * mountinfo/self_cgroup: NULL for /proc/self/mountinfo and /proc/self/cgroup. */
int es_cgroup_base_open(es_cgroup_base **out, const char *name, const char *mountinfo, const char *self_cgroup,
                        char *why, size_t why_len);

/* The base group's directory (for messages and tests). */
const char *es_cgroup_base_path(const es_cgroup_base *b);

/* Make the child group "name" (afresh, when a stale one is there);
 * *dirfd gets a directory fd. 0, or -errno (-EEXIST: a busy stale group). */
int es_cgroup_create(es_cgroup_base *b, const char *name, int *dirfd);

/* Move pid into the group. 0 or -errno. */
int es_cgroup_attach(int dirfd, pid_t pid);

/* CPU-seconds of everything that ever ran in the group (cpu.stat
 * usage_usec). 0 or -errno. */
int es_cgroup_cpu(int dirfd, double *cpu_s);

/* Move the calling process (all its threads) into the group dirfd, so the
 * next child it spawns starts there. Returns a directory fd of the group
 * the caller came from, the base's parent, for es_cgroup_return; or -1
 * (nothing moved) when the caller could not move back. */
int es_cgroup_enter(es_cgroup_base *b, int dirfd);

/* Back to the group home (es_cgroup_enter's result), which is closed.
 * 0 or -errno: then the caller is still inside the trial's group, and must
 * neither kill nor remove it. */
int es_cgroup_return(int home);

/* Kill every process in the group (cgroup.kill, Linux 5.14+). 0 or -errno. */
int es_cgroup_kill(int dirfd);

/* Close dirfd and remove the child group "name". 0, or -EBUSY while live
 * processes remain (briefly also right after es_cgroup_kill, whose SIGKILLs
 * are delivered asynchronously). */
int es_cgroup_remove(es_cgroup_base *b, const char *name, int dirfd);

/* Remove the base group (killing what is left in children it still has)
 * and free b. */
void es_cgroup_base_close(es_cgroup_base *b);

#endif
