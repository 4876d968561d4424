/*
 * surrogate_trial.c - the search benchmark's trial: a "training run" of
 * the surrogate in surrogate.c, epoch by epoch, in microseconds.
 *
 * Parameters (ECOSWEEP_PARAMS through ecosweep_trial.h): lr, width,
 * depth, batch, dropout, weight_decay, optimizer ("sgd", "momentum",
 * "adam"), precision ("fp32", "bf16", "int8"). For epoch 1..
 * ECOSWEEP_MAX_RESOURCE (at most 81; more is cut to 81) it reports
 *   {"step": e, "metrics": {"accuracy": acc(e), "energy_j": J(e)}}
 * where J(e) is the surrogate's joules of epochs 1..e: with the spec's
 * meter "reported", ecosweep charges the trial exactly those joules, so a
 * sweep's figures do not depend on the machine it runs on. Told stop, it
 * exits 0 at once.
 *
 * Standalone (no ECOSWEEP_* environment): arguments NAME=VALUE set the
 * parameters (the defaults below otherwise) and epochs=N the number of
 * epochs (81); it prints the same JSON line per epoch on stdout, e.g.
 *   surrogate_trial lr=0.003 width=128 optimizer=adam epochs=27
 * In a sweep, NAME=VALUE arguments are defaults for parameters the sweep
 * does not set. Exits 1 on an unknown parameter name, a malformed value
 * or a failed report, 2 on bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecosweep_trial.h"
#include "surrogate.h"

/* The defaults: a reasonable mid-sized configuration. */
typedef struct {
  double lr, width, depth, batch, dropout, weight_decay, epochs;
  const char *optimizer, *precision;
} trial_defaults;

static int set_number(const char *name, const char *text, double *out) {
  char *end;
  errno = 0;
  *out = strtod(text, &end);
  if (errno != 0 || end == text || *end != '\0' || !isfinite(*out)) {
    fprintf(stderr, "surrogate_trial: %s: not a number: \"%s\"\n", name, text);
    return -1;
  }
  return 0;
}

/* Apply one NAME=VALUE argument to d. 0, -1 on a bad value, -2 on a bad
 * argument. */
static int apply_argument(trial_defaults *d, const char *arg) {
  static const char *const names[] = {"lr", "width", "depth", "batch", "dropout", "weight_decay", "epochs"};
  double *slots[] = {&d->lr, &d->width, &d->depth, &d->batch, &d->dropout, &d->weight_decay, &d->epochs};
  const char *eq = strchr(arg, '=');
  if (!eq) return -2;
  size_t len = (size_t)(eq - arg);
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strlen(names[i]) == len && strncmp(arg, names[i], len) == 0) return set_number(names[i], eq + 1, slots[i]);
  if (len == 9 && strncmp(arg, "optimizer", 9) == 0) {
    d->optimizer = eq + 1;
    return 0;
  }
  if (len == 9 && strncmp(arg, "precision", 9) == 0) {
    d->precision = eq + 1;
    return 0;
  }
  fprintf(stderr, "surrogate_trial: unknown parameter \"%.*s\"\n", (int)len, arg);
  return -1;
}

int main(int argc, char **argv) {
  es_trial t;
  trial_defaults d = {3e-2, 64, 4, 128, 0.1, 5e-4, SG_MAX_EPOCHS, "momentum", "fp32"};
  sg_params p;
  sg_model m;

  for (int i = 1; i < argc; i++) {
    int rc = apply_argument(&d, argv[i]);
    if (rc == -2) {
      fprintf(stderr, "usage: surrogate_trial [NAME=VALUE ...] [epochs=N]\n");
      return 2;
    }
    if (rc != 0) return 1;
  }
  if (es_trial_init(&t) != 0) {
    fprintf(stderr, "surrogate_trial: malformed ECOSWEEP_* environment\n");
    return 1;
  }
  p.lr = es_trial_param_double(&t, "lr", d.lr);
  p.width = es_trial_param_long(&t, "width", lround(d.width));
  p.depth = es_trial_param_long(&t, "depth", lround(d.depth));
  p.batch = es_trial_param_long(&t, "batch", lround(d.batch));
  p.dropout = es_trial_param_double(&t, "dropout", d.dropout);
  p.weight_decay = es_trial_param_double(&t, "weight_decay", d.weight_decay);
  const char *opt = es_trial_param_string(&t, "optimizer", d.optimizer);
  const char *prec = es_trial_param_string(&t, "precision", d.precision);
  p.optimizer = sg_optimizer_parse(opt);
  p.precision = sg_precision_parse(prec);
  if (p.optimizer < 0 || p.precision < 0) {
    fprintf(stderr, "surrogate_trial: unknown %s \"%s\"\n", p.optimizer < 0 ? "optimizer" : "precision",
            p.optimizer < 0 ? opt : prec);
    return 1;
  }

  long epochs = (long)(t.in_sweep ? t.max_resource : d.epochs);
  if (epochs > SG_MAX_EPOCHS) epochs = SG_MAX_EPOCHS;
  if (epochs < 1) epochs = 1;

  sg_model_init(&m, &p);
  const char *names[] = {"accuracy", "energy_j"};
  double values[2], joules = 0.0;
  for (long e = 1; e <= epochs; e++) {
    values[0] = sg_model_accuracy(&m, e);
    joules += sg_model_epoch_joules(&m, e);
    values[1] = joules;
    if (!t.in_sweep) {
      printf("{\"step\": %ld, \"metrics\": {\"accuracy\": %.17g, \"energy_j\": %.17g}}\n", e, values[0], values[1]);
      continue;
    }
    int rc = es_trial_report(&t, (double)e, 2, names, values);
    if (rc < 0) {
      perror("surrogate_trial: report");
      return 1;
    }
    if (rc == 0) break;
  }
  if (fflush(stdout) != 0) {
    perror("surrogate_trial: stdout");
    return 1;
  }
  return 0;
}
