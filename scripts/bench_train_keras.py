#!/usr/bin/env python3
"""Times training steps of the reference model in TensorFlow/Keras on synthetic data.

Prints one JSON line: {"images_per_second": ..., "seconds_per_step": ..., ...}. Called by
`fer bench train --keras-python PY`; the model, loss (tfa-style focal), optimizer (Adam 1e-3)
and batch match ours. Threads: intra- and inter-op both set to --threads.
"""
import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ap = argparse.ArgumentParser()
ap.add_argument("--steps", type=int, default=20)
ap.add_argument("--warmup", type=int, default=3)
ap.add_argument("--batch", type=int, default=256)
ap.add_argument("--threads", type=int, default=2)
args = ap.parse_args()

import numpy as np
import tensorflow as tf

tf.config.threading.set_intra_op_parallelism_threads(args.threads)
tf.config.threading.set_inter_op_parallelism_threads(args.threads)
import keras

ALPHA = [0.70, 0.80, 0.75, 0.70, 0.50, 0.45, 0.70, 0.55]
EPS = 1e-7


def focal(y, p):
    pc = tf.clip_by_value(p, EPS, 1 - EPS)
    ce = -(y * tf.math.log(pc + EPS) + (1 - y) * tf.math.log(1 - pc + EPS))
    p_t = y * p + (1 - y) * (1 - p)
    alpha = tf.constant(ALPHA, tf.float32)
    alpha_t = y * alpha + (1 - y) * (1 - alpha)
    return tf.reduce_sum(alpha_t * tf.pow(1 - p_t, 2.0) * ce, axis=-1)


layers = [keras.Input((64, 64, 1))]
for f in [32, 64, 64, 128, 128]:
    for _ in range(2):
        layers += [keras.layers.Conv2D(f, 3, padding="same", activation="relu", kernel_initializer="he_uniform"),
                   keras.layers.BatchNormalization()]
    layers.append(keras.layers.MaxPooling2D(2))
layers += [keras.layers.Flatten(), keras.layers.Dense(512, activation="relu", kernel_initializer="he_uniform"),
           keras.layers.Dropout(0.6), keras.layers.Dense(512, activation="relu", kernel_initializer="he_uniform"),
           keras.layers.Dropout(0.6), keras.layers.Dense(8, activation="softmax", kernel_initializer="he_uniform")]
model = keras.Sequential(layers)
assert model.count_params() == 1188200, model.count_params()
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=focal, metrics=["accuracy"])

rng = np.random.default_rng(0)
x = rng.uniform(0, 1, (args.batch, 64, 64, 1)).astype(np.float32)
y = np.eye(8, dtype=np.float32)[rng.integers(0, 8, args.batch)]
for _ in range(args.warmup):
    model.train_on_batch(x, y)
start, cpu_start = time.perf_counter(), time.process_time()
for _ in range(args.steps):
    model.train_on_batch(x, y)
seconds = time.perf_counter() - start
cpu = time.process_time() - cpu_start
print(json.dumps({
    "images_per_second": args.batch * args.steps / seconds,
    "seconds_per_step": seconds / args.steps,
    "images_per_cpu_second": args.batch * args.steps / cpu,
    "tensorflow": tf.__version__, "keras": keras.__version__,
    "threads": args.threads, "batch": args.batch, "steps": args.steps,
}))
