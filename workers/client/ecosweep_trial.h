/*
 * ecosweep_trial.h - the trial side of ecosweep's protocol, in one header
 * (DESIGN.md §4). C99 or later, libc only, nothing to link.
 *
 *   es_trial t;
 *   es_trial_init(&t);                         reads the environment
 *   double lr = es_trial_param_double(&t, "lr", 0.1);
 *   for (long epoch = 1; epoch <= (long)t.max_resource; epoch++) {
 *     ...train...
 *     const char *names[] = {"accuracy", "loss"};
 *     double values[] = {acc, loss};
 *     if (es_trial_report(&t, epoch, 2, names, values) != 1)
 *       break;                                 stop, hang-up or error
 *   }
 *
 * Modes, picked from the environment as in the Python client:
 * - ECOSWEEP_FD set: each report is one JSON line on that socket and one
 *   reply line ("continue" or "stop") is read back; end-of-file is stop;
 * - only ECOSWEEP_PARAMS set: "@ecosweep {json}" lines on stdout, one-way
 *   (a stop arrives as SIGTERM), reports return 1;
 * - neither (standalone): the defaults passed to es_trial_param_*() apply,
 *   reports print nothing and return 1.
 *
 * The parameter parser reads the flat JSON object in ECOSWEEP_PARAMS
 * (string, number, true/false/null values; nested values are skipped). It
 * is deliberately small: no remote trials (ECOSWEEP_CONNECT), no heap
 * use except for report lines longer than 2 KiB. Numbers are read and
 * written in the "C" locale's notation whatever setlocale() says.
 */
#ifndef ECOSWEEP_TRIAL_H
#define ECOSWEEP_TRIAL_H

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#if defined(__GNUC__) || defined(__clang__)
#define ES_TRIAL_FN static inline __attribute__((unused))
#else
#define ES_TRIAL_FN static inline
#endif

#define ES_TRIAL_STRINGS 4096 /* bytes for es_trial_param_string() results */

typedef struct {
  int in_sweep;        /* started by ecosweep: ECOSWEEP_FD or ECOSWEEP_PARAMS set */
  int resumed;         /* ECOSWEEP_RESUMED=1: relaunched, look for a checkpoint */
  long trial_id;       /* ECOSWEEP_TRIAL_ID; -1 standalone */
  double max_resource; /* ECOSWEEP_MAX_RESOURCE (e.g. epochs); 1 when absent */
  const char *trial_dir; /* ECOSWEEP_TRIAL_DIR; "." standalone */
  int stopped;         /* the scheduler said stop (or hung up) */
  /* private */
  int fd;              /* the channel to the scheduler; -1 when none */
  const char *params;  /* ECOSWEEP_PARAMS text, or NULL */
  size_t strings_used; /* bytes of strings[] handed out */
  char strings[ES_TRIAL_STRINGS]; /* decoded string parameters, stable */
} es_trial;

/* ---- the parameter parser ------------------------------------------------ */

ES_TRIAL_FN const char *es__skip_ws(const char *p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
    p++;
  return p;
}

ES_TRIAL_FN int es__hex4(const char *p, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      return -1;
  }
  *out = v;
  return 0;
}

/* Put one byte into out[*n] if it fits (cap counts the terminator). */
ES_TRIAL_FN void es__put(char *out, size_t cap, size_t *n, char c) {
  if (out && *n + 1 < cap)
    out[*n] = c;
  (*n)++;
}

/* Decode the JSON string that starts at p (at its opening quote) into out
 * (NUL-terminated, truncated to cap; out may be NULL to skip). *len gets
 * the full decoded length. Returns the position after the closing quote,
 * or NULL when the string is malformed. */
