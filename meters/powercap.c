/*
 * powercap.c - the Linux powercap RAPL reader (see powercap.h).
 *
 * Layout it understands, under the root (normally /sys/class/powercap):
 *   intel-rapl:N              a package zone (name "package-K") or psys
 *   intel-rapl:N:M            its subzones: core, uncore, dram; found both
 *                             at the top level (sysfs links every zone there)
 *                             and inside intel-rapl:N; the same name is the
 *                             same zone, whichever path it was found by
 *   intel-rapl-mmio:N[:M]     the same package through MMIO; a duplicate
 *   each zone: name, energy_uj, max_energy_range_uj
 * AMD's RAPL driver uses the same names, so nothing here is Intel-only.
 *
 * Wrap handling: counters are unsigned 64-bit microjoules that wrap at
 * max_energy_range_uj. A reading lower than the last one is taken as exactly
 * one wrap: delta = range - last + now. A counter that really went backwards
 * (a firmware glitch) is therefore also counted as a wrap; callers keep it
 * rare by polling within es_powercap_max_period(), which leaves two reads per
 * wrap. If last is not below the range (bogus data), the new reading itself
 * is the delta, as after a counter reset.
 *
 * What it does not do: poll on its own, read MSRs or perf, or retry a zone
 * that disappears after open (read then fails with its errno).
 */
#include "powercap.h"

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

enum { ES_PC_PACKAGE, ES_PC_DRAM, ES_PC_PSYS };

#define ES_PC_NAME_LEN 32
#define ES_PC_REL_LEN 96

/* One zone directory as found on disk. */
typedef struct {
  char base[ES_PC_NAME_LEN]; /* "intel-rapl:0:2": identifies the zone */
  char rel[ES_PC_REL_LEN];   /* its directory relative to the root */
  char name[ES_PC_NAME_LEN]; /* contents of its name file */
  int mmio;                  /* 1: intel-rapl-mmio, the duplicate path */
  int zone;                  /* N */
  int sub;                   /* M, or -1 for a top-level zone */
} es_pc_zone;

/* One counted thing (a package, a dram, psys), however many paths lead to it. */
typedef struct {
  int kind;                     /* ES_PC_PACKAGE, ES_PC_DRAM, ES_PC_PSYS */
  int index;                    /* package index K (dram: its package's) */
  char name[ES_PC_NAME_LEN];    /* what es_powercap_domains() reports */
  char msr[ES_PC_REL_LEN];      /* intel-rapl path, "" when absent */
  char mmio[ES_PC_REL_LEN];     /* intel-rapl-mmio path, "" when absent */
  const char *dir;              /* the one read: msr, or mmio as fallback */
  uint64_t range_uj;            /* wrap-around range */
  uint64_t last_uj;             /* reading at the previous read (or open) */
  uint64_t total_uj;            /* accumulated since open */
} es_pc_domain;

struct es_powercap {
  char root[PATH_MAX];
  size_t n;              /* counted domains */
  es_pc_domain *dom;     /* n of them, in reporting order */
  uint64_t *scratch;     /* n readings, so a failed read updates nothing */
};

int es_powercap_explain(int err, const char *root, const char *file, char *why, size_t why_len) {
  if (!why || why_len == 0) return -err;
  if (!file) {
    if (err == ENOENT || err == ENOTDIR)
      snprintf(why, why_len, "no RAPL powercap interface at %s (no Intel/AMD RAPL exposed here, e.g. in a VM)",
               root);
    else
      snprintf(why, why_len, "cannot read %s: %s", root, strerror(err));
  } else if (err == EACCES || err == EPERM) {
    snprintf(why, why_len,
             "%s/%s is readable only by root since Linux 5.10 (CVE-2020-8694): run as root, or `chmod a+r` it "
             "(a udev rule or sysfs.conf makes that permanent)",
             root, file);
  } else {
    snprintf(why, why_len, "cannot read %s/%s: %s", root, file, strerror(err));
  }
  return -err;
}

