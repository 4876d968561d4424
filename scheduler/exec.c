/*
 * exec.c - `ecosweep exec -- CMD`: one trial on a Slurm node, connected
 * back to the scheduler over TCP (the protocol is in exec.h).
 *
 * One libuv loop drives it all: resolving and dialling the scheduler
 * (10 s for both), the trial (started by es_local_spawn like a local
 * trial: fd 3 a socketpair, its own session, stdin /dev/null, stdout and
 * stderr exec's own so that srun relays them), a pidfd poll for its exit,
 * the relay in both directions, the hostmeter's sample timer and the kill
 * escalation on SIGTERM/SIGINT or a lost connection.
 *
 * Metering is measure.c's: a cgroup of its own when one can be made (its
 * CPU time counts setsid orphans), else /proc over its tree; the node's
 * meter choice is "auto" (nvml too when CUDA_VISIBLE_DEVICES names GPUs);
 * a host meter or the GPUs make the trial the hostmeter's single
 * participant, the estimate turns its CPU and wall time into joules.
 *
 * What it does not do: read reports (it only splices its figures in),
 * answer them, or time the trial out: the scheduler does all that and
 * ends a remote trial through srun, whose signals land here.
 */
#include "exec.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "../meters/hostmeter.h"
#include "../meters/meter.h"
#include "../workers/cgroup.h"
#include "../workers/local.h"
#include "../workers/proctree.h"
#include "journal.h"

#ifndef ES_CLIENT_DIR
#define ES_CLIENT_DIR "workers/client"
#endif

#define CONNECT_TIMEOUT_MS 10000  /* resolve + dial the scheduler */
#define LINGER_MS 1000            /* after the trial's exit, the longest wait for fd 3's end */
#define CLOSE_TIMEOUT_MS 10000    /* the exit line's delivery, at most */
#define GRACE_DEFAULT_S 10.0      /* SIGTERM -> SIGKILL */
#define SAMPLE_MIN_NS 10000000ull /* /proc counts 10 ms ticks: no point reading more often */
#define EXIT_UNREACHABLE 255

typedef struct {
  uv_loop_t loop;

  /* The scheduler. */
  const char *connect;                  /* ECOSWEEP_CONNECT as given, for messages */
  char sched_host[256], sched_port[32]; /* ECOSWEEP_CONNECT split */
  const char *token;
  long trial_id;
  uv_getaddrinfo_t gai; /* resolving host (a thread-pool request) */
  int gai_pending;
  struct addrinfo *addrs, *next_addr; /* addresses to dial, in order */
  uv_tcp_t conn;                      /* re-initialised for each address tried */
  uv_connect_t conn_req;
  int connect_err; /* the last dial's error, for the message */
  int connected;   /* the hello went out on conn */
  int conn_gone;   /* EOF or an error: nothing more can be sent */
  int exit_sent;   /* the exit line is queued: the end is ours */
  uv_shutdown_t shutdown_req;
  uv_timer_t conn_timer; /* the connect deadline, then the close deadline */
  char conn_buf[16384];  /* scheduler -> trial bytes */

  /* The trial. */
  char *const *argv;
  pid_t pid; /* also its pgid; 0 until started */
  int pidfd;
  uv_pipe_t channel;     /* our end of its fd 3 */
  uv_poll_t exit_poll;   /* its pidfd */
  uv_timer_t reap_timer; /* no pidfds: polls wait4 every 20 ms */
  es_linebuf lines;      /* fd 3 split into lines */
  int relay_off;         /* an over-long line went out: relay nothing more */
  int chan_eof;
  char chan_buf[65536];
  uint64_t start_ns;
  int exited;
  int64_t exit_status;
  int term_signal;
  double wall_s; /* launch to reap */

  /* Ending it. */
  uv_signal_t sigterm, sigint;
  int signals; /* SIGTERM/SIGINT received so far */
  double grace_s;
  int term_sent;           /* the group has had its SIGTERM */
  uv_timer_t kill_timer;   /* SIGTERM sent: SIGKILL when it fires */
  uv_timer_t linger_timer; /* exited: fd 3 has this long to end */
  int finished;
  int result; /* exec's exit status */

  /* Meters. */
  es_meter_config cfg;
  es_meter_choice choice;
  es_hostmeter *host;   /* NULL: no host meter and no GPUs */
  es_meter_share share; /* the trial, the hostmeter's only participant */
  int metered;          /* share joined */
  int left;             /* share's last sample taken (es_hostmeter_leave) */
  uv_timer_t sample_timer;
  es_cgroup_base *cg;
  int cg_fd;    /* the trial's cgroup, or -1: /proc */
  double cpu_s; /* its CPU-seconds, as last read (never decreases) */
  uint64_t cpu_read_ns;
  double rss_gib; /* its largest resident size seen (the estimate's RAM term) */
} es_exec;

static double quantize(double x, double per) { return isfinite(x) ? round(x * per) / per : x; }

static void close_handle(void *h) {
  uv_handle_t *handle = h;
  if (handle->loop && !uv_is_closing(handle)) uv_close(handle, NULL);
}

/* ---- usage and joules ------------------------------------------------------- */

