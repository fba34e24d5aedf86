"""What ``GlassClassifier`` and ``GlassRegressor`` share: the constructor's arguments, building
the network (``build_fn``), training, prediction, pickling, and the argument checks."""

from __future__ import annotations

import copy
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from glassnet import optimizers
from glassnet.layers import Dense, Layer
from glassnet.models.model import Model
from glassnet.models.parameters import FlatParameters
from glassnet.models.sequential import Sequential

_FLOATS = [np.float64, np.float32]


class _GlassEstimator(BaseEstimator):
    """What the classifier and the regressor share: building, training, pickling."""

    def __init__(
        self,
        build_fn: Callable[..., Model] | Sequence[Layer] | None = None,
        hidden_layer_sizes: Sequence[int] = (32,),
        activation: str = "relu",
        optimizer: Any = "adam",
        learning_rate: float | None = 1e-3,
        epochs: int = 20,
        batch_size: int = 32,
        validation_split: float = 0.0,
        shuffle: bool = True,
        callbacks: Sequence[Any] | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
    ) -> None:
        self.build_fn = build_fn
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_split = validation_split
        self.shuffle = shuffle
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ subclass hooks
    def _output_layer(self, n_outputs: int) -> Layer:
        raise NotImplementedError

    def _loss(self, n_outputs: int) -> Any:
        raise NotImplementedError

    # ------------------------------------------------------------------ building
    def _seed(self) -> int | None:
        rs = self.random_state
        if rs is None:
            return None
        if isinstance(rs, numbers.Integral) and not isinstance(rs, bool):
            if rs < 0:
                raise ValueError(f"`random_state` must be a non-negative integer, got {rs!r}.")
            return int(rs)
        return int(check_random_state(rs).randint(np.iinfo(np.int32).max))

    def _make_optimizer(self) -> optimizers.Optimizer:
        opt = self.optimizer
        if isinstance(opt, optimizers.Optimizer):
            return copy.deepcopy(opt)  # the parameter itself is never trained
        resolved = optimizers.get(opt)
        if isinstance(opt, str) and self.learning_rate is not None:
            resolved.learning_rate = self.learning_rate
        return resolved

    def _build_model(self, n_features: int, n_outputs: int, dtype: np.dtype) -> Model:
        seed = self._seed()
        build_fn = self.build_fn
        if build_fn is None or isinstance(build_fn, (list, tuple)):
            if build_fn is None:
                hidden: list[Layer] = [Dense(units, activation=self.activation)
                                       for units in _check_sizes(self.hidden_layer_sizes)]
            else:
                if not all(isinstance(layer, Layer) for layer in build_fn):
                    raise TypeError(
                        f"`build_fn` given as a list must hold glassnet layers, got "
                        f"{[type(layer).__name__ for layer in build_fn]}."
                    )
                hidden = copy.deepcopy(list(build_fn))
            model: Model = Sequential([*hidden, self._output_layer(n_outputs)], seed=seed,
                                      dtype=dtype.name)
            model.build((None, n_features))
        elif callable(build_fn):
            model = build_fn(n_features, n_outputs)
            if not isinstance(model, Model):
                raise TypeError(
                    f"`build_fn` must return a glassnet Model, got {type(model).__name__}."
                )
            if not model.built:
                model.build((None, n_features))
            width = model.output_shape[-1]
            if width not in self._accepted_widths(n_outputs):
                raise ValueError(
                    f"The model from `build_fn` outputs {width} values per sample; this "
                    f"{type(self).__name__} needs {n_outputs} ({self._width_hint(n_outputs)})."
                )
        else:
            raise TypeError(
                "`build_fn` must be None, a list of glassnet layers, or a callable "
                f"(n_features_in, n_outputs) -> Model; got {type(build_fn).__name__}."
            )
        if not model.compiled:
            width = int(model.output_shape[-1] or n_outputs)
            model.compile(optimizer=self._make_optimizer(), loss=self._loss(width))
        return model

    def _accepted_widths(self, n_outputs: int) -> tuple[int, ...]:
        return (n_outputs,)

    def _width_hint(self, n_outputs: int) -> str:
        return f"a Dense({n_outputs}) output layer"

    # ------------------------------------------------------------------ training
    def _train(self, X: np.ndarray, y: np.ndarray, sample_weight: Any, epochs: int) -> None:
        if isinstance(self.epochs, bool) or not isinstance(self.epochs, numbers.Integral) \
                or self.epochs < 1:
            raise ValueError(f"`epochs` must be a positive integer, got {self.epochs!r}.")
        sample_weight = _check_sample_weight(sample_weight, len(X))
        callbacks = copy.deepcopy(list(self.callbacks)) if self.callbacks else None
        history = self.model_.fit(
            X, y, batch_size=self.batch_size, epochs=epochs, verbose=self.verbose,
            callbacks=callbacks, validation_split=self.validation_split, shuffle=self.shuffle,
            sample_weight=sample_weight,
        )
        record = getattr(self, "history_", None)
        if record is None or not getattr(self, "_partial", False):
            record = {}
        for key, values in history.history.items():
            record.setdefault(key, []).extend(float(v) for v in values)
        self.history_ = record
        self.n_iter_ = len(record.get("loss", []))

    def _predict_raw(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=_FLOATS)
        return self.model_.predict(X, batch_size=max(256, int(self.batch_size)))

    # ------------------------------------------------------------------ pickling
    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickled weights are separate arrays: make them views of one flat vector again.

        A glassnet model trains through one flat parameter vector whose slices are the layers'
        arrays; pickle stores each array on its own, so without this step a model trained on
        after unpickling (``partial_fit``) would update a vector no layer reads.
        """
        super().__setstate__(state)
        model = self.__dict__.get("model_")
        if model is not None and model.built:
            model._flat = FlatParameters(model.layers, model.dtype)

    def __sklearn_tags__(self):  # noqa: D105 - scikit-learn's hook
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags


def _check_sizes(sizes: Any) -> list[int]:
    if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
        sizes = (sizes,)
    try:
        values = list(sizes)
    except TypeError:
        values = None
    if values is None or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool)
                                 and int(s) > 0 for s in values):
        raise ValueError(
            f"`hidden_layer_sizes` must be a tuple of positive integers, got {sizes!r}."
        )
    return [int(s) for s in values]


def _check_sample_weight(sample_weight: Any, n: int) -> np.ndarray | None:
    """``sample_weight`` as a float vector of ``n`` finite, non-negative, not all zero weights."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim == 0:
        w = np.full(n, float(w))
    if w.shape != (n,):
        raise ValueError(
            f"`sample_weight` must have shape ({n},), one weight per sample, got {w.shape}."
        )
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("`sample_weight` must hold finite, non-negative numbers.")
    if not w.any():
        raise ValueError("`sample_weight` is zero for every sample: there is nothing to learn.")
    return w
