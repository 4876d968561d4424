/*
 * test_journal.c - journal round-trip: events written by es_journal_append
 * replay into the same records; a torn last line is tolerated; any other
 * bad line is an error naming its line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scheduler/journal.h"

static const char spec_text[] =
    "{\"command\": [\"t\", \"{lr}\"], \"parameters\": {\"lr\": {\"type\": \"float\", \"low\": 0.001, \"high\": 1, "
    "\"log\": true}, \"opt\": {\"type\": \"categorical\", \"values\": [\"sgd\", 3, true, null]}}, "
    "\"objectives\": [{\"metric\": \"acc\", \"goal\": \"max\"}, {\"metric\": \"energy_j\", \"goal\": \"min\"}]}";

static char path[64];

static int setup(void **state) {
  (void)state;
  snprintf(path, sizeof path, "/tmp/es-journal-XXXXXX");
  int fd = mkstemp(path);
  if (fd < 0) return -1;
  close(fd);
  unlink(path);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  unlink(path);
  return 0;
}

static void append(es_journal *j, const char *text) {
  cJSON *ev = cJSON_Parse(text);
  assert_non_null(ev);
  assert_int_equal(es_journal_append(j, ev), 0);
  cJSON_Delete(ev);
}

static void write_sweep(es_journal *j) {
  char buf[2048];
  snprintf(buf, sizeof buf, "{\"event\": \"sweep\", \"spec_file\": \"s.json\", \"spec_hash\": \"abc\", \"seed\": 5, \"spec\": %s}",
           spec_text);
  append(j, buf);
}

static void round_trip(void **state) {
  (void)state;
  es_journal j;
  assert_int_equal(es_journal_open(&j, path), 0);
  write_sweep(&j);
  append(&j, "{\"event\":\"start\",\"trial\":0,\"attempt\":1,\"pid\":10,\"pgid\":10,\"params\":{\"lr\":0.1,\"opt\":3}}");
  append(&j, "{\"event\":\"start\",\"trial\":1,\"attempt\":1,\"pid\":11,\"pgid\":11,\"params\":{\"lr\":0.5,\"opt\":null}}");
  append(&j, "{\"event\":\"report\",\"trial\":0,\"step\":1,\"metrics\":{\"acc\":0.5}}");
  append(&j, "{\"event\":\"report\",\"trial\":0,\"step\":2,\"metrics\":{\"acc\":0.75,\"loss\":0.1}}");
  append(&j, "{\"event\":\"end\",\"trial\":0,\"status\":\"completed\",\"reason\":\"exit:0\",\"detail\":\"d\",\"step\":2,"
             "\"metrics\":{\"acc\":0.75,\"loss\":0.1},\"energy_j\":12.5,\"cpu_s\":1.25,\"wall_s\":2,\"co2_g\":0.001,"
             "\"meter\":\"estimate\",\"estimate\":true}");
  append(&j, "{\"event\":\"unknown-future-event\",\"x\":1}");
  es_journal_close(&j);

  es_journal_state st;
  char err[512];
  assert_int_equal(es_journal_replay(path, &st, err, sizeof err), 0);
  assert_true(st.has_sweep);
  assert_int_equal(st.seed, 5);
  assert_string_equal(st.spec_hash, "abc");
  assert_int_equal(st.records.n, 2);
  assert_int_equal(st.next_id, 2);
  es_record *r0 = es_recordset_find(&st.records, 0), *r1 = es_recordset_find(&st.records, 1);
  assert_non_null(r0);
  assert_non_null(r1);
  assert_int_equal(r0->status, ES_STATUS_COMPLETED);
  assert_string_equal(r0->reason, "exit:0");
  assert_true(r0->params[0] == 0.1);
  assert_true(r0->params[1] == 1.0); /* 3 is the second categorical value */
  assert_true(r1->params[1] == 3.0); /* null is the fourth */
  assert_true(r0->energy_j == 12.5);
  assert_true(r0->step == 2);
  assert_int_equal(r0->n_reports, 2);
  assert_true(*es_record_metric(&st.records, r0, "acc") == 0.75);
  assert_string_equal(r0->meter, "estimate");
  assert_true(r0->estimate);
  assert_int_equal(r0->end_seq, 1);
  assert_int_equal(r1->status, ES_STATUS_PENDING);
  assert_false(st.torn_tail);
  es_journal_state_free(&st);
}