/* The trial's CPU time now: its cgroup (the whole tree, orphans included)
 * or /proc over its live tree; read at most once per 10 ms tick. */
static double trial_cpu(es_exec *e) {
  uint64_t now = uv_hrtime();
  if (e->exited || !e->pid || now - e->cpu_read_ns < SAMPLE_MIN_NS) return e->cpu_s;
  e->cpu_read_ns = now;
  double c = -1, rss = 0;
  int want_rss = e->choice.cpu && e->choice.cpu->kind == ES_METER_TRIAL;
  if (e->cg_fd < 0 || es_cgroup_cpu(e->cg_fd, &c) != 0) c = -1;
  if (c < 0 || want_rss) {
    double pc;
    if (es_proctree_usage(e->pid, &pc, &rss) == 0 && c < 0) c = pc;
    if (rss / (1024.0 * 1024.0 * 1024.0) > e->rss_gib) e->rss_gib = rss / (1024.0 * 1024.0 * 1024.0);
  }
  if (c > e->cpu_s) e->cpu_s = c;
  return e->cpu_s;
}

static int share_read_cpu(es_meter_share *sh, double *cpu_s) {
  es_exec *e = sh->ctx;
  e->cpu_read_ns = 0; /* a sample wants it now */
  *cpu_s = trial_cpu(e);
  return 0;
}

/* Joules on this node so far: the trial meter's figure (the estimate) and
 * the hostmeter's share (package by CPU time, its GPUs in full). */
static double trial_joules(es_exec *e) {
  double j = 0;
  if (e->choice.cpu && e->choice.cpu->kind == ES_METER_TRIAL) {
    es_trial_usage u = {.cpu_s = e->cpu_s,
                        .wall_s = e->exited ? e->wall_s : (double)(uv_hrtime() - e->start_ns) * 1e-9,
                        .rss_gib = e->rss_gib};
    if (e->choice.cpu->trial_joules(&e->cfg, &u, &j) != 0) j = 0;
  }
  if (e->metered) j += es_hostmeter_share_joules(&e->share);
  return j;
}

static void sample_timer_cb(uv_timer_t *h) {
  es_exec *e = h->data;
  es_hostmeter_sample(e->host); /* a failed read is attributed at the next one */
  uv_timer_start(&e->sample_timer, sample_timer_cb, (uint64_t)(es_hostmeter_period(e->host) * 1000.0 + 0.5), 0);
}

/* The GPUs CUDA_VISIBLE_DEVICES gives the trial, by UUID or index; all of
 * them when no entry names one the meter sees (MIG ids, a renumbering). */
static void share_take_gpus(es_exec *e) {
  size_t n = es_hostmeter_gpu_count(e->host);
  const char *list = getenv("CUDA_VISIBLE_DEVICES");
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", list ? list : "");
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    while (*tok == ' ') tok++;
    for (size_t g = 0; g < n && e->share.n_gpus < ES_HOSTMETER_MAX_GPUS; g++) {
      char id[96], *end;
      long idx = strtol(tok, &end, 10);
      int match = (end != tok && *end == '\0' && idx >= 0 && (size_t)idx == g) ||
                  (es_hostmeter_gpu_id(e->host, g, id, sizeof id) == 0 && strcmp(id, tok) == 0);
      int held = 0;
      for (size_t k = 0; k < e->share.n_gpus; k++) held |= e->share.gpus[k] == g;
      if (match && !held) e->share.gpus[e->share.n_gpus++] = g;
    }
  }
  if (e->share.n_gpus == 0)
    for (size_t g = 0; g < n && g < ES_HOSTMETER_MAX_GPUS; g++) e->share.gpus[e->share.n_gpus++] = g;
}

/* The node's meters: "auto", nvml too when the trial has GPUs. A host or
 * GPU meter that selects but will not open falls back to the estimate. */
static void meters_open(es_exec *e) {
  char err[1024], why[512];
  char *auto_list[] = {(char *)"auto", NULL};
  const char *cvd = getenv("CUDA_VISIBLE_DEVICES");
  e->cfg = (es_meter_config){0, -1, 0};
  /* The spec's estimate settings, passed on by the scheduler. */
  const char *w = getenv("ECOSWEEP_ESTIMATE_CPU_WATTS"), *r = getenv("ECOSWEEP_ESTIMATE_RAM_WATTS");
  if (w && *w) e->cfg.cpu_watts = strtod(w, NULL);
  if (r && *r) e->cfg.ram_watts = strtod(r, NULL);
  if (es_meter_select(auto_list, &e->cfg, cvd && *cvd, &e->choice, err, sizeof err) != 0) {
    memset(&e->choice, 0, sizeof e->choice);
    e->choice.cpu = &es_meter_estimate;
  }
  const es_meter_type *cpu_host = e->choice.cpu->kind == ES_METER_HOST ? e->choice.cpu : NULL;
  if ((cpu_host || e->choice.gpu) &&
      es_hostmeter_open(&e->host, cpu_host, e->choice.gpu, &e->cfg, why, sizeof why) != 0) {
    fprintf(stderr, "ecosweep: exec: meter %s: %s; using the estimate\n", es_meter_choice_label(&e->choice), why);
    e->host = NULL;
    e->choice.cpu = &es_meter_estimate;
    e->choice.gpu = NULL;
  }
  char name[64];
  snprintf(name, sizeof name, "ecosweep-exec-%d", (int)getpid());
  /* The trial's group is made now, before it starts: it is born there
   * (enter_trial_cgroup) or, failing that, moved in as soon as
   * posix_spawn returns. */
  if (es_cgroup_base_open(&e->cg, name, NULL, NULL, why, sizeof why) != 0)
    e->cg = NULL;
  else if (es_cgroup_create(e->cg, "trial", &e->cg_fd) != 0)
    e->cg_fd = -1;
}

