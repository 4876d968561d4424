/*
 * local.c - spawn trial processes with libuv and signal their groups.
 *
 * What it does not do: keep any state; the scheduler owns every handle.
 */
#include "local.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* The protocol's variables (DESIGN §4): a trial never inherits them from
 * ecosweep's own environment (a sweep started from inside a trial). */
static const char *const protocol_vars[] = {"ECOSWEEP_TRIAL_ID", "ECOSWEEP_PARAMS", "ECOSWEEP_MAX_RESOURCE",
                                            "ECOSWEEP_TRIAL_DIR", "ECOSWEEP_FD", "ECOSWEEP_CONNECT",
                                            "ECOSWEEP_TOKEN", "ECOSWEEP_RESUMED", NULL};

static int overridden(const char *entry, char *const *extra) {
  for (size_t i = 0; protocol_vars[i]; i++) {
    size_t l = strlen(protocol_vars[i]);
    if (strncmp(entry, protocol_vars[i], l) == 0 && entry[l] == '=') return 1;
  }
  const char *eq = strchr(entry, '=');
  size_t n = eq ? (size_t)(eq - entry) : strlen(entry);
  for (size_t i = 0; extra && extra[i]; i++)
    if (strncmp(extra[i], entry, n) == 0 && extra[i][n] == '=') return 1;
  return 0;
}

char **es_env_build(char *const *extra, const char *python_dir) {
  size_t n_env = 0, n_extra = 0;
  while (environ[n_env]) n_env++;
  while (extra && extra[n_extra]) n_extra++;
  char **env = calloc(n_env + n_extra + 2, sizeof *env);
  if (!env) return NULL;
  size_t k = 0;
  const char *old_pp = NULL;
  for (size_t i = 0; i < n_env; i++) {
    if (strncmp(environ[i], "PYTHONPATH=", 11) == 0 && python_dir) {
      old_pp = environ[i] + 11;
      continue;
    }
    if (overridden(environ[i], extra)) continue;
    if (!(env[k++] = strdup(environ[i]))) goto oom;
  }
  for (size_t i = 0; i < n_extra; i++)
    if (!(env[k++] = strdup(extra[i]))) goto oom;
  if (python_dir) {
    size_t len = strlen(python_dir) + (old_pp ? strlen(old_pp) : 0) + 16;
    char *pp = malloc(len);
    if (!pp) goto oom;
    if (old_pp && *old_pp)
      snprintf(pp, len, "PYTHONPATH=%s:%s", python_dir, old_pp);
    else
      snprintf(pp, len, "PYTHONPATH=%s", python_dir);
    env[k++] = pp;
  }
  env[k] = NULL;
  return env;
oom:
  es_env_free(env);
  return NULL;
}

char **es_env_extend(char *const *base, char *const *extra) {
  size_t nb = 0, ne = 0;
  while (base && base[nb]) nb++;
  while (extra && extra[ne]) ne++;
  char **env = malloc((nb + ne + 1) * sizeof *env);
  if (!env) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < nb; i++)
    if (!overridden(base[i], extra)) env[k++] = base[i];
  for (size_t i = 0; i < ne; i++) env[k++] = extra[i];
  env[k] = NULL;
  return env;
}

void es_env_free(char **env) {
  for (size_t i = 0; env && env[i]; i++) free(env[i]);
  free(env);
}

int es_local_spawn(uv_loop_t *loop, uv_process_t *proc, uv_exit_cb exit_cb, char **argv, char **env,
                   const char *cwd, uv_pipe_t *out, uv_pipe_t *err, int fd3) {
  uv_stdio_container_t stdio[4];
  stdio[0].flags = UV_IGNORE; /* /dev/null */
  stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
  stdio[1].data.stream = (uv_stream_t *)out;
  stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
  stdio[2].data.stream = (uv_stream_t *)err;
  stdio[3].flags = UV_INHERIT_FD;
  stdio[3].data.fd = fd3;
  uv_process_options_t opt;
  memset(&opt, 0, sizeof opt);
  opt.exit_cb = exit_cb;
  opt.file = argv[0];
  opt.args = argv;
  opt.env = env;
  opt.cwd = cwd;
  opt.flags = UV_PROCESS_DETACHED;
  opt.stdio_count = 4;
  opt.stdio = stdio;
  return uv_spawn(loop, proc, &opt);
}

int es_local_kill_group(pid_t pgid, int sig) {
  if (pgid <= 1) return -EINVAL; /* never signal init or "every process" */
  if (kill(-pgid, sig) == 0 || errno == ESRCH) return 0;
  return -errno;
}
