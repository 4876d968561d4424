/*
 * command.c - check and expand the trial command template (DESIGN.md §4).
 *
 * One scanner serves both jobs: es_command_check() runs it without output
 * so that a bad template is a spec error before any trial starts, and
 * es_command_expand() runs it again per trial to build argv.
 *
 * What it does not do: quote, split or otherwise interpret values. There is
 * no shell anywhere; a value becomes (part of) one argv element verbatim.
 */
#include "command.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SPECIAL_TRIAL_ID = -2, SPECIAL_TRIAL_DIR = -3, SPECIAL_MAX_RESOURCE = -4, NOT_FOUND = -1 };

static const char *const special_names[] = {"trial_id", "trial_dir", "max_resource", NULL};

/* Growable string for one expanded element. */
typedef struct {
  char *s;
  size_t len, cap;
  int oom;
} strbuf;

static void sb_add(strbuf *b, const char *p, size_t n) {
  if (b->oom) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 32;
    while (b->len + n + 1 > cap) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
      b->oom = 1;
      return;
    }
    b->s = s;
    b->cap = cap;
  }
  memcpy(b->s + b->len, p, n);
  b->len += n;
  b->s[b->len] = '\0';
}

/* What a trial's placeholders expand to. */
typedef struct {
  const double *point;
  long trial_id;
  const char *trial_dir;
  double max_resource;
} expand_values;

/* Parameter index, a SPECIAL_* code, or NOT_FOUND. */
static int lookup(const es_space *space, const char *name, size_t len) {
  for (size_t i = 0; space && i < space->n; i++)
    if (space->params[i].name && strlen(space->params[i].name) == len && memcmp(space->params[i].name, name, len) == 0)
      return (int)i;
  for (int i = 0; special_names[i]; i++)
    if (strlen(special_names[i]) == len && memcmp(special_names[i], name, len) == 0) return -2 - i;
  return NOT_FOUND;
}

/* Optimal string alignment distance (edits and adjacent swaps), capped. */
static size_t edit_distance(const char *a, size_t la, const char *b) {
  size_t lb = strlen(b);
  if (la > 64 || lb > 64) return (size_t)-1;
  size_t d[65][65];
  for (size_t i = 0; i <= la; i++) d[i][0] = i;
  for (size_t j = 0; j <= lb; j++) d[0][j] = j;
  for (size_t i = 1; i <= la; i++)
    for (size_t j = 1; j <= lb; j++) {
      size_t cost = a[i - 1] != b[j - 1];
      size_t best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + cost < best) best = d[i - 1][j - 1] + cost;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  return d[la][lb];
}

/* The known name closest to name, if close enough to be a likely typo. */
static const char *suggest(const es_space *space, const char *name, size_t len) {
  const char *best = NULL;
  size_t best_d = (size_t)-1;
  size_t n_params = space ? space->n : 0;
  for (size_t i = 0; i < n_params + 3; i++) {
    const char *cand = i < n_params ? space->params[i].name : special_names[i - n_params];
    if (!cand) continue;
    size_t d = edit_distance(name, len, cand);
    size_t longer = len > strlen(cand) ? len : strlen(cand);
    if (d < best_d && d * 3 <= longer) {
      best = cand;
      best_d = d;
    }
  }
  return best;
}

/* Scan template element elem (argv index idx). With out NULL only check it;
 * else append its expansion to out. 0, or -EINVAL / -ENOMEM with msg set
 * (msg starts with "command[idx]: "). */
