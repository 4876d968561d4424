/*
 * digits_trial.c - an ecosweep trial that trains a small neural network on
 * handwritten digits, so that a sweep has real accuracy and real joules to
 * trade against each other.
 *
 * The model is a multilayer perceptron with one hidden layer (ReLU or tanh)
 * and a softmax output, trained with cross-entropy by minibatch SGD with L2
 * weight decay. Parameters (ECOSWEEP_PARAMS through ecosweep_trial.h, with
 * defaults so it also runs standalone):
 *   lr (0.1), width (64 hidden units), batch (32), l2 (1e-4),
 *   precision ("float" or "double": the arithmetic's type),
 *   activation ("relu" or "tanh"), seed (1: initial weights, batch order).
 * The resource is epochs: for epoch 1..ECOSWEEP_MAX_RESOURCE it trains one
 * epoch and reports {"accuracy": validation accuracy, "loss": mean training
 * cross-entropy of the epoch}; told stop, it exits 0 at once. Standalone,
 * --epochs N (27) sets the number of epochs.
 *
 * Data: the UCI "Optical Recognition of Handwritten Digits" test set, 1,797
 * 8x8 images with pixel counts 0..16 and a label, one CSV row each
 * (E. Alpaydin and C. Kaynak, UCI Machine Learning Repository, CC BY 4.0).
 * Path: $DIGITS_CSV, else --data PATH, else examples/data/digits.csv. The
 * train/validation split (80/20) comes from a fixed shuffle that does not
 * depend on any parameter, so every trial is scored on the same images.
 *
 * The training code is written once, below the "model template" mark, and
 * compiled twice by including this file into itself with real_t defined as
 * float and then as double; both paths are real arithmetic in their type.
 * No checkpoints: a relaunched trial simply starts again.
 */
#ifndef DIGITS_TEMPLATE

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecosweep_trial.h"

#define N_PIXELS 64
#define N_CLASSES 10
#define SPLIT_SEED 20240501u /* fixes the train/validation split for good */

/* The data set, as read from the CSV: pixels scaled to [0, 1]. */
typedef struct {
  double *pixels; /* n * N_PIXELS */
  int *labels;    /* n */
  size_t n;
} digits_data;

/* The training run's settings. */
typedef struct {
  double lr, l2;
  long width, batch, epochs;
  int use_tanh;
  uint64_t seed;
  es_trial *trial;
} digits_config;