ES_TRIAL_FN const char *es__string(const char *p, char *out, size_t cap, size_t *len) {
  size_t n = 0;
  if (*p++ != '"')
    return NULL;
  for (;;) {
    unsigned char c = (unsigned char)*p++;
    if (c == '"')
      break;
    if (c < 0x20)
      return NULL; /* includes the end of the text */
    if (c != '\\') {
      es__put(out, cap, &n, (char)c);
      continue;
    }
    c = (unsigned char)*p++;
    switch (c) {
    case '"': case '\\': case '/': es__put(out, cap, &n, (char)c); break;
    case 'b': es__put(out, cap, &n, '\b'); break;
    case 'f': es__put(out, cap, &n, '\f'); break;
    case 'n': es__put(out, cap, &n, '\n'); break;
    case 'r': es__put(out, cap, &n, '\r'); break;
    case 't': es__put(out, cap, &n, '\t'); break;
    case 'u': {
      unsigned cp, lo;
      if (es__hex4(p, &cp) != 0)
        return NULL;
      p += 4;
      if (cp >= 0xD800 && cp <= 0xDBFF && p[0] == '\\' && p[1] == 'u' && es__hex4(p + 2, &lo) == 0 &&
          lo >= 0xDC00 && lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        p += 6;
      } else if (cp >= 0xD800 && cp <= 0xDFFF) {
        cp = 0xFFFD; /* a lone surrogate */
      }
      if (cp < 0x80) {
        es__put(out, cap, &n, (char)cp);
      } else if (cp < 0x800) {
        es__put(out, cap, &n, (char)(0xC0 | (cp >> 6)));
        es__put(out, cap, &n, (char)(0x80 | (cp & 0x3F)));
      } else if (cp < 0x10000) {
        es__put(out, cap, &n, (char)(0xE0 | (cp >> 12)));
        es__put(out, cap, &n, (char)(0x80 | ((cp >> 6) & 0x3F)));
        es__put(out, cap, &n, (char)(0x80 | (cp & 0x3F)));
      } else {
        es__put(out, cap, &n, (char)(0xF0 | (cp >> 18)));
        es__put(out, cap, &n, (char)(0x80 | ((cp >> 12) & 0x3F)));
        es__put(out, cap, &n, (char)(0x80 | ((cp >> 6) & 0x3F)));
        es__put(out, cap, &n, (char)(0x80 | (cp & 0x3F)));
      }
      break;
    }
    default:
      return NULL;
    }
  }
  if (out && cap > 0)
    out[n < cap ? n : cap - 1] = '\0';
  if (len)
    *len = n;
  return p;
}

/* Length of the JSON number at p (0 if none). */
ES_TRIAL_FN size_t es__number_len(const char *p) {
  size_t n = 0;
  while (p[n] == '-' || p[n] == '+' || p[n] == '.' || p[n] == 'e' || p[n] == 'E' ||
         (p[n] >= '0' && p[n] <= '9'))
    n++;
  return n;
}

/* strtod on the first len bytes of a JSON number, whatever the locale's
 * decimal point is. 0, or -1 if it is not a number. */
ES_TRIAL_FN int es__strtod(const char *p, size_t len, double *out) {
  char buf[64];
  char *end;
  const char *point = localeconv()->decimal_point;
  if (len == 0 || len >= sizeof buf)
    return -1;
  memcpy(buf, p, len);
  buf[len] = '\0';
  if (point && point[0] && point[0] != '.' && point[1] == '\0') {
    char *dot = strchr(buf, '.');
    if (dot)
      *dot = point[0];
  }
  *out = strtod(buf, &end);
  return *end == '\0' ? 0 : -1;
}

/* Skip any JSON value (nested ones included). NULL when malformed. */
ES_TRIAL_FN const char *es__skip_value(const char *p) {
  int depth = 0;
  do {
    p = es__skip_ws(p);
    if (*p == '"') {
      p = es__string(p, NULL, 0, NULL);
      if (!p)
        return NULL;
    } else if (*p == '{' || *p == '[') {
      depth++;
      p++;
      continue;
    } else if (*p == '}' || *p == ']') {
      if (depth == 0)
        return NULL;
      depth--;
      p++;
    } else if (*p == ',' || *p == ':') {
      if (depth == 0)
        return NULL;
      p++;
      continue;
    } else if (strncmp(p, "true", 4) == 0) {
      p += 4;
    } else if (strncmp(p, "false", 5) == 0) {
      p += 5;
    } else if (strncmp(p, "null", 4) == 0) {
      p += 4;
    } else {
      size_t n = es__number_len(p);
      if (n == 0)
        return NULL;
      p += n;
    }
  } while (depth > 0);
  return p;
}

/* Find the value of key name in the flat object text. Returns a pointer to
 * the value (after whitespace), NULL when absent; *bad is set when the
 * text is not a JSON object. name NULL: just validate. */
ES_TRIAL_FN const char *es__find(const char *text, const char *name, int *bad) {
  char key[256];
  size_t key_len, name_len = name ? strlen(name) : 0;
  const char *found = NULL;
  const char *p = es__skip_ws(text);
  *bad = 1;
  if (*p++ != '{')
    return NULL;
  p = es__skip_ws(p);
  if (*p == '}') {
    *bad = *es__skip_ws(p + 1) != '\0';
    return NULL;
  }
  for (;;) {
    p = es__string(es__skip_ws(p), key, sizeof key, &key_len);
    if (!p)
      return NULL;
    p = es__skip_ws(p);
    if (*p++ != ':')
      return NULL;
    p = es__skip_ws(p);
    if (name && !found && key_len == name_len && name_len < sizeof key && strcmp(key, name) == 0)
      found = p; /* the first occurrence wins; keep going to validate */
    p = es__skip_value(p);
    if (!p)
      return NULL;
    p = es__skip_ws(p);
    if (*p == ',') {
      p++;
      continue;
    }
    if (*p != '}')
      return NULL;
    break;
  }
  *bad = *es__skip_ws(p + 1) != '\0';
  return *bad ? NULL : found;
}

