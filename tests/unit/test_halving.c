/*
 * test_halving.c - unit tests of the halving family (strategies/halving*.c):
 * rung levels, config checks and their messages, Hyperband's bracket sizes
 * against the paper's table and the assignment proportions, asha decision
 * sequences (hand-made, and random ones against a model written here),
 * sha holding and releasing (trials ending early, held trials ending,
 * reports crossing several rungs), and none.
 *
 * Not covered here: the selection rules' orderings (test_selection.c).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_rng.h>

#include "strategies/halving.h"

#define assert_double_equal(a, b)                                        \
  do {                                                                   \
    double a_ = (a), b_ = (b);                                           \
    if (!(a_ == b_)) fail_msg("%s = %.17g, expected %.17g", #a, a_, b_); \
  } while (0)

static es_halving *make(const char *rule, const char *sel, double min, double max, double eta,
                        unsigned brackets, size_t k) {
  es_halving_config cfg = {min, max, eta, brackets};
  es_halving *h = es_halving_alloc(es_halving_lookup(rule), es_selection_lookup(sel), &cfg, k);
  assert_non_null(h);
  return h;
}

/* Report and check the reply. */
static void expect_reply(es_halving *h, long id, double level, double v, int action, double rung) {
  es_decision d;
  double obj[1] = {v};
  int rc = es_halving_report(h, id, level, obj, &d);
  if (rc != 0) fail_msg("report(%ld, %g) = %d", id, level, rc);
  if (d.id != id || d.action != action || d.rung != rung)
    fail_msg("report(%ld, %g): action %d at %g, expected %d at %g", id, level, d.action, d.rung, action,
             rung);
}

static void assign(es_halving *h, long id) { assert_int_equal(es_halving_assign(h, id, NULL), 0); }

/* ---- registry, levels, checks ----------------------------------------- */

static void test_registry(void **state) {
  (void)state;
  assert_ptr_equal(es_halving_lookup("none"), &es_halving_none);
  assert_ptr_equal(es_halving_lookup("sha"), &es_halving_sha);
  assert_ptr_equal(es_halving_lookup("asha"), &es_halving_asha);
  assert_ptr_equal(es_halving_lookup("hyperband"), &es_halving_hyperband);
  assert_null(es_halving_lookup("ASHA"));
  assert_null(es_halving_lookup(NULL));
  char buf[64];
  es_halving_names(buf, sizeof buf);
  assert_string_equal(buf, "none, sha, asha, hyperband");
}

static void assert_levels(double min, double max, double eta, const double *want, size_t n) {
  es_halving_config cfg = {min, max, eta, 1};
  double got[ES_HALVING_MAX_RUNGS];
  size_t c = es_halving_levels(&cfg, got, ES_HALVING_MAX_RUNGS);
  if (c != n) fail_msg("min %g max %g eta %g: %zu levels, expected %zu", min, max, eta, c, n);
  for (size_t i = 0; i < n; i++)
    if (got[i] != want[i]) fail_msg("level %zu = %.17g, expected %.17g", i, got[i], want[i]);
}

static void test_levels(void **state) {
  (void)state;
  assert_levels(1, 81, 3, (double[]){1, 3, 9, 27, 81}, 5);
  assert_levels(1, 100, 3, (double[]){1, 3, 9, 27, 81, 100}, 6); /* max not a power */
  assert_levels(1, 80, 3, (double[]){1, 3, 9, 27, 80}, 5);
  assert_levels(0.5, 10, 2.5, (double[]){0.5, 1.25, 3.125, 7.8125, 10}, 5);            /* non-integer */
  assert_levels(2, 2, 3, (double[]){2}, 1);                                            /* min == max */
  assert_levels(1, 81 * (1 + 1e-12), 3, (double[]){1, 3, 9, 27, 81 * (1 + 1e-12)}, 5); /* within 1e-9: max */
  assert_levels(0.1, 1, 10, (double[]){0.1, 1}, 2);
  assert_levels(100, 12800, 2, (double[]){100, 200, 400, 800, 1600, 3200, 6400, 12800}, 8); /* joules */
  es_halving_config bad = {1, 81, 1, 1};
  assert_int_equal(es_halving_levels(&bad, NULL, 0), 0);
  es_halving_config ok = {1, 81, 3, 1};
  double two[2] = {0, 0};
  assert_int_equal(es_halving_levels(&ok, two, 2), 5); /* count beyond cap */
  assert_double_equal(two[1], 3);
}

