/*
 * report.c - report.html and its markdown sibling, from the spec, the
 * record set, the front and the totals (report.h has the layout contract
 * the pixel test checks).
 *
 * Everything is written straight to the FILE: user text (the spec's name,
 * parameter values, metric names) goes through html_text() or md_text() on
 * its way, so no parameter value can open a tag or split a table cell.
 * Numbers shown to people use %g-style precision; the positions of marks
 * are printed with two decimals, which is what the test recomputes.
 *
 * What it does not do: decide the front or the hypervolume (outputs.c),
 * read the journal, or pick the file it goes to (main.c, outputs.c).
 */
#include "report.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../meters/meter.h"
#include "../strategies/space.h"

/* ---- text ----------------------------------------------------------------- */

/* s as HTML text or attribute value: the five special characters become
 * entities, control characters spaces (they are not allowed in HTML). */
static void html_text(FILE *out, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    switch (c) {
      case '&':
        fputs("&amp;", out);
        break;
      case '<':
        fputs("&lt;", out);
        break;
      case '>':
        fputs("&gt;", out);
        break;
      case '"':
        fputs("&quot;", out);
        break;
      case '\'':
        fputs("&#39;", out);
        break;
      default:
        fputc(c < 0x20 && c != '\n' && c != '\t' ? ' ' : c, out);
    }
  }
}

/* s inside a GitHub-flavoured markdown table cell: a backslash before
 * every character that would end the cell or start markup, HTML's own
 * characters as entities' escapes, line breaks as spaces. */
static void md_text(FILE *out, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c < 0x20 || c == 0x7f)
      fputc(' ', out);
    else if (strchr("\\`*_[]<>|~&!#{}$", c))
      fprintf(out, "\\%c", c);
    else
      fputc(c, out);
  }
}

typedef void (*text_fn)(FILE *, const char *);

static const char *fmt_g(char buf[ES_NUM_BUFSZ], double v, int digits) {
  if (!isfinite(v)) return isnan(v) ? "n/a" : v > 0 ? "inf" : "-inf";
  snprintf(buf, ES_NUM_BUFSZ, "%.*g", digits, v + 0.0);
  return buf;
}

/* v with an SI prefix on unit: 1234 J -> "1.23 kJ". */
static const char *fmt_si(char buf[ES_NUM_BUFSZ], double v, const char *unit) {
  static const char *const prefix[] = {"", "k", "M", "G", "T", "P"};
  if (!isfinite(v)) return fmt_g(buf, v, 3);
  size_t p = 0;
  double a = fabs(v);
  while (p + 1 < sizeof prefix / sizeof *prefix && a >= 999.5) {
    a /= 1000;
    v /= 1000;
    p++;
  }
  snprintf(buf, ES_NUM_BUFSZ, "%.3g %s%s", v + 0.0, prefix[p], unit);
  return buf;
}

static const char *fmt_grams(char buf[ES_NUM_BUFSZ], double g) {
  if (isfinite(g) && fabs(g) >= 999.5) {
    snprintf(buf, ES_NUM_BUFSZ, "%.3g kg", g / 1000);
    return buf;
  }
  snprintf(buf, ES_NUM_BUFSZ, "%.3g g", g + 0.0);
  return buf;
}

/* No integer conversions: a corrupt journal's wall time may be anything. */
static const char *fmt_seconds(char buf[ES_NUM_BUFSZ], double s) {
  if (!isfinite(s) || s < 60 || s >= 1e9)
    snprintf(buf, ES_NUM_BUFSZ, "%.3g s", s + 0.0);
  else if (s < 3600)
    snprintf(buf, ES_NUM_BUFSZ, "%.0f min %.0f s", floor(s / 60), floor(fmod(s, 60)));
  else
    snprintf(buf, ES_NUM_BUFSZ, "%.0f h %.0f min", floor(s / 3600), floor(fmod(s / 60, 60)));
  return buf;
}

static int is_energy(const char *metric) { return strcmp(metric, "energy_j") == 0; }

static const es_objective *objective_of(const es_spec *spec, const char *metric) {
  for (size_t j = 0; j < spec->n_objectives; j++)
    if (strcmp(spec->objectives[j].metric, metric) == 0) return &spec->objectives[j];
  return NULL;
}

/* ---- the sweep at a glance ----------------------------------------------- */

typedef struct {
  size_t count[ES_STATUS_KILLED + 1];
  double trials_j; /* every trial's joules */
  double spent_j;  /* the ended trials' joules (the hypervolume's x at the end) */
  double total_j;  /* as summary.json has it */
  double co2_g;    /* trials + overhead, as summary.json has it */
  int estimate;    /* some trial's joules are an estimate */
  int measured;    /* some trial's joules are measured */
  const char *meters[8];
  size_t n_meters;
} glance;