/* "intel-rapl:N" or "intel-rapl:N:M", with or without "-mmio". */
static int es_pc_parse_base(const char *s, int *mmio, int *zone, int *sub) {
  static const char msr_prefix[] = "intel-rapl:", mmio_prefix[] = "intel-rapl-mmio:";
  if (strncmp(s, msr_prefix, sizeof msr_prefix - 1) == 0) {
    *mmio = 0;
    s += sizeof msr_prefix - 1;
  } else if (strncmp(s, mmio_prefix, sizeof mmio_prefix - 1) == 0) {
    *mmio = 1;
    s += sizeof mmio_prefix - 1;
  } else {
    return -1;
  }
  int v[2] = {-1, -1};
  for (int i = 0; i < 2; i++) {
    if (*s < '0' || *s > '9') return -1;
    long x = 0;
    while (*s >= '0' && *s <= '9' && x < 100000) x = x * 10 + (*s++ - '0');
    v[i] = (int)x;
    if (*s == '\0') break;
    if (*s != ':' || i == 1) return -1;
    s++;
  }
  *zone = v[0];
  *sub = v[1];
  return 0;
}

typedef struct {
  es_pc_zone *z;
  size_t n, cap;
} es_pc_zones;

/* Adds the zone directories found in root/parent (parent NULL: root itself). */
static int es_pc_scan(const char *root, const char *parent, es_pc_zones *zs) {
  char dirpath[PATH_MAX];
  if (es_sysfs_path(dirpath, sizeof dirpath, root, parent ? parent : "", NULL) < 0) return -ENAMETOOLONG;
  DIR *d = opendir(dirpath);
  if (!d) return -errno;
  int rc = 0;
  struct dirent *e;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    es_pc_zone z;
    memset(&z, 0, sizeof z);
    if (strlen(e->d_name) >= sizeof z.base) continue;
    if (es_pc_parse_base(e->d_name, &z.mmio, &z.zone, &z.sub) < 0) continue;
    int dup = 0;
    for (size_t i = 0; i < zs->n && !dup; i++) dup = strcmp(zs->z[i].base, e->d_name) == 0;
    if (dup) continue;
    strcpy(z.base, e->d_name);
    int n = snprintf(z.rel, sizeof z.rel, "%s%s%s", parent ? parent : "", parent ? "/" : "", z.base);
    if (n < 0 || (size_t)n >= sizeof z.rel) continue;
    char path[PATH_MAX];
    struct stat st;
    if (es_sysfs_path(path, sizeof path, root, z.rel, NULL) < 0 || stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) continue;
    if (es_sysfs_path(path, sizeof path, root, z.rel, "name") < 0 || es_sysfs_read_text(path, z.name, sizeof z.name) < 0)
      continue; /* a zone that cannot say what it is cannot be counted */
    if (zs->n == zs->cap) {
      size_t cap = zs->cap ? zs->cap * 2 : 16;
      es_pc_zone *nz = realloc(zs->z, cap * sizeof *nz);
      if (!nz) {
        rc = -ENOMEM;
        break;
      }
      zs->z = nz;
      zs->cap = cap;
    }
    zs->z[zs->n++] = z;
  }
  closedir(d);
  return rc;
}

/* "package-K" -> K, else -1. */
static int es_pc_package_index(const char *name) {
  if (strncmp(name, "package-", 8) != 0 || name[8] < '0' || name[8] > '9') return -1;
  long k = 0;
  const char *s = name + 8;
  while (*s >= '0' && *s <= '9' && k < 100000) k = k * 10 + (*s++ - '0');
  return *s ? -1 : (int)k;
}

static int es_pc_domain_order(const void *a, const void *b) {
  const es_pc_domain *x = a, *y = b;
  if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
  return (x->index > y->index) - (x->index < y->index);
}

/* Folds the zones into domains (one per package, dram, psys). */
static int es_pc_domains_from_zones(const es_pc_zones *zs, es_pc_domain **out, size_t *n_out) {
  es_pc_domain *dom = calloc(zs->n ? zs->n : 1, sizeof *dom);
  if (!dom) return -ENOMEM;
  size_t n = 0;
  for (size_t i = 0; i < zs->n; i++) {
    const es_pc_zone *z = &zs->z[i];
    int kind, index;
    if (z->sub < 0) {
      if ((index = es_pc_package_index(z->name)) >= 0) {
        kind = ES_PC_PACKAGE;
      } else if (strcmp(z->name, "psys") == 0) {
        kind = ES_PC_PSYS;
        index = 0;
      } else if (strcmp(z->name, "dram") == 0) {
        kind = ES_PC_DRAM;
        index = z->zone;
      } else {
        continue;
      }
    } else {
      if (strcmp(z->name, "dram") != 0) continue; /* core, uncore: inside the package */
      const es_pc_zone *parent = NULL;
      for (size_t j = 0; j < zs->n && !parent; j++)
        if (zs->z[j].mmio == z->mmio && zs->z[j].zone == z->zone && zs->z[j].sub < 0) parent = &zs->z[j];
      if (!parent || (index = es_pc_package_index(parent->name)) < 0) continue;
      kind = ES_PC_DRAM;
    }
    es_pc_domain *d = NULL;
    for (size_t j = 0; j < n && !d; j++)
      if (dom[j].kind == kind && dom[j].index == index) d = &dom[j];
    if (!d) {
      d = &dom[n++];
      d->kind = kind;
      d->index = index;
    }
    char *slot = z->mmio ? d->mmio : d->msr;
    if (!slot[0]) strcpy(slot, z->rel); /* both ES_PC_REL_LEN */
  }
  *out = dom;
  *n_out = n;
  return 0;
}

