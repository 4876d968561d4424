/*
 * main.c - the ecosweep command line (DESIGN.md §2).
 *
 * Parses arguments, loads the spec, and hands over to sweep.c (run),
 * journal.c + outputs.c (front), journal.c + report.c (report). Every
 * error is one line on stderr, "ecosweep: <where>: <what>"; bad usage
 * exits 2.
 *
 * What it does not do: any sweep logic.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <gsl/gsl_errno.h>

#include "../meters/meter.h"
#include "../meters/powercap.h"
#include "journal.h"
#include "outputs.h"
#include "report.h"
#include "spec.h"
#include "exec.h"
#include "measure.h"
#include "sweep.h"

#define ES_VERSION "0.1.0"

static const char usage_text[] =
    "usage: ecosweep COMMAND [OPTIONS]\n"
    "\n"
    "Energy-aware hyperparameter sweeps: runs trials, meters their joules,\n"
    "and keeps the Pareto front of accuracy (or any metric) against energy.\n"
    "\n"
    "commands:\n"
    "  run SPEC.json [-o DIR] [--workers N] [--seed S] [--quiet] [--force]\n"
    "                      run a sweep; outputs go to DIR (default: the spec's\n"
    "                      \"output\", else runs/<name>)\n"
    "  front DIR [--format table|json|csv] [--max-energy J] [--min METRIC=V]\n"
    "                      print the Pareto front of a sweep, optionally only\n"
    "                      trials under J joules or with METRIC >= V\n"
    "  report DIR [-o FILE] [--format html|md]\n"
    "                      rebuild a sweep's page (default DIR/report.html, a\n"
    "                      self-contained file: plots of the front, hypervolume\n"
    "                      against joules, the front's table, the totals), or\n"
    "                      print the totals and the front as markdown (md)\n"
    "  resume DIR [--quiet] continue an interrupted sweep: ended trials keep their\n"
    "                      results, trials that were running start again\n"
    "  validate SPEC.json  check a spec file; exit 2 with the first error\n"
    "  meters [--json]     list the meters, whether they can be used here and why\n"
    "  measure [--meter M] [--json] -- CMD [ARG...]\n"
    "                      meter one command's energy (like perf stat) and exit\n"
    "                      with its status\n"
    "  help COMMAND, COMMAND --help   that command's options\n"
    "  --help, --version\n"
    "\n"
    "search (spec \"strategy\"): samplers random, sobol, grid, nsga2; early\n"
    "stopping (\"halving\") none, sha, asha, hyperband with selection pareto,\n"
    "epsnet or scalar; energy (\"meters\") auto (rapl > perf > hwmon > estimate,\n"
    "plus nvml for trials given GPUs), or a list of rapl, perf, hwmon, nvml,\n"
    "estimate, reported. Package joules are shared among concurrent trials by\n"
    "CPU time, sampled at $ECOSWEEP_SAMPLE_HZ (default 10). README.md has the\n"
    "whole spec reference.\n"
    "\n"
    "exit status: 0 done with a non-empty front; 1 failed (no front, every\n"
    "trial failed, workers.max_failures, I/O error); 2 bad usage or bad spec;\n"
    "130/143 stopped by SIGINT/SIGTERM after writing every output.\n";

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "ecosweep: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, " (see ecosweep --help)\n");
  return 2;
}

static int parse_long(const char *s, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

static int parse_double(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !isfinite(v)) return -1;
  *out = v;
  return 0;
}

static int cmd_validate(int argc, char **argv) {
  if (argc != 1) return usage_error("validate: expects one SPEC.json%s", "");
  es_spec spec;
  char err[1024];
  if (es_spec_load(argv[0], &spec, err, sizeof err) != 0) {
    fprintf(stderr, "ecosweep: %s\n", err);
    return 2;
  }
  printf("%s: ok (%zu parameters, %zu objectives, sampler %s)\n", argv[0], spec.space.n, spec.n_objectives,
         spec.strategy.sampler);
  es_spec_free(&spec);
  return 0;
}

static int cmd_run(int argc, char **argv) {
  const char *spec_path = NULL, *out = NULL;
  long workers = 0, seed = -1;
  es_run_options opt = {0};
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc)
      out = argv[++i];
    else if (!strcmp(a, "--workers") && i + 1 < argc) {
      if (parse_long(argv[++i], 1, 4096, &workers) != 0)
        return usage_error("run: --workers: not an integer in 1..4096: %s", argv[i]);
    } else if (!strcmp(a, "--seed") && i + 1 < argc) {
      if (parse_long(argv[++i], 0, LONG_MAX, &seed) != 0)
        return usage_error("run: --seed: not a non-negative integer: %s", argv[i]);
    } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q"))
      opt.quiet = 1;
    else if (!strcmp(a, "--force"))
      opt.force = 1;
    else if (a[0] == '-' && a[1])
      return usage_error("run: unknown or incomplete option %s", a);
    else if (!spec_path)
      spec_path = a;
    else
      return usage_error("run: unexpected argument %s", a);
  }
  if (!spec_path) return usage_error("run: expects SPEC.json%s", "");
  es_spec spec;
  char err[1024];
  if (es_spec_load(spec_path, &spec, err, sizeof err) != 0) {
    fprintf(stderr, "ecosweep: %s\n", err);
    return 2;
  }
  if (workers > 0) spec.workers.count = (int)workers;
  if (seed >= 0) {
    spec.seed = (unsigned long)seed;
    spec.has_seed = 1;
  }
  char dir[2 * PATH_MAX + 2];
  const char *target = out ? out : spec.output;
  if (target[0] == '/') {
    snprintf(dir, sizeof dir, "%s", target);
  } else {
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) {
      fprintf(stderr, "ecosweep: cannot read the current directory: %s\n", strerror(errno));
      es_spec_free(&spec);
      return 1;
    }
    snprintf(dir, sizeof dir, "%s/%s", cwd, target);
  }
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/') dir[--n] = '\0';
  opt.dir = dir;
  int status = es_sweep_run(&spec, &opt);
  es_spec_free(&spec);
  return status;
}

static int cmd_resume(int argc, char **argv) {
  const char *dir = NULL;
  es_run_options opt = {0};
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q"))
      opt.quiet = 1;
    else if (argv[i][0] == '-' && argv[i][1])
      return usage_error("resume: unknown option %s", argv[i]);
    else if (!dir)
      dir = argv[i];
    else
      return usage_error("resume: unexpected argument %s", argv[i]);
  }
  if (!dir) return usage_error("resume: expects DIR%s", "");
  char abs[2 * PATH_MAX + 2], cwd[PATH_MAX], path[2 * PATH_MAX + 32], err[1024];
  if (dir[0] == '/')
    snprintf(abs, sizeof abs, "%s", dir);
  else if (getcwd(cwd, sizeof cwd))
    snprintf(abs, sizeof abs, "%s/%s", cwd, dir);
  else
    return usage_error("resume: cannot read the current directory%s", "");
  size_t n = strlen(abs);
  while (n > 1 && abs[n - 1] == '/') abs[--n] = '\0';
  snprintf(path, sizeof path, "%s/journal.jsonl", abs);
  es_journal_state st;
  if (es_journal_replay(path, &st, err, sizeof err) != 0) {
    fprintf(stderr, "ecosweep: %s\n", err);
    es_journal_state_free(&st);
    return 2;
  }
  if (st.torn_tail) {
    /* Cut the torn line off, so the events resume appends start on a line
     * of their own. */
    fprintf(stderr, "ecosweep: %s: the last line is incomplete; it is dropped\n", path);
    if (truncate(path, (off_t)st.valid_bytes) != 0) {
      fprintf(stderr, "ecosweep: %s: %s\n", path, strerror(errno));
      es_journal_state_free(&st);
      return 1;
    }
  }
  size_t open_trials = 0;
  for (size_t i = 0; i < st.records.n; i++)
    open_trials += st.records.v[i].status == ES_STATUS_PENDING || st.records.v[i].status == ES_STATUS_KILLED;
  /* The sweep runs as it was started: its spec (from the journal), its
   * trials' directory, its seed, its output directory. */
  es_spec spec = st.spec;
  memset(&st.spec, 0, sizeof st.spec);
  if (st.workdir) {
    free(spec.workdir);
    spec.workdir = st.workdir;
    st.workdir = NULL;
  }
  spec.seed = st.seed;
  spec.has_seed = 1;
  if (st.finished && open_trials == 0 && (!spec.budget.has_trials || (long)st.records.n >= spec.budget.trials)) {
    printf("%s: the sweep has finished; nothing to resume\n", abs);
    es_spec_free(&spec);
    es_journal_state_free(&st);
    return 0;
  }
  opt.dir = abs;
  opt.resume = &st;
  int status = es_sweep_run(&spec, &opt);
  es_spec_free(&spec);
  es_journal_state_free(&st);
  return status;
}