static void glance_compute(const es_spec *spec, const es_recordset *set, const es_totals *tot, glance *g) {
  memset(g, 0, sizeof *g);
  double co2 = 0;
  for (size_t i = 0; i < set->n; i++) {
    const es_record *r = &set->v[i];
    g->count[r->status]++;
    g->trials_j += r->energy_j;
    if (r->end_seq > 0) g->spent_j += r->energy_j;
    co2 += r->co2_g;
    if (!r->meter) continue;
    g->estimate |= r->estimate;
    g->measured |= !r->estimate;
    size_t m;
    for (m = 0; m < g->n_meters; m++)
      if (strcmp(g->meters[m], r->meter) == 0) break;
    if (m == g->n_meters && g->n_meters < sizeof g->meters / sizeof *g->meters) g->meters[g->n_meters++] = r->meter;
  }
  g->total_j = tot->metered ? tot->total_j : g->trials_j + tot->overhead_j;
  g->co2_g = co2 + es_co2_grams(tot->overhead_j, spec->carbon.g_per_kwh, spec->carbon.pue);
}

/* The meters as "rapl, nvml". */
static void meter_list(const glance *g, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t m = 0; m < g->n_meters && used < len; m++)
    used += (size_t)snprintf(buf + used, len - used, "%s%s", m ? ", " : "", g->meters[m]);
}

typedef struct {
  const char *label;
  char value[512];
} total_row;

#define MAX_TOTAL_ROWS 10

/* The totals as label/value rows, shared by both formats. */
static size_t totals_rows(const es_spec *spec, const es_recordset *set, const es_front *f, const es_totals *tot,
                          const glance *g, total_row *rows) {
  static const char *const shown[] = {"completed", "stopped", "failed", "timeout", "killed"};
  char a[ES_NUM_BUFSZ], b[ES_NUM_BUFSZ], c[ES_NUM_BUFSZ], d[ES_NUM_BUFSZ], ms[128];
  size_t n = 0, used;
  total_row *r;

  r = &rows[n++];
  r->label = "trials";
  used = (size_t)snprintf(r->value, sizeof r->value, "%zu", set->n);
  const char *sep = ": ";
  for (int s = ES_STATUS_COMPLETED; s <= ES_STATUS_KILLED; s++) {
    if (!g->count[s]) continue;
    used += (size_t)snprintf(r->value + used, sizeof r->value - used, "%s%zu %s", sep, g->count[s],
                             shown[s - ES_STATUS_COMPLETED]);
    sep = ", ";
  }
  if (g->count[ES_STATUS_PENDING])
    snprintf(r->value + used, sizeof r->value - used, "%s%zu running", sep, g->count[ES_STATUS_PENDING]);

  r = &rows[n++];
  r->label = "on the front";
  snprintf(r->value, sizeof r->value, "%zu of %zu eligible (completed or stopped, every objective%s)", f->n_front,
           f->n_eligible, spec->n_constraints ? ", least constraint violation" : "");

  double share = g->total_j > 0 ? 100 * g->trials_j / g->total_j : NAN;
  r = &rows[n++];
  r->label = "energy: trials";
  if (isfinite(share))
    snprintf(r->value, sizeof r->value, "%s (%.1f %%)", fmt_si(a, g->trials_j, "J"), share);
  else
    snprintf(r->value, sizeof r->value, "%s", fmt_si(a, g->trials_j, "J"));

  r = &rows[n++];
  r->label = "energy: overhead";
  if (tot->unfinished) {
    snprintf(r->value, sizeof r->value, "not known yet: the sweep has not finished");
  } else {
    used = (size_t)snprintf(r->value, sizeof r->value, "%s", fmt_si(a, tot->overhead_j, "J"));
    if (g->total_j > 0)
      used +=
          (size_t)snprintf(r->value + used, sizeof r->value - used, " (%.1f %%)", 100 * tot->overhead_j / g->total_j);
    used += (size_t)snprintf(r->value + used, sizeof r->value - used, ": ecosweep %s", fmt_si(a, tot->ecosweep_j, "J"));
    if (tot->metered)
      used += (size_t)snprintf(r->value + used, sizeof r->value - used, ", other processes %s, idle %s",
                               fmt_si(b, tot->other_j, "J"), fmt_si(c, tot->idle_j, "J"));
    if (tot->gpu_idle_j > 0)
      snprintf(r->value + used, sizeof r->value - used, ", idle GPUs %s", fmt_si(d, tot->gpu_idle_j, "J"));
  }

  meter_list(g, ms, sizeof ms);
  r = &rows[n++];
  r->label = "energy: total";
  const char *how = !g->n_meters                  ? "no trial has ended yet"
                    : g->estimate && !g->measured ? "estimated, not measured"
                    : g->estimate                 ? "partly estimated"
                                                  : "measured";
  snprintf(r->value, sizeof r->value, "%s%s, %s%s%s%s", fmt_si(a, g->total_j, "J"), tot->unfinished ? " so far" : "",
           how, g->n_meters ? " (" : "", ms, g->n_meters ? ")" : "");

  r = &rows[n++];
  r->label = "carbon";
  snprintf(r->value, sizeof r->value, "%sCO2e at %s g/kWh, PUE %s", fmt_grams(a, g->co2_g),
           fmt_g(b, spec->carbon.g_per_kwh, 6), fmt_g(c, spec->carbon.pue, 4));

  r = &rows[n++];
  r->label = "wall time";
  snprintf(r->value, sizeof r->value, "%s%s", fmt_seconds(a, tot->wall_s), tot->unfinished ? " so far" : "");

  r = &rows[n++];
  r->label = "hypervolume";
  if (!f->has_hv)
    snprintf(r->value, sizeof r->value, "n/a");
  else if (f->hv_se > 0)
    snprintf(r->value, sizeof r->value, "%s (Monte Carlo, standard error %s)", fmt_g(a, f->hv, 6),
             fmt_g(b, f->hv_se, 2));
  else
    snprintf(r->value, sizeof r->value, "%s", fmt_g(a, f->hv, 6));
  return n;
}

