/*
 * fuzz_spec.c - libFuzzer target for es_spec_parse(): the input is the
 * spec text, taken as is (no NUL terminator, embedded NULs allowed).
 *
 * It checks that the parser never reads past len, never crashes and frees
 * everything on every path (LeakSanitizer reports a leak as a finding).
 * What it does not do: es_spec_load() (file I/O adds nothing to fuzz), or
 * any check of the parsed values beyond a few invariants that must hold.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* An exact-size heap copy, so ASan sees any read past len. */
  char *text = malloc(size ? size : 1);
  if (!text) return 0;
  if (size) memcpy(text, data, size);
  es_spec spec;
  char err[512];
  int rc = es_spec_parse("fuzz/spec.json", text, size, &spec, err, sizeof err);
  if (rc == 0) {
    /* Invariants the rest of ecosweep relies on. */
    if (!spec.command || spec.command[spec.command_len] != NULL) abort();
    if (!spec.workdir || !spec.output || !spec.name) abort();
    if (strlen(spec.hash) != 16) abort();
    es_spec_free(&spec);
  } else if (err[0] == '\0') {
    abort(); /* every error leaves a message */
  }
  free(text);
  return 0;
}
