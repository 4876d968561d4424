/*
 * test_spec.c - the spec file: defaults, the full DESIGN §3 example, grid
 * budgets, paths, the hash, and a table of invalid specs each checked
 * against its exact one-line message.
 *
 * Specs are inline strings written with ' for " (see json()) so that the
 * table stays readable; the test runs from any directory. The file-based
 * cases write into a fresh directory under $TMPDIR (or /tmp) and remove it.
 *
 * What it does not test: running a sweep from the spec (integration tests).
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scheduler/spec.h"

/* The spec text with every ' turned into " (tests need no other '). */
static char *json(const char *text) {
  char *s = strdup(text);
  assert_non_null(s);
  for (char *p = s; *p; p++)
    if (*p == '\'') *p = '"';
  return s;
}

static int parse(const char *text, es_spec *spec, char *err, size_t err_len) {
  char *t = json(text);
  int rc = es_spec_parse("spec.json", t, strlen(t), spec, err, err_len);
  free(t);
  return rc;
}

static void parse_ok(const char *text, es_spec *spec) {
  char err[512] = "";
  if (parse(text, spec, err, sizeof err) != 0) fail_msg("unexpected error: %s", err);
}

static char *cwd_join(const char *rest) {
  char cwd[PATH_MAX];
  assert_non_null(getcwd(cwd, sizeof cwd));
  char *s = malloc(strlen(cwd) + strlen(rest) + 2);
  assert_non_null(s);
  sprintf(s, "%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "", rest);
  return s;
}

#define CMD "'command': ['prog', '--lr={lr}']"
#define LR "'lr': {'type': 'float', 'low': 0.001, 'high': 0.1}"
#define PARAMS "'parameters': {" LR "}"
#define OBJS "'objectives': [{'metric': 'acc', 'goal': 'max'}]"
#define BASE CMD ", " PARAMS ", " OBJS
#define WITH(extra) "{" BASE ", " extra "}"
/* A spec whose parameters are params_body. */
#define PARAMS_ARE(params_body) "{" CMD ", 'parameters': {" params_body "}, " OBJS "}"

static void test_minimal_defaults(void **state) {
  (void)state;
  es_spec s;
  parse_ok("{" BASE "}", &s);
  assert_string_equal(s.path, "spec.json");
  assert_string_equal(s.name, "spec");
  assert_int_equal(s.command_len, 2);
  assert_string_equal(s.command[0], "prog");
  assert_string_equal(s.command[1], "--lr={lr}");
  assert_null(s.command[2]);
  char cwd[PATH_MAX];
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_string_equal(s.workdir, cwd);
  char *out = cwd_join("runs/spec");
  assert_string_equal(s.output, out);
  free(out);

  assert_int_equal(s.space.n, 1);
  assert_string_equal(s.space.params[0].name, "lr");
  assert_int_equal(s.space.params[0].kind, ES_PARAM_FLOAT);
  assert_true(s.space.params[0].low == 0.001 && s.space.params[0].high == 0.1);
  assert_int_equal(s.space.params[0].log, 0);
  assert_int_equal(s.space.params[0].steps, 0);

  assert_int_equal(s.n_objectives, 1);
  assert_string_equal(s.objectives[0].metric, "acc");
  assert_int_equal(s.objectives[0].maximize, 1);
  assert_int_equal(s.objectives[0].has_reference, 0);
  assert_int_equal(s.n_constraints, 0);

  assert_true(s.resource.min == 1 && s.resource.max == 1 && s.resource.eta == 3);
  assert_int_equal(s.resource.brackets, 1);
  assert_string_equal(s.resource.metric, "step");
  assert_true(s.resource.max_step == 1);

  assert_string_equal(s.strategy.sampler, "random");
  assert_string_equal(s.strategy.halving, "none");
  assert_string_equal(s.strategy.selection, "pareto");

  assert_int_equal(s.budget.has_trials, 1);
  assert_int_equal(s.budget.trials, 100);
  assert_int_equal(s.budget.has_energy_j + s.budget.has_wall_s + s.budget.has_trial_energy_j, 0);
  assert_int_equal(s.n_alerts, 0);

  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  assert_int_equal(s.workers.count, cpus < 1 ? 1 : cpus);
  assert_string_equal(s.workers.launcher, "local");
  assert_true(s.workers.timeout_s == 0 && s.workers.grace_s == 10);
  assert_int_equal(s.workers.max_failures, 0);
  assert_int_equal(s.workers.gpus_per_trial, 0);
  assert_int_equal(s.workers.log_cap_bytes, 10 * 1024 * 1024);
  assert_int_equal(s.workers.retries, 0);
  assert_null(s.workers.listen);
  assert_null(s.workers.slurm.partition);
  assert_int_equal(s.workers.slurm.n_srun_args, 0);

  assert_int_equal(s.n_meters, 1);
  assert_string_equal(s.meters[0], "auto");
  assert_null(s.meters[1]);
  assert_int_equal(s.estimate.has_cpu_watts + s.estimate.has_ram_watts, 0);
  assert_true(s.carbon.g_per_kwh == 475 && s.carbon.pue == 1.0);
  assert_int_equal(s.has_seed, 0);

  assert_int_equal(strlen(s.hash), 16);
  assert_int_equal(strspn(s.hash, "0123456789abcdef"), 16);
  es_spec_free(&s);
  es_spec_free(&s); /* zeroed: still safe */
}

/* DESIGN §3's example. */
static const char full_example[] =
    "{\n"
    "  'name': 'mlp-digits',\n"
    "  'command': ['python3', 'examples/mlp_digits.py', '--lr', '{lr}'],\n"
    "  'parameters': {\n"
    "    'lr':        {'type': 'float', 'low': 1e-4, 'high': 1.0, 'log': true},\n"
    "    'width':     {'type': 'int',   'low': 8,    'high': 512, 'log': true},\n"
    "    'precision': {'type': 'categorical', 'values': ['fp32', 'bf16']}\n"
    "  },\n"
    "  'objectives': [\n"
    "    {'metric': 'accuracy', 'goal': 'max'},\n"
    "    {'metric': 'energy_j', 'goal': 'min'}\n"
    "  ],\n"
    "  'resource':  {'min': 1, 'max': 81, 'eta': 3},\n"
    "  'strategy':  {'sampler': 'sobol', 'halving': 'asha', 'selection': 'pareto'},\n"
    "  'budget':    {'trials': 200, 'energy_j': 5e5, 'wall_s': 3600, 'trial_energy_j': 5e3},\n"
    "  'alerts':    [{'at': 0.8, 'command': ['notify-send', 'ecosweep']}],\n"
    "  'workers':   {'count': 2, 'launcher': 'local', 'timeout_s': 600},\n"
    "  'meters':    ['auto'],\n"
    "  'carbon':    {'g_per_kwh': 400, 'pue': 1.0},\n"
    "  'seed':      1,\n"
    "  'output':    'runs/mlp-digits'\n"
    "}\n";

static void test_full_example(void **state) {
  (void)state;
  es_spec s;
  parse_ok(full_example, &s);
  assert_string_equal(s.name, "mlp-digits");
  assert_int_equal(s.command_len, 4);
  assert_string_equal(s.command[3], "{lr}");
  assert_int_equal(s.space.n, 3);
  const es_param *p = s.space.params;
  assert_string_equal(p[0].name, "lr");
  assert_true(p[0].low == 1e-4 && p[0].high == 1.0 && p[0].log == 1);
  assert_string_equal(p[1].name, "width");
  assert_int_equal(p[1].kind, ES_PARAM_INT);
  assert_true(p[1].low == 8 && p[1].high == 512 && p[1].log == 1);
  assert_string_equal(p[2].name, "precision");
  assert_int_equal(p[2].kind, ES_PARAM_CATEGORICAL);
  assert_int_equal(p[2].n_values, 2);
  assert_int_equal(p[2].values[0].kind, ES_SCALAR_STRING);
  assert_string_equal(p[2].values[0].string, "fp32");
  assert_string_equal(p[2].values[1].string, "bf16");
  assert_int_equal(s.n_objectives, 2);
  assert_string_equal(s.objectives[1].metric, "energy_j");
  assert_int_equal(s.objectives[1].maximize, 0);
  assert_true(s.resource.min == 1 && s.resource.max == 81 && s.resource.eta == 3);
  assert_true(s.resource.max_step == 81);
  assert_string_equal(s.strategy.sampler, "sobol");
  assert_int_equal(s.budget.has_trials, 1);
  assert_int_equal(s.budget.trials, 200);
  assert_true(s.budget.has_energy_j && s.budget.energy_j == 5e5);
  assert_true(s.budget.has_wall_s && s.budget.wall_s == 3600);
  assert_true(s.budget.has_trial_energy_j && s.budget.trial_energy_j == 5e3);
  assert_int_equal(s.n_alerts, 1);
  assert_true(s.alerts[0].at == 0.8);
  assert_int_equal(s.alerts[0].argc, 2);
  assert_string_equal(s.alerts[0].argv[1], "ecosweep");
  assert_null(s.alerts[0].argv[2]);
  assert_int_equal(s.workers.count, 2);
  assert_true(s.workers.timeout_s == 600 && s.workers.grace_s == 10);
  assert_true(s.carbon.g_per_kwh == 400);
  assert_int_equal(s.has_seed, 1);
  assert_int_equal(s.seed, 1);
  char *out = cwd_join("runs/mlp-digits");
  assert_string_equal(s.output, out);
  free(out);
  es_spec_free(&s);
}

/* Every other key, with values away from the defaults. */
static void test_every_key(void **state) {
  (void)state;
  es_spec s;
  parse_ok("{'name': 'all', 'command': ['t', '{c}', '{flag}', '{trial_dir}'], 'workdir': '/abs/./dir//x/',"
           " 'parameters': {'c': {'type': 'categorical', 'values': ['a', 2, true, null, 2.5]},"
           "   'flag': {'type': 'categorical', 'values': [false]},"
           "   'n': {'type': 'int', 'low': -3, 'high': -3},"
           "   'x': {'type': 'float', 'low': -1, 'high': 1, 'steps': 5, 'log': false}},"
           " 'objectives': [{'metric': 'loss', 'goal': 'min', 'reference': 2.5}],"
           " 'constraints': [{'metric': 'mem', 'max': 4}, {'metric': 'acc', 'min': 0.5, 'max': 0.9}],"
           " 'resource': {'min': 100, 'max': 1e4, 'eta': 2.5, 'brackets': 3, 'metric': 'energy_j', 'max_step': 20},"
           " 'strategy': {'selection': 'epsnet'},"
           " 'budget': {'wall_s': 60},"
           " 'alerts': [], "
           " 'workers': {'count': 1, 'grace_s': 0.5, 'max_failures': 3, 'gpus_per_trial': 1,"
           "   'log_cap_bytes': 4096, 'retries': 2, 'listen': 'node1:0',"
           "   'slurm': {'partition': 'gpu', 'cpus_per_trial': 4, 'time_limit': '01:00:00', 'srun_args': ['--x']}},"
           " 'meters': ['reported', 'estimate'],"
           " 'estimate': {'cpu_watts': 12.5, 'ram_watts': 0},"
           " 'carbon': {'g_per_kwh': 0, 'pue': 1.2},"
           " 'seed': 9007199254740992, 'output': '/tmp/out'}",
           &s);
  assert_string_equal(s.workdir, "/abs/dir/x");
  assert_string_equal(s.output, "/tmp/out");
  const es_param *c = &s.space.params[0];
  assert_int_equal(c->n_values, 5);
  assert_int_equal(c->values[1].kind, ES_SCALAR_NUMBER);
  assert_true(c->values[1].number == 2);
  assert_int_equal(c->values[2].kind, ES_SCALAR_BOOL);
  assert_true(c->values[2].number == 1);
  assert_int_equal(c->values[3].kind, ES_SCALAR_NULL);
  assert_true(s.space.params[1].values[0].kind == ES_SCALAR_BOOL && s.space.params[1].values[0].number == 0);
  assert_true(s.space.params[2].low == -3 && s.space.params[2].high == -3);
  assert_int_equal(s.space.params[3].steps, 5);
  assert_true(s.objectives[0].has_reference && s.objectives[0].reference == 2.5);
  assert_int_equal(s.n_constraints, 2);
  assert_true(s.constraints[0].has_max && !s.constraints[0].has_min && s.constraints[0].max == 4);
  assert_true(s.constraints[1].has_min && s.constraints[1].min == 0.5);
  assert_string_equal(s.resource.metric, "energy_j");
  assert_true(s.resource.max == 1e4 && s.resource.max_step == 20 && s.resource.brackets == 3);
  assert_string_equal(s.strategy.selection, "epsnet");
  /* A budget key was given: no default trial count. */
  assert_int_equal(s.budget.has_trials, 0);
  assert_true(s.budget.has_wall_s && s.budget.wall_s == 60);
  assert_int_equal(s.n_alerts, 0);
  assert_int_equal(s.workers.count, 1);
  assert_int_equal(s.workers.log_cap_bytes, 4096);
  assert_string_equal(s.workers.listen, "node1:0");
  assert_string_equal(s.workers.slurm.partition, "gpu");
  assert_int_equal(s.workers.slurm.cpus_per_trial, 4);
  assert_string_equal(s.workers.slurm.time_limit, "01:00:00");
  assert_int_equal(s.workers.slurm.n_srun_args, 1);
  assert_int_equal(s.n_meters, 2);
  assert_string_equal(s.meters[1], "estimate");
  assert_true(s.estimate.has_cpu_watts && s.estimate.cpu_watts == 12.5 && s.estimate.has_ram_watts);
  assert_true(s.carbon.g_per_kwh == 0 && s.carbon.pue == 1.2);
  assert_int_equal(s.seed, 9007199254740992UL);
  es_spec_free(&s);
}

static void test_grid_budget(void **state) {
  (void)state;
  es_spec s;
  /* 5 steps x 3 ints x 2 values = 30 points. */
  parse_ok("{'command': ['p'], 'parameters': {"
           "'x': {'type': 'float', 'low': 0, 'high': 1, 'steps': 5},"
           "'n': {'type': 'int', 'low': 1, 'high': 3},"
           "'c': {'type': 'categorical', 'values': ['a', 'b']}},"
           "'objectives': [{'metric': 'm', 'goal': 'min'}], 'strategy': {'sampler': 'grid'}}",
           &s);
  assert_int_equal(s.budget.has_trials, 1);
  assert_int_equal(s.budget.trials, 30);
  es_spec_free(&s);
  /* An empty budget object counts as none given. */
  parse_ok("{'command': ['p'], 'parameters': {'n': {'type': 'int', 'low': 1, 'high': 7}},"
           "'objectives': [{'metric': 'm', 'goal': 'min'}], 'strategy': {'sampler': 'grid'}, 'budget': {}}",
           &s);
  assert_int_equal(s.budget.trials, 7);
  es_spec_free(&s);
  /* A budget given is kept as given. */
  parse_ok("{'command': ['p'], 'parameters': {'n': {'type': 'int', 'low': 1, 'high': 7}},"
           "'objectives': [{'metric': 'm', 'goal': 'min'}], 'strategy': {'sampler': 'grid'},"
           "'budget': {'trials': 3}}",
           &s);
  assert_int_equal(s.budget.trials, 3);
  es_spec_free(&s);
}

static void test_hash(void **state) {
  (void)state;
  es_spec a, b, c;
  parse_ok("{" BASE "}", &a);
  parse_ok("{\n  " CMD ",\n\t" PARAMS ",   " OBJS "\n}\n", &b);
  parse_ok(WITH("'seed': 2"), &c);
  assert_string_equal(a.hash, b.hash); /* whitespace does not count */
  assert_string_not_equal(a.hash, c.hash);
  es_spec_free(&a);
  es_spec_free(&b);
  es_spec_free(&c);
}

static void test_text_details(void **state) {
  (void)state;
  es_spec s;
  char err[512];
  /* UTF-8 is fine, a BOM too. */
  parse_ok("\xef\xbb\xbf{" BASE ", 'name': 'caf\xc3\xa9-\xf0\x9f\x94\xa5'}", &s);
  assert_string_equal(s.name, "caf\xc3\xa9-\xf0\x9f\x94\xa5");
  es_spec_free(&s);
  /* A NUL byte inside the given length is refused. */
  const char nul[] = "{\"a\": 1}\0 ";
  assert_int_not_equal(es_spec_parse("spec.json", nul, sizeof nul - 1, &s, err, sizeof err), 0);
  assert_string_equal(err, "spec.json:1:9: NUL byte in the text");
  /* The text need not be NUL-terminated: only len bytes are read. */
  char *t = json("{" BASE "}xyz");
  assert_int_equal(es_spec_parse("dir/my.sweep.json", t, strlen(t) - 3, &s, err, sizeof err), 0);
  assert_string_equal(s.name, "my.sweep");
  free(t);
  es_spec_free(&s);
  /* Errors leave the spec zeroed. */
  assert_int_not_equal(
      parse("{" CMD ", " PARAMS ", 'objectives': [{'metric': 'a', 'goal': 'up'}]}", &s, err, sizeof err), 0);
  assert_null(s.name);
  assert_null(s.space.params);
  es_spec_free(&s);
}

static void test_files(void **state) {
  (void)state;
  char tmpl[PATH_MAX];
  const char *tmp = getenv("TMPDIR");
  snprintf(tmpl, sizeof tmpl, "%s/es_spec_XXXXXX", tmp && *tmp ? tmp : "/tmp");
  char *dir = mkdtemp(tmpl);
  assert_non_null(dir);
  char path[PATH_MAX + 32];
  snprintf(path, sizeof path, "%s/my-sweep.json", dir);
  char *text = json(WITH("'workdir': '../data/.'"));
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  free(text);

  es_spec s;
  char err[512] = "";
  if (es_spec_load(path, &s, err, sizeof err) != 0) fail_msg("%s", err);
  assert_string_equal(s.path, path);
  assert_string_equal(s.name, "my-sweep");
  char want[PATH_MAX + 32];
  snprintf(want, sizeof want, "%s/../data", dir);
  if (dir[0] != '/') fail_msg("TMPDIR must be absolute");
  assert_string_equal(s.workdir, want);
  char *out = cwd_join("runs/my-sweep");
  assert_string_equal(s.output, out);
  free(out);
  es_spec_free(&s);

  /* A file that is gone, and a directory, are read errors. */
  unlink(path);
  assert_int_not_equal(es_spec_load(path, &s, err, sizeof err), 0);
  char msg[2 * PATH_MAX];
  snprintf(msg, sizeof msg, "%s: cannot read: No such file or directory", path);
  assert_string_equal(err, msg);
  assert_int_not_equal(es_spec_load(dir, &s, err, sizeof err), 0);
  snprintf(msg, sizeof msg, "%s: cannot read: Is a directory", dir);
  assert_string_equal(err, msg);
  assert_int_equal(rmdir(dir), 0);
}

typedef struct {
  const char *text; /* with ' for " */
  const char *error;
} bad_spec;

static const bad_spec bad_specs[] = {
    /* syntax and text */
    {"", "spec.json:1:1: invalid JSON: unexpected end of input"},
    {"{\n  'command': ['p',\n}", "spec.json:3:1: invalid JSON at '}'"},
    {"{" BASE "} x", "spec.json:1:154: invalid JSON at 'x'"},
    {"{'command': ['p'] 'x'}", "spec.json:1:19: invalid JSON at '\"'"},
    {"[1, 2]", "spec.json: must be a JSON object, not an array"},
    {"'spec'", "spec.json: must be a JSON object, not a string"},
    {"{\n'name': 'caf\xe9'}", "spec.json:2:13: not UTF-8 text (byte 0xe9)"},
    {"{'name': '\xed\xa0\x80'}", "spec.json:1:11: not UTF-8 text (byte 0xed)"},
    {"{'name': '\xc0\xaf'}", "spec.json:1:11: not UTF-8 text (byte 0xc0)"},
    /* duplicate keys */
    {WITH("'seed': 1, 'seed': 2"), "spec.json: seed: duplicate key"},
    {"{" CMD ", 'parameters': {'lr': {'type': 'float', 'low': 0, 'low': 1, 'high': 2}}, " OBJS "}",
     "spec.json: parameters.lr.low: duplicate key"},
    {"{" CMD ", 'parameters': {" LR ", " LR "}, " OBJS "}", "spec.json: parameters.lr: duplicate key"},
    /* unknown keys, before missing ones */
    {WITH("'nmae': 'x'"), "spec.json: nmae: unknown key (did you mean \"name\"?)"},
    {WITH("'zzz': 1"),
     "spec.json: zzz: unknown key (valid: name, command, workdir, parameters, objectives, constraints, resource, "
     "strategy, budget, alerts, workers, meters, estimate, carbon, seed, output)"},
    {"{" PARAMS ", 'comand': ['x']}", "spec.json: comand: unknown key (did you mean \"command\"?)"},
    {"{'parameters': {'lr': {'type': 'float', 'low': 1, 'high': 0, 'lgo': true}}}",
     "spec.json: parameters.lr.lgo: unknown key (did you mean \"log\"?)"},
    {"{'objectives': [{'metric': 'a', 'goal': 'max'}, {'metric': 'b', 'gaol': 'min'}]}",
     "spec.json: objectives[1].gaol: unknown key (did you mean \"goal\"?)"},
    {WITH("'workers': {'slurm': {'partiton': 'gpu'}}"),
     "spec.json: workers.slurm.partiton: unknown key (did you mean \"partition\"?)"},
    {WITH("'alerts': [{'at': 0.5, 'command': ['x'], 'when': 1}]"),
     "spec.json: alerts[0].when: unknown key (valid: at, command)"},
    {WITH("'resource': {'mni': 1}"), "spec.json: resource.mni: unknown key (did you mean \"min\"?)"},
    {WITH("'my key': 1"), "spec.json: [\"my key\"]: unknown key (valid: name, command, workdir, parameters, "
                          "objectives, constraints, resource, strategy, budget, alerts, workers, meters, estimate, "
                          "carbon, seed, output)"},
    /* missing */
    {"{" PARAMS ", " OBJS "}", "spec.json: command: required"},
    {"{" CMD ", " OBJS "}", "spec.json: parameters: required"},
    {"{" CMD ", " PARAMS "}", "spec.json: objectives: required"},
    {"{}", "spec.json: command: required"},
    /* command */
    {"{'command': 'prog', " PARAMS ", " OBJS "}", "spec.json: command: must be an array of strings, not a string"},
    {"{'command': [], " PARAMS ", " OBJS "}", "spec.json: command: must not be empty"},
    {"{'command': ['p', 3], " PARAMS ", " OBJS "}", "spec.json: command[1]: must be a string, not a number"},
    {"{'command': ['', 'x'], " PARAMS ", " OBJS "}", "spec.json: command[0]: must not be empty"},
    {"{'command': ['p', '--lr={lrr}'], " PARAMS ", " OBJS "}",
     "spec.json: command[1]: unknown placeholder {lrr} (did you mean {lr}?)"},
    {"{'command': ['p', '--x={'], " PARAMS ", " OBJS "}",
     "spec.json: command[1]: unmatched '{' (write {{ for a literal brace)"},
    /* parameters */
    {"{" CMD ", 'parameters': {}, " OBJS "}", "spec.json: parameters: must have at least one parameter"},
    {"{" CMD ", 'parameters': [], " OBJS "}", "spec.json: parameters: must be an object, not an array"},
    {PARAMS_ARE("'lr': 5"), "spec.json: parameters.lr: must be an object, not a number"},
    {PARAMS_ARE("'lr': {'low': 1, 'high': 2}"), "spec.json: parameters.lr.type: required"},
    {PARAMS_ARE("'lr': {'type': 'double', 'low': 1, 'high': 2}"),
     "spec.json: parameters.lr.type: must be \"float\", \"int\" or \"categorical\""},
    {PARAMS_ARE("'lr': {'type': 1}"), "spec.json: parameters.lr.type: must be a string, not a number"},
    {PARAMS_ARE("'lr': {'type': 'float', 'high': 2}"), "spec.json: parameters.lr.low: required"},
    {PARAMS_ARE("'lr': {'type': 'float', 'low': 1}"), "spec.json: parameters.lr.high: required"},
    {PARAMS_ARE("'lr': {'type': 'float', 'low': 1, 'high': 0.5}"), "spec.json: parameters.lr.low: must be < high"},
    {PARAMS_ARE("'lr': {'type': 'float', 'low': 1, 'high': 1}"), "spec.json: parameters.lr.low: must be < high"},
    {PARAMS_ARE("'w': {'type': 'int', 'low': 9, 'high': 8}"), "spec.json: parameters.w.low: must be <= high"},
    {PARAMS_ARE("'w': {'type': 'int', 'low': 1, 'high': 8.5}"), "spec.json: parameters.w.high: must be an integer"},
    {PARAMS_ARE("'w': {'type': 'int', 'low': 1e300, 'high': 2e300}"),
     "spec.json: parameters.w.low: must be an integer <= 9007199254740992"},
    {PARAMS_ARE("'lr': {'type': 'float', 'low': '0', 'high': 1}"),
     "spec.json: parameters.lr.low: must be a number, not a string"},
    {PARAMS_ARE("'lr': {'type': 'float', 'low': -1e400, 'high': 1}"),
     "spec.json: parameters.lr.low: must be a finite number"},
    {PARAMS_ARE("'lr': {'type': 'float', 'low': 0, 'high': 1, 'log': true}"),
     "spec.json: parameters.lr.low: must be > 0 when \"log\" is true"},
    {PARAMS_ARE("'lr': {'type': 'float', 'low': 0.1, 'high': 1, 'log': 1}"),
     "spec.json: parameters.lr.log: must be true or false, not a number"},
    {PARAMS_ARE("'lr': {'type': 'float', 'low': 0.1, 'high': 1, 'steps': 1}"),
     "spec.json: parameters.lr.steps: must be an integer >= 2"},
    {PARAMS_ARE("'w': {'type': 'int', 'low': 1, 'high': 4, 'steps': 4}"),
     "spec.json: parameters.w.steps: only for float parameters (int and categorical grids use every value)"},
    {PARAMS_ARE("'lr': {'type': 'float', 'low': 0.1, 'high': 1, 'values': [1]}"),
     "spec.json: parameters.lr.values: only for categorical parameters"},
    {PARAMS_ARE("'c': {'type': 'categorical', 'values': ['a'], 'low': 0}"),
     "spec.json: parameters.c.low: only for float and int parameters"},
    {PARAMS_ARE("'c': {'type': 'categorical'}"), "spec.json: parameters.c.values: required"},
    {PARAMS_ARE("'c': {'type': 'categorical', 'values': []}"), "spec.json: parameters.c.values: must not be empty"},
    {PARAMS_ARE("'c': {'type': 'categorical', 'values': 'a'}"),
     "spec.json: parameters.c.values: must be an array, not a string"},
    {PARAMS_ARE("'c': {'type': 'categorical', 'values': ['a', {'b': 1}]}"),
     "spec.json: parameters.c.values[1]: must be a string, number, boolean or null, not an object"},
    {PARAMS_ARE("'c': {'type': 'categorical', 'values': ['a', 'b', 'a']}"),
     "spec.json: parameters.c.values[2]: duplicate value \"a\""},
    {PARAMS_ARE("'c': {'type': 'categorical', 'values': [1, true, 1.0]}"),
     "spec.json: parameters.c.values[2]: duplicate value 1"},
    {PARAMS_ARE("'c': {'type': 'categorical', 'values': [1e400]}"),
     "spec.json: parameters.c.values[0]: must be a finite number"},
    {PARAMS_ARE("'learning-rate': {'type': 'float', 'low': 0, 'high': 1}"),
     "spec.json: parameters[\"learning-rate\"]: parameter names must be identifiers ([A-Za-z_][A-Za-z0-9_]*)"},
    {PARAMS_ARE("'': {'type': 'float', 'low': 0, 'high': 1}"),
     "spec.json: parameters[\"\"]: parameter names must be identifiers ([A-Za-z_][A-Za-z0-9_]*)"},
    {PARAMS_ARE("'trial_id': {'type': 'int', 'low': 0, 'high': 1}"),
     "spec.json: parameters.trial_id: reserved name (a placeholder of its own in \"command\")"},
    /* objectives and constraints */
    {"{" CMD ", " PARAMS ", 'objectives': []}", "spec.json: objectives: must have at least one objective"},
    {"{" CMD ", " PARAMS ", 'objectives': {'metric': 'a'}}", "spec.json: objectives: must be an array, not an object"},
    {"{" CMD ", " PARAMS ", 'objectives': [{'metric': 'a'}]}", "spec.json: objectives[0].goal: required"},
    {"{" CMD ", " PARAMS ", 'objectives': [{'metric': 'a', 'goal': 'max'}, {'metric': 'b', 'goal': 'maximize'}]}",
     "spec.json: objectives[1].goal: must be \"max\" or \"min\""},
    {"{" CMD ", " PARAMS ", 'objectives': [{'metric': '', 'goal': 'max'}]}",
     "spec.json: objectives[0].metric: must not be empty"},
    {"{" CMD ", " PARAMS ", 'objectives': [{'metric': 'a', 'goal': 'max'}, {'metric': 'a', 'goal': 'min'}]}",
     "spec.json: objectives[1].metric: duplicate objective \"a\""},
    {"{" CMD ", " PARAMS ", 'objectives': [{'metric': 'a', 'goal': 'max', 'reference': 'x'}]}",
     "spec.json: objectives[0].reference: must be a number, not a string"},
    {WITH("'constraints': [{'metric': 'mem'}]"), "spec.json: constraints[0]: needs \"min\" or \"max\""},
    {WITH("'constraints': [{'metric': 'm', 'min': 2, 'max': 1}]"), "spec.json: constraints[0].min: must be <= max"},
    /* resource */
    {WITH("'resource': {'max': 1e400}"), "spec.json: resource.max: must be a finite number"},
    {WITH("'resource': {'min': 0, 'max': 9}"), "spec.json: resource.min: must be > 0"},
    {WITH("'resource': {'min': 9, 'max': 3}"), "spec.json: resource.max: must be >= min"},
    {WITH("'resource': {'max': 9, 'eta': 1}"), "spec.json: resource.eta: must be > 1"},
    {WITH("'resource': {'brackets': 0}"), "spec.json: resource.brackets: must be an integer >= 1"},
    {WITH("'resource': {'metric': 'epochs'}"), "spec.json: resource.metric: must be \"step\" or \"energy_j\""},
    {WITH("'resource': {'metric': 'energy_j', 'max': 1000}"),
     "spec.json: resource.max_step: required with \"metric\": \"energy_j\""},
    {WITH("'resource': {'max': 9, 'max_step': 3}"), "spec.json: resource.max_step: only with \"metric\": \"energy_j\""},
    {WITH("'resource': 3"), "spec.json: resource: must be an object, not a number"},
    /* strategy */
    {WITH("'strategy': 'sobol'"), "spec.json: strategy: must be an object, not a string"},
    {WITH("'strategy': {'sampler': 'sobl'}"),
     "spec.json: strategy.sampler: unknown sampler \"sobl\" (valid: random, sobol, grid, nsga2)"},
    {WITH("'strategy': {'halving': 'hyperband'}, 'resource': {'max': 81, 'brackets': 9}"),
     "spec.json: resource.brackets: hyperband runs 1 to 5 brackets on the 5 rungs of min 1, max 81, eta 3 (got 9)"},
    {WITH("'strategy': {'halving': 'asha'}, 'resource': {'max': 27, 'eta': 0.5}"),
     "spec.json: resource.eta: must be > 1"},
    {WITH("'strategy': {'halving': 'fast'}"),
     "spec.json: strategy.halving: unknown halving rule \"fast\" (valid: none, sha, asha, hyperband)"},
    {WITH("'strategy': {'selection': 'best'}"),
     "spec.json: strategy.selection: unknown selection \"best\" (valid: pareto, epsnet, scalar)"},
    {WITH("'strategy': {'sampler': 'grid'}"),
     "spec.json: parameters.lr: the grid sampler needs \"steps\" for a float parameter"},
    /* budget and alerts */
    {WITH("'budget': {'energy_j': -5}"), "spec.json: budget.energy_j: must be > 0"},
    {WITH("'budget': {'trials': 0}"), "spec.json: budget.trials: must be an integer >= 1"},
    {WITH("'budget': {'trials': 2.5}"), "spec.json: budget.trials: must be an integer"},
    {WITH("'budget': {'wall_s': null}"), "spec.json: budget.wall_s: must be a number, not null"},
    {WITH("'alerts': [{'at': 1.5, 'command': ['x']}]"), "spec.json: alerts[0].at: must be in (0, 1]"},
    {WITH("'alerts': [{'at': 0.5, 'command': ['x']}, {'at': 0, 'command': ['x']}]"),
     "spec.json: alerts[1].at: must be in (0, 1]"},
    {WITH("'alerts': [{'at': 0.5, 'command': []}]"), "spec.json: alerts[0].command: must not be empty"},
    {WITH("'alerts': [{'at': 0.5}]"), "spec.json: alerts[0].command: required"},
    {WITH("'alerts': {'at': 0.5}"), "spec.json: alerts: must be an array, not an object"},
    /* workers */
    {WITH("'workers': {'count': 0}"), "spec.json: workers.count: must be an integer >= 1"},
    {WITH("'workers': {'count': '4'}"), "spec.json: workers.count: must be an integer, not a string"},
    {WITH("'workers': {'count': 1e10}"), "spec.json: workers.count: must be an integer <= 2147483647"},
    {WITH("'workers': {'timeout_s': -1}"), "spec.json: workers.timeout_s: must be >= 0"},
    {WITH("'workers': {'launcher': 'k8s'}"), "spec.json: workers.launcher: unknown launcher \"k8s\" (valid: local, slurm)"},
    {WITH("'workers': {'listen': 'nohost'}"), "spec.json: workers.listen: must be \"host:port\" (port 0 to 65535)"},
    {WITH("'workers': {'log_cap_bytes': 0}"), "spec.json: workers.log_cap_bytes: must be an integer >= 1"},
    {WITH("'workers': {'slurm': {'srun_args': [1]}}"),
     "spec.json: workers.slurm.srun_args[0]: must be a string, not a number"},
    /* meters, estimate, carbon, seed, name, paths */
    {WITH("'meters': ['foo']"), "spec.json: meters[0]: unknown meter \"foo\" (valid: auto, rapl, perf, hwmon, nvml, estimate, reported)"},
    {WITH("'meters': ['nvml']"), "spec.json: meters: \"nvml\" meters GPUs only; add a CPU meter (e.g. \"estimate\")"},
    {WITH("'meters': []"), "spec.json: meters: must not be empty"},
    {WITH("'meters': ['auto', 'reported']"), "spec.json: meters[0]: \"auto\" cannot be combined with other meters"},
    {WITH("'meters': ['reported', 'reported']"), "spec.json: meters[1]: duplicate meter \"reported\""},
    {WITH("'estimate': {'cpu_watts': 'ten'}"), "spec.json: estimate.cpu_watts: must be a number, not a string"},
    {WITH("'carbon': {'g_per_kwh': -1}"), "spec.json: carbon.g_per_kwh: must be >= 0"},
    {WITH("'seed': -1"), "spec.json: seed: must be an integer >= 0"},
    {WITH("'seed': 9007199254740994"), "spec.json: seed: must be an integer <= 9007199254740992"},
    {WITH("'seed': true"), "spec.json: seed: must be an integer, not a boolean"},
    {WITH("'name': 'a/b'"), "spec.json: name: must not contain '/'"},
    {WITH("'name': ''"), "spec.json: name: must not be empty"},
    {WITH("'output': 7"), "spec.json: output: must be a string, not a number"},
    {WITH("'workdir': ''"), "spec.json: workdir: must not be empty"},
};

static void test_invalid_specs(void **state) {
  (void)state;
  size_t n = sizeof bad_specs / sizeof bad_specs[0];
  int failed = 0;
  for (size_t i = 0; i < n; i++) {
    es_spec s;
    char err[1024] = "";
    int rc = parse(bad_specs[i].text, &s, err, sizeof err);
    if (rc == 0) {
      printf("# case %zu: accepted, want: %s\n", i, bad_specs[i].error);
      es_spec_free(&s);
      failed++;
    } else if (strcmp(err, bad_specs[i].error) != 0) {
      printf("# case %zu:\n#   got:  %s\n#   want: %s\n", i, err, bad_specs[i].error);
      failed++;
    }
  }
  printf("# %zu invalid specs checked\n", n);
  assert_int_equal(failed, 0);
}

/* Cutting a valid spec anywhere must give an error, never a crash or leak. */
static void test_truncated(void **state) {
  (void)state;
  char *t = json(full_example);
  size_t len = strlen(t);
  for (size_t cut = 0; cut + 2 < len; cut++) {
    es_spec s;
    char err[512] = "";
    assert_int_not_equal(es_spec_parse("spec.json", t, cut, &s, err, sizeof err), 0);
    assert_true(strncmp(err, "spec.json:", 10) == 0);
  }
  free(t);
}

/* Nesting beyond cJSON's limit gets a message of its own; just below it
 * the text parses and the spec's own errors follow. */
static void test_deep_nesting(void **state) {
  (void)state;
  for (int depth = 999; depth <= 2000; depth += 1001) {
    size_t len = 16 + 2 * (size_t)depth;
    char *t = malloc(len);
    assert_non_null(t);
    size_t n = 0;
    n += (size_t)sprintf(t + n, "{\"name\":");
    for (int i = 0; i < depth; i++) t[n++] = '[';
    for (int i = 0; i < depth; i++) t[n++] = ']';
    t[n++] = '}';
    es_spec sp;
    char err[512] = "";
    assert_int_not_equal(es_spec_parse("spec.json", t, n, &sp, err, sizeof err), 0);
    if (depth > 1000)
      assert_string_equal(err, "spec.json:1:1008: invalid JSON: nested deeper than 1000 levels");
    else /* parsed: the first complaint is about the spec's content */
      assert_string_equal(err, "spec.json: command: required");
    free(t);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_deep_nesting),
      cmocka_unit_test(test_minimal_defaults),
      cmocka_unit_test(test_full_example),
      cmocka_unit_test(test_every_key),
      cmocka_unit_test(test_grid_budget),
      cmocka_unit_test(test_hash),
      cmocka_unit_test(test_text_details),
      cmocka_unit_test(test_files),
      cmocka_unit_test(test_invalid_specs),
      cmocka_unit_test(test_truncated),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
