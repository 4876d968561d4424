/*
 * test_report.c - report.html and the markdown report on hand-built record
 * sets: the front table in markdown, escaping of parameter values and
 * metric names in HTML and markdown, trials missing a metric or with a
 * NaN, one trial (placed at the plot's centre by the range rule), no
 * trial on the front, pairwise planes for three objectives, an unfinished
 * sweep, and es_report_save's file handling.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "scheduler/report.h"

static const char spec2[] =
    "{\"name\": \"t<1>\", \"command\": [\"t\"], \"parameters\": {\"lr\": {\"type\": \"float\", \"low\": 0.001, "
    "\"high\": 1}, \"opt\": {\"type\": \"categorical\", \"values\": [\"<script>&\\\"|\", \"sgd\"]}}, "
    "\"objectives\": [{\"metric\": \"a|c<c>\", \"goal\": \"max\"}, {\"metric\": \"energy_j\", \"goal\": \"min\"}]}";

static const char spec3[] =
    "{\"command\": [\"t\"], \"parameters\": {\"lr\": {\"type\": \"float\", \"low\": 0.001, \"high\": 1}}, "
    "\"objectives\": [{\"metric\": \"acc\", \"goal\": \"max\"}, {\"metric\": \"lat\", \"goal\": \"min\"}, "
    "{\"metric\": \"energy_j\", \"goal\": \"min\"}]}";

typedef struct {
  es_spec spec;
  es_recordset set;
  es_totals tot;
} fixture;

static void fixture_init(fixture *fx, const char *spec_text) {
  char err[256];
  memset(fx, 0, sizeof *fx);
  assert_int_equal(es_spec_parse("t.json", spec_text, strlen(spec_text), &fx->spec, err, sizeof err), 0);
  es_recordset_init(&fx->set);
  fx->tot.wall_s = 12;
}

static void fixture_free(fixture *fx) {
  es_recordset_free(&fx->set);
  es_spec_free(&fx->spec);
}

/* A trial with lr, opt (when the spec has it), metric = value, joules. */
static es_record *trial(fixture *fx, long id, es_status status, double lr, double opt, const char *metric, double value,
                        double joules) {
  es_record *r = es_recordset_add(&fx->set, id, fx->spec.space.n);
  assert_non_null(r);
  r->status = status;
  r->params[0] = lr;
  if (fx->spec.space.n > 1) r->params[1] = opt;
  if (metric) assert_int_equal(es_record_set_metric(&fx->set, r, metric, value), 0);
  r->energy_j = joules;
  r->co2_g = joules / 3.6e6 * 475;
  r->meter = "estimate";
  r->estimate = 1;
  r->end_seq = id + 1;
  return r;
}

/* The report as text (malloc'd). */
static char *render(fixture *fx, es_report_format format) {
  es_front f;
  assert_int_equal(es_front_compute(&fx->spec, &fx->set, &f), 0);
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  assert_non_null(out);
  assert_int_equal(es_report_write(out, format, &fx->spec, &fx->set, &f, &fx->tot), 0);
  fclose(out);
  es_front_free(&f);
  return buf;
}

static size_t count(const char *hay, const char *needle) {
  size_t n = 0;
  for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
  return n;
}

/* Cells of a markdown table row: unescaped '|' separators minus one. */
static int md_cells(const char *line, size_t len) {
  int n = -1;
  for (size_t i = 0; i < len; i++)
    if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) n++;
  return n;
}

static void md_front_table(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, spec2);
  trial(&fx, 0, ES_STATUS_COMPLETED, 0.1, 1, "a|c<c>", 0.9, 100); /* front */
  trial(&fx, 1, ES_STATUS_COMPLETED, 0.2, 1, "a|c<c>", 0.5, 200); /* dominated by 0 */
  trial(&fx, 2, ES_STATUS_STOPPED, 0.3, 0, "a|c<c>", 0.4, 10);    /* front */
  trial(&fx, 3, ES_STATUS_FAILED, 0.4, 1, NULL, 0, 5);            /* counted only */
  char *md = render(&fx, ES_REPORT_MD);
  assert_non_null(strstr(md, "## ecosweep report: t\\<1\\>\n"));
  assert_non_null(strstr(md, "| trials | 4: 2 completed, 1 stopped, 1 failed |\n"));
  assert_non_null(strstr(md, "| on the front | 2 of 3 eligible"));
  assert_non_null(strstr(md, "| energy: total | 315 J, estimated, not measured (estimate) |\n"));
  assert_non_null(strstr(md, "### Pareto front (2 trials)\n"));
  assert_non_null(strstr(md, "| id | lr | opt | a\\|c\\<c\\> (max) | joules | gCO2e | meter |\n"));
  assert_non_null(strstr(md, "| ---: | ---: | --- | ---: | ---: | ---: | --- |\n"));
  assert_non_null(strstr(md, "| 0 | 0.1 | sgd | 0.9 | 100 | 0.0132 | estimate |\n"));
  assert_non_null(strstr(md, "| 2 | 0.3 | \\<script\\>\\&\"\\| | 0.4 | 10 |"));
  assert_null(strstr(md, "| 1 |"));
  assert_null(strstr(md, "| 3 |"));
  /* Every row of a table has its header's number of cells. */
  int width = -1;
  for (char *line = md, *nl; *line; line = nl + 1) {
    nl = strchr(line, '\n');
    assert_non_null(nl);
    if (line[0] != '|') {
      width = -1;
      continue;
    }
    int n = md_cells(line, (size_t)(nl - line));
    if (width < 0) width = n;
    assert_int_equal(n, width);
  }
  free(md);
  fixture_free(&fx);
}

