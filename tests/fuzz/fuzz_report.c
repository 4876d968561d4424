/*
 * fuzz_report.c - libFuzzer target for the trial protocol: es_linebuf
 * splitting a byte stream delivered in chunks, and es_report_parse() on
 * every line it hands out, as sweep.c does with a trial's fd 3.
 *
 * Input layout: byte 0 picks the line limit (small limits reach the
 * overflow paths), byte 1 seeds the chunk sizes; the rest is the stream.
 * The whole stream is also parsed as one report from an exact-size heap
 * copy, so a read past len shows up under ASan.
 * What it does not do: sockets or libuv (the scheduler owns those).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "workers/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse_line(const char *line, size_t len) {
  es_report r;
  char why[128];
  why[0] = '\0';
  if (es_report_parse(line, len, &r, why, sizeof why) == 0) {
    for (size_t i = 0; i < r.n_metrics; i++)
      if (es_report_metric(&r, r.metrics[i].name) == NULL) abort();
  } else if (why[0] == '\0') {
    abort(); /* every rejection names its reason */
  }
  es_report_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const size_t limits[] = {ES_REPORT_MAX, 16, 64, 1024};
  if (size < 2) return 0;
  size_t max = limits[data[0] % 4];
  unsigned chunk_seed = data[1];
  data += 2;
  size -= 2;

  char *whole = malloc(size ? size : 1);
  if (!whole) return 0;
  if (size) memcpy(whole, data, size);
  parse_line(whole, size);

  es_linebuf lb;
  es_linebuf_init(&lb, max);
  size_t off = 0;
  int rc = 0;
  while (off < size && rc == 0) {
    /* Chunk sizes 1..32 from a tiny LCG: deterministic per input. */
    chunk_seed = chunk_seed * 1103515245u + 12345u;
    size_t n = 1 + (chunk_seed >> 16) % 32;
    if (n > size - off) n = size - off;
    rc = es_linebuf_feed(&lb, whole + off, n);
    off += n;
    const char *line;
    size_t len;
    while ((line = es_linebuf_next(&lb, &len))) {
      if (len > max || line[len] != '\0') abort();
      parse_line(line, len);
    }
  }
  if (rc == 0) {
    size_t len;
    const char *rest = es_linebuf_rest(&lb, &len);
    if (rest) parse_line(rest, len);
  }
  es_linebuf_free(&lb);
  free(whole);
  return 0;
}
