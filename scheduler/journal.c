/*
 * journal.c - append events to journal.jsonl and replay them.
 *
 * Replay rules, in event order:
 *   sweep   the embedded spec is parsed again (it fixes the space and the
 *           objectives the records are read against)
 *   start   a record appears (or, for a relaunch, its attempt is updated)
 *   report  the record's step and metrics become the report's
 *   end     the record gets its final status, reason and figures
 *   finish  the sweep's own totals
 * Unknown events are skipped, so newer journals replay in older builds.
 *
 * What it does not do: decide anything about the sweep; resume logic
 * lives in the scheduler.
 */
#include "journal.h"
#include "../meters/meter.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int es_journal_open(es_journal *j, const char *path) {
  memset(j, 0, sizeof *j);
  j->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (j->fd < 0) return -errno;
  j->path = strdup(path);
  return j->path ? 0 : -ENOMEM;
}

static int reserve(es_journal *j, size_t need) {
  if (j->len + need <= j->cap) return 0;
  size_t cap = j->cap ? j->cap : 4096;
  while (cap < j->len + need) cap *= 2;
  char *nb = realloc(j->buf, cap);
  if (!nb) return -ENOMEM;
  j->buf = nb;
  j->cap = cap;
  return 0;
}

int es_journal_append(es_journal *j, const cJSON *obj) {
  /* Print straight into the queue; grow it when the event does not fit. */
  for (size_t room = 512;; room *= 2) {
    if (reserve(j, room) != 0) return -ENOMEM;
    if (cJSON_PrintPreallocated((cJSON *)obj, j->buf + j->len, (int)(j->cap - j->len - 1), 0)) break;
    if (room > ((size_t)1 << 30)) return -ENOMEM;
  }
  j->len += strlen(j->buf + j->len);
  j->buf[j->len++] = '\n';
  return 0;
}

int es_journal_flush(es_journal *j) {
  size_t off = 0;
  while (off < j->len) {
    ssize_t w = write(j->fd, j->buf + off, j->len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int e = w < 0 ? errno : EIO;
      memmove(j->buf, j->buf + off, j->len - off);
      j->len -= off;
      return -e;
    }
    off += (size_t)w;
  }
  j->len = 0;
  j->unsynced = 1;
  return 0;
}

int es_journal_sync(es_journal *j) {
  if (j->fd < 0 || !j->unsynced) return 0;
  if (fdatasync(j->fd) != 0) return -errno;
  j->unsynced = 0;
  return 0;
}

int es_journal_close(es_journal *j) {
  int rc = 0;
  if (j->fd >= 0) {
    rc = es_journal_flush(j);
    int src = es_journal_sync(j);
    if (rc == 0) rc = src;
    close(j->fd);
  }
  j->fd = -1;
  free(j->path);
  free(j->buf);
  j->path = j->buf = NULL;
  j->len = j->cap = 0;
  return rc;
}

cJSON *es_json_number(double v) {
  if (!isfinite(v)) return cJSON_CreateNull();
  char buf[ES_NUM_BUFSZ];
  cJSON *n = cJSON_CreateRaw(es_fmt_number(buf, v));
  if (n) n->valuedouble = v; /* readers of the tree see the number too */
  return n;
}

cJSON *es_json_add_number(cJSON *obj, const char *key, double v) {
  cJSON *n = es_json_number(v);
  if (n && !cJSON_AddItemToObject(obj, key, n)) {
    cJSON_Delete(n);
    return NULL;
  }
  return n;
}

cJSON *es_params_to_json(const es_space *space, const double *point) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  for (size_t i = 0; i < space->n; i++) {
    const es_param *p = &space->params[i];
    cJSON *v;
    if (p->kind == ES_PARAM_CATEGORICAL) {
      size_t k = (size_t)point[i];
      const es_scalar *s = &p->values[k < p->n_values ? k : 0];
      switch (s->kind) {
      case ES_SCALAR_STRING: v = cJSON_CreateString(s->string); break;
      case ES_SCALAR_NUMBER: v = es_json_number(s->number); break;
      case ES_SCALAR_BOOL: v = cJSON_CreateBool(s->number != 0); break;
      default: v = cJSON_CreateNull(); break;
      }
    } else {
      v = es_json_number(point[i]);
    }
    if (!v || !cJSON_AddItemToObject(o, p->name, v)) {
      cJSON_Delete(v);
      cJSON_Delete(o);
      return NULL;
    }
  }
  return o;
}

