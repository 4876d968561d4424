/*
 * registry.h - name lookup for the type families (samplers, halving
 * rules, selections, meters).
 *
 * Each family keeps a NULL-terminated table of const descriptors and
 * gives these helpers one small function that returns the name of entry
 * i (NULL past the end); the helpers do the search and the "valid names"
 * list that error messages quote.
 *
 * Pure computation: no I/O.
 */
#ifndef ES_REGISTRY_H
#define ES_REGISTRY_H

#include <stddef.h>

typedef const char *(*es_name_at_fn)(size_t i);

/* Index of the entry called name, or -1. */
long es_registry_find(es_name_at_fn name_at, const char *name);
/* "a, b, c" into buf (always NUL-terminated; cut short if it does not fit). */
void es_registry_names(es_name_at_fn name_at, char *buf, size_t len);

#endif