static void check_config(const char *rule, double min, double max, double eta, unsigned brackets,
                         const char *want) {
  es_halving_config cfg = {min, max, eta, brackets};
  char err[256] = "";
  int rc = es_halving_check(es_halving_lookup(rule), &cfg, err, sizeof err);
  if (!want) {
    if (rc != 0) fail_msg("%s: unexpected error %d: %s", rule, rc, err);
    return;
  }
  assert_int_equal(rc, -EINVAL);
  if (strcmp(err, want) != 0) fail_msg("message \"%s\", expected \"%s\"", err, want);
  assert_null(es_halving_alloc(es_halving_lookup(rule), &es_selection_pareto, &cfg, 2));
}

static void test_checks(void **state) {
  (void)state;
  check_config("asha", 1, 81, 3, 1, NULL);
  check_config("asha", 1, 81, 3, 9, NULL); /* brackets: hyperband only */
  check_config("asha", 1, 81, 1, 1, "resource.eta: must be a number > 1 (got 1)");
  check_config("sha", 0, 81, 3, 1, "resource.min: must be a number > 0 (got 0)");
  check_config("none", 5, 4, 3, 1, "resource.max: must be a number >= min (got 4, min 5)");
  check_config("asha", 1, INFINITY, 3, 1, "resource.max: must be a number >= min (got inf, min 1)");
  check_config("asha", 1, 1e6, 1.01, 1, "resource: min 1, max 1e+06 and eta 1.01 give more than 64 rungs");
  check_config("hyperband", 1, 81, 3, 5, NULL);
  check_config("hyperband", 1, 81, 3, 6,
               "resource.brackets: hyperband runs 1 to 5 brackets on the 5 rungs of min 1, max 81, eta 3 "
               "(got 6)");
  check_config("hyperband", 1, 81, 3, 0,
               "resource.brackets: hyperband runs 1 to 5 brackets on the 5 rungs of min 1, max 81, eta 3 "
               "(got 0)");
  es_halving_config cfg = {1, 81, 3, 1};
  assert_null(es_halving_alloc(&es_halving_asha, &es_selection_pareto, &cfg, 0));
}

/* ---- hyperband -------------------------------------------------------- */

/* Li et al. 2018, Table 1 (R = 81, eta = 3). */
static void test_hyperband_paper_table(void **state) {
  (void)state;
  es_halving *h = make("hyperband", "pareto", 1, 81, 3, 5, 2);
  assert_int_equal(es_halving_brackets(h), 5);
  const unsigned s_want[] = {4, 3, 2, 1, 0};
  const size_t n_want[] = {81, 34, 15, 8, 5};
  const double r_want[] = {1, 3, 9, 27, 81};
  for (size_t b = 0; b < 5; b++) {
    es_bracket_info info;
    assert_int_equal(es_halving_bracket(h, b, &info), 0);
    assert_int_equal(info.s, s_want[b]);
    assert_int_equal(info.n, n_want[b]);
    assert_double_equal(info.min_level, r_want[b]);
    assert_int_equal(info.first_rung, b);
    assert_int_equal(info.assigned, 0);
    /* Bracket b records at its own rungs only, never at the last. */
    for (size_t i = 0; i < 5; i++) assert_true((es_halving_rung(h, b, i) != NULL) == (i >= b && i < 4));
  }
  es_bracket_info info;
  assert_int_equal(es_halving_bracket(h, 5, &info), -EINVAL);
  es_halving_free(h);

  /* Fewer brackets: the most exploratory ones. */
  h = make("hyperband", "pareto", 1, 81, 3, 2, 2);
  assert_int_equal(es_halving_brackets(h), 2);
  assert_int_equal(es_halving_bracket(h, 1, &info), 0);
  assert_int_equal(info.s, 3);
  assert_int_equal(info.n, 34);
  es_halving_free(h);

  /* eta 2, R 8: s_max 3, n = 8, ceil(16/3) = 6, 4, 4; r = 1 2 4 8. */
  h = make("hyperband", "scalar", 1, 8, 2, 4, 1);
  const size_t n2[] = {8, 6, 4, 4};
  for (size_t b = 0; b < 4; b++) {
    assert_int_equal(es_halving_bracket(h, b, &info), 0);
    assert_int_equal(info.n, n2[b]);
    assert_double_equal(info.min_level, (double)(1 << b));
  }
  es_halving_free(h);

  /* sha and asha: one bracket at the lowest rung. */
  h = make("asha", "pareto", 1, 81, 3, 1, 2);
  assert_int_equal(es_halving_brackets(h), 1);
  size_t b = 9;
  assert_int_equal(es_halving_assign(h, 1, &b), 0);
  assert_int_equal(b, 0);
  es_halving_free(h);
}

