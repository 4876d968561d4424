/*
 * measure.c - `ecosweep measure [--meter M] [--json] -- CMD`: meter one
 * command's energy, the way `perf stat` counts its events.
 *
 * The command runs in the foreground with ecosweep's stdin, stdout and
 * stderr (ecosweep ignores SIGINT and SIGQUIT meanwhile, as time(1) does,
 * so Ctrl-C reaches the command and the figures are still printed). Its
 * CPU time comes from a cgroup v2 group of its own when one can be made,
 * else from /proc over its tree while it runs and its rusage at the end.
 *
 * With a host meter (rapl, perf, hwmon) energy_j is everything the counters
 * saw over the command's lifetime and attributed_j the command's CPU-time
 * share of it (hostmeter.c); GPUs (nvml) count in full for the command.
 * With the estimate both are the model's figure for the command's CPU
 * time, and "estimate" is true.
 *
 * What it does not do: isolate the command from other load - other
 * processes' share stays out of attributed_j, never out of energy_j.
 */
#include "measure.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "../meters/hostmeter.h"
#include "../meters/meter.h"
#include "../workers/cgroup.h"
#include "../workers/local.h"
#include "../workers/proctree.h"
#include "journal.h"

extern char **environ;

typedef struct {
  uv_poll_t exit_poll;
  uv_timer_t timer;
  es_hostmeter *host;
  es_meter_share share;
  pid_t pid;
  int cg_fd;
  double cpu_final;
  int exited;
  int64_t exit_status;
  int term_signal;
  long maxrss_kib;  /* peak RSS of the command's largest process */
} es_measure;

static double mono_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int measure_read_cpu(es_meter_share *sh, double *cpu_s) {
  es_measure *m = sh->ctx;
  if (m->cg_fd >= 0 && es_cgroup_cpu(m->cg_fd, cpu_s) == 0) return 0;
  return es_proctree_cpu(m->pid, cpu_s);
}

static void timer_cb(uv_timer_t *h) {
  es_measure *m = h->data;
  if (m->host) {
    es_hostmeter_sample(m->host);
    uv_timer_start(&m->timer, timer_cb, (uint64_t)(es_hostmeter_period(m->host) * 1000.0 + 0.5), 0);
  }
}

/* Reap the command if it has exited (1), with its exact final CPU time
 * (its cgroup's or rusage's, the larger) and its last sample. */
static int measure_reaped(es_measure *m) {
  if (es_local_reap(m->pid, &m->exit_status, &m->term_signal, &m->cpu_final, &m->maxrss_kib) != 0) return 0;
  m->exited = 1;
  double c;
  if (m->cg_fd >= 0 && es_cgroup_cpu(m->cg_fd, &c) == 0 && c > m->cpu_final) m->cpu_final = c;
  if (m->host) es_hostmeter_leave(m->host, &m->share, m->cpu_final);
  return 1;
}

static void exit_cb(uv_poll_t *h, int status, int events) {
  (void)status, (void)events;
  es_measure *m = h->data;
  if (!measure_reaped(m)) return;
  uv_close((uv_handle_t *)&m->exit_poll, NULL);
  uv_close((uv_handle_t *)&m->timer, NULL);
}