/* splitmix64: small, fast, and the same sequence on every platform. */
static uint64_t rng_next(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_uniform(uint64_t *state) { return (double)(rng_next(state) >> 11) * 0x1.0p-53; }

/* Uniform integer in [0, n). The modulo bias is below 2^-40 here. */
static size_t rng_below(uint64_t *state, size_t n) { return (size_t)(rng_next(state) % n); }

static void shuffle(size_t *order, size_t n, uint64_t *state) {
  for (size_t i = n; i > 1; i--) {
    size_t j = rng_below(state, i);
    size_t tmp = order[i - 1];
    order[i - 1] = order[j];
    order[j] = tmp;
  }
}

/* Read the CSV: 64 integers 0..16 then a label 0..9 per line. 0, or -1
 * with a message on stderr naming the file and line. */
static int load_digits(const char *path, digits_data *d) {
  char line[1024];
  size_t cap = 0, lineno = 0;
  FILE *f = fopen(path, "r");
  memset(d, 0, sizeof *d);
  if (!f) {
    fprintf(stderr, "digits_trial: %s: %s (set DIGITS_CSV or --data)\n", path, strerror(errno));
    return -1;
  }
  while (fgets(line, sizeof line, f)) {
    char *p = line, *end;
    lineno++;
    if (line[0] == '\n' || line[0] == '\0')
      continue;
    if (d->n == cap) {
      size_t grown = cap ? cap * 2 : 2048;
      double *px = realloc(d->pixels, grown * N_PIXELS * sizeof *px);
      int *lb = px ? realloc(d->labels, grown * sizeof *lb) : NULL;
      if (px)
        d->pixels = px;
      if (!lb) {
        fprintf(stderr, "digits_trial: out of memory reading %s\n", path);
        goto fail;
      }
      d->labels = lb;
      cap = grown;
    }
    for (int k = 0; k <= N_PIXELS; k++) {
      long v = strtol(p, &end, 10);
      int last = k == N_PIXELS;
      if (end == p || v < 0 || v > (last ? N_CLASSES - 1 : 16) ||
          (last ? (*end != '\n' && *end != '\r' && *end != '\0') : *end != ',')) {
        fprintf(stderr, "digits_trial: %s:%zu: field %d is not %s\n", path, lineno, k + 1,
                last ? "a label 0..9 ending the line" : "a pixel 0..16 followed by a comma");
        goto fail;
      }
      if (last)
        d->labels[d->n] = (int)v;
      else
        d->pixels[d->n * N_PIXELS + (size_t)k] = (double)v / 16.0;
      p = end + 1;
    }
    d->n++;
  }
  if (ferror(f) || d->n < 10) {
    fprintf(stderr, "digits_trial: %s: %s\n", path, ferror(f) ? "read error" : "fewer than 10 rows");
    goto fail;
  }
  fclose(f);
  return 0;
fail:
  fclose(f);
  free(d->pixels);
  free(d->labels);
  memset(d, 0, sizeof *d);
  return -1;
}

/* The training code, once per precision. */
#define DIGITS_TEMPLATE
#define real_t float
#define R(name) name##_float
#define R_EXP expf
#define R_LOG logf
#define R_TANH tanhf
#include "digits_trial.c"
#undef real_t
#undef R
#undef R_EXP
#undef R_LOG
#undef R_TANH
#define real_t double
#define R(name) name##_double
#define R_EXP exp
#define R_LOG log
#define R_TANH tanh
#include "digits_trial.c"
#undef DIGITS_TEMPLATE

static void usage(void) {
  fprintf(stderr, "usage: digits_trial [--data PATH] [--epochs N]\n"
                  "  parameters come from ECOSWEEP_PARAMS (JSON): lr, width, batch, l2,\n"
                  "  precision (float|double), activation (relu|tanh), seed\n");
}

int main(int argc, char **argv) {
  const char *path = "examples/data/digits.csv";
  const char *env_path = getenv("DIGITS_CSV");
  const char *precision, *activation;
  long epochs = 27;
  digits_config cfg;
  digits_data data;
  es_trial t;
  int rc;

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
      path = argv[++i];
    } else if (strncmp(argv[i], "--data=", 7) == 0) {
      path = argv[i] + 7;
    } else if (strcmp(argv[i], "--epochs") == 0 && i + 1 < argc) {
      epochs = strtol(argv[++i], NULL, 10);
    } else {
      usage();
      return 2;
    }
  }
  if (env_path && *env_path)
    path = env_path;

  if (es_trial_init(&t) != 0) {
    fprintf(stderr, "digits_trial: malformed ECOSWEEP_* environment\n");
    return 2;
  }
  if (getenv("ECOSWEEP_MAX_RESOURCE"))
    epochs = (long)floor(t.max_resource);
  cfg.trial = &t;
  cfg.lr = es_trial_param_double(&t, "lr", 0.1);
  cfg.l2 = es_trial_param_double(&t, "l2", 1e-4);
  cfg.width = es_trial_param_long(&t, "width", 64);
  cfg.batch = es_trial_param_long(&t, "batch", 32);
  cfg.seed = (uint64_t)es_trial_param_long(&t, "seed", 1);
  cfg.epochs = epochs < 1 ? 1 : epochs;
  precision = es_trial_param_string(&t, "precision", "float");
  activation = es_trial_param_string(&t, "activation", "relu");
  cfg.use_tanh = strcmp(activation, "tanh") == 0;

  if (!(cfg.lr > 0 && isfinite(cfg.lr)) || !(cfg.l2 >= 0 && isfinite(cfg.l2)) || cfg.width < 1 ||
      cfg.width > 65536 || cfg.batch < 1 || (!cfg.use_tanh && strcmp(activation, "relu") != 0) ||
      (strcmp(precision, "float") != 0 && strcmp(precision, "double") != 0)) {
    fprintf(stderr, "digits_trial: bad parameters: lr=%g l2=%g width=%ld batch=%ld precision=%s activation=%s\n",
            cfg.lr, cfg.l2, cfg.width, cfg.batch, precision, activation);
    return 2;
  }
  if (load_digits(path, &data) != 0)
    return 1;

  rc = strcmp(precision, "float") == 0 ? train_float(&data, &cfg) : train_double(&data, &cfg);
  free(data.pixels);
  free(data.labels);
  return rc;
}

#else /* DIGITS_TEMPLATE ------------------------------------------------------ */
/*
 * Model template: included twice by the part above, with real_t (float or
 * double), R(name) (the name with the type's suffix) and R_EXP, R_LOG,
 * R_TANH (the type's math functions). Constants are cast to real_t so
 * that the float path never widens to double.
 */

/* A network and its gradient buffers; weights are input-major so the inner
 * loops run over contiguous hidden units (and vectorise where the compiler
 * does so). */
