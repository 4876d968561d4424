/*
 * hypervolume.h - hypervolume indicator of a point set in any number of
 * objectives: exact for 3 (and, through pareto.h, 2), exact with the WFG
 * algorithm for 4 or more up to a size the caller chooses, and a Monte
 * Carlo estimate with its standard error beyond that size.
 *
 * Minimisation form, as in pareto.h: point i, objective j at obj[i*k + j],
 * smaller is better, and the volume is bounded by the reference point ref.
 * A point not strictly better than ref in every objective adds nothing.
 *
 * It deliberately does not choose the reference point (the output layer
 * does, see DESIGN.md §3), orient "max" goals (es_pareto_orient), treat
 * non-finite objective values (callers drop those trials), or do I/O.
 */
#ifndef ES_HYPERVOLUME_H
#define ES_HYPERVOLUME_H

#include <stddef.h>

/* Recommended exact_limit for es_hypervolume. With at most 64
 * non-dominated points WFG is never slower than the Monte Carlo estimate
 * (about 20-350 ms) for up to 8 objectives on the fronts measured in
 * hypervolume.c, and takes under 4 ms for 4 to 6. Callers that know k is 4
 * or 5 can afford several hundred points exactly. */
#define ES_HV_EXACT_LIMIT 64

/* Monte Carlo estimate: samples are drawn in batches of ES_HV_MC_BATCH,
 * at least ES_HV_MC_MIN_SAMPLES and at most ES_HV_MC_MAX_SAMPLES, stopping
 * as soon as the relative standard error se/hv falls below
 * ES_HV_MC_REL_SE. */
#define ES_HV_MC_BATCH 10000
#define ES_HV_MC_MIN_SAMPLES 20000
#define ES_HV_MC_MAX_SAMPLES 1000000
#define ES_HV_MC_REL_SE 1e-3

/* Exact hypervolume of n points in 3 objectives, in O(n log n). Returns
 * the volume (0 for none), or a negative value on allocation failure. */
double es_hypervolume_3d(const double *obj, size_t n, const double *ref);

/* Hypervolume of n points in k >= 1 objectives, into *hv. k = 1, 2, 3 are
 * always exact. For k >= 4 the result is exact (WFG) when the number of
 * non-dominated points strictly inside ref is at most exact_limit, and
 * otherwise a Monte Carlo estimate drawn from a Mersenne Twister seeded
 * with seed (same inputs and seed, same estimate). *se receives the
 * estimate's standard error, 0 for an exact result; se may be NULL.
 * Returns 0, -EINVAL (k = 0, a NULL pointer where data is needed, or a
 * non-finite reference), or -ENOMEM. */
int es_hypervolume(const double *obj, size_t n, size_t k, const double *ref, size_t exact_limit,
                   unsigned long seed, double *hv, double *se);

#endif