static int cmd_front(int argc, char **argv) {
  const char *dir = NULL;
  es_front_query q = {0};
  q.format = "table";
  char *min_arg = NULL;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--format") && i + 1 < argc) {
      q.format = argv[++i];
      if (strcmp(q.format, "table") && strcmp(q.format, "json") && strcmp(q.format, "csv"))
        return usage_error("front: --format: expected table, json or csv, not %s", q.format);
    } else if (!strcmp(a, "--max-energy") && i + 1 < argc) {
      if (parse_double(argv[++i], &q.max_energy) != 0)
        return usage_error("front: --max-energy: not a number: %s", argv[i]);
      q.has_max_energy = 1;
    } else if (!strcmp(a, "--min") && i + 1 < argc) {
      min_arg = argv[++i];
      char *eq = strchr(min_arg, '=');
      if (!eq || eq == min_arg || parse_double(eq + 1, &q.min_value) != 0)
        return usage_error("front: --min: expected METRIC=VALUE, not %s", min_arg);
      *eq = '\0';
      q.min_metric = min_arg;
    } else if (a[0] == '-' && a[1])
      return usage_error("front: unknown or incomplete option %s", a);
    else if (!dir)
      dir = a;
    else
      return usage_error("front: unexpected argument %s", a);
  }
  if (!dir) return usage_error("front: expects DIR%s", "");
  char path[PATH_MAX], err[1024];
  snprintf(path, sizeof path, "%s/journal.jsonl", dir);
  es_journal_state st;
  if (es_journal_replay(path, &st, err, sizeof err) != 0) {
    fprintf(stderr, "ecosweep: %s\n", err);
    es_journal_state_free(&st);
    return errno == ENOENT ? 2 : 1;
  }
  if (st.torn_tail) fprintf(stderr, "ecosweep: %s: the last line is incomplete and was skipped\n", path);
  q.dir = dir;
  int rc = es_front_print(stdout, &st.spec, &st.records, &q);
  es_journal_state_free(&st);
  if (rc != 0) {
    fprintf(stderr, "ecosweep: %s: %s\n", dir, strerror(-rc));
    return 1;
  }
  return 0;
}