typedef struct {
  size_t width;    /* hidden units */
  real_t *w1, *b1; /* N_PIXELS x width, width */
  real_t *w2, *b2; /* width x N_CLASSES, N_CLASSES */
  real_t *g_w1, *g_b1, *g_w2, *g_b2;
  real_t *hidden, *act, *d_act; /* per sample: width each */
  real_t *x;                    /* all samples' pixels in real_t */
} R(mlp);

/* Forward pass of one sample; fills m->hidden, m->act and probs. Zero pixels
 * (about half of them) are skipped. Returns the sample's cross-entropy. */
static real_t R(forward)(R(mlp) * m, const real_t *x, int label, real_t *probs, int use_tanh) {
  const size_t h = m->width;
  real_t *restrict hidden = m->hidden;
  real_t *restrict act = m->act;
  real_t zmax, sum = 0;
  memcpy(hidden, m->b1, h * sizeof(real_t));
  for (size_t i = 0; i < N_PIXELS; i++) {
    const real_t xi = x[i];
    const real_t *restrict row = m->w1 + i * h;
    if (xi == 0)
      continue;
    for (size_t j = 0; j < h; j++)
      hidden[j] += xi * row[j];
  }
  if (use_tanh) {
    for (size_t j = 0; j < h; j++)
      act[j] = R_TANH(hidden[j]);
  } else {
    for (size_t j = 0; j < h; j++)
      act[j] = hidden[j] > 0 ? hidden[j] : (real_t)0;
  }
  for (int k = 0; k < N_CLASSES; k++)
    probs[k] = m->b2[k];
  for (size_t j = 0; j < h; j++) {
    const real_t a = act[j];
    const real_t *row = m->w2 + j * N_CLASSES;
    for (int k = 0; k < N_CLASSES; k++)
      probs[k] += a * row[k];
  }
  zmax = probs[0];
  for (int k = 1; k < N_CLASSES; k++)
    if (probs[k] > zmax)
      zmax = probs[k];
  for (int k = 0; k < N_CLASSES; k++) {
    probs[k] = R_EXP(probs[k] - zmax);
    sum += probs[k];
  }
  for (int k = 0; k < N_CLASSES; k++)
    probs[k] /= sum;
  /* Floor the probability so a confident mistake costs ~69, not infinity. */
  return -R_LOG(probs[label] > (real_t)1e-30 ? probs[label] : (real_t)1e-30);
}

/* Add one sample's gradient (after R(forward) on it) to the buffers. */
static void R(backward)(R(mlp) * m, const real_t *x, int label, real_t *probs, int use_tanh) {
  const size_t h = m->width;
  real_t *restrict d_act = m->d_act;
  real_t *restrict g_b1 = m->g_b1;
  probs[label] -= 1; /* dLoss/dlogits */
  for (int k = 0; k < N_CLASSES; k++)
    m->g_b2[k] += probs[k];
  for (size_t j = 0; j < h; j++) {
    const real_t a = m->act[j];
    const real_t *w = m->w2 + j * N_CLASSES;
    real_t *g = m->g_w2 + j * N_CLASSES;
    real_t back = 0;
    for (int k = 0; k < N_CLASSES; k++) {
      g[k] += a * probs[k];
      back += w[k] * probs[k];
    }
    if (use_tanh)
      d_act[j] = back * ((real_t)1 - a * a);
    else
      d_act[j] = m->hidden[j] > 0 ? back : (real_t)0;
  }
  for (size_t j = 0; j < h; j++)
    g_b1[j] += d_act[j];
  for (size_t i = 0; i < N_PIXELS; i++) {
    const real_t xi = x[i];
    real_t *restrict g = m->g_w1 + i * h;
    if (xi == 0)
      continue;
    for (size_t j = 0; j < h; j++)
      g[j] += xi * d_act[j];
  }
}

/* One SGD step with L2 decay from the summed gradient of n samples, which
 * it then clears. */
static void R(step)(real_t *restrict w, real_t *restrict g, size_t len, real_t lr, real_t l2, real_t inv_n) {
  for (size_t i = 0; i < len; i++) {
    w[i] -= lr * (g[i] * inv_n + l2 * w[i]);
    g[i] = 0;
  }
}

