/*
 * halving_asha.c - the "asha" halving rule: asynchronous successive
 * halving, stopping variant (Li et al., "A System for Massively Parallel
 * Hyperparameter Tuning", MLSys 2020), one bracket.
 *
 * It does: describe an asynchronous rule with one bracket starting at the
 * lowest rung. The engine (halving.c) records a trial's result when it
 * reaches a rung and decides at once - the trial is waiting for the reply
 * - with the promotion rule on the n results recorded there so far, this
 * one included: the first result at a rung always continues, and a trial
 * is never revisited once it has passed a rung.
 *
 * It deliberately does not: run several brackets (that is hyperband), or
 * read resource.brackets.
 */
#include "halving.h"

const es_halving_type es_halving_asha = {"asha", 1, 0, es_halving_plan_single};
