/*
 * meter_hwmon.c - the "hwmon" meter: energy counters that Linux hwmon drivers
 * expose as energyN_input (cumulative microjoules), e.g. AMD's amd_energy.
 *
 * Layout it understands, under the root ($ECOSWEEP_HWMON_ROOT, default
 * /sys/class/hwmon):
 *   hwmonK                  one device; in sysfs a symlink to the device's
 *                           directory, so entries are stat()ed, not lstat()ed
 *   hwmonK/name             the driver's name ("amd_energy")
 *   hwmonK/energyN_input    a cumulative counter in µJ
 *   hwmonK/energyN_label    optional: what it measures ("Ecore000",
 *                           "Esocket0")
 *   hwmonK/device/...       the older layout: the same attributes one level
 *                           down; looked at only when hwmonK has no counter
 *
 * What is counted (DESIGN §5, never a joule twice): per device, when any
 * label names a socket or a package (case-insensitive "socket", "package",
 * "pkg"), only those counters, because the per-core counters lie inside the
 * socket; otherwise every counter of the device. Domains are
 * "<driver>-<label or energyN>", ordered by K, then N.
 *
 * Counters: 64-bit µJ that the drivers accumulate in the kernel, so they do
 * not wrap in practice. A reading lower than the last one therefore means
 * the counter restarted (driver reloaded, a reset): the new reading is the
 * whole delta, the energy since the restart. Totals stay in uint64 µJ and
 * become joules only when reported, so no microjoule is lost to rounding.
 *
 * What it does not do: sample on a timer, attribute joules to trials
 * (hostmeter.c does both), read power*_input / power*_average samples, or
 * pick up a device that appears after open.
 */
#include "meter_hwmon.h"
#include "meter.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysfs.h"

#define HW_ENTRY_LEN 32             /* "hwmon12" */
#define HW_REL_LEN 96               /* "hwmon12/device/energy65_input" */
#define HW_TEXT_LEN 64              /* a name or label file's contents */
#define HW_DOMAIN_LEN (2 * HW_TEXT_LEN + 8)

/* One counted energyN_input. */
typedef struct {
  char file[HW_REL_LEN];    /* relative to the root: what read() opens */
  char name[HW_DOMAIN_LEN]; /* the domain: "amd_energy-Esocket0" */
  uint64_t last_uj;         /* reading at the previous read (or open) */
  uint64_t total_uj;        /* accumulated since open */
} hw_counter;

typedef struct {
  char root[PATH_MAX];
  size_t n, cap;        /* counted counters, and room for them */
  hw_counter *c;        /* n of them, in domain order */
  uint64_t *scratch;    /* n readings, so a failed read updates nothing */
  char drivers[256];    /* the counted drivers, ", "-joined: for resolution() */
} hw_state;

/* A hwmonK entry of the root. */
typedef struct {
  int index; /* K */
  char entry[HW_ENTRY_LEN];
} hw_entry;

/* The one line for errno err met at root/file; returns -err. */
static int hw_explain_file(int err, const char *root, const char *file, char *why, size_t why_len) {
  if (err == EACCES || err == EPERM)
    snprintf(why, why_len,
             "%s/%s is readable only by root (amd_energy's counters are root-only since CVE-2020-12912): run "
             "as root, or `chmod a+r` it (a udev rule makes that permanent)",
             root, file);
  else
    snprintf(why, why_len, "cannot read %s/%s: %s", root, file, strerror(err));
  return -err;
}

/* "<prefix><digits><suffix>" -> the number, else -1. */
static int hw_parse_numbered(const char *s, const char *prefix, const char *suffix) {
  size_t plen = strlen(prefix);
  if (strncmp(s, prefix, plen) != 0) return -1;
  s += plen;
  if (*s < '0' || *s > '9') return -1;
  long x = 0;
  while (*s >= '0' && *s <= '9' && x < 1000000) x = x * 10 + (*s++ - '0');
  return strcmp(s, suffix) == 0 ? (int)x : -1;
}

static int hw_entry_order(const void *a, const void *b) {
  const hw_entry *x = a, *y = b;
  return (x->index > y->index) - (x->index < y->index);
}

