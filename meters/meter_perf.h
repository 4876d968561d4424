/*
 * meter_perf.h - what the "perf" meter (meter_perf.c) exposes beyond its
 * es_meter_type: where it looks, and its perf_event_open error line, so the
 * tests can point it at a fixture tree and check the message for errnos they
 * cannot provoke.
 *
 * What it does not do: declare the meter itself (meter.h has es_meter_perf).
 */
#ifndef ES_METER_PERF_H
#define ES_METER_PERF_H

#include <stddef.h>

/* The directory holding the perf PMUs; the meter reads <root>/power/. */
#define ES_PERF_ROOT_ENV "ECOSWEEP_PERF_ROOT"
#define ES_PERF_ROOT_DEFAULT "/sys/bus/event_source/devices"
/* Named in the permission-error line (with its value when readable). */
#define ES_PERF_PARANOID_PATH "/proc/sys/kernel/perf_event_paranoid"
/* perf's counters are 64-bit: no wrap to outrun, so only the cap applies. */
#define ES_PERF_MAX_PERIOD_S 10.0

/* One line in why for perf_event_open of power/<event> on cpu failing with
 * err (positive errno). EACCES and EPERM both become -EACCES, naming
 * ES_PERF_PARANOID_PATH (and its value when readable) and the fix; anything
 * else is -err with strerror. why may be NULL. */
int es_perf_explain(int err, const char *event, int cpu, char *why, size_t why_len);

#endif
