/*
 * meter_perf.c - the "perf" meter: CPU package and DRAM energy from the
 * Linux perf "power" PMU (the kernel's RAPL driver seen through
 * perf_event_open(2)), for machines where powercap's energy_uj cannot be
 * read but perf is allowed.
 *
 * Layout it understands, under the root ($ECOSWEEP_PERF_ROOT, normally
 * /sys/bus/event_source/devices):
 *   power/type                 the PMU's dynamic type number (attr.type)
 *   power/cpumask              one CPU per package, e.g. "0" or "0,28" or "0-1"
 *   power/events/energy-pkg    "event=0x02" (terms: name=value, comma-separated)
 *   power/events/energy-pkg.scale   joules per count, e.g. 2.3283064365386962890625e-10
 *   power/events/energy-pkg.unit    "Joules"
 *   power/events/energy-ram[.scale,.unit]   DRAM, when the CPU has it
 *   power/format/<term>        where a term's bits go, e.g. "config:0-7"
 * A term with no format file is refused, except "event", which then is the
 * whole of attr.config (the layout of the PMUs the tests stand in with).
 *
 * Counted: energy-pkg and energy-ram, one counter per event and cpumask CPU,
 * giving "package-N" and "dram-N" ("dram" with one package), N counting the
 * cpumask's CPUs from 0. Never energy-cores (inside the package: DESIGN §5),
 * energy-gpu (also inside it) or energy-psys (holds package and DRAM).
 *
 * Counts are unsigned 64-bit and cumulative (the kernel folds the 32-bit
 * MSR's wraps in), so joules since open = (count - count at open) * scale,
 * with no wrap to outrun: max_period is only the cap.
 *
 * What it does not do: sample on its own, use the perf tool or libpfm,
 * count energy-psys instead (es_meter_config's want_psys is rapl's), or
 * reopen a counter that fails after open (read returns its errno).
 */
#include "meter.h"
#include "meter_perf.h"
#include "sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ES_PERF_NAME_LEN 24
#define ES_PERF_TEXT_LEN 256
#define ES_PERF_MAX_CPUS 4096 /* sockets in a cpumask: far more than any machine has */
#define ES_PERF_MAX_RANGES 8  /* bit ranges in one format file */

enum { ES_PERF_PKG, ES_PERF_RAM, ES_PERF_N_EVENTS };
static const char *const es_perf_event_names[ES_PERF_N_EVENTS] = {"energy-pkg", "energy-ram"};

/* One event as described under power/events. */
typedef struct {
  uint64_t config[3]; /* attr.config, config1, config2 */
  double scale;       /* joules per count */
} es_perf_event;

/* One open counter: an event on one CPU, reported as one domain. */
typedef struct {
  int fd;
  int cpu;
  int event;                   /* ES_PERF_PKG or ES_PERF_RAM, for messages */
  double scale;                /* joules per count */
  uint64_t first;              /* count at open: the zero of every reading */
  char name[ES_PERF_NAME_LEN]; /* what domains() reports */
} es_perf_counter;

typedef struct {
  size_t n;
  es_perf_counter *c; /* n of them: packages in cpumask order, then drams */
  uint64_t *scratch;  /* n counts, so a failed read updates nothing */
} es_perf_state;

int es_perf_explain(int err, const char *event, int cpu, char *why, size_t why_len) {
  char scratch_why[8];
  if (!why || why_len == 0) {
    why = scratch_why;
    why_len = sizeof scratch_why;
  }
  if (err == EACCES || err == EPERM) {
    char value[32] = "";
    int fd = open(ES_PERF_PARANOID_PATH, O_RDONLY | O_CLOEXEC);
    ssize_t got = fd < 0 ? -1 : read(fd, value, sizeof value - 1);
    if (fd >= 0) close(fd);
    value[got > 0 ? got : 0] = '\0';
    value[strcspn(value, "\n")] = '\0';
    char state[64];
    if (value[0])
      snprintf(state, sizeof state, "is %s", value);
    else
      snprintf(state, sizeof state, "is unreadable");
    snprintf(why, why_len,
             "perf_event_open of power/%s on CPU %d: %s: perf is restricted here (%s %s): run as root or with "
             "CAP_PERFMON, or `sysctl kernel.perf_event_paranoid=0`",
             event, cpu, strerror(err), ES_PERF_PARANOID_PATH, state);
    return -EACCES;
  }
  if (err == ENOSYS)
    snprintf(why, why_len,
             "perf_event_open of power/%s on CPU %d: %s (a kernel without perf events, or a seccomp filter "
             "blocking the call)",
             event, cpu, strerror(err));
  else
    snprintf(why, why_len, "perf_event_open of power/%s on CPU %d: %s", event, cpu, strerror(err));
  return -err;
}

