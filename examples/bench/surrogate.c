/*
 * surrogate.c - the search benchmark's surrogate training run (see
 * surrogate.h for the interface). It imitates training a small
 * convolutional network on a CIFAR-10-like task (10 classes, 32x32 colour
 * images, 50,000 training and 10,000 validation images) on one
 * accelerator, epoch by epoch. It is a model of our own design, fixed
 * before any search strategy was run on it; its constants were chosen for
 * plausibility, never to favour a method.
 *
 * Parameters: lr (log 1e-4..1), width (channels, int log 16..512), depth
 * (convolution blocks, int 1..8), batch (int log 16..1024), dropout
 * (0..0.5), weight_decay (log 1e-6..1e-2), optimizer (sgd, momentum,
 * adam), precision (fp32, bf16, int8). Epochs 1..81.
 *
 * Accuracy after epoch e:
 *
 *   acc(e) = a_inf - (a_inf - a_0) * (1 + e/tau)^-1.5
 *                  - overfit * (1 - exp(-e/tau_over)) + noise
 *
 * a_0 = 0.1 (chance). A power-law approach to a plateau a_inf, at a speed
 * set by tau, minus a slow loss to overfitting. Curves cross because the
 * things that raise the plateau slow the approach:
 *  - capacity C = log2(width) + 1.5 log2(depth) (4..13.5) raises the
 *    plateau, 0.40 + 0.55 (1 - exp(-(C - 2)/3.5)) (0.64..0.93), and
 *    multiplies tau by 1 + 0.12 (C - 4): small nets learn fast, stop low;
 *  - the optimizer: adam is fast (tau x0.55) but generalises worse
 *    (-0.012), plain sgd slow (tau x1.5, and x(1 + 0.16 (depth - 1))
 *    instead of x(1 + 0.08 (depth - 1)) for deep nets), -0.004; momentum
 *    is the reference;
 *  - the learning rate, as d = log10(lr / lr_opt) with lr_opt = 0.3
 *    (sgd), 0.05 (momentum), 1e-3 (adam) at batch 128, scaled by
 *    batch/128 (sgd, momentum; sqrt of it for adam) and divided by
 *    1 + 0.15 (depth - 1). Too small (d < 0): tau x 10^(-0.8 d), slow
 *    learning. Too large (d > 0): faster, tau x 10^(-0.35 d), but a lower
 *    plateau (-0.05 d^2), and beyond d ~ 1.25 training diverges (a
 *    logistic switch, width 0.08 decades, to a plateau at chance);
 *  - batch above 256 costs generalisation (-0.012 per doubling) and slows
 *    per-epoch progress (tau x ((1 + b/512)/(1 + 128/512))^0.8);
 *  - dropout slows learning (tau x (1 + 1.2 dropout)), costs small nets
 *    accuracy (-0.05 dropout max(0, 1 - (C - 4)/8)) and damps overfitting;
 *  - overfitting: 0.012 max(0, C - 7.5) exp(-3 dropout) / (1 + wd/2e-4),
 *    setting in with tau_over = 8 tau; weight decay above 1e-3 costs
 *    0.03 log10(wd/1e-3)^2 (twice that with adam, which couples it);
 *  - precision: bf16 -0.003; int8 -0.015 and -0.005 per halving of width
 *    below 64, and tau x1.15.
 * Noise, deterministic: a hash of the parameters' bits (splitmix64 mixing)
 * seeds Gaussian draws (Box-Muller) - a per-configuration "initial seed"
 * offset of the plateau (sd 0.004) and a per-epoch validation noise (sd
 * 0.0035, about the sampling error of 10,000 images). Accuracy is clamped
 * to [0, 1].
 *
 * Joules of an epoch: the training pass (50,000 images, 3x the forward
 * FLOPs) plus the validation pass (10,000 images, forward only), where a
 * forward pass of an image costs 2 x (27 w 1024 + depth 9 w^2 256 + 10 w)
 * FLOPs (a 3x3 stem at 32x32, depth 3x3 blocks at 16x16, a linear head).
 * Efficiency at full utilisation: 40 GFLOP/J in fp32, 100 in bf16, 160 in
 * int8; utilisation b w / (b w + 8192) (small batches of narrow layers
 * leave the accelerator idle); plus 0.04 J per training step (launches,
 * optimizer update, host synchronisation) and 20 J per epoch (data
 * pipeline, bookkeeping). Epoch 1 also pays 150 J of start-up (process,
 * data set load, first-step compilation). Each epoch's joules are
 * multiplied by exp(0.03 z), z a deterministic Gaussian draw. Full
 * training (81 epochs) ranges from about 2 kJ (narrow, shallow, large
 * batch) to about 6 MJ (width 512, depth 8, fp32; median about 54 kJ).
 */
