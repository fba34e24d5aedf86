"""Optimizers: hand-computed steps, convergence, dtype and in-place contracts, clipping,
config and state round-trips, errors, and (when torch is installed) PyTorch trajectories."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from glassnet import optimizers
from glassnet.optimizers import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop

P0 = [1.0, -2.0]
G1, G2 = [0.5, 0.1], [-0.2, 0.001]  # the gradients of the two steps


def two_steps(opt: Optimizer) -> np.ndarray:
    p = np.array(P0)
    for g in (G1, G2):
        opt.step([p], [np.array(g)])
    return p


# Each expected value is worked out by hand from P0, G1, G2 (epsilon=0 keeps the numbers
# clean; epsilon's placement has its own test below).
HAND_CASES = {
    # p1 = p0 - 0.1 g1 = [0.95, -2.01];  p2 = p1 - 0.1 g2 = [0.97, -2.0101]
    "sgd": (lambda: SGD(0.1), [0.97, -2.0101]),
    # v1 = -0.1 g1 = [-0.05, -0.01], p1 = [0.95, -2.01]
    # v2 = 0.9 v1 - 0.1 g2 = [-0.025, -0.0091], p2 = p1 + v2 = [0.925, -2.0191]
    "sgd_momentum": (lambda: SGD(0.1, momentum=0.9), [0.925, -2.0191]),
    # p1 = p0 + 0.9 v1 - 0.1 g1 = [0.905, -2.019]
    # p2 = p1 + 0.9 v2 - 0.1 g2 = [0.905 - 0.0225 + 0.02, -2.019 - 0.00819 - 0.0001]
    "sgd_nesterov": (lambda: SGD(0.1, momentum=0.9, nesterov=True), [0.9025, -2.02729]),
    # v1 = 0.1 g1^2 = [0.025, 0.001]: g1 / sqrt(v1) = sqrt(10) in both coordinates,
    # p1 = p0 - 0.01 sqrt(10) = [0.96837722, -2.03162278]
    # v2 = 0.9 v1 + 0.1 g2^2 = [0.0265, 0.0009001]
    # p2 = p1 - 0.01 g2 / sqrt(v2) = p1 - 0.01 [-1.22859, 0.0333315]
    "rmsprop": (
        lambda: RMSprop(0.01, rho=0.9, epsilon=0.0),
        [0.9806631257349953, -2.0319560914180417],
    ),
    # a1 = 0.1 g1 = [0.05, 0.01]: v1 - a1^2 = [0.0225, 0.0009], g1 / sqrt(.) = 10/3 both
    # p1 = p0 - 0.01 * 10/3 = [0.96666667, -2.03333333]
    # a2 = 0.9 a1 + 0.1 g2 = [0.025, 0.0091]; v2 - a2^2 = [0.0258750, 0.00081729]
    # p2 = p1 - 0.01 g2 / sqrt(.) = p1 - 0.01 [-1.24334, 0.034980]
    "rmsprop_centered": (
        lambda: RMSprop(0.01, rho=0.9, epsilon=0.0, centered=True),
        [0.9791000641098708, -2.0336831269722335],
    ),
    # b1 = g1 / sqrt(v1) = [3.16228, 3.16228], p1 = p0 - 0.01 b1
    # b2 = 0.5 b1 + g2 / sqrt(v2) = [1.58114 - 1.22859, 1.58114 + 0.03333]
    # p2 = p1 - 0.01 b2
    "rmsprop_momentum": (
        lambda: RMSprop(0.01, rho=0.9, momentum=0.5, epsilon=0.0),
        [0.9648517374341533, -2.0477674797188836],
    ),
    # acc1 = 0.1 + g1^2 = [0.35, 0.11], p1 = p0 - 0.1 g1 / sqrt(acc1) = [0.91548, -2.03015]
    # acc2 = acc1 + g2^2 = [0.39, 0.110001], p2 = p1 - 0.1 g2 / sqrt(acc2)
    "adagrad": (
        lambda: Adagrad(0.1, initial_accumulator_value=0.1, epsilon=0.0),
        [0.9475102052881658, -2.0304526444318576],
    ),
    # t=1: m_hat = g1, v_hat = g1^2, so p1 = p0 - 0.1 sign(g1) = [0.9, -2.1]
    # t=2: m = 0.9 m1 + 0.1 g2 = [0.025, 0.0091], m_hat = m / 0.19
    #      v = 0.999 v1 + 0.001 g2^2 = [0.00028975, 0.000009991], v_hat = v / 0.001999
    #      p2 = p1 - 0.1 m_hat / sqrt(v_hat) = p1 - [0.0345606, 0.0677469]
    "adam": (lambda: Adam(0.1, epsilon=0.0), [0.865439415208741, -2.1677469439318315]),
    # as Adam, but coordinate 2 has v2 = 0.000009991 < v1 = 0.00001, so v_max = v1 there:
    # p2[1] = -2.1 - 0.1 (0.0091 / 0.19) / sqrt(0.00001 / 0.001999)
    "adam_amsgrad": (
        lambda: Adam(0.1, epsilon=0.0, amsgrad=True),
        [0.865439415208741, -2.1677164509445954],
    ),
    # each step first multiplies p by (1 - 0.1 * 0.1) = 0.99, then takes Adam's step:
    # p1 = 0.99 p0 - 0.1 sign(g1) = [0.89, -2.08]; p2 = 0.99 p1 - [0.0345606, 0.0677469]
    "adamw": (
        lambda: AdamW(0.1, weight_decay=0.1, epsilon=0.0),
        [0.846539415208741, -2.1269469439318316],
    ),
}


@pytest.mark.parametrize("case", HAND_CASES)
def test_two_steps_match_hand_computation(case):
    make, expected = HAND_CASES[case]
    opt = make()
    np.testing.assert_allclose(two_steps(opt), expected, rtol=1e-12)
    assert opt.iterations == 2


def test_epsilon_sits_where_keras_puts_it():
    """Worked examples with round numbers, one step from zero state, lr = 1, g = 1."""
    g = np.array([1.0])
    # Adam: m = 1 - b1, v = 1 - b2, alpha = sqrt(1 - b2) / (1 - b1):
    # step = sqrt(1 - b2) / (sqrt(1 - b2) + eps) = 0.5 / (0.5 + 0.5) with b2 = 0.75, eps = 0.5.
    p = np.zeros(1)
    Adam(1.0, beta_2=0.75, epsilon=0.5).step([p], [g])
    np.testing.assert_allclose(p, [-0.5], rtol=1e-12)
    # Adagrad from a zero accumulator: step = g / sqrt(g^2 + eps) = 1 / sqrt(1 + 3) = 0.5.
    p = np.zeros(1)
    Adagrad(1.0, initial_accumulator_value=0.0, epsilon=3.0).step([p], [g])
    np.testing.assert_allclose(p, [-0.5], rtol=1e-12)
    # RMSprop: v = (1 - rho) g^2 = 0.25; step = g / sqrt(v + eps) = 1 / sqrt(0.25 + 0.75) = 1.
    p = np.zeros(1)
    RMSprop(1.0, rho=0.75, epsilon=0.75).step([p], [g])
    np.testing.assert_allclose(p, [-1.0], rtol=1e-12)


# -- convergence --------------------------------------------------------------------------
A = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]])  # SPD, condition ~ 5
C = np.array([1.0, -2.0, 0.5])  # the minimum of 0.5 (p - c)^T A (p - c)


def _decay(lr: float) -> optimizers.ExponentialDecay:
    """Halve the rate every 300 steps: RMSprop's steps stay ~lr in size near the minimum."""
    return optimizers.ExponentialDecay(lr, decay_steps=300, decay_rate=0.5)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: SGD(0.1), id="sgd"),
        pytest.param(lambda: SGD(0.05, momentum=0.9), id="sgd_momentum"),
        pytest.param(lambda: SGD(0.05, momentum=0.9, nesterov=True), id="sgd_nesterov"),
        pytest.param(lambda: RMSprop(_decay(0.01)), id="rmsprop"),
        pytest.param(lambda: RMSprop(_decay(0.01), centered=True), id="rmsprop_centered"),
        pytest.param(lambda: RMSprop(_decay(0.005), momentum=0.5), id="rmsprop_momentum"),
        pytest.param(lambda: Adagrad(0.5), id="adagrad"),
        pytest.param(lambda: Adam(0.05), id="adam"),
        pytest.param(lambda: Adam(0.05, amsgrad=True), id="adam_amsgrad"),
        pytest.param(lambda: AdamW(0.05, weight_decay=0.0), id="adamw"),
    ],
)
def test_minimises_a_convex_quadratic(make):
    opt = make()
    p = np.zeros(3)
    grad = np.empty(3)
    for _ in range(2000):
        np.matmul(A, p - C, out=grad)  # d/dp 0.5 (p - c)^T A (p - c) = A (p - c)
        opt.step([p], [grad])
    assert np.linalg.norm(p - C) < 1e-3


