/*
 * local.h - launching trial processes on this machine (DESIGN.md §4).
 *
 * A trial is started with posix_spawn, never through a shell: argv as
 * given, its own session and process group (setsid, so its pgid is its pid
 * and a terminal's Ctrl-C reaches ecosweep, not the trial), stdin from
 * /dev/null, stdout and stderr as pipes the scheduler reads, and fd 3 the
 * child's end of a socketpair.
 *
 * Why not uv_spawn: libuv 1.44 forks the whole scheduler and then blocks
 * its loop until the child has called execve. Measured on the dispatch
 * benchmark (2-vCPU VM), that was 0.4-0.5 ms a trial with the loop
 * stalled - longer than a trivial trial's whole life. glibc's posix_spawn
 * uses vfork-style cloning (no copy of the page tables) and returns as
 * soon as the child has exec'd; exit is watched with a pidfd in the
 * scheduler's libuv loop (uv_poll), and reaping with wait4() gives each
 * trial's exact CPU time.
 *
 * What it does not do: read or write the pipes, decide anything.
 */
#ifndef ES_LOCAL_H
#define ES_LOCAL_H

#include <stdint.h>
#include <sys/types.h>

/* Start from the current environment minus every variable that extra
 * overrides (and the protocol's ECOSWEEP_ variables), then add extra. PYTHONPATH gets
 * python_dir prepended (when python_dir is not NULL). NULL on OOM. */
char **es_env_build(char *const *extra, const char *python_dir);
void es_env_free(char **env);
/* A new pointer array: base's entries then extra's (base made by
 * es_env_build, which removed every name extra may hold). The strings stay
 * owned by base and extra: free() the array only. NULL on OOM. */
char **es_env_concat(char *const *base, char *const *extra);

/* A started process: its pid (also its pgid and session id) and a pidfd
 * that becomes readable when it exits (-1 where the kernel has none). */
typedef struct {
  pid_t pid;
  int pidfd;
} es_child;

/* Start argv (PATH is searched) in cwd with env: its own session and
 * process group, default signal dispositions and an empty signal mask,
 * stdin from /dev/null, stdout = out_fd, stderr = err_fd, and fd 3 =
 * chan_fd when chan_fd >= 0 (-1: no fd 3). Every other descriptor of
 * ecosweep is close-on-exec. 0, or -errno when it could not be started
 * (a missing or non-executable program included). */
int es_local_spawn(char *const *argv, char *const *env, const char *cwd, int out_fd, int err_fd, int chan_fd,
                   es_child *child);

/* Reap pid if it has exited: 0 with its exit status (or the signal that
 * killed it) and the CPU time of it and every descendant it waited for
 * (wait4's rusage); 1 while it runs; -errno on error. */
/* CPU-seconds (user + system) of a struct rusage. */
struct rusage;
double es_rusage_cpu(const struct rusage *ru);

int es_local_reap(pid_t pid, int64_t *exit_status, int *term_signal, double *cpu_s, long *maxrss_kib);

/* Signal the trial's whole process group; ESRCH (already gone) is 0. */
int es_local_kill_group(pid_t pgid, int sig);

#endif
