/*
 * registry.c - find a type family's entry by name and list the names.
 *
 * What it does not do: own any table; the families do.
 */
#include "registry.h"

#include <stdio.h>
#include <string.h>

long es_registry_find(es_name_at_fn name_at, const char *name) {
  if (!name) return -1;
  const char *n;
  for (size_t i = 0; (n = name_at(i)); i++)
    if (strcmp(n, name) == 0) return (long)i;
  return -1;
}

void es_registry_names(es_name_at_fn name_at, char *buf, size_t len) {
  if (!buf || len == 0) return;
  buf[0] = '\0';
  size_t used = 0;
  const char *n;
  for (size_t i = 0; (n = name_at(i)); i++) {
    int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", n);
    if (w < 0 || (size_t)w >= len - used) return; /* cut short, still terminated */
    used += (size_t)w;
  }
}