/* ---- a trial's words ------------------------------------------------------- */

/* A parameter's value as the trial saw it (exact: hover text). */
static void param_text(FILE *out, const es_param *p, double v, text_fn esc) {
  char *t = es_param_value_text(p, v);
  esc(out, t ? t : "?");
  free(t);
}

/* The same in a table: floats to 6 significant digits (trials.csv and
 * the hover text have them exactly). */
static void param_cell(FILE *out, const es_param *p, double v, text_fn esc) {
  char buf[ES_NUM_BUFSZ];
  if (p->kind == ES_PARAM_FLOAT && isfinite(v))
    esc(out, fmt_g(buf, v, 6));
  else
    param_text(out, p, v, esc);
}

/* The hover text of a mark: the trial, its parameters, its objectives. */
static void mark_title(FILE *out, const es_spec *spec, const es_recordset *set, const es_record *r) {
  char a[ES_NUM_BUFSZ];
  fprintf(out, "<title>trial %ld, %s", r->id, es_status_name(r->status));
  if (r->has_step) fprintf(out, " at step %s", fmt_g(a, r->step, 6));
  for (size_t p = 0; p < spec->space.n; p++) {
    fputc('\n', out);
    html_text(out, spec->space.params[p].name);
    fputs(" = ", out);
    param_text(out, &spec->space.params[p], r->params[p], html_text);
  }
  int energy_shown = 0;
  for (size_t j = 0; j < spec->n_objectives; j++) {
    const char *m = spec->objectives[j].metric;
    const double *v = es_objective_value(set, r, m);
    fputc('\n', out);
    html_text(out, m);
    fprintf(out, " = %s", v ? fmt_g(a, *v, 6) : "n/a");
    energy_shown |= is_energy(m);
  }
  if (!energy_shown) fprintf(out, "\nenergy_j = %s", fmt_g(a, r->energy_j, 6));
  if (r->estimate) fputs(" (estimate)", out);
  if (spec->n_constraints && es_constraint_violation(spec, set, r) > 0) fputs("\nmisses the constraints", out);
  fputs("</title>", out);
}

/* ---- axes ------------------------------------------------------------------ */

typedef struct {
  double a, b; /* the axis spans [a, b] (log10 units on a log axis) */
  int log;
} axis;

static void axis_fit(axis *ax, const double *v, size_t n, int log_scale) {
  ax->log = n > 0 && log_scale;
  if (n == 0) {
    ax->a = 0, ax->b = 1;
    return;
  }
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    double t = ax->log ? log10(v[i]) : v[i];
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  double span = hi - lo;
  double pad = span > 0 ? 0.05 * span : ax->log ? 0.5 : lo != 0 ? 0.1 * fabs(lo) : 1;
  ax->a = lo - pad;
  ax->b = hi + pad;
}

/* Where v falls on the axis, 0 at a and 1 at b. */
static double axis_frac(const axis *ax, double v) { return ((ax->log ? log10(v) : v) - ax->a) / (ax->b - ax->a); }

/* Tick values (in data units) for the axis, at most max of them. */
static size_t axis_ticks(const axis *ax, double *t, size_t max) {
  size_t n = 0;
  if (ax->log) {
    double lo = ceil(ax->a), hi = floor(ax->b);
    if (hi - lo >= 2) { /* three decades or more: decades alone */
      double every = ceil((hi - lo + 1) / (double)max);
      for (double e = lo; e <= hi && n < max; e += every) t[n++] = pow(10, e);
      return n;
    }
    static const double m125[] = {1, 2, 5}, m19[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    for (int pass = 0; pass < 2 && n < 2; pass++) {
      const double *m = pass ? m19 : m125;
      size_t nm = pass ? 9 : 3;
      n = 0;
      for (double e = floor(ax->a); e <= ceil(ax->b); e++)
        for (size_t i = 0; i < nm && n < max; i++) {
          double v = m[i] * pow(10, e), l = log10(v);
          if (l >= ax->a && l <= ax->b) t[n++] = v;
        }
    }
    return n;
  }
  double span = ax->b - ax->a, raw = span / 6, mag = pow(10, floor(log10(raw))), norm = raw / mag;
  double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  double first = ceil(ax->a / step);
  for (double i = 0; n < max; i++) {
    double v = (first + i) * step;
    if (v > ax->b + 1e-9 * span) break;
    t[n++] = fabs(v) < 1e-9 * step ? 0 : v;
  }
  return n;
}

static const char *tick_label(char buf[ES_NUM_BUFSZ], double v, int joules) {
  return joules ? fmt_si(buf, v, "J") : fmt_g(buf, v, 4);
}

/* A plot's frame: the registration marks, the plot area, grid lines with
 * their labels, and the axis titles. */
static void svg_frame(FILE *out, int w, int h, int ph, const axis *ax, const axis *ay, int x_joules, int y_joules,
                      const char *x_title, const char *y_title) {
  char buf[ES_NUM_BUFSZ];
  double t[12];
  fprintf(out, "<rect class=\"reg\" x=\"0\" y=\"0\" width=\"4\" height=\"4\" fill=\"%s\"/>", ES_REPORT_REG_COLOR);
  fprintf(out, "<rect class=\"reg\" x=\"%d\" y=\"%d\" width=\"4\" height=\"4\" fill=\"%s\"/>\n", w - 4, h - 4,
          ES_REPORT_REG_COLOR);
  fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\" stroke=\"#bbb\"/>\n", ES_REPORT_X0,
          ES_REPORT_Y0, ES_REPORT_PW, ph);
  size_t n = axis_ticks(ax, t, 10);
  for (size_t i = 0; i < n; i++) {
    double x = ES_REPORT_X0 + axis_frac(ax, t[i]) * ES_REPORT_PW;
    fprintf(out, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#eee\"/>", x, ES_REPORT_Y0, x,
            ES_REPORT_Y0 + ph);
    fprintf(out, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x, ES_REPORT_Y0 + ph + 16,
            tick_label(buf, t[i], x_joules));
  }
  n = axis_ticks(ay, t, 8);
  for (size_t i = 0; i < n; i++) {
    double y = ES_REPORT_Y0 + ph - axis_frac(ay, t[i]) * ph;
    fprintf(out, "<line x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\" stroke=\"#eee\"/>", ES_REPORT_X0, y,
            ES_REPORT_X0 + ES_REPORT_PW, y);
    fprintf(out, "<text x=\"%d\" y=\"%.2f\" text-anchor=\"end\" dominant-baseline=\"middle\">%s</text>\n",
            ES_REPORT_X0 - 6, y, tick_label(buf, t[i], y_joules));
  }
  fprintf(out, "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">", ES_REPORT_X0 + ES_REPORT_PW / 2,
          ES_REPORT_Y0 + ph + 38);
  html_text(out, x_title);
  fprintf(out, "</text>\n<text class=\"axis\" transform=\"translate(18 %d) rotate(-90)\" text-anchor=\"middle\">",
          ES_REPORT_Y0 + ph / 2);
  html_text(out, y_title);
  fputs("</text>\n", out);
}

