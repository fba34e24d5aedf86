"""The contestants: glassnet's networks and scikit-learn's classic algorithms.

Parameter counts of scikit-learn models (what each stores to predict):

* linear models: ``coef_.size + intercept_.size``;
* k-nearest neighbours: the stored training set, ``n_train * n_features``;
* SVC: support vectors, their dual coefficients and the intercepts;
* forests and boosting: the number of tree nodes (each holds a split or a leaf value).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from glassnet.compare.data import Dataset

if TYPE_CHECKING:
    from glassnet.optimizers import Optimizer

#: SVC's kernel matrix grows as n²: above this many training samples it is skipped.
SVC_MAX_TRAIN = 20_000
SKLEARN_HINT = "scikit-learn is not installed: pip install 'glassnet[sklearn]'"




def build_workshop_mlp(n_features: int, n_classes: int, seed: int = 0) -> Any:
    """The workshop's Keras model: Dense(30)-relu-Dense(30)-relu-Dense(n_classes)-softmax."""
    from glassnet.layers import Activation, Dense
    from glassnet.models import Sequential

    model = Sequential(seed=seed)
    model.add(Dense(30, input_dim=n_features))
    model.add(Activation("relu"))
    model.add(Dense(30))
    model.add(Activation("relu"))
    model.add(Dense(n_classes))
    model.add(Activation("softmax"))
    return model


def _tuned_mlp(n_features: int, n_classes: int, seed: int, small: bool) -> Any:
    from glassnet.layers import Dense, Dropout
    from glassnet.models import Sequential

    layers: list[Any]  # Dense and Dropout layers
    if small:  # 2-D toy data: wide enough to bend; weight decay keeps the boundary smooth
        from glassnet.regularizers import L2

        layers = [Dense(64, activation="relu", input_dim=n_features, kernel_initializer="he_normal",
                        kernel_regularizer=L2(1e-3)),
                  Dense(64, activation="relu", kernel_initializer="he_normal",
                        kernel_regularizer=L2(1e-3))]
    else:
        layers = [Dense(256, activation="relu", input_dim=n_features, kernel_initializer="he_normal"),
                  Dropout(0.2), Dense(128, activation="relu", kernel_initializer="he_normal"),
                  Dropout(0.2)]
    return Sequential([*layers, Dense(n_classes, activation="softmax")], seed=seed)


def conv_layers() -> tuple[Any, Any] | None:
    """``(Conv2D, MaxPooling2D)`` when glassnet has them, else None."""
    try:
        from glassnet.layers.conv import Conv2D
        from glassnet.layers.pooling import MaxPooling2D
    except ImportError:
        return None
    return Conv2D, MaxPooling2D


def _cnn(image_shape: tuple[int, int], n_classes: int, seed: int) -> Any:
    from glassnet.layers import Dense, Flatten, Reshape
    from glassnet.models import Sequential

    # glassnet ships both layers, so conv_layers() is not None here
    Conv2D, MaxPooling2D = cast(tuple[Any, Any], conv_layers())  # noqa: N806 - classes
    h, w = image_shape
    pad = "same" if min(h, w) < 16 else "valid"  # 8x8 digits would shrink to nothing
    return Sequential([
        Reshape((h, w, 1), input_shape=(h * w,)),
        Conv2D(8, 3, padding=pad, activation="relu", kernel_initializer="he_normal"),
        MaxPooling2D(2),
        Conv2D(16, 3, padding=pad, activation="relu", kernel_initializer="he_normal"),
        MaxPooling2D(2),
        Flatten(),
        Dense(64, activation="relu", kernel_initializer="he_normal"),
        Dense(n_classes, activation="softmax"),
    ], seed=seed)