static void html_escapes_user_text(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, spec2);
  trial(&fx, 0, ES_STATUS_COMPLETED, 0.1, 0, "a|c<c>", 0.9, 100);
  trial(&fx, 1, ES_STATUS_COMPLETED, 0.2, 1, "a|c<c>", 0.5, 200);
  char *html = render(&fx, ES_REPORT_HTML);
  assert_null(strstr(html, "<script"));
  assert_null(strstr(html, "t<1>"));
  assert_null(strstr(html, "c<c>"));
  assert_non_null(strstr(html, "<title>ecosweep report: t&lt;1&gt;</title>"));
  assert_non_null(strstr(html, "opt = &lt;script&gt;&amp;&quot;|"));    /* hover text */
  assert_non_null(strstr(html, "<td>&lt;script&gt;&amp;&quot;|</td>")); /* front table */
  assert_non_null(strstr(html, "data-y-metric=\"a|c&lt;c&gt;\""));
  /* Self-contained: no script, nothing fetched. */
  assert_null(strstr(html, "src="));
  assert_null(strstr(html, "href="));
  assert_null(strstr(html, "url("));
  assert_int_equal(count(html, "data-trial=\"0\""), 2); /* its mark and its table row */
  assert_int_equal(count(html, "data-trial=\"1\""), 1); /* dominated: its mark only */
  free(html);
  fixture_free(&fx);
}

static void missing_and_nan_metrics(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, spec2);
  trial(&fx, 0, ES_STATUS_COMPLETED, 0.1, 0, "a|c<c>", 0.9, 100);
  trial(&fx, 1, ES_STATUS_COMPLETED, 0.2, 1, "other", 0.5, 200); /* lacks the objective */
  trial(&fx, 2, ES_STATUS_STOPPED, 0.3, 1, "a|c<c>", NAN, 50);   /* NaN objective */
  trial(&fx, 3, ES_STATUS_PENDING, 0.4, 1, "a|c<c>", 0.99, 1);   /* running */
  char *html = render(&fx, ES_REPORT_HTML);
  assert_int_equal(count(html, "<circle class=\"front\""), 1);
  assert_int_equal(count(html, "<circle class=\"other\""), 0);
  assert_null(strstr(html, "data-trial=\"1\""));
  assert_null(strstr(html, "data-trial=\"2\""));
  assert_null(strstr(html, "data-trial=\"3\""));
  assert_non_null(strstr(html, "4: 2 completed, 1 stopped, 1 running"));
  free(html);
  char *md = render(&fx, ES_REPORT_MD);
  assert_non_null(strstr(md, "### Pareto front (1 trials)"));
  free(md);
  fixture_free(&fx);
}

static void one_trial_sits_at_the_centre(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, spec2);
  trial(&fx, 7, ES_STATUS_COMPLETED, 0.1, 0, "a|c<c>", 0.5, 42);
  char *html = render(&fx, ES_REPORT_HTML);
  /* Range rule: one value, so the axis is padded around it (half a decade
   * on the log joules axis, 10 % on the other): the mark is mid-plot. */
  char want[160];
  snprintf(want, sizeof want, "data-trial=\"7\" cx=\"%.2f\" cy=\"%.2f\" r=\"6\" fill=\"%s\"",
           ES_REPORT_X0 + ES_REPORT_PW / 2.0, ES_REPORT_Y0 + ES_REPORT_PH / 2.0, ES_REPORT_FRONT_COLOR);
  assert_non_null(strstr(html, want));
  assert_non_null(strstr(html, "data-x-log=\"1\""));
  assert_int_equal(count(html, "class=\"plot plane\""), 1);
  assert_int_equal(count(html, "class=\"plot hv\""), 1);
  assert_int_equal(count(html, "<circle class=\"hv\""), 1);
  free(html);
  fixture_free(&fx);
}

static void zero_joules_fall_back_to_a_linear_axis(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, spec2);
  trial(&fx, 0, ES_STATUS_COMPLETED, 0.1, 0, "a|c<c>", 0.5, 0);
  trial(&fx, 1, ES_STATUS_COMPLETED, 0.2, 0, "a|c<c>", 0.7, 10);
  char *html = render(&fx, ES_REPORT_HTML);
  assert_non_null(strstr(html, "data-x-log=\"0\""));
  free(html);
  fixture_free(&fx);
}

