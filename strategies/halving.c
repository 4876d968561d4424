/*
 * halving.c - the halving registry and the engine every halving rule runs
 * on: the rung ladder, brackets and their rung stores, the trial table,
 * deterministic bracket assignment, the asynchronous decision (asha,
 * hyperband) and the synchronous hold-and-release bookkeeping (sha).
 *
 * It does: what halving.h promises, driven by the type's descriptor
 * (records / synchronous / plan); the rules' own files say what differs.
 * Decisions use es_rung_promote's rule: position < es_rung_quota(n, eta).
 *
 * It deliberately does not: talk to trials, keep time, pick trials to
 * start (the scheduler's sampler does), resume by itself (a resumed sweep
 * replays assign/report/end in journal order and gets the same answers),
 * or print anything. A trial's result is never removed from a rung.
 *
 * sha bookkeeping, per rung i of the bracket: promoted[i] = trials that
 * must be accounted for there (rung 0: the sweep's trial count; above:
 * the live trials continued from rung i-1), accounted[i] = those that
 * reported there or ended before reaching it. Rung i is complete when the
 * rung below it is decided and accounted[i] == promoted[i].
 */
#include "halving.h"
#include "registry.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const es_halving_type *const es_halving_types[] = {&es_halving_none, &es_halving_sha, &es_halving_asha,
                                                   &es_halving_hyperband, NULL};

int es_halving_plan_single(const es_halving_config *cfg, size_t rungs, size_t *weights, char *err, size_t err_len) {
  (void)cfg;
  (void)rungs;
  (void)err;
  (void)err_len;
  weights[0] = 0;
  return 1;
}

static const char *halving_name_at(size_t i) { return es_halving_types[i] ? es_halving_types[i]->name : NULL; }

const es_halving_type *es_halving_lookup(const char *name) {
  long i = es_registry_find(halving_name_at, name);
  return i < 0 ? NULL : es_halving_types[i];
}

void es_halving_names(char *buf, size_t len) { es_registry_names(halving_name_at, buf, len); }

static int fail(char *err, size_t err_len, const char *fmt, ...) {
  if (err && err_len) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
  }
  return -EINVAL;
}

static int config_valid(const es_halving_config *c) {
  return isfinite(c->min) && isfinite(c->max) && isfinite(c->eta) && c->min > 0 && c->max >= c->min &&
         c->eta > 1;
}

size_t es_halving_levels(const es_halving_config *cfg, double *levels, size_t cap) {
  if (!config_valid(cfg)) return 0;
  size_t n = 0;
  for (double i = 0;; i++) {
    double v = cfg->min * pow(cfg->eta, i);
    if (v >= cfg->max * (1 - 1e-9)) break;
    if (n < cap) levels[n] = v;
    n++;
    if (n > ES_HALVING_MAX_RUNGS) return n + 1; /* too many: stop counting */
  }
  if (n < cap) levels[n] = cfg->max;
  return n + 1;
}

int es_halving_check(const es_halving_type *T, const es_halving_config *cfg, char *err, size_t err_len) {
  if (!isfinite(cfg->min) || !(cfg->min > 0))
    return fail(err, err_len, "resource.min: must be a number > 0 (got %g)", cfg->min);
  if (!isfinite(cfg->max) || !(cfg->max >= cfg->min))
    return fail(err, err_len, "resource.max: must be a number >= min (got %g, min %g)", cfg->max, cfg->min);
  if (!isfinite(cfg->eta) || !(cfg->eta > 1))
    return fail(err, err_len, "resource.eta: must be a number > 1 (got %g)", cfg->eta);
  size_t n = es_halving_levels(cfg, NULL, 0);
  if (n > ES_HALVING_MAX_RUNGS)
    return fail(err, err_len, "resource: min %g, max %g and eta %g give more than %d rungs", cfg->min,
                cfg->max, cfg->eta, ES_HALVING_MAX_RUNGS);
  size_t weights[ES_HALVING_MAX_RUNGS];
  int b = T->plan(cfg, n, weights, err, err_len);
  return b < 0 ? b : 0;
}

/* ---- the state ------------------------------------------------------ */

