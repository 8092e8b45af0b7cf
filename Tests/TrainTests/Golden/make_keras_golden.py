#!/usr/bin/env python3
"""Writes keras_step_<loss>.json: one training step of a tiny model in TensorFlow/Keras.

Each file holds the model spec (EdgeFER's text format), the initial weights in Keras' order and
layout (conv kernels (kh, kw, cin, cout), dense kernels (in, out)), a batch of inputs and targets,
and what Keras computed: the softmax outputs and loss of a training-mode forward pass, the
gradient of every trainable weight, the BatchNorm moving statistics after that pass, and the
weights after one Adam step (Keras defaults, lr 1e-3).

The focal loss is tfa.losses.SigmoidFocalCrossEntropy(from_logits=False) written out with the
same ops (tensorflow-addons does not install beside current TensorFlow); its binary cross-entropy
is tf.keras 2's backend version (clip to [eps, 1-eps], then log(p + eps)).

Run: $(scripts/venv.sh tensorflow-cpu) Tests/TrainTests/Golden/make_keras_golden.py
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf
import keras

HERE = os.path.dirname(os.path.abspath(__file__))
ALPHA = [0.70, 0.80, 0.75, 0.70, 0.50, 0.45, 0.70, 0.55]
EPS = 1e-7

SPEC = """input 8 8 2
conv 4 3 relu
bn
conv 5 3 relu
bn
maxpool 2
conv 3 1 linear
flatten
dense 6 relu
dense 8 softmax
"""


def build():
    init = keras.initializers.HeUniform(seed=7)
    return keras.Sequential([
        keras.Input((8, 8, 2)),
        keras.layers.Conv2D(4, 3, padding="same", activation="relu", kernel_initializer=init,
                            bias_initializer=keras.initializers.RandomUniform(-0.1, 0.1, seed=1)),
        keras.layers.BatchNormalization(gamma_initializer=keras.initializers.RandomUniform(0.5, 1.5, seed=2),
                                        beta_initializer=keras.initializers.RandomUniform(-0.2, 0.2, seed=3)),
        keras.layers.Conv2D(5, 3, padding="same", activation="relu", kernel_initializer=init,
                            bias_initializer=keras.initializers.RandomUniform(-0.1, 0.1, seed=4)),
        keras.layers.BatchNormalization(),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(3, 1, padding="same", kernel_initializer=init),
        keras.layers.Flatten(),
        keras.layers.Dense(6, activation="relu", kernel_initializer=init,
                           bias_initializer=keras.initializers.RandomUniform(-0.1, 0.1, seed=5)),
        keras.layers.Dense(8, activation="softmax", kernel_initializer=init),
    ])


def focal(y, p):
    """tfa SigmoidFocalCrossEntropy(from_logits=False, gamma=2, alpha per class), mean over batch."""
    pc = tf.clip_by_value(p, EPS, 1 - EPS)
    ce = -(y * tf.math.log(pc + EPS) + (1 - y) * tf.math.log(1 - pc + EPS))
    p_t = y * p + (1 - y) * (1 - p)
    alpha = tf.constant(ALPHA, tf.float32)
    alpha_t = y * alpha + (1 - y) * (1 - alpha)
    return tf.reduce_mean(tf.reduce_sum(alpha_t * tf.pow(1 - p_t, 2.0) * ce, axis=-1))


def cross_entropy(y, p):
    return tf.reduce_mean(keras.losses.categorical_crossentropy(y, p))


def flat(t):
    return [float(v) for v in np.asarray(t, np.float32).ravel()]


def make(loss_name, loss_fn, soft):
    keras.utils.set_random_seed(1234)
    model = build()
    rng = np.random.default_rng(99)
    x = rng.uniform(0, 1, (4, 8, 8, 2)).astype(np.float32)
    if soft:
        y = rng.uniform(0, 1, (4, 8)).astype(np.float32)
        y /= y.sum(axis=1, keepdims=True)
    else:
        y = np.eye(8, dtype=np.float32)[[0, 3, 5, 7]]
    weights = [flat(w) for w in model.trainable_weights]
    state = [flat(w) for w in model.non_trainable_weights]
    with tf.GradientTape() as tape:
        p = model(x, training=True)
        loss = loss_fn(tf.constant(y), p)
    grads = tape.gradient(loss, model.trainable_weights)
    opt = keras.optimizers.Adam(learning_rate=1e-3)
    opt.apply_gradients(zip(grads, model.trainable_weights))
    out = {
        "generator": f"make_keras_golden.py, tensorflow {tf.__version__}, keras {keras.__version__}",
        "loss_name": loss_name,
        "spec": SPEC,
        "batch": 4,
        "x": flat(x),
        "y": flat(y),
        "weights": weights,
        "weight_names": [w.path for w in model.trainable_weights],
        "state_before": state,
        "probs": flat(p),
        "loss": float(loss),
        "gradients": [flat(g) for g in grads],
        "state_after": [flat(w) for w in model.non_trainable_weights],
        "weights_after_adam": [flat(w) for w in model.trainable_weights],
    }
    path = os.path.join(HERE, f"keras_step_{loss_name}.json")
    with open(path, "w") as f:
        json.dump(out, f)
    print("wrote", path, "loss", float(loss))


if __name__ == "__main__":
    make("focal", focal, soft=False)
    make("crossentropy", cross_entropy, soft=True)