static int hw_int_order(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* The root's hwmonK directories (symlinks followed), sorted by K. */
static int hw_list_entries(const char *root, hw_entry **out, size_t *n_out) {
  DIR *d = opendir(root);
  if (!d) return -errno;
  hw_entry *ents = NULL;
  size_t n = 0, cap = 0;
  int rc = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    hw_entry h;
    if (strlen(e->d_name) >= sizeof h.entry || (h.index = hw_parse_numbered(e->d_name, "hwmon", "")) < 0) continue;
    char path[PATH_MAX];
    struct stat st;
    if (es_sysfs_path(path, sizeof path, root, e->d_name, NULL) < 0 || stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
      continue;
    strcpy(h.entry, e->d_name);
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      hw_entry *more = realloc(ents, cap * sizeof *more);
      if (!more) {
        rc = -ENOMEM;
        break;
      }
      ents = more;
    }
    ents[n++] = h;
  }
  closedir(d);
  if (rc < 0) {
    free(ents);
    return rc;
  }
  if (n) qsort(ents, n, sizeof *ents, hw_entry_order);
  *out = ents;
  *n_out = n;
  return 0;
}

/* The N of every energyN_input in root/rel, sorted. A directory that cannot
 * be listed has none (it is then reported as a device without counters). */
static int hw_energy_inputs(const char *root, const char *rel, int **out, size_t *n_out) {
  *out = NULL;
  *n_out = 0;
  char path[PATH_MAX];
  if (es_sysfs_path(path, sizeof path, root, rel, NULL) < 0) return 0;
  DIR *d = opendir(path);
  if (!d) return 0;
  int *ns = NULL;
  size_t n = 0, cap = 0;
  int rc = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    int k = hw_parse_numbered(e->d_name, "energy", "_input");
    if (k < 0) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      int *more = realloc(ns, cap * sizeof *more);
      if (!more) {
        rc = -ENOMEM;
        break;
      }
      ns = more;
    }
    ns[n++] = k;
  }
  closedir(d);
  if (rc < 0) {
    free(ns);
    return rc;
  }
  if (n) qsort(ns, n, sizeof *ns, hw_int_order);
  *out = ns;
  *n_out = n;
  return 0;
}

/* Appends item to the ", "-joined list in buf; once the list is full it ends
 * in "..." and takes nothing more. */
static void hw_list_append(char *buf, size_t len, const char *item) {
  size_t used = strlen(buf);
  if (used >= 3 && strcmp(buf + used - 3, "...") == 0) return;
  size_t sep = used ? 2 : 0;
  if (used + sep + strlen(item) + sizeof ", ..." <= len)
    snprintf(buf + used, len - used, "%s%s", sep ? ", " : "", item);
  else if (used + sizeof ", ..." <= len)
    snprintf(buf + used, len - used, "%s...", sep ? ", " : "");
}

static int hw_list_has(const char *list, const char *item) {
  size_t len = strlen(item);
  for (const char *s = list; *s;) {
    const char *end = strstr(s, ", ");
    size_t tok = end ? (size_t)(end - s) : strlen(s);
    if (tok == len && strncmp(s, item, len) == 0) return 1;
    if (!end) break;
    s = end + 2;
  }
  return 0;
}

/* A label that names a whole socket or package: the counters to keep. */
static int hw_label_is_socket(const char *label) {
  return strcasestr(label, "socket") || strcasestr(label, "package") || strcasestr(label, "pkg");
}

static hw_counter *hw_new_counter(hw_state *s) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    hw_counter *more = realloc(s->c, cap * sizeof *more);
    if (!more) return NULL;
    s->c = more;
    s->cap = cap;
  }
  hw_counter *c = &s->c[s->n++];
  memset(c, 0, sizeof *c);
  return c;
}

/* Adds the counted counters of one hwmonK; driver gets its name (for the
 * error that lists the devices). */
