/*
 * sweep.c - the sweep state machine on one libuv loop.
 *
 * Life of a trial:
 *   launch    draw a point, make trials/<id>/, spawn (workers/local.c),
 *             journal "start"
 *   running   reports arrive on fd 3 (or as "@ecosweep" lines on stdout);
 *             each gets exactly one reply, "continue" or "stop", and a
 *             journal "report" with the joules so far
 *   exited    its pidfd fired and wait4 reaped it; its group is killed so nothing of
 *             it lingers; we wait for its streams to drain
 *   ended     classified (DESIGN §4 table), metered, journal "end"; its
 *             handles are closed, and the trial is freed in the last close
 *             callback
 *
 * Processes: started with posix_spawn (workers/local.c says why not
 * uv_spawn); a pidfd per process, watched by a uv_poll handle, says when
 * it exits, and wait4() reaps it.
 *
 * CPU time: while a trial runs we read its process tree from /proc; when
 * it is reaped, wait4's rusage gives the exact figure for it and every
 * descendant it waited for.
 *
 * What it does not do: parse specs, compute fronts, know any meter's
 * internals.
 */
#include "sweep.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "../meters/hostmeter.h"
#include "../meters/meter.h"
#include "../strategies/halving.h"
#include "../strategies/sampler.h"
#include "../workers/local.h"
#include "../workers/cgroup.h"
#include "../workers/proctree.h"
#include "../workers/protocol.h"
#include "command.h"
#include "journal.h"
#include "outputs.h"
#include "exec.h"
#include "progress.h"
#include "record.h"

#ifndef ES_CLIENT_DIR
#define ES_CLIENT_DIR "workers/client"
#endif
#define ES_VERSION_STRING "0.1.0"

typedef struct es_sweep es_sweep;

/* The sweep-level budgets an alert watches (trial_energy_j is per trial). */
enum { ES_ALERT_TRIALS, ES_ALERT_ENERGY, ES_ALERT_WALL, ES_ALERT_BUDGETS };

/* Where the kill escalation of a trial stands (one timer drives it). */
typedef enum {
  KILL_NONE,     /* running normally (the timer may hold the timeout) */
  KILL_STOP,     /* told "stop": SIGTERM when grace_s passes */
  KILL_TERM,     /* SIGTERM sent: SIGKILL when grace_s passes */
  KILL_KILL,     /* SIGKILL sent */
} kill_phase;

typedef struct es_trial {
  es_sweep *sweep;
  long id;
  size_t rec;            /* index of its record in sweep->records */
  uv_poll_t exit_poll;   /* readable when the lead process exits (its pidfd) */
  int pidfd;             /* -1: no pidfd, the sweep's reap timer polls it */
  uv_pipe_t channel;     /* our end of its fd 3 */
  uv_pipe_t out, err;    /* its stdout and stderr */
  uv_timer_t timer;      /* timeout, then the kill escalation */
  int open_handles;      /* closed in close_cb; the trial is freed at 0 */
  pid_t pid;             /* also its pgid */
  es_linebuf chan_lb;    /* fd 3 lines */
  es_linebuf out_lb;     /* stdout lines, for "@ecosweep" reports */
  int out_skipping;      /* inside an over-long ordinary stdout line */
  int log_fd[2];         /* stdout.log, stderr.log; -1 until the first byte */
  long long log_bytes[2];
  int exited, chan_eof, out_eof, err_eof, ended;
  int64_t exit_status;
  int term_signal;
  int told_stop;         /* replied "stop" at least once */
  int we_signalled;      /* a signal from us ended it */
  char stop_reason[64];  /* "rung:<level>", "budget:<name>", "shutdown" */
  char fail_reason[128]; /* "protocol:<what>"; empty when none */
  char fail_detail[400];
  int timed_out;
  kill_phase phase;
  double cpu_sample;     /* last /proc reading of its tree */
  double rss_gib;        /* largest resident size of its tree seen (estimate's RAM term) */
  es_meter_share share;  /* its place in the hostmeter's attribution */
  int metered;           /* joined the hostmeter (it has left once exited) */
  int cg_fd;             /* its cgroup v2 group, or -1: CPU time from /proc */
  char cg_name[32];
  uint64_t sampled_ns;   /* when it was taken (launch time before the first) */
  double cpu_final;      /* after reaping */
  int held;              /* sha: waiting for its rung to complete, no reply yet */
  int one_way_held;      /* the same for a stdout-reporting trial, which runs on */
  int one_way;           /* reports on stdout: it cannot wait for a reply */
  int held_again;        /* resume: this report put it back where it was held */
  double prior_j;        /* workers.retries: joules of its earlier attempts in this run */
  /* The slurm launcher: the local process is srun; the trial runs under
   * `ecosweep exec` on a node and talks to us over TCP (struct es_conn). */
  int remote;
  char token[33];        /* its ECOSWEEP_TOKEN: 128 random bits in hex, valid once */
  struct es_conn *conn;  /* its connection after a valid hello, or NULL */
  int connected;         /* it said hello (the connection may be gone now) */
  char job[64];          /* Slurm "JOBID.STEPID" from the hello */
  const char *node_meter; /* the node's meter label (static), from the hello */
  int node_estimate;
  double node_j, node_cpu_s; /* the node's figures for it so far */
  int has_exit;          /* the node's final line arrived */
  int64_t node_status;
  int node_signal;
  double timeout_left;   /* seconds of workers.timeout_s left while held */
  int has_reported_j;
  double reported_j;
  uint64_t start_ns;
  struct es_trial *next_running;
} es_trial;

struct es_sweep {
  uv_loop_t *loop;
  es_spec *spec;
  const char *dir;
  int quiet;
  const es_meter_type *meter; /* the CPU meter: meters.cpu */
  es_meter_choice meters;
  es_meter_config meter_cfg;
  const char *meter_name; /* "rapl", "estimate+nvml": what records say (static) */
  es_hostmeter *host;    /* host/GPU counters and their attribution, or NULL */
  uv_timer_t sample_timer; /* samples the hostmeter (10 Hz by default) */
  es_cgroup_base *cg;    /* per-trial cgroups, or NULL: /proc */
  int cg_stuck;          /* ecosweep could not leave a trial's group: no more groups, none killed */
  unsigned char *gpu_busy; /* n_gpus flags: handed to a running trial */
  size_t n_gpus;
  es_sampler *sampler;
  es_journal journal;
  es_recordset records;
  es_trial *running;     /* linked list of live trials */
  int n_running;
  int n_held;            /* running trials held at a rung (sha): no worker slot */
  es_halving *halving;   /* rungs and promotion decisions (strategies/halving.h) */
  int halving_closed;    /* sha has been told the final number of trials */
  long next_id;
  long launched;
  long n_failed;
  long end_seq;
  int stopping;          /* launch nothing more */
  char stop_why[128];    /* why the sweep stopped launching */
  int signal_exit;       /* 130 / 143 once a signal arrived */
  int signals_seen;
  int io_error;
  double ended_joules;   /* joules of ended trials */
  double prior_trials_j; /* resume: joules of trials that ended in earlier runs */
  double wall_spent;     /* resume: seconds the earlier runs took (budget.wall_s) */
  uv_signal_t sigint, sigterm;
  uv_timer_t reap_timer; /* polls children that have no pidfd */
  uv_prepare_t prepare;  /* flushes the journal once per loop turn */
  uv_timer_t sync_timer; /* fdatasyncs the journal a second after a write */
  uv_timer_t wall_timer;
  uv_timer_t alert_timer; /* checks the alerts' budgets once a second */
  unsigned char *alert_fired; /* n_alerts x ES_ALERT_BUDGETS flags */
  struct es_alert_proc *alert_procs; /* alert commands still running */
  uint64_t start_ns;
  char **base_env;       /* the trials' environment minus per-trial variables */
  int trials_fd;         /* DIR/trials, where trial directories are made */
  es_progress progress;  /* the status line on stderr */
  int remote;            /* workers.launcher is slurm: trials dial in */
  uv_tcp_t listener;     /* where they dial */
  char listen_addr[300]; /* "host:port" as published */
  char self_exe[PATH_MAX]; /* this binary, which srun starts on the node as `ecosweep exec` */
  int in_allocation;     /* ecosweep runs inside a Slurm allocation (SLURM_JOB_ID) */
  struct es_conn *conns; /* connections that have not said hello yet */
  uv_timer_t progress_timer;
  int front_dirty;       /* a trial ended since the front was last computed */
  es_front front_now;    /* the front as of the last status */
  size_t *relaunch;      /* records of trials to start again (resume, workers.retries) */
  unsigned char *relaunch_retry; /* per entry: 1 a retry after a failure, 0 resume */
  size_t n_relaunch, relaunch_next, relaunch_cap;
};

/* A running alert command: reaped like a trial, but nothing is recorded. */
typedef struct es_alert_proc {
  uv_poll_t poll;
  pid_t pid;
  int pidfd;
  es_sweep *sweep;
  struct es_alert_proc *next;
} es_alert_proc;

static void remote_reaped(es_trial *t);
static char **remote_argv(es_sweep *s, es_trial *t, char **argv);
static void handle_report(es_trial *t, const char *line, size_t len, int from_stdout);

static double seconds_since(uint64_t ns) { return (double)(uv_hrtime() - ns) * 1e-9; }

/* Unix time in whole milliseconds ("time_ms" of journal events): resume
 * adds up how much of budget.wall_s the earlier runs spent. An integer,
 * because a fractional 13-digit number costs a multiprecision printf on
 * every trial's start and end. */
static double wall_clock_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1e3 + (double)(ts.tv_nsec / 1000000);
}
/* Figures are kept to 1 us, 1 nJ and 1 pg (far finer than any meter):
 * round(x * per) / per is the double nearest to a short decimal, so the
 * journal and the CSV print it in few digits, and it reads back exactly. */
static double quantize(double x, double per) { return isfinite(x) ? round(x * per) / per : x; }

static es_record *trial_record(es_trial *t) { return &t->sweep->records.v[t->rec]; }