/* ---- writing to the scheduler ------------------------------------------------ */

typedef struct {
  uv_write_t req;
  es_exec *e;
  char data[];
} es_exec_write;

static void conn_lost(es_exec *e, int err);

static void conn_write_cb(uv_write_t *req, int status) {
  es_exec_write *w = (es_exec_write *)req;
  es_exec *e = w->e;
  free(w);
  if (status < 0 && status != UV_ECANCELED) conn_lost(e, status);
}

/* Queue data and a newline as one write. */
static void conn_send(es_exec *e, const char *data, size_t len) {
  if (e->conn_gone || !e->connected) return;
  es_exec_write *w = malloc(sizeof *w + len + 1);
  if (!w) {
    conn_lost(e, UV_ENOMEM);
    return;
  }
  w->e = e;
  memcpy(w->data, data, len);
  w->data[len] = '\n';
  uv_buf_t buf = uv_buf_init(w->data, (unsigned)(len + 1));
  int rc = uv_write(&w->req, (uv_stream_t *)&e->conn, &buf, 1, conn_write_cb);
  if (rc < 0) {
    free(w);
    conn_lost(e, rc);
  }
}

static void conn_send_json(es_exec *e, cJSON *o) {
  char *text = o ? cJSON_PrintUnformatted(o) : NULL;
  if (text)
    conn_send(e, text, strlen(text));
  else
    conn_lost(e, UV_ENOMEM);
  cJSON_free(text);
  cJSON_Delete(o);
}

/* ---- relaying the trial's lines -------------------------------------------------- */

static int blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* The node member for a report now; "" on OOM. */
static void node_member(es_exec *e, char *buf, size_t len) {
  if (e->host && es_hostmeter_age(e->host) > 0.01) es_hostmeter_sample(e->host);
  double cpu = trial_cpu(e);
  cJSON *o = cJSON_CreateObject();
  es_json_add_number(o, "energy_j", quantize(trial_joules(e), 1e9));
  es_json_add_number(o, "cpu_s", quantize(cpu, 1e6));
  char *text = cJSON_PrintUnformatted(o);
  snprintf(buf, len, "\"node\":%s", text ? text : "{}");
  cJSON_free(text);
  cJSON_Delete(o);
}

/* One line the trial wrote (no newline). A JSON object within the limit
 * gets exec's figures spliced in as text, so the trial's own numbers and
 * spelling reach the scheduler byte for byte (cJSON would reprint
 * 0.30000000000000004 as 0.3); anything else goes unchanged. */
static void relay_line(es_exec *e, const char *line, size_t len) {
  if (e->relay_off) return;
  size_t t = len;
  while (t > 0 && blank(line[t - 1])) t--;
  if (t >= 2 && line[t - 1] == '}') {
    const char *end = NULL;
    cJSON *obj = cJSON_ParseWithLengthOpts(line, t, &end, 0);
    int is_obj = cJSON_IsObject(obj) && end == line + t;
    int empty = is_obj && obj->child == NULL;
    cJSON_Delete(obj);
    if (is_obj) {
      char node[256];
      node_member(e, node, sizeof node);
      size_t n_len = strlen(node);
      char *out = malloc(t + n_len + 3);
      if (out) {
        size_t k = t - 1;
        memcpy(out, line, k);
        if (!empty) out[k++] = ',';
        memcpy(out + k, node, n_len);
        k += n_len;
        out[k++] = '}';
        const char *check_end = NULL;
        cJSON *check = cJSON_ParseWithLengthOpts(out, k, &check_end, 0);
        int ok = cJSON_IsObject(check) && check_end == out + k;
        cJSON_Delete(check);
        if (ok) conn_send(e, out, k);
        free(out);
        if (ok) return;
      }
    }
  }
  conn_send(e, line, len);
}

/* A line went past ES_REPORT_MAX: the scheduler gets its first
 * ES_REPORT_MAX + 1 bytes, so it sees an over-long line, and nothing more. */
static void relay_overlong(es_exec *e) {
  es_linebuf *lb = &e->lines;
  if (!e->relay_off && lb->len - lb->start > ES_REPORT_MAX) conn_send(e, lb->buf + lb->start, ES_REPORT_MAX + 1);
  e->relay_off = 1;
  es_linebuf_free(lb);
}

/* Bytes from fd 3, fed one line at a time: when a line overflows, the
 * buffer holds just that line (the ones before it are relayed). */
