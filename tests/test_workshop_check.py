"""``glassnet.workshop.check``: the catalogue is caught with its hints, correct variants pass."""

from __future__ import annotations

import copy
import math
import time

import numpy as np
import pytest

from glassnet.workshop import check, mistakes
from glassnet.workshop import outcome as outcome_module
from glassnet.workshop.reference import REFERENCE

# --------------------------------------------------------------------------- the catalogue


def test_catalogue_has_at_least_25_mistakes_with_distinct_hints() -> None:
    catalogue = mistakes()
    assert len(catalogue) >= 25
    assert len({m.key for m in catalogue}) == len(catalogue)
    per_name = {(m.name, m.hint) for m in catalogue}
    assert len(per_name) == len(catalogue)  # within a function, every hint is its own
    assert {m.name for m in catalogue} >= set(REFERENCE) - {"step"} | {"step"}


@pytest.mark.parametrize("m", mistakes(), ids=lambda m: m.key)
def test_each_mistake_is_rejected_with_its_own_hint(m) -> None:
    result = check(m.name, m.impl)
    assert not result and result.passed is False and result.status == "failed"
    assert result.mistake == m.key, result.message
    assert result.hint == m.hint
    assert f"Hint: {m.hint}" in result.message
    assert "expected" in result.message


# --------------------------------------------------------------------------- correct variants
# Written differently from glassnet's reference: loops, other libraries' idioms, other
# random schemes, central differences, slides' code verbatim.


def sigmoid_loop(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    for idx in np.ndindex(z.shape):
        out[idx] = 1.0 / (1.0 + math.exp(-z[idx])) if z[idx] > -700 else 0.0
    return out


def sigmoid_slides(z):
    return 1 / (1 + np.exp(-z))


def step_bool(z):
    return np.asarray(z) > 0


def perceptron_heaviside(x, w, b):
    return np.heaviside(np.dot(w, x) + b, 0.0)


def init_he(layer_sizes):
    rng = np.random.default_rng()
    w = [rng.normal(0, np.sqrt(2 / n_in), (n_out, n_in))
         for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True)]
    b = [np.zeros((n_out, 1)) for n_out in layer_sizes[1:]]
    return w, b


def init_uniform_tuple(layer_sizes):
    w, b = [], []
    for i in range(len(layer_sizes) - 1):
        w.append(np.random.uniform(-1, 1, size=(layer_sizes[i + 1], layer_sizes[i])))  # noqa: NPY002
        b.append(np.random.rand(layer_sizes[i + 1], 1))  # noqa: NPY002
    return tuple(w), tuple(b)


def forward_loops(inp, w, b):
    a = np.asarray(inp, dtype=float)
    for W, B in zip(w, b, strict=True):
        z = np.zeros((W.shape[0], a.shape[1]))
        for j in range(W.shape[0]):
            for s in range(a.shape[1]):
                z[j, s] = sum(W[j, k] * a[k, s] for k in range(W.shape[1])) + B[j, 0]
        a = sigmoid_slides(z)
    return a


def forward_dot(inp, w, b):
    out = inp
    for i in range(len(w)):
        out = sigmoid_slides(np.dot(w[i], out) + b[i])
    return out


def predict_slides(X, w, b):
    X_t = np.transpose(X)
    y_pred_t = forward_dot(X_t, w, b)
    y_pred = np.transpose(y_pred_t)
    return y_pred


def cost_mean(X, y, w, b):
    y_pred = predict_slides(X, w, b)
    return float(np.mean((y_pred - y.reshape(y_pred.shape)) ** 2))  # one output: same as the slides


def cost_loops(X, y, w, b):
    y_pred = predict_slides(X, w, b)
    y = np.reshape(y, y_pred.shape)
    m = y.shape[0]
    total = 0.0
    for s in range(m):
        for k in range(y.shape[1]):
            total += (y_pred[s, k] - y[s, k]) ** 2
    return np.array([[total / m]])


def w_update_deepcopy(w, layer_id, i, j, new_param):
    new_w = copy.deepcopy(w)
    new_w[layer_id][i][j] = new_param
    return new_w


def b_update_comprehension(b, layer_id, i, j, new_param):
    new_b = [x.copy() for x in b]
    new_b[layer_id][i, j] = new_param
    return tuple(new_b)