class GlassnetClassifier:
    """A glassnet model behind scikit-learn's ``fit`` / ``predict`` / ``predict_proba``.

    ``kind`` is 'workshop' (SGD, lr 0.1, batch 32), 'tuned' (Adam, batch 128) or 'cnn'
    (Adam, batch 64); labels are integers, one-hot encoded inside.
    """

    def __init__(self, kind: str, epochs: int, seed: int = 0) -> None:
        self.kind, self.epochs, self.seed = kind, epochs, seed
        self.model: Any = None

    def fit(self, x: np.ndarray, y: np.ndarray, *, n_classes: int,
            image_shape: tuple[int, int] | None = None) -> GlassnetClassifier:
        from glassnet.optimizers import SGD, Adam
        from glassnet.utils import to_categorical

        d = x.shape[1]
        opt: Optimizer
        if self.kind == "workshop":
            model, opt, batch = build_workshop_mlp(d, n_classes, self.seed), SGD(lr=0.1), 32
        elif self.kind == "tuned":
            model, batch = _tuned_mlp(d, n_classes, self.seed, small=d <= 16), 128 if d > 16 else 32
            opt = Adam(learning_rate=1e-3 if d > 16 else 1e-2)
        else:
            # kind 'cnn' needs image_shape (unpacking None raises TypeError, as before)
            shape = cast(tuple[int, int], image_shape)
            model, opt, batch = _cnn(shape, n_classes, self.seed), Adam(learning_rate=1e-3), 64
        model.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, to_categorical(y, n_classes), batch_size=batch, epochs=self.epochs, verbose=0)
        self.model = model
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.model.predict(np.asarray(x, dtype=np.float32))

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.predict_proba(x).argmax(axis=1)


# --------------------------------------------------------------------------- the line-up


@dataclass
class ModelSpec:
    """One contestant: ``build()`` returns an unfitted model; ``skip`` says why it cannot run."""

    key: str
    name: str
    library: str
    build: Callable[[], Any] | None = None
    settings: str = ""
    skip: str | None = None
    fit_kwargs: dict[str, Any] = field(default_factory=dict)


def have_sklearn() -> bool:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return False
    return True