static void relay_bytes(es_exec *e, const char *p, size_t n) {
  const char *end = p + n;
  while (p < end && !e->relay_off) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t chunk = (size_t)((nl ? nl + 1 : end) - p);
    int rc = es_linebuf_feed(&e->lines, p, chunk);
    if (rc == -ENOMEM) {
      conn_lost(e, UV_ENOMEM);
      return;
    }
    if (rc != 0) {
      relay_overlong(e);
      return;
    }
    const char *line;
    size_t len;
    while ((line = es_linebuf_next(&e->lines, &len))) relay_line(e, line, len);
    if (e->lines.overflow) {
      relay_overlong(e);
      return;
    }
    p += chunk;
  }
}

/* ---- the end ------------------------------------------------------------------------ */

static void close_timer_cb(uv_timer_t *h) {
  es_exec *e = h->data;
  fprintf(stderr, "ecosweep: exec: the scheduler at %s did not take the exit line within %d s\n", e->connect,
          CLOSE_TIMEOUT_MS / 1000);
  e->result = EXIT_UNREACHABLE;
  close_handle(&e->conn);
}

/* The exit line was handed to the kernel (its write callback ran first):
 * an error of the shutdown itself (the scheduler already closed) is moot. */
static void shutdown_cb(uv_shutdown_t *req, int status) {
  (void)status;
  es_exec *e = req->data;
  close_handle(&e->conn);
  close_handle(&e->conn_timer);
}

/* The trial has exited and fd 3 ended (or had its second): the last
 * sample, the exit line, and every handle closed. */
static void finish(es_exec *e) {
  if (e->finished) return;
  e->finished = 1;
  int rc;
  size_t len;
  const char *rest = e->relay_off ? NULL : es_linebuf_rest(&e->lines, &len);
  if (rest && len) relay_line(e, rest, len);

  if (e->cg_fd >= 0) {
    double c;
    if (es_cgroup_cpu(e->cg_fd, &c) == 0 && c > e->cpu_s) e->cpu_s = c;
    es_cgroup_kill(e->cg_fd); /* what is left of the trial */
  }
  if (e->metered && !e->left) {
    es_hostmeter_leave(e->host, &e->share, e->cpu_s);
    e->left = 1;
  }
  double joules = trial_joules(e);

  if (!e->conn_gone) {
    e->result = e->term_signal ? 128 + e->term_signal : (int)e->exit_status;
    e->exit_sent = 1;
    cJSON *o = cJSON_CreateObject(), *x = cJSON_AddObjectToObject(o, "exit");
    es_json_add_number(x, "status", (double)e->exit_status);
    es_json_add_number(x, "signal", e->term_signal);
    es_json_add_number(x, "energy_j", quantize(joules, 1e9));
    es_json_add_number(x, "cpu_s", quantize(e->cpu_s, 1e6));
    es_json_add_number(x, "wall_s", quantize(e->wall_s, 1e6));
    conn_send_json(e, o);
  }
  if (!e->conn_gone) {
    e->shutdown_req.data = e;
    uv_read_stop((uv_stream_t *)&e->conn);
    rc = uv_shutdown(&e->shutdown_req, (uv_stream_t *)&e->conn, shutdown_cb);
    if (rc == 0) {
      uv_timer_start(&e->conn_timer, close_timer_cb, CLOSE_TIMEOUT_MS, 0);
    } else { /* closing now cancels the exit line */
      conn_lost(e, rc);
      close_handle(&e->conn_timer);
    }
  } else {
    e->result = EXIT_UNREACHABLE;
    close_handle(&e->conn);
    close_handle(&e->conn_timer);
  }
  close_handle(&e->channel);
  close_handle(&e->exit_poll);
  close_handle(&e->reap_timer);
  close_handle(&e->kill_timer);
  close_handle(&e->linger_timer);
  close_handle(&e->sample_timer);
  close_handle(&e->sigterm);
  close_handle(&e->sigint);
}

static void maybe_finish(es_exec *e) {
  if (e->exited && (e->chan_eof || e->relay_off)) finish(e);
}

static void linger_cb(uv_timer_t *h) { finish(h->data); }

/* Reap the trial if it has exited: its status, its exact CPU time, and
 * what it left in its group killed (as the sweep does). */
static void trial_reap(es_exec *e) {
  double cpu = 0;
  long maxrss = 0;
  if (e->exited) return;
  int rc = es_local_reap(e->pid, &e->exit_status, &e->term_signal, &cpu, &maxrss);
  if (rc == 1) return;
  if (rc < 0) { /* cannot happen with SIGCHLD at its default; never spin on the pidfd */
    fprintf(stderr, "ecosweep: exec: cannot wait for %s (pid %d): %s\n", e->argv[0], (int)e->pid, strerror(-rc));
    e->exit_status = 127;
    e->term_signal = 0;
  }
  e->exited = 1;
  e->wall_s = (double)(uv_hrtime() - e->start_ns) * 1e-9;
  if (cpu > e->cpu_s) e->cpu_s = cpu;
  if ((double)maxrss / (1024.0 * 1024.0) > e->rss_gib) e->rss_gib = (double)maxrss / (1024.0 * 1024.0);
  es_local_kill_group(e->pid, SIGKILL);
  uv_timer_stop(&e->kill_timer);
  close_handle(&e->exit_poll);
  close_handle(&e->reap_timer);
  if (e->chan_eof || e->relay_off)
    finish(e);
  else
    uv_timer_start(&e->linger_timer, linger_cb, LINGER_MS, 0);
}