def test_adamw_converges_to_the_decayed_minimum():
    # wd pulls towards 0: the fixed point solves lr*wd*p + Adam's step = 0; it lies
    # strictly between 0 and c, closer to c for a small decay.
    p = np.zeros(3)
    opt = AdamW(0.01, weight_decay=0.01)
    for _ in range(3000):
        opt.step([p], [A @ (p - C)])
    assert np.linalg.norm(p - C) < 0.05
    assert np.linalg.norm(p) < np.linalg.norm(C)


# -- dtype and in-place contracts ------------------------------------------------------------
ALL_OPTIMIZERS = [
    lambda: SGD(0.1),
    lambda: SGD(0.1, momentum=0.9, nesterov=True),
    lambda: RMSprop(centered=True, momentum=0.9),
    lambda: Adagrad(),
    lambda: Adam(amsgrad=True),
    lambda: AdamW(),
    lambda: Adam(clipnorm=0.1),
]


ALL_IDS = [
    "sgd",
    "sgd_nesterov",
    "rmsprop_centered_momentum",
    "adagrad",
    "adam_amsgrad",
    "adamw",
    "adam_clipnorm",
]


@pytest.mark.parametrize("make", ALL_OPTIMIZERS, ids=ALL_IDS)
def test_float32_parameters_and_state_stay_float32(make, rng):
    opt = make()
    p = rng.standard_normal(5).astype(np.float32)
    for _ in range(3):
        opt.step([p], [rng.standard_normal(5).astype(np.float32)])
    assert p.dtype == np.float32
    state = opt.get_state()
    assert all(v.dtype == np.float32 for k, v in state.items() if k != "iterations")
    # a float64 gradient does not upcast a float32 parameter either
    opt.step([p], [rng.standard_normal(5)])
    assert p.dtype == np.float32