static int scalar_equal(const es_scalar *s, const cJSON *v) {
  switch (s->kind) {
  case ES_SCALAR_STRING: return cJSON_IsString(v) && strcmp(s->string, v->valuestring) == 0;
  case ES_SCALAR_NUMBER: return cJSON_IsNumber(v) && v->valuedouble == s->number;
  case ES_SCALAR_BOOL: return cJSON_IsBool(v) && (cJSON_IsTrue(v) != 0) == (s->number != 0);
  default: return cJSON_IsNull(v);
  }
}

int es_params_from_json(const es_space *space, const cJSON *obj, double *point, char *err, size_t err_len) {
  for (size_t i = 0; i < space->n; i++) {
    const es_param *p = &space->params[i];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, p->name);
    if (!v) {
      snprintf(err, err_len, "params.%s: missing", p->name);
      return -EINVAL;
    }
    if (p->kind == ES_PARAM_CATEGORICAL) {
      size_t k;
      for (k = 0; k < p->n_values; k++)
        if (scalar_equal(&p->values[k], v)) break;
      if (k == p->n_values) {
        snprintf(err, err_len, "params.%s: not one of the spec's values", p->name);
        return -EINVAL;
      }
      point[i] = (double)k;
    } else {
      if (!cJSON_IsNumber(v)) {
        snprintf(err, err_len, "params.%s: not a number", p->name);
        return -EINVAL;
      }
      point[i] = v->valuedouble;
    }
  }
  return 0;
}

void es_journal_state_free(es_journal_state *st) {
  es_spec_free(&st->spec);
  free(st->spec_hash);
  free(st->workdir);
  for (size_t i = 0; i < st->n_rungs; i++) free(st->rungs[i].obj);
  free(st->rungs);
  free(st->pgids);
  free(st->start_line);
  free(st->end_line);
  es_recordset_free(&st->records);
  memset(st, 0, sizeof *st);
}

static double num(const cJSON *o, const char *key, double dflt) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* A whole number in [lo, hi] from key, else dflt: a journal may be edited
 * or corrupt, and converting an out-of-range double to an integer type is
 * undefined behaviour (found by tests/fuzz/fuzz_journal). */
static double whole(const cJSON *o, const char *key, double lo, double hi, double dflt) {
  double v = num(o, key, dflt);
  return isfinite(v) && v == floor(v) && v >= lo && v <= hi ? v : dflt;
}