static int es_perf_path(char *buf, size_t len, const char *dir, const char *a, const char *b) {
  int n = snprintf(buf, len, "%s/%s%s", dir, a, b ? b : "");
  return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Reads path or explains why not (the path, and its errno). */
static int es_perf_read_or_explain(const char *path, char *buf, size_t len, char *why, size_t why_len) {
  int rc = es_sysfs_read_text(path, buf, len);
  if (rc < 0) snprintf(why, why_len, "cannot read %s: %s", path, strerror(-rc));
  return rc;
}

/* Decimal digits at *s, at most max; advances *s. */
static int es_perf_parse_uint(const char **s, unsigned long max, unsigned long *out) {
  const char *p = *s;
  unsigned long v = 0;
  if (*p < '0' || *p > '9') return -EINVAL;
  while (*p >= '0' && *p <= '9') {
    v = v * 10 + (unsigned long)(*p++ - '0');
    if (v > max) return -EINVAL;
  }
  *s = p;
  *out = v;
  return 0;
}

/* "0", "0,28", "0-1", "0-3,8-11": the CPUs in order, each once. */
static int es_perf_parse_cpumask(const char *text, int **out, size_t *n_out) {
  int *cpus = NULL;
  size_t n = 0;
  const char *s = text;
  int rc = 0;
  if (!*s) rc = -EINVAL;
  while (rc == 0 && *s) {
    unsigned long lo, hi;
    if ((rc = es_perf_parse_uint(&s, INT_MAX, &lo)) < 0) break;
    hi = lo;
    if (*s == '-') {
      s++;
      if ((rc = es_perf_parse_uint(&s, INT_MAX, &hi)) < 0) break;
      if (hi < lo) {
        rc = -EINVAL;
        break;
      }
    }
    if (*s == ',' && s[1]) {
      s++;
    } else if (*s) {
      rc = -EINVAL;
      break;
    }
    if (hi - lo >= ES_PERF_MAX_CPUS - n) {
      rc = -EINVAL;
      break;
    }
    int *more = realloc(cpus, (n + (hi - lo) + 1) * sizeof *cpus);
    if (!more) {
      rc = -ENOMEM;
      break;
    }
    cpus = more;
    for (unsigned long c = lo; c <= hi && rc == 0; c++) {
      for (size_t i = 0; i < n; i++)
        if (cpus[i] == (int)c) rc = -EINVAL; /* listed twice: not a cpumask */
      cpus[n++] = (int)c;
    }
  }
  if (rc < 0) {
    free(cpus);
    return rc;
  }
  *out = cpus;
  *n_out = n;
  return 0;
}

/* A format file: "config:0-7", "config1:0-3,8-9", "config:8". */
typedef struct {
  int field; /* 0: config, 1: config1, 2: config2 */
  int n;
  int lo[ES_PERF_MAX_RANGES], hi[ES_PERF_MAX_RANGES];
} es_perf_format;

static int es_perf_parse_format(const char *text, es_perf_format *f) {
  static const char *const fields[] = {"config:", "config1:", "config2:"};
  const char *s = NULL;
  for (int i = 0; i < 3 && !s; i++)
    if (strncmp(text, fields[i], strlen(fields[i])) == 0) {
      f->field = i;
      s = text + strlen(fields[i]);
    }
  if (!s) return -EINVAL;
  f->n = 0;
  while (*s) {
    unsigned long lo, hi;
    if (f->n == ES_PERF_MAX_RANGES || es_perf_parse_uint(&s, 63, &lo) < 0) return -EINVAL;
    hi = lo;
    if (*s == '-') {
      s++;
      if (es_perf_parse_uint(&s, 63, &hi) < 0 || hi < lo) return -EINVAL;
    }
    if (*s == ',' && s[1])
      s++;
    else if (*s)
      return -EINVAL;
    f->lo[f->n] = (int)lo;
    f->hi[f->n] = (int)hi;
    f->n++;
  }
  return f->n ? 0 : -EINVAL;
}

/* Spreads value over the format's bit ranges, low bits first (as perf
 * does); -ERANGE when it has more bits than the ranges hold. */
static int es_perf_place(const es_perf_format *f, uint64_t value, uint64_t config[3]) {
  uint64_t bits = 0;
  for (int i = 0; i < f->n; i++) {
    int width = f->hi[i] - f->lo[i] + 1;
    uint64_t mask = width == 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;
    bits |= (value & mask) << f->lo[i];
    value = width == 64 ? 0 : value >> width;
  }
  if (value) return -ERANGE;
  config[f->field] |= bits;
  return 0;
}

/* One term of an event string: "event=0x02", "umask=0x1", or a bare flag
 * ("edge", meaning 1). */
static int es_perf_apply_term(const char *pmu, const char *evpath, char *term, uint64_t config[3], char *why,
                              size_t why_len) {
  char *eq = strchr(term, '=');
  uint64_t value = 1;
  if (eq) {
    *eq = '\0';
    const char *v = eq + 1;
    char *end;
    errno = 0;
    unsigned long long x = (*v >= '0' && *v <= '9') ? strtoull(v, &end, 0) : 0;
    if (*v < '0' || *v > '9' || errno || *end) {
      snprintf(why, why_len, "%s: \"%s=%s\" has no number a perf event can use", evpath, term, v);
      return -EINVAL;
    }
    value = (uint64_t)x;
  }
  size_t len = strlen(term);
  if (len == 0 || strspn(term, "abcdefghijklmnopqrstuvwxyz0123456789_") != len) {
    snprintf(why, why_len, "%s: \"%s\" is not a term like event=0x02", evpath, term);
    return -EINVAL;
  }
  char fpath[PATH_MAX], ftext[ES_PERF_TEXT_LEN];
  if (es_perf_path(fpath, sizeof fpath, pmu, "format/", term) < 0) {
    snprintf(why, why_len, "%s: term \"%s\" makes too long a path", evpath, term);
    return -ENAMETOOLONG;
  }
  es_perf_format f;
  int rc = es_sysfs_read_text(fpath, ftext, sizeof ftext);
  if (rc == -ENOENT && strcmp(term, "event") == 0) {
    f.field = 0; /* no format directory: the event code is attr.config */
    f.n = 1;
    f.lo[0] = 0;
    f.hi[0] = 63;
  } else if (rc == -ENOENT) {
    snprintf(why, why_len, "%s: cannot map \"%s\": no %s says which bits of the config it sets", evpath, term, fpath);
    return -EINVAL;
  } else if (rc < 0) {
    snprintf(why, why_len, "cannot read %s: %s", fpath, strerror(-rc));
    return rc;
  } else if (es_perf_parse_format(ftext, &f) < 0) {
    snprintf(why, why_len, "%s is \"%s\": not a format like config:0-7", fpath, ftext);
    return -EINVAL;
  }
  if (es_perf_place(&f, value, config) < 0) {
    snprintf(why, why_len, "%s: %s=0x%llx does not fit %s (%s)", evpath, term, (unsigned long long)value, fpath,
             rc == 0 ? ftext : "config:0-63");
    return -EINVAL;
  }
  return 0;
}

/* Reads power/events/<name> and its .unit and .scale. -ENOENT (with why
 * set) when the event is absent. */
static int es_perf_load_event(const char *pmu, const char *name, es_perf_event *ev, char *why, size_t why_len) {
  char path[PATH_MAX], text[ES_PERF_TEXT_LEN];
  memset(ev, 0, sizeof *ev);
  if (es_perf_path(path, sizeof path, pmu, "events/", name) < 0) {
    snprintf(why, why_len, "%s/events/%s: path too long", pmu, name);
    return -ENAMETOOLONG;
  }
  int rc = es_perf_read_or_explain(path, text, sizeof text, why, why_len);
  if (rc < 0) return rc;
  if (!text[0]) {
    snprintf(why, why_len, "%s is empty: no event code to count", path);
    return -EINVAL;
  }
  char *save = NULL;
  for (char *term = strtok_r(text, ",", &save); term; term = strtok_r(NULL, ",", &save)) {
    while (*term == ' ') term++;
    rc = es_perf_apply_term(pmu, path, term, ev->config, why, why_len);
    if (rc < 0) return rc;
  }

  char upath[PATH_MAX + 8];
  snprintf(upath, sizeof upath, "%s.unit", path);
  rc = es_sysfs_read_text(upath, text, sizeof text);
  if (rc < 0 && rc != -ENOENT) { /* no unit file: the kernel's are always Joules */
    snprintf(why, why_len, "cannot read %s: %s", upath, strerror(-rc));
    return rc;
  }
  if (rc == 0 && strcmp(text, "Joules") != 0) {
    snprintf(why, why_len, "%s says \"%s\", not Joules: refusing to add its counts up as energy", upath, text);
    return -EINVAL;
  }

  char spath[PATH_MAX + 8];
  snprintf(spath, sizeof spath, "%s.scale", path);
  rc = es_sysfs_read_text(spath, text, sizeof text);
  if (rc < 0) { /* without it counts cannot become joules */
    snprintf(why, why_len, "cannot read %s (joules per count): %s", spath, strerror(-rc));
    return rc == -ENOENT ? -EINVAL : rc;
  }
  char *end;
  errno = 0;
  ev->scale = strtod(text, &end);
  if (errno || end == text || *end || !isfinite(ev->scale) || ev->scale <= 0) {
    snprintf(why, why_len, "%s is \"%s\": not a positive number of joules per count", spath, text);
    return -EINVAL;
  }
  return 0;
}

static int es_perf_read_count(int fd, uint64_t *out) {
  uint64_t v;
  ssize_t got;
  do {
    got = read(fd, &v, sizeof v);
  } while (got < 0 && errno == EINTR);
  if (got < 0) return -errno;
  if (got != (ssize_t)sizeof v) return -EIO;
  *out = v;
  return 0;
}

static void perf_close(void *state) {
  es_perf_state *s = state;
  if (!s) return;
  for (size_t i = 0; i < s->n; i++)
    if (s->c[i].fd >= 0) close(s->c[i].fd);
  free(s->c);
  free(s->scratch);
  free(s);
}

/* Opens every counter and takes the baseline; s->c[0..n) are filled in. */
static int es_perf_open_counters(es_perf_state *s, uint32_t type, const es_perf_event *evs, char *why, size_t why_len) {
  for (size_t i = 0; i < s->n; i++) {
    es_perf_counter *c = &s->c[i];
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = type;
    attr.config = evs[c->event].config[0];
    attr.config1 = evs[c->event].config[1];
    attr.config2 = evs[c->event].config[2];
    long fd = syscall(SYS_perf_event_open, &attr, (pid_t)-1, c->cpu, -1, (unsigned long)PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) return es_perf_explain(errno, es_perf_event_names[c->event], c->cpu, why, why_len);
    c->fd = (int)fd;
  }
  for (size_t i = 0; i < s->n; i++) {
    int rc = es_perf_read_count(s->c[i].fd, &s->c[i].first);
    if (rc < 0) {
      snprintf(why, why_len, "cannot read the counter of power/%s on CPU %d: %s", es_perf_event_names[s->c[i].event],
               s->c[i].cpu, strerror(-rc));
      return rc;
    }
  }
  return 0;
}

static int perf_open(void **state, const es_meter_config *cfg, char *why, size_t why_len) {
  char scratch_why[8];
  if (!why || why_len == 0) {
    why = scratch_why;
    why_len = sizeof scratch_why;
  }
  why[0] = '\0';
  (void)cfg;
  if (!state) return -EINVAL;
  *state = NULL;
  const char *root = getenv(ES_PERF_ROOT_ENV);
  if (!root || !root[0]) root = ES_PERF_ROOT_DEFAULT;

  char pmu[PATH_MAX], path[PATH_MAX], text[ES_PERF_TEXT_LEN];
  if (es_perf_path(pmu, sizeof pmu, root, "power", NULL) < 0) {
    snprintf(why, why_len, "$%s is too long a path", ES_PERF_ROOT_ENV);
    return -ENAMETOOLONG;
  }
  struct stat st;
  int err = stat(pmu, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
  if (err == ENOENT || err == ENOTDIR) {
    snprintf(why, why_len, "no perf power PMU at %s (no RAPL exposed to perf here, e.g. in a VM)", pmu);
    return -ENOENT;
  }
  if (err) {
    snprintf(why, why_len, "cannot read %s: %s", pmu, strerror(err));
    return -err;
  }

  int rc = es_perf_path(path, sizeof path, pmu, "type", NULL);
  if (rc == 0) rc = es_perf_read_or_explain(path, text, sizeof text, why, why_len);
  if (rc < 0) return rc;
  const char *p = text;
  unsigned long type;
  if (es_perf_parse_uint(&p, UINT32_MAX, &type) < 0 || *p) {
    snprintf(why, why_len, "%s is \"%s\": not a PMU type number", path, text);
    return -EINVAL;
  }

  es_perf_event evs[ES_PERF_N_EVENTS];
  int have[ES_PERF_N_EVENTS] = {0, 0};
  for (int e = 0; e < ES_PERF_N_EVENTS; e++) {
    rc = es_perf_load_event(pmu, es_perf_event_names[e], &evs[e], why, why_len);
    if (rc == -ENOENT && e == ES_PERF_PKG) {
      snprintf(why, why_len, "no energy-pkg event in %s/events (this CPU's RAPL, if any, is not exposed to perf)", pmu);
      return -ENODEV;
    }
    if (rc == -ENOENT && e == ES_PERF_RAM) { /* no DRAM domain on this CPU */
      why[0] = '\0';
      continue;
    }
    if (rc < 0) return rc;
    have[e] = 1;
  }

  rc = es_perf_path(path, sizeof path, pmu, "cpumask", NULL);
  if (rc == 0) rc = es_perf_read_or_explain(path, text, sizeof text, why, why_len);
  if (rc < 0) return rc;
  int *cpus = NULL;
  size_t n_cpus = 0;
  rc = es_perf_parse_cpumask(text, &cpus, &n_cpus);
  if (rc == -ENOMEM) return rc;
  if (rc < 0) {
    snprintf(why, why_len, "%s is \"%s\": not a CPU list like 0 or 0,28 or 0-1", path, text);
    return rc;
  }

  es_perf_state *s = calloc(1, sizeof *s);
  size_t n = n_cpus * (size_t)(have[ES_PERF_PKG] + have[ES_PERF_RAM]);
  if (s) {
    s->c = calloc(n, sizeof *s->c);
    s->scratch = calloc(n, sizeof *s->scratch);
  }
  if (!s || !s->c || !s->scratch) {
    free(cpus);
    perf_close(s);
    return -ENOMEM;
  }
  for (int e = 0; e < ES_PERF_N_EVENTS; e++) {
    if (!have[e]) continue;
    for (size_t k = 0; k < n_cpus; k++) {
      es_perf_counter *c = &s->c[s->n++];
      c->fd = -1;
      c->cpu = cpus[k];
      c->event = e;
      c->scale = evs[e].scale;
      if (e == ES_PERF_PKG)
        snprintf(c->name, sizeof c->name, "package-%d", (int)k);
      else if (n_cpus == 1)
        snprintf(c->name, sizeof c->name, "dram");
      else
        snprintf(c->name, sizeof c->name, "dram-%d", (int)k);
    }
  }
  free(cpus);
  rc = es_perf_open_counters(s, (uint32_t)type, evs, why, why_len);
  if (rc < 0) {
    perf_close(s);
    return rc;
  }
  *state = s;
  return 0;
}

static size_t perf_domains(const void *state, const char **names, size_t cap) {
  const es_perf_state *s = state;
  if (!s) return 0;
  for (size_t i = 0; names && i < s->n && i < cap; i++) names[i] = s->c[i].name;
  return s->n;
}

static int perf_read(void *state, double *per_domain, size_t cap) {
  es_perf_state *s = state;
  if (!s) return -EINVAL;
  for (size_t i = 0; i < s->n; i++) {
    int rc = es_perf_read_count(s->c[i].fd, &s->scratch[i]);
    if (rc < 0) return rc;
  }
  /* Modular difference: right even across a 64-bit wrap, which at RAPL's
   * rates would take millennia. */
  for (size_t i = 0; per_domain && i < s->n && i < cap; i++)
    per_domain[i] = (double)(s->scratch[i] - s->c[i].first) * s->c[i].scale;
  return 0;
}

static double perf_max_period(const void *state, double watts) {
  (void)state, (void)watts;
  return ES_PERF_MAX_PERIOD_S;
}

static void perf_resolution(const void *state, char *buf, size_t len) {
  const es_perf_state *s = state;
  if (!buf || len == 0) return;
  if (!s || s->n == 0) {
    snprintf(buf, len, "perf power PMU (not open)");
    return;
  }
  double scale = s->c[0].scale;
  for (size_t i = 1; i < s->n; i++)
    if (s->c[i].scale < scale) scale = s->c[i].scale;
  snprintf(buf, len, "%.3g J per count (perf power PMU), read every sample", scale);
}

const es_meter_type es_meter_perf = {
    .name = "perf",
    .kind = ES_METER_HOST,
    .estimate = 0,
    .what = "CPU package and DRAM energy counters of the perf power PMU (RAPL through perf_event_open)",
    .open = perf_open,
    .domains = perf_domains,
    .read = perf_read,
    .max_period = perf_max_period,
    .resolution = perf_resolution,
    .close = perf_close,
};