@pytest.mark.parametrize("make", ALL_OPTIMIZERS, ids=ALL_IDS)
def test_updates_in_place_through_views_of_one_flat_buffer(make, rng):
    theta = np.ones(10)  # the model's flat vector; layers hold views into it
    w, b = theta[:6].reshape(2, 3), theta[6:]
    opt = make()
    params = [w, b]
    ids = [id(w), id(b)]
    opt.step(params, [np.full((2, 3), 0.5), np.full(4, -0.5)])
    assert [id(x) for x in params] == ids
    assert np.all(theta[:6] < 1.0) and np.all(theta[6:] > 1.0)  # the buffer itself moved
    np.testing.assert_array_equal(theta[:6].reshape(2, 3), w)


@pytest.mark.parametrize("make", ALL_OPTIMIZERS, ids=ALL_IDS)
def test_a_step_allocates_no_parameter_sized_temporaries(make, rng):
    p, g = rng.standard_normal(100_000), rng.standard_normal(100_000)
    opt = make()
    opt.step([p], [g])  # the first step creates the slots and work buffers
    tracemalloc.start()
    try:
        opt.step([p], [g])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < p.nbytes / 20


def test_gradients_are_not_modified(rng):
    g = rng.standard_normal(4)
    g_copy = g.copy()
    for opt in (SGD(0.1, momentum=0.9), RMSprop(centered=True), Adam(), SGD(clipnorm=0.01)):
        opt.step([np.zeros(4)], [g])
    np.testing.assert_array_equal(g, g_copy)


def test_apply_gradients_takes_keras_pairs():
    w, b = np.array([1.0, 2.0]), np.array([0.5])
    opt = SGD(0.5)
    assert opt.apply_gradients([(np.array([1.0, 1.0]), w), (np.array([-1.0]), b)]) == 1
    np.testing.assert_allclose(w, [0.5, 1.5])
    np.testing.assert_allclose(b, [1.0])
    assert opt.iterations == 1


# -- learning rate ----------------------------------------------------------------------------
def test_lr_alias_defaults_and_setter():
    assert SGD(lr=0.001).learning_rate == 0.001
    assert SGD().learning_rate == 0.01 and Adam().learning_rate == 0.001
    opt = RMSprop(learning_rate=0.1)
    opt.learning_rate = 0.2
    assert opt.learning_rate == 0.2 and opt.lr == 0.2
    opt.lr = 0.3
    assert opt.learning_rate == 0.3
    assert isinstance(opt.learning_rate, float)


