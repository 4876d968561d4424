/*
 * spec.c - load, check and default a sweep spec file (DESIGN.md §3).
 *
 * The text goes through four gates, each reported with the file name and
 * a position: UTF-8 and JSON syntax (line:column), duplicate keys (cJSON
 * keeps both, so they are looked for here), unknown keys anywhere in the
 * document (before any missing key is reported, so a typo is named as a
 * typo), and finally every value: types, ranges, names the registries
 * know. Then every documented default is filled in and paths are made
 * absolute.
 *
 * What it does not do: write anything, or look at anything but the spec
 * file itself (workdir and output are resolved as text, not checked on
 * disk; whether they exist is the run's business). Names of samplers and
 * meters come from their registries (strategies/sampler.h,
 * meters/meter.h); halving rules, selections and launchers that are
 * documented but not built yet are listed here so that the message can
 * say so.
 */
#include "spec.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../meters/meter.h"
#include "../strategies/halving.h"
#include "../strategies/sampler.h"
#include "command.h"

#define ES_SPEC_MAX_BYTES (16L * 1024 * 1024) /* far beyond any real spec */
#define ES_EXACT_INT 9007199254740992LL       /* 2^53: largest exact integer in a double */
#define PATH_LEN 512                          /* JSON paths in messages */

/* ---- errors -------------------------------------------------------------- */

typedef struct {
  const char *file; /* as given, the first part of every message */
  char *err;
  size_t err_len;
} ctx;

/* "file: path: what" (no "path: " when path is empty). Returns -EINVAL. */
static int fail(ctx *c, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(ctx *c, const char *path, const char *fmt, ...) {
  char what[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (c->err && c->err_len) {
    if (path && *path)
      snprintf(c->err, c->err_len, "%s: %s: %s", c->file, path, what);
    else
      snprintf(c->err, c->err_len, "%s: %s", c->file, what);
  }
  return -EINVAL;
}

static int fail_oom(ctx *c) {
  if (c->err && c->err_len) snprintf(c->err, c->err_len, "%s: out of memory", c->file);
  return -ENOMEM;
}

static const char *type_name(const cJSON *j) {
  if (cJSON_IsString(j)) return "a string";
  if (cJSON_IsNumber(j)) return "a number";
  if (cJSON_IsBool(j)) return "a boolean";
  if (cJSON_IsNull(j)) return "null";
  if (cJSON_IsArray(j)) return "an array";
  if (cJSON_IsObject(j)) return "an object";
  return "invalid";
}

/* ---- JSON paths ---------------------------------------------------------- */

static int is_identifier(const char *s) {
  if (!s || !(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))) return 0;
  for (s++; *s; s++)
    if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))) return 0;
  return 1;
}

/* parent.key, or parent["key"] when key is not an identifier. */
static void path_key(char *out, const char *parent, const char *key) {
  int w;
  if (is_identifier(key))
    w = snprintf(out, PATH_LEN, "%s%s%s", parent, *parent ? "." : "", key);
  else
    w = snprintf(out, PATH_LEN, "%s[\"%.200s\"]", parent, key);
  if (w < 0) out[0] = '\0';
}

static void path_index(char *out, const char *parent, size_t i) {
  if (snprintf(out, PATH_LEN, "%s[%zu]", parent, i) < 0) out[0] = '\0';
}

/* ---- text gates: UTF-8, syntax ------------------------------------------- */

/* 1-based line and column (in characters) of byte pos. */
static void line_col(const char *text, size_t pos, size_t *line, size_t *col) {
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < pos; i++) {
    unsigned char ch = (unsigned char)text[i];
    if (ch == '\n') {
      (*line)++;
      *col = 1;
    } else if ((ch & 0xC0) != 0x80) {
      (*col)++;
    }
  }
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  if (s[0] < 0x80) return 1;
  size_t len;
  unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
  if (s[0] >= 0xC2 && s[0] <= 0xDF) {
    len = 2;
  } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
    len = 3;
    if (s[0] == 0xE0) lo = 0xA0; /* overlong */
    if (s[0] == 0xED) hi = 0x9F; /* surrogates */
  } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
    len = 4;
    if (s[0] == 0xF0) lo = 0x90; /* overlong */
    if (s[0] == 0xF4) hi = 0x8F; /* beyond U+10FFFF */
  } else {
    return 0;
  }
  if (n < len || s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < len; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  return len;
}

static int check_text(ctx *c, const char *text, size_t len) {
  size_t line, col;
  for (size_t i = 0; i < len;) {
    const unsigned char *s = (const unsigned char *)text + i;
    size_t n = s[0] ? utf8_seq(s, len - i) : 0;
    if (n == 0) {
      line_col(text, i, &line, &col);
      if (s[0] == 0)
        snprintf(c->err, c->err_len, "%s:%zu:%zu: NUL byte in the text", c->file, line, col);
      else
        snprintf(c->err, c->err_len, "%s:%zu:%zu: not UTF-8 text (byte 0x%02x)", c->file, line, col, s[0]);
      return -EILSEQ;
    }
    i += n;
  }
  return 0;
}

/* How many arrays and objects are open at pos (strings skipped): cJSON
 * stops at CJSON_NESTING_LIMIT, which deserves its own message. */
static size_t nesting_at(const char *buf, size_t pos) {
  size_t depth = 0;
  int in_string = 0;
  for (size_t i = 0; i < pos; i++) {
    char ch = buf[i];
    if (in_string) {
      if (ch == '\\')
        i++;
      else if (ch == '"')
        in_string = 0;
    } else if (ch == '"') {
      in_string = 1;
    } else if (ch == '[' || ch == '{') {
      depth++;
    } else if ((ch == ']' || ch == '}') && depth > 0) {
      depth--;
    }
  }
  return depth;
}

static cJSON *parse_json(ctx *c, const char *text, size_t len, int *rc) {
  /* cJSON's "require NUL-terminated" counts the NUL inside the length. */
  char *buf = malloc(len + 1);
  if (!buf) {
    *rc = fail_oom(c);
    return NULL;
  }
  memcpy(buf, text, len);
  buf[len] = '\0';
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(buf, len + 1, &end, 1);
  if (!root) {
    size_t pos = end && end >= buf ? (size_t)(end - buf) : len;
    if (pos > len) pos = len;
    size_t line, col;
    line_col(buf, pos, &line, &col);
    unsigned char ch = (unsigned char)buf[pos];
    if (pos < len && (buf[pos] == '[' || buf[pos] == '{') && nesting_at(buf, pos) >= CJSON_NESTING_LIMIT)
      snprintf(c->err, c->err_len, "%s:%zu:%zu: invalid JSON: nested deeper than %d levels", c->file, line, col,
               CJSON_NESTING_LIMIT);
    else if (pos >= len)
      snprintf(c->err, c->err_len, "%s:%zu:%zu: invalid JSON: unexpected end of input", c->file, line, col);
    else if (ch > 0x20 && ch < 0x7f)
      snprintf(c->err, c->err_len, "%s:%zu:%zu: invalid JSON at '%c'", c->file, line, col, ch);
    else
      snprintf(c->err, c->err_len, "%s:%zu:%zu: invalid JSON", c->file, line, col);
    *rc = -EINVAL;
  }
  free(buf);
  return root;
}