static void axis_title(char *buf, size_t len, const es_spec *spec, const char *metric, int log_scale) {
  const es_objective *o = objective_of(spec, metric);
  const char *goal = o ? (o->maximize ? ", higher is better" : ", lower is better") : "";
  if (is_energy(metric))
    snprintf(buf, len, "joules per trial%s%s", log_scale ? " (log scale)" : "", goal);
  else
    snprintf(buf, len, "%s%s", metric, goal);
}

/* ---- planes ---------------------------------------------------------------- */

typedef struct {
  const char *x, *y; /* metrics on the axes */
  int connect;       /* join the front by its staircase (the plane is the whole front) */
} plane_def;

/* The planes report.h describes; *n of them, malloc'd (NULL on OOM). */
static plane_def *planes_for(const es_spec *spec, size_t *n) {
  size_t k = spec->n_objectives;
  size_t cap = k >= 2 ? k * (k - 1) / 2 : 1;
  plane_def *p = malloc(cap * sizeof *p);
  if (!p) return NULL;
  *n = 0;
  if (k == 1) {
    p[(*n)++] = (plane_def){"energy_j", spec->objectives[0].metric, 0};
    return p;
  }
  for (size_t i = 0; i < k; i++)
    for (size_t j = i + 1; j < k; j++) {
      const char *a = spec->objectives[i].metric, *b = spec->objectives[j].metric;
      if (is_energy(b))
        p[(*n)++] = (plane_def){b, a, k == 2};
      else
        p[(*n)++] = (plane_def){a, b, k == 2};
    }
  return p;
}

static int plotted_status(es_status s) { return s == ES_STATUS_COMPLETED || s == ES_STATUS_STOPPED; }

typedef struct {
  size_t rec;  /* index into the set */
  double x, y; /* values */
  double px, py;
} mark;

static int cmp_staircase(const void *pa, const void *pb, void *ctx) {
  const mark *a = pa, *b = pb;
  const int *flip = ctx; /* maximised axes, compared negated */
  double ax = flip[0] ? -a->x : a->x, bx = flip[0] ? -b->x : b->x;
  double ay = flip[1] ? -a->y : a->y, by = flip[1] ? -b->y : b->y;
  if (ax != bx) return ax < bx ? -1 : 1;
  return (ay > by) - (ay < by);
}

static void write_mark(FILE *out, const es_spec *spec, const es_recordset *set, const mark *m, int front) {
  const es_record *r = &set->v[m->rec];
  fprintf(out, "<circle class=\"%s\" data-trial=\"%ld\" cx=\"%.2f\" cy=\"%.2f\" r=\"%d\" fill=\"%s\">",
          front ? "front" : "other", r->id, m->px, m->py, front ? 6 : 4,
          front ? ES_REPORT_FRONT_COLOR : ES_REPORT_OTHER_COLOR);
  mark_title(out, spec, set, r);
  fputs("</circle>\n", out);
}

