/*
 * protocol.c - parse report lines and split streams into lines.
 *
 * Parsing goes through cJSON; this file only checks the shape: an object,
 * a finite numeric "step", and "metrics" (optional) an object of finite
 * numbers. Unknown top-level keys are tolerated so that clients can add
 * fields without breaking older schedulers.
 *
 * What it does not do: decide what a report means for the trial (the
 * scheduler compares steps, looks up objectives and answers).
 */
#include "protocol.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void es_report_free(es_report *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n_metrics; i++) free(r->metrics[i].name);
  free(r->metrics);
  r->metrics = NULL;
  r->n_metrics = 0;
}

const double *es_report_metric(const es_report *r, const char *name) {
  for (size_t i = 0; i < r->n_metrics; i++)
    if (strcmp(r->metrics[i].name, name) == 0) return &r->metrics[i].value;
  return NULL;
}

/* A metric name goes into a reason token and a CSV header: keep it short
 * and printable in the token. */
static void token_name(char *dst, size_t len, const char *name) {
  size_t j = 0;
  for (size_t i = 0; name[i] && j + 1 < len && i < 64; i++) {
    unsigned char c = (unsigned char)name[i];
    dst[j++] = (c > 32 && c < 127) ? (char)c : '?';
  }
  dst[j] = '\0';
}

int es_report_parse(const char *line, size_t len, es_report *out, char *why, size_t why_len) {
  memset(out, 0, sizeof *out);
  if (len > 0 && line[len - 1] == '\r') len--;
  if (len > ES_REPORT_MAX) {
    snprintf(why, why_len, "line-too-long");
    return -EPROTO;
  }
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(line, len, &end, 0);
  if (!root) {
    snprintf(why, why_len, "not-json");
    return -EPROTO;
  }
  int rc = -EPROTO;
  /* Only whitespace may follow the object. */
  for (const char *p = end; p && p < line + len; p++)
    if (*p != ' ' && *p != '\t') {
      snprintf(why, why_len, "not-json");
      goto done;
    }
  if (!cJSON_IsObject(root)) {
    snprintf(why, why_len, "not-object");
    goto done;
  }
  cJSON *step = cJSON_GetObjectItemCaseSensitive(root, "step");
  if (!cJSON_IsNumber(step)) {
    snprintf(why, why_len, "no-step");
    goto done;
  }
  if (!isfinite(step->valuedouble)) {
    snprintf(why, why_len, "bad-step");
    goto done;
  }
  out->step = step->valuedouble;
  cJSON *metrics = cJSON_GetObjectItemCaseSensitive(root, "metrics");
  if (metrics && !cJSON_IsNull(metrics)) {
    if (!cJSON_IsObject(metrics)) {
      snprintf(why, why_len, "metrics-not-object");
      goto done;
    }
    size_t n = (size_t)cJSON_GetArraySize(metrics);
    out->metrics = calloc(n ? n : 1, sizeof *out->metrics);
    if (!out->metrics) {
      rc = -ENOMEM;
      snprintf(why, why_len, "out-of-memory");
      goto done;
    }
    cJSON *m;
    cJSON_ArrayForEach(m, metrics) {
      char tok[72];
      token_name(tok, sizeof tok, m->string ? m->string : "");
      if (!cJSON_IsNumber(m) || !isfinite(m->valuedouble)) {
        snprintf(why, why_len, "bad-metric:%s", tok);
        goto fail;
      }
      if (!m->string || !m->string[0]) {
        snprintf(why, why_len, "bad-metric:");
        goto fail;
      }
      for (size_t i = 0; i < out->n_metrics; i++)
        if (strcmp(out->metrics[i].name, m->string) == 0) {
          snprintf(why, why_len, "duplicate-metric:%s", tok);
          goto fail;
        }
      out->metrics[out->n_metrics].name = strdup(m->string);
      if (!out->metrics[out->n_metrics].name) {
        rc = -ENOMEM;
        snprintf(why, why_len, "out-of-memory");
        goto fail;
      }
      out->metrics[out->n_metrics++].value = m->valuedouble;
    }
  }
  rc = 0;
  goto done;
fail:
  es_report_free(out);
done:
  cJSON_Delete(root);
  return rc;
}

void es_linebuf_init(es_linebuf *lb, size_t max) {
  memset(lb, 0, sizeof *lb);
  lb->max = max;
}

void es_linebuf_free(es_linebuf *lb) {
  free(lb->buf);
  memset(lb, 0, sizeof *lb);
}

int es_linebuf_feed(es_linebuf *lb, const char *data, size_t n) {
  if (lb->overflow) return -E2BIG;
  if (lb->start > 0) { /* drop the lines already handed out */
    memmove(lb->buf, lb->buf + lb->start, lb->len - lb->start);
    lb->len -= lb->start;
    lb->scanned = lb->scanned > lb->start ? lb->scanned - lb->start : 0;
    lb->start = 0;
  }
  if (lb->len + n + 1 > lb->cap) {
    size_t cap = lb->cap ? lb->cap : 256;
    while (cap < lb->len + n + 1) cap *= 2;
    char *nb = realloc(lb->buf, cap);
    if (!nb) return -ENOMEM;
    lb->buf = nb;
    lb->cap = cap;
  }
  memcpy(lb->buf + lb->len, data, n);
  lb->len += n;
  /* Find the last newline among the new bytes: what follows it is an
   * unfinished line, which must not outgrow the limit. */
  size_t line_start = lb->scanned;
  for (size_t i = lb->len; i > lb->scanned; i--)
    if (lb->buf[i - 1] == '\n') {
      line_start = i;
      break;
    }
  /* Complete lines are checked in es_linebuf_next(). */
  lb->scanned = line_start;
  if (lb->len - line_start > lb->max) {
    lb->overflow = 1;
    return -E2BIG;
  }
  return 0;
}

const char *es_linebuf_next(es_linebuf *lb, size_t *len) {
  if (lb->overflow || lb->start >= lb->len) return NULL;
  char *p = lb->buf + lb->start;
  char *nl = memchr(p, '\n', lb->len - lb->start);
  if (!nl) return NULL;
  size_t l = (size_t)(nl - p);
  if (l > lb->max) {
    lb->overflow = 1;
    return NULL;
  }
  *nl = '\0';
  lb->start += l + 1;
  *len = l;
  return p;
}

/* The unfinished tail (bytes after the last newline): used at end of
 * stream, where a last line without its newline still counts. */
const char *es_linebuf_rest(es_linebuf *lb, size_t *len) {
  if (lb->overflow || lb->start >= lb->len) return NULL;
  if (lb->len >= lb->cap) return NULL;
  lb->buf[lb->len] = '\0';
  *len = lb->len - lb->start;
  const char *p = lb->buf + lb->start;
  lb->start = lb->len;
  return p;
}