/* ---- duplicates ------------------------------------------------------------ */

typedef struct {
  const char *key;
  size_t index;
} keyed;

static int keyed_cmp(const void *a, const void *b) {
  const keyed *x = a, *y = b;
  int d = strcmp(x->key, y->key);
  if (d) return d;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* Index of the first of keys[0..n) that repeats an earlier one, or n. */
static size_t first_duplicate(const char *const *keys, size_t n, int *oom) {
  *oom = 0;
  if (n < 2) return n;
  keyed *k = malloc(n * sizeof *k);
  if (!k) {
    *oom = 1;
    return n;
  }
  for (size_t i = 0; i < n; i++) k[i] = (keyed){keys[i], i};
  qsort(k, n, sizeof *k, keyed_cmp);
  size_t first = n;
  for (size_t i = 1; i < n; i++)
    if (strcmp(k[i].key, k[i - 1].key) == 0 && k[i].index < first) first = k[i].index;
  free(k);
  return first;
}

static int check_duplicate_keys(ctx *c, const cJSON *j, const char *path) {
  char sub[PATH_LEN];
  size_t n = 0;
  for (const cJSON *e = j->child; e; e = e->next) n++;
  if (cJSON_IsObject(j) && n > 1) {
    const char **keys = malloc(n * sizeof *keys);
    if (!keys) return fail_oom(c);
    size_t i = 0;
    for (const cJSON *e = j->child; e; e = e->next) keys[i++] = e->string ? e->string : "";
    int oom;
    size_t dup = first_duplicate(keys, n, &oom);
    if (oom) {
      free(keys);
      return fail_oom(c);
    }
    if (dup < n) {
      path_key(sub, path, keys[dup]);
      free(keys);
      return fail(c, sub, "duplicate key");
    }
    free(keys);
  }
  size_t i = 0;
  for (const cJSON *e = j->child; e; e = e->next, i++) {
    if (cJSON_IsObject(j))
      path_key(sub, path, e->string ? e->string : "");
    else
      path_index(sub, path, i);
    int rc = check_duplicate_keys(c, e, sub);
    if (rc < 0) return rc;
  }
  return 0;
}

/* ---- unknown keys ---------------------------------------------------------- */

static const char *const top_keys[] = {"name",     "command",  "workdir", "parameters", "objectives", "constraints",
                                       "resource", "strategy", "budget",  "alerts",     "workers",    "meters",
                                       "estimate", "carbon",   "seed",    "output",     NULL};
static const char *const param_keys[] = {"type", "low", "high", "log", "values", "steps", NULL};
static const char *const objective_keys[] = {"metric", "goal", "reference", NULL};
static const char *const constraint_keys[] = {"metric", "min", "max", NULL};
static const char *const resource_keys[] = {"min", "max", "eta", "brackets", "metric", "max_step", NULL};
static const char *const strategy_keys[] = {"sampler", "halving", "selection", NULL};
static const char *const budget_keys[] = {"trials", "energy_j", "wall_s", "trial_energy_j", NULL};
static const char *const alert_keys[] = {"at", "command", NULL};
static const char *const workers_keys[] = {
    "count",   "launcher", "timeout_s", "grace_s", "max_failures", "gpus_per_trial", "log_cap_bytes",
    "retries", "listen",   "slurm",     NULL};
static const char *const slurm_keys[] = {"partition", "cpus_per_trial", "time_limit", "srun_args", NULL};
static const char *const estimate_keys[] = {"cpu_watts", "ram_watts", NULL};
static const char *const carbon_keys[] = {"g_per_kwh", "pue", NULL};

/* Optimal string alignment distance (edits and adjacent swaps). */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64) return (size_t)-1;
  size_t d[65][65];
  for (size_t i = 0; i <= la; i++) d[i][0] = i;
  for (size_t j = 0; j <= lb; j++) d[0][j] = j;
  for (size_t i = 1; i <= la; i++)
    for (size_t j = 1; j <= lb; j++) {
      size_t best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + (a[i - 1] != b[j - 1]) < best) best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  return d[la][lb];
}

static int check_keys(ctx *c, const cJSON *obj, const char *path, const char *const *known) {
  if (!cJSON_IsObject(obj)) return 0; /* its type is reported later */
  for (const cJSON *e = obj->child; e; e = e->next) {
    size_t i;
    for (i = 0; known[i]; i++)
      if (strcmp(known[i], e->string) == 0) break;
    if (known[i]) continue;
    const char *best = NULL;
    size_t best_d = (size_t)-1, len = strlen(e->string);
    for (i = 0; known[i]; i++) {
      size_t d = edit_distance(e->string, known[i]), kl = strlen(known[i]);
      if (d < best_d && d * 3 <= (len > kl ? len : kl)) {
        best = known[i];
        best_d = d;
      }
    }
    char sub[PATH_LEN];
    path_key(sub, path, e->string);
    if (best) return fail(c, sub, "unknown key (did you mean \"%s\"?)", best);
    char valid[512] = "";
    size_t used = 0;
    for (i = 0; known[i] && used < sizeof valid; i++) {
      int w = snprintf(valid + used, sizeof valid - used, "%s%s", i ? ", " : "", known[i]);
      if (w < 0) break;
      used += (size_t)w;
    }
    return fail(c, sub, "unknown key (valid: %s)", valid);
  }
  return 0;
}

/* Every object element of array j at path against known. */
static int check_array_keys(ctx *c, const cJSON *j, const char *path, const char *const *known) {
  if (!cJSON_IsArray(j)) return 0;
  char sub[PATH_LEN];
  size_t i = 0;
  for (const cJSON *e = j->child; e; e = e->next, i++) {
    path_index(sub, path, i);
    int rc = check_keys(c, e, sub, known);
    if (rc < 0) return rc;
  }
  return 0;
}

static int check_unknown_keys(ctx *c, const cJSON *root) {
  int rc = check_keys(c, root, "", top_keys);
  char sub[PATH_LEN];
  for (const cJSON *e = root->child; rc == 0 && e; e = e->next) {
    const char *k = e->string;
    if (strcmp(k, "parameters") == 0 && cJSON_IsObject(e)) {
      for (const cJSON *p = e->child; rc == 0 && p; p = p->next) {
        path_key(sub, "parameters", p->string);
        rc = check_keys(c, p, sub, param_keys);
      }
    } else if (strcmp(k, "objectives") == 0) {
      rc = check_array_keys(c, e, k, objective_keys);
    } else if (strcmp(k, "constraints") == 0) {
      rc = check_array_keys(c, e, k, constraint_keys);
    } else if (strcmp(k, "alerts") == 0) {
      rc = check_array_keys(c, e, k, alert_keys);
    } else if (strcmp(k, "resource") == 0) {
      rc = check_keys(c, e, k, resource_keys);
    } else if (strcmp(k, "strategy") == 0) {
      rc = check_keys(c, e, k, strategy_keys);
    } else if (strcmp(k, "budget") == 0) {
      rc = check_keys(c, e, k, budget_keys);
    } else if (strcmp(k, "estimate") == 0) {
      rc = check_keys(c, e, k, estimate_keys);
    } else if (strcmp(k, "carbon") == 0) {
      rc = check_keys(c, e, k, carbon_keys);
    } else if (strcmp(k, "workers") == 0) {
      rc = check_keys(c, e, k, workers_keys);
      if (rc == 0 && cJSON_IsObject(e))
        rc = check_keys(c, cJSON_GetObjectItemCaseSensitive(e, "slurm"), "workers.slurm", slurm_keys);
    }
  }
  return rc;
}