/* Picks the path to read (MSR first, MMIO when the MSR zone cannot be read)
 * and takes the baseline reading and the range. */
static int es_pc_domain_open(const char *root, es_pc_domain *d, char *why, size_t why_len) {
  char path[PATH_MAX], file[ES_PC_REL_LEN + 32];
  int rc = -ENOENT;
  const char *first = d->msr[0] ? d->msr : d->mmio;
  const char *tries[2] = {first, d->msr[0] && d->mmio[0] ? d->mmio : NULL};
  int first_rc = 0;
  for (int i = 0; i < 2 && tries[i]; i++) {
    rc = es_sysfs_path(path, sizeof path, root, tries[i], "energy_uj");
    if (rc == 0) rc = es_sysfs_read_u64(path, &d->last_uj);
    if (i == 0) first_rc = rc;
    if (rc == 0) {
      d->dir = tries[i];
      break;
    }
  }
  if (rc < 0) { /* report the preferred path: its fix is the one to apply */
    snprintf(file, sizeof file, "%s/energy_uj", first);
    return es_powercap_explain(-first_rc, root, file, why, why_len);
  }
  snprintf(file, sizeof file, "%s/max_energy_range_uj", d->dir);
  rc = es_sysfs_path(path, sizeof path, root, d->dir, "max_energy_range_uj");
  if (rc == 0) rc = es_sysfs_read_u64(path, &d->range_uj);
  if (rc < 0) return es_powercap_explain(-rc, root, file, why, why_len);
  if (d->range_uj == 0) {
    snprintf(why, why_len, "%s/%s is 0: wraps cannot be handled", root, file);
    return -EINVAL;
  }
  return 0;
}