/* ---- the public API -------------------------------------------------------- */

/* Read the environment into t. 0, or -1 (errno EINVAL) when ECOSWEEP_FD or
 * ECOSWEEP_PARAMS is malformed; t is usable (standalone) either way. */
ES_TRIAL_FN int es_trial_init(es_trial *t) {
  const char *s;
  char *end;
  int bad = 0, rc = 0;

  memset(t, 0, sizeof *t);
  t->trial_id = -1;
  t->max_resource = 1;
  t->trial_dir = ".";
  t->fd = -1;

  if ((s = getenv("ECOSWEEP_TRIAL_ID")) != NULL && *s)
    t->trial_id = strtol(s, NULL, 10);
  if ((s = getenv("ECOSWEEP_MAX_RESOURCE")) != NULL && *s) {
    double v;
    if (es__strtod(s, strlen(s), &v) == 0 && isfinite(v))
      t->max_resource = v;
    else
      rc = -1;
  }
  if ((s = getenv("ECOSWEEP_TRIAL_DIR")) != NULL && *s)
    t->trial_dir = s;
  s = getenv("ECOSWEEP_RESUMED");
  t->resumed = s && strcmp(s, "1") == 0;

  if ((s = getenv("ECOSWEEP_PARAMS")) != NULL) {
    t->in_sweep = 1;
    es__find(s, NULL, &bad);
    if (bad)
      rc = -1;
    else
      t->params = s;
  }
  if ((s = getenv("ECOSWEEP_FD")) != NULL) {
    long fd;
    t->in_sweep = 1;
    errno = 0;
    fd = strtol(s, &end, 10);
    if (errno == 0 && end != s && *end == '\0' && fd >= 0 && fd <= 65535 && fcntl((int)fd, F_GETFD) != -1) {
      t->fd = (int)fd;
      /* Programs the trial starts must not keep the channel open: the
       * scheduler reads its end-of-file as the trial's exit. */
      (void)fcntl(t->fd, F_SETFD, FD_CLOEXEC);
    } else {
      rc = -1;
    }
  }
  if (rc != 0)
    errno = EINVAL;
  return rc;
}

/* The parameter's value as a number: numbers as they are, true/false as
 * 1/0; def when absent, null, or a string. */
ES_TRIAL_FN double es_trial_param_double(const es_trial *t, const char *name, double def) {
  int bad;
  double v;
  const char *p = t->params ? es__find(t->params, name, &bad) : NULL;
  if (!p)
    return def;
  if (strncmp(p, "true", 4) == 0)
    return 1;
  if (strncmp(p, "false", 5) == 0)
    return 0;
  if (es__strtod(p, es__number_len(p), &v) == 0)
    return v;
  return def;
}

/* The parameter's value rounded to the nearest long; as for _double. */
ES_TRIAL_FN long es_trial_param_long(const es_trial *t, const char *name, long def) {
  double v = es_trial_param_double(t, name, NAN);
  if (isnan(v) || v >= 9.2e18 || v <= -9.2e18)
    return def;
  return (long)(v < 0 ? v - 0.5 : v + 0.5);
}

/* The parameter's value as text: a string decoded (UTF-8), a number or
 * true/false as written in the JSON; def when absent or null. The result
 * lives in t and stays valid as long as t does. When t's string space is
 * spent, prints a message on stderr and returns def. */
ES_TRIAL_FN const char *es_trial_param_string(es_trial *t, const char *name, const char *def) {
  int bad;
  size_t len, room = sizeof t->strings - t->strings_used;
  char *out = t->strings + t->strings_used;
  const char *p = t->params ? es__find(t->params, name, &bad) : NULL;
  if (!p || strncmp(p, "null", 4) == 0 || *p == '{' || *p == '[')
    return def;
  if (*p == '"') {
    if (!es__string(p, out, room, &len))
      return def;
  } else {
    len = strncmp(p, "true", 4) == 0 ? 4 : strncmp(p, "false", 5) == 0 ? 5 : es__number_len(p);
    if (len < room) {
      memcpy(out, p, len);
      out[len] = '\0';
    }
  }
  if (len >= room) {
    fprintf(stderr, "ecosweep_trial: no room for parameter \"%s\"; using its default\n", name);
    return def;
  }
  t->strings_used += len + 1;
  return out;
}

/* A growable output line; starts in a caller's buffer, moves to the heap
 * only when it outgrows it. */
typedef struct {
  char *buf;
  size_t len, cap;
  int heap;
  int failed;
} es__line;