/* ---- typed getters ---------------------------------------------------------- */

static const cJSON *get(const cJSON *obj, const char *key) { return cJSON_GetObjectItemCaseSensitive(obj, key); }

/* The first of keys (NULL-terminated) that obj lacks, reported as required. */
static int require(ctx *c, const cJSON *obj, const char *path, const char *const *keys) {
  char sub[PATH_LEN];
  for (size_t i = 0; keys[i]; i++)
    if (!get(obj, keys[i])) {
      path_key(sub, path, keys[i]);
      return fail(c, sub, "required");
    }
  return 0;
}

static int want_object(ctx *c, const cJSON *j, const char *path) {
  if (!cJSON_IsObject(j)) return fail(c, path, "must be an object, not %s", type_name(j));
  return 0;
}

static int get_string(ctx *c, const cJSON *j, const char *path, char **out) {
  if (!cJSON_IsString(j)) return fail(c, path, "must be a string, not %s", type_name(j));
  if (!j->valuestring[0]) return fail(c, path, "must not be empty");
  free(*out);
  *out = strdup(j->valuestring);
  return *out ? 0 : fail_oom(c);
}

static int get_bool(ctx *c, const cJSON *j, const char *path, int *out) {
  if (!cJSON_IsBool(j)) return fail(c, path, "must be true or false, not %s", type_name(j));
  *out = cJSON_IsTrue(j);
  return 0;
}

static int get_number(ctx *c, const cJSON *j, const char *path, double *out) {
  if (!cJSON_IsNumber(j)) return fail(c, path, "must be a number, not %s", type_name(j));
  if (!isfinite(j->valuedouble)) return fail(c, path, "must be a finite number");
  *out = j->valuedouble;
  return 0;
}

/* A number >= lo ("must be >= lo"), or > lo when strict. */
static int get_number_min(ctx *c, const cJSON *j, const char *path, double lo, int strict, double *out) {
  int rc = get_number(c, j, path, out);
  if (rc < 0) return rc;
  if (strict ? !(*out > lo) : !(*out >= lo)) {
    char num[ES_NUM_BUFSZ];
    return fail(c, path, "must be %s %s", strict ? ">" : ">=", es_fmt_number(num, lo));
  }
  return 0;
}

static int get_int(ctx *c, const cJSON *j, const char *path, long long lo, long long hi, long long *out) {
  if (!cJSON_IsNumber(j)) return fail(c, path, "must be an integer, not %s", type_name(j));
  double v = j->valuedouble;
  if (!isfinite(v)) return fail(c, path, "must be a finite number");
  if (v != floor(v)) return fail(c, path, "must be an integer");
  if (v < (double)lo) return fail(c, path, "must be an integer >= %lld", lo);
  if (v > (double)hi) return fail(c, path, "must be an integer <= %lld", hi);
  *out = (long long)v;
  return 0;
}

static int get_int_field(ctx *c, const cJSON *j, const char *path, int lo, int *out) {
  long long v;
  int rc = get_int(c, j, path, lo, INT_MAX, &v);
  if (rc == 0) *out = (int)v;
  return rc;
}

static void argv_free(char **argv) {
  for (size_t i = 0; argv && argv[i]; i++) free(argv[i]);
  free(argv);
}

/* A list of strings; non_empty: at least one, the first not "" (a program). */
static int get_argv(ctx *c, const cJSON *j, const char *path, int non_empty, char ***out, size_t *n_out) {
  char sub[PATH_LEN];
  if (!cJSON_IsArray(j)) return fail(c, path, "must be an array of strings, not %s", type_name(j));
  size_t n = (size_t)cJSON_GetArraySize(j);
  if (non_empty && n == 0) return fail(c, path, "must not be empty");
  size_t i = 0;
  for (const cJSON *e = j->child; e; e = e->next, i++) {
    path_index(sub, path, i);
    if (!cJSON_IsString(e)) return fail(c, sub, "must be a string, not %s", type_name(e));
    if (non_empty && i == 0 && !e->valuestring[0]) return fail(c, sub, "must not be empty");
  }
  char **argv = calloc(n + 1, sizeof *argv);
  if (!argv) return fail_oom(c);
  i = 0;
  for (const cJSON *e = j->child; e; e = e->next, i++)
    if (!(argv[i] = strdup(e->valuestring))) {
      argv_free(argv);
      return fail_oom(c);
    }
  argv_free(*out);
  *out = argv;
  *n_out = n;
  return 0;
}

/* The string at j must be one of the names available now (avail) or of the
 * documented ones not built yet (later). */
static int get_choice(ctx *c, const cJSON *j, const char *path, const char *what, const char *const *avail,
                      const char *const *later, char **out) {
  int rc = get_string(c, j, path, out);
  if (rc < 0) return rc;
  for (size_t i = 0; avail[i]; i++)
    if (strcmp(*out, avail[i]) == 0) return 0;
  char valid[256] = "";
  size_t used = 0;
  for (size_t i = 0; avail[i] && used < sizeof valid; i++) {
    int w = snprintf(valid + used, sizeof valid - used, "%s%s", i ? ", " : "", avail[i]);
    if (w < 0) break;
    used += (size_t)w;
  }
  for (size_t i = 0; later && later[i]; i++)
    if (strcmp(*out, later[i]) == 0)
      return fail(c, path, "\"%s\" is not available in this version (valid: %s)", *out, valid);
  return fail(c, path, "unknown %s \"%.100s\" (valid: %s)", what, *out, valid);
}

/* ---- paths on disk ---------------------------------------------------------- */

static char *join(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  char *s = malloc(la + lb + 2);
  if (!s) return NULL;
  memcpy(s, a, la);
  s[la] = '/';
  memcpy(s + la + 1, b, lb + 1);
  return s;
}

/* Drop empty and "." components in place; ".." stays (symlinks). */
static void clean_path(char *p) {
  char *w = p;
  const char *r = p;
  int absolute = *r == '/';
  if (absolute) *w++ = '/';
  while (*r) {
    while (*r == '/') r++;
    const char *end = r;
    while (*end && *end != '/') end++;
    size_t n = (size_t)(end - r);
    if (n && !(n == 1 && r[0] == '.')) {
      if (w > p && w[-1] != '/') *w++ = '/';
      memmove(w, r, n);
      w += n;
    }
    r = end;
  }
  if (w == p) *w++ = absolute ? '/' : '.';
  *w = '\0';
}

