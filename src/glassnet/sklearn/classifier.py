"""``GlassClassifier``: a glassnet network as a scikit-learn classifier."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from glassnet.layers import Dense, Layer
from glassnet.sklearn._base import _FLOATS, _GlassEstimator


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