#include "surrogate.h"

#include <math.h>
#include <string.h>

const char *const sg_optimizer_names[SG_N_OPTIMIZERS] = {"sgd", "momentum", "adam"};
const char *const sg_precision_names[SG_N_PRECISIONS] = {"fp32", "bf16", "int8"};

/* Accuracy */
#define A_CHANCE 0.1
#define TAU_BASE 2.0
#define SEED_SD 0.004
#define EVAL_SD 0.0035
/* Joules */
#define TRAIN_IMAGES 50000.0
#define VAL_IMAGES 10000.0
#define FLOP_PER_J_FP32 40e9
#define UTIL_HALF 8192.0
#define STEP_J 0.04
#define EPOCH_FIXED_J 20.0
#define START_J 150.0
#define JOULES_SD 0.03

/* Noise streams: each draw is keyed by (configuration, epoch, stream). */
enum { NOISE_SEED, NOISE_EPOCH }; /* NOISE_EPOCH: (validation, joules) */

int sg_optimizer_parse(const char *name) {
  for (int i = 0; name && i < SG_N_OPTIMIZERS; i++)
    if (strcmp(name, sg_optimizer_names[i]) == 0) return i;
  return -1;
}

int sg_precision_parse(const char *name) {
  for (int i = 0; name && i < SG_N_PRECISIONS; i++)
    if (strcmp(name, sg_precision_names[i]) == 0) return i;
  return -1;
}

static uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static uint64_t mix_double(uint64_t h, double v) {
  uint64_t bits;
  if (v == 0.0) v = 0.0; /* -0.0 and 0.0 are the same configuration */
  memcpy(&bits, &v, sizeof bits);
  return mix64(h ^ bits);
}

/* Two independent standard normal draws (Box-Muller), a pure function of
 * (hash, epoch, stream). */
static void gauss2(uint64_t hash, long epoch, int stream, double *z0, double *z1) {
  uint64_t a = mix64(hash ^ mix64((uint64_t)epoch * 4 + (uint64_t)stream));
  uint64_t b = mix64(a);
  double u1 = ((double)(a >> 11) + 0.5) * 0x1.0p-53; /* (0, 1) */
  double u2 = (double)(b >> 11) * 0x1.0p-53;
  double r = sqrt(-2.0 * log(u1));
  *z0 = r * cos(2.0 * M_PI * u2);
  if (z1) *z1 = r * sin(2.0 * M_PI * u2);
}

static double clampd(double x, double lo, double hi) {
  if (!(x >= lo)) return lo; /* NaN too */
  return x > hi ? hi : x;
}

static long clampl(long x, long lo, long hi) { return x < lo ? lo : x > hi ? hi : x; }