static void torn_last_line_is_tolerated(void **state) {
  (void)state;
  es_journal j;
  assert_int_equal(es_journal_open(&j, path), 0);
  write_sweep(&j);
  append(&j, "{\"event\":\"start\",\"trial\":0,\"attempt\":1,\"params\":{\"lr\":0.1,\"opt\":\"sgd\"}}");
  es_journal_close(&j);
  FILE *f = fopen(path, "a");
  fputs("{\"event\":\"end\",\"trial\":0,\"sta", f);
  fclose(f);
  es_journal_state st;
  char err[512];
  assert_int_equal(es_journal_replay(path, &st, err, sizeof err), 0);
  assert_true(st.torn_tail);
  assert_int_equal(st.records.n, 1);
  assert_int_equal(st.records.v[0].status, ES_STATUS_PENDING);
  es_journal_state_free(&st);
}

static void expect_replay_error(const char *line, const char *needle) {
  es_journal j;
  unlink(path);
  assert_int_equal(es_journal_open(&j, path), 0);
  write_sweep(&j);
  es_journal_close(&j);
  FILE *f = fopen(path, "a");
  fprintf(f, "%s\n{\"event\":\"finish\"}\n", line);
  fclose(f);
  es_journal_state st;
  char err[512] = "";
  assert_int_not_equal(es_journal_replay(path, &st, err, sizeof err), 0);
  if (!strstr(err, needle)) fail_msg("error \"%s\" lacks \"%s\"", err, needle);
  es_journal_state_free(&st);
}

static void bad_lines_are_errors_with_line_numbers(void **state) {
  (void)state;
  expect_replay_error("not json at all", ":2: not a JSON object");
  expect_replay_error("{\"trial\": 1}", ":2: no \"event\"");
  expect_replay_error("{\"event\":\"report\",\"trial\":9,\"step\":1}", ":2: trial 9: \"report\" before its start");
  expect_replay_error("{\"event\":\"start\",\"trial\":0,\"params\":{\"lr\":0.1,\"opt\":\"adam\"}}",
                      "params.opt: not one of the spec's values");
  expect_replay_error("{\"event\":\"start\",\"trial\":-1,\"params\":{}}", "without a trial id");
}

static void no_sweep_event(void **state) {
  (void)state;
  FILE *f = fopen(path, "w");
  fputs("{\"event\":\"finish\"}\n", f);
  fclose(f);
  es_journal_state st;
  char err[512];
  assert_int_not_equal(es_journal_replay(path, &st, err, sizeof err), 0);
  assert_non_null(strstr(err, "not an ecosweep journal"));
  es_journal_state_free(&st);
}

/* Regression (tests/fuzz/crashes): huge numbers where the journal holds
 * integers were converted to int/long without a range check (undefined
 * behaviour, caught under UBSan). They now fall back to defaults or fail
 * the replay with a message. */
static void huge_numbers_are_not_undefined_behaviour(void **state) {
  (void)state;
  const char *lines[] = {
      "{\"event\":\"start\",\"trial\":0,\"attempt\":1e12,\"params\":{\"lr\":0.1,\"opt\":3}}",
      "{\"event\":\"start\",\"trial\":1e300,\"params\":{\"lr\":0.1,\"opt\":3}}",
      "{\"event\":\"start\",\"trial\":0,\"pgid\":1e300,\"params\":{\"lr\":0.1,\"opt\":3}}",
  };
  for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
    es_journal j;
    unlink(path);
    assert_int_equal(es_journal_open(&j, path), 0);
    write_sweep(&j);
    es_journal_close(&j);
    FILE *f = fopen(path, "a");
    fprintf(f, "%s\n", lines[i]);
    fclose(f);
    es_journal_state st;
    char err[512];
    int rc = es_journal_replay(path, &st, err, sizeof err);
    if (i == 0) {
      assert_int_equal(rc, 0);
      assert_int_equal(st.records.v[0].attempt, 1); /* out of range: the default */
    } else if (i == 1) {
      assert_int_not_equal(rc, 0);
      assert_non_null(strstr(err, "without a trial id"));
    } else {
      assert_int_equal(rc, 0);
      assert_int_equal(st.pgids[0], 0);
    }
    es_journal_state_free(&st);
  }
  /* and a seed out of range in the sweep event itself */
  unlink(path);
  FILE *f = fopen(path, "w");
  fprintf(f, "{\"event\": \"sweep\", \"spec_file\": \"s.json\", \"seed\": 1e300, \"spec\": %s}\n", spec_text);
  fclose(f);
  es_journal_state st;
  char err[512];
  assert_int_equal(es_journal_replay(path, &st, err, sizeof err), 0);
  assert_int_equal(st.seed, 0);
  es_journal_state_free(&st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(torn_last_line_is_tolerated, setup, teardown),
      cmocka_unit_test_setup_teardown(bad_lines_are_errors_with_line_numbers, setup, teardown),
      cmocka_unit_test_setup_teardown(no_sweep_event, setup, teardown),
      cmocka_unit_test_setup_teardown(huge_numbers_are_not_undefined_behaviour, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