static int html_plane(FILE *out, const es_spec *spec, const es_recordset *set, const unsigned char *on_front,
                      const plane_def *pl) {
  size_t n = set->n, m = 0, n_front = 0;
  mark *mk = malloc((n ? n : 1) * sizeof *mk);
  double *xs = malloc((n ? n : 1) * sizeof *xs), *ys = malloc((n ? n : 1) * sizeof *ys);
  if (!mk || !xs || !ys) {
    free(mk), free(xs), free(ys);
    return -ENOMEM;
  }
  int x_pos = 1, y_pos = 1;
  for (size_t i = 0; i < n; i++) {
    const es_record *r = &set->v[i];
    if (!plotted_status(r->status)) continue;
    const double *x = es_objective_value(set, r, pl->x), *y = es_objective_value(set, r, pl->y);
    if (!x || !y || !isfinite(*x) || !isfinite(*y)) continue;
    mk[m] = (mark){i, *x, *y, 0, 0};
    xs[m] = *x, ys[m] = *y;
    x_pos &= *x > 0, y_pos &= *y > 0;
    n_front += on_front[i];
    m++;
  }
  axis ax, ay;
  axis_fit(&ax, xs, m, is_energy(pl->x) && x_pos);
  axis_fit(&ay, ys, m, is_energy(pl->y) && y_pos);
  for (size_t i = 0; i < m; i++) {
    mk[i].px = ES_REPORT_X0 + axis_frac(&ax, mk[i].x) * ES_REPORT_PW;
    mk[i].py = ES_REPORT_Y0 + ES_REPORT_PH - axis_frac(&ay, mk[i].y) * ES_REPORT_PH;
  }
  char xt[256], yt[256];
  axis_title(xt, sizeof xt, spec, pl->x, ax.log);
  axis_title(yt, sizeof yt, spec, pl->y, ay.log);

  fputs("<figure class=\"plane\">\n", out);
  fprintf(out, "<svg class=\"plot plane\" width=\"%d\" height=\"%d\" data-x-metric=\"", ES_REPORT_PLANE_W,
          ES_REPORT_PLANE_H);
  html_text(out, pl->x);
  fputs("\" data-y-metric=\"", out);
  html_text(out, pl->y);
  fprintf(out, "\" data-x-log=\"%d\" data-y-log=\"%d\" role=\"img\" aria-label=\"", ax.log, ay.log);
  html_text(out, pl->y);
  fputs(" against ", out);
  html_text(out, pl->x);
  fputs("\">\n", out);
  svg_frame(out, ES_REPORT_PLANE_W, ES_REPORT_PLANE_H, ES_REPORT_PH, &ax, &ay, is_energy(pl->x), is_energy(pl->y), xt,
            yt);
  if (m == 0)
    fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">no completed trial has both values yet</text>\n",
            ES_REPORT_X0 + ES_REPORT_PW / 2, ES_REPORT_Y0 + ES_REPORT_PH / 2);

  /* The front's staircase: in the order of the x objective, each point
   * joined to the next through the corner (next x, this y), which is the
   * edge of the region the front dominates. */
  if (pl->connect && n_front > 0) {
    mark *fm = malloc(n_front * sizeof *fm);
    if (!fm) {
      free(mk), free(xs), free(ys);
      return -ENOMEM;
    }
    size_t q = 0;
    for (size_t i = 0; i < m; i++)
      if (on_front[mk[i].rec]) fm[q++] = mk[i];
    const es_objective *ox = objective_of(spec, pl->x), *oy = objective_of(spec, pl->y);
    int flip[2] = {ox && ox->maximize, oy && oy->maximize};
    qsort_r(fm, q, sizeof *fm, cmp_staircase, flip);
    fprintf(out, "<polyline class=\"front-line\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
            ES_REPORT_FRONT_COLOR);
    for (size_t i = 0; i < q; i++) {
      if (i > 0) fprintf(out, " %.2f,%.2f", fm[i].px, fm[i - 1].py);
      fprintf(out, "%s%.2f,%.2f", i ? " " : "", fm[i].px, fm[i].py);
    }
    fputs("\"/>\n", out);
    free(fm);
  }
  /* Dominated marks first, so that front marks sit on top. */
  for (size_t i = 0; i < m; i++)
    if (!on_front[mk[i].rec]) write_mark(out, spec, set, &mk[i], 0);
  for (size_t i = 0; i < m; i++)
    if (on_front[mk[i].rec]) write_mark(out, spec, set, &mk[i], 1);
  fputs("</svg>\n<figcaption>", out);
  const char *how = pl->connect               ? " (joined by its staircase)"
                    : spec->n_objectives == 1 ? " (the best by the one objective)"
                                              : " (this plane is a projection of the front)";
  fprintf(out,
          "%zu trials plotted, <span class=\"key front\"></span> %zu on the front%s, "
          "<span class=\"key other\"></span> %zu not. Hover over a mark for its parameters.",
          m, n_front, how, m - n_front);
  fputs("</figcaption>\n</figure>\n", out);
  free(mk), free(xs), free(ys);
  return 0;
}

/* ---- hypervolume ------------------------------------------------------------ */

