/*
 * bench_baseline.c - the least a correct scheduler must do to run trials,
 * timed: the yardstick that ecosweep's dispatch overhead is divided by.
 *
 *   bench_baseline N INFLIGHT TRIAL_PATH
 *
 * Runs N trials of TRIAL_PATH, INFLIGHT at a time. Per trial: a stream
 * socketpair, fork, in the child setpgid(0, 0), the socket on fd 3 and the
 * protocol's environment (ECOSWEEP_FD=3, ECOSWEEP_TRIAL_ID,
 * ECOSWEEP_PARAMS={"x":<id>}, ECOSWEEP_MAX_RESOURCE=1), exec; in the parent,
 * poll() the sockets in flight, answer each report line with "continue",
 * and on end-of-file reap the trial with waitpid() and start the next.
 * Prints "baseline_s=<wall seconds>" and exits 0 only if every trial exited
 * 0 after exactly one report.
 *
 * Deliberately lean: no event library, no energy metering, no journal, no
 * parsing beyond seeing that a line is a JSON object. Anything more would
 * flatter the scheduler it is compared with.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* One trial in flight. */
typedef struct {
  pid_t pid;
  int fd;       /* our end of the trial's socket */
  long id;      /* trial id, 0-based */
  int reports;  /* report lines received */
  int partial;  /* bytes of an unfinished line are pending */
  int first;    /* the next byte starts a line */
  int bad_line; /* a line was not a JSON object */
} bench_slot;

static char **trial_env; /* environ minus ECOSWEEP_*, then 4 slots, NULL */
static char env_id[48], env_params[64];

static void build_env(void) {
  size_t n = 0, k = 0;
  while (environ[n])
    n++;
  trial_env = malloc((n + 5) * sizeof *trial_env);
  if (!trial_env) {
    perror("bench_baseline: malloc");
    exit(1);
  }
  for (size_t i = 0; i < n; i++)
    if (strncmp(environ[i], "ECOSWEEP_", 9) != 0)
      trial_env[k++] = environ[i];
  trial_env[k++] = "ECOSWEEP_FD=3";
  trial_env[k++] = "ECOSWEEP_MAX_RESOURCE=1";
  trial_env[k++] = env_id;
  trial_env[k++] = env_params;
  trial_env[k] = NULL;
}

/* Start trial id in slot s. 0, or -1 with a message. */
static int launch(bench_slot *s, long id, char *path) {
  int sv[2];
  char *argv[] = {path, NULL};

  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    perror("bench_baseline: socketpair");
    return -1;
  }
  snprintf(env_id, sizeof env_id, "ECOSWEEP_TRIAL_ID=%ld", id);
  snprintf(env_params, sizeof env_params, "ECOSWEEP_PARAMS={\"x\":%ld}", id);
  s->pid = fork();
  if (s->pid < 0) {
    perror("bench_baseline: fork");
    close(sv[0]);
    close(sv[1]);
    return -1;
  }
  if (s->pid == 0) {
    setpgid(0, 0);
    if (sv[1] == 3)
      fcntl(3, F_SETFD, 0); /* keep it across exec */
    else if (dup2(sv[1], 3) != 3)
      _exit(126);
    execve(path, argv, trial_env);
    _exit(127);
  }
  close(sv[1]);
  s->fd = sv[0];
  s->id = id;
  s->reports = 0;
  s->partial = 0;
  s->first = 1;
  s->bad_line = 0;
  return 0;
}

/* Read what the trial sent; answer each complete line. 1 at end-of-file. */
static int drain(bench_slot *s) {
  char buf[4096];
  ssize_t n = read(s->fd, buf, sizeof buf);
  if (n < 0)
    return errno == EINTR || errno == EAGAIN ? 0 : 1;
  if (n == 0)
    return 1;
  for (ssize_t i = 0; i < n; i++) {
    if (s->first && buf[i] != '{')
      s->bad_line = 1;
    s->first = 0;
    s->partial = 1;
    if (buf[i] == '\n') {
      s->reports++;
      s->first = 1;
      s->partial = 0;
      if (send(s->fd, "continue\n", 9, MSG_NOSIGNAL) != 9)
        s->bad_line = 1; /* a trial must be there to read its reply */
    }
  }
  return 0;
}

/* Reap the trial in slot s. 0 if it did everything right, else -1. */
static int finish(bench_slot *s) {
  int status;
  close(s->fd);
  while (waitpid(s->pid, &status, 0) < 0)
    if (errno != EINTR) {
      perror("bench_baseline: waitpid");
      return -1;
    }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || s->reports != 1 || s->partial || s->bad_line) {
    fprintf(stderr, "bench_baseline: trial %ld: %s %d, %d report(s)%s\n", s->id,
            WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
            s->reports, s->partial || s->bad_line ? ", malformed output" : "");
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  long n, inflight, started = 0, done = 0, failed = 0;
  bench_slot *slots;
  struct pollfd *pfds;
  struct timespec t0, t1;
  char *end1, *end2;

  if (argc != 4) {
    fprintf(stderr, "usage: bench_baseline N INFLIGHT TRIAL_PATH\n");
    return 2;
  }
  n = strtol(argv[1], &end1, 10);
  inflight = strtol(argv[2], &end2, 10);
  if (*end1 || *end2 || n < 1 || inflight < 1 || access(argv[3], X_OK) != 0) {
    fprintf(stderr, "bench_baseline: need N >= 1, INFLIGHT >= 1 and an executable TRIAL_PATH\n");
    return 2;
  }
  if (inflight > n)
    inflight = n;
  slots = calloc((size_t)inflight, sizeof *slots);
  pfds = calloc((size_t)inflight, sizeof *pfds);
  if (!slots || !pfds) {
    perror("bench_baseline: calloc");
    return 1;
  }
  build_env();

  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long i = 0; i < inflight; i++) {
    if (launch(&slots[i], started++, argv[3]) != 0)
      return 1;
    pfds[i].fd = slots[i].fd;
    pfds[i].events = POLLIN;
  }
  /* Slots whose trial is done and that get no new one carry fd -1, which
   * poll() skips. */
  while (done < n) {
    if (poll(pfds, (nfds_t)inflight, -1) < 0) {
      if (errno == EINTR)
        continue;
      perror("bench_baseline: poll");
      return 1;
    }
    for (long i = 0; i < inflight; i++) {
      if (pfds[i].fd < 0 || !pfds[i].revents)
        continue;
      if (!drain(&slots[i]))
        continue;
      failed += finish(&slots[i]) != 0;
      done++;
      pfds[i].fd = -1;
      if (started < n) {
        if (launch(&slots[i], started++, argv[3]) != 0)
          return 1;
        pfds[i].fd = slots[i].fd;
      }
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);

  printf("baseline_s=%.6f\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
  free(slots);
  free(pfds);
  free(trial_env);
  if (failed) {
    fprintf(stderr, "bench_baseline: %ld of %ld trials failed\n", failed, n);
    return 1;
  }
  return 0;
}
