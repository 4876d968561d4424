/*
 * hostmeter.c - sample host counters and share them among participants by
 * CPU time (see hostmeter.h for the rule).
 *
 * Why the clamp D = max(busy, sum of participants + self): /proc/stat counts
 * in 10 ms ticks while a cgroup counts microseconds, and the readings are
 * taken microseconds apart, so in a short interval the parts can add up to a
 * little more than the machine's busy time. Sharing by the larger of the two
 * never hands out more than the interval's joules.
 *
 * What it does not do: decide when to sample, or read a participant's CPU
 * time itself (its read_cpu does).
 */
#include "hostmeter.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct es_hostmeter {
  const es_meter_type *cpu_t, *gpu_t;
  void *cpu_st, *gpu_st;
  size_t n_cpu, n_gpu;
  double *now;          /* scratch: this sample's readings, cpu then gpu domains */
  double *last;         /* the last successful readings (joules since open) */
  es_meter_share **gpu_holder; /* n_gpu: who holds each GPU, or NULL */
  double busy_last;     /* /proc/stat busy CPU-seconds at the last sample */
  double self_last;     /* ecosweep's CPU-seconds at the last sample */
  double t_last;        /* monotonic seconds of the last sample */
  double cpu_watts;     /* the CPU source's power over the last interval */
  double gpu_watts;
  double hz;            /* sampling rate */
  es_meter_share *shares; /* participants, a doubly linked list */
  double participants_j;
  es_overhead oh;
};