static int hw_add_device(hw_state *s, const hw_entry *h, char *driver, size_t driver_len, char *why, size_t why_len) {
  /* rel: "hwmonK" or "hwmonK/device", where the attributes are */
  char rel[HW_ENTRY_LEN + 8], path[PATH_MAX], file[HW_REL_LEN];
  snprintf(rel, sizeof rel, "%s", h->entry);
  int *ns = NULL;
  size_t n = 0;
  int rc = hw_energy_inputs(s->root, rel, &ns, &n);
  if (rc == 0 && n == 0) { /* the older layout: attributes on the device */
    snprintf(rel, sizeof rel, "%s/device", h->entry);
    rc = hw_energy_inputs(s->root, rel, &ns, &n);
  }
  if (rc < 0) return rc;

  /* name sits next to the attributes, or (older layout) on the device. */
  int named = es_sysfs_path(path, sizeof path, s->root, h->entry, "name") == 0 &&
              es_sysfs_read_text(path, driver, driver_len) == 0 && driver[0];
  if (!named)
    named = es_sysfs_path(path, sizeof path, s->root, h->entry, "device/name") == 0 &&
            es_sysfs_read_text(path, driver, driver_len) == 0 && driver[0];
  if (!named) snprintf(driver, driver_len, "%s", h->entry);
  /* Graphics drivers (i915/xe on discrete cards) report the GPU's energy:
   * not the CPU package's, and nvml meters GPUs itself. */
  static const char *const gpu_drivers[] = {"i915", "xe", "amdgpu", "radeon", "nouveau", NULL};
  for (size_t g = 0; gpu_drivers[g]; g++)
    if (strcmp(driver, gpu_drivers[g]) == 0) {
      free(ns);
      return 0;
    }

  char(*labels)[HW_TEXT_LEN] = calloc(n ? n : 1, sizeof *labels);
  if (!labels) {
    free(ns);
    return -ENOMEM;
  }
  int any_socket = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    snprintf(file, sizeof file, "%s/energy%d_label", rel, ns[i]);
    rc = es_sysfs_path(path, sizeof path, s->root, file, NULL);
    if (rc == 0) rc = es_sysfs_read_text(path, labels[i], sizeof labels[i]);
    if (rc == -ENOENT) { /* unlabelled: named after the counter */
      labels[i][0] = '\0';
      rc = 0;
    } else if (rc < 0) {
      /* Guessing the label could count a core and its socket: refuse. */
      hw_explain_file(-rc, s->root, file, why, why_len);
    } else {
      any_socket |= hw_label_is_socket(labels[i]);
    }
  }
  size_t added = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    if (any_socket && !hw_label_is_socket(labels[i])) continue; /* a core: inside its socket */
    hw_counter *c = hw_new_counter(s);
    if (!c) {
      rc = -ENOMEM;
      break;
    }
    snprintf(c->file, sizeof c->file, "%s/energy%d_input", rel, ns[i]);
    if (labels[i][0])
      snprintf(c->name, sizeof c->name, "%.63s-%.63s", driver, labels[i]);
    else
      snprintf(c->name, sizeof c->name, "%.63s-energy%d", driver, ns[i]);
    added++;
  }
  if (rc == 0 && added && !hw_list_has(s->drivers, driver)) hw_list_append(s->drivers, sizeof s->drivers, driver);
  free(labels);
  free(ns);
  return rc;
}

static void hwmon_close(void *state) {
  hw_state *s = state;
  if (!s) return;
  free(s->c);
  free(s->scratch);
  free(s);
}