static void say(es_sweep *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(es_sweep *s, const char *fmt, ...) {
  if (s->quiet) return;
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  es_progress_say(&s->progress, 0, "%s", line); /* above the status line */
}

static void journal(es_sweep *s, cJSON *ev) {
  if (!ev) {
    s->io_error = 1;
    return;
  }
  int rc = es_journal_append(&s->journal, ev);
  if (rc != 0 && !s->io_error) {
    fprintf(stderr, "ecosweep: %s: %s\n", s->journal.path, strerror(-rc));
    s->io_error = 1;
  }
  cJSON_Delete(ev);
}

static void sync_cb(uv_timer_t *h) {
  es_sweep *s = h->data;
  int rc = es_journal_sync(&s->journal);
  if (rc != 0 && !s->io_error) {
    fprintf(stderr, "ecosweep: %s: %s\n", s->journal.path, strerror(-rc));
    s->io_error = 1;
  }
}

/* Group commit: the events of one loop turn go out in one write. */
static void journal_flush(es_sweep *s) {
  if (s->journal.len == 0) return;
  int rc = es_journal_flush(&s->journal);
  if (rc != 0 && !s->io_error) {
    fprintf(stderr, "ecosweep: %s: %s\n", s->journal.path, strerror(-rc));
    s->io_error = 1;
  }
  /* Durable within about a second (see journal.h). */
  if (s->journal.unsynced && !uv_is_active((uv_handle_t *)&s->sync_timer))
    uv_timer_start(&s->sync_timer, sync_cb, 1000, 0);
}

static cJSON *trial_event(const char *event, long id) {
  cJSON *ev = cJSON_CreateObject();
  cJSON_AddStringToObject(ev, "event", event);
  es_json_add_number(ev, "trial", (double)id);
  return ev;
}

/* ---- usage and joules ------------------------------------------------------ */

static void trial_usage(es_trial *t, es_trial_usage *u) {
  u->cpu_s = t->exited ? t->cpu_final : t->cpu_sample;
  u->wall_s = seconds_since(t->start_ns);
  u->rss_gib = t->rss_gib;
  u->has_reported = t->has_reported_j;
  u->reported_j = t->reported_j;
}

/* A trial's joules so far: a trial meter's figure (estimate, reported), or
 * its share of the package counters; plus its GPUs' joules. */
static double trial_joules(es_trial *t) {
  es_sweep *s = t->sweep;
  double j = 0;
  if (t->remote && s->meter != &es_meter_reported) {
    j = t->node_j; /* metered on the node that runs it */
  } else if (s->meter->kind == ES_METER_TRIAL) {
    es_trial_usage u;
    trial_usage(t, &u);
    if (s->meter->trial_joules(&s->meter_cfg, &u, &j) != 0) j = 0;
  }
  if (t->metered) j += es_hostmeter_share_joules(&t->share);
  return j + t->prior_j; /* a retried trial's earlier attempts count too */
}

/* ---- the hostmeter ---------------------------------------------------------- */

static void host_sample(es_sweep *s) {
  int rc = es_hostmeter_sample(s->host);
  if (rc < 0 && !s->io_error) {
    /* The interval is attributed at the next sample that succeeds. */
    static int said;
    if (!said++) fprintf(stderr, "ecosweep: meter %s: a read failed: %s\n", s->meter_name, strerror(-rc));
  }
}

static void sample_timer_cb(uv_timer_t *h) {
  es_sweep *s = h->data;
  host_sample(s);
  double p = es_hostmeter_period(s->host);
  uv_timer_start(&s->sample_timer, sample_timer_cb, (uint64_t)(p * 1000.0 + 0.5), 0);
}

/* A trial's CPU-seconds for the attribution: its cgroup counts the whole
 * tree, orphans included; else /proc over its live tree. */
static int share_read_cpu(es_meter_share *sh, double *cpu_s) {
  es_trial *t = sh->ctx;
  if (t->cg_fd >= 0 && es_cgroup_cpu(t->cg_fd, cpu_s) == 0) return 0;
  if (t->exited) {
    *cpu_s = t->cpu_final;
    return 0;
  }
  return es_proctree_cpu(t->pid, cpu_s);
}

/* Before the spawn: the trial's cgroup, and ecosweep inside it for the
 * moment of posix_spawn so the trial is born there (workers/cgroup.h).
 * Returns the group to go back to, or -1. */
static int trial_cgroup_enter(es_trial *t) {
  es_sweep *s = t->sweep;
  if (!s->cg || s->cg_stuck) return -1;
  snprintf(t->cg_name, sizeof t->cg_name, "trial-%ld-%ld", t->id, (long)trial_record(t)->attempt);
  if (es_cgroup_create(s->cg, t->cg_name, &t->cg_fd) != 0) return -1;
  return es_cgroup_enter(s->cg, t->cg_fd);
}

/* After the spawn: ecosweep back in its own group (should that fail, it
 * must never kill or remove the group it is in: cgroups are given up), or
 * the trial moved in now when ecosweep could not enter. */
static void trial_cgroup_settle(es_trial *t, int home, int spawned) {
  es_sweep *s = t->sweep;
  if (home >= 0 && es_cgroup_return(home) != 0) {
    fprintf(stderr, "ecosweep: cannot leave trial %ld's cgroup; trials' CPU time comes from /proc\n", t->id);
    close(t->cg_fd);
    t->cg_fd = -1;
    s->cg_stuck = 1;
    return;
  }
  if (t->cg_fd < 0) return;
  if (!spawned || (home < 0 && es_cgroup_attach(t->cg_fd, t->pid) != 0)) {
    es_cgroup_remove(s->cg, t->cg_name, t->cg_fd);
    t->cg_fd = -1;
  }
}

/* After launch: into the attribution. */
static void trial_meter_join(es_trial *t) {
  es_sweep *s = t->sweep;
  if (!s->host) return;
  t->share.read_cpu = share_read_cpu;
  t->share.ctx = t;
  es_hostmeter_join(s->host, &t->share);
  t->metered = 1;
}

/* At exit: the last sample of its share, its GPUs back to the pool, what
 * is left in its cgroup killed. */
static void trial_meter_leave(es_trial *t) {
  es_sweep *s = t->sweep;
  double cpu = t->cpu_final;
  if (t->cg_fd >= 0) {
    double c;
    if (es_cgroup_cpu(t->cg_fd, &c) == 0 && c > cpu) cpu = c;
    es_cgroup_kill(t->cg_fd);
  }
  if (t->metered) es_hostmeter_leave(s->host, &t->share, cpu);
  for (size_t k = 0; k < t->share.n_gpus; k++)
    if (t->share.gpus[k] < s->n_gpus) s->gpu_busy[t->share.gpus[k]] = 0;
  t->share.n_gpus = 0;
  t->cpu_final = cpu;
}

/* Hand out gpus_per_trial free GPUs to t; CUDA_VISIBLE_DEVICES names them
 * by UUID, so the mapping does not depend on CUDA's device order. NULL
 * when none are asked for; *err set on failure. */
static char *trial_take_gpus(es_sweep *s, es_trial *t, int *err) {
  *err = 0;
  int want = s->spec->workers.gpus_per_trial;
  if (want <= 0 || !s->host) return NULL;
  size_t len = strlen("CUDA_VISIBLE_DEVICES=") + 1;
  char *env = malloc(len + (size_t)want * 80);
  if (!env) {
    *err = 1;
    return NULL;
  }
  strcpy(env, "CUDA_VISIBLE_DEVICES=");
  for (size_t g = 0; g < s->n_gpus && t->share.n_gpus < (size_t)want; g++) {
    char id[72];
    if (s->gpu_busy[g] || es_hostmeter_gpu_id(s->host, g, id, sizeof id) != 0) continue;
    s->gpu_busy[g] = 1;
    t->share.gpus[t->share.n_gpus++] = g;
    strcat(env, t->share.n_gpus > 1 ? "," : "");
    strcat(env, id);
  }
  return env;
}

static size_t gpus_free(es_sweep *s) {
  size_t n = 0;
  for (size_t g = 0; g < s->n_gpus; g++) n += !s->gpu_busy[g];
  return n;
}

/* /proc counts CPU time in clock ticks (10 ms): reading a trial's tree
 * more often than once a tick learns nothing, so a report that comes
 * within a tick of the last reading (or of the launch) reuses it. */
#define ES_SAMPLE_MIN_NS 10000000ull

static void sample_cpu(es_trial *t) {
  double c;
  uint64_t now = uv_hrtime();
  if (t->exited || now - t->sampled_ns < ES_SAMPLE_MIN_NS) return;
  t->sampled_ns = now;
  double rss = 0;
  if (es_proctree_usage(t->pid, &c, &rss) == 0) {
    if (c > t->cpu_sample) t->cpu_sample = c;
    if (rss / (1024.0 * 1024.0 * 1024.0) > t->rss_gib) t->rss_gib = rss / (1024.0 * 1024.0 * 1024.0);
  }
}

static void check_alerts(es_sweep *s);
static double energy_spent(es_sweep *s);

/* ---- kill escalation ------------------------------------------------------ */

static void timer_cb(uv_timer_t *timer);

static void arm(es_trial *t, double seconds) {
  uint64_t ms = seconds <= 0 ? 0 : (uint64_t)(seconds * 1000.0 + 0.5);
  uv_timer_start(&t->timer, timer_cb, ms, 0);
}

static void signal_group(es_trial *t, int sig) {
  t->we_signalled = 1;
  es_local_kill_group(t->pid, sig);
}

/* Begin ending t: tell it stop (it has grace_s to exit), or go straight
 * to SIGTERM when it cannot hear a reply. */
static void reply(es_trial *t, int stop);

static void trial_stop(es_trial *t, const char *reason, int via_signal) {
  if (t->ended || t->exited) return;
  if (!t->told_stop) snprintf(t->stop_reason, sizeof t->stop_reason, "%s", reason);
  t->told_stop = 1;
  if (t->held) { /* it is waiting for the reply to its last report */
    t->held = 0;
    t->sweep->n_held--;
    reply(t, 1);
  }
  if (t->phase != KILL_NONE) return;
  if (via_signal) {
    signal_group(t, SIGTERM);
    t->phase = KILL_TERM;
  } else {
    t->phase = KILL_STOP;
  }
  arm(t, t->sweep->spec->workers.grace_s);
}

static void trial_fail(es_trial *t, const char *reason, const char *detail) {
  if (t->fail_reason[0] || t->ended) return;
  snprintf(t->fail_reason, sizeof t->fail_reason, "%s", reason);
  snprintf(t->fail_detail, sizeof t->fail_detail, "%s", detail);
  if (t->exited) return;
  /* A protocol error ends the process group at once. */
  signal_group(t, SIGTERM);
  t->phase = KILL_TERM;
  arm(t, t->sweep->spec->workers.grace_s);
}

static void remote_cancel(es_trial *t);

static void timer_cb(uv_timer_t *timer) {
  es_trial *t = timer->data;
  if (t->exited) return;
  switch (t->phase) {
  case KILL_NONE: /* the timeout */
    t->timed_out = 1;
    signal_group(t, SIGTERM);
    if (t->remote) remote_cancel(t);
    t->phase = KILL_TERM;
    arm(t, t->sweep->spec->workers.grace_s);
    break;
  case KILL_STOP:
    signal_group(t, SIGTERM);
    if (t->remote) remote_cancel(t);
    t->phase = KILL_TERM;
    arm(t, t->sweep->spec->workers.grace_s);
    break;
  case KILL_TERM:
    signal_group(t, SIGKILL);
    t->phase = KILL_KILL;
    break;
  case KILL_KILL: break;
  }
}

/* ---- reports ------------------------------------------------------------------ */

typedef struct {
  uv_write_t req;
  uv_buf_t buf;
} reply_req;

static void reply_done(uv_write_t *req, int status) {
  (void)status; /* a trial that closed fd 3 early ends on its own terms */
  free(req);
}

static uv_stream_t *trial_chan(es_trial *t);

static void reply(es_trial *t, int stop) {
  static char cont[] = "continue\n", stp[] = "stop\n";
  uv_stream_t *chan = trial_chan(t);
  if (t->chan_eof || !chan || uv_is_closing((uv_handle_t *)chan)) return;
  uv_buf_t buf = stop ? uv_buf_init(stp, sizeof stp - 1) : uv_buf_init(cont, sizeof cont - 1);
  /* A reply is a few bytes into an empty socket buffer: write it now, and
   * queue only what the socket did not take. */
  int n = uv_try_write(chan, &buf, 1);
  if (n == (int)buf.len || (n < 0 && n != UV_EAGAIN)) return;
  if (n > 0) buf = uv_buf_init(buf.base + n, buf.len - (unsigned)n);
  reply_req *r = malloc(sizeof *r);
  if (!r) return;
  r->buf = buf;
  if (uv_write(&r->req, chan, &r->buf, 1, reply_done) != 0) free(r);
}

/* Decide on one report; returns 1 for stop. */
static int decide(es_trial *t, double joules) {
  es_spec *sp = t->sweep->spec;
  if (t->told_stop) return 1;
  if (sp->budget.has_trial_energy_j && joules >= sp->budget.trial_energy_j) {
    trial_stop(t, "budget:trial_energy_j", 0);
    return 1;
  }
  if (sp->budget.has_energy_j && energy_spent(t->sweep) >= sp->budget.energy_j) {
    es_sweep *s = t->sweep;
    if (!s->stopping) {
      s->stopping = 1;
      snprintf(s->stop_why, sizeof s->stop_why, "budget.energy_j = %g J spent", sp->budget.energy_j);
    }
    for (es_trial *o = s->running; o; o = o->next_running) trial_stop(o, "budget:energy_j", 0);
    return 1;
  }
  return 0;
}

/* ---- rungs (strategies/halving.h) ------------------------------------------ */

static void launch_more(es_sweep *s);

/* Ask the halving rule about a report. The level is the step, or the
 * joules so far when the resource is energy ("resource.metric":
 * "energy_j"); the objectives are the report's metrics and the joules so
 * far, in minimisation form. 0, or -1 after failing the trial (it reached
 * a rung without an objective). */
static int rung_decide(es_trial *t, const es_report *rep, double joules, es_decision *d) {
  es_sweep *s = t->sweep;
  if (!s->halving || t->one_way_held) return 0;
  es_spec *sp = s->spec;
  size_t k = sp->n_objectives;
  double obj[ES_SPEC_MAX_OBJECTIVES];
  const char *missing = NULL;
  for (size_t j = 0; j < k; j++) {
    const char *m = sp->objectives[j].metric;
    const double *v = strcmp(m, "energy_j") == 0 ? &joules : es_report_metric(rep, m);
    if (!v && !missing) missing = m;
    double x = v ? *v : NAN;
    obj[j] = sp->objectives[j].maximize ? -x : x;
  }
  double level = strcmp(sp->resource.metric, "energy_j") == 0 ? joules : rep->step;
  int rc = es_halving_report(s->halving, t->id, level, obj, d);
  /* A trial held at a rung (sha) when the run died was started again by
   * resume: back at that rung, it waits for the rung's decision again. */
  if (rc == -EBUSY) {
    if (d->rung > 0 && level >= d->rung * (1 - 1e-12)) {
      d->action = ES_HOLD;
      t->held_again = 1;
    } else {
      *d = (es_decision){t->id, ES_CONTINUE, 0};
    }
    return 0;
  }
  /* A trial started again by resume may already have been stopped at a
   * higher rung before the crash: it runs on until it reaches that rung
   * again, as it did the first time. */
  if (rc == 0 && d->action == ES_STOP && level < d->rung * (1 - 1e-12)) {
    *d = (es_decision){t->id, ES_CONTINUE, 0};
    return 0;
  }
  /* A learning sampler (nsga2) hears every rung result. */
  if (rc == 0 && d->rung > 0 && !missing)
    es_sampler_tell(s->sampler, t->id, trial_record(t)->params, obj, k, d->rung);
  if (rc == -EINVAL && missing) {
    char reason[160], detail[256];
    snprintf(reason, sizeof reason, "protocol:missing-metric:%.100s", missing);
    snprintf(detail, sizeof detail, "trial %ld reached a rung without reporting the objective %.100s", t->id,
             missing);
    trial_fail(t, reason, detail);
    return -1;
  }
  if (rc != 0) *d = (es_decision){t->id, ES_CONTINUE, 0};
  return 0;
}

/* sha: hold t's reply until its rung is complete; a held trial does not
 * count against workers.count, and its timeout clock stops. */
static void trial_hold(es_trial *t) {
  es_sweep *s = t->sweep;
  if (t->one_way) { /* it cannot wait: it runs on and hears the decision later */
    t->one_way_held = 1;
    return;
  }
  t->held = 1;
  s->n_held++;
  if (t->phase == KILL_NONE && s->spec->workers.timeout_s > 0) {
    t->timeout_left = s->spec->workers.timeout_s - seconds_since(t->start_ns);
    uv_timer_stop(&t->timer);
  }
  launch_more(s);
}

static es_trial *trial_by_id(es_sweep *s, long id) {
  for (es_trial *t = s->running; t; t = t->next_running)
    if (t->id == id) return t;
  return NULL;
}

/* Hand out the decisions that sha released (a rung completed). */
static void halving_release(es_sweep *s) {
  if (!s->halving) return;
  es_decision d[32];
  size_t n;
  while ((n = es_halving_released(s->halving, d, 32)) > 0)
    for (size_t i = 0; i < n; i++) {
      es_trial *t = trial_by_id(s, d[i].id);
      if (!t || t->ended) continue;
      int was_held = t->held;
      t->one_way_held = 0;
      if (d[i].action == ES_STOP) {
        char why[64], num[ES_NUM_BUFSZ];
        snprintf(why, sizeof why, "rung:%s", es_fmt_number(num, d[i].rung));
        trial_stop(t, why, t->one_way); /* replies "stop" to a held trial */
      } else if (was_held) {
        t->held = 0;
        s->n_held--;
        reply(t, 0);
        if (t->phase == KILL_NONE && s->spec->workers.timeout_s > 0) arm(t, t->timeout_left);
      }
      cJSON *ev = trial_event("decision", t->id);
      es_json_add_number(ev, "rung", d[i].rung);
      cJSON_AddStringToObject(ev, "decision", d[i].action == ES_STOP ? "stop" : "continue");
      journal(s, ev);
    }
}

static void handle_report(es_trial *t, const char *line, size_t len, int from_stdout) {
  es_sweep *s = t->sweep;
  if (t->fail_reason[0] || t->ended) return;
  es_report rep;
  char why[128];
  if (es_report_parse(line, len, &rep, why, sizeof why) != 0) {
    char reason[160], detail[256];
    snprintf(reason, sizeof reason, "protocol:%s", why);
    snprintf(detail, sizeof detail, "trial %ld sent a bad report line (%s)%s", t->id, why,
             from_stdout ? " on stdout" : "");
    trial_fail(t, reason, detail);
    return;
  }
  es_record *r = trial_record(t);
  if (r->has_step && rep.step < r->step) {
    char detail[256];
    snprintf(detail, sizeof detail, "trial %ld reported step %g after step %g", t->id, rep.step, r->step);
    es_report_free(&rep);
    trial_fail(t, "protocol:step-backwards", detail);
    return;
  }
  r->has_step = 1;
  r->step = rep.step;
  r->n_reports++;
  for (size_t i = 0; i < rep.n_metrics; i++) {
    if (es_record_set_metric(&s->records, r, rep.metrics[i].name, rep.metrics[i].value) != 0) s->io_error = 1;
    r = trial_record(t);
    if (strcmp(rep.metrics[i].name, "energy_j") == 0) {
      t->has_reported_j = 1;
      t->reported_j = rep.metrics[i].value;
    }
  }
  sample_cpu(t);
  if (s->host && es_hostmeter_age(s->host) > 0.01) host_sample(s);
  double joules = trial_joules(t);
  t->one_way = from_stdout;
  int stop = decide(t, joules);
  es_decision d = {t->id, ES_CONTINUE, 0};
  if (!stop && rung_decide(t, &rep, joules, &d) != 0) {
    es_report_free(&rep);
    return; /* the trial failed (a rung without its objectives) */
  }
  if (d.action == ES_STOP) {
    char why[64];
    char num[ES_NUM_BUFSZ];
    snprintf(why, sizeof why, "rung:%s", es_fmt_number(num, d.rung));
    trial_stop(t, why, from_stdout);
    stop = 1;
  }
  check_alerts(s);
  if (d.action == ES_HOLD)
    trial_hold(t);
  else if (!from_stdout)
    reply(t, stop);
  else if (stop && t->phase == KILL_STOP) { /* one-way trials hear "stop" as SIGTERM */
    signal_group(t, SIGTERM);
    t->phase = KILL_TERM;
    arm(t, s->spec->workers.grace_s);
  }
  cJSON *ev = trial_event("report", t->id);
  if (d.rung > 0) {
    es_json_add_number(ev, "rung", d.rung);
    cJSON_AddStringToObject(ev, "decision", d.action == ES_STOP ? "stop" : d.action == ES_HOLD ? "hold" : "continue");
    if (t->held_again) cJSON_AddBoolToObject(ev, "again", 1);
    t->held_again = 0;
  }
  es_json_add_number(ev, "step", rep.step);
  cJSON *m = cJSON_AddObjectToObject(ev, "metrics");
  for (size_t i = 0; i < rep.n_metrics; i++) es_json_add_number(m, rep.metrics[i].name, rep.metrics[i].value);
  es_json_add_number(ev, "energy_j", quantize(joules, 1e9));
  es_json_add_number(ev, "cpu_s", quantize(t->cpu_sample, 1e6));
  es_json_add_number(ev, "wall_s", quantize(seconds_since(t->start_ns), 1e6));
  if (d.action != ES_HOLD) cJSON_AddStringToObject(ev, "reply", stop ? "stop" : "continue");
  journal(s, ev);
  es_report_free(&rep);
  halving_release(s);
}

/* ---- streams -------------------------------------------------------------- */

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  (void)suggested;
  static char slab[65536]; /* one loop thread: reads never overlap */
  *buf = uv_buf_init(slab, sizeof slab);
}