static void no_trial_on_the_front(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, spec2);
  trial(&fx, 0, ES_STATUS_FAILED, 0.1, 0, NULL, 0, 3);
  trial(&fx, 1, ES_STATUS_TIMEOUT, 0.2, 0, NULL, 0, 4);
  char *html = render(&fx, ES_REPORT_HTML);
  assert_non_null(strstr(html, "No trial is on the front yet."));
  assert_non_null(strstr(html, "No hypervolume yet"));
  assert_null(strstr(html, "<circle"));
  assert_null(strstr(html, "<table class=\"front\""));
  free(html);
  char *md = render(&fx, ES_REPORT_MD);
  assert_non_null(strstr(md, "| trials | 2: 1 failed, 1 timeout |"));
  assert_non_null(strstr(md, "No trial is on the front yet.\n"));
  assert_null(strstr(md, "| id |"));
  free(md);
  fixture_free(&fx);
}

static void three_objectives_pairwise(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, spec3);
  for (long i = 0; i < 5; i++) {
    es_record *r =
        trial(&fx, i, ES_STATUS_COMPLETED, 0.1 * (double)(i + 1), 0, "acc", 0.1 * (double)i, 10.0 * (double)(5 - i));
    assert_int_equal(es_record_set_metric(&fx.set, r, "lat", (double)(i % 3)), 0);
  }
  char *html = render(&fx, ES_REPORT_HTML);
  assert_int_equal(count(html, "class=\"plot plane\""), 3);
  assert_non_null(strstr(html, "data-x-metric=\"acc\" data-y-metric=\"lat\""));
  assert_non_null(strstr(html, "data-x-metric=\"energy_j\" data-y-metric=\"acc\""));
  assert_non_null(strstr(html, "data-x-metric=\"energy_j\" data-y-metric=\"lat\""));
  assert_null(strstr(html, "front-line"));              /* projections are not joined */
  assert_int_equal(count(html, "data-trial=\"4\""), 4); /* 3 marks + table row: best everywhere */
  free(html);
  fixture_free(&fx);
}

static void totals_and_unfinished(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, spec2);
  trial(&fx, 0, ES_STATUS_COMPLETED, 0.1, 0, "a|c<c>", 0.9, 90);
  fx.tot.metered = 1;
  fx.tot.total_j = 100;
  fx.tot.overhead_j = 10;
  fx.tot.ecosweep_j = 1;
  fx.tot.other_j = 4;
  fx.tot.idle_j = 5;
  char *md = render(&fx, ES_REPORT_MD);
  assert_non_null(strstr(md, "| energy: trials | 90 J (90.0 %) |"));
  assert_non_null(strstr(md, "| energy: overhead | 10 J (10.0 %): ecosweep 1 J, other processes 4 J, idle 5 J |"));
  assert_non_null(strstr(md, "| energy: total | 100 J, estimated"));
  assert_non_null(strstr(md, "| wall time | 12 s |"));
  free(md);
  memset(&fx.tot, 0, sizeof fx.tot);
  fx.tot.unfinished = 1;
  char *html = render(&fx, ES_REPORT_HTML);
  assert_non_null(strstr(html, "the sweep has not finished"));
  free(html);
  fixture_free(&fx);
}

static void save_renames_into_place(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, spec2);
  trial(&fx, 0, ES_STATUS_COMPLETED, 0.1, 0, "a|c<c>", 0.9, 90);
  char dir[] = "/tmp/es-report-XXXXXX", path[64], tmp[80], err[256];
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/r.md", dir);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  assert_int_equal(es_report_save(path, ES_REPORT_MD, &fx.spec, &fx.set, &fx.tot, err, sizeof err), 0);
  struct stat sb;
  assert_int_equal(stat(path, &sb), 0);
  assert_true(sb.st_size > 0);
  assert_int_not_equal(stat(tmp, &sb), 0);
  /* A directory that is not there: an error naming the path. */
  snprintf(path, sizeof path, "%s/no/such/r.html", dir);
  assert_int_equal(es_report_save(path, ES_REPORT_HTML, &fx.spec, &fx.set, &fx.tot, err, sizeof err), -ENOENT);
  assert_non_null(strstr(err, path));
  snprintf(path, sizeof path, "%s/r.md", dir);
  unlink(path);
  rmdir(dir);
  fixture_free(&fx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(md_front_table),
      cmocka_unit_test(html_escapes_user_text),
      cmocka_unit_test(missing_and_nan_metrics),
      cmocka_unit_test(one_trial_sits_at_the_centre),
      cmocka_unit_test(zero_joules_fall_back_to_a_linear_axis),
      cmocka_unit_test(no_trial_on_the_front),
      cmocka_unit_test(three_objectives_pairwise),
      cmocka_unit_test(totals_and_unfinished),
      cmocka_unit_test(save_renames_into_place),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