static void test_hyperband_assignment(void **state) {
  (void)state;
  es_halving *h = make("hyperband", "pareto", 1, 81, 3, 5, 2);
  const double n_s[] = {81, 34, 15, 8, 5};
  const double total = 143;
  size_t count[5] = {0};
  for (long t = 0; t < 3 * 143 + 50; t++) {
    size_t b = 99;
    assert_int_equal(es_halving_assign(h, t * 2 + 1, &b), 0);
    assert_true(b < 5);
    if (t == 0) assert_int_equal(b, 0); /* the largest bracket starts */
    count[b]++;
    /* Every prefix within one trial of the exact share. */
    for (size_t c = 0; c < 5; c++) {
      double exact = (double)(t + 1) * n_s[c] / total;
      if (fabs((double)count[c] - exact) >= 1.0)
        fail_msg("after %ld trials bracket %zu has %zu, exact share %.3f", t + 1, c, count[c], exact);
    }
    if ((t + 1) % 143 == 0)
      for (size_t c = 0; c < 5; c++) assert_int_equal(count[c], (size_t)n_s[c] * (size_t)((t + 1) / 143));
  }
  for (size_t c = 0; c < 5; c++) {
    es_bracket_info info;
    es_halving_bracket(h, c, &info);
    assert_int_equal(info.assigned, count[c]);
  }
  assert_int_equal(es_halving_assign(h, 1, NULL), -EEXIST);
  es_halving_free(h);

  /* Equal weights (eta 2, R 8: n = 8 6 4 4): ties go to the lower
   * bracket, so bracket 2 is never behind bracket 3, and a round of 22
   * gives exactly the weights. */
  h = make("hyperband", "scalar", 1, 8, 2, 4, 1);
  size_t c2[4] = {0};
  int ahead = 0;
  for (long t = 0; t < 44; t++) {
    size_t b;
    assert_int_equal(es_halving_assign(h, t, &b), 0);
    c2[b]++;
    assert_true(c2[2] >= c2[3]);
    ahead |= c2[2] > c2[3];
    if (t == 21) {
      assert_int_equal(c2[0], 8);
      assert_int_equal(c2[1], 6);
      assert_int_equal(c2[2], 4);
      assert_int_equal(c2[3], 4);
    }
  }
  assert_true(ahead);
  es_halving_free(h);
}

static void test_hyperband_reports(void **state) {
  (void)state;
  es_halving *h = make("hyperband", "scalar", 1, 81, 3, 5, 1);
  /* Trials 0..9: the first goes to bracket 0 (rung 1), the second to the
   * bracket that lags most - find one in bracket 1 (first rung 3). */
  long in1 = -1;
  for (long t = 0; t < 10; t++) {
    size_t b;
    assert_int_equal(es_halving_assign(h, t, &b), 0);
    if (b == 1 && in1 < 0) in1 = t;
  }
  assert_true(in1 >= 0);
  expect_reply(h, in1, 1, 5.0, ES_CONTINUE, 0); /* below its bracket's first rung: nothing recorded */
  expect_reply(h, in1, 2, 5.0, ES_CONTINUE, 0);
  assert_int_equal(es_rung_size(es_halving_rung(h, 1, 1)), 0);
  expect_reply(h, in1, 3, 5.0, ES_CONTINUE, 3); /* first at its rung */
  assert_int_equal(es_rung_size(es_halving_rung(h, 1, 1)), 1);
  assert_int_equal(es_rung_size(es_halving_rung(h, 0, 1)), 0); /* other bracket untouched */
  es_halving_free(h);
}

/* ---- asha ------------------------------------------------------------- */

