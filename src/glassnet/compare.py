"""Neural networks versus other algorithms: glassnet models and scikit-learn baselines.

>>> from glassnet.compare import load_dataset, compare, save_results
>>> data = load_dataset("toy-moons")                          # doctest: +SKIP
>>> rows = compare(data, n_jobs=2)                            # doctest: +SKIP
>>> save_results(rows, data, "reports/compare")               # doctest: +SKIP

Every model trains on the same split and is timed the same way (``fit`` wall time, then
``predict`` on the whole test set). The runs are independent, so :func:`compare` hands them
to ``joblib.Parallel``; any joblib backend works (``loky`` processes by default, ``dask`` or
``ray`` for a cluster -- see docs/compare.md).

Parameter counts of scikit-learn models (what each stores to predict):

* linear models: ``coef_.size + intercept_.size``;
* k-nearest neighbours: the stored training set, ``n_train * n_features``;
* SVC: support vectors, their dual coefficients and the intercepts;
* forests and boosting: the number of tree nodes (each holds a split or a leaf value).
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np

if TYPE_CHECKING:
    from glassnet.optimizers import Optimizer

#: Data sets :func:`load_dataset` knows.
DATASETS = ("digits", "mnist", "fashion-mnist", "toy-moons", "toy-circles", "toy-spirals",
            "toy-blobs", "toy-astronaut")
#: SVC's kernel matrix grows as n²: above this many training samples it is skipped.
SVC_MAX_TRAIN = 20_000
SKLEARN_HINT = "scikit-learn is not installed: pip install 'glassnet[sklearn]'"


@dataclass
class Dataset:
    """One train/test split, features flattened to ``(n, n_features)`` float32.

    ``image_shape`` is ``(h, w)`` for image data (``x.reshape(-1, h, w)`` gives the images)
    and ``None`` for feature tables such as the 2-D toy sets.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    image_shape: tuple[int, int] | None = None
    note: str = ""

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])


def _subsample(x: np.ndarray, y: np.ndarray, n: int | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A stratified random ``n`` of the samples (all of them when ``n`` is None or larger)."""
    if n is None or n >= len(x):
        return x, y
    from glassnet.preprocessing import train_test_split

    _, x_keep, _, y_keep = train_test_split(x, y, test_size=int(n), stratify=y, seed=seed)
    return x_keep, y_keep


def _toy(name: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    from glassnet.datasets import toy

    if name == "toy-moons":
        x, y = toy.make_moons(n, noise=0.25, seed=seed)
    elif name == "toy-circles":
        x, y = toy.make_circles(n, noise=0.1, factor=0.5, seed=seed)
    elif name == "toy-spirals":
        x, y = toy.make_spirals(n, n_classes=3, noise=0.2, seed=seed)
    elif name == "toy-blobs":
        x, y = toy.make_blobs(n, centers=4, cluster_std=1.5, seed=seed)
    else:
        x, y = toy.make_astronaut(n, seed=seed)
        return x, y.reshape(-1).astype(np.int64), toy.ASTRONAUT_TARGET_NAMES
    y = np.asarray(y, dtype=np.int64)
    return x, y, tuple(f"class {c}" for c in range(int(y.max()) + 1))


def _scaled(x: np.ndarray, scale: float) -> np.ndarray:
    """``x`` flattened to (n, features), float32, divided by ``scale`` (no float64 copy)."""
    out = x.reshape(len(x), -1).astype(np.float32)
    out *= np.float32(1.0 / scale)
    return out


def load_dataset(name: str, *, max_train: int | None = None, quick: bool = False, seed: int = 0,
                 download: bool | None = None) -> Dataset:
    """Load ``name`` (one of :data:`DATASETS`) as a :class:`Dataset`.

    Images are scaled to [0, 1]. Toy sets have 1,000 points (300 with ``quick``), a
    stratified 75/25 split. ``max_train`` keeps a stratified random subset of the training
    part; ``quick`` keeps at most 1,000 training and 500 test images.
    """
    if name not in DATASETS:
        raise ValueError(f"`name` must be one of {', '.join(DATASETS)}, got {name!r}.")
    notes = []
    if name.startswith("toy-"):
        from glassnet.preprocessing import train_test_split

        x, y, names = _toy(name, 300 if quick else 1000, seed)
        x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, stratify=y, seed=seed)
        shape, scale = None, 1.0
    else:
        mod: Any  # digits, mnist or fashion_mnist: their load_data signatures differ
        if name == "digits":
            from glassnet.datasets import digits as mod

            (x_tr, y_tr), (x_te, y_te) = mod.load_data(seed=seed)
            scale = float(mod.MAX_VALUE)
        else:
            from glassnet.datasets import fashion_mnist, mnist

            mod = mnist if name == "mnist" else fashion_mnist
            (x_tr, y_tr), (x_te, y_te) = mod.load_data(download=download, progress=False)
            scale = 255.0
        names, shape = tuple(mod.CLASS_NAMES), tuple(x_tr.shape[1:3])
    if quick:
        max_train = min(max_train or 1000, 1000)
        x_te, y_te = _subsample(x_te, y_te, 500, seed)
    n_full = len(x_tr)
    x_tr, y_tr = _subsample(x_tr, y_tr, max_train, seed)
    if len(x_tr) < n_full:
        notes.append(f"stratified random {len(x_tr):,} of the {n_full:,} training samples")
    return Dataset(
        name=name,
        x_train=_scaled(x_tr, scale),
        y_train=np.asarray(y_tr, dtype=np.int64),
        x_test=_scaled(x_te, scale),
        y_test=np.asarray(y_te, dtype=np.int64),
        class_names=names, image_shape=shape, note="; ".join(notes),
    )


# --------------------------------------------------------------------------- glassnet models


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
    they cannot run). Epochs scale with the data so each model sees enough steps."""
    from functools import partial

    d, c, n = data.n_features, data.n_classes, len(data.x_train)
    toy = data.image_shape is None
    gkw = {"n_classes": c, "image_shape": data.image_shape}
    # Toy sets have a few hundred points: many more epochs give the same number of steps.
    ep_workshop, ep_tuned, ep_cnn = (300, 150, 0) if toy else (20, 20, 10)
    if data.name == "digits":
        ep_workshop, ep_tuned, ep_cnn = 100, 60, 30
    if quick:
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


# --------------------------------------------------------------------------- running


def _thread_limit(threads: int | None) -> Any:
    """Cap BLAS and OpenMP threads (threadpoolctl) while a model trains; None: no cap."""
    if threads is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads)