static void exit_poll_cb(uv_poll_t *h, int status, int events) {
  (void)status, (void)events;
  trial_reap(h->data);
}

static void reap_timer_cb(uv_timer_t *h) { trial_reap(h->data); }

/* ---- ending the trial early ---------------------------------------------------------- */

static void kill_now(es_exec *e) {
  if (e->exited || e->pid <= 0) return;
  es_local_kill_group(e->pid, SIGKILL);
  if (e->cg_fd >= 0) es_cgroup_kill(e->cg_fd);
}

static void kill_timer_cb(uv_timer_t *h) { kill_now(h->data); }

/* SIGTERM to the trial's group now, SIGKILL after the grace period. */
static void terminate(es_exec *e) {
  if (e->exited || e->pid <= 0 || e->term_sent) return;
  e->term_sent = 1;
  es_local_kill_group(e->pid, SIGTERM);
  uv_timer_start(&e->kill_timer, kill_timer_cb, (uint64_t)(e->grace_s * 1000.0 + 0.5), 0);
}

/* The resolver's request is given up: cancelled when it has not started;
 * a lookup already running in the thread pool cannot be, so the loop is
 * stopped and es_exec_run returns without waiting for it. */
static void abandon_resolver(es_exec *e) {
  if (e->gai_pending && uv_cancel((uv_req_t *)&e->gai) != 0) uv_stop(&e->loop);
}

static void on_signal(uv_signal_t *h, int signum) {
  es_exec *e = h->data;
  e->signals++;
  if (!e->pid) { /* still dialling: the trial is never started */
    e->result = 128 + signum;
    e->finished = 1;
    abandon_resolver(e);
    close_handle(&e->conn);
    close_handle(&e->conn_timer);
    close_handle(&e->sigterm);
    close_handle(&e->sigint);
    return;
  }
  if (e->signals == 1)
    terminate(e);
  else
    kill_now(e);
}

static void chan_shutdown_cb(uv_shutdown_t *req, int status) {
  (void)status;
  free(req);
}

/* EOF or an error on the connection before the exit line went out: the
 * trial cannot be reported, so it is ended; its fd 3 reads end-of-file
 * (a client takes that as stop) and its group gets SIGTERM, then SIGKILL. */
static void conn_lost(es_exec *e, int err) {
  if (e->conn_gone) return;
  e->conn_gone = 1;
  e->result = EXIT_UNREACHABLE;
  if (e->exit_sent) { /* the exit line's write failed */
    fprintf(stderr, "ecosweep: exec: cannot send the exit line to the scheduler at %s: %s\n", e->connect,
            uv_strerror(err));
    close_handle(&e->conn);
    return;
  }
  if (err == UV_EOF)
    fprintf(stderr, "ecosweep: exec: the scheduler at %s closed the connection; ending the trial\n", e->connect);
  else
    fprintf(stderr, "ecosweep: exec: lost the connection to the scheduler at %s: %s; ending the trial\n", e->connect,
            uv_strerror(err));
  uv_read_stop((uv_stream_t *)&e->conn);
  close_handle(&e->conn);
  if (e->channel.loop && !uv_is_closing((uv_handle_t *)&e->channel) && !e->exited) {
    uv_shutdown_t *req = malloc(sizeof *req);
    if (req && uv_shutdown(req, (uv_stream_t *)&e->channel, chan_shutdown_cb) != 0) free(req);
  }
  terminate(e);
}

/* ---- relaying both ways ------------------------------------------------------------- */

static void conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)suggested;
  es_exec *e = h->data;
  *buf = uv_buf_init(e->conn_buf, sizeof e->conn_buf);
}

static void chan_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)suggested;
  es_exec *e = h->data;
  *buf = uv_buf_init(e->chan_buf, sizeof e->chan_buf);
}

static void chan_write_cb(uv_write_t *req, int status) {
  (void)status; /* the trial closed fd 3 or exited: its replies are moot */
  free(req);
}

/* Scheduler -> trial: the replies go to fd 3 as they came. */
static void conn_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
  es_exec *e = st->data;
  if (n < 0) {
    conn_lost(e, (int)n);
    return;
  }
  if (n == 0 || !e->channel.loop || uv_is_closing((uv_handle_t *)&e->channel)) return;
  uv_write_t *req = malloc(sizeof *req + (size_t)n);
  if (!req) return;
  char *copy = (char *)(req + 1);
  memcpy(copy, buf->base, (size_t)n);
  uv_buf_t b = uv_buf_init(copy, (unsigned)n);
  if (uv_write(req, (uv_stream_t *)&e->channel, &b, 1, chan_write_cb) != 0) free(req);
}

/* Trial -> scheduler, line by line. */
static void chan_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
  es_exec *e = st->data;
  if (n > 0) {
    if (!e->relay_off) relay_bytes(e, buf->base, (size_t)n);
    return;
  }
  if (n < 0) {
    size_t len;
    const char *rest = e->relay_off ? NULL : es_linebuf_rest(&e->lines, &len);
    if (rest && len) relay_line(e, rest, len);
    uv_read_stop(st);
    e->chan_eof = 1;
    maybe_finish(e);
  }
}

