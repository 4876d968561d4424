/*
 * local.h - launching trial processes on this machine (DESIGN.md §4).
 *
 * A trial is started with uv_spawn, never through a shell: argv as given,
 * its own session and process group (UV_PROCESS_DETACHED calls setsid, so
 * its pgid is its pid and a terminal's Ctrl-C reaches ecosweep, not the
 * trial), stdin from /dev/null, stdout and stderr as pipes the scheduler
 * reads, and fd 3 the child's end of a socketpair.
 *
 * What it does not do: read or write the pipes, decide anything, reap
 * (libuv reaps its own children and calls the exit callback).
 */
#ifndef ES_LOCAL_H
#define ES_LOCAL_H

#include <sys/types.h>
#include <uv.h>

/* Start from the current environment minus every variable that extra
 * overrides (and the protocol's ECOSWEEP_ variables), then add extra. PYTHONPATH gets
 * python_dir prepended (when python_dir is not NULL). NULL on OOM. */
char **es_env_build(char *const *extra, const char *python_dir);
void es_env_free(char **env);
/* A new pointer array: base's entries (minus those extra overrides) then
 * extra's. The strings stay owned by base and extra: free() the array
 * only. NULL on OOM. */
char **es_env_extend(char *const *base, char *const *extra);

/* Spawn argv in cwd with env. out and err must be uv_pipe_init'ed (ipc 0)
 * by the caller; fd3 is the child's end of a socketpair (left open: the
 * caller closes it after the call). 0 or a libuv error code. */
int es_local_spawn(uv_loop_t *loop, uv_process_t *proc, uv_exit_cb exit_cb, char **argv, char **env,
                   const char *cwd, uv_pipe_t *out, uv_pipe_t *err, int fd3);

/* Signal the trial's whole process group; ESRCH (already gone) is 0. */
int es_local_kill_group(pid_t pgid, int sig);

#endif
