/*
 * journal.h - journal.jsonl: the append-only event log (DESIGN.md §6).
 *
 * Writing: one JSON object per line. Events are buffered and written by
 * es_journal_flush(), which the sweep calls once per loop turn (group
 * commit): one write(2) on an O_APPEND descriptor for all the events of a
 * turn, so a crash leaves at most one torn last line and loses at most the
 * events of the turn in progress. Durability policy: flushed events reach
 * the kernel at once (they survive a crash of ecosweep, kill -9
 * included), and es_journal_sync() makes them durable with fdatasync; the
 * sweep calls it at most once a second while there is something new
 * (Redis's "everysec") and when it closes the journal, so a power loss
 * loses at most about a second of events. An fdatasync per event or per
 * trial end would cost more than dispatching a short trial.
 *
 * Reading: es_journal_replay() rebuilds the trial records from the events;
 * a torn last line is tolerated and counted; any other bad line is an
 * error naming the line.
 */
#ifndef ES_JOURNAL_H
#define ES_JOURNAL_H

#include <cjson/cJSON.h>

#include "record.h"
#include "spec.h"

typedef struct {
  int fd;
  char *path;
  char *buf;      /* events not yet written */
  size_t len, cap;
  int unsynced;   /* written since the last fdatasync */
} es_journal;

/* Open (create) path for appending. 0 or -errno. */
int es_journal_open(es_journal *j, const char *path);
/* Queue obj (an object with "event") as one line; obj is not freed.
 * 0 or -ENOMEM. */
int es_journal_append(es_journal *j, const cJSON *obj);
/* Write every queued line. 0 or -errno (the lines stay queued). */
int es_journal_flush(es_journal *j);
/* fdatasync what was written, if anything. 0 or -errno. */
int es_journal_sync(es_journal *j);
/* Flush, sync, then close. */
int es_journal_close(es_journal *j);

/* A report that reached a rung, as resume replays it into the rungs. */
typedef struct {
  long id;
  double rung;      /* the rung level decided at that report */
  double *obj;      /* the objectives at that report, minimisation form (k values) */
  long ends_before; /* "end" events before it: where it falls among the ends */
  long line;        /* its line in the journal */
} es_rung_event;

/* What a journal holds. */
typedef struct es_journal_state {
  int has_sweep;         /* a "sweep" event was found */
  es_spec spec;          /* rebuilt from the sweep event's embedded spec */
  char *spec_hash;       /* as recorded */
  unsigned long seed;
  es_recordset records;
  long next_id;          /* max trial id + 1 */
  long n_ends;
  int torn_tail;         /* the last line was incomplete and skipped */
  long long valid_bytes; /* length of the journal up to its last complete line */
  int finished;          /* a "finish" event was found */
  char *workdir;         /* where the trials ran (from the sweep event) */
  es_rung_event *rungs;  /* every rung decision, in journal order */
  size_t n_rungs;
  long *pgids;           /* per record (same index): the process group of its last start */
  long *start_line;      /* per record: the line of its first start (when its point was drawn) */
  long *end_line;        /* per record: the line of its last end (0: none) */
  long line;             /* the line being replayed */
  double overhead_j, ecosweep_j, total_j, wall_s; /* from the last "finish" */
  double other_j, idle_j, gpu_idle_j; /* from the last "finish", when a host meter measured them */
  int metered;           /* that "finish" carried other_j (es_totals.metered) */
  double wall_spent;     /* seconds the sweep ran, summed over its runs (budget.wall_s) */
  double seg_start, seg_last; /* the current run's first and last event times */
} es_journal_state;

/* Replay path into st (zeroed by the call). 0, or -errno / -EINVAL with a
 * one-line message ("DIR/journal.jsonl:12: not JSON") in err. */
int es_journal_replay(const char *path, es_journal_state *st, char *err, size_t err_len);
void es_journal_state_free(es_journal_state *st);

/* JSON numbers as the shortest text that reads back as the same double
 * (DESIGN §6). cJSON's own printer keeps 15 digits whenever they come back
 * within a relative epsilon, so 0.1 + 0.2 would come back as 0.3: every
 * number ecosweep writes goes through these instead. Non-finite values
 * are written as null. */
cJSON *es_json_number(double v);
cJSON *es_json_add_number(cJSON *obj, const char *key, double v);

/* Helpers shared with the live sweep: the JSON of a point's parameters,
 * and the reverse (0, or -EINVAL naming the parameter in err). */
cJSON *es_params_to_json(const es_space *space, const double *point);
int es_params_from_json(const es_space *space, const cJSON *obj, double *point, char *err, size_t err_len);

#endif