def gradient_central(X, y, w, b):
    eps = 1e-5
    w_pds = [np.zeros(x.shape) for x in w]
    b_pds = [np.zeros(x.shape) for x in b]
    for layer in range(len(w)):
        for i in range(w[layer].shape[0]):
            for j in range(w[layer].shape[1]):
                plus = w_update_deepcopy(w, layer, i, j, w[layer][i, j] + eps)
                minus = w_update_deepcopy(w, layer, i, j, w[layer][i, j] - eps)
                diff = cost_mean_any(X, y, plus, b) - cost_mean_any(X, y, minus, b)
                w_pds[layer][i, j] = diff / (2 * eps)
            plus = b_update_comprehension(b, layer, i, 0, b[layer][i, 0] + eps)
            minus = b_update_comprehension(b, layer, i, 0, b[layer][i, 0] - eps)
            b_pds[layer][i, 0] = (cost_mean_any(X, y, w, plus) - cost_mean_any(X, y, w, minus)) / (2 * eps)
    return w_pds, b_pds


def cost_mean_any(X, y, w, b):
    y_pred = predict_slides(X, w, b)
    return np.sum((y_pred - np.reshape(y, y_pred.shape)) ** 2) / y_pred.shape[0]


def gradient_forward_1e4(X, y, w, b):
    eps = 1e-4
    base = cost_mean_any(X, y, w, b)
    w_pds = [np.zeros_like(x, dtype=float) for x in w]
    b_pds = [np.zeros_like(x, dtype=float) for x in b]
    for layer in range(len(w)):
        for idx in np.ndindex(w[layer].shape):
            nudged = w_update_deepcopy(w, layer, *idx, w[layer][idx] + eps)
            w_pds[layer][idx] = (cost_mean_any(X, y, nudged, b) - base) / eps
        for idx in np.ndindex(b[layer].shape):
            nb = b_update_comprehension(b, layer, *idx, b[layer][idx] + eps)
            b_pds[layer][idx] = (cost_mean_any(X, y, w, list(nb)) - base) / eps
    return w_pds, b_pds


def one_step_slides(X, y, w, b, lr):
    w_pds, b_pds = gradient_central(X, y, w, b)
    new_w = [w[i] - lr * w_pds[i] for i in range(len(w))]
    new_b = [b[i] - lr * b_pds[i] for i in range(len(b))]
    return new_w, new_b


def GD_slides_with_errors(X, y, w, b, epoch, lr):
    errors = []
    for _ in range(epoch):
        w, b = one_step_slides(X, y, w, b, lr)
        errors.append(cost_mean_any(X, y, w, b))
    return w, b, errors


def backprop_loop(X, y, w, b):
    m = X.shape[0]
    a = [X.T]
    for W, B in zip(w, b, strict=True):
        a.append(sigmoid_slides(W @ a[-1] + B))
    Y = np.reshape(y, (m, -1)).T
    w_pds, b_pds = [None] * len(w), [None] * len(b)
    delta = 2 * (a[-1] - Y) / m * a[-1] * (1 - a[-1])
    for layer in reversed(range(len(w))):
        w_pds[layer] = np.einsum("jm,km->jk", delta, a[layer])
        b_pds[layer] = np.sum(delta, axis=1).reshape(-1, 1)
        delta = (w[layer].T @ delta) * a[layer] * (1 - a[layer])
    return w_pds, b_pds


CORRECT = [
    ("sigmoid", sigmoid_loop), ("sigmoid", sigmoid_slides), ("step", step_bool),
    ("perceptron", perceptron_heaviside), ("init_params", init_he), ("init_params", init_uniform_tuple),
    ("forward_pass", forward_loops), ("forward_pass", forward_dot), ("predict", predict_slides),
    ("cost_function", cost_mean), ("cost_function", cost_loops), ("w_update", w_update_deepcopy),
    ("b_update", b_update_comprehension), ("gradient_estimator", gradient_central),
    ("gradient_estimator", gradient_forward_1e4), ("one_step_gd", one_step_slides),
    ("GD", GD_slides_with_errors), ("backprop", backprop_loop),
]


