/*
 * meter_nvml.h - what the "nvml" meter (meters/meter_nvml.c) exposes beyond
 * its es_meter_type: where it looks for the NVIDIA library, the periods it
 * advises, and which way it reads each GPU, so the tests and the GPU probe
 * (tests/gpu/nvml_probe.c) can point it at a stand-in and say what they saw.
 *
 * What it does not do: declare the meter itself (meter.h has es_meter_nvml)
 * or any NVML type (the meter declares the few it uses privately).
 */
#ifndef ES_METER_NVML_H
#define ES_METER_NVML_H

#include <stddef.h>

/* The library dlopen()ed: $ECOSWEEP_NVML_LIB, or the driver's own soname
 * when unset or empty. */
#define ES_NVML_LIB_ENV "ECOSWEEP_NVML_LIB"
#define ES_NVML_LIB_DEFAULT "libnvidia-ml.so.1"
/* max_period() with every GPU on its 64-bit millijoule counter: it never
 * wraps in practice, so only the family's 10 s cap applies. */
#define ES_NVML_MAX_PERIOD_S 10.0
/* max_period() when any GPU is read by power samples integrated over time:
 * at least 10 samples a second keep the trapezoid error small. */
#define ES_NVML_POWER_PERIOD_S 0.1

/* How the open meter reads domain i: "counter" (the total-energy counter),
 * "power" (power samples integrated), or NULL when i is out of range or
 * state is NULL. The string is static. */
const char *es_nvml_method(const void *state, size_t i);

#endif
