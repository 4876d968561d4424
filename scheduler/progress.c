/*
 * progress.c - the live status line and the lines printed above it (see
 * progress.h).
 *
 * What it does not do: decide when to update (the sweep's timer does) or
 * write anything to the journal.
 */
#include "progress.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void es_progress_init(es_progress *p, FILE *out, int quiet) {
  memset(p, 0, sizeof *p);
  p->out = out;
  p->quiet = quiet;
  p->tty = isatty(fileno(out)) && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0;
  p->every = p->tty ? ES_PROGRESS_TTY_S : ES_PROGRESS_PLAIN_S;
  const char *e = getenv(ES_PROGRESS_ENV);
  if (e && *e && !p->tty) {
    char *end;
    double v = strtod(e, &end);
    if (*end == '\0' && v >= 0.1 && v <= 86400) p->every = v;
  }
}

static void fmt_duration(char *buf, size_t len, double s) {
  if (!(s >= 0) || !isfinite(s)) {
    snprintf(buf, len, "?");
    return;
  }
  long t = lround(s);
  if (t >= 3600)
    snprintf(buf, len, "%ldh%02ldm", t / 3600, t / 60 % 60);
  else if (t >= 60)
    snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
  else
    snprintf(buf, len, "%lds", t);
}

static void fmt_joules(char *buf, size_t len, double j) {
  double a = fabs(j);
  if (a >= 1e9)
    snprintf(buf, len, "%.3g GJ", j / 1e9);
  else if (a >= 1e6)
    snprintf(buf, len, "%.3g MJ", j / 1e6);
  else if (a >= 1e3)
    snprintf(buf, len, "%.3g kJ", j / 1e3);
  else
    snprintf(buf, len, "%.3g J", j);
}

double es_progress_eta(double elapsed_s, double frac_trials, double frac_energy, double frac_wall) {
  double f = -1;
  if (frac_trials > f) f = frac_trials;
  if (frac_energy > f) f = frac_energy;
  if (frac_wall > f) f = frac_wall;
  if (!(f > 0) || !(elapsed_s > 0)) return -1;
  if (f >= 1) return 0;
  return elapsed_s * (1 - f) / f;
}

void es_progress_format(const es_progress_figures *f, char *buf, size_t len) {
  char j[32], el[32], eta[32], total[32] = "";
  fmt_joules(j, sizeof j, f->joules);
  fmt_duration(el, sizeof el, f->elapsed_s);
  fmt_duration(eta, sizeof eta, f->eta_s);
  if (f->budget_trials > 0) snprintf(total, sizeof total, "/%ld", f->budget_trials);
  int off = snprintf(buf, len, "%ld%s done (%ld running, %ld stopped, %ld failed) | %s%s", f->ended, total,
                     f->running, f->stopped, f->failed, j, f->estimate ? " est." : "");
  if (off < 0 || (size_t)off >= len) return;
  if (f->budget_j > 0)
    off += snprintf(buf + off, len - (size_t)off, " (%.0f%% of budget)", 100 * f->joules / f->budget_j);
  if (off < 0 || (size_t)off >= len) return;
  off += snprintf(buf + off, len - (size_t)off, ", %.3g g CO2e | front %zu", f->co2_g, f->front);
  if (off < 0 || (size_t)off >= len) return;
  if (f->has_hv) off += snprintf(buf + off, len - (size_t)off, ", HV %.4g", f->hv);
  if (off < 0 || (size_t)off >= len) return;
  snprintf(buf + off, len - (size_t)off, " | %s elapsed, ETA %s", el, eta);
}

/* Erase the status line before printing above it. */
static void clear_status(es_progress *p) {
  if (p->tty && p->shown) {
    fputs("\r\033[K", p->out);
    p->shown = 0;
  }
}

static void draw(es_progress *p) {
  if (!p->tty || !p->last[0]) return;
  fprintf(p->out, "\r\033[K%s", p->last);
  p->shown = 1;
  fflush(p->out);
}

void es_progress_show(es_progress *p, const es_progress_figures *f) {
  if (p->quiet) return;
  char line[480];
  es_progress_format(f, line, sizeof line);
  snprintf(p->last, sizeof p->last, "ecosweep: %s", line);
  if (p->tty) {
    draw(p);
  } else {
    fprintf(p->out, "%s\n", p->last);
    fflush(p->out);
  }
}

void es_progress_say(es_progress *p, int alert, const char *fmt, ...) {
  if (p->quiet && !alert) return;
  clear_status(p);
  va_list ap;
  va_start(ap, fmt);
  if (alert && p->tty) fputs("\033[1;7m", p->out); /* bold, reverse video */
  fputs(alert && !p->tty ? "!! ecosweep: " : "ecosweep: ", p->out);
  vfprintf(p->out, fmt, ap);
  if (alert && p->tty) fputs("\033[0m", p->out);
  fputc('\n', p->out);
  va_end(ap);
  draw(p);
}

void es_progress_done(es_progress *p) {
  if (p->tty && p->shown) {
    fputc('\n', p->out);
    p->shown = 0;
  }
  fflush(p->out);
}