def test_lr_and_learning_rate_together_is_an_error():
    with pytest.raises(ValueError, match=r"both `learning_rate`=0.1 and its alias `lr`=0.2"):
        SGD(learning_rate=0.1, lr=0.2)
    with pytest.raises(ValueError, match="both"):
        AdamW(0.1, lr=0.2)


def test_unknown_keyword_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="momentm"):
        SGD(momentm=0.9)
    with pytest.raises(TypeError, match="beta1"):
        Adam(beta1=0.9)


def test_schedule_drives_the_step_size():
    sched = optimizers.PiecewiseConstantDecay([1], [1.0, 0.1])  # steps 0, 1 -> 1.0; 2+ -> 0.1
    opt = SGD(learning_rate=sched)
    p = np.zeros(1)
    moves = []
    for _ in range(4):
        before = p.copy()
        opt.step([p], [np.ones(1)])
        moves.append(float(before[0] - p[0]))
    np.testing.assert_allclose(moves, [1.0, 1.0, 0.1, 0.1])
    assert opt.learning_rate == 0.1 and opt.schedule is sched


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"learning_rate": -1.0},
            r"`learning_rate` of SGD must be a number in \[0, inf\), got -1.0",
        ),
        ({"learning_rate": "fast"}, r"`learning_rate` of SGD must be a number, got 'fast'"),
        ({"momentum": 1.5}, r"`momentum` of SGD must be a number in \[0, 1\], got 1.5"),
        ({"clipnorm": 0.0}, r"`clipnorm` of SGD must be a number in \(0, inf\)"),
        ({"clipnorm": 1.0, "clipvalue": 1.0}, "at most one of"),
        ({"name": ""}, "`name` of SGD must be a non-empty string"),
    ],
)
def test_invalid_hyperparameters(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        SGD(**kwargs)


def test_invalid_adaptive_hyperparameters():
    with pytest.raises(ValueError, match=r"`beta_2` of Adam must be a number in \[0, 1\)"):
        Adam(beta_2=1.0)
    with pytest.raises(ValueError, match=r"`rho` of RMSprop"):
        RMSprop(rho=-0.1)
    with pytest.raises(ValueError, match=r"`weight_decay` of AdamW"):
        AdamW(weight_decay=-1)
    with pytest.raises(ValueError, match=r"`initial_accumulator_value` of Adagrad"):
        Adagrad(initial_accumulator_value=-1)


# -- step errors ------------------------------------------------------------------------------
def test_step_errors():
    opt = Adam()
    with pytest.raises(ValueError, match="got 2 parameter arrays but 1 gradients"):
        opt.step([np.zeros(2), np.zeros(3)], [np.zeros(2)])
    with pytest.raises(ValueError, match=r"parameter 0 has shape \(2,\).*gradient shape \(3,\)"):
        opt.step([np.zeros(2)], [np.zeros(3)])
    with pytest.raises(TypeError, match="parameter 0 must be a writeable floating ndarray"):
        Adam().step([np.zeros(2, dtype=int)], [np.zeros(2)])
    opt = Adam()
    opt.step([np.zeros(2)], [np.ones(2)])
    with pytest.raises(ValueError, match="holds state for 1 parameter arrays, got 2"):
        opt.step([np.zeros(2), np.zeros(2)], [np.ones(2), np.ones(2)])
    with pytest.raises(ValueError, match=r"expected shape \(2,\), dtype float64"):
        opt.step([np.zeros(2, dtype=np.float32)], [np.ones(2)])


# -- clipping ------------------------------------------------------------------------------
def _sgd_move(opt: Optimizer, grads: list[np.ndarray]) -> list[np.ndarray]:
    """With SGD(lr=1) the parameter moves by minus the (clipped) gradient."""
    params = [np.zeros_like(g) for g in grads]
    opt.step(params, grads)
    return [-p for p in params]


def test_clipvalue_clips_each_entry():
    moved = _sgd_move(SGD(1.0, clipvalue=0.5), [np.array([2.0, -3.0, 0.1])])
    np.testing.assert_allclose(moved[0], [0.5, -0.5, 0.1])


def test_clipnorm_rescales_each_array_separately():
    # ||[3, 4]|| = 5 -> scaled to norm 1: [0.6, 0.8]; ||[0.3, 0.4]|| = 0.5 <= 1: unchanged
    moved = _sgd_move(SGD(1.0, clipnorm=1.0), [np.array([3.0, 4.0]), np.array([0.3, 0.4])])
    np.testing.assert_allclose(moved[0], [0.6, 0.8])
    np.testing.assert_allclose(moved[1], [0.3, 0.4])


def test_global_clipnorm_rescales_all_arrays_together():
    # joint norm sqrt(3^2 + 4^2 + 12^2) = 13 -> every array times 2.6 / 13 = 0.2
    moved = _sgd_move(SGD(1.0, global_clipnorm=2.6), [np.array([3.0, 4.0]), np.array([12.0])])
    np.testing.assert_allclose(moved[0], [0.6, 0.8])
    np.testing.assert_allclose(moved[1], [2.4])
    moved = _sgd_move(SGD(1.0, global_clipnorm=20.0), [np.array([3.0, 4.0]), np.array([12.0])])
    np.testing.assert_allclose(moved[1], [12.0])  # below the threshold: unchanged


def test_clipping_happens_before_the_update_rule():
    # Adam is invariant to gradient scale at t=1, so check a momentum rule instead:
    # velocity after one step = -lr * clipped g
    opt = SGD(0.1, momentum=0.9, clipvalue=1.0)
    opt.step([np.zeros(1)], [np.array([10.0])])
    np.testing.assert_allclose(opt.get_state()["velocity_0"], [-0.1])


# -- config and state --------------------------------------------------------------------
CONFIGURED = [
    SGD(lr=0.05, momentum=0.8, nesterov=True, clipnorm=2.0, name="my_sgd"),
    RMSprop(0.002, rho=0.8, momentum=0.3, epsilon=1e-6, centered=True, clipvalue=0.5),
    Adagrad(0.02, initial_accumulator_value=0.2, epsilon=1e-6, global_clipnorm=3.0),
    Adam(optimizers.ExponentialDecay(0.01, 100, 0.5), beta_1=0.8, amsgrad=True),
    AdamW(optimizers.CosineDecay(0.01, 50, alpha=0.1, warmup_steps=5), weight_decay=0.01),
]


@pytest.mark.parametrize("opt", CONFIGURED, ids=lambda o: type(o).__name__)
def test_config_round_trip(opt):
    config = opt.get_config()
    clone = type(opt).from_config(config)
    assert type(clone) is type(opt)
    assert clone.get_config() == config
    via_registry = optimizers.get(optimizers.serialize(opt))
    assert via_registry.get_config() == config


@pytest.mark.parametrize("opt", CONFIGURED, ids=lambda o: type(o).__name__)
def test_state_round_trip_continues_exactly(opt, rng, tmp_path):
    opt = type(opt).from_config(opt.get_config())  # a fresh copy per test run
    shapes = [(3, 2), (4,)]
    params = [rng.standard_normal(s) for s in shapes]
    for _ in range(3):
        opt.step(params, [rng.standard_normal(s) for s in shapes])
    # save as the model does (.npz), restore into a new optimizer built from the config
    np.savez(tmp_path / "opt.npz", **{k: np.asarray(v) for k, v in opt.get_state().items()})
    restored = type(opt).from_config(opt.get_config())
    with np.load(tmp_path / "opt.npz") as f:
        restored.set_state(dict(f))
    assert restored.iterations == opt.iterations == 3
    grads = [rng.standard_normal(s) for s in shapes]
    mine = [p.copy() for p in params]
    opt.step(params, grads)
    restored.step(mine, grads)
    for a, b in zip(params, mine, strict=True):
        np.testing.assert_array_equal(a, b)


def test_state_keys_and_errors():
    opt = Adam()
    assert opt.get_state() == {"iterations": 0}
    opt.step([np.zeros(2)], [np.ones(2)])
    assert sorted(opt.get_state()) == ["iterations", "m_0", "v_0"]
    with pytest.raises(ValueError, match="unexpected entry 'velocity_0'"):
        Adam().set_state({"iterations": 1, "velocity_0": np.zeros(2)})
    with pytest.raises(ValueError, match="parameter 0 lacks slots v_0"):
        Adam().set_state({"iterations": 1, "m_0": np.zeros(2)})
    with pytest.raises(ValueError, match="needs an 'iterations' entry"):
        Adam().set_state({"m_0": np.zeros(2)})
    restored = Adam()
    restored.set_state({"iterations": 1, "m_0": np.zeros(3), "v_0": np.zeros(3)})
    with pytest.raises(ValueError, match=r"restored slot 'm_0' has shape \(3,\)"):
        restored.step([np.zeros(2)], [np.ones(2)])


# -- registry ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "cls"),
    [("sgd", SGD), ("RMSprop", RMSprop), ("ADAGRAD", Adagrad), ("adam", Adam), ("AdamW", AdamW)],
)
def test_get_by_name(name, cls):
    assert type(optimizers.get(name)) is cls


