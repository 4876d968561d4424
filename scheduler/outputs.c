/*
 * outputs.c - trials.csv, front.json, front.csv, summary.json, and the
 * front as the `front` command prints it.
 *
 * The reference point for the hypervolume is, per objective, the spec's
 * "reference" when given, else the worst value observed among eligible
 * trials plus 10 % of the observed range (when the range is 0: plus 10 %
 * of the value's magnitude, at least 0.1). The history is recomputed
 * against that one reference, trial by trial in the order trials ended
 * (a new point only when the front changed), with joules spent = all
 * trials' joules (failed ones too) up to then. The volume is exact for 2
 * and 3 objectives and, beyond, up to ES_HV_EXACT_LIMIT front points
 * (WFG); past that it is a Monte Carlo estimate whose standard error goes
 * to "hypervolume_se" (strategies/hypervolume.h).
 *
 * report.html is written last, by report.c, from the same front.
 *
 * What it does not do: decide which trials run; read the journal.
 */
#include "outputs.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../meters/meter.h"
#include "../strategies/hypervolume.h"
#include "../strategies/pareto.h"
#include "journal.h"
#include "report.h"

const double *es_objective_value(const es_recordset *set, const es_record *r, const char *metric) {
  if (strcmp(metric, "energy_j") == 0) return &r->energy_j;
  return es_record_metric(set, r, metric);
}

void es_front_free(es_front *f) {
  free(f->eligible);
  free(f->obj);
  free(f->front);
  free(f->reference);
  free(f->history);
  memset(f, 0, sizeof *f);
}

static int cmp_end_seq(const void *a, const void *b, void *set) {
  const es_record *v = ((const es_recordset *)set)->v;
  long x = v[*(const size_t *)a].end_seq, y = v[*(const size_t *)b].end_seq;
  return (x > y) - (x < y);
}

/* Hypervolume history: add trials in end order, keep the current
 * non-dominated set, recompute its (2-D) volume after each addition. */
static int front_history(const es_spec *spec, const es_recordset *set, es_front *f, const double *ref_min) {
  size_t k = f->k, n = set->n;
  size_t *order = malloc((n ? n : 1) * sizeof *order);
  double *pts = malloc(((f->n_eligible ? f->n_eligible : 1) * k) * sizeof *pts);
  size_t *row_of = malloc((n ? n : 1) * sizeof *row_of);
  f->history = malloc(((f->n_eligible ? f->n_eligible : 1) * 2) * sizeof *f->history);
  if (!order || !pts || !row_of || !f->history) {
    free(order), free(pts), free(row_of);
    return -ENOMEM;
  }
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (set->v[i].end_seq > 0) order[m++] = i;
  qsort_r(order, m, sizeof *order, cmp_end_seq, (void *)set);
  for (size_t i = 0; i < n; i++) row_of[i] = SIZE_MAX;
  for (size_t e = 0; e < f->n_eligible; e++) row_of[f->eligible[e]] = e;
  double spent = 0;
  size_t npts = 0;
  for (size_t o = 0; o < m; o++) {
    const es_record *r = &set->v[order[o]];
    spent += r->energy_j;
    size_t row = row_of[order[o]];
    if (row == SIZE_MAX) continue;
    const double *p = f->obj + row * k;
    int dominated = 0;
    for (size_t q = 0; q < npts && !dominated; q++) dominated = es_dominates(pts + q * k, p, k);
    if (dominated) continue;
    size_t keep = 0;
    for (size_t q = 0; q < npts; q++)
      if (!es_dominates(p, pts + q * k, k)) memmove(pts + keep++ * k, pts + q * k, k * sizeof *pts);
    memcpy(pts + keep * k, p, k * sizeof *pts);
    npts = keep + 1;
    double hv, se;
    if (es_hypervolume(pts, npts, k, ref_min, ES_HV_EXACT_LIMIT, spec->seed, &hv, &se) != 0) break;
    f->history[2 * f->n_history] = spent;
    f->history[2 * f->n_history + 1] = hv;
    f->n_history++;
  }
  free(order), free(pts), free(row_of);
  return 0;
}