/* path made absolute: relative to base (itself relative to cwd). */
static char *absolute_path(const char *cwd, const char *base, const char *path) {
  char *out;
  if (path[0] == '/') {
    out = strdup(path);
  } else if (base) {
    char *b = base[0] == '/' ? strdup(base) : join(cwd, base);
    out = b ? join(b, path) : NULL;
    free(b);
  } else {
    out = join(cwd, path);
  }
  if (out) clean_path(out);
  return out;
}

/* ---- sections --------------------------------------------------------------- */

static int scalar_key(const es_scalar *v, char **out) {
  char num[32];
  const char *body = "";
  char tag = 'z';
  if (v->kind == ES_SCALAR_STRING) {
    tag = 's';
    body = v->string;
  } else if (v->kind == ES_SCALAR_NUMBER) {
    tag = 'n';
    snprintf(num, sizeof num, "%.17g", v->number);
    body = num;
  } else if (v->kind == ES_SCALAR_BOOL) {
    tag = 'b';
    body = v->number ? "1" : "0";
  }
  size_t n = strlen(body);
  *out = malloc(n + 2);
  if (!*out) return -ENOMEM;
  (*out)[0] = tag;
  memcpy(*out + 1, body, n + 1);
  return 0;
}

static int parse_values(ctx *c, const cJSON *j, const char *path, es_param *p) {
  char sub[PATH_LEN];
  if (!cJSON_IsArray(j)) return fail(c, path, "must be an array, not %s", type_name(j));
  size_t n = (size_t)cJSON_GetArraySize(j);
  if (n == 0) return fail(c, path, "must not be empty");
  p->values = calloc(n, sizeof *p->values);
  if (!p->values) return fail_oom(c);
  size_t i = 0;
  for (const cJSON *e = j->child; e; e = e->next, i++) {
    path_index(sub, path, i);
    es_scalar *v = &p->values[i];
    if (cJSON_IsString(e)) {
      v->kind = ES_SCALAR_STRING;
      if (!(v->string = strdup(e->valuestring))) return fail_oom(c);
    } else if (cJSON_IsNumber(e)) {
      v->kind = ES_SCALAR_NUMBER;
      int rc = get_number(c, e, sub, &v->number);
      if (rc < 0) return rc;
    } else if (cJSON_IsBool(e)) {
      v->kind = ES_SCALAR_BOOL;
      v->number = cJSON_IsTrue(e);
    } else if (cJSON_IsNull(e)) {
      v->kind = ES_SCALAR_NULL;
    } else {
      return fail(c, sub, "must be a string, number, boolean or null, not %s", type_name(e));
    }
    p->n_values = i + 1;
  }
  char **keys = calloc(n, sizeof *keys);
  if (!keys) return fail_oom(c);
  int rc = 0, oom = 0;
  for (i = 0; i < n && rc == 0; i++)
    if (scalar_key(&p->values[i], &keys[i]) < 0) rc = fail_oom(c);
  size_t dup = rc == 0 ? first_duplicate((const char *const *)keys, n, &oom) : n;
  if (oom) rc = fail_oom(c);
  for (i = 0; i < n; i++) free(keys[i]);
  free(keys);
  if (rc == 0 && dup < n) {
    char *text = cJSON_PrintUnformatted(cJSON_GetArrayItem(j, (int)dup));
    path_index(sub, path, dup);
    rc = text ? fail(c, sub, "duplicate value %.200s", text) : fail_oom(c);
    free(text);
  }
  return rc;
}

static int parse_bound(ctx *c, const cJSON *j, const char *path, int integer, double *out) {
  if (!integer) return get_number(c, j, path, out);
  long long v;
  int rc = get_int(c, j, path, -ES_EXACT_INT, ES_EXACT_INT, &v);
  if (rc == 0) *out = (double)v;
  return rc;
}

static int parse_param(ctx *c, const cJSON *j, const char *path, es_param *p) {
  static const char *const need_type[] = {"type", NULL};
  static const char *const need_bounds[] = {"low", "high", NULL};
  static const char *const need_values[] = {"values", NULL};
  char sub[PATH_LEN];
  int rc = want_object(c, j, path);
  if (rc == 0) rc = require(c, j, path, need_type);
  if (rc < 0) return rc;
  path_key(sub, path, "type");
  const cJSON *type = get(j, "type");
  if (!cJSON_IsString(type)) return fail(c, sub, "must be a string, not %s", type_name(type));
  if (strcmp(type->valuestring, "float") == 0)
    p->kind = ES_PARAM_FLOAT;
  else if (strcmp(type->valuestring, "int") == 0)
    p->kind = ES_PARAM_INT;
  else if (strcmp(type->valuestring, "categorical") == 0)
    p->kind = ES_PARAM_CATEGORICAL;
  else
    return fail(c, sub, "must be \"float\", \"int\" or \"categorical\"");

  /* Keys that exist but do not apply to this type. */
  for (const cJSON *e = j->child; e; e = e->next) {
    const char *k = e->string, *why = NULL;
    if (p->kind == ES_PARAM_CATEGORICAL && (!strcmp(k, "low") || !strcmp(k, "high") || !strcmp(k, "log")))
      why = "only for float and int parameters";
    else if (p->kind != ES_PARAM_FLOAT && !strcmp(k, "steps"))
      why = "only for float parameters (int and categorical grids use every value)";
    else if (p->kind != ES_PARAM_CATEGORICAL && !strcmp(k, "values"))
      why = "only for categorical parameters";
    if (why) {
      path_key(sub, path, k);
      return fail(c, sub, "%s", why);
    }
  }

  if (p->kind == ES_PARAM_CATEGORICAL) {
    if ((rc = require(c, j, path, need_values)) < 0) return rc;
    path_key(sub, path, "values");
    return parse_values(c, get(j, "values"), sub, p);
  }

  if ((rc = require(c, j, path, need_bounds)) < 0) return rc;
  int integer = p->kind == ES_PARAM_INT;
  char low_path[PATH_LEN];
  path_key(low_path, path, "low");
  path_key(sub, path, "high");
  if ((rc = parse_bound(c, get(j, "low"), low_path, integer, &p->low)) < 0) return rc;
  if ((rc = parse_bound(c, get(j, "high"), sub, integer, &p->high)) < 0) return rc;
  if (integer && p->low > p->high) return fail(c, low_path, "must be <= high");
  if (!integer && !(p->low < p->high)) return fail(c, low_path, "must be < high");
  const cJSON *log = get(j, "log");
  if (log) {
    path_key(sub, path, "log");
    if ((rc = get_bool(c, log, sub, &p->log)) < 0) return rc;
    if (p->log && !(p->low > 0)) return fail(c, low_path, "must be > 0 when \"log\" is true");
  }
  const cJSON *steps = get(j, "steps");
  if (steps) {
    path_key(sub, path, "steps");
    if ((rc = get_int_field(c, steps, sub, 2, &p->steps)) < 0) return rc;
  }
  return 0;
}

