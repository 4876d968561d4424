/*
 * test_command.c - the command template: placeholders anywhere inside an
 * element, literal braces, values that reach argv verbatim (no shell),
 * the trial's own placeholders, and the errors a bad template gives.
 *
 * What it does not test: running the command (the launcher's tests do).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scheduler/command.h"

/* lr float [1e-4, 1] log; width int [8, 512]; act categorical with a
 * shell-looking value; flag categorical of booleans and null. */
static es_scalar act_values[] = {
    {ES_SCALAR_STRING, 0, "relu"}, {ES_SCALAR_STRING, 0, "$(touch x)"}, {ES_SCALAR_STRING, 0, "a b;c"}};
static es_scalar flag_values[] = {{ES_SCALAR_BOOL, 1, NULL}, {ES_SCALAR_NULL, 0, NULL}, {ES_SCALAR_NUMBER, 2.5, NULL}};
static es_param params[] = {
    {"lr", ES_PARAM_FLOAT, 1e-4, 1.0, 1, 0, NULL, 0},
    {"width", ES_PARAM_INT, 8, 512, 0, 0, NULL, 0},
    {"act", ES_PARAM_CATEGORICAL, 0, 0, 0, 0, act_values, 3},
    {"flag", ES_PARAM_CATEGORICAL, 0, 0, 0, 0, flag_values, 3},
};
static const es_space space = {params, 4};

/* Expand tmpl (NULL-terminated) at point; compare to want (NULL-terminated). */
static void expect_argv(char *const *tmpl, const double *point, char *const *want) {
  char err[256] = "";
  assert_int_equal(es_command_check("spec.json", tmpl, &space, err, sizeof err), 0);
  char **argv = es_command_expand(tmpl, &space, point, 42, "/runs/x/trials/42", 81, err, sizeof err);
  if (!argv) fail_msg("expand failed: %s", err);
  size_t i;
  for (i = 0; want[i]; i++) {
    assert_non_null(argv[i]);
    assert_string_equal(argv[i], want[i]);
  }
  assert_null(argv[i]);
  es_argv_free(argv);
}

static void expect_error(char *const *tmpl, const char *want) {
  char err[256] = "";
  double point[4] = {0.5, 16, 0, 0};
  assert_int_not_equal(es_command_check("spec.json", tmpl, &space, err, sizeof err), 0);
  assert_string_equal(err, want);
  /* Expansion refuses the same template, with the same message minus the file. */
  char err2[256] = "";
  char **argv = es_command_expand(tmpl, &space, point, 1, "/t", 1, err2, sizeof err2);
  assert_null(argv);
  assert_string_equal(err2, want + strlen("spec.json: "));
}

static void test_inside_elements(void **state) {
  (void)state;
  char *tmpl[] = {"python3", "train.py", "--lr={lr}", "--width", "{width}", "{act}-{width}x{width}", NULL};
  double point[] = {0.001, 64, 0, 0};
  char *want[] = {"python3", "train.py", "--lr=0.001", "--width", "64", "relu-64x64", NULL};
  expect_argv(tmpl, point, want);
}

static void test_literal_braces(void **state) {
  (void)state;
  char *tmpl[] = {"{{x}}", "{{{lr}}}", "a}}b{{c", "{{}}", NULL};
  double point[] = {0.5, 8, 0, 0};
  char *want[] = {"{x}", "{0.5}", "a}b{c", "{}", NULL};
  expect_argv(tmpl, point, want);
  /* "{{width}" is a literal "{", "width", then a lone '}'. */
  char *bad[] = {"{{width}", NULL};
  expect_error(bad, "spec.json: command[0]: unmatched '}' (write }} for a literal brace)");
}

static void test_shell_text_is_verbatim(void **state) {
  (void)state;
  char *tmpl[] = {"sh-free", "{act}", "--act={act}", NULL};
  double p1[] = {0.5, 8, 1, 0};
  char *w1[] = {"sh-free", "$(touch x)", "--act=$(touch x)", NULL};
  expect_argv(tmpl, p1, w1);
  double p2[] = {0.5, 8, 2, 0};
  char *w2[] = {"sh-free", "a b;c", "--act=a b;c", NULL};
  expect_argv(tmpl, p2, w2);
}

static void test_numbers(void **state) {
  (void)state;
  char *tmpl[] = {"{width}", "{lr}", "{flag}", NULL};
  double p1[] = {1.0, 512, 0, 0};
  char *w1[] = {"512", "1.0", "true", NULL}; /* ints as ints; floats keep a '.' */
  expect_argv(tmpl, p1, w1);
  double p2[] = {1e-4, 8, 0, 1};
  char *w2[] = {"8", "0.0001", "null", NULL};
  expect_argv(tmpl, p2, w2);
  double p3[] = {0.1, 9, 0, 2};
  char *w3[] = {"9", "0.1", "2.5", NULL};
  expect_argv(tmpl, p3, w3);
}

