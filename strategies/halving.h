/*
 * halving.h - the halving family (GSL-style type descriptors): when to
 * stop a trial early, driven by the spec's "resource" {min, max, eta,
 * brackets} and a selection rule (selection.h).
 *
 * Rungs sit at min * eta^i below max, and at max itself (the last rung):
 * min 1, max 81, eta 3 -> 1 3 9 27 81; max 100 -> 1 3 9 27 81 100. A level
 * within a relative 1e-9 of max counts as max. At most ES_HALVING_MAX_RUNGS.
 *
 * A trial reaches a rung at its first report with level >= the rung's
 * level; one report can reach several rungs, which are then decided in
 * turn with the same objectives. At a rung below max the trial's result
 * (k objectives in minimisation form) is recorded and DESIGN §3's
 * promotion rule applies: with n results at the rung, the trial continues
 * iff its position under the selection is below ceil(n / eta). Reports
 * between rungs, or at rungs already passed, continue without recording;
 * at max the answer is CONTINUE (the trial finishes normally).
 *
 *   none       no rungs at all: every report continues; trials run to max.
 *   sha        synchronous successive halving, one bracket: a trial that
 *              reaches a rung is held (ES_HOLD, no reply yet) until the rung
 *              is complete - every trial promoted into it (rung 0: every
 *              trial of the sweep, es_halving_set_trials) has reported
 *              there or ended - then all of them are decided at once and
 *              the decisions queue up for es_halving_released().
 *   asha       asynchronous successive halving (Li et al. 2020), stopping
 *              type, one bracket: decide at once on the results so far.
 *   hyperband  asynchronous Hyperband: `brackets` ASHA brackets s = s_max ..
 *              s_max - brackets + 1 (s_max + 1 = number of rungs), bracket
 *              s starting at rung s_max - s; new trials are spread over
 *              them in proportion to the paper's n_s (see halving_hyperband.c).
 *
 * Brackets are numbered b = 0, 1, ... with bracket b starting at rung b
 * (so b = s_max - s); sha and asha use bracket 0 only.
 *
 * Cost of a report that reaches a rung: one es_rung_add + one position at
 * that rung (selection.h). sha, when a rung completes: one full order of
 * that rung. Memory: the results recorded, O(k) per trial and rung.
 *
 * Pure computation: no I/O, no clock, no randomness (assignment is
 * deterministic, so a resumed sweep replays the same brackets).
 */
#ifndef ES_HALVING_H
#define ES_HALVING_H

#include <stddef.h>

#include "selection.h"

#define ES_HALVING_MAX_RUNGS 64

typedef struct {
  double min, max;   /* resource levels of the first and the last rung; 0 < min <= max */
  double eta;        /* > 1: 1/eta of a rung's results continue */
  unsigned brackets; /* hyperband: how many brackets (1 .. number of rungs); others ignore it */
} es_halving_config;

enum { ES_CONTINUE = 0, ES_STOP = 1, ES_HOLD = 2 };

typedef struct {
  long id;     /* the trial */
  int action;  /* ES_CONTINUE, ES_STOP, or ES_HOLD (sha: reply later) */
  double rung; /* level of the rung the decision was taken at; 0 when
                  the report reached no rung */
} es_decision;

typedef struct {
  unsigned s;        /* Hyperband's bracket index (s_max: the most exploratory) */
  size_t first_rung; /* index into the rung levels of the bracket's lowest rung (= b) */
  double min_level;  /* that rung's level: the paper's r_s (in units of the resource) */
  size_t n;          /* hyperband: the paper's n_s; others 0 */
  size_t assigned;   /* trials assigned to the bracket so far */
} es_bracket_info;

typedef struct es_halving_type {
  const char *name;
  int records;     /* 0: keeps no rungs and always answers CONTINUE (none) */
  int synchronous; /* 1: holds replies until a rung is complete (sha) */
  /* Plan the brackets for cfg on a ladder of `rungs` rung levels: write
   * the assignment weight of each bracket (hyperband: the paper's n_s)
   * into weights (room for `rungs`), return how many brackets, or -EINVAL
   * with a message (JSON path first) in err. */
  int (*plan)(const es_halving_config *cfg, size_t rungs, size_t *weights, char *err, size_t err_len);
} es_halving_type;

typedef struct es_halving es_halving;

