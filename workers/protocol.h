/*
 * protocol.h - the trial protocol's report lines (DESIGN.md §4).
 *
 * A report is one JSON object per line, at most ES_REPORT_MAX bytes:
 *   {"step": 3, "metrics": {"accuracy": 0.91, "loss": 0.30}}
 * es_report_parse() checks one line and returns the step and metrics, or
 * the stable reason token that ends the trial ("not-json", "no-step",
 * "bad-metric:loss", ...; the caller prefixes "protocol:").
 *
 * es_linebuf splits a byte stream into lines and flags a line that grows
 * past the limit before its newline arrives.
 *
 * What it does not do: any I/O; the scheduler owns the sockets.
 */
#ifndef ES_PROTOCOL_H
#define ES_PROTOCOL_H

#include <stddef.h>

#define ES_REPORT_MAX 65536 /* bytes per line, newline excluded */

typedef struct {
  char *name; /* owned */
  double value;
} es_metric_kv;

typedef struct {
  double step;
  es_metric_kv *metrics; /* owned, in the order the trial wrote them */
  size_t n_metrics;
} es_report;

/* Parse one line (no newline; a trailing '\r' is ignored). 0, or -EPROTO
 * with a reason token in why. */
int es_report_parse(const char *line, size_t len, es_report *out, char *why, size_t why_len);
void es_report_free(es_report *r);
/* Value of metric name, or NULL. */
const double *es_report_metric(const es_report *r, const char *name);

/* Line splitter. */
typedef struct {
  char *buf;
  size_t len, cap;
  size_t start;   /* first byte not yet handed out by es_linebuf_next() */
  size_t scanned; /* bytes before this are known to end in complete lines */
  size_t max;     /* longest line accepted */
  int overflow; /* a line went past max: the stream is unusable */
} es_linebuf;

void es_linebuf_init(es_linebuf *lb, size_t max);
/* Append bytes. 0, or -E2BIG once a line exceeds max, or -ENOMEM. */
int es_linebuf_feed(es_linebuf *lb, const char *data, size_t n);
/* Next complete line: pointer into the buffer (valid until the next call),
 * its length without the newline; NULL when no full line is waiting. */
const char *es_linebuf_next(es_linebuf *lb, size_t *len);
/* At end of stream: the last line if it lacks its newline, else NULL. */
const char *es_linebuf_rest(es_linebuf *lb, size_t *len);
void es_linebuf_free(es_linebuf *lb);

#endif