enum { T_RUNNING, T_HELD, T_STOPPED, T_DONE, T_ENDED };

typedef struct {
  long id;
  size_t bracket;
  size_t next;       /* index of the next rung level to reach */
  int state;         /* T_* */
  double stop_level; /* T_STOPPED: the rung that stopped it */
} trial_rec;

typedef struct {
  es_rung **rung; /* rung[i], i in [b, top): decision rungs; NULL elsewhere */
  size_t weight;  /* plan's weight (hyperband n_s) */
  size_t assigned;
  size_t cycle;     /* assigned in the current round of sum(weights) trials */
  size_t *promoted; /* sha, per rung index */
  size_t *accounted;
  unsigned char *decided;
} bracket;

struct es_halving {
  const es_halving_type *type;
  const es_selection_type *sel;
  es_halving_config cfg;
  size_t k;
  double levels[ES_HALVING_MAX_RUNGS];
  size_t nlevels;
  bracket *b;
  size_t nb;
  size_t total_weight;
  size_t cycle_pos; /* trials assigned in the current round */
  trial_rec *t;
  size_t nt, tcap;
  es_idmap ids;   /* trial id -> index into t */
  int has_trials; /* es_halving_set_trials called */
  size_t trials;
  es_decision *rel; /* released decisions, FIFO [relhead, nrel) */
  size_t relhead, nrel, relcap;
  long *order; /* sha: scratch for a rung's order */
  size_t ordercap;
};

void es_halving_free(es_halving *h) {
  if (!h) return;
  for (size_t b = 0; b < h->nb; b++) {
    if (h->b[b].rung)
      for (size_t i = 0; i < h->nlevels; i++) es_rung_free(h->b[b].rung[i]);
    free(h->b[b].rung);
    free(h->b[b].promoted);
    free(h->b[b].accounted);
    free(h->b[b].decided);
  }
  free(h->b);
  free(h->t);
  es_idmap_free(&h->ids);
  free(h->rel);
  free(h->order);
  free(h);
}

es_halving *es_halving_alloc(const es_halving_type *T, const es_selection_type *S,
                             const es_halving_config *cfg, size_t k) {
  if (!T || !S || !cfg || k == 0 || es_halving_check(T, cfg, NULL, 0) < 0) return NULL;
  es_halving *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  h->type = T;
  h->sel = S;
  h->cfg = *cfg;
  h->k = k;
  h->nlevels = es_halving_levels(cfg, h->levels, ES_HALVING_MAX_RUNGS);
  size_t weights[ES_HALVING_MAX_RUNGS];
  int nb = T->plan(cfg, h->nlevels, weights, NULL, 0);
  if (nb < 1 || !(h->b = calloc((size_t)nb, sizeof *h->b))) goto fail;
  h->nb = (size_t)nb;
  for (size_t b = 0; b < h->nb; b++) {
    bracket *br = &h->b[b];
    br->weight = weights[b];
    h->total_weight += weights[b];
    if (!T->records) continue;
    br->rung = calloc(h->nlevels, sizeof *br->rung);
    br->promoted = calloc(h->nlevels, sizeof *br->promoted);
    br->accounted = calloc(h->nlevels, sizeof *br->accounted);
    br->decided = calloc(h->nlevels, 1);
    if (!br->rung || !br->promoted || !br->accounted || !br->decided) goto fail;
    for (size_t i = b; i + 1 < h->nlevels; i++)
      if (!(br->rung[i] = es_rung_alloc(S, k))) goto fail;
  }
  return h;
fail:
  es_halving_free(h);
  return NULL;
}

size_t es_halving_rungs(const es_halving *h, const double **levels) {
  if (levels) *levels = h->levels;
  return h->nlevels;
}

size_t es_halving_brackets(const es_halving *h) { return h->nb; }

int es_halving_bracket(const es_halving *h, size_t b, es_bracket_info *info) {
  if (b >= h->nb) return -EINVAL;
  info->s = (unsigned)(h->nlevels - 1 - b);
  info->first_rung = b;
  info->min_level = h->levels[b];
  info->n = h->b[b].weight;
  info->assigned = h->b[b].assigned;
  return 0;
}

