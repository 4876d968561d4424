/*
 * progress.h - what a running sweep shows on stderr.
 *
 * On a terminal: one status line, redrawn in place ("\r" + erase), with the
 * trial lines and alerts printed above it; alerts stand out (bold, reverse
 * video). Not a terminal (a log, a CI job): the same status as a plain line
 * every few seconds ($ECOSWEEP_PROGRESS_S, default 10), and alerts as
 * lines that start with "!!". --quiet shows none of it.
 *
 * What it does not do: compute the figures (the sweep fills
 * es_progress_figures) or own a timer.
 */
#ifndef ES_PROGRESS_H
#define ES_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

#define ES_PROGRESS_ENV "ECOSWEEP_PROGRESS_S"
#define ES_PROGRESS_PLAIN_S 10.0 /* plain lines: seconds between two */
#define ES_PROGRESS_TTY_S 0.5    /* terminal: seconds between redraws */

typedef struct {
  long ended, completed, stopped, failed, running; /* failed: failed + timeout */
  long budget_trials;     /* 0: none */
  double joules;          /* spent so far, running trials included */
  double budget_j;        /* 0: none */
  int estimate;           /* the joules are an estimate */
  double co2_g;
  size_t front;
  int has_hv;
  double hv;
  double elapsed_s;
  double eta_s;           /* < 0: unknown */
} es_progress_figures;

typedef struct {
  FILE *out;
  int tty;      /* redraw one line in place */
  int quiet;
  int shown;    /* a status line is on the terminal now */
  double every; /* seconds between status updates */
  char last[512];
} es_progress;

void es_progress_init(es_progress *p, FILE *out, int quiet);

/* The status text (no newline). */
void es_progress_format(const es_progress_figures *f, char *buf, size_t len);

/* Seconds until the sweep's first budget runs out, from the fractions spent
 * so far (trials ended, joules, wall time); < 0 when there is no budget or
 * nothing is spent yet. */
double es_progress_eta(double elapsed_s, double frac_trials, double frac_energy, double frac_wall);

/* Show the status (terminal: redraw; otherwise one line). */
void es_progress_show(es_progress *p, const es_progress_figures *f);

/* A message line ("ecosweep: ..." is prepended); alert: make it stand out. */
void es_progress_say(es_progress *p, int alert, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Leave the terminal on a fresh line after the last status. */
void es_progress_done(es_progress *p);

#endif
