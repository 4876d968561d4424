/*
 * nvml_probe.c - a tiny driver of the "nvml" meter for tests/gpu/nvml_check.sh:
 * opens es_meter_nvml, reads it every PERIOD_MS (100 by default, shortened
 * to what max_period() asks for) for SECONDS, then prints what it saw:
 *
 *   # nvml_probe: <n> GPU(s); <resolution>; read every <ms> ms for <s> s
 *   window_start YYYY/MM/DD HH:MM:SS.mmm   (local time of the baseline, just
 *                                          after open)
 *   window_end   YYYY/MM/DD HH:MM:SS.mmm   (local time of the last read)
 *   elapsed_s <seconds between them, CLOCK_MONOTONIC>
 *   gpu0 <uuid> <counter|power> <joules>
 *   ...
 *
 * The window is printed in nvidia-smi's timestamp format so the script can
 * integrate nvidia-smi's power samples over the same interval. It is built
 * from meters/meter_nvml.c alone (no libuv, cJSON or GSL), so it compiles
 * on a bare GPU machine:
 *
 *   cc -std=c11 -D_GNU_SOURCE -I. -o nvml_probe tests/gpu/nvml_probe.c \
 *      meters/meter_nvml.c -ldl
 *
 * Exit status: 0, 1 when the meter cannot be opened or read (the reason on
 * stderr), 2 on bad arguments.
 *
 * What it does not do: load the GPU, compare anything, or take part in
 * `make test` (it needs a GPU to mean anything; the unit test covers the
 * meter against the stand-in library).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meters/meter.h"
#include "meters/meter_nvml.h"

#define PROBE_MAX_GPUS 64

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Now, in local time, as nvidia-smi prints its timestamp field. */
static void wall_stamp(char *buf, size_t len) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  localtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(buf, len, "%Y/%m/%d %H:%M:%S", &tm);
  snprintf(buf + n, len - n, ".%03ld", ts.tv_nsec / 1000000);
}

static double parse_positive(const char *s) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  return errno || end == s || *end || !(v > 0) ? -1 : v;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: %s SECONDS [PERIOD_MS]\n", argv[0]);
    return 2;
  }
  double seconds = parse_positive(argv[1]);
  double period = argc == 3 ? parse_positive(argv[2]) / 1000.0 : 0.1;
  if (seconds <= 0 || period <= 0) {
    fprintf(stderr, "%s: SECONDS and PERIOD_MS must be positive numbers\n", argv[0]);
    return 2;
  }
  const es_meter_type *m = &es_meter_nvml;
  void *st = NULL;
  char why[512] = "", start[64], end[64];
  int rc = m->open(&st, NULL, why, sizeof why);
  if (rc < 0) {
    fprintf(stderr, "nvml_probe: %s (%s)\n", why, strerror(-rc));
    return 1;
  }
  /* After open: nvmlInit can take seconds, and the baseline is read last. */
  wall_stamp(start, sizeof start);
  double t0 = mono_s();
  size_t n = m->domains(st, NULL, 0);
  if (n > PROBE_MAX_GPUS) n = PROBE_MAX_GPUS;
  const char *names[PROBE_MAX_GPUS];
  m->domains(st, names, n);
  double max = m->max_period(st, 0.0);
  if (max > 0 && period > max) period = max;
  char res[256];
  m->resolution(st, res, sizeof res);
  printf("# nvml_probe: %zu GPU(s); %s; read every %.0f ms for %g s\n", n, res, period * 1000, seconds);

  double joules[PROBE_MAX_GPUS] = {0}, t = t0;
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  while (t - t0 < seconds) {
    /* Absolute deadlines: the reads keep their rate however long each takes. */
    long step_ns = (long)(period * 1e9);
    next.tv_nsec += step_ns % 1000000000L;
    next.tv_sec += step_ns / 1000000000L + next.tv_nsec / 1000000000L;
    next.tv_nsec %= 1000000000L;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {
    }
    rc = m->read(st, joules, n);
    t = mono_s();
    wall_stamp(end, sizeof end);
    if (rc < 0) {
      fprintf(stderr, "nvml_probe: read failed after %.3f s: %s\n", t - t0, strerror(-rc));
      m->close(st);
      return 1;
    }
  }
  printf("window_start %s\nwindow_end %s\nelapsed_s %.3f\n", start, end, t - t0);
  for (size_t i = 0; i < n; i++) {
    char uuid[96] = "?";
    if (m->device_id(st, i, uuid, sizeof uuid) < 0) snprintf(uuid, sizeof uuid, "?");
    const char *how = es_nvml_method(st, i);
    printf("%s %s %s %.3f\n", names[i], uuid, how ? how : "?", joules[i]);
  }
  m->close(st);
  return 0;
}