static int html_hypervolume(FILE *out, const es_front *f, const glance *g) {
  if (!f->has_hv || f->n_history == 0) {
    fputs("<p class=\"empty\">No hypervolume yet: no trial has reached the front.</p>\n", out);
    return 0;
  }
  size_t n = f->n_history;
  double *xs = malloc((n + 1) * sizeof *xs), *ys = malloc(n * sizeof *ys);
  if (!xs || !ys) {
    free(xs), free(ys);
    return -ENOMEM;
  }
  for (size_t i = 0; i < n; i++) xs[i] = f->history[2 * i], ys[i] = f->history[2 * i + 1];
  double end = g->spent_j > xs[n - 1] ? g->spent_j : xs[n - 1];
  xs[n] = end;
  axis ax, ay;
  axis_fit(&ax, xs, n + 1, 0);
  axis_fit(&ay, ys, n, 0);
  const int ph = ES_REPORT_HV_PH;
#define HV_X(v) (ES_REPORT_X0 + axis_frac(&ax, (v)) * ES_REPORT_PW)
#define HV_Y(v) (ES_REPORT_Y0 + ph - axis_frac(&ay, (v)) * ph)
  fprintf(out,
          "<figure class=\"hypervolume\">\n<svg class=\"plot hv\" width=\"%d\" height=\"%d\" role=\"img\" "
          "aria-label=\"hypervolume against joules spent\">\n",
          ES_REPORT_HV_W, ES_REPORT_HV_H);
  svg_frame(out, ES_REPORT_HV_W, ES_REPORT_HV_H, ph, &ax, &ay, 1, 0, "joules spent by trials", "hypervolume");
  fprintf(out, "<polyline class=\"hv-line\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
          ES_REPORT_HV_COLOR);
  for (size_t i = 0; i < n; i++) {
    if (i > 0) fprintf(out, " %.2f,%.2f", HV_X(xs[i]), HV_Y(ys[i - 1]));
    fprintf(out, "%s%.2f,%.2f", i ? " " : "", HV_X(xs[i]), HV_Y(ys[i]));
  }
  fprintf(out, " %.2f,%.2f\"/>\n", HV_X(end), HV_Y(ys[n - 1]));
  char a[ES_NUM_BUFSZ], b[ES_NUM_BUFSZ];
  for (size_t i = 0; i < n; i++)
    fprintf(out,
            "<circle class=\"hv\" cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"%s\"><title>after %s: hypervolume "
            "%s</title></circle>\n",
            HV_X(xs[i]), HV_Y(ys[i]), ES_REPORT_HV_COLOR, fmt_si(a, xs[i], "J"), fmt_g(b, ys[i], 6));
#undef HV_X
#undef HV_Y
  fputs(
      "</svg>\n<figcaption>The hypervolume of the front found so far against the joules all trials had "
      "spent; a point where the front changed.</figcaption>\n</figure>\n",
      out);
  free(xs), free(ys);
  return 0;
}

/* ---- the front as a table ------------------------------------------------------ */

/* After the meter's name: says so when its figure is an estimate (unless
 * the name already does). */
static const char *estimate_note(const es_record *r) {
  return r->estimate && !(r->meter && strcmp(r->meter, "estimate") == 0) ? " (estimate)" : "";
}

/* Which objective columns the table shows: all but energy_j, which has its
 * own "joules" column. */
static int objective_column(const es_spec *spec, size_t j) { return !is_energy(spec->objectives[j].metric); }

static void html_front_table(FILE *out, const es_spec *spec, const es_recordset *set, const es_front *f) {
  char a[ES_NUM_BUFSZ];
  if (f->n_front == 0) {
    fputs("<p class=\"empty\">No trial is on the front yet.</p>\n", out);
    return;
  }
  fputs("<table class=\"front\">\n<thead><tr><th>id</th>", out);
  for (size_t p = 0; p < spec->space.n; p++) {
    fputs("<th>", out);
    html_text(out, spec->space.params[p].name);
    fputs("</th>", out);
  }
  for (size_t j = 0; j < spec->n_objectives; j++) {
    if (!objective_column(spec, j)) continue;
    fputs("<th>", out);
    html_text(out, spec->objectives[j].metric);
    fprintf(out, " (%s)</th>", spec->objectives[j].maximize ? "max" : "min");
  }
  fputs("<th>joules</th><th>gCO2e</th><th>meter</th></tr></thead>\n<tbody>\n", out);
  for (size_t q = 0; q < f->n_front; q++) {
    const es_record *r = &set->v[f->front[q]];
    fprintf(out, "<tr data-trial=\"%ld\"><td class=\"num\">%ld</td>", r->id, r->id);
    for (size_t p = 0; p < spec->space.n; p++) {
      fputs(spec->space.params[p].kind == ES_PARAM_CATEGORICAL ? "<td>" : "<td class=\"num\">", out);
      param_cell(out, &spec->space.params[p], r->params[p], html_text);
      fputs("</td>", out);
    }
    for (size_t j = 0; j < spec->n_objectives; j++) {
      if (!objective_column(spec, j)) continue;
      const double *v = es_objective_value(set, r, spec->objectives[j].metric);
      fprintf(out, "<td class=\"num\">%s</td>", v ? fmt_g(a, *v, 6) : "n/a");
    }
    fprintf(out, "<td class=\"num\">%s</td>", fmt_g(a, r->energy_j, 6));
    fprintf(out, "<td class=\"num\">%s</td><td>", fmt_g(a, r->co2_g, 3));
    html_text(out, r->meter ? r->meter : "-");
    fprintf(out, "%s</td></tr>\n", estimate_note(r));
  }
  fputs("</tbody>\n</table>\n", out);
}

/* ---- html -------------------------------------------------------------------------- */