void sg_model_init(sg_model *m, const sg_params *in) {
  sg_params p = *in;
  p.lr = clampd(p.lr, SG_LR_LOW, SG_LR_HIGH);
  p.width = clampl(p.width, SG_WIDTH_LOW, SG_WIDTH_HIGH);
  p.depth = clampl(p.depth, SG_DEPTH_LOW, SG_DEPTH_HIGH);
  p.batch = clampl(p.batch, SG_BATCH_LOW, SG_BATCH_HIGH);
  p.dropout = clampd(p.dropout, SG_DROPOUT_LOW, SG_DROPOUT_HIGH);
  p.weight_decay = clampd(p.weight_decay, SG_WD_LOW, SG_WD_HIGH);
  if (p.optimizer < 0 || p.optimizer >= SG_N_OPTIMIZERS) p.optimizer = 0;
  if (p.precision < 0 || p.precision >= SG_N_PRECISIONS) p.precision = 0;

  uint64_t h = 0x5eed5eed5eed5eedull;
  h = mix_double(h, p.lr);
  h = mix64(h ^ (uint64_t)p.width);
  h = mix64(h ^ (uint64_t)p.depth);
  h = mix64(h ^ (uint64_t)p.batch);
  h = mix_double(h, p.dropout);
  h = mix_double(h, p.weight_decay);
  h = mix64(h ^ (uint64_t)p.optimizer);
  h = mix64(h ^ (uint64_t)p.precision);
  m->hash = h;

  double w = (double)p.width, depth = (double)p.depth, b = (double)p.batch;
  double cap = log2(w) + 1.5 * log2(depth);
  double a = 0.40 + 0.55 * (1.0 - exp(-(cap - 2.0) / 3.5));
  double tau = TAU_BASE * (1.0 + 0.12 * (cap - 4.0));

  /* optimizer */
  static const double opt_tau[] = {1.5, 1.0, 0.55};
  static const double opt_pen[] = {0.004, 0.0, 0.012};
  static const double opt_lr[] = {0.3, 0.05, 1e-3};
  a -= opt_pen[p.optimizer];
  tau *= opt_tau[p.optimizer] * (1.0 + (p.optimizer == SG_SGD ? 0.16 : 0.08) * (depth - 1.0));

  /* learning rate */
  double lr_opt = opt_lr[p.optimizer] * (p.optimizer == SG_ADAM ? sqrt(b / 128.0) : b / 128.0);
  lr_opt /= 1.0 + 0.15 * (depth - 1.0);
  double d = log10(p.lr / lr_opt);
  if (d < 0) {
    tau *= pow(10.0, -0.8 * d);
  } else {
    tau *= pow(10.0, -0.35 * d);
    a -= 0.05 * d * d;
  }

  /* batch */
  if (b > 256.0) a -= 0.012 * log2(b / 256.0);
  tau *= pow((1.0 + b / 512.0) / (1.0 + 128.0 / 512.0), 0.8);

  /* dropout, weight decay, overfitting */
  tau *= 1.0 + 1.2 * p.dropout;
  a -= 0.05 * p.dropout * fmax(0.0, 1.0 - (cap - 4.0) / 8.0);
  double wd_excess = log10(p.weight_decay / 1e-3);
  if (wd_excess > 0) a -= (p.optimizer == SG_ADAM ? 0.06 : 0.03) * wd_excess * wd_excess;
  m->overfit = 0.012 * fmax(0.0, cap - 7.5) * exp(-3.0 * p.dropout) / (1.0 + p.weight_decay / 2e-4);

  /* precision */
  if (p.precision == SG_BF16) a -= 0.003;
  if (p.precision == SG_INT8) {
    a -= 0.015 + 0.005 * fmax(0.0, log2(64.0 / w));
    tau *= 1.15;
  }

  /* the initial seed's luck, then divergence */
  double z_seed;
  gauss2(h, 0, NOISE_SEED, &z_seed, NULL);
  a += SEED_SD * z_seed;
  double diverged = 1.0 / (1.0 + exp(-(d - 1.25) / 0.08));
  a = a * (1.0 - diverged) + A_CHANCE * diverged;

  m->a_inf = a;
  m->a_0 = A_CHANCE;
  m->tau = tau;
  m->tau_over = 8.0 * tau;
  m->overfit *= 1.0 - diverged;

  /* joules */
  static const double prec_eff[] = {1.0, 2.5, 4.0};
  double fwd_flop = 2.0 * (27.0 * w * 1024.0 + depth * 9.0 * w * w * 256.0 + 10.0 * w);
  double flop = TRAIN_IMAGES * 3.0 * fwd_flop + VAL_IMAGES * fwd_flop;
  double util = b * w / (b * w + UTIL_HALF);
  m->epoch_j = flop / (FLOP_PER_J_FP32 * prec_eff[p.precision] * util) + STEP_J * ceil(TRAIN_IMAGES / b) +
               EPOCH_FIXED_J;
  m->start_j = START_J;
}

/* Epoch e's accuracy and joules together: one noise pair serves both. */
static void epoch_values(const sg_model *m, long e, double *acc, double *joules) {
  double x = (double)e, y = 1.0 + x / m->tau, z_eval, z_j;
  gauss2(m->hash, e, NOISE_EPOCH, &z_eval, &z_j);
  if (acc) {
    double a = m->a_inf - (m->a_inf - m->a_0) / (y * sqrt(y)); /* y^-1.5 */
    if (m->overfit > 0) a -= m->overfit * (1.0 - exp(-x / m->tau_over));
    *acc = clampd(a + EVAL_SD * z_eval, 0.0, 1.0);
  }
  if (joules) *joules = m->epoch_j * exp(JOULES_SD * z_j) + (e == 1 ? m->start_j : 0.0);
}

double sg_model_accuracy(const sg_model *m, long e) {
  double acc;
  epoch_values(m, e, &acc, NULL);
  return acc;
}

double sg_model_epoch_joules(const sg_model *m, long e) {
  double j;
  epoch_values(m, e, NULL, &j);
  return j;
}

void sg_curve(const sg_params *p, long epochs, double *acc, double *cum_j) {
  sg_model m;
  double sum = 0.0;
  sg_model_init(&m, p);
  for (long e = 1; e <= epochs; e++) {
    double a, j;
    epoch_values(&m, e, &a, &j);
    if (acc) acc[e - 1] = a;
    sum += j;
    if (cum_j) cum_j[e - 1] = sum;
  }
}

int sg_curve_flat(double lr, long width, long depth, long batch, double dropout, double weight_decay,
                  int optimizer, int precision, long epochs, double *acc, double *cum_j) {
  sg_params p = {lr, width, depth, batch, dropout, weight_decay, optimizer, precision};
  if (epochs < 1) return -1;
  sg_curve(&p, epochs, acc, cum_j);
  return 0;
}