static int parse_parameters(ctx *c, const cJSON *j, es_space *space) {
  char path[PATH_LEN];
  int rc = want_object(c, j, "parameters");
  if (rc < 0) return rc;
  size_t n = (size_t)cJSON_GetArraySize(j);
  if (n == 0) return fail(c, "parameters", "must have at least one parameter");
  space->params = calloc(n, sizeof *space->params);
  if (!space->params) return fail_oom(c);
  for (const cJSON *e = j->child; e; e = e->next) {
    path_key(path, "parameters", e->string);
    if (!is_identifier(e->string)) return fail(c, path, "parameter names must be identifiers ([A-Za-z_][A-Za-z0-9_]*)");
    if (!strcmp(e->string, "trial_id") || !strcmp(e->string, "trial_dir") || !strcmp(e->string, "max_resource"))
      return fail(c, path, "reserved name (a placeholder of its own in \"command\")");
    es_param *p = &space->params[space->n++];
    if (!(p->name = strdup(e->string))) return fail_oom(c);
    if ((rc = parse_param(c, e, path, p)) < 0) return rc;
  }
  return 0;
}

static int parse_objectives(ctx *c, const cJSON *j, es_spec *s) {
  static const char *const need[] = {"metric", "goal", NULL};
  char path[PATH_LEN], sub[PATH_LEN];
  if (!cJSON_IsArray(j)) return fail(c, "objectives", "must be an array, not %s", type_name(j));
  size_t n = (size_t)cJSON_GetArraySize(j);
  if (n == 0) return fail(c, "objectives", "must have at least one objective");
  if (n > ES_SPEC_MAX_OBJECTIVES) return fail(c, "objectives", "at most %d objectives", ES_SPEC_MAX_OBJECTIVES);
  if (!(s->objectives = calloc(n, sizeof *s->objectives))) return fail_oom(c);
  size_t i = 0;
  int rc;
  for (const cJSON *e = j->child; e; e = e->next, i++) {
    es_objective *o = &s->objectives[s->n_objectives++];
    path_index(path, "objectives", i);
    if ((rc = want_object(c, e, path)) < 0 || (rc = require(c, e, path, need)) < 0) return rc;
    path_key(sub, path, "metric");
    if ((rc = get_string(c, get(e, "metric"), sub, &o->metric)) < 0) return rc;
    path_key(sub, path, "goal");
    const cJSON *goal = get(e, "goal");
    if (!cJSON_IsString(goal) || (strcmp(goal->valuestring, "max") && strcmp(goal->valuestring, "min")))
      return fail(c, sub, "must be \"max\" or \"min\"");
    o->maximize = !strcmp(goal->valuestring, "max");
    const cJSON *ref = get(e, "reference");
    if (ref) {
      path_key(sub, path, "reference");
      if ((rc = get_number(c, ref, sub, &o->reference)) < 0) return rc;
      o->has_reference = 1;
    }
  }
  const char **keys = malloc(n * sizeof *keys);
  if (!keys) return fail_oom(c);
  for (i = 0; i < n; i++) keys[i] = s->objectives[i].metric;
  int oom;
  size_t dup = first_duplicate(keys, n, &oom);
  free(keys);
  if (oom) return fail_oom(c);
  if (dup < n) {
    path_index(path, "objectives", dup);
    path_key(sub, path, "metric");
    return fail(c, sub, "duplicate objective \"%.100s\"", s->objectives[dup].metric);
  }
  return 0;
}

static int parse_constraints(ctx *c, const cJSON *j, es_spec *s) {
  static const char *const need[] = {"metric", NULL};
  char path[PATH_LEN], sub[PATH_LEN];
  if (!cJSON_IsArray(j)) return fail(c, "constraints", "must be an array, not %s", type_name(j));
  size_t n = (size_t)cJSON_GetArraySize(j);
  if (n && !(s->constraints = calloc(n, sizeof *s->constraints))) return fail_oom(c);
  size_t i = 0;
  int rc;
  for (const cJSON *e = j->child; e; e = e->next, i++) {
    es_constraint *k = &s->constraints[s->n_constraints++];
    path_index(path, "constraints", i);
    if ((rc = want_object(c, e, path)) < 0 || (rc = require(c, e, path, need)) < 0) return rc;
    path_key(sub, path, "metric");
    if ((rc = get_string(c, get(e, "metric"), sub, &k->metric)) < 0) return rc;
    if (!get(e, "min") && !get(e, "max")) return fail(c, path, "needs \"min\" or \"max\"");
    if (get(e, "min")) {
      path_key(sub, path, "min");
      if ((rc = get_number(c, get(e, "min"), sub, &k->min)) < 0) return rc;
      k->has_min = 1;
    }
    if (get(e, "max")) {
      path_key(sub, path, "max");
      if ((rc = get_number(c, get(e, "max"), sub, &k->max)) < 0) return rc;
      k->has_max = 1;
    }
    if (k->has_min && k->has_max && k->min > k->max) {
      path_key(sub, path, "min");
      return fail(c, sub, "must be <= max");
    }
  }
  return 0;
}

static int parse_resource(ctx *c, const cJSON *j, es_spec *s) {
  int rc;
  const cJSON *e;
  if (j) {
    if ((rc = want_object(c, j, "resource")) < 0) return rc;
    if ((e = get(j, "min")) && (rc = get_number_min(c, e, "resource.min", 0, 1, &s->resource.min)) < 0) return rc;
    if ((e = get(j, "max")) && (rc = get_number(c, e, "resource.max", &s->resource.max)) < 0) return rc;
    if (s->resource.max < s->resource.min) return fail(c, "resource.max", "must be >= min");
    if ((e = get(j, "eta")) && (rc = get_number_min(c, e, "resource.eta", 1, 1, &s->resource.eta)) < 0) return rc;
    if ((e = get(j, "brackets")) && (rc = get_int_field(c, e, "resource.brackets", 1, &s->resource.brackets)) < 0)
      return rc;
    if ((e = get(j, "metric"))) {
      if (!cJSON_IsString(e) || (strcmp(e->valuestring, "step") && strcmp(e->valuestring, "energy_j")))
        return fail(c, "resource.metric", "must be \"step\" or \"energy_j\"");
      free(s->resource.metric);
      if (!(s->resource.metric = strdup(e->valuestring))) return fail_oom(c);
    }
  }
  int joules = !strcmp(s->resource.metric, "energy_j");
  e = j ? get(j, "max_step") : NULL;
  if (e && !joules) return fail(c, "resource.max_step", "only with \"metric\": \"energy_j\"");
  if (!e && joules) return fail(c, "resource.max_step", "required with \"metric\": \"energy_j\"");
  if (e) return get_number_min(c, e, "resource.max_step", 0, 1, &s->resource.max_step);
  s->resource.max_step = s->resource.max;
  return 0;
}