@pytest.mark.parametrize(("name", "fn"), CORRECT, ids=[f"{n}-{f.__name__}" for n, f in CORRECT])
def test_correct_variants_pass(name: str, fn) -> None:
    result = check(name, fn)
    assert result, result.message
    assert result.status == "passed" and result.hint is None
    assert f"passed all {result.cases} cases" in result.message


@pytest.mark.parametrize("name", list(REFERENCE))
def test_glassnet_reference_passes_its_own_check(name: str) -> None:
    assert check(name, REFERENCE[name])


# --------------------------------------------------------------------------- robustness


def test_stub_reports_not_done_yet() -> None:
    def forward_pass(inp, w, b):
        raise NotImplementedError

    def predict(X, w, b):
        out = None
        return out

    for name, fn in (("forward_pass", forward_pass), ("predict", predict), ("sigmoid", None)):
        result = check(name, fn)
        assert not result and result.status == "not done"
        assert "not done yet" in result.message


def test_learner_exception_is_reported_with_its_last_traceback_line() -> None:
    def cost_function(X, y, w, b):
        return {}["oops"]

    result = check("cost_function", cost_function)
    assert not result and result.status == "failed"
    assert "raised KeyError: 'oops'" in result.message


def test_wrong_types_never_crash_the_checker() -> None:
    for name, value in (("backprop", "text"), ("forward_pass", [[1, 2], [3]]), ("init_params", 3),
                        ("GD", (None, None)), ("w_update", {"a": 1})):
        result = check(name, lambda *args, v=value: v)
        assert not result and result.status == "failed", name


def test_slow_function_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outcome_module, "TIME_LIMIT", 0.2)

    def sigmoid(z):
        time.sleep(5)
        return 1 / (1 + np.exp(-z))

    start = time.perf_counter()
    result = check("sigmoid", sigmoid)
    assert time.perf_counter() - start < 3
    assert not result and "took longer than 0.2 s" in result.message


def test_message_shows_expected_and_received_shapes() -> None:
    def predict(X, w, b):
        return forward_dot(X.T, w, b)  # forgot to transpose back

    result = check("predict", predict)
    assert not result
    assert "expected: shape (5, 1)" in result.message or "expected: shape (3, 3)" in result.message
    assert "received: shape" in result.message
    assert result.mistake == "predict-no-transpose-back"


def test_unknown_name_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"`name` must be one of .*'forward_pass'.*got 'forward'"):
        check("forward", forward_dot)


def test_use_falls_back_to_the_reference_until_passed(capsys) -> None:
    failed = check("sigmoid", lambda z: np.tanh(z))
    assert failed.use() is REFERENCE["sigmoid"]
    assert "glassnet's reference sigmoid" in capsys.readouterr().out
    passed = check("sigmoid", sigmoid_slides)
    assert passed.use() is sigmoid_slides


@pytest.mark.parametrize(
    ("name", "fn", "fragment"),
    [
        # Mistakes outside the catalogue still fail, with the closest general hint.
        ("sigmoid", lambda z: 1 / (1 + np.exp(-2 * z)), None),
        ("cost_function", lambda X, y, w, b: 3 * cost_mean_any(X, y, w, b), "3 times the expected"),
        ("backprop", lambda X, y, w, b: tuple([-g for g in part] for part in backprop_loop(X, y, w, b)),
         "bp-sign"),
    ],
)
def test_unlisted_mistakes_fail_with_a_general_hint(name, fn, fragment) -> None:
    result = check(name, fn)
    assert not result
    if fragment:
        assert fragment in (result.hint or "") or result.mistake == fragment


def test_exit_and_unreadable_results_are_reported() -> None:
    class Weird:
        def __array__(self, *args, **kwargs):
            raise RuntimeError("no")

    def quits(z):
        raise SystemExit(3)

    assert "raised SystemExit" in check("sigmoid", quits).message
    result = check("sigmoid", lambda z: Weird())
    assert not result and result.status == "failed"


def test_in_place_update_returning_none_is_a_failure_not_not_done() -> None:
    def w_update(w, layer_id, i, j, new_param):
        w[layer_id][i, j] = new_param  # changes the caller's w, returns nothing

    result = check("w_update", w_update)
    assert not result and result.status == "failed"
    assert "changed its argument `w`" in result.message
