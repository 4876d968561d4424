/*
 * halving_sha.c - the "sha" halving rule: synchronous successive halving
 * (Jamieson & Talwalkar 2016; Karnin et al. 2013) in one bracket.
 *
 * It does: describe a synchronous rule with one bracket starting at the
 * lowest rung. The engine (halving.c) then holds every trial that reaches
 * a rung (ES_HOLD: the trial waits for its reply and, per DESIGN §3, does
 * not occupy a worker slot) until the rung is complete - every trial
 * promoted into it has reported there or ended; rung 0 waits for all
 * es_halving_set_trials trials - and then decides all of them at once with
 * the promotion rule, n being every result recorded at the rung.
 *
 * It deliberately does not: run several brackets (that is hyperband),
 * guess the number of trials (rung 0 cannot complete before
 * es_halving_set_trials), or read resource.brackets.
 */
#include "halving.h"

const es_halving_type es_halving_sha = {"sha", 1, 1, es_halving_plan_single};
