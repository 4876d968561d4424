/*
 * fuzz_journal.c - libFuzzer target for es_journal_replay(): the input is
 * a journal.jsonl. Replay reads a path, so the input goes into one
 * memfd per process (no file is written anywhere) and replay opens it
 * through /proc/self/fd/N, which gives it a fresh offset every time.
 *
 * What it does not do: resume a sweep from the state (no trials run).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "scheduler/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int journal_fd = -1;
static char journal_path[64];

static int write_all(int fd, const uint8_t *p, size_t n) {
  size_t off = 0;
  while (off < n) {
    ssize_t w = pwrite(fd, p + off, n - off, (off_t)off);
    if (w <= 0) return -1;
    off += (size_t)w;
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (journal_fd < 0) {
    journal_fd = memfd_create("fuzz_journal", MFD_CLOEXEC);
    if (journal_fd < 0) abort();
    snprintf(journal_path, sizeof journal_path, "/proc/self/fd/%d", journal_fd);
  }
  if (ftruncate(journal_fd, 0) != 0 || write_all(journal_fd, data, size) != 0) abort();
  es_journal_state st;
  char err[1024];
  err[0] = '\0';
  int rc = es_journal_replay(journal_path, &st, err, sizeof err);
  if (rc != 0 && err[0] == '\0') abort(); /* every error names its line */
  es_journal_state_free(&st);
  return 0;
}