/* report DIR [-o FILE] [--format html|md]: the page a sweep leaves, rebuilt
 * from its journal (so it also works while the sweep runs, or after a
 * crash); markdown goes to stdout unless -o says otherwise. */
static int cmd_report(int argc, char **argv) {
  const char *dir = NULL, *out = NULL;
  es_report_format format = ES_REPORT_HTML;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) {
      out = argv[++i];
    } else if (!strcmp(a, "--format") && i + 1 < argc) {
      const char *f = argv[++i];
      if (!strcmp(f, "html"))
        format = ES_REPORT_HTML;
      else if (!strcmp(f, "md") || !strcmp(f, "markdown"))
        format = ES_REPORT_MD;
      else
        return usage_error("report: --format: expected html or md, not %s", f);
    } else if (a[0] == '-' && a[1])
      return usage_error("report: unknown or incomplete option %s", a);
    else if (!dir)
      dir = a;
    else
      return usage_error("report: unexpected argument %s", a);
  }
  if (!dir) return usage_error("report: expects DIR%s", "");
  char path[PATH_MAX], target[PATH_MAX], err[1024];
  snprintf(path, sizeof path, "%s/journal.jsonl", dir);
  if (access(path, F_OK) != 0) {
    fprintf(stderr, "ecosweep: %s: no journal.jsonl: not the output directory of a sweep\n", dir);
    return 1;
  }
  es_journal_state st;
  if (es_journal_replay(path, &st, err, sizeof err) != 0) {
    fprintf(stderr, "ecosweep: %s\n", err);
    es_journal_state_free(&st);
    return 1;
  }
  if (!st.has_sweep) {
    fprintf(stderr, "ecosweep: %s: no sweep event: not a sweep's journal\n", path);
    es_journal_state_free(&st);
    return 1;
  }
  if (st.torn_tail) fprintf(stderr, "ecosweep: %s: the last line is incomplete and was skipped\n", path);
  /* The totals as the sweep had them when it wrote its outputs: its last
   * "finish" event; without one, what the trials alone tell. */
  es_totals tot = {0};
  if (st.finished) {
    tot.total_j = st.total_j;
    tot.overhead_j = st.overhead_j;
    tot.ecosweep_j = st.ecosweep_j;
    tot.other_j = st.other_j;
    tot.idle_j = st.idle_j;
    tot.gpu_idle_j = st.gpu_idle_j;
    tot.metered = st.metered;
    tot.wall_s = st.wall_s;
  } else {
    tot.unfinished = 1;
    tot.wall_s = st.wall_spent + (st.seg_last > st.seg_start ? st.seg_last - st.seg_start : 0);
  }
  if (out)
    snprintf(target, sizeof target, "%s", out);
  else if (format == ES_REPORT_MD)
    snprintf(target, sizeof target, "-");
  else
    snprintf(target, sizeof target, "%s/report.html", dir);
  int rc = es_report_save(target, format, &st.spec, &st.records, &tot, err, sizeof err);
  es_journal_state_free(&st);
  if (rc != 0) {
    fprintf(stderr, "ecosweep: %s\n", err);
    return 1;
  }
  if (strcmp(target, "-") != 0) printf("%s\n", target);
  return 0;
}