static void test_trial_placeholders(void **state) {
  (void)state;
  char *tmpl[] = {"--id={trial_id}", "{trial_dir}/ckpt", "--epochs", "{max_resource}", NULL};
  double point[] = {0.5, 8, 0, 0};
  char *want[] = {"--id=42", "/runs/x/trials/42/ckpt", "--epochs", "81", NULL};
  expect_argv(tmpl, point, want);

  char err[256];
  char **argv = es_command_expand(tmpl, &space, point, 7, "/d", 2.5, err, sizeof err);
  assert_non_null(argv);
  assert_string_equal(argv[0], "--id=7");
  assert_string_equal(argv[3], "2.5");
  es_argv_free(argv);

  /* {trial_dir} with no directory is an error, not "(null)". */
  assert_null(es_command_expand(tmpl, &space, point, 7, NULL, 2.5, err, sizeof err));
  assert_string_equal(err, "command[1]: {trial_dir} used but the trial has no directory");
}

static void test_empty_and_plain(void **state) {
  (void)state;
  char *tmpl[] = {"prog", "", "no placeholders at all", NULL};
  double point[] = {0.5, 8, 0, 0};
  char *want[] = {"prog", "", "no placeholders at all", NULL};
  expect_argv(tmpl, point, want);
  /* A parameter the template never names is fine. */
  char *one[] = {"prog", NULL};
  char *one_want[] = {"prog", NULL};
  expect_argv(one, point, one_want);
}

static void test_unknown_placeholder(void **state) {
  (void)state;
  char *typo[] = {"prog", "--lr={lrr}", NULL};
  expect_error(typo, "spec.json: command[1]: unknown placeholder {lrr} (did you mean {lr}?)");
  char *typo2[] = {"{trial_dr}", NULL};
  expect_error(typo2, "spec.json: command[0]: unknown placeholder {trial_dr} (did you mean {trial_dir}?)");
  char *far[] = {"prog", "x", "{momentum}", NULL};
  expect_error(far, "spec.json: command[2]: unknown placeholder {momentum} (not a parameter)");
  char *spaced[] = {"{ lr}", NULL};
  expect_error(spaced, "spec.json: command[0]: unknown placeholder { lr} (did you mean {lr}?)");
  char *empty[] = {"a{}b", NULL};
  expect_error(empty, "spec.json: command[0]: empty placeholder {}");
}

static void test_unmatched_braces(void **state) {
  (void)state;
  char *open[] = {"prog", "--lr={lr", NULL};
  expect_error(open, "spec.json: command[1]: unmatched '{' (write {{ for a literal brace)");
  char *nested[] = {"{a{lr}}", NULL};
  expect_error(nested, "spec.json: command[0]: unmatched '{' (write {{ for a literal brace)");
  char *close[] = {"prog", "x", "lr}", NULL};
  expect_error(close, "spec.json: command[2]: unmatched '}' (write }} for a literal brace)");
  char *lone[] = {"{", NULL};
  expect_error(lone, "spec.json: command[0]: unmatched '{' (write {{ for a literal brace)");
}

static void test_no_file_prefix(void **state) {
  (void)state;
  char *tmpl[] = {"{nope}", NULL};
  char err[256];
  assert_int_not_equal(es_command_check(NULL, tmpl, &space, err, sizeof err), 0);
  assert_string_equal(err, "command[0]: unknown placeholder {nope} (not a parameter)");
  /* With no space at all, only the trial's placeholders exist. */
  char *trial[] = {"{trial_id}", "{max_resource}", NULL};
  assert_int_equal(es_command_check(NULL, trial, NULL, err, sizeof err), 0);
  char **argv = es_command_expand(trial, NULL, NULL, 3, "/d", 1e21, err, sizeof err);
  assert_non_null(argv);
  assert_string_equal(argv[0], "3");
  assert_string_equal(argv[1], "1e+21");
  es_argv_free(argv);
  es_argv_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_inside_elements),        cmocka_unit_test(test_literal_braces),
      cmocka_unit_test(test_shell_text_is_verbatim), cmocka_unit_test(test_numbers),
      cmocka_unit_test(test_trial_placeholders),     cmocka_unit_test(test_empty_and_plain),
      cmocka_unit_test(test_unknown_placeholder),    cmocka_unit_test(test_unmatched_braces),
      cmocka_unit_test(test_no_file_prefix),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
