/*
 * test_local.c - launching and reaping real child processes
 * (workers/local.c) and reading their CPU time (workers/proctree.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "workers/local.h"
#include "workers/proctree.h"

/* Wait for pid to exit and reap it. */
static int reap_blocking(pid_t pid, int64_t *code, int *sig, double *cpu) {
  for (int i = 0; i < 1000; i++) {
    int rc = es_local_reap(pid, code, sig, cpu, NULL);
    if (rc != 1) return rc;
    usleep(10000);
  }
  return -ETIMEDOUT;
}

static char *read_all(int fd) {
  static char buf[4096];
  size_t n = 0;
  ssize_t r;
  while (n + 1 < sizeof buf && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += (size_t)r;
  buf[n] = '\0';
  return buf;
}

static char **env_with(const char *extra) {
  char *const add[] = {(char *)extra, NULL};
  return es_env_build(add, NULL);
}

static void spawn_gets_fds_session_env_and_cwd(void **state) {
  (void)state;
  int out[2], err[2], sv[2];
  assert_int_equal(pipe2(out, O_CLOEXEC), 0);
  assert_int_equal(pipe2(err, O_CLOEXEC), 0);
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  char *argv[] = {"sh", "-c",
                  "echo \"$ES_TEST_VAR|$(pwd)|$(ps -o sid= -p $$ | tr -d ' ')|$$\"; echo err >&2; "
                  "echo hi >&3; grep SigIgn /proc/$$/status",
                  NULL};
  char **env = env_with("ES_TEST_VAR=literal $(x)");
  es_child c;
  assert_int_equal(es_local_spawn(argv, env, "/tmp", out[1], err[1], sv[1], &c), 0);
  close(out[1]), close(err[1]), close(sv[1]);
  assert_true(c.pid > 1);
  int64_t code;
  int sig;
  double cpu;
  assert_int_equal(reap_blocking(c.pid, &code, &sig, &cpu), 0);
  assert_int_equal(code, 0);
  assert_int_equal(sig, 0);
  char expect[128];
  snprintf(expect, sizeof expect, "literal $(x)|/tmp|%d|%d\n", (int)c.pid, (int)c.pid);
  char *o = read_all(out[0]);
  assert_non_null(strstr(o, expect));
  /* SIGPIPE is ignored in this test process; the child gets the default
   * back (signals 32-33 belong to glibc and cannot be reset). */
  const char *ign = strstr(o, "SigIgn:\t");
  assert_non_null(ign);
  unsigned long long mask = strtoull(ign + 8, NULL, 16);
  if (mask & (1ull << (SIGPIPE - 1))) fail_msg("SIGPIPE still ignored in the child: %s", o);
  assert_string_equal(read_all(err[0]), "err\n");
  assert_string_equal(read_all(sv[0]), "hi\n");
  if (c.pidfd >= 0) close(c.pidfd);
  close(out[0]), close(err[0]), close(sv[0]);
  es_env_free(env);
}

static void missing_program_is_an_error(void **state) {
  (void)state;
  char *argv[] = {"/no/such/program", NULL};
  char **env = env_with("X=1");
  es_child c;
  int rc = es_local_spawn(argv, env, NULL, 1, 2, -1, &c);
  assert_int_equal(rc, -ENOENT);
  assert_int_equal(c.pid, -1);
  es_env_free(env);
}

static void exit_code_and_signal(void **state) {
  (void)state;
  char **env = env_with("X=1");
  char *a1[] = {"sh", "-c", "exit 3", NULL};
  char *a2[] = {"sh", "-c", "kill -SEGV $$", NULL};
  es_child c;
  int64_t code;
  int sig;
  double cpu;
  assert_int_equal(es_local_spawn(a1, env, NULL, 1, 2, -1, &c), 0);
  assert_int_equal(reap_blocking(c.pid, &code, &sig, &cpu), 0);
  assert_int_equal(code, 3);
  assert_int_equal(sig, 0);
  if (c.pidfd >= 0) close(c.pidfd);
  assert_int_equal(es_local_spawn(a2, env, NULL, 1, 2, -1, &c), 0);
  assert_int_equal(reap_blocking(c.pid, &code, &sig, &cpu), 0);
  assert_int_equal(sig, SIGSEGV);
  if (c.pidfd >= 0) close(c.pidfd);
  es_env_free(env);
}

static void cpu_time_counts_waited_for_children(void **state) {
  (void)state;
  char **env = env_with("X=1");
  /* A busy child of the trial (about 0.3 s of CPU), waited for. */
  char *argv[] = {"sh", "-c", "sh -c 'i=0; while [ $i -lt 60000 ]; do i=$((i+1)); done'", NULL};
  es_child c;
  assert_int_equal(es_local_spawn(argv, env, NULL, 1, 2, -1, &c), 0);
  int64_t code;
  int sig;
  double cpu;
  assert_int_equal(reap_blocking(c.pid, &code, &sig, &cpu), 0);
  assert_true(cpu > 0.05);
  assert_true(cpu < 30);
  if (c.pidfd >= 0) close(c.pidfd);
  es_env_free(env);
}

static void proctree_reads_a_live_tree(void **state) {
  (void)state;
  char **env = env_with("X=1");
  char *argv[] = {"sh", "-c", "sh -c 'i=0; while [ $i -lt 40000 ]; do i=$((i+1)); done; sleep 5' & wait", NULL};
  es_child c;
  assert_int_equal(es_local_spawn(argv, env, NULL, 1, 2, -1, &c), 0);
  double cpu = 0;
  for (int i = 0; i < 300 && cpu < 0.05; i++) {
    usleep(10000);
    assert_int_equal(es_proctree_cpu(c.pid, &cpu), 0);
  }
  assert_true(cpu >= 0.05); /* the grandchild's busy loop is counted */
  assert_int_equal(es_local_kill_group(c.pid, SIGKILL), 0);
  int64_t code;
  int sig;
  double final;
  assert_int_equal(reap_blocking(c.pid, &code, &sig, &final), 0);
  assert_int_equal(sig, SIGKILL);
  assert_int_equal(es_proctree_cpu(c.pid, &cpu), -ESRCH);
  if (c.pidfd >= 0) close(c.pidfd);
  es_env_free(env);
}

/* The estimate's RAM term: resident memory of the live tree, and the
 * peak the kernel reports at reaping. */
static void memory_of_a_tree(void **state) {
  (void)state;
  char **env = env_with("X=1");
  /* A grandchild holds 64 MiB (touched, so resident) for a while. */
  char *argv[] = {"sh", "-c", "python3 -c 'b = bytearray(64 << 20); import time; time.sleep(3)' & wait", NULL};
  es_child c;
  assert_int_equal(es_local_spawn(argv, env, NULL, 1, 2, -1, &c), 0);
  double cpu = 0, rss = 0;
  for (int i = 0; i < 300 && rss < 64.0 * 1024 * 1024; i++) {
    usleep(10000);
    assert_int_equal(es_proctree_usage(c.pid, &cpu, &rss), 0);
  }
  assert_true(rss >= 64.0 * 1024 * 1024);
  assert_true(rss < 512.0 * 1024 * 1024);
  assert_int_equal(es_local_kill_group(c.pid, SIGKILL), 0);
  int64_t code;
  int sig;
  double final;
  long maxrss = 0;
  for (int i = 0; i < 1000; i++) {
    int rc = es_local_reap(c.pid, &code, &sig, &final, &maxrss);
    if (rc != 1) break;
    usleep(10000);
  }
  /* ru_maxrss is the largest single process among those reaped: the shell
   * did not wait for the killed python, so only the lower bound of a shell. */
  assert_true(maxrss > 0);
  if (c.pidfd >= 0) close(c.pidfd);
  es_env_free(env);
}

static void kill_group_refuses_init_and_everyone(void **state) {
  (void)state;
  assert_int_equal(es_local_kill_group(0, SIGTERM), -EINVAL);
  assert_int_equal(es_local_kill_group(1, SIGTERM), -EINVAL);
}

static void env_build_drops_protocol_variables(void **state) {
  (void)state;
  setenv("ECOSWEEP_TRIAL_ID", "99", 1);
  setenv("ECOSWEEP_USER_SETTING", "kept", 1);
  setenv("PYTHONPATH", "/old", 1);
  char **env = es_env_build(NULL, "/client");
  int trial_id = 0, user = 0, pp = 0;
  for (size_t i = 0; env[i]; i++) {
    trial_id |= strncmp(env[i], "ECOSWEEP_TRIAL_ID=", 18) == 0;
    user |= strcmp(env[i], "ECOSWEEP_USER_SETTING=kept") == 0;
    pp |= strcmp(env[i], "PYTHONPATH=/client:/old") == 0;
  }
  assert_false(trial_id);
  assert_true(user);
  assert_true(pp);
  es_env_free(env);
  unsetenv("ECOSWEEP_TRIAL_ID");
  unsetenv("ECOSWEEP_USER_SETTING");
  unsetenv("PYTHONPATH");
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(spawn_gets_fds_session_env_and_cwd),
      cmocka_unit_test(missing_program_is_an_error),
      cmocka_unit_test(exit_code_and_signal),
      cmocka_unit_test(cpu_time_counts_waited_for_children),
      cmocka_unit_test(proctree_reads_a_live_tree),
      cmocka_unit_test(memory_of_a_tree),
      cmocka_unit_test(kill_group_refuses_init_and_everyone),
      cmocka_unit_test(env_build_drops_protocol_variables),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