static void test_asha_sequence(void **state) {
  (void)state;
  /* Rungs 1 3 9, eta 3, first objective minimised. */
  es_halving *h = make("asha", "scalar", 1, 9, 3, 1, 1);
  for (long id = 1; id <= 6; id++) assign(h, id);
  expect_reply(h, 1, 0.5, 10, ES_CONTINUE, 0); /* before the first rung */
  expect_reply(h, 1, 1, 10, ES_CONTINUE, 1);   /* n 1, quota 1 */
  expect_reply(h, 2, 1, 20, ES_STOP, 1);       /* n 2, quota 1, position 1 */
  expect_reply(h, 3, 1.5, 5, ES_CONTINUE, 1);  /* first report >= 1 reaches it: best */
  expect_reply(h, 4, 1, 6, ES_CONTINUE, 1);    /* n 4, quota 2: position 1 (behind id 3) */
  expect_reply(h, 5, 1, 10, ES_STOP, 1);       /* n 5, quota 2: position 3 (id 1 ties it, lower id first) */
  assert_int_equal(es_rung_size(es_halving_rung(h, 0, 0)), 5);
  /* Passed rungs do not record again; reports between rungs continue. */
  expect_reply(h, 1, 1, 99, ES_CONTINUE, 0);
  expect_reply(h, 1, 2, 99, ES_CONTINUE, 0);
  assert_int_equal(es_rung_size(es_halving_rung(h, 0, 0)), 5);
  /* A stopped trial that reports again is told stop again. */
  expect_reply(h, 2, 2, 0, ES_STOP, 1);
  expect_reply(h, 2, 9, 0, ES_STOP, 1);
  assert_int_equal(es_rung_size(es_halving_rung(h, 0, 1)), 0);
  /* Rung 3: id 1 first (continues), id 3 second (n 2: quota 1 -> stop). */
  expect_reply(h, 1, 3, 8, ES_CONTINUE, 3);
  expect_reply(h, 3, 3, 9, ES_STOP, 3);
  /* The top rung (max): always continue, nothing recorded, and after it. */
  expect_reply(h, 1, 9, 1e9, ES_CONTINUE, 9);
  expect_reply(h, 1, 10, 1e9, ES_CONTINUE, 0);
  /* One report crossing rungs 1 and 3: decided at both in turn - best at
   * rung 1 (n 6, quota 2), then ahead of ids 1 (8) and 3 (9) at rung 3
   * (n 3, quota 1). */
  expect_reply(h, 6, 4, 4, ES_CONTINUE, 3);
  assert_int_equal(es_rung_size(es_halving_rung(h, 0, 0)), 6);
  assert_int_equal(es_rung_size(es_halving_rung(h, 0, 1)), 3);
  /* Crossing, but stopped at the first rung it reaches: not recorded above. */
  assign(h, 7);
  expect_reply(h, 7, 9, 100, ES_STOP, 1);
  assert_int_equal(es_rung_size(es_halving_rung(h, 0, 1)), 3);
  expect_reply(h, 7, 9, 100, ES_STOP, 1);
  /* Errors. */
  es_decision d;
  double v = 1;
  assert_int_equal(es_halving_report(h, 42, 1, &v, &d), -ENOENT);
  assert_int_equal(es_halving_end(h, 42), -ENOENT);
  assert_int_equal(es_halving_report(h, 4, NAN, &v, &d), -EINVAL);
  assert_int_equal(es_halving_report(h, 4, 3, NULL, &d), -EINVAL);
  double nan1 = NAN;
  assert_int_equal(es_halving_report(h, 4, 3, &nan1, &d), -EINVAL);
  assert_int_equal(es_rung_size(es_halving_rung(h, 0, 1)), 3); /* nothing recorded */
  expect_reply(h, 4, 3, 8.5, ES_STOP, 3);                      /* n 4, quota 2: 4 (id 6) and 8 (id 1) ahead */
  assert_int_equal(es_halving_end(h, 5), 0);
  assert_int_equal(es_halving_report(h, 5, 3, &v, &d), -ESRCH);
  assert_int_equal(es_halving_end(h, 5), 0);          /* idempotent */
  assert_int_equal(es_halving_set_trials(h, 100), 0); /* accepted, no effect */
  es_decision rel[4];
  assert_int_equal(es_halving_released(h, rel, 4), 0);
  es_halving_free(h);
}

/* Mixed goals through the halving layer: the scheduler negates "max"
 * objectives before reporting; here accuracy (max) and joules (min). */