/* ---- starting the trial ------------------------------------------------------------------ */

/* Its environment: ours, with ECOSWEEP_FD=3, without ECOSWEEP_CONNECT and
 * ECOSWEEP_TOKEN (the token is the scheduler's secret, not the trial's),
 * and PYTHONPATH led by the client directory (es_env_build drops every
 * protocol variable; the trial's own are put back). */
static char **trial_env(void) {
  static const char *const keep[] = {"ECOSWEEP_TRIAL_ID",  "ECOSWEEP_PARAMS",  "ECOSWEEP_MAX_RESOURCE",
                                     "ECOSWEEP_TRIAL_DIR", "ECOSWEEP_RESUMED", NULL};
  char *extra[8] = {0};
  size_t n = 0;
  char **env = NULL;
  for (size_t i = 0; keep[i]; i++) {
    const char *v = getenv(keep[i]);
    if (!v) continue;
    size_t len = strlen(keep[i]) + strlen(v) + 2;
    if (!(extra[n] = malloc(len))) goto out;
    snprintf(extra[n++], len, "%s=%s", keep[i], v);
  }
  if (!(extra[n++] = strdup("ECOSWEEP_FD=3"))) goto out;
  const char *pp = getenv("PYTHONPATH");
  size_t cl = strlen(ES_CLIENT_DIR);
  int has_client = pp && strncmp(pp, ES_CLIENT_DIR, cl) == 0 && (pp[cl] == '\0' || pp[cl] == ':');
  env = es_env_build(extra, has_client ? NULL : ES_CLIENT_DIR);
out:
  for (size_t i = 0; i < n; i++) free(extra[i]);
  return env;
}

/* Back in exec's own group after the spawn (es_cgroup_enter). Should that
 * fail, exec must not stay where the trial's group is killed and removed:
 * that group is given up (CPU time from /proc, left in place). */
static void leave_trial_cgroup(es_exec *e, int home) {
  int rc = es_cgroup_return(home);
  if (rc == 0) return;
  fprintf(stderr, "ecosweep: exec: cannot leave the trial's cgroup: %s; its CPU time comes from /proc\n",
          strerror(-rc));
  close(e->cg_fd);
  e->cg_fd = -1;
  e->cg = NULL;
}

static void start_trial(es_exec *e) {
  int sv[2] = {-1, -1};
  char **env = trial_env();
  int rc = env ? 0 : -ENOMEM;
  if (rc == 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) rc = -errno;
  es_child child = {-1, -1};
  /* Born in its cgroup (workers/cgroup.h says why). */
  int home = rc == 0 && e->cg_fd >= 0 ? es_cgroup_enter(e->cg, e->cg_fd) : -1;
  e->start_ns = uv_hrtime();
  if (rc == 0) rc = es_local_spawn(e->argv, env, NULL, 1, 2, sv[1], &child);
  if (home >= 0) leave_trial_cgroup(e, home);
  es_env_free(env);
  if (sv[1] >= 0) close(sv[1]);
  if (rc != 0) {
    if (sv[0] >= 0) close(sv[0]);
    fprintf(stderr, "ecosweep: exec: cannot run %s: %s\n", e->argv[0], strerror(-rc));
    e->pid = -1; /* started (and failed): signals now only end exec */
    e->exited = 1;
    e->exit_status = 127;
    e->chan_eof = 1;
    finish(e);
    return;
  }
  e->pid = child.pid;
  e->pidfd = child.pidfd;

  /* Into its cgroup (unless it was born there), then into the
   * attribution (measure.c's order). */
  if (home < 0 && e->cg_fd >= 0 && es_cgroup_attach(e->cg_fd, e->pid) != 0) {
    es_cgroup_remove(e->cg, "trial", e->cg_fd);
    e->cg_fd = -1;
  }
  if (e->host) {
    e->share.read_cpu = share_read_cpu;
    e->share.ctx = e;
    if (e->choice.gpu) share_take_gpus(e);
    /* The time since the meter was opened (dialling the scheduler) is
     * not the trial's: a sample first closes that interval (GPUs idle). */
    es_hostmeter_sample(e->host);
    es_hostmeter_join(e->host, &e->share);
    e->metered = 1;
    uv_timer_start(&e->sample_timer, sample_timer_cb, (uint64_t)(es_hostmeter_period(e->host) * 1000.0 + 0.5), 0);
  }

  uv_pipe_init(&e->loop, &e->channel, 0);
  e->channel.data = e;
  uv_pipe_open(&e->channel, sv[0]);
  uv_read_start((uv_stream_t *)&e->channel, chan_alloc, chan_read);
  uv_read_start((uv_stream_t *)&e->conn, conn_alloc, conn_read);
  if (e->pidfd >= 0) {
    uv_poll_init(&e->loop, &e->exit_poll, e->pidfd);
    e->exit_poll.data = e;
    uv_poll_start(&e->exit_poll, UV_READABLE, exit_poll_cb);
  } else {
    uv_timer_start(&e->reap_timer, reap_timer_cb, 20, 20);
  }
}