static int hwmon_open(void **state, const es_meter_config *cfg, char *why, size_t why_len) {
  (void)cfg;
  char scratch_why[8];
  if (!why || why_len == 0) {
    why = scratch_why;
    why_len = sizeof scratch_why;
  }
  why[0] = '\0';
  if (!state) return -EINVAL;
  *state = NULL;
  const char *root = getenv(ES_HWMON_ROOT_ENV);
  if (!root || !root[0]) root = ES_HWMON_ROOT_DEFAULT;

  hw_state *s = calloc(1, sizeof *s);
  if (!s) return -ENOMEM;
  int n = snprintf(s->root, sizeof s->root, "%s", root);
  if (n < 0 || (size_t)n >= sizeof s->root) {
    free(s);
    snprintf(why, why_len, "the hwmon root $%s is too long", ES_HWMON_ROOT_ENV);
    return -ENAMETOOLONG;
  }

  hw_entry *ents = NULL;
  size_t n_ent = 0;
  int rc = hw_list_entries(s->root, &ents, &n_ent);
  if (rc < 0) {
    free(s);
    if (rc == -ENOENT || rc == -ENOTDIR) {
      snprintf(why, why_len, "no hwmon at %s", root);
      return -ENOENT;
    }
    if (rc != -ENOMEM) snprintf(why, why_len, "cannot read %s: %s", root, strerror(-rc));
    return rc;
  }
  char seen[200] = ""; /* every device's driver, for the -ENODEV line */
  for (size_t i = 0; i < n_ent && rc == 0; i++) {
    char driver[HW_TEXT_LEN] = "";
    rc = hw_add_device(s, &ents[i], driver, sizeof driver, why, why_len);
    if (rc == 0) hw_list_append(seen, sizeof seen, driver);
  }
  free(ents);
  if (rc == 0 && s->n == 0) {
    if (n_ent == 0)
      snprintf(why, why_len, "no hwmon energy counters under %s (no hwmon devices)", root);
    else
      snprintf(why, why_len, "no hwmon energy counters under %s (%zu hwmon device%s: %s)", root, n_ent,
               n_ent == 1 ? "" : "s", seen);
    rc = -ENODEV;
  }
  if (rc == 0 && !(s->scratch = calloc(s->n, sizeof *s->scratch))) rc = -ENOMEM;
  char path[PATH_MAX];
  for (size_t i = 0; i < s->n && rc == 0; i++) {
    rc = es_sysfs_path(path, sizeof path, s->root, s->c[i].file, NULL);
    if (rc == 0) rc = es_sysfs_read_u64(path, &s->c[i].last_uj);
    if (rc < 0) hw_explain_file(-rc, s->root, s->c[i].file, why, why_len);
  }
  if (rc < 0) {
    hwmon_close(s);
    return rc;
  }
  *state = s;
  return 0;
}

static size_t hwmon_domains(const void *state, const char **names, size_t cap) {
  const hw_state *s = state;
  if (!s) return 0;
  for (size_t i = 0; names && i < s->n && i < cap; i++) names[i] = s->c[i].name;
  return s->n;
}

static int hwmon_read(void *state, double *per_domain, size_t cap) {
  hw_state *s = state;
  if (!s) return -EINVAL;
  char path[PATH_MAX];
  for (size_t i = 0; i < s->n; i++) {
    int rc = es_sysfs_path(path, sizeof path, s->root, s->c[i].file, NULL);
    if (rc == 0) rc = es_sysfs_read_u64(path, &s->scratch[i]);
    if (rc < 0) return rc;
  }
  for (size_t i = 0; i < s->n; i++) {
    hw_counter *c = &s->c[i];
    uint64_t now = s->scratch[i];
    /* Lower than last: the counter restarted from 0, so now is all of it. */
    c->total_uj += now >= c->last_uj ? now - c->last_uj : now;
    c->last_uj = now;
    if (per_domain && i < cap) per_domain[i] = (double)c->total_uj / 1e6;
  }
  return 0;
}

static double hwmon_max_period(const void *state, double watts) {
  (void)watts; /* 64-bit µJ: centuries at any power */
  return state ? ES_HWMON_MAX_PERIOD_S : 0.0;
}

static void hwmon_resolution(const void *state, char *buf, size_t len) {
  const hw_state *s = state;
  if (!buf || len == 0) return;
  snprintf(buf, len, "1 µJ counters (hwmon %s)", s ? s->drivers : "");
}

const es_meter_type es_meter_hwmon = {
    .name = "hwmon",
    .kind = ES_METER_HOST,
    .estimate = 0,
    .what = "hwmon energyN_input counters (e.g. amd_energy): sockets/packages when labelled, else every counter",
    .open = hwmon_open,
    .domains = hwmon_domains,
    .read = hwmon_read,
    .max_period = hwmon_max_period,
    .resolution = hwmon_resolution,
    .close = hwmon_close,
};