static const char css[] =
    "body{margin:0;padding:16px 24px;font:14px/20px sans-serif;color:#222;background:#fff}\n"
    "h1{font-size:20px;line-height:28px;margin:0 0 4px}\n"
    "h2{font-size:16px;line-height:24px;margin:24px 0 8px}\n"
    "p{margin:4px 0}\n"
    "figure{margin:0 0 16px;overflow-x:auto}\n"
    "svg.plot{display:block;background:#fff;font:11px sans-serif;fill:#555}\n"
    "svg.plot text.axis{font-size:12px;fill:#333}\n"
    "figcaption{color:#555;font-size:12px;line-height:16px;max-width:720px}\n"
    "table{border-collapse:collapse;margin:4px 0}\n"
    "th,td{border-bottom:1px solid #ddd;padding:2px 10px 2px 0;text-align:left;vertical-align:top}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".key{display:inline-block;width:10px;height:10px;border-radius:50%;vertical-align:middle}\n"
    ".key.front{background:" ES_REPORT_FRONT_COLOR
    "}\n"
    ".key.other{background:" ES_REPORT_OTHER_COLOR
    "}\n"
    ".bar{display:flex;width:600px;height:12px;margin:8px 0;background:#eee}\n"
    ".bar .trials{background:" ES_REPORT_OTHER_COLOR
    "}\n"
    ".bar .overhead{background:#bbb}\n"
    ".empty{color:#777}\n";

static void html_head(FILE *out, const es_spec *spec) {
  fputs(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width\">\n<meta name=\"generator\" "
      "content=\"ecosweep\">\n<title>ecosweep report: ",
      out);
  html_text(out, spec->name ? spec->name : "sweep");
  fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
}

static int write_html(FILE *out, const es_spec *spec, const es_recordset *set, const es_front *f,
                      const es_totals *tot) {
  glance g;
  glance_compute(spec, set, tot, &g);
  char a[ES_NUM_BUFSZ], b[ES_NUM_BUFSZ], c[ES_NUM_BUFSZ];
  html_head(out, spec);
  fputs("<header>\n<h1>ecosweep report: ", out);
  html_text(out, spec->name ? spec->name : "sweep");
  fprintf(out, "</h1>\n<p class=\"lede\">%zu trials, %zu on the front, %s%s (%s), %sCO2e, %s", set->n, f->n_front,
          fmt_si(a, g.total_j, "J"), tot->unfinished ? " so far" : "",
          g.estimate && !g.measured ? "estimate"
          : g.estimate              ? "partly estimated"
          : g.n_meters              ? "measured"
                                    : "none metered",
          fmt_grams(b, g.co2_g), fmt_seconds(c, tot->wall_s));
  if (tot->unfinished) fputs("; <strong>the sweep has not finished</strong>", out);
  fputs(".</p>\n<p>Objectives: ", out);
  for (size_t j = 0; j < spec->n_objectives; j++) {
    if (j) fputs(", ", out);
    html_text(out, spec->objectives[j].metric);
    fprintf(out, " (%s)", spec->objectives[j].maximize ? "max" : "min");
  }
  if (spec->n_constraints) {
    fputs("; constraints: ", out);
    for (size_t c2 = 0; c2 < spec->n_constraints; c2++) {
      const es_constraint *k = &spec->constraints[c2];
      if (c2) fputs(", ", out);
      if (k->has_min) fprintf(out, "%s &le; ", fmt_g(a, k->min, 6));
      html_text(out, k->metric);
      if (k->has_max) fprintf(out, " &le; %s", fmt_g(a, k->max, 6));
    }
    if (!f->feasible) fputs(" (no trial meets them: the front is of those that miss them least)", out);
  }
  fputs(".</p>\n</header>\n", out);

  int rc = 0;
  size_t n_planes = 0;
  plane_def *planes = planes_for(spec, &n_planes);
  unsigned char *on_front = calloc(set->n ? set->n : 1, 1);
  if (!planes || !on_front) {
    rc = -ENOMEM;
    goto out;
  }
  for (size_t q = 0; q < f->n_front; q++) on_front[f->front[q]] = 1;
  fprintf(out, "<h2>The front%s</h2>\n", n_planes > 1 ? ", pair by pair" : "");
  for (size_t p = 0; p < n_planes && rc == 0; p++) rc = html_plane(out, spec, set, on_front, &planes[p]);
  if (rc != 0) goto out;
  fputs("<h2>Hypervolume</h2>\n", out);
  if ((rc = html_hypervolume(out, f, &g)) != 0) goto out;
  fprintf(out, "<h2>Trials on the front (%zu)</h2>\n", f->n_front);
  html_front_table(out, spec, set, f);
  fputs("<h2>Totals</h2>\n<table class=\"totals\">\n", out);
  total_row rows[MAX_TOTAL_ROWS];
  size_t nr = totals_rows(spec, set, f, tot, &g, rows);
  for (size_t i = 0; i < nr; i++) {
    fprintf(out, "<tr><th>%s</th><td>", rows[i].label);
    html_text(out, rows[i].value);
    fputs("</td></tr>\n", out);
  }
  fputs("</table>\n", out);
  if (g.total_j > 0 && !tot->unfinished) {
    double t = 100 * g.trials_j / g.total_j, o = 100 * tot->overhead_j / g.total_j;
    fprintf(out,
            "<div class=\"bar\" title=\"trials %.1f %%, overhead %.1f %%\"><div class=\"trials\" "
            "style=\"width:%.2f%%\"></div><div class=\"overhead\" style=\"width:%.2f%%\"></div></div>\n",
            t, o, t, o);
  }
  fputs(
      "<p class=\"empty\">Joules are per trial, from launch to exit; overhead is what the meters saw that no "
      "trial used. Carbon is kWh &times; grid intensity &times; PUE.</p>\n</body>\n</html>\n",
      out);
out:
  free(planes);
  free(on_front);
  return rc;
}