int es_powercap_open(es_powercap **out, const char *root, int want_psys, char *why, size_t why_len) {
  char scratch_why[8];
  if (!why || why_len == 0) {
    why = scratch_why;
    why_len = sizeof scratch_why;
  }
  why[0] = '\0';
  if (!out) return -EINVAL;
  *out = NULL;
  if (!root) root = getenv(ES_POWERCAP_ROOT_ENV);
  if (!root || !root[0]) root = ES_POWERCAP_ROOT_DEFAULT;

  es_powercap *p = calloc(1, sizeof *p);
  if (!p) return -ENOMEM;
  int n = snprintf(p->root, sizeof p->root, "%s", root);
  if (n < 0 || (size_t)n >= sizeof p->root) {
    free(p);
    return es_powercap_explain(ENAMETOOLONG, "the powercap root", NULL, why, why_len);
  }

  es_pc_zones zs = {NULL, 0, 0};
  int rc = es_pc_scan(p->root, NULL, &zs);
  if (rc < 0) {
    free(zs.z);
    free(p);
    if (rc == -ENOMEM) return rc;
    return es_powercap_explain(-rc, root, NULL, why, why_len);
  }
  size_t top = zs.n; /* subzones also live inside their zone's directory */
  for (size_t i = 0; i < top && rc == 0; i++) {
    if (zs.z[i].sub >= 0) continue;
    char rel[ES_PC_REL_LEN];
    strcpy(rel, zs.z[i].rel);
    rc = es_pc_scan(p->root, rel, &zs);
    if (rc != -ENOMEM) rc = 0; /* an unlistable zone directory just has no subzones */
  }
  es_pc_domain *all = NULL;
  size_t n_all = 0;
  if (rc == 0) rc = es_pc_domains_from_zones(&zs, &all, &n_all);
  free(zs.z);
  if (rc < 0) {
    free(p);
    return rc;
  }

  size_t n_pkg = 0, n_psys = 0;
  for (size_t i = 0; i < n_all; i++) {
    n_pkg += all[i].kind == ES_PC_PACKAGE;
    n_psys += all[i].kind == ES_PC_PSYS;
  }
  int keep_psys = want_psys || n_pkg == 0;
  if (keep_psys && n_psys == 0) {
    if (want_psys)
      snprintf(why, why_len, "psys asked for, but there is no psys zone under %s", root);
    else
      snprintf(why, why_len, "no RAPL package or psys zone under %s", root);
    free(all);
    free(p);
    return -ENODEV;
  }
  /* psys already holds the packages and DRAM: never both (DESIGN §5). */
  size_t kept = 0;
  for (size_t i = 0; i < n_all; i++)
    if ((all[i].kind == ES_PC_PSYS) == keep_psys) all[kept++] = all[i];
  qsort(all, kept, sizeof *all, es_pc_domain_order);
  size_t n_dram = 0;
  for (size_t i = 0; i < kept; i++) n_dram += all[i].kind == ES_PC_DRAM;
  for (size_t i = 0; i < kept; i++) {
    es_pc_domain *d = &all[i];
    if (d->kind == ES_PC_PACKAGE)
      snprintf(d->name, sizeof d->name, "package-%d", d->index);
    else if (d->kind == ES_PC_PSYS)
      snprintf(d->name, sizeof d->name, "psys");
    else if (n_dram == 1)
      snprintf(d->name, sizeof d->name, "dram");
    else
      snprintf(d->name, sizeof d->name, "dram-%d", d->index);
  }
  p->dom = all;
  p->n = kept;
  p->scratch = calloc(kept ? kept : 1, sizeof *p->scratch);
  if (!p->scratch) {
    es_powercap_close(p);
    return -ENOMEM;
  }
  for (size_t i = 0; i < kept; i++) {
    rc = es_pc_domain_open(p->root, &p->dom[i], why, why_len);
    if (rc < 0) {
      es_powercap_close(p);
      return rc;
    }
  }
  *out = p;
  return 0;
}

size_t es_powercap_domains(const es_powercap *p, const char **names, size_t cap) {
  if (!p) return 0;
  for (size_t i = 0; names && i < p->n && i < cap; i++) names[i] = p->dom[i].name;
  return p->n;
}

static uint64_t es_pc_delta(uint64_t last, uint64_t now, uint64_t range) {
  if (now >= last) return now - last;
  if (range > last) return range - last + now; /* one wrap */
  return now;                                  /* bogus last: as after a reset */
}

int es_powercap_read(es_powercap *p, double *joules_total, double *per_domain, size_t cap) {
  if (!p) return -EINVAL;
  char path[PATH_MAX];
  for (size_t i = 0; i < p->n; i++) {
    int rc = es_sysfs_path(path, sizeof path, p->root, p->dom[i].dir, "energy_uj");
    if (rc == 0) rc = es_sysfs_read_u64(path, &p->scratch[i]);
    if (rc < 0) return rc;
  }
  double total = 0;
  for (size_t i = 0; i < p->n; i++) {
    es_pc_domain *d = &p->dom[i];
    d->total_uj += es_pc_delta(d->last_uj, p->scratch[i], d->range_uj);
    d->last_uj = p->scratch[i];
    double j = (double)d->total_uj / 1e6;
    total += j;
    if (per_domain && i < cap) per_domain[i] = j;
  }
  if (joules_total) *joules_total = total;
  return 0;
}

double es_powercap_max_period(const es_powercap *p, double watts) {
  if (!p || p->n == 0) return 0;
  uint64_t range = p->dom[0].range_uj;
  for (size_t i = 1; i < p->n; i++)
    if (p->dom[i].range_uj < range) range = p->dom[i].range_uj;
  double w = watts > 1.0 ? watts : 1.0; /* also catches NaN and negatives */
  double period = 0.5 * ((double)range / 1e6) / w;
  return period < ES_POWERCAP_MAX_PERIOD_S ? period : ES_POWERCAP_MAX_PERIOD_S;
}

void es_powercap_close(es_powercap *p) {
  if (!p) return;
  free(p->dom);
  free(p->scratch);
  free(p);
}