static double mono_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double self_cpu_now(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return 0;
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int es_proc_busy(const char *root, double *busy_s) {
  char path[4200], buf[512];
  snprintf(path, sizeof path, "%s/stat", root ? root : "/proc");
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  ssize_t n;
  do n = read(fd, buf, sizeof buf - 1);
  while (n < 0 && errno == EINTR);
  int e = errno;
  close(fd);
  if (n < 0) return -e;
  buf[n] = '\0';
  /* "cpu  user nice system idle iowait irq softirq steal guest guest_nice" */
  unsigned long long v[8] = {0};
  if (strncmp(buf, "cpu ", 4) != 0 ||
      sscanf(buf + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
             &v[7]) < 4)
    return -EINVAL;
  static long hz;
  if (!hz) hz = sysconf(_SC_CLK_TCK);
  unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  *busy_s = (double)busy / (double)(hz > 0 ? hz : 100);
  return 0;
}

void es_attribute_interval(double dE, double busy, double self, const double *dc, size_t n, double *out,
                           es_overhead *oh) {
  double parts = self > 0 ? self : 0;
  for (size_t i = 0; i < n; i++) parts += dc[i] > 0 ? dc[i] : 0;
  double D = busy > parts ? busy : parts;
  if (!(D > 0)) { /* nothing used the CPU (or no reading): idle */
    oh->idle_j += dE;
    return;
  }
  double given = 0;
  for (size_t i = 0; i < n; i++) {
    double j = dc[i] > 0 ? dE * (dc[i] / D) : 0;
    out[i] += j;
    given += dc[i] > 0 ? dc[i] : 0;
  }
  double s = self > 0 ? self : 0;
  oh->ecosweep_j += dE * (s / D);
  oh->other_j += dE * ((D - given - s) / D);
}

static double sample_hz(void) {
  const char *e = getenv(ES_SAMPLE_HZ_ENV);
  if (e && *e) {
    char *end;
    double hz = strtod(e, &end);
    if (*end == '\0' && hz >= 0.1 && hz <= 1000) return hz;
  }
  return ES_SAMPLE_HZ_DEFAULT;
}

int es_hostmeter_open(es_hostmeter **out, const es_meter_type *cpu, const es_meter_type *gpu,
                      const es_meter_config *cfg, char *why, size_t why_len) {
  *out = NULL;
  if ((!cpu && !gpu) || (cpu && cpu->kind != ES_METER_HOST) || (gpu && gpu->kind != ES_METER_GPU)) {
    snprintf(why, why_len, "hostmeter: needs a host or GPU counter meter");
    return -EINVAL;
  }
  es_hostmeter *h = calloc(1, sizeof *h);
  if (!h) return -ENOMEM;
  h->cpu_t = cpu;
  h->gpu_t = gpu;
  h->hz = sample_hz();
  int rc = cpu ? cpu->open(&h->cpu_st, cfg, why, why_len) : 0;
  if (rc < 0) {
    free(h);
    return rc;
  }
  h->n_cpu = cpu ? cpu->domains(h->cpu_st, NULL, 0) : 0;
  if (gpu) {
    rc = gpu->open(&h->gpu_st, cfg, why, why_len);
    if (rc < 0) {
      if (cpu) cpu->close(h->cpu_st);
      free(h);
      return rc;
    }
    h->n_gpu = gpu->domains(h->gpu_st, NULL, 0);
  }
  size_t n = h->n_cpu + h->n_gpu;
  h->now = calloc(n + 1, sizeof *h->now);
  h->last = calloc(n + 1, sizeof *h->last);
  h->gpu_holder = calloc(h->n_gpu + 1, sizeof *h->gpu_holder);
  if (!h->now || !h->last || !h->gpu_holder) {
    es_hostmeter_close(h);
    return -ENOMEM;
  }
  if (es_proc_busy(NULL, &h->busy_last) < 0) h->busy_last = NAN;
  h->self_last = self_cpu_now();
  h->t_last = mono_now();
  *out = h;
  return 0;
}

double es_hostmeter_period(const es_hostmeter *h) {
  double p = 1.0 / h->hz;
  if (h->cpu_t) {
    double c = h->cpu_t->max_period(h->cpu_st, h->cpu_watts);
    if (c > 0 && c < p) p = c;
  }
  if (h->gpu_t) {
    double g = h->gpu_t->max_period(h->gpu_st, h->gpu_watts);
    if (g > 0 && g < p) p = g;
  }
  return p;
}

double es_hostmeter_age(const es_hostmeter *h) { return mono_now() - h->t_last; }

int es_hostmeter_sample(es_hostmeter *h) {
  int rc = h->cpu_t ? h->cpu_t->read(h->cpu_st, h->now, h->n_cpu) : 0;
  if (rc == 0 && h->gpu_t) rc = h->gpu_t->read(h->gpu_st, h->now + h->n_cpu, h->n_gpu);
  if (rc < 0) return rc;
  double t = mono_now(), dt = t - h->t_last;

  double dE = 0, dG = 0;
  for (size_t i = 0; i < h->n_cpu; i++) dE += h->now[i] - h->last[i];
  for (size_t g = 0; g < h->n_gpu; g++) {
    double d = h->now[h->n_cpu + g] - h->last[h->n_cpu + g];
    dG += d;
    es_meter_share *s = h->gpu_holder[g];
    if (s) {
      s->gpu_j += d;
      h->participants_j += d;
    } else {
      h->oh.gpu_idle_j += d;
    }
  }
  memcpy(h->last, h->now, (h->n_cpu + h->n_gpu) * sizeof *h->now);

  double busy = NAN, busy_d = 0;
  if (es_proc_busy(NULL, &busy) == 0 && !isnan(h->busy_last)) busy_d = busy - h->busy_last;
  h->busy_last = busy;
  double self = self_cpu_now(), self_d = self - h->self_last;
  h->self_last = self;

  /* Each participant's CPU time in the interval, then the shares. */
  size_t n = 0;
  for (es_meter_share *s = h->shares; s; s = s->next) n++;
  double small_dc[16] = {0}, small_out[16] = {0};
  double *dc = n <= 16 ? small_dc : calloc(n, sizeof *dc);
  double *out = n <= 16 ? small_out : calloc(n, sizeof *out);
  if (!dc || !out) { /* no memory: this interval's trial share goes to other */
    if (dc != small_dc) free(dc);
    if (out != small_out) free(out);
    n = 0;
    dc = small_dc;
    out = small_out;
  }
  size_t i = 0;
  for (es_meter_share *s = h->shares; s && i < n; s = s->next, i++) {
    double c = s->cpu_s;
    if (s->leaving)
      c = s->final_cpu;
    else if (s->read_cpu(s, &c) < 0)
      c = s->cpu_s;
    dc[i] = c > s->cpu_s ? c - s->cpu_s : 0;
    if (c > s->cpu_s) s->cpu_s = c;
    out[i] = 0;
  }
  es_attribute_interval(dE, busy_d, self_d, dc, n, out, &h->oh);
  i = 0;
  for (es_meter_share *s = h->shares; s && i < n; s = s->next, i++) {
    s->cpu_j += out[i];
    h->participants_j += out[i];
  }
  if (dc != small_dc) free(dc);
  if (out != small_out) free(out);

  if (dt > 1e-3) {
    h->cpu_watts = dE / dt;
    h->gpu_watts = dG / dt;
  }
  h->t_last = t;
  return 0;
}

void es_hostmeter_join(es_hostmeter *h, es_meter_share *s) {
  s->cpu_j = s->gpu_j = 0;
  s->leaving = 0;
  double c = 0;
  s->cpu_s = s->read_cpu(s, &c) == 0 ? c : 0;
  for (size_t k = 0; k < s->n_gpus; k++)
    if (s->gpus[k] < h->n_gpu) h->gpu_holder[s->gpus[k]] = s;
  s->prev = NULL;
  s->next = h->shares;
  if (h->shares) h->shares->prev = s;
  h->shares = s;
}

int es_hostmeter_leave(es_hostmeter *h, es_meter_share *s, double final_cpu_s) {
  s->leaving = 1;
  s->final_cpu = final_cpu_s;
  int rc = es_hostmeter_sample(h);
  if (s->prev)
    s->prev->next = s->next;
  else
    h->shares = s->next;
  if (s->next) s->next->prev = s->prev;
  s->prev = s->next = NULL;
  for (size_t g = 0; g < h->n_gpu; g++)
    if (h->gpu_holder[g] == s) h->gpu_holder[g] = NULL;
  return rc;
}

double es_hostmeter_share_joules(const es_meter_share *s) { return s->cpu_j + s->gpu_j; }

void es_hostmeter_totals(const es_hostmeter *h, double *total_j, double *participants_j, es_overhead *oh,
                         double *per_domain, size_t cap) {
  double t = 0;
  for (size_t i = 0; i < h->n_cpu + h->n_gpu; i++) {
    t += h->last[i];
    if (per_domain && i < cap) per_domain[i] = h->last[i];
  }
  if (total_j) *total_j = t;
  if (participants_j) *participants_j = h->participants_j;
  if (oh) *oh = h->oh;
}

size_t es_hostmeter_domains(const es_hostmeter *h, const char **names, size_t cap) {
  size_t n = h->cpu_t ? h->cpu_t->domains(h->cpu_st, names, cap) : 0;
  if (h->gpu_t) n += h->gpu_t->domains(h->gpu_st, names && cap > n ? names + n : NULL, cap > n ? cap - n : 0);
  return n;
}

size_t es_hostmeter_gpu_count(const es_hostmeter *h) { return h->n_gpu; }

int es_hostmeter_gpu_id(const es_hostmeter *h, size_t i, char *buf, size_t len) {
  if (!h->gpu_t || i >= h->n_gpu) return -ENODEV;
  return h->gpu_t->device_id(h->gpu_st, i, buf, len);
}

void es_hostmeter_close(es_hostmeter *h) {
  if (!h) return;
  if (h->cpu_st) h->cpu_t->close(h->cpu_st);
  if (h->gpu_st) h->gpu_t->close(h->gpu_st);
  free(h->now);
  free(h->last);
  free(h->gpu_holder);
  free(h);
}