static void maybe_finish(es_trial *t);

/* Logs are created when the trial first writes to the stream: a quiet
 * trial costs no file creation (which is most of a trivial trial's
 * dispatch cost on ext4). */
static void log_write(es_trial *t, int which, const char *data, size_t n) {
  long long cap = t->sweep->spec->workers.log_cap_bytes;
  if (t->log_bytes[which] >= cap) return;
  if (t->log_fd[which] < 0) {
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/trials/%ld/%s", t->sweep->dir, t->id, which ? "stderr.log" : "stdout.log");
    t->log_fd[which] = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (t->log_fd[which] < 0) {
      fprintf(stderr, "ecosweep: %s: %s\n", path, strerror(errno));
      t->log_bytes[which] = cap; /* say it once */
      return;
    }
  }
  size_t room = (size_t)(cap - t->log_bytes[which]);
  size_t w = n < room ? n : room;
  if (write(t->log_fd[which], data, w) < 0) return;
  t->log_bytes[which] += (long long)w;
  if (w < n) {
    static const char marker[] = "\n[ecosweep: log truncated at workers.log_cap_bytes]\n";
    if (write(t->log_fd[which], marker, sizeof marker - 1) < 0) return;
    t->log_bytes[which] = cap;
  }
}

static void chan_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
  es_trial *t = st->data;
  if (n > 0) {
    if (es_linebuf_feed(&t->chan_lb, buf->base, (size_t)n) != 0) {
      trial_fail(t, "protocol:line-too-long", "a report line on fd 3 exceeded 64 KiB");
      return;
    }
    const char *line;
    size_t len;
    while ((line = es_linebuf_next(&t->chan_lb, &len))) handle_report(t, line, len, 0);
    return;
  }
  if (n < 0) { /* EOF or an error: fd 3 is done */
    size_t len;
    const char *rest = es_linebuf_rest(&t->chan_lb, &len);
    if (rest && len) handle_report(t, rest, len, 0);
    uv_read_stop(st);
    t->chan_eof = 1;
    maybe_finish(t);
  }
}

static const char at_prefix[] = "@ecosweep ";

static void stdout_line(es_trial *t, const char *line, size_t len) {
  size_t pl = sizeof at_prefix - 1;
  if (len >= pl && memcmp(line, at_prefix, pl) == 0) handle_report(t, line + pl, len - pl, 1);
}

static void out_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
  es_trial *t = st->data;
  if (n > 0) {
    log_write(t, 0, buf->base, (size_t)n);
    const char *p = buf->base, *end = buf->base + n;
    while (p < end) {
      const char *nl = memchr(p, '\n', (size_t)(end - p));
      size_t chunk = (size_t)((nl ? nl + 1 : end) - p);
      if (t->out_skipping) { /* rest of an over-long ordinary line */
        if (nl) t->out_skipping = 0;
      } else if (es_linebuf_feed(&t->out_lb, p, chunk) != 0) {
        size_t pl = sizeof at_prefix - 1;
        if (t->out_lb.len >= pl && memcmp(t->out_lb.buf, at_prefix, pl) == 0)
          trial_fail(t, "protocol:line-too-long", "an @ecosweep line on stdout exceeded 64 KiB");
        es_linebuf_free(&t->out_lb);
        es_linebuf_init(&t->out_lb, ES_REPORT_MAX + sizeof at_prefix);
        t->out_skipping = nl == NULL;
      } else {
        const char *line;
        size_t len;
        while ((line = es_linebuf_next(&t->out_lb, &len))) stdout_line(t, line, len);
      }
      p += chunk;
    }
    return;
  }
  if (n < 0) {
    size_t len;
    const char *rest = es_linebuf_rest(&t->out_lb, &len);
    if (rest && len && !t->out_skipping) stdout_line(t, rest, len);
    uv_read_stop(st);
    t->out_eof = 1;
    maybe_finish(t);
  }
}

static void err_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
  es_trial *t = st->data;
  if (n > 0) {
    log_write(t, 1, buf->base, (size_t)n);
    return;
  }
  if (n < 0) {
    uv_read_stop(st);
    t->err_eof = 1;
    maybe_finish(t);
  }
}

/* ---- ending ------------------------------------------------------------------ */

static void launch_more(es_sweep *s);
static void sweep_maybe_done(es_sweep *s);

static void trial_free(es_trial *t) {
  if (t->pidfd >= 0) close(t->pidfd);
  /* A group still busy (a process not yet dead after cgroup.kill) is
   * removed at the end by es_cgroup_base_close. */
  if (t->cg_fd >= 0) es_cgroup_remove(t->sweep->cg, t->cg_name, t->cg_fd);
  es_linebuf_free(&t->chan_lb);
  es_linebuf_free(&t->out_lb);
  free(t);
}

static void close_cb(uv_handle_t *h) {
  es_trial *t = h->data;
  if (--t->open_handles == 0) {
    es_sweep *s = t->sweep;
    trial_free(t);
    sweep_maybe_done(s);
  }
}

static void conn_close(struct es_conn *c);

static void trial_close_handles(es_trial *t) {
  if (t->conn) conn_close(t->conn); /* detaches it from t */
  uv_handle_t *hs[] = {t->remote ? NULL : (uv_handle_t *)&t->channel, (uv_handle_t *)&t->out, (uv_handle_t *)&t->err,
                       (uv_handle_t *)&t->timer, t->pidfd >= 0 ? (uv_handle_t *)&t->exit_poll : NULL};
  for (size_t i = 0; i < sizeof hs / sizeof *hs; i++)
    if (hs[i] && !uv_is_closing(hs[i])) uv_close(hs[i], close_cb);
}

static const char *signal_name(int sig, char *buf, size_t len) {
  const char *abbrev = sigabbrev_np(sig);
  if (abbrev)
    snprintf(buf, len, "SIG%s", abbrev);
  else
    snprintf(buf, len, "%d", sig);
  return buf;
}

/* Classify a trial that has exited and drained (DESIGN §4). */
static void classify(es_trial *t, es_status *st, char *reason, size_t rlen, char *detail, size_t dlen) {
  es_sweep *s = t->sweep;
  es_record *r = trial_record(t);
  char sig[32];
  if (t->fail_reason[0]) {
    *st = ES_STATUS_FAILED;
    snprintf(reason, rlen, "%s", t->fail_reason);
    snprintf(detail, dlen, "%s", t->fail_detail);
    return;
  }
  if (t->timed_out) {
    *st = ES_STATUS_TIMEOUT;
    snprintf(reason, rlen, "timeout");
    snprintf(detail, dlen, "trial %ld ran past workers.timeout_s = %g s", t->id, s->spec->workers.timeout_s);
    return;
  }
  if (t->told_stop && strcmp(t->stop_reason, "shutdown") == 0) {
    *st = ES_STATUS_KILLED;
    snprintf(reason, rlen, "shutdown");
    snprintf(detail, dlen, "trial %ld was ended by ecosweep's own shutdown", t->id);
    return;
  }
  if (t->term_signal && !(t->told_stop && t->we_signalled)) {
    *st = ES_STATUS_FAILED;
    snprintf(reason, rlen, "signal:%s", signal_name(t->term_signal, sig, sizeof sig));
    snprintf(detail, dlen, "trial %ld was killed by %s", t->id, sig);
    return;
  }
  if (!t->term_signal && t->exit_status != 0 && !(t->told_stop && t->we_signalled)) {
    *st = ES_STATUS_FAILED;
    snprintf(reason, rlen, "exit:%lld", (long long)t->exit_status);
    snprintf(detail, dlen, "trial %ld exited with status %lld", t->id, (long long)t->exit_status);
    return;
  }
  if (t->told_stop) {
    *st = ES_STATUS_STOPPED;
    snprintf(reason, rlen, "%s", t->stop_reason);
    snprintf(detail, dlen, "trial %ld was told to stop (%s)", t->id, t->stop_reason);
    return;
  }
  if (r->n_reports == 0) {
    *st = ES_STATUS_FAILED;
    snprintf(reason, rlen, "protocol:no-report");
    snprintf(detail, dlen, "trial %ld exited 0 without reporting", t->id);
    return;
  }
  for (size_t j = 0; j < s->spec->n_objectives; j++) {
    const char *m = s->spec->objectives[j].metric;
    int supplied = strcmp(m, "energy_j") == 0 && (s->meter != &es_meter_reported || t->has_reported_j);
    if (!supplied && !es_record_metric(&s->records, r, m)) {
      *st = ES_STATUS_FAILED;
      snprintf(reason, rlen, "protocol:missing-metric:%s", m);
      snprintf(detail, dlen, "trial %ld's last report lacks the objective %s", t->id, m);
      return;
    }
  }
  *st = ES_STATUS_COMPLETED;
  snprintf(reason, rlen, "exit:0");
  snprintf(detail, dlen, "trial %ld ran to its end", t->id);
}

static void halving_release(es_sweep *s);

/* A learning sampler hears each finished trial's result: its last
 * report's metrics and all its joules, at its last level. */
static void sampler_tell_final(es_sweep *s, const es_record *r) {
  if (!s->sampler->type->tell) return;
  size_t k = s->spec->n_objectives;
  double obj[ES_SPEC_MAX_OBJECTIVES];
  for (size_t j = 0; j < k; j++) {
    const double *v = es_objective_value(&s->records, r, s->spec->objectives[j].metric);
    if (!v) return;
    obj[j] = s->spec->objectives[j].maximize ? -*v : *v;
  }
  double level = strcmp(s->spec->resource.metric, "energy_j") == 0 ? r->energy_j : r->step;
  es_sampler_tell(s->sampler, r->id, r->params, obj, k, level);
}

static int relaunch_push(es_sweep *s, size_t rec, int retry);

static void trial_end(es_trial *t) {
  es_sweep *s = t->sweep;
  t->ended = 1;
  if (t->held) { /* it died while waiting at a rung */
    t->held = 0;
    s->n_held--;
  }
  uv_timer_stop(&t->timer);
  for (int i = 0; i < 2; i++)
    if (t->log_fd[i] >= 0) close(t->log_fd[i]), t->log_fd[i] = -1;
  es_status st;
  char reason[192], detail[448];
  classify(t, &st, reason, sizeof reason, detail, sizeof detail);
  es_record *r = trial_record(t);
  r->status = st;
  es_record_set_text(&r->reason, reason);
  es_record_set_text(&r->detail, detail);
  r->cpu_s = quantize(t->cpu_final, 1e6);
  r->wall_s = quantize(seconds_since(t->start_ns), 1e6);
  r->energy_j = quantize(trial_joules(t), 1e9);
  r->co2_g = quantize(es_co2_grams(r->energy_j, s->spec->carbon.g_per_kwh, s->spec->carbon.pue), 1e12);
  r->meter = s->meter_name;
  r->estimate = s->meter->estimate;
  if (t->remote && s->meter != &es_meter_reported) { /* the node's meter measured it */
    r->meter = t->node_meter ? t->node_meter : "unknown";
    r->estimate = t->node_estimate;
  }
  r->end_seq = ++s->end_seq;
  s->ended_joules += r->energy_j - t->prior_j;
  s->front_dirty = 1;
  /* workers.retries: a failed attempt runs again (same id, parameters and
   * directory) while attempts are left and the sweep goes on. */
  int retry = (st == ES_STATUS_FAILED || st == ES_STATUS_TIMEOUT) && r->attempt <= s->spec->workers.retries &&
              !s->stopping && relaunch_push(s, t->rec, 1) == 0;
  if (st == ES_STATUS_COMPLETED || st == ES_STATUS_STOPPED) sampler_tell_final(s, r);
  if ((st == ES_STATUS_FAILED || st == ES_STATUS_TIMEOUT) && !retry) s->n_failed++;

  cJSON *ev = trial_event("end", t->id);
  es_json_add_number(ev, "attempt", r->attempt);
  cJSON_AddStringToObject(ev, "status", es_status_name(st));
  cJSON_AddStringToObject(ev, "reason", reason);
  cJSON_AddStringToObject(ev, "detail", detail);
  if (r->has_step) es_json_add_number(ev, "step", r->step);
  cJSON *m = cJSON_AddObjectToObject(ev, "metrics");
  for (size_t j = 0; j < s->records.n_names && j < r->n_metric; j++)
    if (r->has_metric[j]) es_json_add_number(m, s->records.names[j], r->metric[j]);
  es_json_add_number(ev, "energy_j", r->energy_j);
  es_json_add_number(ev, "cpu_s", r->cpu_s);
  es_json_add_number(ev, "wall_s", r->wall_s);
  es_json_add_number(ev, "time_ms", wall_clock_ms());
  es_json_add_number(ev, "co2_g", r->co2_g);
  cJSON_AddStringToObject(ev, "meter", r->meter);
  cJSON_AddBoolToObject(ev, "estimate", r->estimate);
  if (t->term_signal)
    es_json_add_number(ev, "signal", t->term_signal);
  else
    es_json_add_number(ev, "exit_code", (double)t->exit_status);
  if (retry) cJSON_AddBoolToObject(ev, "retry", 1);
  journal(s, ev);
  r->retry = retry; /* its next attempt is queued */

  if (!s->quiet) {
    char line[768];
    int off = snprintf(line, sizeof line, "trial %ld %s (%s)%s", t->id, es_status_name(st), reason,
                       retry ? ", retrying" : "");
    for (size_t j = 0; j < s->spec->n_objectives && off < (int)sizeof line; j++) {
      const double *v = es_objective_value(&s->records, r, s->spec->objectives[j].metric);
      if (v) off += snprintf(line + off, sizeof line - (size_t)off, " %s=%.4g", s->spec->objectives[j].metric, *v);
    }
    if (off < (int)sizeof line)
      snprintf(line + off, sizeof line - (size_t)off, "%s", s->meter->estimate ? " (energy estimated)" : "");
    say(s, "%s", line);
  }

  /* Unlink from the running list. */
  for (es_trial **pp = &s->running; *pp; pp = &(*pp)->next_running)
    if (*pp == t) {
      *pp = t->next_running;
      break;
    }
  s->n_running--;
  if (s->spec->workers.max_failures > 0 && s->n_failed >= s->spec->workers.max_failures && !s->stopping) {
    s->stopping = 1;
    snprintf(s->stop_why, sizeof s->stop_why, "workers.max_failures = %d reached", s->spec->workers.max_failures);
    fprintf(stderr, "ecosweep: %s: %ld trials failed (workers.max_failures = %d); stopping the sweep\n",
            s->spec->path, s->n_failed, s->spec->workers.max_failures);
  }
  trial_close_handles(t);
  if (s->halving && !retry) { /* rungs stop waiting for it (sha may release others) */
    es_halving_end(s->halving, t->id);
    halving_release(s);
  }
  launch_more(s);
}

