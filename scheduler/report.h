/*
 * report.h - the sweep's report: report.html (DESIGN.md §6) and, for CI
 * job summaries, the same totals and front as GitHub-flavoured markdown.
 *
 * Both are computed from what the other outputs are computed from (the
 * spec, the record set, its front and the sweep's totals), so the page a
 * sweep leaves and the one `ecosweep report` rebuilds from the journal are
 * the same bytes. The page is self-contained: inline SVG and CSS, no
 * script, nothing fetched; it opens from a file.
 *
 * Layout contract (tests/integration/check_report.py recomputes it on its
 * own and checks a headless browser's pixels against it):
 *   - Each plot is an <svg class="plot"> of fixed size in CSS px, with a
 *     4x4 px registration mark of colour ES_REPORT_REG_COLOR at (0, 0) and
 *     at (W-4, H-4), so a screenshot reveals where the SVG landed.
 *   - Planes (ES_REPORT_PLANE_W x _H, plot area at _X0, _Y0 of _PW x _PH):
 *     1 objective: that metric (y) against energy_j (x); 2 objectives: one
 *     plane, energy_j on x when it is an objective, else the first
 *     objective on x, with the front joined by its staircase; 3 or more:
 *     one plane per pair (i < j) in objective order, energy_j on x when it
 *     is one of the pair, else objective i on x; front marks not joined.
 *   - Plotted on a plane: completed and stopped trials with a finite value
 *     on both axes. An energy_j axis is log10 when every plotted value is
 *     > 0, else linear; any other axis is linear.
 *   - Axis range: lo, hi of the plotted values (their log10 on a log
 *     axis); pad = 5 % of hi - lo, or when that is 0: 0.5 on a log axis,
 *     else 10 % of |lo| (1 when lo is 0); the axis spans [lo-pad, hi+pad].
 *     No value plotted: [0, 1].
 *   - A value v maps to x = X0 + (v - a) / (b - a) * PW and
 *     y = Y0 + PH - (v - a) / (b - a) * PH; cx/cy are written with two
 *     decimals.
 *   - Marks: front trials ES_REPORT_FRONT_COLOR, radius 6, drawn last;
 *     the others ES_REPORT_OTHER_COLOR, radius 4; every mark carries
 *     data-trial="ID" and a <title> with its parameters.
 *   - Hypervolume (ES_REPORT_HV_W x _H, same plot area origin, _PW x
 *     ES_REPORT_HV_PH): x = joules spent by trials (linear), y = the
 *     hypervolume, same range rule over the history's points plus the
 *     joules spent by every ended trial; a step line and a point of radius
 *     3 at each history entry, ES_REPORT_HV_COLOR.
 *
 * What it does not do: compute the front (outputs.c) or read the journal.
 */
#ifndef ES_REPORT_H
#define ES_REPORT_H

#include <stdio.h>

#include "outputs.h"
#include "record.h"
#include "spec.h"

#define ES_REPORT_PLANE_W 720
#define ES_REPORT_PLANE_H 440
#define ES_REPORT_X0 80
#define ES_REPORT_Y0 20
#define ES_REPORT_PW 600
#define ES_REPORT_PH 360
#define ES_REPORT_HV_W 720
#define ES_REPORT_HV_H 300
#define ES_REPORT_HV_PH 220
#define ES_REPORT_REG_COLOR "#fdfffb"
#define ES_REPORT_FRONT_COLOR "#d62728"
#define ES_REPORT_OTHER_COLOR "#7f9ec4"
#define ES_REPORT_HV_COLOR "#2ca02c"

typedef enum {
  ES_REPORT_HTML, /* report.html */
  ES_REPORT_MD,   /* markdown: the totals and the front */
} es_report_format;

/* Write the report of a sweep whose front (es_front_compute over the same
 * spec and set) is f to out. 0, -ENOMEM, or -EIO when out failed. */
int es_report_write(FILE *out, es_report_format format, const es_spec *spec, const es_recordset *set, const es_front *f,
                    const es_totals *tot);

/* The `report` command's output: compute the front of set and write the
 * report to path through a temporary file renamed into place ("-":
 * stdout; a path that exists and is not a regular file is written in
 * place). 0, or a negative errno code with "<path>: <what>" in err. */
int es_report_save(const char *path, es_report_format format, const es_spec *spec, const es_recordset *set,
                   const es_totals *tot, char *err, size_t err_len);

#endif