def test_get_instance_dict_and_errors():
    opt = Adam()
    assert optimizers.get(opt) is opt
    built = optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.5}})
    assert isinstance(built, SGD) and built.learning_rate == 0.5
    with pytest.raises(
        ValueError,
        match="Unknown optimizer 'adamx'. Valid: adadelta, adagrad, adam, adamax, adamw, ftrl, "
        "lamb, lion, nadam, rmsprop, sgd",
    ):
        optimizers.get("adamx")
    with pytest.raises(ValueError, match="Unknown optimizer 'Muon'"):
        optimizers.get({"class_name": "Muon", "config": {}})
    with pytest.raises(TypeError, match="Could not interpret optimizer identifier 3"):
        optimizers.get(3)


# -- PyTorch trajectories -----------------------------------------------------------------------
TORCH_CASES = [
    ("SGD", {"learning_rate": 0.05}, {"lr": 0.05}),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9}, {"lr": 0.05, "momentum": 0.9}),
    (
        "SGD",
        {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True},
        {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    ),
    ("RMSprop", {"learning_rate": 0.01, "rho": 0.9}, {"lr": 0.01, "alpha": 0.9, "eps": 1e-7}),
    (
        "RMSprop",
        {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.5, "centered": True, "epsilon": 1e-6},
        {"lr": 0.01, "alpha": 0.8, "momentum": 0.5, "centered": True, "eps": 1e-6},
    ),
    (
        "Adagrad",
        {"learning_rate": 0.1, "initial_accumulator_value": 0.1},
        {"lr": 0.1, "initial_accumulator_value": 0.1, "eps": 1e-7},
    ),
    ("Adam", {"learning_rate": 0.01}, {"lr": 0.01, "eps": 1e-7}),
    (
        "Adam",
        {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99, "amsgrad": True},
        {"lr": 0.01, "betas": (0.8, 0.99), "amsgrad": True, "eps": 1e-7},
    ),
    (
        "AdamW",
        {"learning_rate": 0.01, "weight_decay": 0.1},
        {"lr": 0.01, "weight_decay": 0.1, "eps": 1e-7},
    ),
    (
        "AdamW",
        {"learning_rate": 0.01, "weight_decay": 0.1, "amsgrad": True, "epsilon": 1e-8},
        {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True, "eps": 1e-8},
    ),
]