static void maybe_finish(es_trial *t) {
  if (t->ended || !t->exited) return;
  if (t->chan_eof && t->out_eof && t->err_eof) trial_end(t);
}

/* Reap t if its lead process has exited: exact CPU time from wait4, and
 * whatever it left in its process group goes with it. */
/* ---- orphans ------------------------------------------------------------
 *
 * ecosweep is a child subreaper (prctl PR_SET_CHILD_SUBREAPER): a process
 * a trial leaves behind - one that called setsid to leave the trial's
 * process group included - is re-parented to ecosweep when its parent
 * dies, instead of to init. Whenever a trial ends, every such adopted
 * child whose ECOSWEEP_TRIAL_DIR names a trial that is no longer running
 * is killed with its process group, and adopted children that have exited
 * are reaped by pid (never waitpid(-1): trials are reaped through their
 * pidfds). So no process of a trial outlives it. */

static int is_trial_leader(es_sweep *s, pid_t pid) {
  for (es_trial *t = s->running; t; t = t->next_running)
    if (t->pid == pid && !t->exited) return 1;
  for (es_alert_proc *a = s->alert_procs; a; a = a->next)
    if (a->pid == pid) return 1;
  return 0;
}

/* The trial id a process belongs to, from the ECOSWEEP_TRIAL_DIR in its
 * environment (inherited by everything a trial starts), or -1. Used for
 * adopted orphans and, by resume, for leftovers of a dead run. */
static long orphan_trial(es_sweep *s, pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  static char env[1 << 16];
  ssize_t m = read(fd, env, sizeof env - 1);
  close(fd);
  if (m <= 0) return -1;
  env[m] = '\0';
  char prefix[PATH_MAX + 32];
  int pl = snprintf(prefix, sizeof prefix, "ECOSWEEP_TRIAL_DIR=%s/trials/", s->dir);
  for (ssize_t i = 0; i < m; i += (ssize_t)strlen(env + i) + 1)
    if (strncmp(env + i, prefix, (size_t)pl) == 0) {
      char *end;
      long id = strtol(env + i + pl, &end, 10);
      return *end == '\0' ? id : -1;
    }
  return -1;
}

static void orphans_sweep(es_sweep *s, int all) {
  char path[64], buf[8192];
  snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return;
  buf[n] = '\0';
  char *save = NULL;
  for (char *tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
    pid_t pid = (pid_t)strtol(tok, NULL, 10);
    if (pid <= 1 || is_trial_leader(s, pid)) continue;
    long id = orphan_trial(s, pid);
    int owner_running = 0;
    for (es_trial *t = s->running; t && id >= 0; t = t->next_running)
      owner_running |= t->id == id && !t->exited;
    if (id >= 0 && (all || !owner_running)) {
      kill(-pid, SIGKILL); /* it leads its own group after setsid */
      kill(pid, SIGKILL);
    }
    int status;
    if (all && id >= 0)
      waitpid(pid, &status, 0);
    else
      waitpid(pid, &status, WNOHANG);
  }
}

static void trial_reap(es_trial *t) {
  if (t->exited) return;
  double cpu;
  long maxrss = 0;
  if (es_local_reap(t->pid, &t->exit_status, &t->term_signal, &cpu, &maxrss) != 0) return;
  if ((double)maxrss / (1024.0 * 1024.0) > t->rss_gib) t->rss_gib = (double)maxrss / (1024.0 * 1024.0);
  t->exited = 1;
  t->cpu_final = cpu;
  if (t->remote) remote_reaped(t);
  trial_meter_leave(t);
  es_local_kill_group(t->pid, SIGKILL);
  orphans_sweep(t->sweep, 0);
  if (t->pidfd >= 0) uv_poll_stop(&t->exit_poll);
  maybe_finish(t);
}

static void exit_poll_cb(uv_poll_t *h, int status, int events) {
  (void)status;
  (void)events;
  trial_reap(h->data);
}

static void reap_alerts(es_sweep *s);

/* For children without a pidfd (kernels before 5.3): poll every 20 ms. */
static void reap_timer_cb(uv_timer_t *h) {
  es_sweep *s = h->data;
  for (es_trial *t = s->running, *next; t; t = next) {
    next = t->next_running;
    if (t->pidfd < 0) trial_reap(t);
  }
  reap_alerts(s);
}

/* Right before the loop blocks for I/O: write what this turn journaled. */
static void prepare_cb(uv_prepare_t *h) { journal_flush(h->data); }

/* ---- launching ------------------------------------------------------------- */

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *p = NULL;
  if (vasprintf(&p, fmt, ap) < 0) p = NULL;
  va_end(ap);
  return p;
}

/* ECOSWEEP_PARAMS: floats keep a '.', ints are ints, strings escaped. */
static char *params_env_json(const es_space *space, const double *point) {
  cJSON *o = cJSON_CreateObject();
  for (size_t i = 0; o && i < space->n; i++) {
    const es_param *p = &space->params[i];
    cJSON *v;
    char buf[ES_NUM_BUFSZ];
    if (p->kind == ES_PARAM_CATEGORICAL) {
      const es_scalar *sc = &p->values[(size_t)point[i]];
      if (sc->kind == ES_SCALAR_STRING)
        v = cJSON_CreateString(sc->string);
      else if (sc->kind == ES_SCALAR_NUMBER)
        v = cJSON_CreateRaw(es_fmt_number(buf, sc->number));
      else if (sc->kind == ES_SCALAR_BOOL)
        v = cJSON_CreateBool(sc->number != 0);
      else
        v = cJSON_CreateNull();
    } else {
      char *text = es_param_value_text(p, point[i]);
      v = text ? cJSON_CreateRaw(text) : NULL;
      free(text);
    }
    if (!v) {
      cJSON_Delete(o);
      return NULL;
    }
    cJSON_AddItemToObject(o, p->name, v);
  }
  char *text = o ? cJSON_PrintUnformatted(o) : NULL;
  cJSON_Delete(o);
  return text;
}

/* t could not be started: it ends failed with exit:127 (what a shell
 * reports for a command it cannot run), without a process. */
static void trial_spawn_failed(es_trial *t, int err, const char *what) {
  snprintf(t->fail_detail, sizeof t->fail_detail, "trial %ld could not start %.300s: %s", t->id, what,
           strerror(-err));
  snprintf(t->fail_reason, sizeof t->fail_reason, "exit:127");
  fprintf(stderr, "ecosweep: %s\n", t->fail_detail);
  trial_meter_leave(t); /* not metered: gives its GPUs back */
  t->exited = 1;
  t->exit_status = 127;
  t->chan_eof = t->out_eof = t->err_eof = 1;
  trial_end(t);
}

/* Launch one trial. 0, 1 when there is nothing more to launch, or -1 on a
 * failure that stops the sweep. */
static int launch_one(es_sweep *s) {
  es_spec *sp = s->spec;
  size_t np = sp->space.n;
  double *point = malloc((np ? np : 1) * sizeof *point);
  if (!point) return -1;
  es_record *r;
  long id;
  size_t bracket = 0, rec;
  int relaunched = s->relaunch_next < s->n_relaunch;
  int resumed = relaunched && !s->relaunch_retry[s->relaunch_next];
  es_trial *t = calloc(1, sizeof *t);
  if (!t) {
    free(point);
    return -1;
  }
  if (relaunched) {
    /* resume: a trial that was running when the sweep stopped starts
     * again with its id, parameters and directory (ECOSWEEP_RESUMED=1);
     * a retry of a failed attempt likewise, its joules carried over. */
    rec = s->relaunch[s->relaunch_next++];
    r = &s->records.v[rec];
    if (!resumed) t->prior_j = r->energy_j;
    r->status = ES_STATUS_PENDING;
    r->retry = 0;
    id = r->id;
    memcpy(point, r->params, np * sizeof *point);
    r->attempt++;
    r->has_step = 0;
    r->step = 0;
    r->n_reports = 0;
    if (r->has_metric) memset(r->has_metric, 0, r->n_metric);
  } else {
    int rc = es_sampler_next(s->sampler, point);
    if (rc == ES_SAMPLER_EXHAUSTED) {
      free(point);
      free(t);
      return 1;
    }
    id = s->next_id++;
    r = es_recordset_add(&s->records, id, np);
    if (!r || (s->halving && es_halving_assign(s->halving, id, &bracket) != 0)) {
      free(point);
      free(t);
      return -1;
    }
    memcpy(r->params, point, np * sizeof *point);
    rec = s->records.n - 1;
    s->launched++;
  }
  t->sweep = s;
  t->id = id;
  t->rec = rec;
  t->log_fd[0] = t->log_fd[1] = -1;
  t->pidfd = -1;
  t->cg_fd = -1;
  /* A remote trial's lines carry exec's "node" member on top. */
  es_linebuf_init(&t->chan_lb, s->remote ? ES_EXEC_LINE_MAX : ES_REPORT_MAX);
  es_linebuf_init(&t->out_lb, ES_REPORT_MAX + sizeof at_prefix);

  char tdir[PATH_MAX], err[512];
  snprintf(tdir, sizeof tdir, "%s/trials/%ld", s->dir, id);
  char **argv = NULL, **env = NULL, *params = NULL;
  char *extra[12] = {0}; /* per-trial variables, NULL-terminated */
  int sv[2] = {-1, -1}, po[2] = {-1, -1}, pe[2] = {-1, -1};
  int result = -1;
  char name[32];
  snprintf(name, sizeof name, "%ld", id);
  if (mkdirat(s->trials_fd, name, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "ecosweep: %s: %s\n", tdir, strerror(errno));
    goto out;
  }
  argv = es_command_expand(sp->command, &sp->space, point, id, tdir, sp->resource.max_step, err, sizeof err);
  if (!argv) {
    fprintf(stderr, "ecosweep: trial %ld: %s\n", id, err);
    goto out;
  }
  char maxres[ES_NUM_BUFSZ];
  es_fmt_number(maxres, sp->resource.max_step);
  params = params_env_json(&sp->space, point);
  extra[0] = xasprintf("ECOSWEEP_TRIAL_ID=%ld", id);
  extra[1] = xasprintf("ECOSWEEP_PARAMS=%s", params ? params : "{}");
  extra[2] = xasprintf("ECOSWEEP_MAX_RESOURCE=%s", maxres);
  extra[3] = xasprintf("ECOSWEEP_TRIAL_DIR=%s", tdir);
  t->remote = s->remote;
  int ne = 4;
  if (t->remote) { /* it dials us from its node with a one-time token */
    unsigned char rnd[16];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) goto out;
    for (int i = 0; i < 16; i++) snprintf(t->token + 2 * i, 3, "%02x", rnd[i]);
    extra[ne++] = xasprintf("ECOSWEEP_CONNECT=%s", s->listen_addr);
    extra[ne++] = xasprintf("ECOSWEEP_TOKEN=%s", t->token);
    extra[ne++] = xasprintf("ECOSWEEP_GRACE_S=%.17g", sp->workers.grace_s); /* exec's own SIGTERM-to-SIGKILL wait */
    /* The spec's estimate model, for a node that has no hardware meter. */
    if (sp->estimate.has_cpu_watts) extra[ne++] = xasprintf("ECOSWEEP_ESTIMATE_CPU_WATTS=%.17g", sp->estimate.cpu_watts);
    if (sp->estimate.has_ram_watts) extra[ne++] = xasprintf("ECOSWEEP_ESTIMATE_RAM_WATTS=%.17g", sp->estimate.ram_watts);
  } else {
    extra[ne++] = xasprintf("ECOSWEEP_FD=3");
  }
  if (resumed) extra[ne++] = xasprintf("ECOSWEEP_RESUMED=1");
  for (int i = 0; i < ne; i++)
    if (!extra[i]) goto out;
  int gpu_err = 0;
  if (!t->remote) extra[ne] = trial_take_gpus(s, t, &gpu_err);
  if (gpu_err) goto out;
  env = es_env_concat(s->base_env, extra);
  if (!env) goto out;
  if (t->remote) {
    char **srun = remote_argv(s, t, argv);
    if (!srun) goto out;
    es_argv_free(argv);
    argv = srun;
  }
  if ((!t->remote && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) || pipe2(po, O_CLOEXEC) != 0 ||
      pipe2(pe, O_CLOEXEC) != 0) {
    fprintf(stderr, "ecosweep: trial %ld: %s\n", id, strerror(errno));
    goto out;
  }
  t->start_ns = t->sampled_ns = uv_hrtime();
  es_child child;
  int home = t->remote ? -1 : trial_cgroup_enter(t);
  int rc = es_local_spawn(argv, env, sp->workdir, po[1], pe[1], sv[1], &child);
  if (sv[1] >= 0) close(sv[1]);
  close(po[1]), close(pe[1]);
  sv[1] = po[1] = pe[1] = -1;
  uv_pipe_init(s->loop, &t->out, 0);
  uv_pipe_init(s->loop, &t->err, 0);
  uv_timer_init(s->loop, &t->timer);
  t->out.data = t->err.data = t->channel.data = t->timer.data = t->exit_poll.data = t;
  t->open_handles = 3;
  if (!t->remote) {
    uv_pipe_init(s->loop, &t->channel, 0);
    uv_pipe_open(&t->channel, sv[0]);
    t->open_handles++;
  }
  uv_pipe_open(&t->out, po[0]);
  uv_pipe_open(&t->err, pe[0]);
  sv[0] = po[0] = pe[0] = -1;
  t->pid = rc == 0 ? child.pid : 0;
  t->pidfd = rc == 0 ? child.pidfd : -1;
  trial_cgroup_settle(t, home, rc == 0);
  if (rc == 0 && !t->remote) trial_meter_join(t); /* a remote trial is metered on its node */
  if (t->pidfd >= 0) {
    uv_poll_init(s->loop, &t->exit_poll, t->pidfd);
    t->open_handles++;
  }

  cJSON *ev = trial_event("start", id);
  es_json_add_number(ev, "attempt", r->attempt);
  es_json_add_number(ev, "pid", t->pid);
  es_json_add_number(ev, "pgid", t->pid);
  cJSON_AddItemToObject(ev, "params", es_params_to_json(&sp->space, point));
  es_json_add_number(ev, "time_ms", wall_clock_ms());
  if (s->halving && es_halving_brackets(s->halving) > 1) es_json_add_number(ev, "bracket", (double)bracket);
  journal(s, ev);

  t->next_running = s->running;
  s->running = t;
  s->n_running++;
  if (rc != 0) {
    trial_spawn_failed(t, rc, argv[0]);
    t = NULL;
    result = 0;
    goto out;
  }
  if (!t->remote) uv_read_start((uv_stream_t *)&t->channel, alloc_cb, chan_read);
  uv_read_start((uv_stream_t *)&t->out, alloc_cb, out_read);
  uv_read_start((uv_stream_t *)&t->err, alloc_cb, err_read);
  if (t->pidfd >= 0)
    uv_poll_start(&t->exit_poll, UV_READABLE, exit_poll_cb);
  else if (!uv_is_active((uv_handle_t *)&s->reap_timer))
    uv_timer_start(&s->reap_timer, reap_timer_cb, 20, 20);
  if (sp->workers.timeout_s > 0) arm(t, sp->workers.timeout_s);
  t = NULL;
  result = 0;
