"""Neural networks versus other algorithms: glassnet models and scikit-learn baselines.

>>> from glassnet.compare import load_dataset, compare, save_results
>>> data = load_dataset("toy-moons")                          # doctest: +SKIP
>>> rows = compare(data, n_jobs=2)                            # doctest: +SKIP
>>> save_results(rows, data, "reports/compare")               # doctest: +SKIP

Every model trains on the same split and is timed the same way (``fit`` wall time, then
``predict`` on the whole test set). The runs are independent, so :func:`compare` hands them
to ``joblib.Parallel``; any joblib backend works (``loky`` processes by default, ``dask`` or
``ray`` for a cluster -- see docs/compare.md).

Read top-down: :mod:`.data` (the data sets, one split each), :mod:`.lineup` (the contestants
and how their parameters are counted), :mod:`.run` (training, timing, the table and the files).
"""

from glassnet.compare.data import DATASETS, Dataset, load_dataset
from glassnet.compare.lineup import (
    SKLEARN_HINT,
    SVC_MAX_TRAIN,
    GlassnetClassifier,
    ModelSpec,
    build_workshop_mlp,
    conv_layers,
    count_params,
    have_sklearn,
    model_specs,
)
from glassnet.compare.run import COLUMNS, compare, connect_backend, results_table, run_model, save_results

__all__ = [
    "COLUMNS", "DATASETS", "SKLEARN_HINT", "SVC_MAX_TRAIN", "Dataset", "GlassnetClassifier",
    "ModelSpec", "build_workshop_mlp", "compare", "connect_backend", "conv_layers", "count_params",
    "have_sklearn", "load_dataset", "model_specs", "results_table", "run_model", "save_results",
]
