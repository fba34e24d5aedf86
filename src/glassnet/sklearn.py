"""scikit-learn estimators around glassnet models: ``GlassClassifier`` and ``GlassRegressor``.

They follow scikit-learn's estimator contract, so they drop into ``Pipeline``,
``GridSearchCV`` and ``cross_val_score``, and they pass scikit-learn's own
``check_estimator`` suite (tests/test_sklearn.py lists the few checks that cannot apply)::

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from glassnet.sklearn import GlassClassifier

    clf = make_pipeline(StandardScaler(), GlassClassifier(hidden_layer_sizes=(64,), epochs=30))
    clf.fit(X_train, y_train).score(X_test, y_test)

The network is chosen by ``build_fn``:

- ``None``: a multilayer perceptron, one ``Dense(units, activation)`` per entry of
  ``hidden_layer_sizes``, then the output layer the task needs;
- a list of glassnet layers: the hidden layers (copied at each ``fit``, never modified), then
  the output layer the task needs;
- a callable ``build_fn(n_features_in, n_outputs) -> Model``: the whole model. Returned
  uncompiled, it is compiled with ``optimizer``/``learning_rate`` and the task's loss;
  returned compiled, it is trained as it is.

Output layers and losses: a classifier with two classes ends in ``Dense(1, 'sigmoid')`` with
binary cross-entropy, with ``K > 2`` classes in ``Dense(K, 'softmax')`` with sparse categorical
cross-entropy (``n_outputs`` is 1 or ``K``); a regressor ends in a linear
``Dense(n_targets)`` with ``loss`` (default mean squared error).

Every constructor argument is stored unchanged (scikit-learn's ``clone`` and ``set_params``
rely on it); they are validated when ``fit`` is called.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from glassnet import optimizers
from glassnet.layers import Dense, Layer
from glassnet.models.model import Model
from glassnet.models.parameters import FlatParameters
from glassnet.models.sequential import Sequential

__all__ = ["GlassClassifier", "GlassRegressor"]

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


class GlassClassifier(ClassifierMixin, _GlassEstimator):
    """A glassnet network as a scikit-learn classifier.

    Parameters
    ----------
    build_fn : None, list of Layer, or callable, default None
        The network (see the module notes): ``None`` for an MLP of ``hidden_layer_sizes``;
        a list of hidden layers; or ``build_fn(n_features_in, n_outputs) -> Model`` whose
        output is ``(n, 1)`` sigmoid probabilities for two classes (``(n, 2)`` softmax is
        accepted too) or ``(n, K)`` softmax probabilities for ``K`` classes.
    hidden_layer_sizes : tuple of int, default (32,)
        Units of each hidden Dense layer when ``build_fn`` is None.
    activation : str, default 'relu'
        Activation of those hidden layers.
    optimizer : str, Optimizer or dict, default 'adam'
        A name (given ``learning_rate``), an optimizer instance (copied at each fit) or a
        serialized optimizer.
    learning_rate : float or None, default 1e-3
        With an optimizer name; None keeps that optimizer's default.
    epochs : int, default 20
        Passes over the data per ``fit`` (``partial_fit`` makes one).
    batch_size : int, default 32
    validation_split : float, default 0.0
        Fraction of the training data (the last rows) held out; ``history_`` then has
        ``val_loss``.
    shuffle : bool, default True
        Shuffle the rows every epoch (with the model's own seeded generator).
    callbacks : list of glassnet callbacks, optional
        Copied at each fit (e.g. ``EarlyStopping(monitor='val_loss')``).
    random_state : int, RandomState or None, default None
        Seeds the weights, the shuffling and dropout: an int gives identical results
        on every fit.
    verbose : int, default 0
        glassnet's progress output (0, 1 or 2).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``fit`` (any sortable type, strings included); column ``k`` of
        ``predict_proba`` is ``classes_[k]``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` had string column names (a pandas DataFrame).
    model_ : glassnet.models.Model
        The trained network.
    history_ : dict of str to list of float
        Per-epoch ``loss`` (and ``val_loss``) over every ``fit``/``partial_fit`` since the
        last ``fit``.
    n_iter_ : int
        Epochs run, the length of ``history_['loss']``.
    """

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> GlassClassifier:
        """Train a new network on ``X`` (n_samples, n_features) and labels ``y`` (n_samples,)."""
        X, y = validate_data(self, X, y, reset=True, dtype=_FLOATS)
        check_classification_targets(y)
        classes, encoded = np.unique(y, return_inverse=True)
        self._start(X, classes)
        self._partial = False
        self._train(X, self._targets(encoded, X.dtype), sample_weight, self.epochs)
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None,
                    sample_weight: Any = None) -> GlassClassifier:
        """One epoch on ``(X, y)``, continuing from the current weights.

        ``classes`` (every label that will ever be seen) is required on the first call.
        """
        first = not hasattr(self, "model_")
        X, y = validate_data(self, X, y, reset=first, dtype=_FLOATS)
        check_classification_targets(y)
        if first:
            if classes is None:
                raise ValueError(
                    "`classes` must be given on the first call to partial_fit: every label "
                    "the classifier will see, e.g. classes=np.unique(y_all)."
                )
            self._start(X, np.unique(np.asarray(classes)))
        elif classes is not None and not np.array_equal(np.unique(np.asarray(classes)),
                                                        self.classes_):
            raise ValueError(
                f"`classes`={np.unique(classes)!r} differs from the classes of the first "
                f"partial_fit call, {self.classes_!r}."
            )
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(
                f"`y` holds labels {unknown!r} that are not in `classes` {self.classes_!r}."
            )
        encoded = np.searchsorted(self.classes_, y)
        self._partial = True
        self._train(X, self._targets(encoded, X.dtype), sample_weight, 1)
        return self

    def _start(self, X: np.ndarray, classes: np.ndarray) -> None:
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes to learn from; "
                f"got 1 class: {classes!r}."
            )
        self.classes_ = classes
        n_outputs = 1 if len(classes) == 2 else len(classes)
        self.model_ = self._build_model(X.shape[1], n_outputs, X.dtype)
        self.history_: dict[str, list[float]] = {}

    def _targets(self, encoded: np.ndarray, dtype: np.dtype) -> np.ndarray:
        if self.model_.output_shape[-1] == 1:
            return encoded.astype(dtype)  # 0/1 for the sigmoid unit
        return encoded.astype(np.intp)

    def _output_layer(self, n_outputs: int) -> Layer:
        return Dense(n_outputs, activation="sigmoid" if n_outputs == 1 else "softmax")

    def _loss(self, n_outputs: int) -> str:
        return "binary_crossentropy" if n_outputs == 1 else "sparse_categorical_crossentropy"

    def _accepted_widths(self, n_outputs: int) -> tuple[int, ...]:
        return (1, 2) if n_outputs == 1 else (n_outputs,)

    def _width_hint(self, n_outputs: int) -> str:
        if n_outputs == 1:
            return "Dense(1, activation='sigmoid') for two classes"
        return f"Dense({n_outputs}, activation='softmax') for {n_outputs} classes"

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities: ndarray of shape (n_samples, n_classes), rows summing to 1."""
        p = self._predict_raw(X)
        if p.shape[1] == 1:
            p = np.hstack([1.0 - p, p])
        return p

    def predict_log_proba(self, X: Any) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row: ndarray of shape (n_samples,)."""
        check_is_fitted(self, "model_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


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