static int parse_strategy(ctx *c, const cJSON *j, es_spec *s, const es_sampler_type **sampler) {
  int rc;
  const cJSON *e;
  if (j) {
    if ((rc = want_object(c, j, "strategy")) < 0) return rc;
    if ((e = get(j, "sampler"))) {
      if ((rc = get_string(c, e, "strategy.sampler", &s->strategy.sampler)) < 0) return rc;
      if (!es_sampler_lookup(s->strategy.sampler)) {
        char valid[256];
        es_sampler_names(valid, sizeof valid);
        return fail(c, "strategy.sampler", "unknown sampler \"%.100s\" (valid: %s)", s->strategy.sampler, valid);
      }
    }
    if ((e = get(j, "halving"))) {
      if ((rc = get_string(c, e, "strategy.halving", &s->strategy.halving)) < 0) return rc;
      if (!es_halving_lookup(s->strategy.halving)) {
        char valid[256];
        es_halving_names(valid, sizeof valid);
        return fail(c, "strategy.halving", "unknown halving rule \"%.100s\" (valid: %s)", s->strategy.halving, valid);
      }
    }
    if ((e = get(j, "selection"))) {
      if ((rc = get_string(c, e, "strategy.selection", &s->strategy.selection)) < 0) return rc;
      if (!es_selection_lookup(s->strategy.selection)) {
        char valid[256];
        es_selection_names(valid, sizeof valid);
        return fail(c, "strategy.selection", "unknown selection \"%.100s\" (valid: %s)", s->strategy.selection,
                    valid);
      }
    }
  }
  /* The rungs must make sense for the halving rule (eta, brackets). */
  const es_halving_type *H = es_halving_lookup(s->strategy.halving);
  es_halving_config hc = {s->resource.min, s->resource.max, s->resource.eta, (unsigned)s->resource.brackets};
  char hmsg[512];
  if (H && (rc = es_halving_check(H, &hc, hmsg, sizeof hmsg)) < 0) {
    snprintf(c->err, c->err_len, "%s: %s", c->file, hmsg);
    return rc;
  }
  *sampler = es_sampler_lookup(s->strategy.sampler);
  if (!*sampler) return fail(c, "strategy.sampler", "no sampler \"%s\" in this build", s->strategy.sampler);
  char msg[512];
  msg[0] = '\0';
  if ((rc = es_sampler_check(*sampler, &s->space, msg, sizeof msg)) < 0) {
    snprintf(c->err, c->err_len, "%s: %s", c->file, msg);
    return rc;
  }
  return 0;
}

static int parse_budget(ctx *c, const cJSON *j, es_spec *s, const es_sampler_type *sampler) {
  int rc;
  const cJSON *e;
  if (j && (rc = want_object(c, j, "budget")) < 0) return rc;
  if (j && j->child) {
    if ((e = get(j, "trials"))) {
      long long v;
      if ((rc = get_int(c, e, "budget.trials", 1, ES_EXACT_INT, &v)) < 0) return rc;
      s->budget.trials = v > LONG_MAX ? LONG_MAX : (long)v;
      s->budget.has_trials = 1;
    }
    if ((e = get(j, "energy_j"))) {
      if ((rc = get_number_min(c, e, "budget.energy_j", 0, 1, &s->budget.energy_j)) < 0) return rc;
      s->budget.has_energy_j = 1;
    }
    if ((e = get(j, "wall_s"))) {
      if ((rc = get_number_min(c, e, "budget.wall_s", 0, 1, &s->budget.wall_s)) < 0) return rc;
      s->budget.has_wall_s = 1;
    }
    if ((e = get(j, "trial_energy_j"))) {
      if ((rc = get_number_min(c, e, "budget.trial_energy_j", 0, 1, &s->budget.trial_energy_j)) < 0) return rc;
      s->budget.has_trial_energy_j = 1;
    }
    return 0;
  }
  /* No budget given: 100 trials, or the whole grid. */
  s->budget.has_trials = 1;
  s->budget.trials = 100;
  if (sampler == &es_sampler_grid) {
    char note[256];
    es_sampler *g = es_sampler_alloc(sampler, &s->space, 0, note, sizeof note);
    if (!g) return fail_oom(c);
    size_t size = es_sampler_size(g);
    es_sampler_free(g);
    if (size > 0) s->budget.trials = size > (size_t)LONG_MAX ? LONG_MAX : (long)size;
  }
  return 0;
}

static int parse_alerts(ctx *c, const cJSON *j, es_spec *s) {
  static const char *const need[] = {"at", "command", NULL};
  char path[PATH_LEN], sub[PATH_LEN];
  if (!cJSON_IsArray(j)) return fail(c, "alerts", "must be an array, not %s", type_name(j));
  size_t n = (size_t)cJSON_GetArraySize(j);
  if (n && !(s->alerts = calloc(n, sizeof *s->alerts))) return fail_oom(c);
  size_t i = 0;
  int rc;
  for (const cJSON *e = j->child; e; e = e->next, i++) {
    es_alert *a = &s->alerts[s->n_alerts++];
    path_index(path, "alerts", i);
    if ((rc = want_object(c, e, path)) < 0 || (rc = require(c, e, path, need)) < 0) return rc;
    path_key(sub, path, "at");
    if ((rc = get_number(c, get(e, "at"), sub, &a->at)) < 0) return rc;
    if (!(a->at > 0 && a->at <= 1)) return fail(c, sub, "must be in (0, 1]");
    path_key(sub, path, "command");
    if ((rc = get_argv(c, get(e, "command"), sub, 1, &a->argv, &a->argc)) < 0) return rc;
  }
  return 0;
}

static int parse_slurm(ctx *c, const cJSON *j, es_spec *s) {
  int rc;
  const cJSON *e;
  if ((rc = want_object(c, j, "workers.slurm")) < 0) return rc;
  if ((e = get(j, "partition")) && (rc = get_string(c, e, "workers.slurm.partition", &s->workers.slurm.partition)) < 0)
    return rc;
  if ((e = get(j, "cpus_per_trial")) &&
      (rc = get_int_field(c, e, "workers.slurm.cpus_per_trial", 1, &s->workers.slurm.cpus_per_trial)) < 0)
    return rc;
  if ((e = get(j, "time_limit")) &&
      (rc = get_string(c, e, "workers.slurm.time_limit", &s->workers.slurm.time_limit)) < 0)
    return rc;
  if ((e = get(j, "srun_args")) && (rc = get_argv(c, e, "workers.slurm.srun_args", 0, &s->workers.slurm.srun_args,
                                                  &s->workers.slurm.n_srun_args)) < 0)
    return rc;
  return 0;
}