/* ---- reaching the scheduler ------------------------------------------------------------ */

static void unreachable(es_exec *e, int err) {
  fprintf(stderr, "ecosweep: exec: cannot reach the scheduler at %s: %s\n", e->connect, uv_strerror(err));
  e->result = EXIT_UNREACHABLE;
  e->finished = 1;
  close_handle(&e->conn);
  close_handle(&e->conn_timer);
  close_handle(&e->sigterm);
  close_handle(&e->sigint);
}

static void send_hello(es_exec *e) {
  char node[256] = "";
  if (gethostname(node, sizeof node - 1) != 0) snprintf(node, sizeof node, "unknown");
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "hello", e->token);
  es_json_add_number(o, "trial", (double)e->trial_id);
  cJSON_AddStringToObject(o, "node", node);
  const char *job = getenv("SLURM_JOB_ID"), *step = getenv("SLURM_STEP_ID");
  if (job && *job) {
    char buf[256];
    if (step && *step)
      snprintf(buf, sizeof buf, "%s.%s", job, step);
    else
      snprintf(buf, sizeof buf, "%s", job);
    cJSON_AddStringToObject(o, "job", buf);
  }
  cJSON_AddStringToObject(o, "meter", es_meter_choice_label(&e->choice));
  cJSON_AddBoolToObject(o, "estimate", e->choice.cpu->estimate);
  conn_send_json(e, o);
}

static void dial_next(es_exec *e);
static void dial_next_cb(uv_handle_t *h) { dial_next(h->data); }

static void connect_cb(uv_connect_t *req, int status) {
  es_exec *e = req->data;
  if (e->finished) return; /* timed out or signalled: conn is closing */
  if (status < 0) {
    e->connect_err = status;
    uv_close((uv_handle_t *)&e->conn, dial_next_cb);
    return;
  }
  uv_timer_stop(&e->conn_timer);
  uv_freeaddrinfo(e->addrs);
  e->addrs = e->next_addr = NULL;
  e->connected = 1;
  send_hello(e);
  if (e->conn_gone) {
    finish(e);
    return;
  }
  start_trial(e);
}

/* Dial the next resolved address (called again from the close callback of
 * a failed attempt, whose handle is then free to initialise). */
static void dial_next(es_exec *e) {
  if (e->finished) return;
  while (e->next_addr) {
    struct addrinfo *ai = e->next_addr;
    e->next_addr = ai->ai_next;
    uv_tcp_init(&e->loop, &e->conn);
    e->conn.data = e;
    e->conn_req.data = e;
    int rc = uv_tcp_connect(&e->conn_req, &e->conn, ai->ai_addr, connect_cb);
    if (rc == 0) return;
    e->connect_err = rc;
    uv_close((uv_handle_t *)&e->conn, dial_next_cb);
    return;
  }
  unreachable(e, e->connect_err ? e->connect_err : UV_EADDRNOTAVAIL);
}

static void gai_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  es_exec *e = req->data;
  e->gai_pending = 0;
  if (status == UV_EAI_CANCELED || status == UV_ECANCELED || e->finished) {
    uv_freeaddrinfo(res);
    return;
  }
  if (status < 0) {
    unreachable(e, status);
    return;
  }
  e->addrs = e->next_addr = res;
  dial_next(e);
}

static void connect_timeout_cb(uv_timer_t *h) {
  es_exec *e = h->data;
  abandon_resolver(e);
  unreachable(e, UV_ETIMEDOUT);
}

/* "host:port", "[v6]:port" or "v6:port" (split at the last colon). */
static int parse_connect(es_exec *e, const char *s) {
  const char *colon;
  size_t hl;
  const char *h = s;
  if (*s == '[') {
    const char *rb = strchr(s, ']');
    if (!rb || rb[1] != ':') return -1;
    h = s + 1;
    hl = (size_t)(rb - h);
    colon = rb + 1;
  } else {
    colon = strrchr(s, ':');
    if (!colon) return -1;
    hl = (size_t)(colon - s);
  }
  const char *port = colon + 1;
  if (hl == 0 || hl >= sizeof e->sched_host || !*port || strlen(port) >= sizeof e->sched_port ||
      strspn(port, "0123456789") != strlen(port))
    return -1;
  memcpy(e->sched_host, h, hl);
  e->sched_host[hl] = '\0';
  snprintf(e->sched_port, sizeof e->sched_port, "%s", port);
  return 0;
}