static int scan_element(const char *elem, size_t idx, const es_space *space, const expand_values *x, strbuf *out,
                        char *msg, size_t msg_len) {
  const char *p = elem;
  while (*p) {
    if (p[0] == '{' && p[1] == '{') {
      if (out) sb_add(out, "{", 1);
      p += 2;
      continue;
    }
    if (p[0] == '}') {
      if (p[1] != '}') {
        snprintf(msg, msg_len, "command[%zu]: unmatched '}' (write }} for a literal brace)", idx);
        return -EINVAL;
      }
      if (out) sb_add(out, "}", 1);
      p += 2;
      continue;
    }
    if (p[0] != '{') {
      size_t n = strcspn(p, "{}");
      if (out) sb_add(out, p, n);
      p += n;
      continue;
    }
    const char *name = p + 1;
    size_t len = strcspn(name, "{}");
    if (name[len] != '}') {
      snprintf(msg, msg_len, "command[%zu]: unmatched '{' (write {{ for a literal brace)", idx);
      return -EINVAL;
    }
    if (len == 0) {
      snprintf(msg, msg_len, "command[%zu]: empty placeholder {}", idx);
      return -EINVAL;
    }
    int which = lookup(space, name, len);
    if (which == NOT_FOUND) {
      const char *s = suggest(space, name, len);
      int shown = len > 200 ? 200 : (int)len;
      if (s)
        snprintf(msg, msg_len, "command[%zu]: unknown placeholder {%.*s} (did you mean {%s}?)", idx, shown, name, s);
      else
        snprintf(msg, msg_len, "command[%zu]: unknown placeholder {%.*s} (not a parameter)", idx, shown, name);
      return -EINVAL;
    }
    if (out) {
      char num[ES_NUM_BUFSZ];
      if (which >= 0) {
        char *text = es_param_value_text(&space->params[which], x->point[which]);
        if (!text) {
          out->oom = 1;
        } else {
          sb_add(out, text, strlen(text));
          free(text);
        }
      } else if (which == SPECIAL_TRIAL_ID) {
        snprintf(num, sizeof num, "%ld", x->trial_id);
        sb_add(out, num, strlen(num));
      } else if (which == SPECIAL_TRIAL_DIR) {
        if (!x->trial_dir) {
          snprintf(msg, msg_len, "command[%zu]: {trial_dir} used but the trial has no directory", idx);
          return -EINVAL;
        }
        sb_add(out, x->trial_dir, strlen(x->trial_dir));
      } else {
        es_fmt_number(num, x->max_resource);
        sb_add(out, num, strlen(num));
      }
    }
    p = name + len + 1;
  }
  if (out && out->oom) {
    snprintf(msg, msg_len, "command[%zu]: out of memory", idx);
    return -ENOMEM;
  }
  return 0;
}

int es_command_check(const char *file, char *const *argv, const es_space *space, char *err, size_t err_len) {
  char msg[512];
  for (size_t i = 0; argv && argv[i]; i++) {
    int rc = scan_element(argv[i], i, space, NULL, NULL, msg, sizeof msg);
    if (rc < 0) {
      if (file)
        snprintf(err, err_len, "%s: %s", file, msg);
      else
        snprintf(err, err_len, "%s", msg);
      return rc;
    }
  }
  return 0;
}

char **es_command_expand(char *const *argv, const es_space *space, const double *point, long trial_id,
                         const char *trial_dir, double max_resource, char *err, size_t err_len) {
  size_t n = 0;
  while (argv && argv[n]) n++;
  char **out = calloc(n + 1, sizeof *out);
  if (!out) {
    snprintf(err, err_len, "command: out of memory");
    return NULL;
  }
  expand_values x = {point, trial_id, trial_dir, max_resource};
  for (size_t i = 0; i < n; i++) {
    strbuf b = {0};
    sb_add(&b, "", 0); /* an empty element still needs its string */
    int rc = scan_element(argv[i], i, space, &x, &b, err, err_len);
    if (rc < 0) {
      free(b.s);
      es_argv_free(out);
      return NULL;
    }
    out[i] = b.s;
  }
  return out;
}

void es_argv_free(char **argv) {
  if (!argv) return;
  for (size_t i = 0; argv[i]; i++) free(argv[i]);
  free(argv);
}