static const char *str(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int set_metrics(es_journal_state *st, es_record *r, const cJSON *metrics) {
  const cJSON *m;
  cJSON_ArrayForEach(m, metrics) {
    if (!cJSON_IsNumber(m) || !m->string) continue;
    if (es_record_set_metric(&st->records, r, m->string, m->valuedouble) != 0) return -ENOMEM;
  }
  return 0;
}

/* Record fields keep a static meter name (see record.h). */
static const char *static_meter_name(const char *name) {
  const char *l = es_meter_label(name);
  return l ? l : name ? "unknown" : NULL;
}

static int replay_event(es_journal_state *st, const cJSON *ev, char *err, size_t err_len) {
  const char *event = str(ev, "event");
  if (!event) {
    snprintf(err, err_len, "no \"event\"");
    return -EINVAL;
  }
  /* Wall time spent: each run (the sweep event, then every resume) from
   * its first event to its last timed one. */
  const cJSON *tm = cJSON_GetObjectItemCaseSensitive(ev, "time_ms");
  if (cJSON_IsNumber(tm) && isfinite(tm->valuedouble)) {
    double t = tm->valuedouble / 1e3;
    if (strcmp(event, "sweep") == 0 || strcmp(event, "resume") == 0) {
      if (st->seg_last > st->seg_start) st->wall_spent += st->seg_last - st->seg_start;
      st->seg_start = st->seg_last = t;
    } else if (t > st->seg_last) {
      st->seg_last = t;
    }
  }
  if (strcmp(event, "sweep") == 0) {
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(ev, "spec");
    const char *file = str(ev, "spec_file");
    if (!cJSON_IsObject(spec) || !file) {
      snprintf(err, err_len, "sweep event without its spec");
      return -EINVAL;
    }
    char *text = cJSON_PrintUnformatted(spec);
    if (!text) return -ENOMEM;
    es_spec_free(&st->spec);
    char perr[512];
    int rc = es_spec_parse(file, text, strlen(text), &st->spec, perr, sizeof perr);
    cJSON_free(text);
    if (rc != 0) {
      snprintf(err, err_len, "embedded spec: %s", perr);
      return rc;
    }
    free(st->spec_hash);
    const char *h = str(ev, "spec_hash");
    st->spec_hash = h ? strdup(h) : NULL;
    st->seed = (unsigned long)whole(ev, "seed", 0, 9007199254740992.0, 0);
    free(st->workdir);
    st->workdir = str(ev, "workdir") ? strdup(str(ev, "workdir")) : NULL;
    st->has_sweep = 1;
    return 0;
  }
  if (strcmp(event, "resume") == 0) return 0;
  if (strcmp(event, "finish") == 0) {
    st->finished = 1;
    st->overhead_j = num(ev, "overhead_j", 0);
    st->ecosweep_j = num(ev, "ecosweep_j", 0);
    st->total_j = num(ev, "total_j", 0);
    st->wall_s = num(ev, "wall_s", 0);
    st->metered = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(ev, "other_j"));
    st->other_j = num(ev, "other_j", 0);
    st->idle_j = num(ev, "idle_j", 0);
    st->gpu_idle_j = num(ev, "gpu_idle_j", 0);
    return 0;
  }
  const cJSON *tid = cJSON_GetObjectItemCaseSensitive(ev, "trial");
  if (strcmp(event, "start") != 0 && strcmp(event, "report") != 0 && strcmp(event, "end") != 0)
    return 0; /* an event this version does not use */
  if (!st->has_sweep) {
    snprintf(err, err_len, "\"%s\" event before the sweep event", event);
    return -EINVAL;
  }
  if (!cJSON_IsNumber(tid) || tid->valuedouble < 0 || tid->valuedouble != floor(tid->valuedouble) ||
      tid->valuedouble > 9007199254740992.0) {
    snprintf(err, err_len, "\"%s\" event without a trial id", event);
    return -EINVAL;
  }
  long id = (long)tid->valuedouble;
  es_record *r = es_recordset_find(&st->records, id);
  if (strcmp(event, "start") == 0) {
    int first = !r;
    if (!r) {
      r = es_recordset_add(&st->records, id, st->spec.space.n);
      if (!r) return -ENOMEM;
    }
    r->attempt = (int)whole(ev, "attempt", 1, INT_MAX, 1);
    r->status = ES_STATUS_PENDING;
    r->retry = 0;
    size_t idx = (size_t)(r - st->records.v);
    long *pg = realloc(st->pgids, st->records.cap * sizeof *pg);
    if (!pg) return -ENOMEM;
    st->pgids = pg;
    st->pgids[idx] = (long)whole(ev, "pgid", 0, 4194304.0 * 1024, 0);
    long *sl = realloc(st->start_line, st->records.cap * sizeof *sl);
    if (!sl) return -ENOMEM;
    st->start_line = sl;
    long *el = realloc(st->end_line, st->records.cap * sizeof *el);
    if (!el) return -ENOMEM;
    st->end_line = el;
    if (first) st->start_line[idx] = st->line;
    st->end_line[idx] = 0;
    r->end_seq = 0;
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(ev, "params");
    char perr[256];
    if (es_params_from_json(&st->spec.space, params, r->params, perr, sizeof perr) != 0) {
      snprintf(err, err_len, "trial %ld: %s", id, perr);
      return -EINVAL;
    }
    if (id >= st->next_id) st->next_id = id + 1;
    return 0;
  }
  if (!r) {
    snprintf(err, err_len, "trial %ld: \"%s\" before its start", id, event);
    return -EINVAL;
  }
  if (strcmp(event, "report") == 0) {
    const cJSON *rung = cJSON_GetObjectItemCaseSensitive(ev, "rung");
    /* Keep it for resume's replay of the rungs; a report that only
     * re-held a relaunched trial at its rung ("again") adds nothing. */
    if (cJSON_IsNumber(rung) && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "again"))) {
      size_t k = st->spec.n_objectives;
      es_rung_event *nr = realloc(st->rungs, (st->n_rungs + 1) * sizeof *nr);
      if (!nr) return -ENOMEM;
      st->rungs = nr;
      es_rung_event *re = &st->rungs[st->n_rungs];
      re->id = id;
      re->rung = rung->valuedouble;
      re->ends_before = st->n_ends;
      re->line = st->line;
      re->obj = malloc((k ? k : 1) * sizeof *re->obj);
      if (!re->obj) return -ENOMEM;
      const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(ev, "metrics");
      for (size_t j = 0; j < k; j++) {
        const es_objective *o = &st->spec.objectives[j];
        double v = strcmp(o->metric, "energy_j") == 0 ? num(ev, "energy_j", NAN) : num(metrics, o->metric, NAN);
        re->obj[j] = o->maximize ? -v : v;
      }
      st->n_rungs++;
    }
    r->has_step = 1;
    r->step = num(ev, "step", r->step);
    r->n_reports++;
    r->energy_j = num(ev, "energy_j", r->energy_j);
    return set_metrics(st, r, cJSON_GetObjectItemCaseSensitive(ev, "metrics"));
  }
  /* end */
  int s = str(ev, "status") ? es_status_parse(str(ev, "status")) : -1;
  if (s <= 0) {
    snprintf(err, err_len, "trial %ld: end without a valid status", id);
    return -EINVAL;
  }
  r->status = (es_status)s;
  es_record_set_text(&r->reason, str(ev, "reason"));
  es_record_set_text(&r->detail, str(ev, "detail"));
  const cJSON *step = cJSON_GetObjectItemCaseSensitive(ev, "step");
  if (cJSON_IsNumber(step)) {
    r->has_step = 1;
    r->step = step->valuedouble;
  }
  r->energy_j = num(ev, "energy_j", 0);
  r->cpu_s = num(ev, "cpu_s", 0);
  r->wall_s = num(ev, "wall_s", 0);
  r->co2_g = num(ev, "co2_g", 0);
  r->meter = static_meter_name(str(ev, "meter"));
  r->estimate = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "estimate"));
  r->end_seq = ++st->n_ends;
  r->retry = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "retry"));
  st->end_line[r - st->records.v] = st->line;
  return set_metrics(st, r, cJSON_GetObjectItemCaseSensitive(ev, "metrics"));
}