out:
  if (t) { /* failed before spawning: nothing of it reached libuv */
    for (size_t k = 0; k < t->share.n_gpus; k++) s->gpu_busy[t->share.gpus[k]] = 0;
    for (int i = 0; i < 2; i++)
      if (t->log_fd[i] >= 0) close(t->log_fd[i]);
    trial_free(t);
  }
  int fds[] = {sv[0], sv[1], po[0], po[1], pe[0], pe[1]};
  for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
    if (fds[i] >= 0) close(fds[i]);
  for (int i = 0; i < 12; i++) free(extra[i]);
  free(params);
  free(env); /* its strings belong to base_env and extra */
  es_argv_free(argv);
  free(point);
  return result;
}

/* Queue record rec to start again: before any new trial, in order. */
static int relaunch_push(es_sweep *s, size_t rec, int retry) {
  if (s->n_relaunch == s->relaunch_cap) {
    size_t cap = s->relaunch_cap ? 2 * s->relaunch_cap : 16;
    size_t *r = realloc(s->relaunch, cap * sizeof *r);
    if (!r) return -1;
    s->relaunch = r;
    unsigned char *f = realloc(s->relaunch_retry, cap);
    if (!f) return -1;
    s->relaunch_retry = f;
    s->relaunch_cap = cap;
  }
  s->relaunch[s->n_relaunch] = rec;
  s->relaunch_retry[s->n_relaunch++] = (unsigned char)retry;
  return 0;
}

static int budget_left(es_sweep *s) {
  es_spec *sp = s->spec;
  if (sp->budget.has_trials && s->launched >= sp->budget.trials) {
    snprintf(s->stop_why, sizeof s->stop_why, "budget.trials = %ld reached", sp->budget.trials);
    return 0;
  }
  if (sp->budget.has_energy_j && s->ended_joules >= sp->budget.energy_j) {
    snprintf(s->stop_why, sizeof s->stop_why, "budget.energy_j = %g J spent", sp->budget.energy_j);
    return 0;
  }
  return 1;
}

/* Once the sweep starts no more trials, sha learns the final count, so
 * rungs waiting for trials that will never come can complete. */
static void halving_close(es_sweep *s) {
  if (!s->halving || !s->stopping || s->halving_closed) return;
  s->halving_closed = 1;
  es_halving_set_trials(s->halving, (size_t)s->launched);
  halving_release(s);
}

static void launch_more(es_sweep *s) {
  while (!s->stopping && s->n_running - s->n_held < s->spec->workers.count) {
    /* GPUs are handed out whole: wait for enough of them to be free. */
    if (s->spec->workers.gpus_per_trial > 0 && gpus_free(s) < (size_t)s->spec->workers.gpus_per_trial) break;
    if (s->relaunch_next >= s->n_relaunch && !budget_left(s)) {
      s->stopping = 1;
      break;
    }
    int rc = launch_one(s);
    if (rc == 1) {
      s->stopping = 1;
      snprintf(s->stop_why, sizeof s->stop_why, "the search space is exhausted");
    } else if (rc < 0) {
      s->stopping = 1;
      s->io_error = 1;
      snprintf(s->stop_why, sizeof s->stop_why, "a trial could not be prepared");
    }
  }
  /* budget.energy_j: once spent, running trials are told to stop. */
  if (s->spec->budget.has_energy_j) {
    if (energy_spent(s) >= s->spec->budget.energy_j) {
      s->stopping = 1;
      for (es_trial *t = s->running; t; t = t->next_running) trial_stop(t, "budget:energy_j", 0);
    }
  }
  check_alerts(s);
  halving_close(s);
  sweep_maybe_done(s);
}

/* ---- alerts ------------------------------------------------------------------ */


static void alert_proc_closed(uv_handle_t *h) {
  es_alert_proc *a = h->data;
  close(a->pidfd);
  free(a);
}

static void alert_proc_end(es_alert_proc *a) {
  es_sweep *s = a->sweep;
  for (es_alert_proc **pp = &s->alert_procs; *pp; pp = &(*pp)->next)
    if (*pp == a) {
      *pp = a->next;
      break;
    }
  if (a->pidfd >= 0)
    uv_close((uv_handle_t *)&a->poll, alert_proc_closed);
  else
    free(a);
  sweep_maybe_done(s);
}

static void alert_poll_cb(uv_poll_t *h, int status, int events) {
  (void)status;
  (void)events;
  es_alert_proc *a = h->data;
  int64_t code;
  int sig;
  double cpu;
  if (es_local_reap(a->pid, &code, &sig, &cpu, NULL) == 0) alert_proc_end(a);
}

static void reap_alerts(es_sweep *s) {
  for (es_alert_proc *a = s->alert_procs, *next; a; a = next) {
    next = a->next;
    int64_t code;
    int sig;
    double cpu;
    if (a->pidfd < 0 && es_local_reap(a->pid, &code, &sig, &cpu, NULL) == 0) alert_proc_end(a);
  }
}

/* Run an alert's command with the budget in its environment. It is not a
 * trial: no fd 3, ecosweep's own stdout and stderr. The sweep waits for
 * running alert commands before it exits. */
/* Start a helper process (an alert command, scancel) that the sweep reaps
 * and waits for, but records nothing of. */
static void helper_spawn_env(es_sweep *s, char *const *argv, char **env, const char *what) {
  es_alert_proc *ap = calloc(1, sizeof *ap);
  es_child child;
  int rc = env && ap ? es_local_spawn(argv, env, s->spec->workdir, 1, 2, -1, &child) : -ENOMEM;
  if (rc != 0) {
    fprintf(stderr, "ecosweep: %s: could not start %s: %s\n", what, argv[0], strerror(-rc));
    free(ap);
  } else {
    ap->pid = child.pid;
    ap->pidfd = child.pidfd;
    ap->sweep = s;
    ap->next = s->alert_procs;
    s->alert_procs = ap;
    if (ap->pidfd >= 0) {
      uv_poll_init(s->loop, &ap->poll, ap->pidfd);
      ap->poll.data = ap;
      uv_poll_start(&ap->poll, UV_READABLE, alert_poll_cb);
    } else if (!uv_is_active((uv_handle_t *)&s->reap_timer)) {
      uv_timer_start(&s->reap_timer, reap_timer_cb, 20, 20);
    }
  }
}

static void helper_spawn(es_sweep *s, char *const *argv) { helper_spawn_env(s, argv, s->base_env, argv[0]); }

static void alert_run(es_sweep *s, const es_alert *a, const char *budget, double fraction, double spent) {
  char *extra[4] = {0};
  char num[ES_NUM_BUFSZ];
  extra[0] = xasprintf("ECOSWEEP_ALERT_BUDGET=%s", budget);
  extra[1] = xasprintf("ECOSWEEP_ALERT_FRACTION=%s", es_fmt_number(num, fraction));
  extra[2] = xasprintf("ECOSWEEP_ALERT_SPENT=%s", es_fmt_number(num, spent));
  char **env = extra[0] && extra[1] && extra[2] ? es_env_concat(s->base_env, extra) : NULL;
  helper_spawn_env(s, a->argv, env, "alert");
  free(env);
  for (int i = 0; i < 3; i++) free(extra[i]);
}

static double energy_spent(es_sweep *s) {
  double spent = s->ended_joules;
  for (es_trial *t = s->running; t; t = t->next_running) spent += trial_joules(t) - t->prior_j;
  return spent;
}

/* Fire every alert whose fraction of a set budget has been reached, once
 * per alert and budget: a line on stderr, a journal event, its command. */
static void check_alerts(es_sweep *s) {
  es_spec *sp = s->spec;
  if (!sp->n_alerts || !s->alert_fired) return;
  static const char *const names[ES_ALERT_BUDGETS] = {"trials", "energy_j", "wall_s"};
  int set[ES_ALERT_BUDGETS] = {sp->budget.has_trials, sp->budget.has_energy_j, sp->budget.has_wall_s};
  double limit[ES_ALERT_BUDGETS] = {(double)sp->budget.trials, sp->budget.energy_j, sp->budget.wall_s};
  double spent[ES_ALERT_BUDGETS] = {(double)s->launched, set[ES_ALERT_ENERGY] ? energy_spent(s) : 0,
                                    s->wall_spent + seconds_since(s->start_ns)};
  for (size_t a = 0; a < sp->n_alerts; a++)
    for (int b = 0; b < ES_ALERT_BUDGETS; b++) {
      unsigned char *fired = &s->alert_fired[a * ES_ALERT_BUDGETS + (size_t)b];
      if (!set[b] || *fired || limit[b] <= 0) continue;
      double fraction = spent[b] / limit[b];
      if (fraction < sp->alerts[a].at) continue;
      *fired = 1;
      es_progress_say(&s->progress, 1, "ALERT: %.0f%% of budget.%s spent (%g of %g)", fraction * 100, names[b],
                      spent[b], limit[b]);
      cJSON *ev = cJSON_CreateObject();
      cJSON_AddStringToObject(ev, "event", "alert");
      cJSON_AddStringToObject(ev, "budget", names[b]);
      es_json_add_number(ev, "at", sp->alerts[a].at);
      es_json_add_number(ev, "fraction", fraction);
      es_json_add_number(ev, "spent", spent[b]);
      es_json_add_number(ev, "limit", limit[b]);
      journal(s, ev);
      alert_run(s, &sp->alerts[a], names[b], fraction, spent[b]);
    }
}

static void alert_timer_cb(uv_timer_t *h) { check_alerts(h->data); }

/* ---- the status line ------------------------------------------------------- */

static void progress_update(es_sweep *s) {
  es_spec *sp = s->spec;
  es_progress_figures f = {0};
  for (size_t i = 0; i < s->records.n; i++) {
    es_status st = s->records.v[i].status;
    if (st == ES_STATUS_PENDING) continue;
    f.ended++;
    f.completed += st == ES_STATUS_COMPLETED;
    f.stopped += st == ES_STATUS_STOPPED;
    f.failed += st == ES_STATUS_FAILED || st == ES_STATUS_TIMEOUT;
  }
  f.running = s->n_running;
  f.budget_trials = sp->budget.has_trials ? sp->budget.trials : 0;
  f.joules = energy_spent(s);
  f.budget_j = sp->budget.has_energy_j ? sp->budget.energy_j : 0;
  f.estimate = s->meter->estimate;
  f.co2_g = es_co2_grams(f.joules, sp->carbon.g_per_kwh, sp->carbon.pue);
  if (s->front_dirty) { /* only when a trial ended since the last time */
    es_front_free(&s->front_now);
    if (es_front_compute(sp, &s->records, &s->front_now) != 0) memset(&s->front_now, 0, sizeof s->front_now);
    s->front_dirty = 0;
  }
  f.front = s->front_now.n_front;
  f.has_hv = s->front_now.has_hv && s->front_now.n_front > 0;
  f.hv = s->front_now.hv;
  f.elapsed_s = s->wall_spent + seconds_since(s->start_ns);
  f.eta_s = es_progress_eta(f.elapsed_s, f.budget_trials > 0 ? (double)f.ended / (double)f.budget_trials : -1,
                            f.budget_j > 0 ? f.joules / f.budget_j : -1,
                            sp->budget.has_wall_s ? f.elapsed_s / sp->budget.wall_s : -1);
  es_progress_show(&s->progress, &f);
}

static void progress_timer_cb(uv_timer_t *h) { progress_update(h->data); }

/* ---- sweep-level handles -------------------------------------------------- */

static void sweep_close_cb(uv_handle_t *h) { (void)h; }

static void sweep_maybe_done(es_sweep *s) {
  halving_close(s);
  if (!s->stopping || s->n_running > 0) return;
  check_alerts(s);
  if (s->alert_procs) return; /* wait for alert commands */
  uv_handle_t *hs[] = {(uv_handle_t *)&s->sigint, (uv_handle_t *)&s->sigterm, (uv_handle_t *)&s->reap_timer,
                       (uv_handle_t *)&s->prepare, (uv_handle_t *)&s->sync_timer,
                       (uv_handle_t *)&s->wall_timer, (uv_handle_t *)&s->alert_timer,
                       (uv_handle_t *)&s->sample_timer, (uv_handle_t *)&s->progress_timer};
  for (size_t i = 0; i < sizeof hs / sizeof *hs; i++)
    if (!uv_is_closing(hs[i])) uv_close(hs[i], sweep_close_cb);
  if (s->remote) {
    while (s->conns) conn_close(s->conns);
    if (s->listen_addr[0] && !uv_is_closing((uv_handle_t *)&s->listener))
      uv_close((uv_handle_t *)&s->listener, sweep_close_cb);
  }
}

