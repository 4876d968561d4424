/*
 * sweep.h - run one sweep: the libuv loop that keeps workers.count trials
 * in flight, talks the trial protocol, meters, journals and writes outputs.
 *
 * What it does not do: parse the command line (main.c) or the spec
 * (spec.c); compute fronts (outputs.c, strategies/).
 */
#ifndef ES_SWEEP_H
#define ES_SWEEP_H

#include "spec.h"

struct es_journal_state;

typedef struct {
  const char *dir; /* output directory (absolute) */
  int quiet;       /* no progress lines */
  int force;       /* reuse the directory of another sweep */
  /* resume: the replayed journal of dir. Its records move into the sweep;
   * trials that had not ended are started again with the same ids. */
  struct es_journal_state *resume;
} es_run_options;

/* Run the sweep to its end. Returns the process exit status (DESIGN §2):
 * 0, 1, 130 or 143; 2 when the output directory cannot be used. Errors
 * are printed as one line "ecosweep: <where>: <what>". */
int es_sweep_run(es_spec *spec, const es_run_options *opt);

#endif