int es_journal_replay(const char *path, es_journal_state *st, char *err, size_t err_len) {
  memset(st, 0, sizeof *st);
  es_recordset_init(&st->records);
  FILE *f = fopen(path, "re");
  if (!f) {
    int e = errno;
    snprintf(err, err_len, "%s: %s", path, strerror(e));
    return -e;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  long lineno = 0;
  int rc = 0;
  while ((n = getline(&line, &cap, f)) > 0) {
    lineno++;
    int complete = line[n - 1] == '\n';
    if (complete) st->valid_bytes += n;
    if (complete) line[--n] = '\0';
    if (n == 0) continue;
    cJSON *ev = cJSON_ParseWithLength(line, (size_t)n);
    if (!ev || !cJSON_IsObject(ev)) {
      cJSON_Delete(ev);
      if (!complete && fgetc(f) == EOF) { /* a torn last line */
        st->torn_tail = 1;
        break;
      }
      snprintf(err, err_len, "%s:%ld: not a JSON object", path, lineno);
      rc = -EINVAL;
      break;
    }
    char why[640];
    st->line = lineno;
    rc = replay_event(st, ev, why, sizeof why);
    cJSON_Delete(ev);
    if (rc != 0) {
      snprintf(err, err_len, "%s:%ld: %s", path, lineno, why);
      break;
    }
  }
  free(line);
  fclose(f);
  if (rc == 0 && !st->has_sweep) {
    snprintf(err, err_len, "%s: no sweep event (not an ecosweep journal)", path);
    rc = -EINVAL;
  }
  return rc;
}
