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

const es_halving_type es_halving_none = {"none", 0, 0, es_halving_plan_single};
