/*
 * bench_trial.c - the trivial trial of the dispatch benchmark: it does no
 * work, so timing a sweep of it times the scheduler.
 *
 * It reports once, {"step": 1, "metrics": {"score": X}}, where X is the
 * parameter "x" (else the trial id), reads the reply and exits 0. Anything
 * else it might do (parse argv, train, write files) would be noise in the
 * measurement. Exits 1 if the report cannot be made.
 */
#include <stdio.h>

#include "ecosweep_trial.h"

int main(void) {
  es_trial t;
  const char *names[] = {"score"};
  double score;

  if (es_trial_init(&t) != 0) {
    fprintf(stderr, "bench_trial: malformed ECOSWEEP_* environment\n");
    return 1;
  }
  score = es_trial_param_double(&t, "x", (double)t.trial_id);
  if (es_trial_report(&t, 1, 1, names, &score) < 0) {
    perror("bench_trial: report");
    return 1;
  }
  return 0;
}