/* One meter's row: the table line, or an object in the JSON list. */
static void meter_row(cJSON *list, const es_meter_type *t, int ok, const char *why, const char *domains,
                      const char *res) {
  if (!list) {
    printf("%-9s %-12s %-22s %s%s%s%s\n", t->name, ok ? "available" : "unavailable", domains[0] ? domains : "-",
           why, res[0] ? "; " : "", res, t->estimate ? " [estimate]" : "");
    return;
  }
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "name", t->name);
  cJSON_AddBoolToObject(o, "available", ok);
  cJSON *d = cJSON_AddArrayToObject(o, "domains");
  char copy[512];
  snprintf(copy, sizeof copy, "%s", domains);
  char *save = NULL;
  for (char *tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
    cJSON_AddItemToArray(d, cJSON_CreateString(tok));
  cJSON_AddStringToObject(o, "why", why);
  cJSON_AddStringToObject(o, "resolution", res);
  cJSON_AddBoolToObject(o, "estimate", t->estimate);
  cJSON_AddItemToArray(list, o);
}

static int cmd_meters(int argc, char **argv) {
  int json = argc == 1 && !strcmp(argv[0], "--json");
  if (argc > 1 || (argc == 1 && !json)) return usage_error("meters: unexpected argument %s", argv[0]);
  es_meter_config cfg = {0, -1, 0};
  cJSON *list = json ? cJSON_CreateArray() : NULL;
  if (!json) printf("%-9s %-12s %-22s %s\n", "meter", "status", "domains", "why / resolution");
  for (size_t i = 0; es_meter_types[i]; i++) {
    const es_meter_type *t = es_meter_types[i];
    char why[512], domains[512], res[256];
    int ok = es_meter_probe(t, &cfg, why, sizeof why, domains, sizeof domains, res, sizeof res) == 0;
    meter_row(list, t, ok, why, domains, res);
  }
  if (list) {
    char *text = cJSON_Print(list);
    if (text) printf("%s\n", text);
    cJSON_free(text);
    cJSON_Delete(list);
    return 0;
  }
  char *names[] = {(char *)"auto", NULL}, err[256];
  es_meter_choice ch;
  if (es_meter_select(names, &cfg, 1, &ch, err, sizeof err) == 0)
    printf("\n\"auto\" uses %s%s%s%s\n", ch.cpu->name, ch.gpu ? " + " : "", ch.gpu ? ch.gpu->name : "",
           ch.cpu->estimate ? ": every CPU figure is an estimate, not a measurement" : "");
  return 0;
}