static int parse_workers(ctx *c, const cJSON *j, es_spec *s) {
  static const char *const launchers[] = {"local", "slurm", NULL};
  int rc;
  const cJSON *e;
  long long v;
  if ((rc = want_object(c, j, "workers")) < 0) return rc;
  if ((e = get(j, "count")) && (rc = get_int_field(c, e, "workers.count", 1, &s->workers.count)) < 0) return rc;
  if ((e = get(j, "launcher")) &&
      (rc = get_choice(c, e, "workers.launcher", "launcher", launchers, NULL, &s->workers.launcher)) < 0)
    return rc;
  if ((e = get(j, "timeout_s")) && (rc = get_number_min(c, e, "workers.timeout_s", 0, 0, &s->workers.timeout_s)) < 0)
    return rc;
  if ((e = get(j, "grace_s")) && (rc = get_number_min(c, e, "workers.grace_s", 0, 0, &s->workers.grace_s)) < 0)
    return rc;
  if ((e = get(j, "max_failures")) &&
      (rc = get_int_field(c, e, "workers.max_failures", 0, &s->workers.max_failures)) < 0)
    return rc;
  if ((e = get(j, "gpus_per_trial")) &&
      (rc = get_int_field(c, e, "workers.gpus_per_trial", 0, &s->workers.gpus_per_trial)) < 0)
    return rc;
  if ((e = get(j, "log_cap_bytes"))) {
    if ((rc = get_int(c, e, "workers.log_cap_bytes", 1, ES_EXACT_INT, &v)) < 0) return rc;
    s->workers.log_cap_bytes = v;
  }
  if ((e = get(j, "retries")) && (rc = get_int_field(c, e, "workers.retries", 0, &s->workers.retries)) < 0) return rc;
  if ((e = get(j, "listen"))) {
    if ((rc = get_string(c, e, "workers.listen", &s->workers.listen)) < 0) return rc;
    const char *colon = strrchr(s->workers.listen, ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || !colon[1] || *end || port < 0 || port > 65535)
      return fail(c, "workers.listen", "must be \"host:port\" (port 0 to 65535)");
  }
  if ((e = get(j, "slurm")) && (rc = parse_slurm(c, e, s)) < 0) return rc;
  return 0;
}

static int parse_meters(ctx *c, const cJSON *j, es_spec *s) {
  char sub[PATH_LEN], valid[256] = "auto, ";
  int rc = get_argv(c, j, "meters", 1, &s->meters, &s->n_meters);
  if (rc < 0) return rc;
  es_meter_names(valid + strlen(valid), sizeof valid - strlen(valid));
  size_t cpu_meters = 0;
  for (size_t i = 0; i < s->n_meters; i++) {
    const char *m = s->meters[i];
    path_index(sub, "meters", i);
    if (!strcmp(m, "auto")) {
      if (s->n_meters > 1) return fail(c, sub, "\"auto\" cannot be combined with other meters");
      continue;
    }
    const es_meter_type *t = es_meter_lookup(m);
    if (t) {
      cpu_meters += t->kind != ES_METER_GPU;
      continue;
    }
    return fail(c, sub, "unknown meter \"%.100s\" (valid: %s)", m, valid);
  }
  int oom;
  size_t dup = first_duplicate((const char *const *)s->meters, s->n_meters, &oom);
  if (oom) return fail_oom(c);
  if (dup < s->n_meters) {
    path_index(sub, "meters", dup);
    return fail(c, sub, "duplicate meter \"%s\"", s->meters[dup]);
  }
  if (cpu_meters == 0 && strcmp(s->meters[0], "auto") != 0)
    return fail(c, "meters", "\"%s\" meters GPUs only; add a CPU meter (e.g. \"estimate\")", s->meters[0]);
  return 0;
}

static int parse_estimate(ctx *c, const cJSON *j, es_spec *s) {
  int rc;
  const cJSON *e;
  if ((rc = want_object(c, j, "estimate")) < 0) return rc;
  if ((e = get(j, "cpu_watts"))) {
    if ((rc = get_number_min(c, e, "estimate.cpu_watts", 0, 0, &s->estimate.cpu_watts)) < 0) return rc;
    s->estimate.has_cpu_watts = 1;
  }
  if ((e = get(j, "ram_watts"))) {
    if ((rc = get_number_min(c, e, "estimate.ram_watts", 0, 0, &s->estimate.ram_watts)) < 0) return rc;
    s->estimate.has_ram_watts = 1;
  }
  return 0;
}

static int parse_carbon(ctx *c, const cJSON *j, es_spec *s) {
  int rc;
  const cJSON *e;
  if ((rc = want_object(c, j, "carbon")) < 0) return rc;
  if ((e = get(j, "g_per_kwh")) && (rc = get_number_min(c, e, "carbon.g_per_kwh", 0, 0, &s->carbon.g_per_kwh)) < 0)
    return rc;
  if ((e = get(j, "pue")) && (rc = get_number_min(c, e, "carbon.pue", 0, 0, &s->carbon.pue)) < 0) return rc;
  return 0;
}

/* Defaults that need no input; the rest are filled where they are parsed. */
static int set_defaults(es_spec *s) {
  static const char *const meters[] = {"auto", NULL};
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  s->resource.min = 1;
  s->resource.max = 1;
  s->resource.eta = 3;
  s->resource.brackets = 1;
  s->workers.count = cpus < 1 ? 1 : cpus > INT_MAX ? INT_MAX : (int)cpus;
  s->workers.grace_s = 10;
  s->workers.log_cap_bytes = 10LL * 1024 * 1024;
  s->carbon.g_per_kwh = ES_CARBON_G_PER_KWH_DEFAULT;
  s->carbon.pue = ES_CARBON_PUE_DEFAULT;
  if (!(s->resource.metric = strdup("step")) || !(s->strategy.sampler = strdup("random")) ||
      !(s->strategy.halving = strdup("none")) || !(s->strategy.selection = strdup("pareto")) ||
      !(s->workers.launcher = strdup("local")) || !(s->meters = calloc(2, sizeof *s->meters)) ||
      !(s->meters[0] = strdup(meters[0])))
    return -ENOMEM;
  s->n_meters = 1;
  if (!(s->workers.slurm.srun_args = calloc(1, sizeof *s->workers.slurm.srun_args))) return -ENOMEM;
  return 0;
}

/* "name" default: the file name without its directory and ".json". */
static char *default_name(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t n = strlen(base);
  if (n > 5 && !strcmp(base + n - 5, ".json")) n -= 5;
  if (n == 0) return strdup("sweep");
  return strndup(base, n);
}