const es_rung *es_halving_rung(const es_halving *h, size_t b, size_t rung) {
  if (b >= h->nb || !h->b[b].rung || rung >= h->nlevels) return NULL;
  return h->b[b].rung[rung];
}

static trial_rec *find(const es_halving *h, long id) {
  size_t i;
  return es_idmap_get(&h->ids, id, &i) == 0 ? &h->t[i] : NULL;
}

/* The bracket whose assignments lag their weight the most in the current
 * round of total_weight trials: maximise (pos+1)*w_b - W*cycle_b, ties to
 * the lower b (nginx's smooth weighted round robin in closed form). A
 * round ends with exactly w_b trials in each bracket. */
static size_t pick_bracket(const es_halving *h) {
  if (h->nb == 1) return 0;
  const long long W = (long long)h->total_weight, pos = (long long)h->cycle_pos;
  size_t best = 0;
  long long best_lag = 0;
  for (size_t b = 0; b < h->nb; b++) {
    long long lag = (pos + 1) * (long long)h->b[b].weight - W * (long long)h->b[b].cycle;
    if (b == 0 || lag > best_lag) best = b, best_lag = lag;
  }
  return best;
}

static int check_complete(es_halving *h, size_t b, size_t i, const trial_rec *self);

int es_halving_assign(es_halving *h, long id, size_t *bracket_out) {
  if (find(h, id)) return -EEXIST;
  if (h->type->synchronous && h->has_trials && h->nt >= h->trials) return -ENOSPC;
  if (h->nt == h->tcap) {
    size_t cap = h->tcap ? 2 * h->tcap : 64;
    trial_rec *t = realloc(h->t, cap * sizeof *t);
    if (!t) return -ENOMEM;
    h->t = t;
    h->tcap = cap;
  }
  int rc = es_idmap_put(&h->ids, id, h->nt);
  if (rc < 0) return rc;
  size_t b = pick_bracket(h);
  h->t[h->nt++] = (trial_rec){id, b, b, T_RUNNING, 0};
  h->b[b].assigned++;
  if (h->nb > 1) {
    h->b[b].cycle++;
    if (++h->cycle_pos == h->total_weight) {
      h->cycle_pos = 0;
      for (size_t c = 0; c < h->nb; c++) h->b[c].cycle = 0;
    }
  }
  if (bracket_out) *bracket_out = b;
  return 0;
}

/* Room for `extra` more queued decisions. */
static int reserve_queue(es_halving *h, size_t extra) {
  if (h->relhead > 0) { /* drop what was already handed out */
    memmove(h->rel, h->rel + h->relhead, (h->nrel - h->relhead) * sizeof *h->rel);
    h->nrel -= h->relhead;
    h->relhead = 0;
  }
  if (h->nrel + extra <= h->relcap) return 0;
  size_t cap = h->relcap ? 2 * h->relcap : 16;
  while (cap < h->nrel + extra) cap *= 2;
  es_decision *r = realloc(h->rel, cap * sizeof *r);
  if (!r) return -ENOMEM;
  h->rel = r;
  h->relcap = cap;
  return 0;
}

size_t es_halving_released(es_halving *h, es_decision *out, size_t cap) {
  size_t c = 0;
  while (c < cap && h->relhead < h->nrel) out[c++] = h->rel[h->relhead++];
  return c;
}

/* sha: decide rung i of bracket b: the first ceil(n/eta) results continue.
 * Held trials get their decision (queued, except `self`, the trial whose
 * report is being answered, if any); ended ones are skipped. */
