/*
 * helpers.h - what several unit tests share (include after cmocka.h):
 * a floating-point assertion (cmocka 1.1 has none) and the removal of a
 * fixture tree.
 */
#ifndef ES_TEST_HELPERS_H
#define ES_TEST_HELPERS_H

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>

#define assert_near(a, b, tol)                                                                     \
  do {                                                                                             \
    double a_ = (a), b_ = (b);                                                                     \
    if (!(fabs(a_ - b_) <= (tol))) fail_msg("%s = %.17g, expected %.17g", #a, a_, b_);             \
  } while (0)

static inline int es_test_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  chmod(path, 0700); /* so a chmod 000 left behind cannot block the cleanup */
  return remove(path);
}

/* Remove the fixture tree at path (depth first). 0 or -1. */
static inline int es_test_rm_tree(const char *path) {
  return nftw(path, es_test_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