ES_TRIAL_FN void es__append(es__line *l, const char *s, size_t n) {
  if (l->failed)
    return;
  if (l->len + n + 1 > l->cap) {
    size_t cap = (l->len + n + 1) * 2;
    char *grown = l->heap ? (char *)realloc(l->buf, cap) : (char *)malloc(cap);
    if (!grown) {
      l->failed = 1;
      return;
    }
    if (!l->heap)
      memcpy(grown, l->buf, l->len);
    l->buf = grown;
    l->cap = cap;
    l->heap = 1;
  }
  memcpy(l->buf + l->len, s, n);
  l->len += n;
  l->buf[l->len] = '\0';
}

ES_TRIAL_FN void es__append_number(es__line *l, double v) {
  char num[40];
  int n = snprintf(num, sizeof num, "%.17g", v);
  for (int i = 0; i < n; i++)
    if (num[i] == ',')
      num[i] = '.'; /* a locale with a decimal comma */
  es__append(l, num, (size_t)n);
}

ES_TRIAL_FN void es__append_json_string(es__line *l, const char *s) {
  static const char hex[] = "0123456789abcdef";
  es__append(l, "\"", 1);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      char esc[2] = {'\\', (char)c};
      es__append(l, esc, 2);
    } else if (c < 0x20) {
      char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      es__append(l, esc, 6);
    } else {
      es__append(l, s, 1);
    }
  }
  es__append(l, "\"", 1);
}

/* Write all of buf to fd; a socket gets MSG_NOSIGNAL so a scheduler that
 * hung up shows as EPIPE rather than killing the trial with SIGPIPE. */
ES_TRIAL_FN int es__write_all(int fd, const char *buf, size_t len) {
  int use_send = 1;
  while (len > 0) {
    ssize_t n = use_send ? send(fd, buf, len, MSG_NOSIGNAL) : write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (use_send && errno == ENOTSOCK) {
        use_send = 0;
        continue;
      }
      return -1;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Read one reply line, one byte at a time so nothing past it is consumed.
 * 1 continue, 0 stop or end-of-file, -1 an unknown reply (errno EPROTO). */
ES_TRIAL_FN int es__read_reply(int fd) {
  char reply[16];
  size_t n = 0;
  for (;;) {
    char c;
    ssize_t got = read(fd, &c, 1);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      return 0; /* end-of-file, or the connection broke: stop */
    if (c == '\n')
      break;
    if (n < sizeof reply - 1)
      reply[n++] = c;
  }
  if (n > 0 && reply[n - 1] == '\r')
    n--;
  reply[n] = '\0';
  if (strcmp(reply, "continue") == 0)
    return 1;
  if (strcmp(reply, "stop") == 0)
    return 0;
  errno = EPROTO;
  return -1;
}

/* Report progress: the resource level reached and n named metrics.
 * 1 continue, 0 stop (told so, or the scheduler hung up), -1 error: a
 * non-finite step or metric (errno EDOM, nothing sent), a bad argument
 * (EINVAL), no memory, or an unknown reply. */
ES_TRIAL_FN int es_trial_report(es_trial *t, double step, int n, const char *const *names,
                                const double *values) {
  char small[2048];
  es__line line = {small, 0, sizeof small, 0, 0};
  int rc = 1;

  if (n < 0 || (n > 0 && (!names || !values))) {
    errno = EINVAL;
    return -1;
  }
  if (!isfinite(step)) {
    errno = EDOM;
    return -1;
  }
  for (int i = 0; i < n; i++) {
    if (!names[i]) {
      errno = EINVAL;
      return -1;
    }
    if (!isfinite(values[i])) {
      errno = EDOM;
      return -1;
    }
  }
  if (!t->in_sweep)
    return 1;

  if (t->fd < 0)
    es__append(&line, "@ecosweep ", 10);
  es__append(&line, "{\"step\": ", 9);
  es__append_number(&line, step);
  es__append(&line, ", \"metrics\": {", 14);
  for (int i = 0; i < n; i++) {
    if (i > 0)
      es__append(&line, ", ", 2);
    es__append_json_string(&line, names[i]);
    es__append(&line, ": ", 2);
    es__append_number(&line, values[i]);
  }
  es__append(&line, "}}\n", 3);
  if (line.failed) {
    rc = -1;
    errno = ENOMEM;
  } else if (t->fd < 0) {
    if (fwrite(line.buf, 1, line.len, stdout) != line.len || fflush(stdout) != 0)
      rc = -1;
  } else if (es__write_all(t->fd, line.buf, line.len) != 0) {
    if (errno == EPIPE || errno == ECONNRESET) {
      rc = 0; /* the scheduler is gone: that is a stop */
      t->stopped = 1;
    } else {
      rc = -1;
    }
  } else {
    rc = es__read_reply(t->fd);
    if (rc == 0)
      t->stopped = 1;
  }
  if (line.heap)
    free(line.buf);
  return rc;
}

#endif /* ECOSWEEP_TRIAL_H */
