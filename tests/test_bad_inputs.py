"""Every bad input at a public entry point gives a clear error at the boundary.

One table: (call, expected exception class, regex on the message). The message must name the
argument, say what was expected and echo what was received; the class is Keras's where Keras
has one (``TypeError`` for ``epochs=1.5``, ``KeyError`` for an unknown checkpoint
placeholder). No row may end in an error raised inside NumPy or the standard library.
Command-line flags are checked in a subprocess: exit code 2, one ``error:`` line, no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import callbacks as C
from glassnet import layers as L
from glassnet import losses as LS
from glassnet import optimizers as O
from glassnet import scratch as S
from glassnet.models import load_model
from glassnet.saving import ModelFileError

_RNG = np.random.default_rng(0)
X = _RNG.normal(size=(20, 4))
Y = _RNG.integers(0, 3, size=20)
ONES = np.ones(20)


def clf() -> gn.Sequential:
    """A compiled 3-class classifier on 4 features (softmax + sparse cross-entropy)."""
    model = gn.Sequential([L.Dense(3, activation="softmax", input_shape=(4,))], seed=0)
    model.compile("sgd", "sparse_categorical_crossentropy")
    return model


def fit(**kwargs: Any) -> Any:
    kwargs.setdefault("verbose", 0)
    return clf().fit(X, Y, **kwargs)


def with_nan(a: np.ndarray, row: int) -> np.ndarray:
    out = a.astype(np.float64).copy()
    out[row] = np.nan
    return out


Row = tuple[Callable[[], Any], type[BaseException], str]

def _compiled_without_loss() -> Any:
    model = gn.Sequential([gn.Input(shape=(3,)), L.Dense(2)])
    model.compile("sgd")
    return model


ROWS: dict[str, Row] = {
    # ---------------------------------------------------------------- fit: arguments
    "fit-validation_freq-0": (
        lambda: fit(validation_split=0.2, validation_freq=0),
        ValueError,
        r"`validation_freq` must be a positive integer, got 0",
    ),
    "fit-validation_freq-str": (
        lambda: fit(validation_split=0.2, validation_freq="2"),
        TypeError,
        r"`validation_freq` must be a positive integer, got '2'",
    ),
    "fit-validation_split-str": (
        lambda: fit(validation_split="a"),
        TypeError,
        r"`validation_split` must be a number in \[0, 1\), got 'a'",
    ),
    "fit-validation_split-1": (
        lambda: fit(validation_split=1.0),
        ValueError,
        r"`validation_split` must be in \[0, 1\), got 1.0",
    ),
    "fit-validation_split-nan": (
        lambda: fit(validation_split=float("nan")),
        ValueError,
        r"`validation_split` must be in \[0, 1\), got nan",
    ),
    "fit-validation_batch_size-0": (
        lambda: fit(validation_split=0.2, validation_batch_size=0),
        ValueError,
        r"`validation_batch_size` must be a positive integer, got 0",
    ),
    "fit-epochs-float": (
        lambda: fit(epochs=1.5),
        TypeError,
        r"`epochs` must be a positive integer, got 1.5",
    ),
    "fit-epochs-0": (
        lambda: fit(epochs=0),
        ValueError,
        r"`epochs` must be a positive integer, got 0",
    ),
    "fit-epochs-None": (
        lambda: fit(epochs=None),
        TypeError,
        r"`epochs` must be a positive integer, got None",
    ),
    "fit-batch_size-str": (
        lambda: fit(batch_size="a"),
        TypeError,
        r"`batch_size` must be a positive integer, got 'a'",
    ),
    "fit-batch_size-neg": (
        lambda: fit(batch_size=-3),
        ValueError,
        r"`batch_size` must be a positive integer, got -3",
    ),
    "fit-steps_per_epoch-str": (
        lambda: fit(steps_per_epoch="a"),
        TypeError,
        r"`steps_per_epoch` must be a positive integer, got 'a'",
    ),
    "fit-steps_per_epoch-0": (
        lambda: fit(steps_per_epoch=0),
        ValueError,
        r"`steps_per_epoch` must be a positive integer, got 0",
    ),
    "fit-initial_epoch-str": (
        lambda: fit(initial_epoch="a"),
        TypeError,
        r"`initial_epoch` must be a non-negative integer, got 'a'",
    ),
    "fit-initial_epoch-neg": (
        lambda: fit(initial_epoch=-1),
        ValueError,
        r"`initial_epoch` must be a non-negative integer, got -1",
    ),
    "fit-verbose-5": (
        lambda: fit(verbose=5),
        ValueError,
        r"`verbose` must be 0, 1, 2 or 'auto', got 5",
    ),
    "fit-callbacks-int": (
        lambda: fit(callbacks=3),
        TypeError,
        r"`callbacks` must be a list of Callback",
    ),
    "fit-callbacks-not-callback": (
        lambda: fit(callbacks=[print]),
        TypeError,
        r"`callbacks` must hold Callback instances, got builtin_function",
    ),
    "fit-validation_data-3": (
        lambda: fit(validation_data=X),
        ValueError,
        r"`validation_data` must be a tuple \(x_val, y_val\)",
    ),
    "scratch-sigmoid-str": (
        lambda: __import__("glassnet.scratch", fromlist=["sigmoid"]).sigmoid("a"),
        TypeError,
        r"`z` must be a number or an array of numbers, got 'a'",
    ),
    "explain_step-str": (
        lambda: clf().explain_step("abc", Y),
        ValueError,
        r"`x` must be an array of numbers",
    ),
    "check_gradients-tolerance": (
        lambda: clf().check_gradients(X, Y, tolerance="a", print_fn=None),
        TypeError,
        r"`tolerance`",
    ),
    "summary-line_length": (
        lambda: clf().summary(line_length="a", print_fn=lambda s: None),
        TypeError,
        r"`line_length`",
    ),
    "CSVLogger-None": (
        lambda: __import__("glassnet.callbacks", fromlist=["CSVLogger"]).CSVLogger(None),
        TypeError,
        r"CSVLogger `filename` must be a path \(str or Path\), got None",
    ),
    "ReduceLROnPlateau-patience": (
        lambda: __import__("glassnet.callbacks", fromlist=["x"]).ReduceLROnPlateau(patience=-2),
        ValueError,
        r"`patience`",
    ),
    "save-directory": (
        lambda: clf().save(os.path.dirname(os.path.abspath(__file__))),
        ValueError,
        r"is a directory; give a file name",
    ),
    "mnist-load_data-path": (
        lambda: __import__("glassnet.datasets.mnist", fromlist=["x"]).load_data(path=3),
        TypeError,
        r"`path` must be a path \(str or path-like\), got 3",
    ),
    "fit-uncompiled": (
        lambda: gn.Sequential([L.Dense(2, input_shape=(4,))]).fit(X, Y),
        ValueError,  # Keras's class
        r"You must call `compile\(\)` before using the model: call `compile\(optimizer, loss\)` "
        r"before `fit`",
    ),
    # ---------------------------------------------------------------- fit: data
    "fit-x-y-length": (
        lambda: clf().fit(X, Y[:10], verbose=0),
        ValueError,
        r"`x` and `y` must have the same number of samples: `x` has 20, `y` has shape \(10,\)",
    ),
    "fit-x-nan": (
        lambda: clf().fit(with_nan(X, 3), Y, verbose=0),
        ValueError,
        r"`x` contains NaN or inf \(first at sample 3, 1 sample\(s\) affected\)",
    ),
    "fit-x-str": (
        lambda: clf().fit("abc", Y, verbose=0),
        ValueError,
        r"`x` must be an array of numbers, got a str",
    ),
    "fit-x-object": (
        lambda: clf().fit([[1, "a", 2, 3]] * 20, Y, verbose=0),
        ValueError,
        r"`x` must hold real numbers, got dtype <U",
    ),
    "fit-x-ragged": (
        lambda: clf().fit([[1, 2, 3, 4], [1]], Y[:2], verbose=0),
        ValueError,
        r"`x` must be an array of numbers",
    ),
    "fit-x-wrong-features": (
        lambda: clf().fit(np.zeros((20, 5)), Y, verbose=0),
        ValueError,
        r"expects inputs of shape \(None, 4\), but received an array of shape \(20, 5\)",
    ),
    "fit-y-complex": (
        lambda: clf().fit(X, Y * 1j, verbose=0),
        ValueError,
        r"`y` must hold real numbers, got complex values",
    ),
    "fit-y-nan": (
        lambda: (
            lambda m: (m.compile("sgd", "mse"), m.fit(X, with_nan(np.zeros((20, 3)), 5), verbose=0))
        )(clf()),
        ValueError,
        r"`y` contains NaN or inf \(first at sample 5",
    ),
    "fit-y-label-fraction": (
        lambda: clf().fit(X, Y + 0.5, verbose=0),
        ValueError,
        r"needs integer class labels, got fractions",
    ),
    # ---------------------------------------------------------------- weights
    "fit-sample_weight-nan": (
        lambda: fit(sample_weight=with_nan(ONES, 4)),
        ValueError,
        r"`sample_weight` must be finite, got nan at sample 4",
    ),
    "fit-sample_weight-negative": (
        lambda: fit(sample_weight=-ONES),
        ValueError,
        r"`sample_weight` must be non-negative, got -1 at sample 0",
    ),
    "fit-sample_weight-length": (
        lambda: fit(sample_weight=np.ones(7)),
        ValueError,
        r"`sample_weight` must have shape \(20,\), one weight per sample, got shape \(7,\)",
    ),
    "fit-sample_weight-str": (
        lambda: fit(sample_weight="heavy"),
        TypeError,
        r"`sample_weight` must be an array of 20 numbers",
    ),
    "fit-class_weight-negative-key": (
        lambda: fit(class_weight={-1: 5.0}),
        ValueError,
        r"`class_weight` has class -1, but the model's classes are 0 \.\. 2",
    ),
    "fit-class_weight-huge-key": (
        lambda: fit(class_weight={10**9: 1.0}),
        ValueError,
        r"`class_weight` has class 1000000000, but the model's classes are 0 \.\. 2",
    ),
    "fit-class_weight-nan": (
        lambda: fit(class_weight={0: float("nan")}),
        ValueError,
        r"`class_weight\[0\]` of fit must be a number in \[0, inf\), got nan",
    ),
    "fit-class_weight-negative": (
        lambda: fit(class_weight={1: -2.0}),
        ValueError,
        r"`class_weight\[1\]` of fit must be a number in \[0, inf\), got -2.0",
    ),
    "fit-class_weight-str-key": (
        lambda: fit(class_weight={"a": 1.0}),
        TypeError,
        r"`class_weight` keys must be integer class indices, got 'a'",
    ),
    "fit-class_weight-list": (
        lambda: fit(class_weight=[1.0, 2.0, 3.0]),
        TypeError,
        r"`class_weight` must be a dict \{class index: weight\}, got list",
    ),
    "fit-validation-weights-nan": (
        lambda: fit(validation_data=(X, Y, with_nan(ONES, 2))),
        ValueError,
        r"`validation_data\[2\]` must be finite, got nan at sample 2",
    ),
    "fit-validation-weights-length": (
        lambda: fit(validation_data=(X, Y, np.ones(3))),
        ValueError,
        r"`validation_data\[2\]` must have shape \(20,\)",
    ),
    "evaluate-sample_weight-length": (
        lambda: clf().evaluate(X, Y, sample_weight=np.ones(25), verbose=0),
        ValueError,
        r"`sample_weight` must have shape \(20,\), one weight per sample, got shape \(25,\)",
    ),
    "evaluate-sample_weight-nan": (
        lambda: clf().evaluate(X, Y, sample_weight=with_nan(ONES, 0), verbose=0),
        ValueError,
        r"`sample_weight` must be finite, got nan at sample 0",
    ),
    "train_on_batch-sample_weight-nan": (
        lambda: clf().train_on_batch(X, Y, sample_weight=with_nan(ONES, 1)),
        ValueError,
        r"`sample_weight` must be finite, got nan at sample 1",
    ),
    "train_on_batch-sample_weight-negative": (
        lambda: clf().train_on_batch(X, Y, sample_weight=-ONES),
        ValueError,
        r"`sample_weight` must be non-negative",
    ),
    # ---------------------------------------------------------------- evaluate / predict
    "evaluate-batch_size-0": (
        lambda: clf().evaluate(X, Y, batch_size=0, verbose=0),
        ValueError,
        r"`batch_size` must be a positive integer, got 0",
    ),
    "evaluate-x-y-length": (
        lambda: clf().evaluate(X, Y[:3], verbose=0),
        ValueError,
        r"`x` and `y` must have the same number of samples",
    ),
    "evaluate-x-nan": (
        lambda: clf().evaluate(with_nan(X, 7), Y, verbose=0),
        ValueError,
        r"`x` contains NaN or inf \(first at sample 7",
    ),
    "predict-str": (
        lambda: clf().predict("abc"),
        ValueError,
        r"`x` must be an array of numbers, got a str: 'abc'",
    ),
    "predict-dict": (
        lambda: clf().predict({"pixels": X}),
        ValueError,
        r"`x` is a dict without the key\(s\) \['x'\]; expected the keys \['x'\], got \['pixels'\]",
    ),
    "predict-None": (
        lambda: clf().predict(None),
        ValueError,
        r"`x` must be an array of numbers, got None",
    ),
    "predict-set": (
        lambda: clf().predict({1.0, 2.0}),
        ValueError,
        r"`x` must be an array of numbers, got a set",
    ),
    "predict-empty": (
        lambda: clf().predict(np.zeros((0, 4))),
        ValueError,
        r"`x` must hold at least one sample, got shape \(0, 4\)",
    ),
    "predict-complex": (
        lambda: clf().predict(X * 1j),
        ValueError,
        r"`x` must hold real numbers, got dtype complex128",
    ),
    "predict-batch_size-0": (
        lambda: clf().predict(X, batch_size=0),
        ValueError,
        r"`batch_size` must be a positive integer, got 0",
    ),
    "predict-batch_size-float": (
        lambda: clf().predict(X, batch_size=1.5),
        TypeError,
        r"`batch_size` must be a positive integer, got 1\.5",
    ),
    "evaluate-steps-0": (
        lambda: clf().evaluate(X, Y, steps=0, verbose=0),
        ValueError,
        r"`steps` must be a positive integer, got 0",
    ),
    "predict-verbose": (
        lambda: clf().predict(X, verbose="loud"),
        ValueError,
        r"`verbose` must be 0, 1, 2 or 'auto', got 'loud'",
    ),
    "predict-shape": (
        lambda: clf().predict(np.zeros((2, 5))),
        ValueError,
        r"expects inputs of shape \(None, 4\), but received an array of shape \(2, 5\)",
    ),
    # ---------------------------------------------------------------- compile
    "compile-optimizer-unknown": (
        lambda: gn.Sequential([L.Dense(2)]).compile("bogus", "mse"),
        ValueError,
        r"Unknown optimizer 'bogus'\. Valid: adadelta, adagrad, adam",
    ),
    "compile-optimizer-int": (
        lambda: gn.Sequential([L.Dense(2)]).compile(3, "mse"),
        TypeError,
        r"Could not interpret optimizer identifier 3",
    ),
    "compile-loss-unknown": (
        lambda: gn.Sequential([L.Dense(2)]).compile("sgd", "bogus"),
        ValueError,
        r"Unknown loss 'bogus'\. Valid: binary_crossentropy",
    ),
    "compile-loss-missing": (  # Keras: compile() takes no loss; fit finds none to compute
        lambda: _compiled_without_loss().fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0),
        ValueError,
        r"No loss to compute\. Provide a `loss` argument in `compile\(\)`",
    ),
    "compile-metric-unknown": (
        lambda: gn.Sequential([L.Dense(2)]).compile("sgd", "mse", metrics=["bogus"]),
        ValueError,
        r"Unknown metric 'bogus'",
    ),
    "compile-metrics-int": (
        lambda: gn.Sequential([L.Dense(2)]).compile("sgd", "mse", metrics=3),
        TypeError,
        r"`metrics` must be a list of metric names.*got 3 \(int\)",
    ),
    "Sequential-dtype": (
        lambda: gn.Sequential([L.Dense(2)], dtype="int8"),
        ValueError,
        r"`dtype` must be one of \('float16', 'float32', 'float64'\), got 'int8'",
    ),
    "Sequential-not-a-layer": (
        lambda: gn.Sequential([3]),
        TypeError,
        r"Sequential\.add expects a Layer",
    ),
    # ---------------------------------------------------------------- layer constructors
    "Dense-units-0": (
        lambda: L.Dense(units=0),
        ValueError,
        r"Dense `units` must be a positive integer, got 0",
    ),
    "Dense-units--1": (
        lambda: L.Dense(units=-1),
        ValueError,
        r"Dense `units` must be a positive integer, got -1",
    ),
    "Dense-units-1.5": (
        lambda: L.Dense(units=1.5),
        ValueError,
        r"Dense `units` must be a positive integer, got 1\.5",
    ),
    "Dense-units-str": (
        lambda: L.Dense(units="a"),
        ValueError,
        r"Dense `units` must be a positive integer, got 'a'",
    ),
    "Dense-activation": (
        lambda: L.Dense(3, activation="bogus"),
        ValueError,
        r"Unknown activation 'bogus'\. Valid:",
    ),
    "Dense-use_bias-str": (
        lambda: L.Dense(3, use_bias="no"),
        TypeError,
        r"`use_bias` of Dense must be True or False, got 'no'",
    ),
    "Dense-initializer": (
        lambda: L.Dense(3, kernel_initializer="bogus"),
        ValueError,
        r"Unknown initializer 'bogus'",
    ),
    "Dense-regularizer": (
        lambda: L.Dense(3, bias_regularizer="bogus"),
        ValueError,
        r"Unknown regularizer 'bogus'",
    ),
    "Dense-input_shape": (
        lambda: L.Dense(3, input_shape=(0,)),
        ValueError,
        r"`input_shape` must be a tuple of positive ints \(None for a size that varies, e\.g\. the "
        r"time steps\), got \(0,\)",
    ),
    "Conv2D-kernel_size-0": (
        lambda: L.Conv2D(4, kernel_size=0),
        ValueError,
        r"Conv2D `kernel_size` must be a positive integer or a tuple of 2",
    ),
    "Conv2D-filters-0": (
        lambda: L.Conv2D(0, 3),
        ValueError,
        r"Conv2D `filters` must be a positive integer, got 0",
    ),
    "Conv2D-padding": (
        lambda: L.Conv2D(4, 3, padding="full"),
        ValueError,
        r"Conv2D `padding` must be 'valid' or 'same', got 'full'",
    ),
    "Conv2D-strides": (
        lambda: L.Conv2D(4, 3, strides=(1, 0)),
        ValueError,
        r"Conv2D `strides` must be a positive integer",
    ),
    "Conv2D-initializer": (
        lambda: L.Conv2D(4, 3, kernel_initializer="nope"),
        ValueError,
        r"Unknown initializer 'nope'",
    ),
    "Dropout-rate-1.5": (
        lambda: L.Dropout(rate=1.5),
        ValueError,
        r"Dropout `rate` must be a float in \[0, 1\), got 1\.5",
    ),
    "Dropout-rate-nan": (
        lambda: L.Dropout(float("nan")),
        ValueError,
        r"Dropout `rate` must be a float in \[0, 1\), got nan",
    ),
    "LSTM-units-0": (
        lambda: L.LSTM(units=0),
        ValueError,
        r"LSTM `units` must be a positive integer, got 0",
    ),
    "LSTM-return_sequences-str": (
        lambda: L.LSTM(3, return_sequences="yes"),
        TypeError,
        r"`return_sequences` of LSTM must be True or False, got 'yes'",
    ),
    "GRU-dropout": (
        lambda: L.GRU(3, dropout=1.5),
        ValueError,
        r"GRU `dropout` must be a float in \[0, 1\), got 1\.5",
    ),
    "MaxPooling2D-pool_size-0": (
        lambda: L.MaxPooling2D(0),
        ValueError,
        r"MaxPooling2D `pool_size` must be a positive integer",
    ),
    "BatchNormalization-momentum": (
        lambda: L.BatchNormalization(momentum=2.0),
        ValueError,
        r"BatchNormalization `momentum` must be a number >= 0\.0 and <= 1\.0, got 2\.0",
    ),
    "LayerNormalization-epsilon-nan": (
        lambda: L.LayerNormalization(epsilon=float("nan")),
        ValueError,
        r"LayerNormalization `epsilon` must be a number > 0\.0, got nan",
    ),
    "Embedding-input_dim-0": (
        lambda: L.Embedding(0, 4),
        ValueError,
        r"Embedding `input_dim` must be a positive integer, got 0",
    ),
    "Reshape-two-minus-ones": (
        lambda: L.Reshape((2, -1, -1)),
        ValueError,
        r"Reshape `target_shape` must hold positive sizes and at most one -1",
    ),
    "ELU-alpha-nan": (
        lambda: L.ELU(alpha=float("nan")),
        ValueError,
        r"ELU `alpha` must be a number \(not NaN\), got nan",
    ),
    "LeakyReLU-inf": (
        lambda: L.LeakyReLU(negative_slope=float("inf")),
        ValueError,
        r"LeakyReLU `negative_slope` must be a finite number >= 0, got inf",
    ),
    # ---------------------------------------------------------------- optimizers
    "SGD-learning_rate-negative": (
        lambda: O.SGD(learning_rate=-1),
        ValueError,
        r"`learning_rate` of SGD must be a number in \[0, inf\), got -1",
    ),
    "Adam-learning_rate-nan": (
        lambda: O.Adam(learning_rate=float("nan")),
        ValueError,
        r"`learning_rate` of Adam must be a number in \[0, inf\), got nan",
    ),
    "Adam-learning_rate-str": (
        lambda: O.Adam(learning_rate="fast"),
        TypeError,
        r"`learning_rate` of Adam must be a number, got 'fast'",
    ),
    "SGD-momentum": (
        lambda: O.SGD(momentum=1.5),
        ValueError,
        r"`momentum` of SGD must be a number in \[0, 1\], got 1\.5",
    ),
    "SGD-nesterov-str": (
        lambda: O.SGD(nesterov="yes"),
        TypeError,
        r"`nesterov` of SGD must be True or False, got 'yes'",
    ),
    "Adam-beta_1": (
        lambda: O.Adam(beta_1=1.0),
        ValueError,
        r"`beta_1` of Adam must be a number in \[0, 1\), got 1\.0",
    ),
    "Adam-amsgrad-str": (
        lambda: O.Adam(amsgrad="no"),
        TypeError,
        r"`amsgrad` of Adam must be True or False, got 'no'",
    ),
    "RMSprop-centered-str": (
        lambda: O.RMSprop(centered="no"),
        TypeError,
        r"`centered` of RMSprop must be True or False",
    ),
    "SGD-clipnorm": (
        lambda: O.SGD(clipnorm=-1),
        ValueError,
        r"`clipnorm` of SGD must be a number in \(0, inf\), got -1",
    ),
    "optimizers-get": (lambda: O.get("bogus"), ValueError, r"Unknown optimizer 'bogus'"),
    # ---------------------------------------------------------------- losses
    "loss-empty": (
        lambda: LS.MeanSquaredError()(np.zeros((0, 3)), np.zeros((0, 3))),
        ValueError,
        r"`y_true` of loss 'mean_squared_error' must hold at least one sample, got shape \(0, 3\)",
    ),
    "loss-empty-crossentropy": (
        lambda: LS.CategoricalCrossentropy()(np.zeros((0, 3)), np.zeros((0, 3))),
        ValueError,
        r"must hold at least one sample",
    ),
    "loss-empty-gradient": (
        lambda: LS.MeanSquaredError().gradient(np.zeros((0, 2)), np.zeros((0, 2))),
        ValueError,
        r"must hold at least one sample",
    ),
    "loss-complex": (
        lambda: LS.MeanSquaredError()(np.ones((2, 3)) * 1j, np.ones((2, 3))),
        TypeError,
        r"`y_true` of loss 'mean_squared_error' must hold real numbers, got an array of dtype complex128",
    ),
    "loss-from_logits-str": (
        lambda: LS.CategoricalCrossentropy(from_logits="no"),
        TypeError,
        r"`from_logits` of CategoricalCrossentropy must be True or False, got 'no'",
    ),
    "loss-from_logits-function": (
        lambda: LS.binary_crossentropy(np.ones((2, 1)), np.ones((2, 1)) / 2, from_logits="yes"),
        TypeError,
        r"`from_logits` of BinaryCrossentropy must be True or False",
    ),
    "loss-sample_weight-length": (
        lambda: LS.MeanSquaredError()(np.zeros((4, 3)), np.zeros((4, 3)), sample_weight=np.ones(5)),
        ValueError,
        r"`sample_weight` of shape \(5,\) does not match the 4 samples",
    ),
    "loss-reduction": (
        lambda: LS.MeanSquaredError(reduction="avg"),
        ValueError,
        r"`reduction` of MeanSquaredError must be one of 'sum_over_batch_size'",
    ),
    "loss-Huber-delta": (
        lambda: LS.Huber(delta=-1),
        ValueError,
        r"`delta` of Huber must be a number in \(0, inf\), got -1",
    ),
    "loss-shape": (
        lambda: LS.MeanSquaredError()(np.zeros((4, 3)), np.zeros((4, 2))),
        ValueError,
        r"needs targets shaped like the model's output \(4, 2\), got `y` of shape \(4, 3\)",
    ),
    # ---------------------------------------------------------------- callbacks
    "ModelCheckpoint-bogus-placeholder": (
        lambda: fit(
            callbacks=[C.ModelCheckpoint(os.path.join(os.devnull, "{bogus}.npz"), monitor="loss")]
        ),
        KeyError,
        r"placeholder \{bogus\}.*Valid keys: loss, epoch",
    ),
    "ModelCheckpoint-unbalanced-brace": (
        lambda: C.ModelCheckpoint("ckpt-{epoch.npz"),
        ValueError,
        r"`filepath` of ModelCheckpoint 'ckpt-\{epoch\.npz' is not a valid format",
    ),
    "ModelCheckpoint-positional-placeholder": (
        lambda: C.ModelCheckpoint("ckpt-{}.npz"),
        ValueError,
        r"has the placeholder \{\}; placeholders are names",
    ),
    "ModelCheckpoint-None": (
        lambda: C.ModelCheckpoint(None),
        TypeError,
        r"`filepath` of ModelCheckpoint must be a path \(str or os\.PathLike\), got None",
    ),
    "ModelCheckpoint-save_freq": (
        lambda: C.ModelCheckpoint("m.npz", save_freq="batch"),
        ValueError,
        r"Unrecognized save_freq: 'batch'\. Expected save_freq are 'epoch' or integer values",
    ),
    "ModelCheckpoint-save_best_only-str": (
        lambda: C.ModelCheckpoint("m.npz", save_best_only="yes"),
        TypeError,
        r"`save_best_only` of ModelCheckpoint must be True or False",
    ),
    "EarlyStopping-patience": (
        lambda: C.EarlyStopping(patience=-1),
        ValueError,
        r"`patience` of EarlyStopping must be an integer in \[0, inf\), got -1",
    ),
    "EarlyStopping-min_delta-str": (
        lambda: C.EarlyStopping(min_delta="a"),
        TypeError,
        r"`min_delta` of EarlyStopping must be a number, got 'a'",
    ),
    "EarlyStopping-mode": (
        lambda: C.EarlyStopping(mode="bogus"),
        ValueError,
        r"`mode` of callback must be one of 'auto', 'min', 'max', got 'bogus'",
    ),
    "EarlyStopping-monitor-None": (
        lambda: C.EarlyStopping(monitor=None),
        TypeError,
        r"`monitor` of EarlyStopping must be the name of a logged quantity",
    ),
    "LearningRateScheduler-not-callable": (
        lambda: C.LearningRateScheduler(3),
        TypeError,
        r"`schedule` must be callable",
    ),
    # ---------------------------------------------------------------- saving
    "load_model-None": (
        lambda: load_model(None),
        ModelFileError,
        r"`filepath` must be a path \(str or os\.PathLike\), got NoneType None",
    ),
    "load_model-int": (lambda: load_model(3), ModelFileError, r"`filepath` must be a path"),
    "load_model-missing": (
        lambda: load_model(os.path.join(os.devnull, "m.npz")),
        ModelFileError,
        r"Cannot read model file",
    ),
    "save-None": (
        lambda: clf().save(None),
        TypeError,
        r"`filepath` must be a path \(str or os\.PathLike\), got NoneType",
    ),
    "save-h5": (
        lambda: clf().save(os.path.join(os.devnull, "m.h5")),
        ValueError,
        r"asks for Keras's legacy HDF5 format, which glassnet does not write",
    ),
    # ---------------------------------------------------------------- data sets
    "mnist-split": (
        lambda: gn.datasets.mnist.load_split("bogus"),
        ValueError,
        r"`split` must be one of \('train', 'test'\), got 'bogus'",
    ),
    "make_moons-n_samples": (
        lambda: gn.datasets.make_moons(n_samples=-1),
        ValueError,
        r"`n_samples` must be an integer >= 1, got -1",
    ),
    "make_moons-noise": (
        lambda: gn.datasets.make_moons(noise=-1),
        ValueError,
        r"`noise` must be a finite number >= 0, got -1",
    ),
    "make_circles-factor": (
        lambda: gn.datasets.make_circles(factor=2.0),
        ValueError,
        r"`factor` must be a number in \(0, 1\), got 2\.0",
    ),
    "digits-test_size": (
        lambda: gn.datasets.digits.load_data(test_size=2.0),
        ValueError,
        r"`test_size` as a fraction must lie in \(0, 1\), got 2\.0",
    ),
    "idx-directory": (
        lambda: gn.datasets.idx.read_idx(os.path.dirname(__file__)),
        gn.datasets.IDXFormatError,
        r"is a directory, not a regular file",
    ),
    "to_categorical-range": (
        lambda: gn.utils.to_categorical([0, 5], 3),
        ValueError,
        r"`y` must hold labels in \[0, 3\) for num_classes=3, got values from 0 to 5",
    ),
    # ---------------------------------------------------------------- glassnet.scratch
    "scratch-init_params": (
        lambda: S.init_params([2, 0, 1]),
        ValueError,
        r"`layer_sizes\[1\]` must be a positive integer, got 0",
    ),
    "scratch-init_params-str": (
        lambda: S.init_params("ab"),
        ValueError,
        r"`layer_sizes` must be a sequence of positive integers",
    ),
    "scratch-forward_pass-shape": (
        lambda: S.forward_pass(np.zeros((3, 4)), *S.init_params([2, 1])),
        ValueError,
        r"`inp` must have shape \(2, m\), one sample per column",
    ),
    "scratch-cost_function-y": (
        lambda: S.cost_function(np.zeros((4, 2)), np.zeros(5), *S.init_params([2, 1])),
        ValueError,
        r"`y` must have shape \(4, 1\)",
    ),
    "scratch-perceptron": (
        lambda: S.perceptron(np.zeros(3), np.zeros(2), 0.0),
        ValueError,
        r"`x` must have shape \(2,\) or \(2, m\)",
    ),
}


@pytest.mark.parametrize("call, error, message", list(ROWS.values()), ids=list(ROWS))
def test_bad_input_gives_a_clear_error(
    call: Callable[[], Any], error: type[BaseException], message: str
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no NumPy overflow on the way
        with pytest.raises(error, match=message) as info:
            call()
    # Never an error raised deep inside NumPy or the standard library.
    assert not isinstance(
        info.value, (ZeroDivisionError, RecursionError, AttributeError, IndexError)
    )


def test_the_table_is_large() -> None:
    assert len(ROWS) + len(CLI_ROWS) >= 60


def test_a_refused_weight_leaves_the_model_untouched() -> None:
    model = clf()
    model.build()
    before = [w.copy() for w in model.get_weights()]
    for bad in ({"sample_weight": with_nan(ONES, 0)}, {"class_weight": {7: 1.0}}):
        with pytest.raises(ValueError):
            model.fit(X, Y, verbose=0, **bad)
    for w, w0 in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(w, w0)
    assert model.optimizer.iterations == 0


def test_a_huge_class_key_allocates_nothing() -> None:
    model = clf()
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="class 1000000000"):
            model.fit(X, Y, class_weight={10**9: 1.0}, verbose=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000  # a 10**9-entry table would be 8 GB


def test_class_weight_scales_the_loss_of_its_class() -> None:
    """Valid keys still work: class 1 weighted 3 is the loss with sample weights 3 on class 1."""
    model = clf()
    model.build()
    w = np.where(Y == 1, 3.0, 1.0)
    by_class = clf()  # the same seed: the same initial weights
    by_class.build()
    for a, b in zip(model.get_weights(), by_class.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    h1 = model.fit(X, Y, sample_weight=w, epochs=2, shuffle=False, verbose=0)
    h2 = by_class.fit(X, Y, class_weight={1: 3.0}, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-6)


# ------------------------------------------------------------------ what Keras accepts
def test_a_single_callback_is_accepted_as_keras_does() -> None:
    seen: list[int] = []
    cb = C.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    fit(callbacks=cb, epochs=2)
    assert seen == [0, 1]


def test_early_stopping_on_a_missing_key_warns_as_keras() -> None:
    with pytest.warns(
        UserWarning,
        match=r"Early stopping conditioned on metric `val_acc` which is "
        r"not available\. Available metrics are: loss",
    ):
        history = fit(callbacks=[C.EarlyStopping(monitor="val_acc")], epochs=2)
    assert len(history.history["loss"]) == 2  # it never stops training


def test_checkpoint_placeholder_error_is_a_key_error_and_a_value_error() -> None:
    cb = C.ModelCheckpoint(os.path.join(os.devnull, "{val_los}.npz"), monitor="loss")
    with pytest.raises(ValueError, match=r"\{val_los\}.*Valid keys: loss, epoch"):
        fit(callbacks=[cb])


# ------------------------------------------------------------------ command line
CLI_ROWS: dict[str, tuple[list[str], str]] = {
    "scratch-lr-inf": (
        ["scratch", "--lr", "inf"],
        r"--lr must be a positive finite number, got inf",
    ),
    "scratch-lr-negative": (
        ["scratch", "--lr", "-1"],
        r"--lr must be a positive finite number, got -1",
    ),
    "scratch-epochs-0": (
        ["scratch", "--epochs", "0"],
        r"--epochs: must be a positive integer, got 0",
    ),
    "scratch-hidden-negative": (
        ["scratch", "--hidden", "-3"],
        r"--hidden: must be 0 \(no hidden layer\) or a positive integer",
    ),
    "scratch-out-file": (["scratch", "--out", __file__], r"--out .* is a file; give a folder"),
    "demo-lr-inf": (["demo", "--lr", "inf"], r"--lr: must be a positive finite number, got inf"),
    "demo-batch-size": (
        ["demo", "--batch-size", "x"],
        r"--batch-size: must be a positive integer, got 'x'",
    ),
    "gradcheck-missing-file": (
        ["gradcheck", os.path.join(os.devnull, "m.npz")],
        r"cannot load the model file",
    ),
    "gradcheck-batch-0": (
        ["gradcheck", "--batch", "0"],
        r"--batch: must be a positive integer, got 0",
    ),
    "compare-threads": (
        ["compare", "--threads", "-1"],
        r"--threads: must be 0 \(no cap\) or a positive integer",
    ),
    "unknown-command": (["bogus"], r"invalid choice: 'bogus'"),
}


@pytest.mark.parametrize("args, message", list(CLI_ROWS.values()), ids=list(CLI_ROWS))
def test_cli_flag_gives_one_error_line(args: list[str], message: str, tmp_path: Path) -> None:
    env = {**os.environ, "GLASSNET_OFFLINE": "1", "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "-m", "glassnet.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, proc.stderr
    assert errors[0].startswith("glassnet")
    assert __import__("re").search(message, errors[0]), errors[0]
