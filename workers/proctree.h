/*
 * proctree.h - CPU time of a live process tree, read from /proc.
 *
 * es_proctree_cpu() adds utime+stime+cutime+cstime of a process and of all
 * its live descendants (found through /proc/PID/task/TID/children). cutime
 * and cstime carry the time of descendants that were already reaped, so
 * the sum covers the whole tree except orphans that were re-parented
 * away (the per-trial cgroup of a later version closes that gap).
 *
 * What it does not do: account a process after it has been reaped; the
 * scheduler takes that from getrusage(RUSAGE_CHILDREN) instead.
 */
#ifndef ES_PROCTREE_H
#define ES_PROCTREE_H

#include <sys/types.h>

/* CPU-seconds of pid's tree, or a negative errno (-ESRCH: no such process). */
int es_proctree_cpu(pid_t pid, double *cpu_s);

/* The same, and (rss_bytes, may be NULL) the resident memory of the tree's
 * live processes now. */
int es_proctree_usage(pid_t pid, double *cpu_s, double *rss_bytes);

/* Root of /proc ("/proc"; tests may point it elsewhere). */
void es_proctree_set_root(const char *root);

#endif
