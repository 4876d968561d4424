/*
 * meter.h - the meter family (GSL-style type descriptors): where joules
 * come from.
 *
 * Each meter is one const es_meter_type in a file of its own; es_meter_types[]
 * is the name table that the spec's "meters" entries are looked up in.
 * A meter is one of three kinds:
 *
 *   ES_METER_TRIAL  turns one trial's usage into joules by itself
 *                   reported  the trial's own cumulative "energy_j" metric
 *                   estimate  CPU-seconds x watts per busy CPU (+ a RAM term);
 *                             always labelled an estimate
 *   ES_METER_HOST   cumulative counters of the whole CPU package(s) and DRAM
 *                   (rapl, perf, hwmon); meters/hostmeter.c samples them and
 *                   shares each interval's joules among trials by CPU time
 *   ES_METER_GPU    cumulative counters per device (nvml); a device is handed
 *                   to one trial whole and the trial gets its joules in full
 *
 * Counter kinds (HOST, GPU) implement open/domains/read/close: read() gives
 * each domain's joules since open, in 64-bit-safe doubles, wrap-arounds
 * already handled. The caller must read at least every max_period() seconds
 * (counter wrap, or power samples integrated over time).
 *
 * What this file does not do: sample on a timer or attribute anything
 * (hostmeter.h does both).
 */
#ifndef ES_METER_H
#define ES_METER_H

#include <stddef.h>

/* Default per-busy-CPU and RAM figures of the estimate (documented in
 * meter_estimate.c with their source). */
#define ES_ESTIMATE_CPU_WATTS_DEFAULT 10.0
#define ES_ESTIMATE_RAM_W_PER_GIB 0.375

typedef enum { ES_METER_TRIAL, ES_METER_HOST, ES_METER_GPU } es_meter_kind;

typedef struct {
  double cpu_watts;     /* estimate: watts per busy CPU; <= 0: from the CPU model table, else the default */
  double ram_watts;     /* estimate: flat watts while a trial runs; < 0: ES_ESTIMATE_RAM_W_PER_GIB x its peak RSS */
  int want_psys;        /* rapl: count the psys (platform) zone instead of packages + dram */
} es_meter_config;

/* What a trial used so far. */
typedef struct {
  double cpu_s;       /* CPU-seconds of the trial's process tree */
  double wall_s;      /* seconds since launch */
  double rss_gib;     /* peak resident memory of its largest process, GiB (0: unknown) */
  int has_reported;   /* the trial reported an "energy_j" metric */
  double reported_j;  /* its latest (cumulative) value */
} es_trial_usage;

typedef struct es_meter_type {
  const char *name;
  es_meter_kind kind;
  int estimate;     /* 1: the figures are modelled, never a measurement */
  const char *what; /* one line: what it reads */

  /* ES_METER_TRIAL. probe: 0 when usable here, else -errno and one line in
   * why (on success, why says what it will do). trial_joules: joules for
   * this usage, or -ENODATA when the meter has no figure (reported: nothing
   * reported yet). */
  int (*probe)(const es_meter_config *cfg, char *why, size_t why_len);
  int (*trial_joules)(const es_meter_config *cfg, const es_trial_usage *use, double *joules);

  /* ES_METER_HOST and ES_METER_GPU. open: find the hardware (under the
   * type's $ECOSWEEP_..._ROOT / _LIB), take the first readings as the
   * baseline; 0, or -errno with one line in why naming what is missing and,
   * for a permission error, the fix. */
  int (*open)(void **state, const es_meter_config *cfg, char *why, size_t why_len);
  /* Number of domains; their names ("package-0", "dram", "gpu0") go to
   * names[0..cap) when names is not NULL; strings live until close. */
  size_t (*domains)(const void *state, const char **names, size_t cap);
  /* Read now: per_domain[0..cap) gets each domain's joules since open.
   * 0, or -errno (then nothing is updated). */
  int (*read)(void *state, double *per_domain, size_t cap);
  /* Longest period in seconds between reads that loses nothing at this total
   * power (watts; <= 0 or NaN: unknown), capped at 10 s. */
  double (*max_period)(const void *state, double watts);
  /* One line: the smallest step the counters resolve and how they are read. */
  void (*resolution)(const void *state, char *buf, size_t len);
  /* ES_METER_GPU: the stable id of device i for CUDA_VISIBLE_DEVICES (the
   * GPU's UUID); 0 or -errno. NULL for other kinds. */
  int (*device_id)(const void *state, size_t i, char *buf, size_t len);
  void (*close)(void *state);
} es_meter_type;

extern const es_meter_type es_meter_reported;
extern const es_meter_type es_meter_estimate;
extern const es_meter_type es_meter_rapl;
extern const es_meter_type es_meter_perf;
extern const es_meter_type es_meter_hwmon;
extern const es_meter_type es_meter_nvml;

/* NULL-terminated table of every meter type. */
extern const es_meter_type *const es_meter_types[];

const es_meter_type *es_meter_lookup(const char *name);
void es_meter_names(char *buf, size_t len);

/* Can t be used here? 0, or -errno with one line in why. For counter kinds
 * this opens and closes it; domains (may be NULL) gets their names joined
 * by ", " and res (may be NULL) the resolution line. */
int es_meter_probe(const es_meter_type *t, const es_meter_config *cfg, char *why, size_t why_len, char *domains,
                   size_t domains_len, char *res, size_t res_len);

/* What the spec's "meters" list resolves to. */
typedef struct {
  const es_meter_type *cpu; /* the CPU source: a TRIAL or HOST meter */
  const es_meter_type *gpu; /* nvml, or NULL */
  char fallback[1024];      /* "" or one line: each better CPU meter auto skipped, and why */
} es_meter_choice;

/* Resolve the spec's "meters" list (NULL-terminated names, "auto" allowed).
 * auto: the first available of rapl > perf > hwmon > estimate, plus nvml
 * when want_gpu; fallback says why each better CPU meter was skipped.
 * A list: its first CPU meter and its GPU meter; a named meter that is
 * unavailable is an error. 0, or -EINVAL/-ENODEV with one line in err. */
int es_meter_select(char *const *names, const es_meter_config *cfg, int want_gpu, es_meter_choice *out, char *err,
                    size_t err_len);

/* The estimate's watts per busy CPU for this configuration (spec, CPU model
 * table, or the default); source (may be NULL) says which. */
double es_estimate_cpu_watts(const es_meter_config *cfg, char *source, size_t source_len);
/* The table's watts per busy CPU for a /proc/cpuinfo model name, or the
 * default; source (may be NULL) names the entry or says "default". */
double es_estimate_model_watts(const char *model_name, char *source, size_t source_len);

/* The static label for a meter name ("rapl", "estimate+nvml"), or NULL
 * when it is none of ecosweep's; the label of a choice ("unknown" never
 * happens for a choice es_meter_select made). Records point at these. */
const char *es_meter_label(const char *name);
const char *es_meter_choice_label(const es_meter_choice *ch);

/* Carbon defaults (DESIGN §3): 475 g CO2/kWh, the world-average carbon
 * intensity of electricity generation for 2018 in the IEA's Global Energy &
 * CO2 Status Report 2019, and a PUE of 1.0 (no data-centre overhead): override
 * both in the spec's "carbon" for your grid and site. */
#define ES_CARBON_G_PER_KWH_DEFAULT 475.0
#define ES_CARBON_PUE_DEFAULT 1.0

/* Carbon: grams of CO2e for joules at g_per_kwh and pue. */
double es_co2_grams(double joules, double g_per_kwh, double pue);

#endif
