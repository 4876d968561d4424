/*
 * test_progress.c - the status line's text and the ETA arithmetic.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scheduler/progress.h"

static void format_full(void **state) {
  (void)state;
  es_progress_figures f = {.ended = 37, .completed = 30, .stopped = 5, .failed = 2, .running = 4,
                           .budget_trials = 100, .joules = 41234.0, .budget_j = 1e5, .estimate = 1,
                           .co2_g = 5.44, .front = 7, .has_hv = 1, .hv = 0.8123, .elapsed_s = 83, .eta_s = 130};
  char buf[512];
  es_progress_format(&f, buf, sizeof buf);
  assert_string_equal(buf, "37/100 done (4 running, 5 stopped, 2 failed) | 41.2 kJ est. (41% of budget), 5.44 g CO2e "
                           "| front 7, HV 0.8123 | 1m23s elapsed, ETA 2m10s");
}

static void format_without_budgets(void **state) {
  (void)state;
  es_progress_figures f = {.ended = 3, .joules = 2.5e6, .co2_g = 330, .elapsed_s = 7300, .eta_s = -1};
  char buf[512];
  es_progress_format(&f, buf, sizeof buf);
  assert_string_equal(buf, "3 done (0 running, 0 stopped, 0 failed) | 2.5 MJ, 330 g CO2e | front 0 | 2h01m elapsed, "
                           "ETA ?");
  /* A short buffer is cut, never overrun. */
  char small[16];
  es_progress_format(&f, small, sizeof small);
  assert_int_equal(strlen(small), sizeof small - 1);
}

static void eta_from_the_first_budget_to_run_out(void **state) {
  (void)state;
  assert_true(fabs(es_progress_eta(60, 0.25, -1, -1) - 180) < 1e-9);
  assert_true(fabs(es_progress_eta(60, 0.25, 0.5, 0.1) - 60) < 1e-9); /* energy runs out first */
  assert_true(es_progress_eta(60, -1, -1, -1) < 0);                    /* no budget */
  assert_true(es_progress_eta(0, 0.5, -1, -1) < 0);                    /* nothing elapsed */
  assert_true(es_progress_eta(60, 0, -1, -1) < 0);                     /* nothing spent */
  assert_true(es_progress_eta(60, 1.2, -1, -1) == 0);                  /* spent */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(format_full),
      cmocka_unit_test(format_without_budgets),
      cmocka_unit_test(eta_from_the_first_budget_to_run_out),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
