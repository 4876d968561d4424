/*
 * pareto.h - dominance, non-dominated sorting, crowding distance and
 * hypervolume on plain arrays.
 *
 * Every function works in *minimisation* form: objective values are stored
 * row-major (point i, objective j at obj[i*k + j]) and smaller is better.
 * Callers turn a "max" goal into minimisation by negating it
 * (es_pareto_orient()). Duplicated points do not dominate each other, so
 * all copies of a non-dominated point are on the front.
 *
 * Pure computation: no I/O.
 */
#ifndef ES_PARETO_H
#define ES_PARETO_H

#include <stddef.h>

/* 1 if a dominates b (no worse in every objective, better in one). */
int es_dominates(const double *a, const double *b, size_t k);

/* Copy n×k values from in to out, negating objective j where maximize[j]. */
void es_pareto_orient(const double *in, size_t n, size_t k, const int *maximize, double *out);

/* Indices (ascending) of the non-dominated points among n; returns their
 * count. out must hold n entries. */
size_t es_pareto_front(const double *obj, size_t n, size_t k, size_t *out);

/* Non-dominated sorting: rank[i] = 0 for the first front, 1 for the next...
 * 0, or -ENOMEM. */
int es_pareto_rank(const double *obj, size_t n, size_t k, int *rank);

/* Crowding distance of the m points idx[0..m-1] (one front) into dist[0..m-1]
 * (NSGA-II: boundary points get INFINITY). */
void es_crowding_distance(const double *obj, size_t k, const size_t *idx, size_t m, double *dist);

/* Exact hypervolume dominated by n points (minimisation) and bounded by
 * ref, for k = 2, in O(n log n). Points not strictly better than ref in
 * every objective add nothing. Returns the volume (0 for none), or a
 * negative value on allocation failure. */
double es_hypervolume_2d(const double *obj, size_t n, const double *ref);

#endif
