/*
 * halving_hyperband.c - the "hyperband" halving rule: asynchronous
 * Hyperband (Li et al., "Hyperband", JMLR 2018; brackets run as ASHA, as
 * in Li et al. 2020).
 *
 * It does: plan resource.brackets brackets s = s_max, s_max - 1, ...,
 * s_max - brackets + 1, where s_max + 1 is the number of rungs (the
 * paper's floor(log_eta(max/min)) when max/min is a power of eta; one more
 * when max is an extra rung above the last power). Bracket s starts at
 * rung s_max - s, i.e. at level r_s = min * eta^(s_max - s), and has the
 * paper's size n_s = ceil((s_max + 1) / (s + 1) * eta^s). With max 81,
 * eta 3 (min 1): s = 4..0, n = 81 34 15 8 5, r = 1 3 9 27 81.
 *
 * New trials go to brackets in proportion to n_s: the engine's
 * deterministic smooth weighted round robin gives each round of
 * sum(n_s) trials exactly n_s to bracket s, spread evenly (every prefix is
 * within one trial of the exact shares). Within a bracket, decisions are
 * asha's.
 *
 * It deliberately does not: run brackets one after another (synchronous
 * Hyperband waits for whole brackets, which idles workers), or draw
 * brackets at random (a resumed sweep must replay the same assignment).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "halving.h"

/* Far below where n_s * round position could overflow 64 bits. */
#define HB_MAX_TRIALS 2147483648.0

static int hyperband_plan(const es_halving_config *cfg, size_t rungs, size_t *weights, char *err,
                          size_t err_len) {
  const size_t s_max = rungs - 1;
  if (cfg->brackets < 1 || cfg->brackets > rungs) {
    if (err && err_len)
      snprintf(err, err_len,
               "resource.brackets: hyperband runs 1 to %zu brackets on the %zu rungs of min %g, max %g, "
               "eta %g (got %u)",
               rungs, rungs, cfg->min, cfg->max, cfg->eta, cfg->brackets);
    return -EINVAL;
  }
  double total = 0;
  for (size_t b = 0; b < cfg->brackets; b++) {
    size_t s = s_max - b;
    /* Numerator first: (s_max+1)*eta^s is exact for integer eta, so a
     * quotient that is an integer on paper stays one (5*9/3 = 15). */
    double x = (double)(s_max + 1) * pow(cfg->eta, (double)s) / (double)(s + 1);
    double n = ceil(x - x * 1e-12);
    total += n;
    if (total > HB_MAX_TRIALS) {
      if (err && err_len)
        snprintf(err, err_len,
                 "resource: hyperband's brackets would start more than %.0f trials per round (bracket "
                 "s=%zu alone %.3g; eta %g, %zu rungs); use fewer rungs or brackets",
                 HB_MAX_TRIALS, s, n, cfg->eta, rungs);
      return -EINVAL;
    }
    weights[b] = (size_t)n;
  }
  return (int)cfg->brackets;
}

const es_halving_type es_halving_hyperband = {"hyperband", 1, 0, hyperband_plan};
