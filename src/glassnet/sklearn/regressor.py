"""``GlassRegressor``: a glassnet network as a scikit-learn regressor (one or several targets)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.validation import validate_data

from glassnet.layers import Dense, Layer
from glassnet.models.model import Model
from glassnet.sklearn._base import _FLOATS, _GlassEstimator


class GlassRegressor(RegressorMixin, _GlassEstimator):
    """A glassnet network as a scikit-learn regressor (one or several targets).

    Parameters
    ----------
    build_fn, hidden_layer_sizes, activation, optimizer, learning_rate, epochs, batch_size,
    validation_split, shuffle, callbacks, random_state, verbose
        As for :class:`GlassClassifier`; a ``build_fn`` model must output ``(n, n_targets)``.
    loss : str, default 'mse'
        Any glassnet regression loss: ``'mse'``, ``'mae'``, ``'huber'``.

    Attributes
    ----------
    n_features_in_, model_, history_, n_iter_
        As for :class:`GlassClassifier`.
    n_outputs_ : int
        Number of targets; ``predict`` returns shape (n_samples,) when ``y`` was 1-D.
    """

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
        loss: str = "mse",
    ) -> None:
        super().__init__(
            build_fn=build_fn, hidden_layer_sizes=hidden_layer_sizes, activation=activation,
            optimizer=optimizer, learning_rate=learning_rate, epochs=epochs,
            batch_size=batch_size, validation_split=validation_split, shuffle=shuffle,
            callbacks=callbacks, random_state=random_state, verbose=verbose,
        )
        self.loss = loss

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> GlassRegressor:
        """Train a new network on ``X`` (n_samples, n_features), ``y`` (n_samples[, n_targets])."""
        X, y = validate_data(self, X, y, reset=True, dtype=_FLOATS, y_numeric=True,
                             multi_output=True)
        y2 = self._start(X, y)
        self._partial = False
        self._train(X, y2, sample_weight, self.epochs)
        return self

    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> GlassRegressor:
        """One epoch on ``(X, y)``, continuing from the current weights (a new model at first)."""
        first = not hasattr(self, "model_")
        X, y = validate_data(self, X, y, reset=first, dtype=_FLOATS, y_numeric=True,
                             multi_output=True)
        if first:
            y2 = self._start(X, y)
        else:
            y2 = np.asarray(y, dtype=X.dtype).reshape(len(y), -1)
            if y2.shape[1] != self.n_outputs_:
                raise ValueError(
                    f"`y` has {y2.shape[1]} targets per sample, but this regressor was first "
                    f"fitted with {self.n_outputs_}."
                )
        self._partial = True
        self._train(X, y2, sample_weight, 1)
        return self

    def _start(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        y2 = np.asarray(y, dtype=X.dtype).reshape(len(y), -1)
        self._y_1d = np.ndim(y) == 1
        self.n_outputs_ = y2.shape[1]
        self.model_ = self._build_model(X.shape[1], self.n_outputs_, X.dtype)
        self.history_: dict[str, list[float]] = {}
        return y2

    def _output_layer(self, n_outputs: int) -> Layer:
        return Dense(n_outputs)

    def _loss(self, n_outputs: int) -> str:
        return self.loss

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets: ndarray of shape (n_samples,) or (n_samples, n_targets)."""
        out = self._predict_raw(X)
        return out.ravel() if self._y_1d and out.shape[1] == 1 else out

    def __sklearn_tags__(self):  # noqa: D105 - scikit-learn's hook
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
