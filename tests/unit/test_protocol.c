/*
 * test_protocol.c - report lines (good, malformed, oversized, NaN/inf) and
 * the line splitter.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "workers/protocol.h"

static int parse(const char *line, es_report *r, char *why) {
  return es_report_parse(line, strlen(line), r, why, 128);
}

static void good_report(void **state) {
  (void)state;
  es_report r;
  char why[128];
  assert_int_equal(parse("{\"step\": 3, \"metrics\": {\"accuracy\": 0.91, \"loss\": 0.30}}", &r, why), 0);
  assert_true(r.step == 3.0);
  assert_int_equal(r.n_metrics, 2);
  assert_string_equal(r.metrics[0].name, "accuracy");
  assert_true(*es_report_metric(&r, "loss") == 0.30);
  assert_null(es_report_metric(&r, "nope"));
  es_report_free(&r);
}

static void fractional_step_and_no_metrics(void **state) {
  (void)state;
  es_report r;
  char why[128];
  assert_int_equal(parse("{\"step\": 2.5}\r", &r, why), 0);
  assert_true(r.step == 2.5);
  assert_int_equal(r.n_metrics, 0);
  es_report_free(&r);
  assert_int_equal(parse("  {\"step\": 1, \"metrics\": {}, \"extra\": [1,2]}  ", &r, why), 0);
  es_report_free(&r);
}

static void expect_error(const char *line, const char *token) {
  es_report r;
  char why[128] = "";
  assert_int_equal(parse(line, &r, why), -EPROTO);
  assert_string_equal(why, token);
  assert_null(r.metrics);
}

static void malformed_lines(void **state) {
  (void)state;
  expect_error("", "not-json");
  expect_error("hello", "not-json");
  expect_error("{\"step\": 1", "not-json");
  expect_error("{\"step\": 1} trailing", "not-json");
  expect_error("[1, 2]", "not-object");
  expect_error("{\"metrics\": {\"a\": 1}}", "no-step");
  expect_error("{\"step\": \"3\"}", "no-step");
  expect_error("{\"step\": 1e999}", "bad-step");
  expect_error("{\"step\": 1, \"metrics\": [1]}", "metrics-not-object");
  expect_error("{\"step\": 1, \"metrics\": {\"acc\": \"high\"}}", "bad-metric:acc");
  expect_error("{\"step\": 1, \"metrics\": {\"acc\": 1e999}}", "bad-metric:acc");
  expect_error("{\"step\": 1, \"metrics\": {\"acc\": -1e999}}", "bad-metric:acc");
  expect_error("{\"step\": 1, \"metrics\": {\"acc\": NaN}}", "not-json");
  expect_error("{\"step\": 1, \"metrics\": {\"acc\": null}}", "bad-metric:acc");
  expect_error("{\"step\": 1, \"metrics\": {\"a\": 1, \"a\": 2}}", "duplicate-metric:a");
}

static void oversized_line(void **state) {
  (void)state;
  size_t n = ES_REPORT_MAX + 10;
  char *line = malloc(n + 1);
  memset(line, ' ', n);
  memcpy(line, "{\"step\": 1}", 11);
  line[n] = '\0';
  es_report r;
  char why[128];
  assert_int_equal(es_report_parse(line, n, &r, why, sizeof why), -EPROTO);
  assert_string_equal(why, "line-too-long");
  free(line);
}

static void linebuf_splits_and_limits(void **state) {
  (void)state;
  es_linebuf lb;
  es_linebuf_init(&lb, 8);
  size_t len;
  assert_int_equal(es_linebuf_feed(&lb, "ab", 2), 0);
  assert_null(es_linebuf_next(&lb, &len));
  assert_int_equal(es_linebuf_feed(&lb, "c\nde\nf", 6), 0);
  const char *l = es_linebuf_next(&lb, &len);
  assert_non_null(l);
  assert_int_equal(len, 3);
  assert_memory_equal(l, "abc", 3);
  l = es_linebuf_next(&lb, &len);
  assert_int_equal(len, 2);
  assert_memory_equal(l, "de", 2);
  assert_null(es_linebuf_next(&lb, &len));
  assert_int_equal(es_linebuf_feed(&lb, "ghijklm", 7), 0); /* "fghijklm": 8, at the limit */
  assert_int_equal(es_linebuf_feed(&lb, "n", 1), -E2BIG);   /* 9: over */
  assert_null(es_linebuf_next(&lb, &len));
  es_linebuf_free(&lb);

  es_linebuf_init(&lb, 8);
  assert_int_equal(es_linebuf_feed(&lb, "tail", 4), 0);
  l = es_linebuf_rest(&lb, &len);
  assert_int_equal(len, 4);
  assert_memory_equal(l, "tail", 4);
  assert_null(es_linebuf_rest(&lb, &len));
  es_linebuf_free(&lb);
}

static void linebuf_many_lines_in_one_feed(void **state) {
  (void)state;
  es_linebuf lb;
  es_linebuf_init(&lb, ES_REPORT_MAX);
  char big[4096];
  size_t off = 0;
  for (int i = 0; i < 100; i++) off += (size_t)snprintf(big + off, sizeof big - off, "line%d\n", i);
  assert_int_equal(es_linebuf_feed(&lb, big, off), 0);
  size_t len;
  int n = 0;
  while (es_linebuf_next(&lb, &len)) n++;
  assert_int_equal(n, 100);
  es_linebuf_free(&lb);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(good_report),
      cmocka_unit_test(fractional_step_and_no_metrics),
      cmocka_unit_test(malformed_lines),
      cmocka_unit_test(oversized_line),
      cmocka_unit_test(linebuf_splits_and_limits),
      cmocka_unit_test(linebuf_many_lines_in_one_feed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