static void test_asha_pareto_mixed_goals(void **state) {
  (void)state;
  es_halving *h = make("asha", "pareto", 1, 4, 2, 1, 2);
  for (long id = 1; id <= 4; id++) assign(h, id);
  es_decision d;
  double a[2] = {-0.80, 300}; /* accuracy 0.80, 300 J */
  double b[2] = {-0.70, 400}; /* dominated by a */
  double c[2] = {-0.90, 500}; /* trade-off with a */
  double e[2] = {-0.85, 250}; /* dominates a, trade-off with c */
  assert_int_equal(es_halving_report(h, 1, 1, a, &d), 0);
  assert_int_equal(d.action, ES_CONTINUE);
  assert_int_equal(es_halving_report(h, 2, 1, b, &d), 0); /* n 2, quota 1: front 1 */
  assert_int_equal(d.action, ES_STOP);
  assert_int_equal(es_halving_report(h, 3, 1, c, &d), 0); /* n 3, quota 2: front 0 of two */
  assert_int_equal(d.action, ES_CONTINUE);
  /* n 4, quota 2: front 0 = {c, e}, both ends (infinite): id 3 then id 4. */
  assert_int_equal(es_halving_report(h, 4, 1, e, &d), 0);
  assert_int_equal(d.action, ES_CONTINUE);
  size_t pos;
  es_rung *r0 = (es_rung *)es_halving_rung(h, 0, 0);
  assert_int_equal(es_rung_position(r0, 4, (size_t)-1, &pos), 0);
  assert_int_equal(pos, 1);
  assert_int_equal(es_rung_position(r0, 1, (size_t)-1, &pos), 0);
  assert_int_equal(pos, 2); /* a fell to front 1 */
  es_halving_free(h);
}

/* Random interleavings against a model: each rung keeps its values; the
 * decision is position (smaller value, then lower id) < ceil(n / eta). */
static void test_asha_random_model(void **state) {
  (void)state;
  gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(g, 5);
  for (int q = 0; q < 100; q++) {
    const double eta = 2 + q % 3;
    es_halving *h = make("asha", "scalar", 1, eta * eta * eta, eta, 1, 1);
    enum { T = 40 };
    double val[4][T];
    long rid[4][T];
    size_t nr[4] = {0};
    int level[T] = {0}, alive[T];
    for (long t = 0; t < T; t++) assign(h, t), alive[t] = 1;
    for (int step = 0; step < 400; step++) {
      long t = (long)gsl_rng_uniform_int(g, T);
      if (!alive[t] || level[t] >= 3) continue;
      int i = level[t];
      double v = (double)gsl_rng_uniform_int(g, 8);
      size_t n = nr[i] + 1, pos = 0;
      for (size_t x = 0; x < nr[i]; x++)
        if (val[i][x] < v || (val[i][x] == v && rid[i][x] < t)) pos++;
      val[i][nr[i]] = v;
      rid[i][nr[i]++] = t;
      int cont = pos < es_rung_quota(n, eta);
      expect_reply(h, t, pow(eta, i), v, cont ? ES_CONTINUE : ES_STOP, pow(eta, i));
      if (cont)
        level[t]++;
      else
        alive[t] = 0;
    }
    es_halving_free(h);
  }
  gsl_rng_free(g);
}

/* ---- sha -------------------------------------------------------------- */

static size_t drain(es_halving *h, es_decision *out) {
  size_t n = 0, c;
  while ((c = es_halving_released(h, out + n, 2)) > 0) n += c;
  return n;
}

