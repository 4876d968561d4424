/*
 * hostmeter.h - sampling host energy counters and attributing them.
 *
 * A hostmeter owns the open counter meters of one sweep (or one `measure`):
 * a CPU source of kind ES_METER_HOST (rapl, perf, hwmon) and, optionally, a
 * GPU source (nvml). Every sample reads the counters, the machine's busy CPU
 * time (/proc/stat), ecosweep's own CPU time and each participant's CPU
 * time, and shares the interval's package joules (DESIGN §5):
 *
 *   D = max(machine busy time, sum of the participants' + ecosweep's)
 *   participant i gets  dE * dc_i / D
 *   ecosweep      gets  dE * dc_self / D
 *   other processes     dE * (D - sum dc_i - dc_self) / D
 *   idle (D == 0)       dE
 *
 * GPUs are handed out whole: a GPU's joules go to the participant holding it,
 * or to overhead ("gpu_idle") while nobody does. Overhead is the sum of its
 * parts, never total minus trials, so trials + overhead = total is a check.
 *
 * A participant is an es_meter_share the caller embeds in its own struct and
 * keeps alive from es_hostmeter_join until es_hostmeter_leave returns; the
 * caller supplies its CPU reader (a per-trial cgroup, or /proc over its
 * process tree).
 *
 * What it does not do: own a timer (the caller samples every
 * es_hostmeter_period() seconds), launch or find processes, or know libuv.
 */
#ifndef ES_HOSTMETER_H
#define ES_HOSTMETER_H

#include <stddef.h>

#include "meter.h"

#define ES_HOSTMETER_MAX_GPUS 64
#define ES_SAMPLE_HZ_ENV "ECOSWEEP_SAMPLE_HZ"
#define ES_SAMPLE_HZ_DEFAULT 10.0

typedef struct es_meter_share es_meter_share;

struct es_meter_share {
  /* Set by the caller before join. read_cpu: CPU-seconds of the
   * participant's whole process tree now (0 or -errno; on error the sample
   * counts no new CPU time for it). */
  int (*read_cpu)(es_meter_share *s, double *cpu_s);
  void *ctx;                         /* for read_cpu */
  size_t n_gpus;                     /* GPUs held, indexes into the GPU source */
  size_t gpus[ES_HOSTMETER_MAX_GPUS];

  /* Kept by the hostmeter. */
  double cpu_s;     /* CPU-seconds at the last sample */
  double cpu_j;     /* package joules attributed so far */
  double gpu_j;     /* GPU joules so far */
  double final_cpu; /* leave: the exact final CPU time, used instead of read_cpu */
  int leaving;
  es_meter_share *prev, *next;
};

/* Overhead, built from its parts. */
typedef struct {
  double ecosweep_j; /* ecosweep's own CPU share */
  double other_j;    /* other processes' CPU share */
  double idle_j;     /* intervals in which nothing used the CPU */
  double gpu_idle_j; /* GPUs while no participant held them */
} es_overhead;

typedef struct es_hostmeter es_hostmeter;

/* Open the CPU source (kind HOST; NULL when the CPU side is a trial meter
 * such as the estimate) and, when gpu is not NULL, the GPU source, taking their first readings and the first /proc/stat reading.
 * 0, or -errno with one line in why. */
int es_hostmeter_open(es_hostmeter **out, const es_meter_type *cpu, const es_meter_type *gpu,
                      const es_meter_config *cfg, char *why, size_t why_len);

/* Seconds until the next sample is due: 1/ECOSWEEP_SAMPLE_HZ (default 10 Hz),
 * shorter when the counters would otherwise wrap unseen at the power seen. */
double es_hostmeter_period(const es_hostmeter *h);

/* Read everything now and attribute the interval since the last sample.
 * 0, or -errno when a counter could not be read (that interval's joules
 * are then attributed at the next sample that succeeds). */
int es_hostmeter_sample(es_hostmeter *h);

/* Seconds since the last sample (monotonic). */
double es_hostmeter_age(const es_hostmeter *h);

/* Add a participant; its CPU time so far is read now as its baseline
 * (a trial joins right after it is spawned, so that is ~0). */
void es_hostmeter_join(es_hostmeter *h, es_meter_share *s);

/* Its final sample: final_cpu_s is its exact CPU time at exit (rusage or its
 * cgroup); the interval up to now is attributed and s is removed. */
int es_hostmeter_leave(es_hostmeter *h, es_meter_share *s, double final_cpu_s);

/* Joules attributed to s so far (CPU share + its GPUs). */
double es_hostmeter_share_joules(const es_meter_share *s);

/* Totals since open: everything metered, what went to participants, the
 * overhead parts. per_domain[0..cap) (may be NULL) gets each domain's joules
 * in es_hostmeter_domains order. */
void es_hostmeter_totals(const es_hostmeter *h, double *total_j, double *participants_j, es_overhead *oh,
                         double *per_domain, size_t cap);

/* Domain names: the CPU source's, then the GPU source's. */
size_t es_hostmeter_domains(const es_hostmeter *h, const char **names, size_t cap);

/* The GPU source's device count and ids (UUIDs), for CUDA_VISIBLE_DEVICES. */
size_t es_hostmeter_gpu_count(const es_hostmeter *h);
int es_hostmeter_gpu_id(const es_hostmeter *h, size_t i, char *buf, size_t len);

void es_hostmeter_close(es_hostmeter *h);

/* The attribution of one interval (pure; exposed for the tests): dE joules,
 * busy machine CPU-seconds, self ecosweep's CPU-seconds, dc[0..n) the
 * participants' CPU-seconds. Adds to out[0..n) and to oh. */
void es_attribute_interval(double dE, double busy, double self, const double *dc, size_t n, double *out,
                           es_overhead *oh);

/* Busy CPU-seconds of the whole machine since boot from /proc/stat
 * (user+nice+system+irq+softirq+steal; guest time is inside user).
 * 0 or -errno. root: NULL for /proc. */
int es_proc_busy(const char *root, double *busy_s);

#endif