static void on_signal(uv_signal_t *h, int signum) {
  es_sweep *s = h->data;
  s->signals_seen++;
  if (!s->signal_exit) s->signal_exit = 128 + signum;
  s->stopping = 1;
  snprintf(s->stop_why, sizeof s->stop_why, "stopped by %s", signum == SIGINT ? "SIGINT" : "SIGTERM");
  if (s->signals_seen == 1) {
    if (!s->quiet)
      fprintf(stderr, "\necosweep: %s: stopping; trials get %g s to end (again to kill them now)\n",
              signum == SIGINT ? "SIGINT" : "SIGTERM", s->spec->workers.grace_s);
    for (es_trial *t = s->running; t; t = t->next_running) trial_stop(t, "shutdown", 1);
  } else {
    for (es_trial *t = s->running; t; t = t->next_running) {
      if (!t->told_stop) snprintf(t->stop_reason, sizeof t->stop_reason, "shutdown");
      t->told_stop = 1;
      if (!t->exited) signal_group(t, SIGKILL);
      t->phase = KILL_KILL;
    }
  }
  sweep_maybe_done(s);
}

static void wall_cb(uv_timer_t *h) {
  es_sweep *s = h->data;
  s->stopping = 1;
  snprintf(s->stop_why, sizeof s->stop_why, "budget.wall_s = %g s reached", s->spec->budget.wall_s);
  for (es_trial *t = s->running; t; t = t->next_running) trial_stop(t, "budget:wall_s", 0);
  sweep_maybe_done(s);
}

/* ---- remote trials (workers.launcher "slurm") ---------------------------------
 *
 * A remote trial's local process is `srun ... ecosweep exec -- COMMAND`:
 * its stdout and stderr (relayed by srun) and its exit are handled like a
 * local trial's. The trial itself runs on a node under `ecosweep exec`,
 * which dials workers.listen and presents the trial's one-time token:
 *   {"hello": TOKEN, "trial": ID, "node": ..., "job": "JOB.STEP", "meter": ..., "estimate": ...}
 * then relays the trial's fd 3 lines, each report carrying the node's
 * figures ("node": {"energy_j", "cpu_s"}), gets our replies, and ends with
 *   {"exit": {"status", "signal", "energy_j", "cpu_s", "wall_s"}}.
 * A connection with a wrong, reused or missing token, or 10 s of silence,
 * is closed and logged: it never reaches a trial. */

#define ES_HELLO_TIMEOUT_MS 10000
#define ES_REMOTE_EOF_WAIT_MS 2000 /* after srun exits, how long its connection may take to close */

typedef struct es_conn {
  uv_tcp_t tcp;
  uv_timer_t timer;     /* hello deadline; later, the wait for EOF after srun exits */
  es_sweep *sweep;
  es_trial *trial;      /* after a valid hello */
  es_linebuf lb;        /* lines before the hello is accepted */
  int open_handles;
  char peer[80];
  struct es_conn *next; /* in sweep->conns until the hello */
} es_conn;

static uv_stream_t *trial_chan(es_trial *t) {
  if (!t->remote) return (uv_stream_t *)&t->channel;
  return t->conn ? (uv_stream_t *)&t->conn->tcp : NULL;
}

static void conn_closed(uv_handle_t *h) {
  es_conn *c = h->data;
  if (--c->open_handles == 0) {
    es_linebuf_free(&c->lb);
    free(c);
  }
}

/* Close c (idempotent); a trial it served stops hearing from it. */
static void conn_close(es_conn *c) {
  es_sweep *s = c->sweep;
  for (es_conn **pp = &s->conns; *pp; pp = &(*pp)->next)
    if (*pp == c) {
      *pp = c->next;
      break;
    }
  if (c->trial) {
    c->trial->conn = NULL;
    c->trial = NULL;
  }
  if (!uv_is_closing((uv_handle_t *)&c->tcp)) uv_close((uv_handle_t *)&c->tcp, conn_closed);
  if (!uv_is_closing((uv_handle_t *)&c->timer)) uv_close((uv_handle_t *)&c->timer, conn_closed);
}

static void conn_refuse(es_conn *c, const char *why) {
  fprintf(stderr, "ecosweep: refused a trial connection from %s: %s\n", c->peer, why);
  cJSON *ev = cJSON_CreateObject();
  cJSON_AddStringToObject(ev, "event", "refused");
  cJSON_AddStringToObject(ev, "peer", c->peer);
  cJSON_AddStringToObject(ev, "why", why);
  journal(c->sweep, ev);
  conn_close(c);
}

static void conn_timer_cb(uv_timer_t *h) {
  es_conn *c = h->data;
  if (!c->trial) {
    conn_refuse(c, "no hello within 10 s");
    return;
  }
  /* srun has exited and the node's connection did not close: it is lost. */
  es_trial *t = c->trial;
  conn_close(c);
  t->chan_eof = 1;
  maybe_finish(t);
}

static double json_num(const cJSON *o, const char *key, double dflt) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : dflt;
}

/* Where exec spliced its "node" member into a relayed report: the last
 * `"node":{` of the line (exec's member always comes last, so a trial's own
 * "node" member cannot pass for it). NULL when there is none. */
static const char *node_member(const char *line, size_t len) {
  static const char key[] = "\"node\":{";
  const char *found = NULL;
  for (const char *p = line; (p = memmem(p, len - (size_t)(p - line), key, sizeof key - 1)); p++) found = p;
  return found;
}

/* One line from a trial's node: its final figures (the one object exec
 * sends without a "node" member), or a report: the node's figures so far
 * are taken off and the trial's own line goes the way of a local report. */
static void remote_line(es_trial *t, const char *line, size_t len) {
  const char *mark = node_member(line, len);
  if (mark) {
    char *wrapped = xasprintf("{%.*s", (int)(len - (size_t)(mark - line)), mark);
    cJSON *o = wrapped ? cJSON_Parse(wrapped) : NULL;
    const cJSON *node = o ? cJSON_GetObjectItemCaseSensitive(o, "node") : NULL;
    if (cJSON_IsObject(node)) {
      t->node_j = json_num(node, "energy_j", t->node_j);
      t->node_cpu_s = json_num(node, "cpu_s", t->node_cpu_s);
      if (t->node_cpu_s > t->cpu_sample) t->cpu_sample = t->node_cpu_s;
      /* The trial's line: everything before exec's member, closed again. */
      size_t keep = (size_t)(mark - line);
      if (keep > 0 && line[keep - 1] == ',') keep--;
      char *own = xasprintf("%.*s}", (int)keep, line);
      if (own) handle_report(t, own, strlen(own), 0);
      free(own);
    } else {
      handle_report(t, line, len, 0);
    }
    cJSON_Delete(o);
    free(wrapped);
    return;
  }
  if (len > ES_REPORT_MAX) {
    trial_fail(t, "protocol:line-too-long", "a report line exceeded 64 KiB");
    return;
  }
  cJSON *o = cJSON_ParseWithLength(line, len);
  const cJSON *exit = o ? cJSON_GetObjectItemCaseSensitive(o, "exit") : NULL;
  if (cJSON_IsObject(exit)) {
    t->has_exit = 1;
    t->node_status = (int64_t)json_num(exit, "status", 0);
    t->node_signal = (int)json_num(exit, "signal", 0);
    t->node_j = json_num(exit, "energy_j", t->node_j);
    t->node_cpu_s = json_num(exit, "cpu_s", t->node_cpu_s);
    cJSON_Delete(o);
    return;
  }
  cJSON_Delete(o);
  handle_report(t, line, len, 0); /* not a report exec recognised: classified as the trial's */
}

static void remote_lines(es_trial *t) {
  const char *line;
  size_t len;
  while (t->conn && (line = es_linebuf_next(&t->chan_lb, &len))) remote_line(t, line, len);
}

/* The hello: the one trial it names must be running, remote, waiting for
 * its first connection, and hold exactly this token. */
static void conn_hello(es_conn *c, const char *line, size_t len) {
  es_sweep *s = c->sweep;
  cJSON *o = cJSON_ParseWithLength(line, len);
  const cJSON *tok = o ? cJSON_GetObjectItemCaseSensitive(o, "hello") : NULL;
  const cJSON *id = o ? cJSON_GetObjectItemCaseSensitive(o, "trial") : NULL;
  if (!cJSON_IsString(tok) || !cJSON_IsNumber(id)) {
    cJSON_Delete(o);
    conn_refuse(c, "the first line is not a hello");
    return;
  }
  es_trial *t = NULL;
  for (es_trial *u = s->running; u; u = u->next_running)
    if (u->remote && (double)u->id == id->valuedouble) t = u;
  char why[160];
  if (!t || t->exited) {
    snprintf(why, sizeof why, "no running remote trial %.0f", id->valuedouble);
  } else if (strlen(tok->valuestring) != 32 || strcmp(tok->valuestring, t->token) != 0) {
    snprintf(why, sizeof why, "wrong token for trial %ld", t->id);
  } else if (t->connected) {
    snprintf(why, sizeof why, "trial %ld's token was already used", t->id);
  } else {
    why[0] = '\0';
  }
  if (why[0]) {
    cJSON_Delete(o);
    conn_refuse(c, why);
    return;
  }
  /* Accepted: the connection is now the trial's channel. */
  for (es_conn **pp = &s->conns; *pp; pp = &(*pp)->next)
    if (*pp == c) {
      *pp = c->next;
      break;
    }
  uv_timer_stop(&c->timer);
  c->trial = t;
  t->conn = c;
  t->connected = 1;
  const cJSON *job = cJSON_GetObjectItemCaseSensitive(o, "job");
  const cJSON *node = cJSON_GetObjectItemCaseSensitive(o, "node");
  const cJSON *meter = cJSON_GetObjectItemCaseSensitive(o, "meter");
  if (cJSON_IsString(job)) snprintf(t->job, sizeof t->job, "%s", job->valuestring);
  t->node_meter = cJSON_IsString(meter) ? es_meter_label(meter->valuestring) : NULL;
  t->node_estimate = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "estimate"));
  cJSON *ev = trial_event("remote", t->id);
  if (t->job[0]) cJSON_AddStringToObject(ev, "job", t->job);
  if (cJSON_IsString(node)) cJSON_AddStringToObject(ev, "node", node->valuestring);
  cJSON_AddStringToObject(ev, "meter", t->node_meter ? t->node_meter : "unknown");
  cJSON_AddStringToObject(ev, "peer", c->peer);
  journal(s, ev);
  cJSON_Delete(o);
  /* Whatever came after the hello is the trial's. */
  size_t rest_len;
  const char *rest;
  while ((rest = es_linebuf_next(&c->lb, &rest_len))) {
    if (es_linebuf_feed(&t->chan_lb, rest, rest_len) != 0 || es_linebuf_feed(&t->chan_lb, "\n", 1) != 0) break;
  }
  remote_lines(t);
}

static void conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  buf->base = malloc(suggested);
  buf->len = buf->base ? suggested : 0;
}

static void conn_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
  es_conn *c = st->data;
  if (n > 0 && !c->trial) {
    if (es_linebuf_feed(&c->lb, buf->base, (size_t)n) != 0) {
      conn_refuse(c, "an over-long first line");
    } else {
      size_t len;
      const char *line = es_linebuf_next(&c->lb, &len);
      if (line) conn_hello(c, line, len);
    }
  } else if (n > 0) {
    es_trial *t = c->trial;
    if (es_linebuf_feed(&t->chan_lb, buf->base, (size_t)n) != 0)
      trial_fail(t, "protocol:line-too-long", "a report line exceeded 64 KiB");
    else
      remote_lines(t);
  } else if (n < 0) {
    es_trial *t = c->trial;
    if (!t) {
      conn_refuse(c, "closed before its hello");
    } else {
      size_t len;
      const char *rest = es_linebuf_rest(&t->chan_lb, &len);
      if (rest && len) remote_line(t, rest, len);
      conn_close(c);
      t->chan_eof = 1;
      maybe_finish(t);
    }
  }
  free(buf->base);
}

static void on_connection(uv_stream_t *server, int status) {
  es_sweep *s = server->data;
  if (status < 0) return;
  es_conn *c = calloc(1, sizeof *c);
  if (!c) return;
  c->sweep = s;
  es_linebuf_init(&c->lb, ES_REPORT_MAX);
  uv_tcp_init(s->loop, &c->tcp);
  uv_timer_init(s->loop, &c->timer);
  c->tcp.data = c->timer.data = c;
  c->open_handles = 2;
  snprintf(c->peer, sizeof c->peer, "?");
  if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
    conn_close(c);
    return;
  }
  struct sockaddr_storage ss;
  int sl = sizeof ss;
  if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &sl) == 0) {
    char ip[64] = "?";
    int port = 0;
    if (ss.ss_family == AF_INET) {
      uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof ip);
      port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    } else if (ss.ss_family == AF_INET6) {
      uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof ip);
      port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    snprintf(c->peer, sizeof c->peer, "%s:%d", ip, port);
  }
  c->next = s->conns;
  s->conns = c;
  uv_timer_start(&c->timer, conn_timer_cb, ES_HELLO_TIMEOUT_MS, 0);
  uv_read_start((uv_stream_t *)&c->tcp, conn_alloc, conn_read);
}

/* Before anything is created: srun must be there, and ecosweep's own path
 * (which srun starts on the node) known. 0, or -1 with a message. */
static int remote_check(es_sweep *s) {
  const char *path = getenv("PATH");
  int found = 0;
  for (const char *p = path ? path : "/usr/bin:/bin"; *p && !found;) {
    size_t n = strcspn(p, ":");
    char cand[PATH_MAX];
    snprintf(cand, sizeof cand, "%.*s/srun", (int)n, p);
    found = access(cand, X_OK) == 0;
    p += n + (p[n] == ':');
  }
  if (!found) {
    fprintf(stderr, "ecosweep: %s: workers.launcher: slurm: srun is not in PATH (apt-get install slurm-client)\n",
            s->spec->path);
    return -1;
  }
  ssize_t n = readlink("/proc/self/exe", s->self_exe, sizeof s->self_exe - 1);
  if (n <= 0) {
    fprintf(stderr, "ecosweep: %s: workers.launcher: slurm: cannot find ecosweep's own path\n", s->spec->path);
    return -1;
  }
  s->self_exe[n] = '\0';
  s->in_allocation = getenv("SLURM_JOB_ID") != NULL;
  return 0;
}