/* Train for cfg->epochs, reporting after each. Returns the exit status. */
static int R(train)(const digits_data *d, const digits_config *cfg) {
  const size_t h = (size_t)cfg->width, n = d->n;
  const size_t n_val = n / 5, n_train = n - n_val;
  const size_t n_params = N_PIXELS * h + h + h * N_CLASSES + N_CLASSES;
  const real_t lr = (real_t)cfg->lr, l2 = (real_t)cfg->l2;
  const double init_scale1 = sqrt((cfg->use_tanh ? 6.0 / (N_PIXELS + (double)h) : 6.0 / N_PIXELS));
  const double init_scale2 = sqrt(6.0 / ((double)h + N_CLASSES));
  uint64_t split_rng = SPLIT_SEED, rng = cfg->seed;
  size_t *order = malloc(n * sizeof *order);
  real_t *block = calloc(2 * n_params + 3 * h, sizeof(real_t));
  real_t probs[N_CLASSES];
  R(mlp) m;
  int status = 0;

  m.width = h;
  m.w1 = block;
  m.x = malloc(n * N_PIXELS * sizeof(real_t));
  if (!order || !block || !m.x) {
    fprintf(stderr, "digits_trial: out of memory (width %zu)\n", h);
    free(order);
    free(block);
    free(m.x);
    return 1;
  }
  m.b1 = m.w1 + N_PIXELS * h;
  m.w2 = m.b1 + h;
  m.b2 = m.w2 + h * N_CLASSES;
  m.g_w1 = m.b2 + N_CLASSES;
  m.g_b1 = m.g_w1 + N_PIXELS * h;
  m.g_w2 = m.g_b1 + h;
  m.g_b2 = m.g_w2 + h * N_CLASSES;
  m.hidden = m.g_b2 + N_CLASSES;
  m.act = m.hidden + h;
  m.d_act = m.act + h;
  for (size_t i = 0; i < n * N_PIXELS; i++)
    m.x[i] = (real_t)d->pixels[i];

  /* The same initial weights in both precisions: drawn in double. Biases
   * start at zero (calloc). */
  for (size_t i = 0; i < N_PIXELS * h; i++)
    m.w1[i] = (real_t)((2 * rng_uniform(&rng) - 1) * init_scale1);
  for (size_t i = 0; i < h * N_CLASSES; i++)
    m.w2[i] = (real_t)((2 * rng_uniform(&rng) - 1) * init_scale2);

  /* order[0, n_train) are training rows, the rest validation rows. */
  for (size_t i = 0; i < n; i++)
    order[i] = i;
  shuffle(order, n, &split_rng);

  for (long epoch = 1; epoch <= cfg->epochs; epoch++) {
    double loss_sum = 0, accuracy, loss;
    size_t correct = 0;
    shuffle(order, n_train, &rng);
    for (size_t start = 0; start < n_train; start += (size_t)cfg->batch) {
      size_t end = start + (size_t)cfg->batch < n_train ? start + (size_t)cfg->batch : n_train;
      real_t inv_n = (real_t)1 / (real_t)(end - start);
      for (size_t s = start; s < end; s++) {
        const real_t *x = m.x + order[s] * N_PIXELS;
        int label = d->labels[order[s]];
        loss_sum += (double)R(forward)(&m, x, label, probs, cfg->use_tanh);
        R(backward)(&m, x, label, probs, cfg->use_tanh);
      }
      /* Weight decay applies to the weights, not to the biases. */
      R(step)(m.w1, m.g_w1, N_PIXELS * h, lr, l2, inv_n);
      R(step)(m.b1, m.g_b1, h, lr, 0, inv_n);
      R(step)(m.w2, m.g_w2, h * N_CLASSES, lr, l2, inv_n);
      R(step)(m.b2, m.g_b2, N_CLASSES, lr, 0, inv_n);
    }
    for (size_t s = n_train; s < n; s++) {
      int label = d->labels[order[s]], best = 0;
      R(forward)(&m, m.x + order[s] * N_PIXELS, label, probs, cfg->use_tanh);
      for (int k = 1; k < N_CLASSES; k++)
        if (probs[k] > probs[best])
          best = k;
      correct += best == label;
    }
    accuracy = (double)correct / (double)n_val;
    loss = loss_sum / (double)n_train;
    if (!isfinite(loss)) {
      fprintf(stderr, "digits_trial: training diverged at epoch %ld (lr=%g is too large)\n", epoch, cfg->lr);
      status = 3;
      break;
    }
    {
      const char *names[] = {"accuracy", "loss"};
      const double values[] = {accuracy, loss};
      int more = es_trial_report(cfg->trial, (double)epoch, 2, names, values);
      if (more < 0) {
        fprintf(stderr, "digits_trial: report failed: %s\n", strerror(errno));
        status = 1;
        break;
      }
      if (more == 0)
        break;
    }
  }
  free(order);
  free(block);
  free(m.x);
  return status;
}

#endif /* DIGITS_TEMPLATE */