/* measure [--meter M] [--json] -- CMD [ARG...] */
static int cmd_measure(int argc, char **argv) {
  const char *meter = NULL;
  int json = 0, i = 0;
  for (; i < argc; i++) {
    if (!strcmp(argv[i], "--")) {
      i++;
      break;
    }
    if (!strcmp(argv[i], "--json"))
      json = 1;
    else if (!strcmp(argv[i], "--meter") && i + 1 < argc)
      meter = argv[++i];
    else if (!strncmp(argv[i], "--meter=", 8))
      meter = argv[i] + 8;
    else if (argv[i][0] == '-')
      return usage_error("measure: unknown option %s", argv[i]);
    else
      break; /* the command, without "--" */
  }
  if (i >= argc) return usage_error("measure: %s", "no command given (ecosweep measure [--meter M] [--json] -- CMD)");
  return es_measure_run(argv + i, meter, json);
}

/* Per-command help: `ecosweep CMD --help` or `ecosweep help CMD`. */
typedef struct {
  const char *name;
  const char *text;
} command_help;

static const command_help helps[] = {
    {"run", "usage: ecosweep run SPEC.json [-o DIR] [--workers N] [--seed S] [--quiet] [--force]\n"
            "\n"
            "Run the sweep SPEC.json describes. Outputs go to DIR (default: the spec's\n"
            "\"output\", else runs/<name>): journal.jsonl, trials.csv, front.json,\n"
            "front.csv, summary.json, report.html and trials/<id>/. A directory of a\n"
            "different sweep needs --force (resume continues the same sweep).\n"
            "\n"
            "  -o DIR       output directory\n"
            "  --workers N  trials in flight (overrides workers.count)\n"
            "  --seed S     the seed (overrides the spec's; default random, journaled)\n"
            "  --quiet      no per-trial lines and no status line\n"
            "  --force      reuse the directory of another sweep\n"
            "\n"
            "On a terminal a status line is redrawn in place; otherwise it is printed\n"
            "every $ECOSWEEP_PROGRESS_S seconds (10). Exit: 0 done with a front, 1\n"
            "failed, 2 bad usage or spec (nothing created), 130/143 on SIGINT/SIGTERM.\n"},
    {"resume", "usage: ecosweep resume DIR [--quiet]\n"
               "\n"
               "Continue a sweep that was stopped or died (even by kill -9): ended trials\n"
               "keep their results, leftover processes of the dead run are ended, trials\n"
               "that were running start again with the same id, parameters and directory\n"
               "(ECOSWEEP_RESUMED=1), and the sampler, rungs and budgets continue.\n"},
    {"front", "usage: ecosweep front DIR [--format table|json|csv] [--max-energy J] [--min METRIC=V]\n"
              "\n"
              "Print the Pareto front of a sweep (also of one still running): id,\n"
              "objectives, status, parameters and the trial's directory.\n"
              "  --max-energy J   only trials that used at most J joules\n"
              "  --min METRIC=V   only trials with METRIC >= V (repeatable)\n"},
    {"report", "usage: ecosweep report DIR [-o FILE] [--format html|md]\n"
               "\n"
               "html (default): write the self-contained page (the objectives' plane with\n"
               "every trial and the front, hypervolume against joules, the front table,\n"
               "the totals) to DIR/report.html or FILE (- for stdout). md: print the totals\n"
               "and the front as Markdown tables, e.g. >> \"$GITHUB_STEP_SUMMARY\".\n"},
    {"measure", "usage: ecosweep measure [--meter M] [--json] -- CMD [ARG...]\n"
                "\n"
                "Run CMD under the meters, like perf stat: every joule the meters saw over\n"
                "its life (per domain), its CPU-time share, wall and CPU time, average\n"
                "watts, grams of CO2e. Exits with CMD's status (127: could not start;\n"
                "128+N: killed by signal N).\n"
                "  --meter M   auto (default), rapl, perf, hwmon, nvml or estimate\n"
                "  --json      one JSON object on stdout instead of the table on stderr\n"},
    {"meters", "usage: ecosweep meters [--json]\n"
               "\n"
               "One line per meter: available or not, the domains it reads, its\n"
               "resolution, and why not. --json: a list of {name, available, domains,\n"
               "why, resolution, estimate} objects. Where meters look:\n"
               "$ECOSWEEP_POWERCAP_ROOT, $ECOSWEEP_HWMON_ROOT, $ECOSWEEP_PERF_ROOT,\n"
               "$ECOSWEEP_NVML_LIB.\n"},
    {"validate", "usage: ecosweep validate SPEC.json\n"
                 "\n"
                 "Check a spec; exit 0, or 2 with one line naming the file and JSON path.\n"},
    {"exec", "usage: ecosweep exec -- CMD [ARG...]\n"
             "\n"
             "The node side of the slurm launcher (srun starts it; not for direct use):\n"
             "dial $ECOSWEEP_CONNECT with $ECOSWEEP_TOKEN, run CMD with fd 3, meter it\n"
             "with this node's meters and relay its reports.\n"},
    {NULL, NULL}};