/* The environment exec needs: 0, or 2 after one line on stderr. */
static int read_env(es_exec *e) {
  const char *c = getenv("ECOSWEEP_CONNECT"), *tok = getenv("ECOSWEEP_TOKEN"), *id = getenv("ECOSWEEP_TRIAL_ID");
  if (!c || !*c) {
    fprintf(stderr, "ecosweep: exec: ECOSWEEP_CONNECT is not set (host:port of the scheduler)\n");
    return 2;
  }
  if (parse_connect(e, c) != 0) {
    fprintf(stderr, "ecosweep: exec: ECOSWEEP_CONNECT: \"%s\" is not host:port\n", c);
    return 2;
  }
  e->connect = c;
  if (!tok || strlen(tok) != 32 || strspn(tok, "0123456789abcdefABCDEF") != 32) {
    fprintf(stderr, "ecosweep: exec: ECOSWEEP_TOKEN: %s\n", tok ? "not 32 hex digits" : "not set");
    return 2;
  }
  e->token = tok;
  char *end;
  errno = 0;
  long v = id ? strtol(id, &end, 10) : -1;
  if (!id || !*id || *end || errno || v < 0) {
    fprintf(stderr, "ecosweep: exec: ECOSWEEP_TRIAL_ID: %s\n", id ? "not a trial id" : "not set");
    return 2;
  }
  e->trial_id = v;
  const char *g = getenv("ECOSWEEP_GRACE_S");
  e->grace_s = GRACE_DEFAULT_S;
  if (g && *g) {
    double d = strtod(g, &end);
    if (*end || !isfinite(d) || d < 0) {
      fprintf(stderr, "ecosweep: exec: ECOSWEEP_GRACE_S: \"%s\" is not a number of seconds\n", g);
      return 2;
    }
    e->grace_s = d;
  }
  return 0;
}

int es_exec_run(char *const *argv) {
  if (!argv || !argv[0]) {
    fprintf(stderr, "ecosweep: exec: no command given (ecosweep exec -- CMD [ARG...])\n");
    return 2;
  }
  es_exec *e = calloc(1, sizeof *e);
  if (!e) {
    fprintf(stderr, "ecosweep: exec: out of memory\n");
    return EXIT_UNREACHABLE;
  }
  e->argv = argv;
  e->pidfd = -1;
  e->cg_fd = -1;
  int rc = read_env(e);
  if (rc != 0) {
    free(e);
    return rc;
  }
  es_linebuf_init(&e->lines, ES_REPORT_MAX);
  meters_open(e);

  /* A write to a trial or scheduler that went away is an error, not
   * death; SIGCHLD at its default, in case whoever started us ignored it
   * (children would then reap themselves, and wait4 find nothing). */
  struct sigaction ign = {.sa_handler = SIG_IGN}, dfl = {.sa_handler = SIG_DFL}, old_pipe, old_chld;
  sigaction(SIGPIPE, &ign, &old_pipe);
  sigaction(SIGCHLD, &dfl, &old_chld);

  uv_loop_init(&e->loop);
  uv_timer_init(&e->loop, &e->conn_timer);
  uv_timer_init(&e->loop, &e->kill_timer);
  uv_timer_init(&e->loop, &e->linger_timer);
  uv_timer_init(&e->loop, &e->reap_timer);
  uv_timer_init(&e->loop, &e->sample_timer);
  uv_signal_init(&e->loop, &e->sigterm);
  uv_signal_init(&e->loop, &e->sigint);
  e->conn_timer.data = e->kill_timer.data = e->linger_timer.data = e->reap_timer.data = e->sample_timer.data = e;
  e->sigterm.data = e->sigint.data = e->gai.data = e;
  uv_signal_start(&e->sigterm, on_signal, SIGTERM);
  uv_signal_start(&e->sigint, on_signal, SIGINT);

  uv_timer_start(&e->conn_timer, connect_timeout_cb, CONNECT_TIMEOUT_MS, 0);
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  rc = uv_getaddrinfo(&e->loop, &e->gai, gai_cb, e->sched_host, e->sched_port, &hints);
  if (rc == 0)
    e->gai_pending = 1;
  else
    unreachable(e, rc);

  /* Idle handles (timers not started, the unused ones) do not keep the
   * loop alive; it returns once every active one is closed. */
  uv_run(&e->loop, UV_RUN_DEFAULT);
  if (e->gai_pending) {
    /* A resolver stuck past the deadline (abandon_resolver): the thread
     * pool still owns the request, so e and its loop are left as they
     * are; no trial was started and exec is about to exit. */
    sigaction(SIGPIPE, &old_pipe, NULL);
    sigaction(SIGCHLD, &old_chld, NULL);
    es_cgroup_base_close(e->cg);
    es_hostmeter_close(e->host);
    return e->result;
  }
  close_handle(&e->conn_timer);
  close_handle(&e->kill_timer);
  close_handle(&e->linger_timer);
  close_handle(&e->reap_timer);
  close_handle(&e->sample_timer);
  close_handle(&e->sigterm);
  close_handle(&e->sigint);
  uv_run(&e->loop, UV_RUN_DEFAULT);
  uv_loop_close(&e->loop);
  sigaction(SIGPIPE, &old_pipe, NULL);
  sigaction(SIGCHLD, &old_chld, NULL);

  if (e->pidfd >= 0) close(e->pidfd);
  if (e->metered && !e->left) es_hostmeter_leave(e->host, &e->share, e->cpu_s);
  if (e->cg_fd >= 0) es_cgroup_remove(e->cg, "trial", e->cg_fd);
  es_cgroup_base_close(e->cg);
  es_hostmeter_close(e->host);
  uv_freeaddrinfo(e->addrs);
  es_linebuf_free(&e->lines);
  int result = e->result;
  free(e);
  return result;
}