double es_constraint_violation(const es_spec *spec, const es_recordset *set, const es_record *r) {
  double total = 0;
  for (size_t c = 0; c < spec->n_constraints; c++) {
    const es_constraint *k = &spec->constraints[c];
    const double *v = es_objective_value(set, r, k->metric);
    if (!v || !isfinite(*v)) return INFINITY;
    if (k->has_min && *v < k->min) total += k->min - *v;
    if (k->has_max && *v > k->max) total += *v - k->max;
  }
  return total;
}

int es_front_compute(const es_spec *spec, const es_recordset *set, es_front *f) {
  memset(f, 0, sizeof *f);
  size_t k = spec->n_objectives, n = set->n;
  f->k = k;
  f->eligible = malloc((n ? n : 1) * sizeof *f->eligible);
  f->obj = malloc((n ? n : 1) * k * sizeof *f->obj);
  f->front = malloc((n ? n : 1) * sizeof *f->front);
  f->reference = malloc(k * sizeof *f->reference);
  double *raw = malloc((n ? n : 1) * k * sizeof *raw);
  int *maximize = malloc(k * sizeof *maximize);
  size_t *idx = malloc((n ? n : 1) * sizeof *idx);
  double *ref_min = malloc(k * sizeof *ref_min);
  int rc = -ENOMEM;
  if (!f->eligible || !f->obj || !f->front || !f->reference || !raw || !maximize || !idx || !ref_min) goto out;
  for (size_t j = 0; j < k; j++) maximize[j] = spec->objectives[j].maximize;
  for (size_t i = 0; i < n; i++) {
    const es_record *r = &set->v[i];
    if (r->status != ES_STATUS_COMPLETED && r->status != ES_STATUS_STOPPED) continue;
    size_t j;
    for (j = 0; j < k; j++) {
      const double *v = es_objective_value(set, r, spec->objectives[j].metric);
      if (!v || !isfinite(*v)) break;
      raw[f->n_eligible * k + j] = *v;
    }
    if (j == k) f->eligible[f->n_eligible++] = i;
  }
  if (spec->n_constraints > 0 && f->n_eligible > 0) {
    /* Constrained domination: feasible trials beat infeasible ones, so
     * the front is taken over the feasible trials alone; with none, over
     * those that violate the constraints least. */
    double least = INFINITY;
    for (size_t e = 0; e < f->n_eligible; e++) {
      double v = es_constraint_violation(spec, set, &set->v[f->eligible[e]]);
      if (v < least) least = v;
    }
    size_t kept = 0;
    for (size_t e = 0; e < f->n_eligible; e++)
      if (es_constraint_violation(spec, set, &set->v[f->eligible[e]]) == least) {
        f->eligible[kept] = f->eligible[e];
        memmove(raw + kept * k, raw + e * k, k * sizeof *raw);
        kept++;
      }
    f->n_eligible = kept;
    f->feasible = least == 0;
  } else {
    f->feasible = 1;
  }
  es_pareto_orient(raw, f->n_eligible, k, maximize, f->obj);
  f->n_front = es_pareto_front(f->obj, f->n_eligible, k, idx);
  for (size_t q = 0; q < f->n_front; q++) f->front[q] = f->eligible[idx[q]];
  /* Reference point, per objective. */
  for (size_t j = 0; j < k; j++) {
    const es_objective *o = &spec->objectives[j];
    if (o->has_reference) {
      f->reference[j] = o->reference;
      ref_min[j] = o->maximize ? -o->reference : o->reference;
      continue;
    }
    double lo = INFINITY, hi = -INFINITY;
    for (size_t e = 0; e < f->n_eligible; e++) {
      double v = f->obj[e * k + j];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (f->n_eligible == 0) lo = hi = 0;
    double range = hi - lo;
    double pad = range > 0 ? 0.1 * range : fmax(0.1 * fabs(hi), 0.1);
    ref_min[j] = hi + pad;
    f->reference[j] = o->maximize ? -ref_min[j] : ref_min[j];
  }
  if (k >= 1) {
    /* Exact for 2 and 3 objectives, and beyond up to ES_HV_EXACT_LIMIT
     * front points; past that a Monte Carlo estimate with its standard
     * error (seeded by the sweep's seed, so outputs are reproducible). */
    if (es_hypervolume(f->obj, f->n_eligible, k, ref_min, ES_HV_EXACT_LIMIT, spec->seed, &f->hv, &f->hv_se) != 0)
      goto out;
    f->has_hv = 1;
    if (front_history(spec, set, f, ref_min) != 0) goto out;
  }
  rc = 0;
out:
  free(raw);
  free(maximize);
  free(idx);
  free(ref_min);
  if (rc != 0) es_front_free(f);
  return rc;
}

/* ---- CSV ---------------------------------------------------------------- */

static void csv_field(FILE *f, const char *s) {
  int quote = s[0] == ' ' || (s[0] && s[strlen(s) - 1] == ' ') || strpbrk(s, ",\"\r\n") != NULL;
  if (!quote) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static void csv_number(FILE *f, double v) {
  char buf[ES_NUM_BUFSZ];
  fputs(es_fmt_number(buf, v), f);
}

static const char *const fixed_columns[] = {"id",     "status", "reason", "detail", "step",  "energy_j",
                                            "cpu_s", "wall_s", "co2_g",  "meter",  NULL};

static int is_fixed_column(const char *name) {
  for (size_t i = 0; fixed_columns[i]; i++)
    if (strcmp(fixed_columns[i], name) == 0) return 1;
  return 0;
}

/* The CSV column of metric j, or NULL when it has none (energy_j is the
 * scheduler's own column). Writes "metric.NAME" into buf on a clash. */
static const char *metric_column(const es_spec *spec, const es_recordset *set, size_t j, char *buf,
                                 size_t len) {
  const char *name = set->names[j];
  if (strcmp(name, "energy_j") == 0) return NULL;
  if (is_fixed_column(name) || es_space_find(&spec->space, name) >= 0) {
    snprintf(buf, len, "metric.%s", name);
    return buf;
  }
  return name;
}

static void csv_header(FILE *f, const es_spec *spec, const es_recordset *set) {
  fputs("id,status,reason,detail,step", f);
  for (size_t i = 0; i < spec->space.n; i++) {
    fputc(',', f);
    csv_field(f, spec->space.params[i].name);
  }
  for (size_t j = 0; j < set->n_names; j++) {
    char buf[512];
    const char *col = metric_column(spec, set, j, buf, sizeof buf);
    if (!col) continue;
    fputc(',', f);
    csv_field(f, col);
  }
  fputs(",energy_j,cpu_s,wall_s,co2_g,meter\n", f);
}

static void csv_row(FILE *f, const es_spec *spec, const es_recordset *set, const es_record *r) {
  fprintf(f, "%ld,%s,", r->id, es_status_name(r->status));
  csv_field(f, r->reason ? r->reason : "");
  fputc(',', f);
  csv_field(f, r->detail ? r->detail : "");
  fputc(',', f);
  if (r->has_step) csv_number(f, r->step);
  for (size_t i = 0; i < spec->space.n; i++) {
    fputc(',', f);
    char *t = es_param_value_text(&spec->space.params[i], r->params[i]);
    csv_field(f, t ? t : "");
    free(t);
  }
  for (size_t j = 0; j < set->n_names; j++) {
    char buf[512];
    if (!metric_column(spec, set, j, buf, sizeof buf)) continue;
    fputc(',', f);
    if (j < r->n_metric && r->has_metric[j]) csv_number(f, r->metric[j]);
  }
  fputc(',', f);
  csv_number(f, r->energy_j);
  fputc(',', f);
  csv_number(f, r->cpu_s);
  fputc(',', f);
  csv_number(f, r->wall_s);
  fputc(',', f);
  csv_number(f, r->co2_g);
  fputc(',', f);
  csv_field(f, r->meter ? r->meter : "");
  fputc('\n', f);
}

/* ---- JSON ----------------------------------------------------------------- */

static cJSON *record_metrics_json(const es_recordset *set, const es_record *r) {
  cJSON *m = cJSON_CreateObject();
  for (size_t j = 0; m && j < set->n_names && j < r->n_metric; j++)
    if (r->has_metric[j]) es_json_add_number(m, set->names[j], r->metric[j]);
  return m;
}

static cJSON *front_json(const es_spec *spec, const es_recordset *set, const es_front *f) {
  cJSON *root = cJSON_CreateObject();
  cJSON *objs = cJSON_AddArrayToObject(root, "objectives");
  cJSON *ref = cJSON_AddArrayToObject(root, "reference");
  for (size_t j = 0; j < f->k; j++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "metric", spec->objectives[j].metric);
    cJSON_AddStringToObject(o, "goal", spec->objectives[j].maximize ? "max" : "min");
    cJSON_AddItemToArray(objs, o);
    cJSON_AddItemToArray(ref, es_json_number(f->reference[j]));
  }
  if (f->has_hv)
    es_json_add_number(root, "hypervolume", f->hv);
  else
    cJSON_AddNullToObject(root, "hypervolume");
  if (f->hv_se > 0) es_json_add_number(root, "hypervolume_se", f->hv_se);
  if (spec->n_constraints > 0) cJSON_AddBoolToObject(root, "feasible", f->feasible);
  cJSON *trials = cJSON_AddArrayToObject(root, "trials");
  for (size_t q = 0; q < f->n_front; q++) {
    const es_record *r = &set->v[f->front[q]];
    cJSON *t = cJSON_CreateObject();
    es_json_add_number(t, "id", (double)r->id);
    cJSON_AddItemToObject(t, "params", es_params_to_json(&spec->space, r->params));
    cJSON_AddItemToObject(t, "metrics", record_metrics_json(set, r));
    if (r->has_step)
      es_json_add_number(t, "step", r->step);
    else
      cJSON_AddNullToObject(t, "step");
    es_json_add_number(t, "energy_j", r->energy_j);
    cJSON_AddItemToArray(trials, t);
  }
  return root;
}

static cJSON *summary_json(const es_spec *spec, const es_recordset *set, const es_front *f,
                           const es_totals *tot) {
  (void)spec;
  size_t count[ES_STATUS_KILLED + 1] = {0};
  double trials_j = 0, co2 = 0;
  int estimate = 0;
  const char *meters[8];
  size_t n_meters = 0;
  for (size_t i = 0; i < set->n; i++) {
    const es_record *r = &set->v[i];
    count[r->status]++;
    trials_j += r->energy_j;
    co2 += r->co2_g;
    estimate |= r->estimate;
    if (r->meter) {
      size_t m;
      for (m = 0; m < n_meters; m++)
        if (strcmp(meters[m], r->meter) == 0) break;
      if (m == n_meters && n_meters < 8) meters[n_meters++] = r->meter;
    }
  }
  cJSON *root = cJSON_CreateObject();
  cJSON *t = cJSON_AddObjectToObject(root, "trials");
  es_json_add_number(t, "total", (double)set->n);
  for (int s = ES_STATUS_COMPLETED; s <= ES_STATUS_KILLED; s++)
    es_json_add_number(t, es_status_name((es_status)s), (double)count[s]);
  if (count[ES_STATUS_PENDING]) es_json_add_number(t, "running", (double)count[ES_STATUS_PENDING]);
  cJSON *e = cJSON_AddObjectToObject(root, "energy_j");
  es_json_add_number(e, "trials", trials_j);
  es_json_add_number(e, "overhead", tot->overhead_j);
  es_json_add_number(e, "total", tot->metered ? tot->total_j : trials_j + tot->overhead_j);
  es_json_add_number(e, "ecosweep", tot->ecosweep_j);
  if (tot->metered) {
    es_json_add_number(e, "other", tot->other_j);
    es_json_add_number(e, "idle", tot->idle_j);
  }
  if (tot->gpu_idle_j > 0) es_json_add_number(e, "gpu_idle", tot->gpu_idle_j);
  es_json_add_number(root, "co2_g", co2 + es_co2_grams(tot->overhead_j, spec->carbon.g_per_kwh, spec->carbon.pue));
  es_json_add_number(root, "wall_s", tot->wall_s);
  cJSON *ms = cJSON_AddArrayToObject(root, "meters");
  for (size_t m = 0; m < n_meters; m++) cJSON_AddItemToArray(ms, cJSON_CreateString(meters[m]));
  cJSON_AddBoolToObject(root, "estimate", estimate);
  if (f->has_hv)
    es_json_add_number(root, "hypervolume", f->hv);
  else
    cJSON_AddNullToObject(root, "hypervolume");
  if (f->hv_se > 0) es_json_add_number(root, "hypervolume_se", f->hv_se);
  cJSON *h = cJSON_AddArrayToObject(root, "hypervolume_history");
  for (size_t i = 0; i < f->n_history; i++) {
    cJSON *pair = cJSON_CreateArray();
    cJSON_AddItemToArray(pair, es_json_number(f->history[2 * i]));
    cJSON_AddItemToArray(pair, es_json_number(f->history[2 * i + 1]));
    cJSON_AddItemToArray(h, pair);
  }
  es_json_add_number(root, "front_size", (double)f->n_front);
  return root;
}

/* ---- files ------------------------------------------------------------------ */

typedef struct {
  char path[PATH_MAX], tmp[PATH_MAX + 8];
  FILE *f;
} out_file;

static int out_open(out_file *o, const char *dir, const char *name) {
  snprintf(o->path, sizeof o->path, "%s/%s", dir, name);
  snprintf(o->tmp, sizeof o->tmp, "%s.tmp", o->path);
  o->f = fopen(o->tmp, "we");
  return o->f ? 0 : -errno;
}

static int out_close(out_file *o) {
  int bad = ferror(o->f);
  if (fclose(o->f) != 0 || bad) {
    unlink(o->tmp);
    return -EIO;
  }
  return rename(o->tmp, o->path) == 0 ? 0 : -errno;
}

static int write_json_file(const char *dir, const char *name, cJSON *doc, char *err, size_t err_len) {
  out_file o;
  char *text = doc ? cJSON_Print(doc) : NULL;
  int rc = text ? out_open(&o, dir, name) : -ENOMEM;
  if (rc == 0) {
    fputs(text, o.f);
    fputc('\n', o.f);
    rc = out_close(&o);
  }
  if (rc != 0) snprintf(err, err_len, "%s/%s: %s", dir, name, strerror(-rc));
  cJSON_free(text);
  cJSON_Delete(doc);
  return rc;
}

/* report.html: a failed page is removed, never left half written. */
static int write_report_file(const char *dir, const es_spec *spec, const es_recordset *set, const es_front *f,
                             const es_totals *tot, char *err, size_t err_len) {
  out_file o;
  int rc = out_open(&o, dir, "report.html");
  if (rc == 0) {
    rc = es_report_write(o.f, ES_REPORT_HTML, spec, set, f, tot);
    if (rc == 0) {
      rc = out_close(&o);
    } else {
      fclose(o.f);
      unlink(o.tmp);
    }
  }
  if (rc != 0) snprintf(err, err_len, "%s/report.html: %s", dir, strerror(-rc));
  return rc;
}

int es_outputs_write(const char *dir, const es_spec *spec, const es_recordset *set, const es_totals *tot,
                     size_t *front_size, char *err, size_t err_len) {
  es_front f;
  int rc = es_front_compute(spec, set, &f);
  if (rc != 0) {
    snprintf(err, err_len, "%s: computing the front: %s", dir, strerror(-rc));
    return rc;
  }
  *front_size = f.n_front;
  out_file o;
  const char *name = "trials.csv";
  if ((rc = out_open(&o, dir, name)) == 0) {
    csv_header(o.f, spec, set);
    for (size_t i = 0; i < set->n; i++) csv_row(o.f, spec, set, &set->v[i]);
    rc = out_close(&o);
  }
  if (rc == 0 && (rc = out_open(&o, dir, name = "front.csv")) == 0) {
    csv_header(o.f, spec, set);
    for (size_t q = 0; q < f.n_front; q++) csv_row(o.f, spec, set, &set->v[f.front[q]]);
    rc = out_close(&o);
  }
  if (rc != 0) {
    snprintf(err, err_len, "%s/%s: %s", dir, name, strerror(-rc));
  } else {
    rc = write_json_file(dir, "front.json", front_json(spec, set, &f), err, err_len);
    if (rc == 0) rc = write_json_file(dir, "summary.json", summary_json(spec, set, &f, tot), err, err_len);
    if (rc == 0) rc = write_report_file(dir, spec, set, &f, tot, err, err_len);
  }
  es_front_free(&f);
  return rc;
}

/* ---- the front command ------------------------------------------------------ */

static int query_keeps(const es_recordset *set, const es_record *r, const es_front_query *q) {
  if (q->has_max_energy && r->energy_j > q->max_energy) return 0;
  if (q->min_metric) {
    const double *v = es_objective_value(set, r, q->min_metric);
    if (!v || *v < q->min_value) return 0;
  }
  return 1;
}

int es_front_print(FILE *out, const es_spec *spec, const es_recordset *set, const es_front_query *q) {
  es_front f;
  int rc = es_front_compute(spec, set, &f);
  if (rc != 0) return rc;
  size_t *keep = malloc((f.n_front ? f.n_front : 1) * sizeof *keep), n = 0;
  if (!keep) {
    es_front_free(&f);
    return -ENOMEM;
  }
  for (size_t i = 0; i < f.n_front; i++)
    if (query_keeps(set, &set->v[f.front[i]], q)) keep[n++] = f.front[i];
  const char *format = q->format ? q->format : "table";
  if (strcmp(format, "csv") == 0) {
    csv_header(out, spec, set);
    for (size_t i = 0; i < n; i++) csv_row(out, spec, set, &set->v[keep[i]]);
  } else if (strcmp(format, "json") == 0) {
    size_t saved = f.n_front;
    size_t *saved_idx = f.front;
    f.front = keep;
    f.n_front = n;
    cJSON *doc = front_json(spec, set, &f);
    f.front = saved_idx;
    f.n_front = saved;
    char *text = doc ? cJSON_Print(doc) : NULL;
    if (text) fprintf(out, "%s\n", text);
    cJSON_free(text);
    cJSON_Delete(doc);
  } else {
    /* A plain table: id, objectives, energy, parameters, directory. */
    fprintf(out, "%-6s", "id");
    for (size_t j = 0; j < f.k; j++)
      fprintf(out, " %14s", strcmp(spec->objectives[j].metric, "energy_j") ? spec->objectives[j].metric : "energy_j");
    int energy_is_objective = 0;
    for (size_t j = 0; j < f.k; j++) energy_is_objective |= !strcmp(spec->objectives[j].metric, "energy_j");
    if (!energy_is_objective) fprintf(out, " %14s", "energy_j");
    fprintf(out, "  %-8s params\n", "status");
    for (size_t i = 0; i < n; i++) {
      const es_record *r = &set->v[keep[i]];
      char buf[ES_NUM_BUFSZ];
      fprintf(out, "%-6ld", r->id);
      for (size_t j = 0; j < f.k; j++) {
        const double *v = es_objective_value(set, r, spec->objectives[j].metric);
        fprintf(out, " %14.6g", v ? *v : NAN);
      }
      if (!energy_is_objective) fprintf(out, " %14.6g", r->energy_j);
      fprintf(out, "  %-8s", es_status_name(r->status));
      for (size_t p = 0; p < spec->space.n; p++) {
        char *t = es_param_value_text(&spec->space.params[p], r->params[p]);
        fprintf(out, " %s=%s", spec->space.params[p].name, t ? t : "?");
        free(t);
      }
      (void)buf;
      fputc('\n', out);
    }
    fprintf(out, "%zu of %zu eligible trials on the front", n, f.n_eligible);
    if (n != f.n_front) fprintf(out, " (after filters; %zu before)", f.n_front);
    if (f.has_hv) fprintf(out, "; hypervolume %.6g", f.hv);
    if (!f.feasible) fprintf(out, "; no trial meets the constraints, these miss them least");
    int estimate = 0;
    for (size_t i = 0; i < set->n; i++) estimate |= set->v[i].estimate;
    if (estimate) fprintf(out, "; energy_j is an estimate");
    fputc('\n', out);
    if (n == 1 && q->dir) fprintf(out, "trial directory: %s/trials/%ld\n", q->dir, set->v[keep[0]].id);
  }
  free(keep);
  es_front_free(&f);
  return 0;
}