/* ---- markdown ---------------------------------------------------------------------- */

static int write_md(FILE *out, const es_spec *spec, const es_recordset *set, const es_front *f, const es_totals *tot) {
  glance g;
  glance_compute(spec, set, tot, &g);
  char a[ES_NUM_BUFSZ];
  fputs("## ecosweep report: ", out);
  md_text(out, spec->name ? spec->name : "sweep");
  fputs("\n\n| total | value |\n| --- | --- |\n", out);
  total_row rows[MAX_TOTAL_ROWS];
  size_t nr = totals_rows(spec, set, f, tot, &g, rows);
  for (size_t i = 0; i < nr; i++) {
    fprintf(out, "| %s | ", rows[i].label);
    md_text(out, rows[i].value);
    fputs(" |\n", out);
  }
  fprintf(out, "\n### Pareto front (%zu trials)\n\n", f->n_front);
  if (f->n_front == 0) {
    fputs("No trial is on the front yet.\n", out);
    return 0;
  }
  fputs("| id |", out);
  for (size_t p = 0; p < spec->space.n; p++) {
    fputc(' ', out);
    md_text(out, spec->space.params[p].name);
    fputs(" |", out);
  }
  for (size_t j = 0; j < spec->n_objectives; j++) {
    if (!objective_column(spec, j)) continue;
    fputc(' ', out);
    md_text(out, spec->objectives[j].metric);
    fprintf(out, " (%s) |", spec->objectives[j].maximize ? "max" : "min");
  }
  fputs(" joules | gCO2e | meter |\n| ---: |", out);
  for (size_t p = 0; p < spec->space.n; p++)
    fputs(spec->space.params[p].kind == ES_PARAM_CATEGORICAL ? " --- |" : " ---: |", out);
  for (size_t j = 0; j < spec->n_objectives; j++)
    if (objective_column(spec, j)) fputs(" ---: |", out);
  fputs(" ---: | ---: | --- |\n", out);
  for (size_t q = 0; q < f->n_front; q++) {
    const es_record *r = &set->v[f->front[q]];
    fprintf(out, "| %ld |", r->id);
    for (size_t p = 0; p < spec->space.n; p++) {
      fputc(' ', out);
      param_cell(out, &spec->space.params[p], r->params[p], md_text);
      fputs(" |", out);
    }
    for (size_t j = 0; j < spec->n_objectives; j++) {
      if (!objective_column(spec, j)) continue;
      const double *v = es_objective_value(set, r, spec->objectives[j].metric);
      fprintf(out, " %s |", v ? fmt_g(a, *v, 6) : "n/a");
    }
    fprintf(out, " %s |", fmt_g(a, r->energy_j, 6));
    fprintf(out, " %s | ", fmt_g(a, r->co2_g, 3));
    md_text(out, r->meter ? r->meter : "-");
    fprintf(out, "%s |\n", estimate_note(r));
  }
  return 0;
}

int es_report_write(FILE *out, es_report_format format, const es_spec *spec, const es_recordset *set, const es_front *f,
                    const es_totals *tot) {
  int rc = format == ES_REPORT_MD ? write_md(out, spec, set, f, tot) : write_html(out, spec, set, f, tot);
  if (rc == 0 && (fflush(out) != 0 || ferror(out))) rc = -EIO;
  return rc;
}

int es_report_save(const char *path, es_report_format format, const es_spec *spec, const es_recordset *set,
                   const es_totals *tot, char *err, size_t err_len) {
  es_front f;
  int rc = es_front_compute(spec, set, &f);
  if (rc != 0) {
    snprintf(err, err_len, "%s: computing the front: %s", path, strerror(-rc));
    return rc;
  }
  if (strcmp(path, "-") == 0) {
    rc = es_report_write(stdout, format, spec, set, &f, tot);
    if (rc != 0) snprintf(err, err_len, "stdout: %s", strerror(-rc));
    es_front_free(&f);
    return rc;
  }
  struct stat sb;
  int in_place = stat(path, &sb) == 0 && !S_ISREG(sb.st_mode);
  char tmp[PATH_MAX + 8];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
    rc = -ENAMETOOLONG;
  } else {
    const char *target = in_place ? path : tmp;
    FILE *out = fopen(target, "we");
    if (!out) {
      rc = -errno;
    } else {
      rc = es_report_write(out, format, spec, set, &f, tot);
      if (fclose(out) != 0 && rc == 0) rc = -EIO;
      if (!in_place && rc == 0 && rename(tmp, path) != 0) rc = -errno;
      if (!in_place && rc != 0) unlink(tmp);
    }
  }
  if (rc != 0) snprintf(err, err_len, "%s: %s", path, strerror(-rc));
  es_front_free(&f);
  return rc;
}