static void test_sha_hold_and_release(void **state) {
  (void)state;
  /* Rungs 1 2 4, eta 2, four trials. */
  es_halving *h = make("sha", "scalar", 1, 4, 2, 1, 1);
  assert_int_equal(es_halving_set_trials(h, 4), 0);
  for (long id = 1; id <= 4; id++) assign(h, id);
  assert_int_equal(es_halving_assign(h, 5, NULL), -ENOSPC);
  assert_int_equal(es_halving_set_trials(h, 3), -EINVAL); /* below the 4 assigned */
  expect_reply(h, 1, 0.5, 0, ES_CONTINUE, 0);
  expect_reply(h, 1, 1, 40, ES_HOLD, 1);
  expect_reply(h, 2, 1, 10, ES_HOLD, 1);
  expect_reply(h, 3, 1, 30, ES_HOLD, 1);
  es_decision d, rel[8];
  double v = 0;
  assert_int_equal(es_halving_report(h, 2, 1.5, &v, &d), -EBUSY); /* held: should be waiting */
  assert_true(d.rung == 1);                                          /* ... at rung 1 */
  assert_int_equal(es_halving_released(h, rel, 8), 0);
  /* The last one completes the rung: its own decision is the reply, the
   * others are released. Quota ceil(4/2) = 2: ids 2 (10) and 4 (20). */
  expect_reply(h, 4, 1, 20, ES_CONTINUE, 1);
  size_t n = drain(h, rel);
  assert_int_equal(n, 3);
  /* Released in rank order: 2 continue, 3 stop, 1 stop. */
  long want_id[] = {2, 3, 1};
  int want_act[] = {ES_CONTINUE, ES_STOP, ES_STOP};
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(rel[i].id, want_id[i]);
    assert_int_equal(rel[i].action, want_act[i]);
    assert_double_equal(rel[i].rung, 1);
  }
  expect_reply(h, 1, 2, 0, ES_STOP, 1); /* a stopped trial stays stopped */
  /* Rung 2: promoted 2 and 4. 4 reports and is held; 2 ends early, so the
   * rung is complete without it and 4 is released (n 1, quota 1). */
  expect_reply(h, 4, 2, 20, ES_HOLD, 2);
  assert_int_equal(es_halving_end(h, 2), 0);
  n = drain(h, rel);
  assert_int_equal(n, 1);
  assert_int_equal(rel[0].id, 4);
  assert_int_equal(rel[0].action, ES_CONTINUE);
  assert_double_equal(rel[0].rung, 2);
  expect_reply(h, 4, 4, 20, ES_CONTINUE, 4); /* the top: finishes normally */
  assert_int_equal(drain(h, rel), 0);
  es_halving_free(h);
}

static void test_sha_waits_for_trial_count(void **state) {
  (void)state;
  es_halving *h = make("sha", "scalar", 1, 4, 2, 1, 1);
  es_decision rel[8];
  for (long id = 1; id <= 3; id++) assign(h, id);
  expect_reply(h, 1, 1, 3, ES_HOLD, 1);
  expect_reply(h, 2, 1, 1, ES_HOLD, 1);
  expect_reply(h, 3, 1, 2, ES_HOLD, 1); /* all assigned have reported, but the count is unknown */
  assert_int_equal(drain(h, rel), 0);
  assert_int_equal(es_halving_set_trials(h, 5), 0); /* two more to come */
  assert_int_equal(drain(h, rel), 0);
  assign(h, 4);
  assert_int_equal(es_halving_end(h, 4), 0); /* failed before rung 1 */
  assert_int_equal(drain(h, rel), 0);
  /* The sweep stops starting trials: 4 in all. n 3, quota 2: ids 2, 3. */
  assert_int_equal(es_halving_set_trials(h, 4), 0);
  size_t n = drain(h, rel);
  assert_int_equal(n, 3);
  assert_int_equal(rel[0].id, 2);
  assert_int_equal(rel[0].action, ES_CONTINUE);
  assert_int_equal(rel[1].id, 3);
  assert_int_equal(rel[1].action, ES_CONTINUE);
  assert_int_equal(rel[2].id, 1);
  assert_int_equal(rel[2].action, ES_STOP);
  es_halving_free(h);
}

static void test_sha_held_trial_ends(void **state) {
  (void)state;
  es_halving *h = make("sha", "scalar", 1, 4, 2, 1, 1);
  es_decision rel[8];
  assert_int_equal(es_halving_set_trials(h, 4), 0);
  for (long id = 1; id <= 4; id++) assign(h, id);
  expect_reply(h, 1, 1, 1, ES_HOLD, 1); /* best */
  expect_reply(h, 2, 1, 2, ES_HOLD, 1);
  assert_int_equal(es_halving_end(h, 1), 0); /* killed while held (e.g. timeout) */
  expect_reply(h, 3, 1, 3, ES_HOLD, 1);
  expect_reply(h, 4, 1, 4, ES_STOP, 1); /* quota 2 of 4: ids 1 and 2 */
  size_t n = drain(h, rel);
  assert_int_equal(n, 2); /* no decision for the ended trial */
  assert_int_equal(rel[0].id, 2);
  assert_int_equal(rel[0].action, ES_CONTINUE);
  assert_int_equal(rel[1].id, 3);
  assert_int_equal(rel[1].action, ES_STOP);
  /* Rung 2 waits only for id 2 (id 1 ended): it alone completes it. */
  expect_reply(h, 2, 2, 5, ES_CONTINUE, 2);
  es_decision d;
  double v = 0;
  assert_int_equal(es_halving_report(h, 1, 2, &v, &d), -ESRCH);
  es_halving_free(h);
}

