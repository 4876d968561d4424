/*
 * exec.h - `ecosweep exec -- CMD [ARG...]`: the node side of the Slurm
 * launcher. srun starts it on a compute node with the trial's environment
 * (ECOSWEEP_TRIAL_ID, _PARAMS, _MAX_RESOURCE, _TRIAL_DIR, and
 * ECOSWEEP_CONNECT=host:port, ECOSWEEP_TOKEN=32 hex digits); it dials the
 * scheduler, runs the trial locally the way the local launcher does (fd 3,
 * its own session), meters it on this node and relays its reports.
 *
 * The wire protocol (one TCP connection, newline-terminated lines):
 *
 *   exec -> scheduler, first:
 *     {"hello":"<TOKEN>","trial":<ID>,"node":"<hostname>",
 *      "job":"<SLURM_JOB_ID>[.<SLURM_STEP_ID>]","meter":"<label>","estimate":<bool>}
 *     ("job" only when SLURM_JOB_ID is set; "meter" is the node's meter
 *     choice, es_meter_choice_label: "rapl", "estimate+nvml", ...)
 *   exec -> scheduler, per line the trial writes on its fd 3:
 *     a line that is a JSON object (at most ES_REPORT_MAX bytes): the
 *       trial's text, its trailing whitespace and '\r' removed, with
 *       ,"node":{"energy_j":J,"cpu_s":C} spliced in before its final '}'
 *       (no comma for an empty object); the trial's own members keep
 *       their exact text. exec's member is always the object's LAST member
 *       and the last occurrence of the text "node":{ in the line, so
 *       cutting the line there (and the comma before it) and adding '}'
 *       gives back the trial's line, at most ES_REPORT_MAX long; the whole
 *       relayed line is at most ES_EXEC_LINE_MAX. A line with two "node" members means the trial
 *       wrote one itself. J: the trial's joules on this node so far, C: its
 *       CPU-seconds so far.
 *     anything else (not JSON, not an object): the trial's bytes unchanged.
 *     a line longer than ES_REPORT_MAX: its first ES_REPORT_MAX + 1 bytes
 *       and a newline; nothing the trial writes after it is relayed.
 *   scheduler -> exec: any bytes (the replies "continue" / "stop", one line
 *     per report) go to the trial's fd 3 unchanged.
 *   exec -> scheduler, last, once the trial has exited:
 *     {"exit":{"status":N,"signal":S,"energy_j":J,"cpu_s":C,"wall_s":W}}
 *     (the only object exec sends without a "node" member, so a trial
 *     that writes {"exit": ...} itself cannot pass for it), then exec
 *     closes the connection. N: exit code (0 when killed),
 *     S: the signal that ended it (0 when it exited); N is 127 when the
 *     command could not be started (one line on stderr says why).
 *   The scheduler keeps the connection open until it has read the exit
 *   line: end-of-file or an error before that is a lost connection.
 *
 * Exit status of exec: the trial's (128+N when killed by signal N, 127 when
 * it could not start); 255 when the scheduler could not be reached within
 * 10 s (the trial is not started) or the connection was lost while it ran
 * (the trial's group gets SIGTERM, then SIGKILL after the grace period);
 * 2 for bad usage (no command, a missing or malformed ECOSWEEP_ variable).
 * SIGTERM/SIGINT to exec: SIGTERM to the trial's process group, SIGKILL
 * ECOSWEEP_GRACE_S (default 10) seconds later; a second signal: SIGKILL.
 *
 * What it does not do: decide anything about the trial (the scheduler
 * answers reports, classifies lines and ends trials through srun's
 * signals), or read the spec: the node meters with its defaults ("auto",
 * the estimate's built-in watts).
 */
#ifndef ES_EXEC_H
#define ES_EXEC_H

#include "../workers/protocol.h"

/* The longest line exec sends: a trial's report plus exec's node member. */
#define ES_EXEC_LINE_MAX (ES_REPORT_MAX + 128)

/* Run argv[0..] as the trial (see above); returns exec's exit status. */
int es_exec_run(char *const *argv);

#endif