/* The plan of the single-bracket rules (none, sha, asha): one bracket,
 * which every trial joins. */
int es_halving_plan_single(const es_halving_config *cfg, size_t rungs, size_t *weights, char *err, size_t err_len);

extern const es_halving_type es_halving_none;
extern const es_halving_type es_halving_sha;
extern const es_halving_type es_halving_asha;
extern const es_halving_type es_halving_hyperband;

/* NULL-terminated table of every halving type. */
extern const es_halving_type *const es_halving_types[];

/* The type called name, or NULL. */
const es_halving_type *es_halving_lookup(const char *name);
/* Comma-separated list of valid names ("none, sha, asha, hyperband") into buf. */
void es_halving_names(char *buf, size_t len);

/* The rung levels for cfg into levels (room for cap); returns how many
 * there are (possibly more than cap), or 0 if cfg is invalid. */
size_t es_halving_levels(const es_halving_config *cfg, double *levels, size_t cap);

/* Check cfg for type T before a sweep starts. 0, or -EINVAL with a
 * one-line message naming the key ("resource.eta: must be > 1 (got 1)"). */
int es_halving_check(const es_halving_type *T, const es_halving_config *cfg, char *err, size_t err_len);

/* State for one sweep: rule T, selection S, results of k objectives.
 * NULL if cfg fails es_halving_check, k == 0, or out of memory. */
es_halving *es_halving_alloc(const es_halving_type *T, const es_selection_type *S,
                             const es_halving_config *cfg, size_t k);
void es_halving_free(es_halving *h);

/* The rung levels (owned by h); their count. */
size_t es_halving_rungs(const es_halving *h, const double **levels);
/* Number of brackets, and what bracket b is. 0 or -EINVAL (no such b). */
size_t es_halving_brackets(const es_halving *h);
int es_halving_bracket(const es_halving *h, size_t b, es_bracket_info *info);
/* The results recorded at rung `rung` (an index into the levels) of
 * bracket b, or NULL where there is no such rung store (none; the last
 * rung; rungs below the bracket's first). */
const es_rung *es_halving_rung(const es_halving *h, size_t b, size_t rung);

/* Register a new trial and pick its bracket into *bracket (may be NULL).
 * hyperband: the bracket whose share of the trials lags its weight the
 * most (ties: lower b), so every prefix of the assignments is within one
 * trial of the exact proportions. 0, -EEXIST (id known), -ENOSPC (sha:
 * more trials than es_halving_set_trials allowed) or -ENOMEM. */
int es_halving_assign(es_halving *h, long id, size_t *bracket);

/* Trial id reports `level` with objectives obj (k values, minimisation
 * form; only read when a rung is reached). The reply goes into *out:
 * CONTINUE, STOP (out->rung = the level that stopped it; repeated for any
 * later report) or HOLD (sha). Returns 0, or: -ENOENT (never assigned;
 * none answers CONTINUE without looking), -EBUSY (sha: the trial is held
 * and should be waiting for its reply; out->rung = the rung it is held at,
 * which a trial relaunched by resume must wait at again), -ESRCH (the trial has ended),
 * -EINVAL (level or an objective not finite; nothing recorded) or -ENOMEM.
 * sha: a report that completes a rung also releases the other trials held
 * there (es_halving_released); this trial's own decision is the reply. */
int es_halving_report(es_halving *h, long id, double level, const double *obj, es_decision *out);

/* sha: the sweep will assign n trials in all (its trial budget). Call it
 * before rung 0 can complete, and again with the number assigned so far
 * when the sweep stops starting trials (a budget ran out). May complete
 * rungs (decisions queue for es_halving_released). Other types: recorded,
 * no effect. 0, -EINVAL (n below the trials assigned) or -ENOMEM. */
int es_halving_set_trials(es_halving *h, size_t n);

/* Trial id has ended without finishing (failed, killed, budget): rungs no
 * longer wait for it (sha; may release others). A held trial's result
 * stays in its rung, its decision is dropped. Ending an ended trial is a
 * no-op. 0, -ENOENT or -ENOMEM. */
int es_halving_end(es_halving *h, long id);

/* Move up to cap queued decisions (sha releases, oldest first) into out;
 * how many were moved. */
size_t es_halving_released(es_halving *h, es_decision *out, size_t cap);

#endif