static int command_usage(const char *cmd, FILE *out) {
  for (size_t i = 0; helps[i].name; i++)
    if (!strcmp(helps[i].name, cmd)) {
      fputs(helps[i].text, out);
      return 0;
    }
  return -1;
}

int main(int argc, char **argv) {
  /* GSL's default handler aborts; every GSL call here checks its result. */
  gsl_set_error_handler_off();
  if (argc < 2) {
    fputs(usage_text, stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    if (argc > 2 && !strcmp(cmd, "help")) {
      if (command_usage(argv[2], stdout) == 0) return 0;
      return usage_error("help: unknown command %s", argv[2]);
    }
    fputs(usage_text, stdout);
    return 0;
  }
  if (!strcmp(cmd, "--version")) {
    printf("ecosweep %s\n", ES_VERSION);
    return 0;
  }
  /* CMD --help, unless it is measure's or exec's command after "--". */
  if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")) && command_usage(cmd, stdout) == 0)
    return 0;
  if (!strcmp(cmd, "run")) return cmd_run(argc - 2, argv + 2);
  if (!strcmp(cmd, "validate")) return cmd_validate(argc - 2, argv + 2);
  if (!strcmp(cmd, "front")) return cmd_front(argc - 2, argv + 2);
  if (!strcmp(cmd, "meters")) return cmd_meters(argc - 2, argv + 2);
  if (!strcmp(cmd, "resume")) return cmd_resume(argc - 2, argv + 2);
  if (!strcmp(cmd, "measure")) return cmd_measure(argc - 2, argv + 2);
  if (!strcmp(cmd, "report")) return cmd_report(argc - 2, argv + 2);
  if (!strcmp(cmd, "exec")) {
    if (argc < 3 || (argc == 3 && !strcmp(argv[2], "--"))) return usage_error("exec: %s", "no command given");
    return es_exec_run(!strcmp(argv[2], "--") ? argv + 3 : argv + 2);
  }
  return usage_error("unknown command %s", cmd);
}
