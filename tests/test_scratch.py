"""The workshop's from-scratch network: shapes, numbers, gradients, counts, training, errors."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from glassnet.datasets.toy import make_astronaut
from glassnet.scratch import (
    GD,
    CallCounter,
    b_update,
    backprop,
    cost_function,
    count_params,
    forward_pass,
    gradient_estimator,
    init_params,
    one_step_gd,
    predict,
    sigmoid,
    w_update,
)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def flat(params: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([p.ravel() for p in params])


def rel_error(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    """Norm-based relative error ||a - b|| / (||a|| + ||b||) over all entries of both lists."""
    fa, fb = flat(a), flat(b)
    return float(np.linalg.norm(fa - fb) / max(np.linalg.norm(fa) + np.linalg.norm(fb), 1e-300))


def tiny_network() -> tuple[list[np.ndarray], list[np.ndarray]]:
    """[2, 2, 1] with round numbers, used for the hand computations below."""
    w = [np.array([[1.0, -1.0], [0.5, 2.0]]), np.array([[2.0, -3.0]])]
    b = [np.array([[0.0], [-1.0]]), np.array([[0.5]])]
    return w, b


# --------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ([2, 3, 1], 13),  # the slides: 9 weights + 4 biases
        ([784, 30, 30, 10], 24_790),  # the slides' Keras summary
        ([1, 1], 2),
        ([3, 5, 4, 6, 2], 3 * 5 + 5 + 5 * 4 + 4 + 4 * 6 + 6 + 6 * 2 + 2),
        ([2] + [4] * 8 + [1], 2 * 4 + 4 + 7 * (4 * 4 + 4) + 4 + 1),  # deep
    ],
)
def test_init_params_shapes_and_count(sizes: list[int], expected: int) -> None:
    w, b = init_params(sizes, seed=0)
    assert len(w) == len(b) == len(sizes) - 1
    for i in range(len(sizes) - 1):
        assert w[i].shape == (sizes[i + 1], sizes[i])
        assert b[i].shape == (sizes[i + 1], 1)
        assert w[i].dtype == b[i].dtype == np.float64
    assert count_params(w, b) == expected


def test_init_params_2_3_1_has_9_weights_and_4_biases() -> None:
    w, b = init_params([2, 3, 1], seed=0)
    assert sum(x.size for x in w) == 9
    assert sum(x.size for x in b) == 4


def test_init_params_seeded() -> None:
    w1, b1 = init_params([2, 3, 1], seed=7)
    w2, b2 = init_params([2, 3, 1], seed=7)
    w3, _ = init_params([2, 3, 1], seed=8)
    assert all(np.array_equal(x, y) for x, y in zip(w1 + b1, w2 + b2, strict=True))
    assert not np.array_equal(w1[0], w3[0])


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        ([2], "`layer_sizes` must list at least 2 layers"),
        ([2, 0, 1], "`layer_sizes[1]` must be a positive integer, got 0."),
        ([2, -3, 1], "`layer_sizes[1]` must be a positive integer, got -3."),
        ([2, 1.5, 1], "`layer_sizes[1]` must be a positive integer, got 1.5."),
        ([True, 3, 1], "`layer_sizes[0]` must be a positive integer, got True."),
        ("231", "`layer_sizes` must be a sequence of positive integers"),
    ],
)
def test_init_params_rejects_bad_sizes(sizes: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        init_params(sizes, seed=0)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- sigmoid


def test_sigmoid_stable_and_correct_at_extremes() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = sigmoid(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0]))
    assert out[0] == 0.0 and out[-1] == 1.0
    assert out[2] == 0.5
    assert 0 < out[1] < 1e-21 and 1 - 1e-15 < out[3] <= 1.0
    assert sigmoid(1000.0) == 1.0 and sigmoid(-1000.0) == 0.0


def test_sigmoid_matches_formula_and_symmetry(rng: np.random.Generator) -> None:
    z = rng.uniform(-30, 30, size=(5, 7))
    np.testing.assert_allclose(sigmoid(z), 1.0 / (1.0 + np.exp(-z)), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(sigmoid(-z), 1.0 - sigmoid(z), atol=1e-15)
    assert sigmoid(z).shape == z.shape


# --------------------------------------------------------------------------- forward


def test_forward_pass_by_hand() -> None:
    # Sample 1, x = (1, 2):  z1 = (1·1 - 1·2 + 0, 0.5·1 + 2·2 - 1) = (-1, 3.5)
    #   a1 = (σ(-1), σ(3.5)) = (0.2689414214, 0.9706877692)
    #   z2 = 2·0.2689414214 - 3·0.9706877692 + 0.5 = -1.8741804650,  σ(z2) = 0.1330587485
    # Sample 2, x = (0, 0):  z1 = (0, -1),  a1 = (0.5, 0.2689414214)
    #   z2 = 2·0.5 - 3·0.2689414214 + 0.5 = 0.6931757359,  σ(z2) = 0.6666730123
    w, b = tiny_network()
    inp = np.array([[1.0, 0.0], [2.0, 0.0]])  # (n_in=2, m=2): samples are columns
    out = forward_pass(inp, w, b)
    assert out.shape == (1, 2)
    np.testing.assert_allclose(out, [[0.1330587485, 0.6666730123]], rtol=1e-9)


def test_predict_is_forward_transposed(rng: np.random.Generator) -> None:
    w, b = init_params([3, 5, 4, 2], seed=1)
    X = rng.standard_normal((6, 3))
    out = predict(X, w, b)
    assert out.shape == (6, 2)
    np.testing.assert_array_equal(out, forward_pass(X.T, w, b).T)
    assert np.all((out > 0) & (out < 1))


def test_cost_function_by_hand_and_y_shapes() -> None:
    # (0.1330587485² + (0.6666730123 - 1)²) / 2 = 0.0644057557
    w, b = tiny_network()
    X = np.array([[1.0, 2.0], [0.0, 0.0]])
    expected = 0.0644057557
    assert cost_function(X, np.array([[0.0], [1.0]]), w, b) == pytest.approx(expected, rel=1e-9)
    assert cost_function(X, np.array([0.0, 1.0]), w, b) == pytest.approx(expected, rel=1e-9)


def test_cost_function_sums_over_outputs(rng: np.random.Generator) -> None:
    w, b = init_params([3, 4, 2], seed=2)
    X, y = rng.standard_normal((5, 3)), rng.uniform(size=(5, 2))
    expected = np.sum((predict(X, w, b) - y) ** 2) / 5
    assert cost_function(X, y, w, b) == pytest.approx(expected, rel=1e-12)


# --------------------------------------------------------------------------- updates


def test_w_update_and_b_update_return_copies() -> None:
    w, b = init_params([2, 3, 1], seed=0)
    w_before, b_before = [x.copy() for x in w], [x.copy() for x in b]
    new_w = w_update(w, 0, 2, 1, 42.0)
    new_b = b_update(b, 1, 0, 0, -7.0)
    assert new_w[0][2, 1] == 42.0 and new_b[1][0, 0] == -7.0
    for old, keep in zip(w + b, w_before + b_before, strict=True):
        np.testing.assert_array_equal(old, keep)  # inputs untouched
    assert [x.shape for x in new_w] == [x.shape for x in w]
    # Only the one entry changed.
    diff = flat(new_w) != flat(w)
    assert diff.sum() == 1


def test_update_rejects_bad_index() -> None:
    w, b = init_params([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match=re.escape("`layer_id` must be in [0, 1]")):
        w_update(w, 2, 0, 0, 1.0)
    msg = "must index `b[0]` of shape (3, 1), got (0, 1)"
    with pytest.raises(ValueError, match=re.escape(msg)):
        b_update(b, 0, 0, 1, 1.0)


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("sizes", [[2, 1], [2, 3, 1], [3, 5, 2], [4, 6, 5, 3], [2, 4, 4, 4, 4, 2]])
def test_backprop_matches_central_differences(sizes: list[int], rng: np.random.Generator) -> None:
    w, b = init_params(sizes, seed=int(rng.integers(1000)))
    X = rng.standard_normal((7, sizes[0]))
    y = rng.uniform(size=(7, sizes[-1]))
    bw, bb = backprop(X, y, w, b)
    cw, cb = gradient_estimator(X, y, w, b, method="central")
    assert [g.shape for g in bw] == [x.shape for x in w]
    assert [g.shape for g in bb] == [x.shape for x in b]
    # Norm-based relative error over all parameters, and per layer.
    assert rel_error(bw + bb, cw + cb) < 1e-6
    for g1, g2 in zip(bw + bb, cw + cb, strict=True):
        assert rel_error([g1], [g2]) < 1e-6


def test_forward_difference_is_close_but_less_accurate(rng: np.random.Generator) -> None:
    w, b = init_params([2, 3, 1], seed=3)
    X, y = rng.uniform(size=(20, 2)), rng.uniform(size=(20, 1))
    exact = backprop(X, y, w, b)
    fwd = gradient_estimator(X, y, w, b)
    err_forward = rel_error(exact[0] + exact[1], fwd[0] + fwd[1])
    cw, cb = gradient_estimator(X, y, w, b, method="central")
    err_central = rel_error(exact[0] + exact[1], cw + cb)
    assert err_forward < 1e-5
    assert err_central < err_forward


def test_gradient_estimator_does_not_mutate(rng: np.random.Generator) -> None:
    w, b = init_params([2, 3, 1], seed=0)
    before = flat(w + b).copy()
    X, y = rng.uniform(size=(4, 2)), rng.uniform(size=(4, 1))
    gradient_estimator(X, y, w, b)
    gradient_estimator(X, y, w, b, method="central")
    np.testing.assert_array_equal(flat(w + b), before)


@pytest.mark.parametrize("sizes", [[2, 3, 1], [3, 5, 4, 2]])
def test_evaluation_counts(sizes: list[int], rng: np.random.Generator) -> None:
    w, b = init_params(sizes, seed=0)
    P = count_params(w, b)
    X, y = rng.uniform(size=(5, sizes[0])), rng.uniform(size=(5, sizes[-1]))

    forward = CallCounter()
    gradient_estimator(X, y, w, b, method="forward", counter=forward)
    assert (forward.cost, forward.forward, forward.backward) == (P + 1, P + 1, 0)

    central = CallCounter()
    gradient_estimator(X, y, w, b, method="central", counter=central)
    assert (central.cost, central.forward, central.backward) == (2 * P, 2 * P, 0)

    bp = CallCounter()
    backprop(X, y, w, b, counter=bp)
    assert (bp.cost, bp.forward, bp.backward) == (0, 1, 1)
    bp.reset()
    assert (bp.cost, bp.forward, bp.backward) == (0, 0, 0)


def test_slides_example_counts_13_forward_passes() -> None:
    # "13 forward pass" on the slides: one nudge per parameter, plus the base cost.
    w, b = init_params([2, 3, 1], seed=0)
    c = CallCounter()
    gradient_estimator(np.zeros((3, 2)), np.zeros(3), w, b, counter=c)
    assert c.forward - 1 == 13


# --------------------------------------------------------------------------- descent


def test_one_step_gd_lowers_cost_and_keeps_inputs(rng: np.random.Generator) -> None:
    X, y = make_astronaut(n_samples=60, seed=1)
    w, b = init_params([2, 3, 1], seed=0)
    before = flat(w + b).copy()
    for gradient in ("numeric", "backprop"):
        new_w, new_b = one_step_gd(X, y, w, b, lr=0.5, gradient=gradient)
        assert cost_function(X, y, new_w, new_b) < cost_function(X, y, w, b)
        assert [x.shape for x in new_w + new_b] == [x.shape for x in w + b]
    np.testing.assert_array_equal(flat(w + b), before)


def test_gd_backprop_learns_astronauts() -> None:
    X, y = make_astronaut(seed=0)
    w, b = init_params([2, 3, 1], seed=0)
    w, b, errors = GD(X, y, w, b, epoch=3000, lr=6.0, gradient="backprop")
    errors = np.asarray(errors)
    assert errors.shape == (3000,)
    assert errors[-1] < 0.1 * errors[0]
    # Monotone-ish: almost every step goes down.
    assert np.mean(np.diff(errors) > 1e-9) < 0.01
    accuracy = np.mean((predict(X, w, b) >= 0.5) == (y >= 0.5))
    assert accuracy >= 0.95


def test_gd_numeric_agrees_with_backprop() -> None:
    X, y = make_astronaut(n_samples=80, seed=2)
    w0, b0 = init_params([2, 3, 1], seed=1)
    wn, bn, en = GD(X, y, w0, b0, epoch=40, lr=3.0, gradient="numeric")
    wb, bb, eb = GD(X, y, w0, b0, epoch=40, lr=3.0, gradient="backprop")
    np.testing.assert_allclose(flat(wn + bn), flat(wb + bb), atol=1e-5)
    np.testing.assert_allclose(en, eb, rtol=1e-6)
    assert en[-1] < en[0]


def test_gd_zero_epochs_and_counter() -> None:
    X, y = make_astronaut(n_samples=20, seed=0)
    w, b = init_params([2, 3, 1], seed=0)
    w2, b2, errors = GD(X, y, w, b, epoch=0, lr=1.0)
    assert errors == []
    np.testing.assert_array_equal(flat(w2 + b2), flat(w + b))
    c = CallCounter()
    GD(X, y, w, b, epoch=3, lr=1.0, gradient="backprop", counter=c)
    assert (c.forward, c.backward) == (3, 3)


def test_gd_plot_to_path(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    X, y = make_astronaut(n_samples=20, seed=0)
    w, b = init_params([2, 3, 1], seed=0)
    path = tmp_path / "errors.png"
    _, _, errors = GD(X, y, w, b, epoch=5, lr=1.0, gradient="backprop", plot=path)
    assert len(errors) == 5
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_gd_plot_true_draws_a_figure() -> None:
    plt = pytest.importorskip("matplotlib.pyplot")
    X, y = make_astronaut(n_samples=20, seed=0)
    w, b = init_params([2, 3, 1], seed=0)
    before = set(plt.get_fignums())
    GD(X, y, w, b, epoch=5, lr=1.0, gradient="backprop", plot=True)
    new = set(plt.get_fignums()) - before
    assert len(new) == 1
    fig = plt.figure(new.pop())
    assert len(fig.axes[0].lines[0].get_ydata()) == 5
    plt.close(fig)


# --------------------------------------------------------------------------- errors


def test_weights_that_do_not_chain() -> None:
    w, b = init_params([2, 3, 1], seed=0)
    w[1] = np.zeros((1, 4))
    msg = "`w[1]` must have shape (1, 3) to follow `w[0]` of shape (3, 2), got (1, 4)."
    with pytest.raises(ValueError, match=re.escape(msg)):
        predict(np.zeros((5, 2)), w, b)
    with pytest.raises(ValueError, match=re.escape(msg)):
        count_params(w, b)


def test_bias_shape_mismatch() -> None:
    w, b = init_params([2, 3, 1], seed=0)
    b[0] = np.zeros(3)
    msg = "`b[0]` must have shape (3, 1) to match `w[0]` of shape (3, 2), got (3,)."
    with pytest.raises(ValueError, match=re.escape(msg)):
        backprop(np.zeros((5, 2)), np.zeros((5, 1)), w, b)


def test_bias_list_length_and_non_2d_weight() -> None:
    w, b = init_params([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match=re.escape("`b` must be a list of 2 column vectors")):
        forward_pass(np.zeros((2, 5)), w, b[:1])
    msg = "`w[0]` must be a 2-D array of shape (n_out, n_in), got shape (6,)."
    with pytest.raises(ValueError, match=re.escape(msg)):
        forward_pass(np.zeros((2, 5)), [np.zeros(6), w[1]], b)


def test_X_feature_count_mismatch() -> None:
    w, b = init_params([2, 3, 1], seed=0)
    msg = "`X` must have shape (m, 2) to match `w[0]` of shape (3, 2), got (5, 3)."
    with pytest.raises(ValueError, match=re.escape(msg)):
        predict(np.zeros((5, 3)), w, b)
    with pytest.raises(ValueError, match=re.escape(msg)):
        gradient_estimator(np.zeros((5, 3)), np.zeros((5, 1)), w, b)


def test_inp_must_be_column_wise() -> None:
    w, b = init_params([2, 3, 1], seed=0)
    msg = "`inp` must have shape (2, m), one sample per column, to match `w[0]` of shape (3, 2), got (5, 2)."
    with pytest.raises(ValueError, match=re.escape(msg)):
        forward_pass(np.zeros((5, 2)), w, b)


def test_X_y_row_mismatch() -> None:
    w, b = init_params([2, 3, 1], seed=0)
    msg = "`y` must have shape (5, 1): one row per row of `X` of shape (5, 2)"
    with pytest.raises(ValueError, match=re.escape(msg) + r".*got \(4, 1\)\."):
        cost_function(np.zeros((5, 2)), np.zeros((4, 1)), w, b)
    with pytest.raises(ValueError, match=re.escape("got (4,).")):
        GD(np.zeros((5, 2)), np.zeros(4), w, b, epoch=1, lr=1.0)


def test_y_output_mismatch() -> None:
    w, b = init_params([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match=re.escape("`y` must have shape (5, 2)") + r".*got \(5,\)"):
        one_step_gd(np.zeros((5, 2)), np.zeros(5), w, b, lr=1.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": 0.0}, "`lr` must be a positive finite number, got 0.0."),
        ({"lr": float("nan")}, "`lr` must be a positive finite number, got nan."),
        ({"gradient": "adam"}, "`gradient` must be one of ('numeric', 'backprop'), got 'adam'."),
        ({"epoch": -1}, "`epoch` must be a non-negative integer, got -1."),
        ({"epoch": 2.5}, "`epoch` must be a non-negative integer, got 2.5."),
    ],
)
def test_gd_rejects_bad_settings(kwargs: dict, message: str) -> None:
    w, b = init_params([2, 3, 1], seed=0)
    args = {"epoch": 1, "lr": 1.0, "gradient": "backprop", **kwargs}
    with pytest.raises(ValueError, match=re.escape(message)):
        GD(np.zeros((3, 2)), np.zeros((3, 1)), w, b, **args)


def test_gradient_estimator_rejects_bad_settings() -> None:
    w, b = init_params([2, 3, 1], seed=0)
    X, y = np.zeros((3, 2)), np.zeros((3, 1))
    msg = "`method` must be one of ('forward', 'central'), got 'backward'."
    with pytest.raises(ValueError, match=re.escape(msg)):
        gradient_estimator(X, y, w, b, method="backward")
    msg = "`epsilon` must be a positive finite number, got -0.1."
    with pytest.raises(ValueError, match=re.escape(msg)):
        gradient_estimator(X, y, w, b, epsilon=-0.1)


# --------------------------------------------------------------------------- copies share nothing


def test_w_update_and_b_update_share_no_array_with_their_input() -> None:
    w, b = init_params([2, 3, 4, 1], seed=0)
    new_w = w_update(w, 1, 3, 2, 5.0)
    new_b = b_update(b, 0, 1, 0, -5.0)
    for new, old in ((new_w, w), (new_b, b)):
        for a in new:
            assert not any(np.shares_memory(a, o) for o in old)
    # Editing the result in place never reaches the caller's network.
    before = [x.copy() for x in w + b]
    for a in new_w + new_b:
        a += 100.0
    for x, keep in zip(w + b, before, strict=True):
        np.testing.assert_array_equal(x, keep)


# --------------------------------------------------------------------------- the perceptron unit


def test_step_is_one_exactly_where_z_is_positive() -> None:
    from glassnet.scratch import step

    z = np.array([[-3.0, -1e-12, 0.0], [1e-12, 2.0, 7.0]])
    np.testing.assert_array_equal(step(z), [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    assert step(-7.0).shape == () and float(step(-7.0)) == 0.0


def test_perceptron_computes_and_or_nand_and_the_slides_minus_seven() -> None:
    from glassnet.scratch import perceptron, sigmoid_unit

    inputs = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    np.testing.assert_array_equal(perceptron(inputs, np.array([4.0, 4.0]), -7.0), [0, 0, 0, 1])
    np.testing.assert_array_equal(perceptron(inputs, np.array([2.0, 2.0]), -1.0), [0, 1, 1, 1])
    np.testing.assert_array_equal(perceptron(inputs, np.array([-2.0, -2.0]), 3.0), [1, 1, 1, 0])
    # Bias -7, nothing on: the perceptron says 0, the sigmoid unit sigma(-7) = 0.000911.
    assert float(perceptron(np.zeros(2), np.array([4.0, 4.0]), -7.0)) == 0.0
    assert float(sigmoid_unit(np.zeros(2), np.array([4.0, 4.0]), -7.0)) == pytest.approx(
        1 / (1 + np.exp(7.0)), rel=1e-12)


def test_no_single_perceptron_computes_xor() -> None:
    from glassnet.scratch import perceptron

    inputs = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    xor = np.array([0.0, 1.0, 1.0, 0.0])
    grid = np.linspace(-5, 5, 21)
    assert not any(np.array_equal(perceptron(inputs, np.array([a, c]), d), xor)
                   for a in grid for c in grid for d in grid)


def test_perceptron_rejects_mismatched_shapes() -> None:
    from glassnet.scratch import perceptron

    with pytest.raises(ValueError, match=r"`x` must have shape \(2,\) or \(2, m\).*got \(3,\)"):
        perceptron(np.zeros(3), np.zeros(2), 0.0)
    with pytest.raises(ValueError, match=r"`w` must be 1-D.*got shape \(1, 2\)"):
        perceptron(np.zeros(2), np.zeros((1, 2)), 0.0)


# --------------------------------------------------------------------------- no hidden layer


def test_network_without_hidden_layer_works_everywhere() -> None:
    X, y = make_astronaut(n_samples=80, seed=0)
    w, b = init_params([2, 1], seed=0)
    assert [a.shape for a in w] == [(1, 2)] and [a.shape for a in b] == [(1, 1)]
    assert forward_pass(X.T, w, b).shape == (1, 80) and predict(X, w, b).shape == (80, 1)
    exact = backprop(X, y, w, b)
    numeric = gradient_estimator(X, y, w, b, method="central")
    assert rel_error(exact[0] + exact[1], numeric[0] + numeric[1]) < 1e-8
    w1, b1 = one_step_gd(X, y, w, b, 2.0)
    _, _, errors = GD(X, y, w, b, epoch=50, lr=2.0, gradient="backprop")
    assert cost_function(X, y, w1, b1) < cost_function(X, y, w, b) and errors[-1] < errors[0]