def model_specs(data: Dataset, *, quick: bool = False, seed: int = 0) -> list[ModelSpec]:
    """Every model for ``data``: glassnet's, then scikit-learn's (skipped with a reason when
    they cannot run). Epochs scale with the data so each model sees enough steps; ``quick``
    divides them by 10 for image data and leaves the (already fast) toy sets' epochs alone.
    The CNN is in the line-up only for image data."""
    from functools import partial

    d, c, n = data.n_features, data.n_classes, len(data.x_train)
    toy = data.image_shape is None
    gkw = {"n_classes": c, "image_shape": data.image_shape}
    # Toy sets have a few hundred points: many more epochs give the same number of steps.
    ep_workshop, ep_tuned, ep_cnn = (300, 150, 0) if toy else (20, 20, 10)
    if data.name == "digits":
        ep_workshop, ep_tuned, ep_cnn = 100, 60, 30
    if quick and not toy:
        # Toy sets train in about a second at full length: --quick only shrinks them to 300
        # points (see load_dataset), so every model still learns its boundary.
        ep_workshop, ep_tuned, ep_cnn = (max(1, e // 10) for e in (ep_workshop, ep_tuned, ep_cnn))
    hidden = "64-64" if toy else "256-128"
    specs = [
        ModelSpec("mlp-workshop", f"glassnet MLP {d}-30-30-{c} (workshop)", "glassnet",
                  partial(GlassnetClassifier, "workshop", ep_workshop, seed),
                  f"ReLU, softmax, SGD lr 0.1, batch 32, {ep_workshop} epochs", fit_kwargs=gkw),
        ModelSpec("mlp-tuned", f"glassnet MLP {d}-{hidden}-{c} (tuned)", "glassnet",
                  partial(GlassnetClassifier, "tuned", ep_tuned, seed),
                  f"ReLU, he_normal, {'L2 1e-3' if toy else 'dropout 0.2'}, Adam, {ep_tuned} epochs",
                  fit_kwargs=gkw),
    ]
    if not toy:
        cnn = ModelSpec("cnn", "glassnet CNN (2 conv + pool)", "glassnet",
                        partial(GlassnetClassifier, "cnn", ep_cnn, seed),
                        f"conv8-pool-conv16-pool-dense64, Adam, batch 64, {ep_cnn} epochs",
                        fit_kwargs=gkw)
        if conv_layers() is None:
            cnn.skip = "glassnet.layers.Conv2D / MaxPooling2D are not available in this version"
        specs.append(cnn)
    sk = have_sklearn()
    for key, name, factory, settings in _sklearn_line_up(toy, seed):
        spec = ModelSpec(key, name, "scikit-learn", factory if sk else None, settings)
        if not sk:
            spec.skip = SKLEARN_HINT
        elif key == "svc-rbf" and n > SVC_MAX_TRAIN:
            spec.skip = (f"{n:,} training samples > {SVC_MAX_TRAIN:,}: the kernel matrix grows as "
                         "n² (use --max-train to include it)")
        specs.append(spec)
    return specs


def _sklearn_line_up(toy: bool, seed: int) -> list[tuple[str, str, Callable[[], Any] | None, str]]:
    from functools import partial

    try:
        from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
        from sklearn.linear_model import LogisticRegression
        from sklearn.neighbors import KNeighborsClassifier
        from sklearn.svm import SVC, LinearSVC
    except ImportError:
        HistGradientBoostingClassifier = RandomForestClassifier = LogisticRegression = None  # noqa: N806
        KNeighborsClassifier = SVC = LinearSVC = None  # noqa: N806

    def make(cls: Any, **kw: Any) -> Callable[[], Any] | None:
        return None if cls is None else partial(cls, **kw)

    c_svc = 1.0 if toy else 10.0
    return [
        ("logreg", "LogisticRegression", make(LogisticRegression, max_iter=1000 if toy else 300),
         f"lbfgs, C=1, max_iter {1000 if toy else 300}"),
        ("knn", "KNeighborsClassifier", make(KNeighborsClassifier, n_neighbors=5),
         "k=5, Euclidean"),
        ("linear-svc", "LinearSVC", make(LinearSVC, C=0.1 if not toy else 1.0, random_state=seed),
         f"C={0.1 if not toy else 1.0}"),
        ("svc-rbf", "SVC (RBF kernel)", make(SVC, kernel="rbf", C=c_svc, gamma="scale"),
         f"C={c_svc:g}, gamma='scale'"),
        ("random-forest", "RandomForestClassifier",
         make(RandomForestClassifier, n_estimators=100, n_jobs=1, random_state=seed),
         "100 trees, n_jobs=1"),
        ("hist-gb", "HistGradientBoostingClassifier",
         make(HistGradientBoostingClassifier, max_iter=100, random_state=seed),
         "100 iterations, early stopping above 10k samples"),
    ]


def count_params(model: Any) -> tuple[int, str]:
    """How many numbers ``model`` stores to predict, and what was counted (see module doc)."""
    if isinstance(model, GlassnetClassifier):
        return model.model.count_params(), "weights and biases"
    if hasattr(model, "support_vectors_"):
        n = model.support_vectors_.size + model.dual_coef_.size + model.intercept_.size
        return int(n), f"{len(model.support_vectors_):,} support vectors × features + dual coefs"
    if hasattr(model, "coef_"):
        return int(model.coef_.size + np.size(model.intercept_)), "coefficients + intercepts"
    if hasattr(model, "n_samples_fit_"):
        return int(model.n_samples_fit_ * model.n_features_in_), "stored training values"
    if hasattr(model, "estimators_"):
        return int(sum(t.tree_.node_count for t in model.estimators_)), "tree nodes"
    predictors = getattr(model, "_predictors", None)  # HistGradientBoosting (private API)
    if predictors is not None:
        return int(sum(p.nodes.size for it in predictors for p in it)), "tree nodes"
    return 0, "unknown"
