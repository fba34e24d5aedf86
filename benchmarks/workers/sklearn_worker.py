"""scikit-learn worker: ``MLPClassifier`` trained one epoch per ``partial_fit`` call.

Matched to the other frameworks: ReLU hidden layers, softmax output with log-loss, the same
batch size and learning rate, ``alpha=0`` (no L2, sklearn's default is 1e-4), plain SGD
(``momentum=0``; sklearn's default is 0.9 with Nesterov) or Adam with the same epsilon.
Each ``partial_fit`` is one shuffled pass over the training set; its wall time is the epoch
time. sklearn keeps float32 inputs in float32. ``predict_proba`` on the whole test set
(sklearn has no batch size for prediction) is the predict time. MLP workloads only.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workers import _cli  # noqa: E402  (no NumPy import: the thread variables come first)

FRAMEWORK = "sklearn"


def train(args, wl):
    import common
    import numpy as np
    import sklearn
    from sklearn.neural_network import MLPClassifier

    result = common.WorkerResult(wl.key, FRAMEWORK, version=sklearn.__version__)
    if wl.kind != "mlp":
        result.status, result.note = "skipped", "scikit-learn has no CNN/RNN layers"
        return result
    x_train, y_train, x_test, y_test = common.load_prepared(args.data)
    x_train, x_test = common.shaped(x_train, wl.kind), common.shaped(x_test, wl.kind)
    memory = common.MemoryProbe()
    memory.start()
    clf = MLPClassifier(
        hidden_layer_sizes=wl.hidden, activation="relu", solver=wl.optimizer,
        alpha=0.0, batch_size=wl.batch_size, learning_rate="constant",
        learning_rate_init=wl.learning_rate, momentum=0.0, nesterovs_momentum=False,
        epsilon=common.ADAM_EPSILON, shuffle=True, random_state=args.seed,
    )
    classes = np.arange(10)
    watch = common.Stopwatch()
    t_fit = time.perf_counter()
    for _ in range(args.epochs):
        watch.start()
        clf.partial_fit(x_train, y_train, classes=classes)
        watch.stop()
    result.fit_total_s = time.perf_counter() - t_fit
    result.predict_s, scores = common.timed_predict(lambda: clf.predict_proba(x_test))
    result.record(watch, memory, scores, y_test)
    result.note = f"weights {clf.coefs_[0].dtype}; predict_proba on all rows at once"
    return result


if __name__ == "__main__":
    sys.exit(_cli.main(FRAMEWORK, train))
