/*
 * command.h - the trial command template (DESIGN.md §4): check and expand.
 *
 * A template is an argv list. Inside any element, "{name}" is replaced by
 * the value of parameter name (es_param_value_text: numbers shortest
 * round-trip, ints as ints, categorical strings verbatim), and "{trial_id}",
 * "{trial_dir}" and "{max_resource}" by the trial's id, directory and
 * resource limit. "{{" and "}}" stand for literal braces. An unknown
 * placeholder or an unmatched brace is a spec error naming "command[i]".
 *
 * What it does not do: run anything or involve a shell. Expanded values go
 * into argv verbatim, so "$(touch x)" stays eight plain characters.
 */
#ifndef ES_COMMAND_H
#define ES_COMMAND_H

#include <stddef.h>

#include "../strategies/space.h"

/* Check every placeholder of argv (NULL-terminated) against space.
 * 0, or -EINVAL with one line in err: "<file>: command[i]: <what>"
 * (without "<file>: " when file is NULL). */
int es_command_check(const char *file, char *const *argv, const es_space *space, char *err, size_t err_len);

/* The argv for one trial: a malloc'd, NULL-terminated array of malloc'd
 * strings (free with es_argv_free). point holds one value per parameter of
 * space (space.h layout); max_resource prints via es_fmt_number (81 ->
 * "81"). NULL on error (bad template, trial_dir NULL but used, or out of
 * memory) with one line in err. */
char **es_command_expand(char *const *argv, const es_space *space, const double *point, long trial_id,
                         const char *trial_dir, double max_resource, char *err, size_t err_len);

/* Free an argv from es_command_expand (NULL is fine). */
void es_argv_free(char **argv);

#endif
