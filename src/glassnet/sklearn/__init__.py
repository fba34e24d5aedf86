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

from glassnet.sklearn.classifier import GlassClassifier
from glassnet.sklearn.regressor import GlassRegressor

__all__ = ["GlassClassifier", "GlassRegressor"]