def run_model(spec: ModelSpec, data: Dataset, keep_model: bool = False,
              threads: int | None = 1) -> dict[str, Any]:
    """Fit ``spec``'s model on ``data``'s training part, time it, score it on the test part.

    ``threads`` caps the BLAS / OpenMP threads of this run (default 1, so every model gets
    the same budget and parallel runs do not oversubscribe the cores); None leaves them be.
    """
    row: dict[str, Any] = {"model": spec.name, "key": spec.key, "library": spec.library,
                           "settings": spec.settings, "status": "ok", "test_accuracy": None,
                           "train_time_s": None, "predict_time_s": None, "n_params": None,
                           "params_counted": "", "note": ""}
    if spec.skip is not None:
        row.update(status="skipped", note=spec.skip)
        return row
    model = cast(Callable[[], Any], spec.build)()  # a spec that is not skipped has a build
    with warnings.catch_warnings(record=True) as caught, _thread_limit(threads):
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        model.fit(data.x_train, data.y_train, **spec.fit_kwargs)
        t1 = time.perf_counter()
        pred = np.asarray(model.predict(data.x_test))
        t2 = time.perf_counter()
    n_params, counted = count_params(model)
    converge = [w for w in caught if "converge" in str(w.message).lower()]
    row.update(test_accuracy=float(np.mean(pred == data.y_test)), train_time_s=t1 - t0,
               predict_time_s=t2 - t1, n_params=n_params, params_counted=counted,
               note="did not fully converge (ConvergenceWarning)" if converge else "")
    if keep_model:
        row["_model"] = model
    return row