static int decide_rung(es_halving *h, size_t b, size_t i, const trial_rec *self) {
  bracket *br = &h->b[b];
  es_rung *r = br->rung[i];
  size_t n = es_rung_size(r), q = es_rung_quota(n, h->cfg.eta);
  if (n > h->ordercap) {
    long *o = realloc(h->order, n * sizeof *o);
    if (!o) return -ENOMEM;
    h->order = o;
    h->ordercap = n;
  }
  int rc = es_rung_order(r, h->order);
  if (rc < 0) return rc;
  if ((rc = reserve_queue(h, n)) < 0) return rc; /* so nothing fails half way */
  br->decided[i] = 1;
  for (size_t s = 0; s < n; s++) {
    trial_rec *t = find(h, h->order[s]);
    if (t->state != T_HELD) continue; /* ended while held */
    int cont = s < q;
    if (cont) {
      t->state = T_RUNNING;
      br->promoted[i + 1]++;
    } else {
      t->state = T_STOPPED;
      t->stop_level = h->levels[i];
    }
    if (t != self) h->rel[h->nrel++] = (es_decision){t->id, cont ? ES_CONTINUE : ES_STOP, h->levels[i]};
  }
  return 0;
}

/* sha: decide rung i (and the ones above it) if complete. */
static int check_complete(es_halving *h, size_t b, size_t i, const trial_rec *self) {
  bracket *br = &h->b[b];
  const size_t top = h->nlevels - 1;
  for (; i < top; i++) {
    if (br->decided[i]) continue;
    if (i == b ? !h->has_trials || br->assigned < h->trials : !br->decided[i - 1]) return 0;
    if (i == b) br->promoted[i] = h->trials;
    if (br->accounted[i] < br->promoted[i]) return 0;
    int rc = decide_rung(h, b, i, self);
    if (rc < 0) return rc;
  }
  return 0;
}

int es_halving_set_trials(es_halving *h, size_t n) {
  if (n < h->nt) return -EINVAL;
  h->has_trials = 1;
  h->trials = n;
  if (!h->type->synchronous) return 0;
  return check_complete(h, 0, 0, NULL);
}

int es_halving_end(es_halving *h, long id) {
  trial_rec *t = find(h, id);
  if (!t) return -ENOENT;
  int was = t->state;
  t->state = T_ENDED;
  if (!h->type->synchronous || was != T_RUNNING || t->next + 1 >= h->nlevels) return 0;
  /* A running trial heading for a decision rung: that rung stops waiting
   * for it. */
  h->b[t->bracket].accounted[t->next]++;
  return check_complete(h, t->bracket, t->next, NULL);
}

int es_halving_report(es_halving *h, long id, double level, const double *obj, es_decision *out) {
  *out = (es_decision){id, ES_CONTINUE, 0};
  if (!h->type->records) return 0;
  trial_rec *t = find(h, id);
  if (!t) return -ENOENT;
  switch (t->state) {
    case T_HELD: /* out->rung: where it waits (resume relaunches held trials) */
      out->rung = h->levels[t->next - 1];
      return -EBUSY;
    case T_ENDED:
      return -ESRCH;
    case T_STOPPED:
      *out = (es_decision){id, ES_STOP, t->stop_level};
      return 0;
    case T_DONE:
      return 0;
  }
  if (!isfinite(level)) return -EINVAL;
  bracket *br = &h->b[t->bracket];
  const size_t top = h->nlevels - 1;
  while (t->next < h->nlevels && level >= h->levels[t->next]) {
    size_t i = t->next;
    out->rung = h->levels[i];
    if (i == top) {
      t->state = T_DONE;
      t->next = h->nlevels;
      return 0;
    }
    int rc;
    if (!obj) return -EINVAL;
    if (h->type->synchronous) {
      if ((rc = es_rung_add(br->rung[i], id, obj)) < 0) return rc;
      t->next = i + 1;
      t->state = T_HELD;
      br->accounted[i]++;
      /* An allocation failure here leaves the rung undecided; the next
       * report, end or set_trials retries the check. */
      if ((rc = check_complete(h, t->bracket, i, t)) < 0) return rc;
      if (t->state == T_HELD) {
        out->action = ES_HOLD;
        return 0;
      }
    } else {
      if ((rc = es_rung_promote(br->rung[i], id, obj, h->cfg.eta)) < 0) return rc;
      t->next = i + 1;
      if (rc == 0) {
        t->state = T_STOPPED;
        t->stop_level = h->levels[i];
      }
    }
    if (t->state == T_STOPPED) {
      out->action = ES_STOP;
      return 0;
    }
  }
  return 0;
}