/* Listen at workers.listen ("host:port"; default: this host's name, any
 * port) and publish the address trials dial. 0, or -1 with a message. */
static int remote_listen(es_sweep *s) {
  char host[256] = "", port[16] = "0";
  const char *l = s->spec->workers.listen;
  if (l) {
    const char *colon = strrchr(l, ':');
    snprintf(host, sizeof host, "%.*s", (int)(colon - l), l);
    snprintf(port, sizeof port, "%s", colon + 1);
  }
  if (!host[0] && gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "localhost");
  host[sizeof host - 1] = '\0';
  /* Bind where the name points; the default name binds every address. */
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai = NULL;
  int rc = getaddrinfo(l ? host : NULL, port, &hints, &ai);
  if (rc != 0) {
    fprintf(stderr, "ecosweep: %s: workers.listen: %s: %s\n", s->spec->path, l ? l : host, gai_strerror(rc));
    return -1;
  }
  uv_tcp_init(s->loop, &s->listener);
  s->listener.data = s;
  rc = uv_tcp_bind(&s->listener, ai->ai_addr, 0);
  freeaddrinfo(ai);
  if (rc == 0) rc = uv_listen((uv_stream_t *)&s->listener, 128, on_connection);
  if (rc != 0) {
    fprintf(stderr, "ecosweep: %s: workers.listen: cannot listen at %s:%s: %s\n", s->spec->path, host, port,
            uv_strerror(rc));
    return -1;
  }
  struct sockaddr_storage ss;
  int sl = sizeof ss;
  uv_tcp_getsockname(&s->listener, (struct sockaddr *)&ss, &sl);
  int bound = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                       : ntohs(((struct sockaddr_in *)&ss)->sin_port);
  snprintf(s->listen_addr, sizeof s->listen_addr, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, bound);
  return 0;
}

/* The local command of a remote trial: srun running `ecosweep exec` on a
 * node (a step of ecosweep's allocation, or a job of its own). */
static char **remote_argv(es_sweep *s, es_trial *t, char **argv) {
  const es_spec *sp = s->spec;
  size_t n = 0;
  while (argv[n]) n++;
  char **out = calloc(n + sp->workers.slurm.n_srun_args + 16, sizeof *out);
  if (!out) return NULL;
  size_t k = 0;
  int ok = 1;
#define PUSH(expr)                                                                                                  \
  do {                                                                                                             \
    if (!(out[k++] = (expr))) ok = 0;                                                                              \
  } while (0)
  PUSH(strdup("srun"));
  PUSH(strdup("-Q")); /* no "job queued" chatter in the trial's stderr.log */
  if (s->in_allocation) PUSH(strdup("--exclusive")); /* steps share the allocation, each on its own CPUs */
  PUSH(strdup("-N1"));
  PUSH(strdup("-n1"));
  PUSH(xasprintf("--job-name=ecosweep-%ld", t->id));
  if (sp->workers.slurm.partition) PUSH(xasprintf("--partition=%s", sp->workers.slurm.partition));
  if (sp->workers.slurm.cpus_per_trial > 0) PUSH(xasprintf("--cpus-per-task=%d", sp->workers.slurm.cpus_per_trial));
  if (sp->workers.gpus_per_trial > 0) PUSH(xasprintf("--gpus=%d", sp->workers.gpus_per_trial));
  if (sp->workers.slurm.time_limit) PUSH(xasprintf("--time=%s", sp->workers.slurm.time_limit));
  for (size_t i = 0; i < sp->workers.slurm.n_srun_args; i++) PUSH(strdup(sp->workers.slurm.srun_args[i]));
  PUSH(strdup(s->self_exe));
  PUSH(strdup("exec"));
  PUSH(strdup("--"));
  for (size_t i = 0; i < n; i++) PUSH(strdup(argv[i]));
#undef PUSH
  out[k] = NULL;
  if (!ok) {
    for (size_t i = 0; i < k; i++) free(out[i]);
    free(out);
    return NULL;
  }
  return out;
}

/* srun has exited: the node's final figures stand in for srun's status;
 * without them the trial was lost somewhere on the way. */
static void remote_reaped(es_trial *t) {
  if (t->has_exit) {
    t->exit_status = t->node_status;
    t->term_signal = t->node_signal;
    t->cpu_final = t->node_cpu_s;
  } else if (!t->we_signalled && !t->fail_reason[0]) {
    if (t->connected) {
      snprintf(t->fail_reason, sizeof t->fail_reason, "remote:lost");
      snprintf(t->fail_detail, sizeof t->fail_detail,
               "trial %ld's node went silent (%s): srun ended with status %lld and no final figures", t->id,
               t->job[0] ? t->job : "no job id", (long long)t->exit_status);
    } else {
      snprintf(t->fail_reason, sizeof t->fail_reason, "slurm:exit:%lld",
               (long long)(t->term_signal ? 128 + t->term_signal : t->exit_status));
      snprintf(t->fail_detail, sizeof t->fail_detail,
               "trial %ld: srun ended (status %lld) before the trial reached the scheduler; see its stderr.log", t->id,
               (long long)t->exit_status);
    }
  }
  if (t->conn) /* the node closes its connection before it exits: not long now */
    uv_timer_start(&t->conn->timer, conn_timer_cb, ES_REMOTE_EOF_WAIT_MS, 0);
  else
    t->chan_eof = 1;
}

/* Stop or timeout of a remote trial: cancel its step (inside an
 * allocation) or its job, as well as signalling srun. */
static void helper_spawn(es_sweep *s, char *const *argv);

static void remote_cancel(es_trial *t) {
  if (!t->job[0]) return;
  char id[64];
  snprintf(id, sizeof id, "%s", t->job);
  if (!t->sweep->in_allocation) id[strcspn(id, ".")] = '\0'; /* its own job: cancel the job */
  char *argv[] = {(char *)"scancel", id, NULL};
  helper_spawn(t->sweep, argv);
}

/* ---- the output directory ---------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static int mkdir_p(const char *path) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return -ENAMETOOLONG;
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      if (mkdir(buf, 0755) != 0 && errno != EEXIST) return -errno;
      *p = '/';
    }
  if (mkdir(buf, 0755) != 0 && errno != EEXIST) return -errno;
  return 0;
}

/* Make dir ready for a new sweep. 0, or 2 (usage) after printing why. */
static int prepare_dir(es_spec *spec, const es_run_options *opt) {
  char path[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/journal.jsonl", opt->dir);
  if (access(path, F_OK) == 0) {
    es_journal_state st;
    char err[512];
    int rc = es_journal_replay(path, &st, err, sizeof err);
    int same = rc == 0 && st.spec_hash && strcmp(st.spec_hash, spec->hash) == 0;
    es_journal_state_free(&st);
    if (!opt->force) {
      if (same)
        fprintf(stderr,
                "ecosweep: %s: holds this sweep already; continue it with `ecosweep resume %s`, or start "
                "over with --force\n",
                opt->dir, opt->dir);
      else
        fprintf(stderr, "ecosweep: %s: holds a different sweep (another spec); use another -o DIR, or --force "
                        "to replace it\n",
                opt->dir);
      return 2;
    }
    const char *ours[] = {"journal.jsonl", "trials.csv", "front.json", "front.csv", "summary.json", "report.html"};
    for (size_t i = 0; i < sizeof ours / sizeof *ours; i++) {
      snprintf(path, sizeof path, "%s/%s", opt->dir, ours[i]);
      unlink(path);
    }
    snprintf(path, sizeof path, "%s/trials", opt->dir);
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  }
  int rc = mkdir_p(opt->dir);
  if (rc == 0) {
    snprintf(path, sizeof path, "%s/trials", opt->dir);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) rc = -errno;
  }
  if (rc != 0) {
    fprintf(stderr, "ecosweep: %s: %s\n", opt->dir, strerror(-rc));
    return 1;
  }
  return 0;
}

/* ---- run ------------------------------------------------------------------------ */

static cJSON *sweep_event(es_sweep *s, const char *spec_text) {
  cJSON *ev = cJSON_CreateObject();
  cJSON_AddStringToObject(ev, "event", "sweep");
  cJSON_AddStringToObject(ev, "version", ES_VERSION_STRING);
  cJSON_AddStringToObject(ev, "name", s->spec->name);
  cJSON_AddStringToObject(ev, "spec_file", s->spec->path);
  cJSON_AddStringToObject(ev, "spec_hash", s->spec->hash);
  es_json_add_number(ev, "seed", (double)s->spec->seed);
  cJSON_AddStringToObject(ev, "workdir", s->spec->workdir);
  cJSON_AddStringToObject(ev, "output", s->dir);
  es_json_add_number(ev, "workers", s->spec->workers.count);
  cJSON_AddStringToObject(ev, "meter", s->meter_name);
  cJSON_AddBoolToObject(ev, "estimate", s->meter->estimate);
  cJSON_AddStringToObject(ev, "cpu_time", s->cg ? "cgroup" : "proc");
  cJSON_AddStringToObject(ev, "launcher", s->spec->workers.launcher);
  if (s->listen_addr[0]) cJSON_AddStringToObject(ev, "listen", s->listen_addr);
  es_json_add_number(ev, "time_ms", wall_clock_ms());
  cJSON *spec = cJSON_Parse(spec_text);
  if (spec) cJSON_AddItemToObject(ev, "spec", spec);
  return ev;
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "re");
  if (!f) return NULL;
  char *buf = NULL;
  size_t cap = 0, len = 0;
  for (;;) {
    if (len + 4096 + 1 > cap) {
      cap = cap ? cap * 2 : 8192;
      char *nb = realloc(buf, cap);
      if (!nb) break;
      buf = nb;
    }
    size_t n = fread(buf + len, 1, cap - len - 1, f);
    len += n;
    if (n == 0) break;
  }
  fclose(f);
  if (buf) buf[len] = '\0';
  return buf;
}

/* ---- resume ----------------------------------------------------------------- */

/* End what is left of a trial of the interrupted run: every process in
 * its process group that carries its ECOSWEEP_TRIAL_DIR (so a recycled
 * pid or group is never touched). */
static void kill_leftovers(es_sweep *s, long pgid, long id) {
  if (pgid <= 1) return;
  DIR *d = opendir("/proc");
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    char *end;
    long pid = strtol(e->d_name, &end, 10);
    if (*end || pid <= 1) continue;
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "re");
    if (!f) continue;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    long grp = 0;
    if (!p || sscanf(p + 2, "%*c %*d %ld", &grp) != 1 || grp != pgid) continue;
    if (orphan_trial(s, (pid_t)pid) == id) kill((pid_t)pid, SIGKILL);
  }
  closedir(d);
}

/* Take over the replayed journal: ended trials keep their results; the
 * sampler, the rungs and the budgets continue from where they were; the
 * trials that had not ended are queued to start again. */
/* A learning sampler (nsga2) goes through its history again in journal
 * order: each point drawn (a trial's first start), each rung result it
 * heard, each finished trial - so its population and random stream are
 * where the killed run left them, and it proposes what it would have. */
typedef struct {
  long line;
  int kind; /* 0 draw, 1 rung result, 2 end */
  size_t idx;
} replay_step;

static int replay_step_order(const void *a, const void *b) {
  const replay_step *x = a, *y = b;
  return (x->line > y->line) - (x->line < y->line);
}

static int replay_sampler(es_sweep *s, es_journal_state *st) {
  size_t n = s->records.n, m = 0, k = s->spec->n_objectives;
  replay_step *steps = malloc((2 * n + st->n_rungs + 1) * sizeof *steps);
  double *point = malloc((s->spec->space.n ? s->spec->space.n : 1) * sizeof *point);
  if (!steps || !point) {
    free(steps);
    free(point);
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    steps[m++] = (replay_step){st->start_line ? st->start_line[i] : 0, 0, i};
    if (st->end_line && st->end_line[i] > 0) steps[m++] = (replay_step){st->end_line[i], 2, i};
  }
  for (size_t i = 0; i < st->n_rungs; i++) steps[m++] = (replay_step){st->rungs[i].line, 1, i};
  qsort(steps, m, sizeof *steps, replay_step_order);
  for (size_t i = 0; i < m; i++) {
    const replay_step *p = &steps[i];
    if (p->kind == 0) {
      es_sampler_next(s->sampler, point);
    } else if (p->kind == 1) {
      const es_rung_event *re = &st->rungs[p->idx];
      es_record *r = es_recordset_find(&s->records, re->id);
      int finite = 1;
      for (size_t j = 0; j < k; j++) finite &= isfinite(re->obj[j]);
      if (r && finite) es_sampler_tell(s->sampler, re->id, r->params, re->obj, k, re->rung);
    } else {
      es_record *r = &s->records.v[p->idx];
      if (r->status == ES_STATUS_COMPLETED || r->status == ES_STATUS_STOPPED) sampler_tell_final(s, r);
    }
  }
  free(steps);
  free(point);
  return 0;
}

static int resume_state(es_sweep *s, es_journal_state *st) {
  s->records = st->records;
  memset(&st->records, 0, sizeof st->records);
  s->next_id = st->next_id;
  s->wall_spent = st->wall_spent + (st->seg_last > st->seg_start ? st->seg_last - st->seg_start : 0);
  s->launched = (long)s->records.n;
  s->end_seq = st->n_ends;

  for (size_t i = 0; i < s->records.n; i++) {
    es_record *r = &s->records.v[i];
    if (r->status == ES_STATUS_PENDING || r->status == ES_STATUS_KILLED || r->retry) {
      /* running when ecosweep died, ended by its shutdown, or failed with
       * a retry queued that never started: not final */
      if (r->status == ES_STATUS_PENDING) kill_leftovers(s, st->pgids ? st->pgids[i] : 0, r->id);
      s->ended_joules += r->energy_j; /* an ended attempt's joules were spent */
      r->status = ES_STATUS_PENDING;
      r->end_seq = 0;
      if (relaunch_push(s, i, 0) != 0) return -1;
      continue;
    }
    s->ended_joules += r->energy_j;
    s->prior_trials_j += r->energy_j;
    if (r->status == ES_STATUS_FAILED || r->status == ES_STATUS_TIMEOUT) s->n_failed++;
  }
  /* The sampler draws the points it drew before (ids 0 .. next_id-1); a
   * learning one, later, between what it heard (replay_sampler). */
  if (!s->sampler->type->tell) {
    double *point = malloc((s->spec->space.n ? s->spec->space.n : 1) * sizeof *point);
    if (!point) return -1;
    for (long i = 0; i < s->next_id; i++)
      if (es_sampler_next(s->sampler, point) != 0) break;
    free(point);
  }
  /* The rungs: the same brackets, the same results, in the same order. */
  if (s->halving) {
    for (size_t i = 0; i < s->records.n; i++) es_halving_assign(s->halving, s->records.v[i].id, NULL);
    for (size_t i = 0; i < st->n_rungs; i++) {
      es_decision d;
      es_halving_report(s->halving, st->rungs[i].id, st->rungs[i].rung, st->rungs[i].obj, &d);
    }
    for (size_t i = 0; i < s->records.n; i++)
      if (s->records.v[i].status != ES_STATUS_PENDING) es_halving_end(s->halving, s->records.v[i].id);
    es_decision drop[32];
    while (es_halving_released(s->halving, drop, 32) > 0) {
    }
  }
  if (s->sampler->type->tell && replay_sampler(s, st) != 0) return -1;
  cJSON *ev = cJSON_CreateObject();
  cJSON_AddStringToObject(ev, "event", "resume");
  es_json_add_number(ev, "time_ms", wall_clock_ms());
  es_json_add_number(ev, "relaunch", (double)s->n_relaunch);
  if (s->listen_addr[0]) cJSON_AddStringToObject(ev, "listen", s->listen_addr);
  journal(s, ev);
  say(s, "resuming %s: %zu trials ended, %zu to start again", s->spec->name, s->records.n - s->n_relaunch,
      s->n_relaunch);
  return 0;
}

