/*
 * halving_none.c - the "none" halving rule: no early stopping.
 *
 * It does: describe a rule with no rungs to record and one bracket, so
 * es_halving_report answers CONTINUE to every report (without even
 * looking the trial up) and every trial runs to resource.max.
 *
 * It deliberately does not: stop a trial at max (the trial is told
 * ECOSWEEP_MAX_RESOURCE and finishes by itself), or read
 * resource.brackets.
 */
#include "halving.h"

static int none_plan(const es_halving_config *cfg, size_t rungs, size_t *weights, char *err, size_t err_len) {
  (void)cfg;
  (void)rungs;
  (void)err;
  (void)err_len;
  weights[0] = 0;
  return 1;
}

const es_halving_type es_halving_none = {"none", 0, 0, none_plan};
