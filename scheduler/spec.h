/*
 * spec.h - the sweep spec file (DESIGN.md §3): parse, validate, default.
 *
 * es_spec_load() reads one JSON file with cJSON, rejects unknown keys
 * (reported before missing ones), checks every value, fills in every
 * documented default and resolves relative paths. On error it returns a
 * negative code and leaves one line in err of the form
 *   "spec.json: parameters.lr.low: must be < high"
 * (file as given, then the JSON path, then what is wrong). It never
 * touches anything but the spec file.
 */
#ifndef ES_SPEC_H
#define ES_SPEC_H

#include <stddef.h>

#include "../strategies/space.h"

#define ES_SPEC_MAX_OBJECTIVES 64

typedef struct {
  char *metric;      /* owned */
  int maximize;      /* goal "max" */
  int has_reference; /* "reference" given */
  double reference;
} es_objective;

typedef struct {
  char *metric;
  int has_min, has_max;
  double min, max;
} es_constraint;

typedef struct {
  double at;      /* fraction of every budget, (0, 1] */
  char **argv;    /* owned, NULL-terminated */
  size_t argc;
} es_alert;

typedef struct es_spec {
  char *path;      /* the spec file as given on the command line */
  char *name;      /* "name", default: file name without .json */
  char **command;  /* argv template, NULL-terminated, owned */
  size_t command_len;
  char *workdir;   /* absolute: "workdir" relative to the spec file's directory,
                      default the current directory */

  es_space space;  /* "parameters", in the order written in the file */

  es_objective *objectives;
  size_t n_objectives;
  es_constraint *constraints;
  size_t n_constraints;

  struct {
    double min, max, eta; /* defaults 1, 1, 3 */
    int brackets;         /* default 1 */
    char *metric;         /* "step" (default) or "energy_j" */
    double max_step;      /* with metric energy_j: what trials are told; else = max */
  } resource;

  struct {
    char *sampler;   /* default "random" */
    char *halving;   /* default "none" */
    char *selection; /* default "pareto" */
  } strategy;

  struct {
    int has_trials, has_energy_j, has_wall_s, has_trial_energy_j;
    long trials;     /* default 100 (grid: the whole grid) when no budget key is given */
    double energy_j, wall_s, trial_energy_j;
  } budget;

  es_alert *alerts;
  size_t n_alerts;

  struct {
    int count;            /* default: online CPUs */
    char *launcher;       /* "local" (default) or "slurm" */
    double timeout_s;     /* 0 = none (default) */
    double grace_s;       /* default 10 */
    int max_failures;     /* 0 = no limit (default) */
    int gpus_per_trial;   /* default 0 */
    long long log_cap_bytes; /* default 10 MiB per stream */
    int retries;          /* default 0 */
    char *listen;         /* remote launchers: "host:port", NULL = default */
    struct {
      char *partition;    /* NULL = cluster default */
      int cpus_per_trial; /* 0 = unset */
      char *time_limit;   /* NULL = unset */
      char **srun_args;   /* NULL-terminated, may be empty */
      size_t n_srun_args;
    } slurm;
  } workers;

  char **meters;   /* NULL-terminated; default {"auto"} */
  size_t n_meters;

  struct {
    int has_cpu_watts;
    double cpu_watts; /* per busy core */
    int has_ram_watts;
    double ram_watts;
  } estimate;

  struct {
    double g_per_kwh; /* default 475 */
    double pue;       /* default 1.0 */
  } carbon;

  int has_seed;
  unsigned long seed;

  char *output;        /* absolute; default runs/<name> relative to the cwd */
  char hash[17];       /* 16 hex digits: hash of the spec file's canonical JSON */
} es_spec;

/* 0, or a negative errno code with a one-line message in err. */
int es_spec_load(const char *path, es_spec *spec, char *err, size_t err_len);
/* Same, from text already in memory (path names it in messages). */
int es_spec_parse(const char *path, const char *text, size_t len, es_spec *spec, char *err, size_t err_len);
void es_spec_free(es_spec *spec);

#endif