static int parse_root(ctx *c, const cJSON *root, es_spec *s, const char *path) {
  static const char *const need[] = {"command", "parameters", "objectives", NULL};
  int rc;
  const cJSON *e;
  const es_sampler_type *sampler = NULL;
  if (!cJSON_IsObject(root)) return fail(c, "", "must be a JSON object, not %s", type_name(root));
  if ((rc = check_unknown_keys(c, root)) < 0 || (rc = require(c, root, "", need)) < 0) return rc;
  if ((rc = set_defaults(s)) < 0) return fail_oom(c);

  if ((e = get(root, "name"))) {
    if ((rc = get_string(c, e, "name", &s->name)) < 0) return rc;
    if (strchr(s->name, '/')) return fail(c, "name", "must not contain '/'");
    if (!strcmp(s->name, ".") || !strcmp(s->name, "..")) return fail(c, "name", "must not be \".\" or \"..\"");
  } else if (!(s->name = default_name(path))) {
    return fail_oom(c);
  }
  if ((rc = get_argv(c, get(root, "command"), "command", 1, &s->command, &s->command_len)) < 0) return rc;

  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) {
    int err = errno;
    snprintf(c->err, c->err_len, "%s: cannot get the current directory: %s", c->file, strerror(err));
    return -err;
  }
  if ((e = get(root, "workdir"))) {
    char *rel = NULL;
    if ((rc = get_string(c, e, "workdir", &rel)) < 0) return rc;
    const char *slash = strrchr(path, '/');
    char *dir = slash ? (slash == path ? strdup("/") : strndup(path, (size_t)(slash - path))) : strdup(".");
    s->workdir = dir ? absolute_path(cwd, dir, rel) : NULL;
    free(dir);
    free(rel);
  } else {
    s->workdir = strdup(cwd);
  }
  if (!s->workdir) return fail_oom(c);

  if ((rc = parse_parameters(c, get(root, "parameters"), &s->space)) < 0) return rc;
  if ((rc = es_command_check(c->file, s->command, &s->space, c->err, c->err_len)) < 0) return rc;
  if ((rc = parse_objectives(c, get(root, "objectives"), s)) < 0) return rc;
  if ((e = get(root, "constraints")) && (rc = parse_constraints(c, e, s)) < 0) return rc;
  if ((rc = parse_resource(c, get(root, "resource"), s)) < 0) return rc;
  if ((rc = parse_strategy(c, get(root, "strategy"), s, &sampler)) < 0) return rc;
  if ((rc = parse_budget(c, get(root, "budget"), s, sampler)) < 0) return rc;
  if ((e = get(root, "alerts")) && (rc = parse_alerts(c, e, s)) < 0) return rc;
  if ((e = get(root, "workers")) && (rc = parse_workers(c, e, s)) < 0) return rc;
  if ((e = get(root, "meters")) && (rc = parse_meters(c, e, s)) < 0) return rc;
  if ((e = get(root, "estimate")) && (rc = parse_estimate(c, e, s)) < 0) return rc;
  if ((e = get(root, "carbon")) && (rc = parse_carbon(c, e, s)) < 0) return rc;
  if ((e = get(root, "seed"))) {
    long long v;
    if ((rc = get_int(c, e, "seed", 0, ES_EXACT_INT, &v)) < 0) return rc;
    s->seed = (unsigned long)v;
    s->has_seed = 1;
  }
  if ((e = get(root, "output"))) {
    char *rel = NULL;
    if ((rc = get_string(c, e, "output", &rel)) < 0) return rc;
    s->output = absolute_path(cwd, NULL, rel);
    free(rel);
  } else {
    char *rel = join("runs", s->name);
    s->output = rel ? absolute_path(cwd, NULL, rel) : NULL;
    free(rel);
  }
  if (!s->output) return fail_oom(c);
  return 0;
}

/* 64-bit FNV-1a of the document printed without whitespace. */
static int spec_hash(const cJSON *root, char out[17]) {
  char *text = cJSON_PrintUnformatted(root);
  if (!text) return -ENOMEM;
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    h ^= *p;
    h *= 0x100000001b3ULL;
  }
  free(text);
  snprintf(out, 17, "%016llx", (unsigned long long)h);
  return 0;
}

/* ---- API --------------------------------------------------------------------- */

int es_spec_parse(const char *path, const char *text, size_t len, es_spec *spec, char *err, size_t err_len) {
  char scratch[8];
  if (!path) path = "spec";
  if (!err || !err_len) {
    err = scratch;
    err_len = sizeof scratch;
  }
  err[0] = '\0';
  ctx c = {path, err, err_len};
  memset(spec, 0, sizeof *spec);
  if (!text) text = "";
  int rc = check_text(&c, text, len);
  if (rc < 0) return rc;
  cJSON *root = parse_json(&c, text, len, &rc);
  if (!root) return rc;
  if (!(spec->path = strdup(path))) rc = fail_oom(&c);
  if (rc == 0) rc = check_duplicate_keys(&c, root, "");
  if (rc == 0) rc = parse_root(&c, root, spec, path);
  if (rc == 0 && spec_hash(root, spec->hash) < 0) rc = fail_oom(&c);
  cJSON_Delete(root);
  if (rc < 0) es_spec_free(spec);
  return rc;
}

int es_spec_load(const char *path, es_spec *spec, char *err, size_t err_len) {
  memset(spec, 0, sizeof *spec);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0) {
    int e = errno;
    if (fd >= 0) close(fd);
    snprintf(err, err_len, "%s: cannot read: %s", path, strerror(e));
    return -e;
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    snprintf(err, err_len, "%s: cannot read: %s", path, strerror(EISDIR));
    return -EISDIR;
  }
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  int rc = buf ? 0 : -ENOMEM;
  while (rc == 0) {
    if (len == cap) {
      if (cap > (size_t)ES_SPEC_MAX_BYTES) {
        snprintf(err, err_len, "%s: too large (over %ld MiB)", path, ES_SPEC_MAX_BYTES >> 20);
        rc = -EFBIG;
        break;
      }
      char *bigger = realloc(buf, cap * 2);
      if (!bigger) {
        rc = -ENOMEM;
        break;
      }
      buf = bigger;
      cap *= 2;
    }
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      rc = -errno;
      snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
    } else if (n == 0) {
      break;
    } else {
      len += (size_t)n;
    }
  }
  close(fd);
  if (rc == -ENOMEM) snprintf(err, err_len, "%s: out of memory", path);
  if (rc == 0) rc = es_spec_parse(path, buf, len, spec, err, err_len);
  free(buf);
  return rc;
}

void es_spec_free(es_spec *spec) {
  if (!spec) return;
  free(spec->path);
  free(spec->name);
  argv_free(spec->command);
  free(spec->workdir);
  es_space_free(&spec->space);
  for (size_t i = 0; spec->objectives && i < spec->n_objectives; i++) free(spec->objectives[i].metric);
  free(spec->objectives);
  for (size_t i = 0; spec->constraints && i < spec->n_constraints; i++) free(spec->constraints[i].metric);
  free(spec->constraints);
  free(spec->resource.metric);
  free(spec->strategy.sampler);
  free(spec->strategy.halving);
  free(spec->strategy.selection);
  for (size_t i = 0; spec->alerts && i < spec->n_alerts; i++) argv_free(spec->alerts[i].argv);
  free(spec->alerts);
  free(spec->workers.launcher);
  free(spec->workers.listen);
  free(spec->workers.slurm.partition);
  free(spec->workers.slurm.time_limit);
  argv_free(spec->workers.slurm.srun_args);
  argv_free(spec->meters);
  free(spec->output);
  memset(spec, 0, sizeof *spec);
}