static void test_sha_crossing_and_vacuous_rungs(void **state) {
  (void)state;
  /* One trial: every rung completes as soon as it reports; one report at
   * level 2 passes rungs 1 and 2 in turn. */
  es_halving *h = make("sha", "pareto", 1, 4, 2, 1, 2);
  es_decision rel[4];
  assert_int_equal(es_halving_set_trials(h, 1), 0);
  assign(h, 7);
  es_decision d;
  double obj[2] = {1, 1};
  assert_int_equal(es_halving_report(h, 7, 2, obj, &d), 0);
  assert_int_equal(d.action, ES_CONTINUE);
  assert_double_equal(d.rung, 2);
  assert_int_equal(es_rung_size(es_halving_rung(h, 0, 0)), 1);
  assert_int_equal(es_rung_size(es_halving_rung(h, 0, 1)), 1);
  assert_int_equal(drain(h, rel), 0);
  es_halving_free(h);

  /* Every trial ends before reaching a rung: rungs decide empty, nothing
   * hangs or is released. */
  h = make("sha", "scalar", 1, 8, 2, 1, 1);
  assert_int_equal(es_halving_set_trials(h, 2), 0);
  assign(h, 1);
  assign(h, 2);
  assert_int_equal(es_halving_end(h, 1), 0);
  assert_int_equal(es_halving_end(h, 2), 0);
  assert_int_equal(drain(h, rel), 0);
  assert_int_equal(es_rung_size(es_halving_rung(h, 0, 0)), 0);
  es_halving_free(h);

  /* Held at rung 1 by a report at level 2; once released it reaches
   * rung 2 at its next report. */
  h = make("sha", "scalar", 1, 4, 2, 1, 1);
  assert_int_equal(es_halving_set_trials(h, 2), 0);
  assign(h, 1);
  assign(h, 2);
  expect_reply(h, 1, 2, 1, ES_HOLD, 1);
  expect_reply(h, 2, 1, 2, ES_STOP, 1); /* quota 1 of 2 */
  assert_int_equal(drain(h, rel), 1);
  assert_int_equal(rel[0].id, 1);
  assert_int_equal(rel[0].action, ES_CONTINUE);
  assert_int_equal(es_rung_size(es_halving_rung(h, 0, 1)), 0);
  expect_reply(h, 1, 3, 1, ES_CONTINUE, 2); /* alone at rung 2 */
  es_halving_free(h);
}

/* ---- none ------------------------------------------------------------- */

static void test_none(void **state) {
  (void)state;
  es_halving *h = make("none", "pareto", 1, 81, 3, 1, 2);
  es_decision d;
  double obj[2] = {1e300, 1e300};
  for (long id = 0; id < 5; id++) {
    assign(h, id);
    for (double level = 0; level <= 100; level += 7) {
      assert_int_equal(es_halving_report(h, id, level, obj, &d), 0);
      assert_int_equal(d.action, ES_CONTINUE);
    }
  }
  assert_int_equal(es_halving_report(h, 99, 81, NULL, &d), 0); /* never looks */
  assert_int_equal(d.action, ES_CONTINUE);
  assert_null(es_halving_rung(h, 0, 0));
  es_halving_free(h);
  es_halving_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_registry),
      cmocka_unit_test(test_levels),
      cmocka_unit_test(test_checks),
      cmocka_unit_test(test_hyperband_paper_table),
      cmocka_unit_test(test_hyperband_assignment),
      cmocka_unit_test(test_hyperband_reports),
      cmocka_unit_test(test_asha_sequence),
      cmocka_unit_test(test_asha_pareto_mixed_goals),
      cmocka_unit_test(test_asha_random_model),
      cmocka_unit_test(test_sha_hold_and_release),
      cmocka_unit_test(test_sha_waits_for_trial_count),
      cmocka_unit_test(test_sha_held_trial_ends),
      cmocka_unit_test(test_sha_crossing_and_vacuous_rungs),
      cmocka_unit_test(test_none),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