def compare(data: Dataset, *, models: Sequence[str] | None = None, quick: bool = False,
            n_jobs: int = 1, backend: str | None = None, seed: int = 0,
            keep_models: bool = False, threads: int | None = 1,
            on_result: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """Train every model of :func:`model_specs` (or those whose key is in ``models``).

    Returns one row (dict) per model, in line-up order: ``model``, ``library``, ``status``
    ('ok' or 'skipped'), ``test_accuracy``, ``train_time_s``, ``predict_time_s``,
    ``n_params``, ``params_counted``, ``settings``, ``note``; with ``keep_models`` also the
    fitted model under ``_model``. Runs go through ``joblib.Parallel(n_jobs)`` under
    ``backend`` (default loky); without joblib they run one after the other. ``threads``
    caps each run's BLAS / OpenMP threads (see :func:`run_model`); ``on_result(row)`` is
    called as each row arrives (in order), e.g. to report progress.
    """
    specs = model_specs(data, quick=quick, seed=seed)
    if models is not None:
        keys = [s.key for s in specs]
        unknown = [m for m in models if m not in keys]
        if unknown:
            raise ValueError(f"Unknown model keys {unknown}; valid keys: {', '.join(keys)}.")
        specs = [s for s in specs if s.key in models]
    rows: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:
        try:
            import joblib
        except ImportError:
            results: Any = (run_model(s, data, keep_models, threads) for s in specs)
        else:
            if backend:  # e.g. 'dask' or 'ray', registered beforehand (connect_backend)
                stack.enter_context(joblib.parallel_config(backend=backend, n_jobs=n_jobs))
            jobs = (joblib.delayed(run_model)(s, data, keep_models, threads) for s in specs)
            results = joblib.Parallel(n_jobs=None if backend else n_jobs,
                                      return_as="generator")(jobs)
        for row in results:
            rows.append(row)
            if on_result is not None:
                on_result(row)
    return rows


def connect_backend(backend: str, address: str | None = None) -> Any:
    """Set up a cluster backend for joblib: 'dask' (a ``distributed.Client`` on ``address``,
    or a local cluster) or 'ray' (``ray.init(address)`` and ``register_ray()``).

    Returns the client (dask) or None. Other backends need nothing.
    """
    if backend == "dask":
        from dask.distributed import Client

        return Client(address) if address else Client()
    if backend == "ray":
        import ray
        from ray.util.joblib import register_ray

        ray.init(address=address)
        register_ray()
    return None


# --------------------------------------------------------------------------- the table

COLUMNS = ("model", "key", "library", "test_accuracy", "train_time_s", "predict_time_s", "n_params",
           "params_counted", "status", "settings", "note")


def _time(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def results_table(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as a Markdown table (skipped models keep a line saying why)."""
    out = ["| model | test accuracy | train time | predict time | parameters | notes |",
           "|---|---:|---:|---:|---:|---|"]
    for r in rows:
        if r["status"] != "ok":
            out.append(f"| {r['model']} | – | – | – | – | skipped: {r['note']} |")
            continue
        note = "; ".join(x for x in (r["settings"], r["note"]) if x)
        out.append(f"| {r['model']} | {r['test_accuracy']:.4f} | {_time(r['train_time_s'])} | "
                   f"{_time(r['predict_time_s'])} | {r['n_params']:,} ({r['params_counted']}) | "
                   f"{note} |")
    return "\n".join(out)


def save_results(rows: Sequence[dict[str, Any]], data: Dataset, out: Any,
                 meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write ``results.csv``, ``results.json`` and ``results.md`` into the folder ``out``.

    Returns the JSON document: ``dataset``, ``n_train``, ``n_test``, ``n_features``,
    ``n_classes``, ``note``, any ``meta`` keys, and ``results`` (the rows, without models).
    """
    import csv
    import io
    import json
    from pathlib import Path

    from glassnet._atomic import atomic_write

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    clean = [{k: r.get(k) for k in COLUMNS} for r in rows]
    doc = {"dataset": data.name, "n_train": len(data.x_train), "n_test": len(data.x_test),
           "n_features": data.n_features, "n_classes": data.n_classes, "note": data.note,
           **(meta or {}), "results": clean}
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in clean)
    header = (f"Data set **{data.name}**: {doc['n_train']:,} training and {doc['n_test']:,} test "
              f"samples, {data.n_features} features, {data.n_classes} classes"
              + (f" ({data.note})" if data.note else "") + ".\n\n")
    for name, text in (("results.csv", buf.getvalue()),
                       ("results.json", json.dumps(doc, indent=2) + "\n"),
                       ("results.md", header + results_table(rows) + "\n")):
        with atomic_write(out / name, "w") as f:
            f.write(text)
    return doc
