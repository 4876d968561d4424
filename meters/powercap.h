/*
 * powercap.h - a reader for the Linux powercap RAPL interface
 * (/sys/class/powercap), the counters the future "rapl" meter type reads.
 *
 * It finds the RAPL zones under a root directory, decides which of them are
 * counted (DESIGN §5: every joule once), and turns their wrapping
 * microjoule counters into joules accumulated since open.
 *
 *   counted   every package zone ("package-N") and every dram zone; psys
 *             instead of them when asked for, or when there is no package
 *   never     core and uncore (they lie inside the package), and the
 *             intel-rapl-mmio:N duplicate of a package that the MSR-based
 *             intel-rapl:N already gives (mmio is used only when the MSR
 *             zone's energy_uj cannot be read)
 *
 * What it does not do: sample on a timer, attribute joules to trials, or
 * implement es_meter_type (meters/meter.h); the caller polls often enough,
 * see es_powercap_max_period(). Not thread-safe: one reader per thread.
 */
#ifndef ES_POWERCAP_H
#define ES_POWERCAP_H

#include <stddef.h>

#define ES_POWERCAP_ROOT_ENV "ECOSWEEP_POWERCAP_ROOT"
#define ES_POWERCAP_ROOT_DEFAULT "/sys/class/powercap"
/* The longest period es_powercap_max_period() ever advises, in seconds. */
#define ES_POWERCAP_MAX_PERIOD_S 10.0

typedef struct es_powercap es_powercap;

/* Discover and open the counted zones under root (NULL: $ECOSWEEP_POWERCAP_ROOT,
 * or /sys/class/powercap when unset or empty), taking every counter's first
 * reading as the baseline. want_psys: count the psys (platform) zone alone
 * instead of packages and dram (it already contains them).
 * 0, or -errno with one line in why: -ENOENT no such root, -EACCES/-EPERM an
 * energy_uj readable only by root, -ENODEV no zone to count, -ENOMEM. */
int es_powercap_open(es_powercap **out, const char *root, int want_psys, char *why, size_t why_len);

/* Number of counted domains; their names ("package-0", "dram", ...) go to
 * names[0..cap) when names is not NULL. The strings live until close.
 * Order: packages by index, then dram, then psys. */
size_t es_powercap_domains(const es_powercap *p, const char **names, size_t cap);

/* Read every counted counter now. *joules_total (may be NULL) gets the joules
 * since open over all counted domains, per_domain[0..cap) (may be NULL) each
 * domain's, in es_powercap_domains() order. A counter lower than its last
 * reading has wrapped once. 0, or -errno from reading (nothing is updated). */
int es_powercap_read(es_powercap *p, double *joules_total, double *per_domain, size_t cap);

/* Longest sampling period, in seconds, that still sees every wrap of the
 * smallest counted range at this power: 0.5 * range_J / max(watts, 1),
 * capped at ES_POWERCAP_MAX_PERIOD_S. */
double es_powercap_max_period(const es_powercap *p, double watts);

void es_powercap_close(es_powercap *p);

/* The one-line reason for errno err (positive) met at root (file NULL) or at
 * root's file (e.g. "intel-rapl:0/energy_uj"); returns -err. Used by open,
 * exposed so the rapl meter's probe and the tests can phrase an injected
 * errno exactly as open would. */
int es_powercap_explain(int err, const char *root, const char *file, char *why, size_t why_len);

#endif
