/*
 * surrogate.h - the search benchmark's surrogate training run: for a
 * hyperparameter configuration and an epoch number, the validation
 * accuracy after that epoch and the joules that epoch costs. Pure
 * functions of their arguments (no state, no I/O), a few microseconds a
 * call, so a sweep of hundreds of trials runs in milliseconds and every
 * method compared on it sees exactly the same numbers.
 *
 * The model (what it imitates, its formulas and its constants) is
 * documented at the top of surrogate.c. The search space is fixed here;
 * examples/bench/surrogate.json and tests/bench/optuna_surrogate.py
 * declare the same ranges.
 */
#ifndef SURROGATE_H
#define SURROGATE_H

#include <stdint.h>

/* The search space (every bound inclusive). */
#define SG_LR_LOW 1e-4        /* float, log */
#define SG_LR_HIGH 1.0
#define SG_WIDTH_LOW 16       /* int, log: channels per convolution */
#define SG_WIDTH_HIGH 512
#define SG_DEPTH_LOW 1        /* int: convolution blocks */
#define SG_DEPTH_HIGH 8
#define SG_BATCH_LOW 16       /* int, log: images per step */
#define SG_BATCH_HIGH 1024
#define SG_DROPOUT_LOW 0.0    /* float */
#define SG_DROPOUT_HIGH 0.5
#define SG_WD_LOW 1e-6        /* float, log: weight decay */
#define SG_WD_HIGH 1e-2
#define SG_MAX_EPOCHS 81      /* the resource: epochs 1..81 */

enum { SG_SGD, SG_MOMENTUM, SG_ADAM, SG_N_OPTIMIZERS };  /* categorical "optimizer" */
enum { SG_FP32, SG_BF16, SG_INT8, SG_N_PRECISIONS };     /* categorical "precision" */

extern const char *const sg_optimizer_names[SG_N_OPTIMIZERS];  /* "sgd", "momentum", "adam" */
extern const char *const sg_precision_names[SG_N_PRECISIONS];  /* "fp32", "bf16", "int8" */

typedef struct {
  double lr;
  long width, depth, batch;
  double dropout, weight_decay;
  int optimizer; /* SG_SGD.. */
  int precision; /* SG_FP32.. */
} sg_params;

/* A configuration's derived constants: computed once, then every epoch is
 * a handful of arithmetic operations. */
typedef struct {
  double a_inf;     /* accuracy the curve tends to, before overfitting */
  double a_0;       /* accuracy at epoch 0 (chance) */
  double tau;       /* epochs-scale of learning */
  double overfit;   /* accuracy lost to overfitting in the long run */
  double tau_over;  /* epochs-scale of overfitting */
  double epoch_j;   /* joules of one epoch (before noise) */
  double start_j;   /* one-off joules added to epoch 1 */
  uint64_t hash;    /* of the parameters: the noise's seed */
} sg_model;

/* The index of a categorical value by name, or -1. */
int sg_optimizer_parse(const char *name);
int sg_precision_parse(const char *name);

/* Derive the model of p. Values outside the space are clamped into it and
 * unknown categorical indices count as the first value, so every input
 * gives finite numbers. */
void sg_model_init(sg_model *m, const sg_params *p);

/* Validation accuracy after epoch e (e >= 1), in [0, 1]. */
double sg_model_accuracy(const sg_model *m, long e);

/* Joules of epoch e alone (e >= 1; epoch 1 includes start_j). */
double sg_model_epoch_joules(const sg_model *m, long e);

/* acc[i] and cum_j[i] for epochs 1..epochs (i = epoch - 1): the accuracy
 * after each epoch and the joules spent from the start through it. Either
 * array may be NULL. */
void sg_curve(const sg_params *p, long epochs, double *acc, double *cum_j);

/* sg_curve with the parameters as plain arguments, for foreign-function
 * callers (Python's ctypes). Returns 0, or -1 when epochs < 1. */
int sg_curve_flat(double lr, long width, long depth, long batch, double dropout, double weight_decay,
                  int optimizer, int precision, long epochs, double *acc, double *cum_j);

#endif