#: Keras (and glassnet) add epsilon inside the root (RMSprop, Adagrad) or beside the uncorrected
#: sqrt(v) (Adam); PyTorch beside the corrected root. With a negligible epsilon the formulas
#: are the same function, so the trajectories compare everything else.
EPS = 1e-30


@pytest.mark.parametrize(("name", "ours", "theirs"), TORCH_CASES)
def test_matches_torch_optim_over_50_steps(name, ours, theirs):
    torch = pytest.importorskip("torch")
    if name != "SGD":
        ours, theirs = {**ours, "epsilon": EPS}, {**theirs, "eps": EPS}
    data = np.random.default_rng(0)
    X, y = data.standard_normal((20, 6)), data.standard_normal(20)
    start = [data.standard_normal((6,)), data.standard_normal((3, 2))]

    def grads(w, extra):  # least squares plus a non-quadratic term, all in float64
        r = X @ w - y
        return [X.T @ r / len(y) + 0.1 * np.tanh(w), np.cos(extra) + extra**3 * 0.01]

    params = [p.copy() for p in start]
    opt = getattr(optimizers, name)(**ours)
    tparams = [torch.tensor(p.copy(), dtype=torch.float64, requires_grad=True) for p in start]
    topt = getattr(torch.optim, name)(tparams, foreach=False, **theirs)
    for _ in range(50):
        opt.step(params, grads(*params))
        for t, g in zip(tparams, grads(*(t.detach().numpy() for t in tparams)), strict=True):
            t.grad = torch.from_numpy(g)
        topt.step()
    for p, t in zip(params, tparams, strict=True):
        np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-8, atol=0)
