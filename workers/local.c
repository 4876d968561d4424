/*
 * local.c - start trial processes with posix_spawn, reap them with wait4,
 * and signal their process groups.
 *
 * What it does not do: keep any state; the scheduler owns every handle
 * and watches the pidfd.
 */
#include "local.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <spawn.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The variables ecosweep sets for its children (DESIGN §4, alerts): a
 * child never inherits them from ecosweep's own environment (a sweep
 * started from inside a trial). */
static const char *const protocol_vars[] = {"ECOSWEEP_TRIAL_ID", "ECOSWEEP_PARAMS", "ECOSWEEP_MAX_RESOURCE",
                                            "ECOSWEEP_TRIAL_DIR", "ECOSWEEP_FD", "ECOSWEEP_CONNECT",
                                            "ECOSWEEP_TOKEN", "ECOSWEEP_RESUMED", "ECOSWEEP_ALERT_BUDGET",
                                            "ECOSWEEP_ALERT_FRACTION", "ECOSWEEP_ALERT_SPENT", NULL};

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

char **es_env_concat(char *const *base, char *const *extra) {
  size_t nb = 0, ne = 0;
  while (base && base[nb]) nb++;
  while (extra && extra[ne]) ne++;
  char **env = malloc((nb + ne + 1) * sizeof *env);
  if (!env) return NULL;
  if (nb) memcpy(env, base, nb * sizeof *env);
  if (ne) memcpy(env + nb, extra, ne * sizeof *env);
  env[nb + ne] = NULL;
  return env;
}

void es_env_free(char **env) {
  for (size_t i = 0; env && env[i]; i++) free(env[i]);
  free(env);
}

/* The signals ecosweep ignores (SIGPIPE, and any it inherited ignored):
 * exec keeps those ignored, so the child resets them to the default.
 * Handled signals reset themselves at exec; resetting all 64 would cost
 * the child 64 system calls while the scheduler waits for its exec. */
static void ignored_signals(sigset_t *set) {
  sigemptyset(set);
  for (int sig = 1; sig < NSIG; sig++) {
    struct sigaction sa;
    if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
      sigaddset(set, sig);
  }
}

/* Dispositions are settled before the first trial starts (the sweep
 * ignores SIGPIPE first), so the set is read once per process. */
static const sigset_t *ignored_set(void) {
  static sigset_t set;
  static int known;
  if (!known) {
    ignored_signals(&set);
    known = 1;
  }
  return &set;
}

/* posix_spawn's dup2 onto the same number would keep FD_CLOEXEC: move any
 * source descriptor that sits at 0-3 out of the way first. */
static int high_fd(int fd, int *tmp) {
  *tmp = -1;
  if (fd < 0 || fd > 3) return fd;
  *tmp = fcntl(fd, F_DUPFD_CLOEXEC, 10);
  return *tmp;
}

int es_local_spawn(char *const *argv, char *const *env, const char *cwd, int out_fd, int err_fd, int chan_fd,
                   es_child *child) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  int tmp[3];
  int fds[3] = {high_fd(out_fd, &tmp[0]), high_fd(err_fd, &tmp[1]), high_fd(chan_fd, &tmp[2])};
  int rc = 0;
  child->pid = -1;
  child->pidfd = -1;
  if ((out_fd >= 0 && fds[0] < 0) || (err_fd >= 0 && fds[1] < 0) || (chan_fd >= 0 && fds[2] < 0)) {
    rc = -errno;
    goto done;
  }
  if ((rc = -posix_spawn_file_actions_init(&fa)) != 0) goto done;
  if ((rc = -posix_spawnattr_init(&attr)) != 0) {
    posix_spawn_file_actions_destroy(&fa);
    goto done;
  }
  sigset_t none;
  sigemptyset(&none);
  if ((rc = -posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) != 0 ||
      (rc = -posix_spawn_file_actions_adddup2(&fa, fds[0], 1)) != 0 ||
      (rc = -posix_spawn_file_actions_adddup2(&fa, fds[1], 2)) != 0 ||
      (fds[2] >= 0 && (rc = -posix_spawn_file_actions_adddup2(&fa, fds[2], 3)) != 0) ||
      (cwd && (rc = -posix_spawn_file_actions_addchdir_np(&fa, cwd)) != 0) ||
      (rc = -posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)) !=
          0 ||
      (rc = -posix_spawnattr_setsigdefault(&attr, ignored_set())) != 0 || (rc = -posix_spawnattr_setsigmask(&attr, &none)) != 0)
    goto destroy;
  pid_t pid;
  rc = -posix_spawnp(&pid, argv[0], &fa, &attr, argv, env);
  if (rc == 0) {
    child->pid = pid;
    child->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  }
destroy:
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
done:
  for (int i = 0; i < 3; i++)
    if (tmp[i] >= 0) close(tmp[i]);
  return rc;
}

double es_rusage_cpu(const struct rusage *ru) {
  return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec * 1e-6 + (double)ru->ru_stime.tv_sec +
         (double)ru->ru_stime.tv_usec * 1e-6;
}

int es_local_reap(pid_t pid, int64_t *exit_status, int *term_signal, double *cpu_s, long *maxrss_kib) {
  int status;
  struct rusage ru;
  pid_t r;
  do r = wait4(pid, &status, WNOHANG, &ru);
  while (r < 0 && errno == EINTR);
  if (r < 0) return -errno;
  if (r == 0) return 1;
  *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
  *term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  *cpu_s = es_rusage_cpu(&ru);
  if (maxrss_kib) *maxrss_kib = ru.ru_maxrss;
  return 0;
}

int es_local_kill_group(pid_t pgid, int sig) {
  if (pgid <= 1) return -EINVAL; /* never signal init or "every process" */
  if (kill(-pgid, sig) == 0 || errno == ESRCH) return 0;
  return -errno;
}