/* Open the hostmeter (package and GPU counters) and the per-trial cgroups
 * when the meters need them, and say which meter is used and why. */
static int sweep_meters_open(es_sweep *s) {
  char why[512];
  if (s->meters.fallback[0]) say(s, "meter %s; not used: %s", s->meter_name, s->meters.fallback);
  if (s->meter->kind != ES_METER_HOST && !s->meters.gpu) return 0;
  int rc = es_hostmeter_open(&s->host, s->meter->kind == ES_METER_HOST ? s->meter : NULL, s->meters.gpu,
                             &s->meter_cfg, why, sizeof why);
  if (rc < 0) {
    fprintf(stderr, "ecosweep: meter %s: %s\n", s->meter_name, why);
    return -1;
  }
  s->n_gpus = es_hostmeter_gpu_count(s->host);
  s->gpu_busy = calloc(s->n_gpus + 1, 1);
  if (!s->gpu_busy) return -1;
  if (s->spec->workers.gpus_per_trial > 0 && (size_t)s->spec->workers.gpus_per_trial > s->n_gpus) {
    fprintf(stderr, "ecosweep: %s: workers.gpus_per_trial: %d GPUs per trial, but %zu found\n", s->spec->path,
            s->spec->workers.gpus_per_trial, s->n_gpus);
    return -1;
  }
  if (s->meter->kind == ES_METER_HOST) {
    char name[64];
    snprintf(name, sizeof name, "ecosweep-%d", (int)getpid());
    if (es_cgroup_base_open(&s->cg, name, NULL, NULL, why, sizeof why) != 0)
      say(s, "per-trial CPU time from /proc (no cgroup: %s)", why);
  }
  return 0;
}

/* The sweep's energy totals. With a host meter: everything metered, and
 * the overhead from its parts (DESIGN §5), never total minus trials. With
 * a trial meter only ecosweep's own CPU is modelled (estimate), and the
 * total is what was modelled: trials + overhead. */
static void sweep_totals(es_sweep *s, es_totals *tot) {
  struct rusage self;
  getrusage(RUSAGE_SELF, &self);
  if (s->host) {
    es_overhead oh;
    double participants;
    host_sample(s);
    es_hostmeter_totals(s->host, &tot->total_j, &participants, &oh, NULL, 0);
    /* Trials that ended before a resume were metered by the earlier run;
     * that run's overhead is not known when it was killed. */
    tot->total_j += s->prior_trials_j;
    tot->gpu_idle_j = oh.gpu_idle_j;
    if (s->meter->kind == ES_METER_HOST) {
      tot->metered = 1;
      tot->ecosweep_j = oh.ecosweep_j;
      tot->other_j = oh.other_j;
      tot->idle_j = oh.idle_j;
    }
  }
  if (s->meter->kind == ES_METER_TRIAL) {
    if (s->meter->estimate) {
      es_trial_usage u = {.cpu_s = es_rusage_cpu(&self)};
      s->meter->trial_joules(&s->meter_cfg, &u, &tot->ecosweep_j);
    }
  }
  tot->overhead_j = tot->ecosweep_j + tot->other_j + tot->idle_j + tot->gpu_idle_j;
  /* Nothing metered the whole CPU side: the total is what was modelled or
   * reported, trials + overhead (outputs.c adds it up from the records). */
  if (!tot->metered) tot->total_j = s->ended_joules + tot->overhead_j;
  tot->total_j = quantize(tot->total_j, 1e9);
  tot->overhead_j = quantize(tot->overhead_j, 1e9);
  tot->ecosweep_j = quantize(tot->ecosweep_j, 1e9);
}

int es_sweep_run(es_spec *spec, const es_run_options *opt) {
  es_sweep s;
  memset(&s, 0, sizeof s);
  s.spec = spec;
  s.dir = opt->dir;
  s.quiet = opt->quiet;
  es_progress_init(&s.progress, stderr, opt->quiet);
  s.meter_cfg.cpu_watts = spec->estimate.has_cpu_watts ? spec->estimate.cpu_watts : 0;
  s.meter_cfg.ram_watts = spec->estimate.has_ram_watts ? spec->estimate.ram_watts : -1;
  char err[1024], note[256] = "";
  s.remote = strcmp(spec->workers.launcher, "slurm") == 0;
  /* GPUs of remote trials are Slurm's to hand out (srun --gpus). */
  int want_gpu = spec->workers.gpus_per_trial > 0 && !s.remote;
  if (s.remote && remote_check(&s) != 0) return 2;
  if (es_meter_select(spec->meters, &s.meter_cfg, want_gpu, &s.meters, err, sizeof err) != 0) {
    fprintf(stderr, "ecosweep: %s: %s\n", spec->path, err);
    return 2;
  }
  if (want_gpu && !s.meters.gpu) {
    char why[512];
    es_meter_probe(&es_meter_nvml, &s.meter_cfg, why, sizeof why, NULL, 0, NULL, 0);
    fprintf(stderr, "ecosweep: %s: workers.gpus_per_trial: no GPUs to hand out (nvml: %s)\n", spec->path, why);
    return 2;
  }
  s.meter = s.meters.cpu;
  s.meter_name = es_meter_choice_label(&s.meters);
  if (!spec->has_seed) {
    unsigned int seed = 0;
    if (getrandom(&seed, sizeof seed, 0) != sizeof seed) seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
    spec->seed = seed;
    spec->has_seed = 1;
  }
  /* Rungs: the halving rule with its selection, on the spec's resource. */
  const es_halving_type *H = es_halving_lookup(spec->strategy.halving);
  const es_selection_type *S = es_selection_lookup(spec->strategy.selection);
  es_halving_config hc = {spec->resource.min, spec->resource.max, spec->resource.eta,
                          (unsigned)spec->resource.brackets};
  if (H && H->records) {
    s.halving = S ? es_halving_alloc(H, S, &hc, spec->n_objectives) : NULL;
    if (!s.halving) {
      fprintf(stderr, "ecosweep: %s: strategy.halving: cannot set up \"%s\" with selection \"%s\"\n", spec->path,
              spec->strategy.halving, spec->strategy.selection);
      return 2;
    }
  }
  const es_sampler_type *T = es_sampler_lookup(spec->strategy.sampler);
  s.sampler = T ? es_sampler_alloc(T, &spec->space, spec->seed, note, sizeof note) : NULL;
  if (!s.sampler) {
    fprintf(stderr, "ecosweep: %s: strategy.sampler: cannot start \"%s\"\n", spec->path, spec->strategy.sampler);
    es_halving_free(s.halving);
    return 2;
  }
  /* sha: the number of trials its first rung waits for, when known. */
  if (s.halving && H->synchronous) {
    size_t n = 0, grid = es_sampler_size(s.sampler);
    if (spec->budget.has_trials) n = (size_t)spec->budget.trials;
    if (grid > 0 && (n == 0 || grid < n)) n = grid;
    if (n > 0) es_halving_set_trials(s.halving, n);
  }
  char *spec_text = opt->resume ? NULL : read_file(spec->path);
  int rc = opt->resume ? 0 : prepare_dir(spec, opt);
  if (rc != 0) {
    es_sampler_free(s.sampler);
    es_halving_free(s.halving);
    free(spec_text);
    return rc;
  }
  if (note[0]) say(&s, "%s", note);
  char path[PATH_MAX + 32];
  snprintf(path, sizeof path, "%s/journal.jsonl", opt->dir);
  if ((rc = es_journal_open(&s.journal, path)) != 0) {
    fprintf(stderr, "ecosweep: %s: %s\n", path, strerror(-rc));
    es_sampler_free(s.sampler);
    es_halving_free(s.halving);
    free(spec_text);
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_CHILD_SUBREAPER, 1); /* trials' orphans come to us (see orphans_sweep) */
  snprintf(path, sizeof path, "%s/trials", opt->dir);
  s.trials_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s.trials_fd < 0) {
    fprintf(stderr, "ecosweep: %s: %s\n", path, strerror(errno));
    es_journal_close(&s.journal);
    es_sampler_free(s.sampler);
    es_halving_free(s.halving);
    return 1;
  }
  s.base_env = es_env_build(NULL, ES_CLIENT_DIR);
  es_recordset_init(&s.records);
  s.loop = uv_default_loop();
  if (sweep_meters_open(&s) != 0) s.stopping = s.io_error = 1;
  if (s.remote && remote_listen(&s) != 0) s.stopping = s.io_error = 1;
  if (opt->resume) {
    if (resume_state(&s, opt->resume) != 0) {
      fprintf(stderr, "ecosweep: %s: out of memory while resuming\n", opt->dir);
      s.io_error = 1;
      s.stopping = 1;
    }
  } else {
    journal(&s, sweep_event(&s, spec_text ? spec_text : "{}"));
  }
  free(spec_text);
  say(&s, "sweep %s: %d workers, meter %s%s, output %s", spec->name, spec->workers.count, s.meter_name,
      s.meter->estimate ? " (an estimate)" : "", opt->dir);

  s.start_ns = uv_hrtime();
  uv_signal_init(s.loop, &s.sigint);
  uv_signal_init(s.loop, &s.sigterm);
  s.sigint.data = s.sigterm.data = &s;
  uv_signal_start(&s.sigint, on_signal, SIGINT);
  uv_signal_start(&s.sigterm, on_signal, SIGTERM);
  uv_timer_init(s.loop, &s.reap_timer);
  s.reap_timer.data = &s;
  uv_timer_init(s.loop, &s.sync_timer);
  s.sync_timer.data = &s;
  uv_prepare_init(s.loop, &s.prepare);
  s.prepare.data = &s;
  uv_prepare_start(&s.prepare, prepare_cb);
  uv_timer_init(s.loop, &s.wall_timer);
  s.wall_timer.data = &s;
  if (spec->budget.has_wall_s) {
    double left = spec->budget.wall_s - s.wall_spent; /* earlier runs count (resume) */
    uv_timer_start(&s.wall_timer, wall_cb, left > 0 ? (uint64_t)(left * 1000.0) : 0, 0);
  }
  uv_timer_init(s.loop, &s.alert_timer);
  s.alert_timer.data = &s;
  if (spec->n_alerts) {
    s.alert_fired = calloc(spec->n_alerts, ES_ALERT_BUDGETS);
    uv_timer_start(&s.alert_timer, alert_timer_cb, 1000, 1000);
  }

  uv_timer_init(s.loop, &s.sample_timer);
  s.sample_timer.data = &s;
  if (s.host) uv_timer_start(&s.sample_timer, sample_timer_cb, (uint64_t)(es_hostmeter_period(s.host) * 1000.0), 0);

  uv_timer_init(s.loop, &s.progress_timer);
  s.progress_timer.data = &s;
  if (!s.quiet) {
    uint64_t ms = (uint64_t)(s.progress.every * 1000.0);
    uv_timer_start(&s.progress_timer, progress_timer_cb, ms, ms);
  }

  launch_more(&s);
  uv_run(s.loop, UV_RUN_DEFAULT);
  orphans_sweep(&s, 1);
  if (!s.quiet && s.progress.tty) progress_update(&s); /* the final figures stay on screen */
  es_progress_done(&s.progress);
  es_front_free(&s.front_now);
  free(s.alert_fired);

  es_totals tot = {0};
  tot.wall_s = s.wall_spent + seconds_since(s.start_ns); /* every run of the sweep */
  sweep_totals(&s, &tot);
  cJSON *fin = cJSON_CreateObject();
  cJSON_AddStringToObject(fin, "event", "finish");
  cJSON_AddStringToObject(fin, "why", s.stop_why);
  es_json_add_number(fin, "overhead_j", tot.overhead_j);
  es_json_add_number(fin, "ecosweep_j", tot.ecosweep_j);
  es_json_add_number(fin, "total_j", tot.total_j);
  if (tot.metered) {
    es_json_add_number(fin, "other_j", tot.other_j);
    es_json_add_number(fin, "idle_j", tot.idle_j);
  }
  if (tot.metered || tot.gpu_idle_j > 0) es_json_add_number(fin, "gpu_idle_j", tot.gpu_idle_j);
  es_json_add_number(fin, "wall_s", tot.wall_s);
  es_json_add_number(fin, "time_ms", wall_clock_ms());
  journal(&s, fin);
  es_hostmeter_close(s.host);
  if (!s.cg_stuck) es_cgroup_base_close(s.cg); /* else ecosweep is in one of its groups: leave them */
  free(s.gpu_busy);
  snprintf(path, sizeof path, "%s/journal.jsonl", opt->dir);
  if ((rc = es_journal_close(&s.journal)) != 0) {
    fprintf(stderr, "ecosweep: %s: %s\n", path, strerror(-rc));
    s.io_error = 1;
  }

  int status;
  size_t front = 0;
  if (es_outputs_write(opt->dir, spec, &s.records, &tot, &front, err, sizeof err) != 0) {
    fprintf(stderr, "ecosweep: %s\n", err);
    status = 1;
  } else {
    say(&s, "done: %zu trials, %zu on the front (%s); outputs in %s", s.records.n, front, s.stop_why, opt->dir);
    if (s.signal_exit)
      status = s.signal_exit;
    else if (s.io_error)
      status = 1;
    else if (front == 0) {
      fprintf(stderr, "ecosweep: %s: no trial reached the front (%ld of %zu failed)\n", opt->dir, s.n_failed,
              s.records.n);
      status = 1;
    } else if (s.spec->workers.max_failures > 0 && s.n_failed >= s.spec->workers.max_failures)
      status = 1;
    else
      status = 0;
  }
  es_recordset_free(&s.records);
  es_sampler_free(s.sampler);
  es_halving_free(s.halving);
  es_env_free(s.base_env);
  free(s.relaunch);
  free(s.relaunch_retry);
  close(s.trials_fd);
  uv_loop_close(s.loop);
  return status;
}
