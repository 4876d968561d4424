/*
 * measure.h - `ecosweep measure`: meter one command, like `perf stat`.
 *
 * What it does not do: run trials or write an output directory.
 */
#ifndef ES_MEASURE_H
#define ES_MEASURE_H

/* Run argv[0..] under the meter named meter ("auto" when NULL), print the
 * figures (JSON on stdout with json, else a table on stderr) and return the
 * command's exit status (127: it could not start; 128+N: killed by signal
 * N), or 2 for a bad meter. */
int es_measure_run(char *const *argv, const char *meter, int json);

#endif