int es_measure_run(char *const *argv, const char *meter, int json) {
  char err[1024], why[512];
  es_meter_config cfg = {0, -1, 0};
  char *auto_list[] = {(char *)"auto", NULL};
  char *one[] = {(char *)meter, NULL};
  es_meter_choice ch;
  memset(&ch, 0, sizeof ch);
  const es_meter_type *named = meter && strcmp(meter, "auto") != 0 ? es_meter_lookup(meter) : NULL;
  if (named && named->kind == ES_METER_GPU) {
    if (es_meter_probe(named, &cfg, why, sizeof why, NULL, 0, NULL, 0) < 0) {
      fprintf(stderr, "ecosweep: measure: --meter %s: unavailable: %s\n", meter, why);
      return 2;
    }
    ch.gpu = named;
  } else if (es_meter_select(named ? one : auto_list, &cfg, 1, &ch, err, sizeof err) < 0) {
    fprintf(stderr, "ecosweep: measure: --meter %s\n", named ? err + strlen("meters[0]: ") : err);
    return 2;
  }
  if (meter && strcmp(meter, "auto") != 0 && !named) {
    char valid[128];
    es_meter_names(valid, sizeof valid);
    fprintf(stderr, "ecosweep: measure: --meter: unknown meter \"%s\" (valid: auto, %s)\n", meter, valid);
    return 2;
  }
  if (ch.cpu == &es_meter_reported) {
    fprintf(stderr, "ecosweep: measure: --meter reported: needs a trial that reports energy_j; use rapl, perf, "
                    "hwmon, nvml or estimate\n");
    return 2;
  }
  if (ch.fallback[0] && !json) fprintf(stderr, "ecosweep: measure: not used: %s\n", ch.fallback);

  es_measure m;
  memset(&m, 0, sizeof m);
  m.cg_fd = -1;
  const es_meter_type *cpu_host = ch.cpu && ch.cpu->kind == ES_METER_HOST ? ch.cpu : NULL;
  if ((cpu_host || ch.gpu) && es_hostmeter_open(&m.host, cpu_host, ch.gpu, &cfg, why, sizeof why) < 0) {
    fprintf(stderr, "ecosweep: measure: %s\n", why);
    return 2;
  }
  es_cgroup_base *cg = NULL;
  char name[64];
  snprintf(name, sizeof name, "ecosweep-measure-%d", (int)getpid());
  if (es_cgroup_base_open(&cg, name, NULL, NULL, why, sizeof why) == 0 && es_cgroup_create(cg, "cmd", &m.cg_fd) != 0)
    m.cg_fd = -1;

  /* The command keeps our terminal; we ignore the keyboard's signals. */
  struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
  sigaction(SIGINT, &ign, &old_int);
  sigaction(SIGQUIT, &ign, &old_quit);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t def;
  sigemptyset(&def);
  sigaddset(&def, SIGINT);
  sigaddset(&def, SIGQUIT);
  posix_spawnattr_setsigdefault(&attr, &def);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  double t0 = mono_now();
  int home = m.cg_fd >= 0 ? es_cgroup_enter(cg, m.cg_fd) : -1; /* born in its cgroup */
  int rc = posix_spawnp(&m.pid, argv[0], NULL, &attr, argv, environ);
  posix_spawnattr_destroy(&attr);
  if (home >= 0 && es_cgroup_return(home) != 0) { /* we are in its group: give the group up */
    fprintf(stderr, "ecosweep: measure: cannot leave the command's cgroup; CPU time from /proc\n");
    close(m.cg_fd);
    m.cg_fd = -1;
    cg = NULL;
  }
  int code;
  double wall = 0;
  if (rc != 0) {
    fprintf(stderr, "ecosweep: measure: cannot run %s: %s\n", argv[0], strerror(rc));
    code = 127;
  } else {
    if (home < 0 && m.cg_fd >= 0 && es_cgroup_attach(m.cg_fd, m.pid) != 0) {
      es_cgroup_remove(cg, "cmd", m.cg_fd);
      m.cg_fd = -1;
    }
    if (m.host) {
      m.share.read_cpu = measure_read_cpu;
      m.share.ctx = &m;
      for (size_t g = 0; ch.gpu && g < es_hostmeter_gpu_count(m.host) && g < ES_HOSTMETER_MAX_GPUS; g++)
        m.share.gpus[m.share.n_gpus++] = g;
      es_hostmeter_join(m.host, &m.share);
    }
    uv_loop_t loop;
    uv_loop_init(&loop);
    int pidfd = (int)syscall(SYS_pidfd_open, m.pid, 0);
    uv_timer_init(&loop, &m.timer);
    m.timer.data = m.exit_poll.data = &m;
    if (pidfd >= 0) {
      uv_poll_init(&loop, &m.exit_poll, pidfd);
      uv_poll_start(&m.exit_poll, UV_READABLE, exit_cb);
      if (m.host)
        uv_timer_start(&m.timer, timer_cb, (uint64_t)(es_hostmeter_period(m.host) * 1000.0 + 0.5), 0);
      uv_run(&loop, UV_RUN_DEFAULT);
      close(pidfd);
    } else { /* no pidfds (Linux < 5.3): sample between blocking waits */
      while (!measure_reaped(&m)) {
        if (m.host) es_hostmeter_sample(m.host);
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
      }
      uv_close((uv_handle_t *)&m.timer, NULL);
      uv_run(&loop, UV_RUN_DEFAULT);
    }
    uv_loop_close(&loop);
    wall = mono_now() - t0;
    code = m.term_signal ? 128 + m.term_signal : (int)m.exit_status;
  }
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGQUIT, &old_quit, NULL);

  /* The figures. */
  const char *names[ES_HOSTMETER_MAX_GPUS + 16];
  double per[ES_HOSTMETER_MAX_GPUS + 16];
  size_t n_dom = 0;
  double total = 0, attributed = 0;
  int estimate = ch.cpu && ch.cpu->estimate;
  if (m.host) {
    n_dom = es_hostmeter_domains(m.host, names, sizeof names / sizeof *names);
    if (n_dom > sizeof names / sizeof *names) n_dom = sizeof names / sizeof *names;
    es_hostmeter_totals(m.host, &total, NULL, NULL, per, n_dom);
    attributed = es_hostmeter_share_joules(&m.share);
  }
  double est_cpu = 0, est_ram = 0;
  if (ch.cpu && ch.cpu->kind == ES_METER_TRIAL) {
    es_trial_usage u = {.cpu_s = m.cpu_final, .wall_s = wall, .rss_gib = (double)m.maxrss_kib / (1024.0 * 1024.0)};
    es_trial_usage cpu_only = u;
    cpu_only.wall_s = 0;
    double all = 0;
    ch.cpu->trial_joules(&cfg, &u, &all);
    ch.cpu->trial_joules(&cfg, &cpu_only, &est_cpu);
    est_ram = all - est_cpu;
    total += all;
    attributed += all;
  }
  const char *meter_name = es_meter_choice_label(&ch);
  double avg_w = wall > 0 ? total / wall : 0;
  double co2 = es_co2_grams(total, ES_CARBON_G_PER_KWH_DEFAULT, ES_CARBON_PUE_DEFAULT);
  if (json) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "meter", meter_name);
    cJSON_AddBoolToObject(o, "estimate", estimate);
    es_json_add_number(o, "energy_j", total);
    cJSON *d = cJSON_AddObjectToObject(o, "domains");
    for (size_t i = 0; i < n_dom; i++) es_json_add_number(d, names[i], per[i]);
    if (ch.cpu && ch.cpu->kind == ES_METER_TRIAL) {
      es_json_add_number(d, "cpu", est_cpu);
      es_json_add_number(d, "ram", est_ram);
    }
    es_json_add_number(o, "wall_s", wall);
    es_json_add_number(o, "cpu_s", m.cpu_final);
    es_json_add_number(o, "avg_w", avg_w);
    es_json_add_number(o, "co2_g", co2);
    es_json_add_number(o, "exit_code", code);
    es_json_add_number(o, "attributed_j", attributed);
    cJSON_AddStringToObject(o, "cpu_time", m.cg_fd >= 0 ? "cgroup" : "proc");
    char *text = cJSON_PrintUnformatted(o);
    if (text) printf("%s\n", text);
    cJSON_free(text);
    cJSON_Delete(o);
  } else {
    fprintf(stderr, "\n Energy of '%s", argv[0]);
    for (size_t i = 1; argv[i]; i++) fprintf(stderr, " %s", argv[i]);
    fprintf(stderr, "' (meter %s%s):\n\n", meter_name, estimate ? ": an ESTIMATE, not a measurement" : "");
    fprintf(stderr, " %14.3f J  %s", total, m.host ? "seen by the meters (" : "modelled (");
    for (size_t i = 0; i < n_dom; i++) fprintf(stderr, "%s%s %.3f J", i ? ", " : "", names[i], per[i]);
    if (ch.cpu && ch.cpu->kind == ES_METER_TRIAL)
      fprintf(stderr, "%scpu %.3f J, ram %.3f J", n_dom ? ", " : "", est_cpu, est_ram);
    fprintf(stderr, ")\n");
    fprintf(stderr, " %14.3f J  attributed to the command (its CPU-time share%s)\n", attributed,
            ch.gpu ? ", its GPUs in full" : "");
    fprintf(stderr, " %14.3f s  wall\n %14.3f s  CPU (%s)\n", wall, m.cpu_final,
            m.cg_fd >= 0 ? "cgroup" : "rusage");
    fprintf(stderr, " %14.3f W  average\n %14.6f g  CO2e at %g g/kWh\n\n", avg_w, co2, ES_CARBON_G_PER_KWH_DEFAULT);
  }
  if (m.cg_fd >= 0) es_cgroup_remove(cg, "cmd", m.cg_fd);
  es_cgroup_base_close(cg);
  es_hostmeter_close(m.host);
  return code;
}
