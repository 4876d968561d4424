/*
 * meter_hwmon.h - constants of the "hwmon" meter (meters/meter_hwmon.c),
 * shared with its tests. The meter itself is es_meter_hwmon in meter.h.
 *
 * What it does not do: declare any function; everything is reached through
 * the es_meter_type descriptor.
 */
#ifndef ES_METER_HWMON_H
#define ES_METER_HWMON_H

#define ES_HWMON_ROOT_ENV "ECOSWEEP_HWMON_ROOT"
#define ES_HWMON_ROOT_DEFAULT "/sys/class/hwmon"
/* What max_period() always advises: the drivers accumulate in 64 bits, so
 * the counters never wrap in practice; 10 s is the family's cap. */
#define ES_HWMON_MAX_PERIOD_S 10.0

#endif
