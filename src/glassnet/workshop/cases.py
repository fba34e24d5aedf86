"""The cases each workshop function is checked on, built from a fixed seed.

Every name gets the slides' ``[2, 3, 1]``, a network without a hidden layer (``[2, 1]``),
one sample, random layer sizes, a square network (so that a transposed ``w`` or a wrongly
broadcast bias still runs and gives wrong numbers instead of a shape error), ``y`` of shape
``(m, 1)`` and ``(m,)``, float32 inputs where the arithmetic allows it, and the Keras
example's ``[784, 30, 30, 10]``. The finite-difference functions (``gradient_estimator``,
``one_step_gd``, ``GD``) are checked in float64 only: float32 keeps 7 digits, which a
forward difference with a small step loses entirely. The numeric gradient's large case is
``[784, 3, 10]`` (MNIST's inputs, 2,395 parameters): all 24,790 of ``[784, 30, 30, 10]``
would take 24,791 forward passes, a minute for a loop that copies every layer per nudge.

For several outputs the slides' cost ``np.sum((y_pred - y)**2) / m`` sums over outputs;
the per-entry mean (``np.mean``, Keras's MSE) is accepted too, and so are gradients and
steps computed from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glassnet import scratch
from glassnet.workshop.properties import check_init


@dataclass
class Case:
    """One call of a learner's function and what it must give back.

    Attributes
    ----------
    label : str
        Describes the case in messages, e.g. ``"network [2, 3, 1], m = 5, float64"``.
    args : tuple
        The arguments (copied afresh for every call).
    expected : list
        Acceptable answers; the first is glassnet's. Empty when ``validate`` judges.
    validate : callable or None
        ``validate(received) -> problem or None`` for answers checked by their properties.
    guard : tuple of int
        Positions of arguments the function must leave unchanged.
    rtol, atol : float
        Tolerances; ``atol`` is relative to the largest expected magnitude.
    heavy : bool
        Too slow to replay each catalogued mistake on (skipped when diagnosing).
    """

    label: str
    args: tuple
    expected: list[Any] = field(default_factory=list)
    validate: Callable[[Any], str | None] | None = None
    guard: tuple[int, ...] = ()
    rtol: float = 1e-6
    atol: float = 1e-9
    heavy: bool = False


def _net(rng: np.random.Generator, sizes: list[int],
         dtype: type = np.float64) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weights scaled by 1/sqrt(n_in) so that no case saturates every sigmoid."""
    w: list[np.ndarray] = [(rng.standard_normal((o, i)) * 1.5 / np.sqrt(i)).astype(dtype)
                           for i, o in zip(sizes[:-1], sizes[1:], strict=True)]
    b: list[np.ndarray] = [(rng.standard_normal((o, 1)) * 0.5).astype(dtype) for o in sizes[1:]]
    return w, b


def _data(rng: np.random.Generator, sizes: list[int], m: int, flat_y: bool = False,
          dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    X: np.ndarray = rng.standard_normal((m, sizes[0])).astype(dtype)
    if sizes[0] > 100:  # pixels in [0, 1), as MNIST
        X = rng.uniform(size=(m, sizes[0])).astype(dtype)
    y = rng.uniform(size=(m, sizes[-1])).round().astype(dtype)
    return X, (y.ravel() if flat_y else y)


def _random_sizes(rng: np.random.Generator) -> list[int]:
    depth = int(rng.integers(1, 4))
    return [int(n) for n in rng.integers(1, 6, size=depth + 1)]


def _label(sizes: list[int], m: int | None = None, dtype: type = np.float64, extra: str = "") -> str:
    parts = [f"network {sizes}"]
    if m is not None:
        parts.append(f"m = {m} sample{'s' if m != 1 else ''}")
    parts.append(np.dtype(dtype).name)
    return ", ".join(parts) + (f", {extra}" if extra else "")


# Networks every data case runs on: (sizes, m, y of shape (m,), dtype, heavy).
_SQUARE = ([3, 3, 3], 3, False, np.float64, False)
_DATA_NETS = [
    _SQUARE,
    ([2, 3, 1], 5, False, np.float64, False),
    ([2, 1], 4, True, np.float64, False),
    ([2, 3, 1], 1, False, np.float64, False),
    ([2, 3, 1], 6, True, np.float64, False),
    ([3, 4, 2], 4, False, np.float64, False),
]
_FLOAT32 = ([3, 4, 2], 6, False, np.float32, False)
_BIG = ([784, 30, 30, 10], 3, False, np.float64, True)
# The numeric gradient of all 24,790 parameters costs 24,791 forward passes (seconds, or a
# minute with copies of every layer per nudge): it is checked on MNIST-sized inputs with a
# narrow hidden layer instead, 2,395 parameters.
_BIG_NUMERIC = ([784, 3, 10], 2, False, np.float64, True)


def _nets(rng: np.random.Generator, float32: bool, big: bool, numeric: bool = False):
    nets = list(_DATA_NETS)
    nets.insert(4, (_random_sizes(rng), int(rng.integers(2, 7)), False, np.float64, False))
    if float32:
        nets.append(_FLOAT32)
    if big:
        nets.append(_BIG_NUMERIC if numeric else _BIG)
    return nets


def _tol(dtype: type) -> dict[str, Any]:
    return {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-6, "atol": 1e-9}


def _unit_cases(name: str, rng: np.random.Generator) -> list[Case]:
    fn = scratch.sigmoid if name == "sigmoid" else scratch.step
    zs: list[tuple[str, Any]] = [
        ("z = 0.0 (a float)", 0.0) if name == "sigmoid" else ("z = 2.5 (a float)", 2.5),
        ("z = -7.0, the slides' example", -7.0),
        ("z of shape (9,)", np.array([-30.0, -7.0, -1.0, -0.5, 0.25, 0.5, 1.0, 7.0, 30.0])),
        ("z of shape (3, 4)", rng.standard_normal((3, 4)) * 3 + 0.01),
        ("z of shape (2, 5), float32", (rng.standard_normal((2, 5)) * 3 + 0.01).astype(np.float32)),
        ("z of shape (1, 4) with |z| up to 1000", np.array([[-1000.0, -40.0, 40.0, 1000.0]])),
    ]
    out = []
    for label, z in zs:
        tol: dict[str, Any] = {"rtol": 1e-5, "atol": 1e-7} if np.asarray(z).dtype == np.float32 else {}
        out.append(Case(label, (z,), [fn(z)], guard=(0,), **tol))
    return out


def _perceptron_cases(rng: np.random.Generator) -> list[Case]:
    truth = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])  # columns: the 4 inputs
    cases = [
        ("x = [1, 1], w = [4, 4], b = -7 (AND)", (np.array([1.0, 1.0]), np.array([4.0, 4.0]), -7.0)),
        ("x = [1, 0], w = [4, 4], b = -7", (np.array([1.0, 0.0]), np.array([4.0, 4.0]), -7.0)),
        ("x of shape (2, 4): the AND truth table, b = -7", (truth, np.array([4.0, 4.0]), -7.0)),
        ("x of shape (2, 4): OR, w = [2, 2], b = -1", (truth, np.array([2.0, 2.0]), -1.0)),
        ("x of shape (2, 4): NAND, w = [-2, -2], b = 3", (truth, np.array([-2.0, -2.0]), 3.0)),
    ]
    x = rng.standard_normal((3, 6))
    wv = rng.standard_normal(3)
    cases.append(("x of shape (3, 6), random w and b = 0.3", (x, wv, 0.3)))
    return [Case(label, args, [scratch.perceptron(*args)], guard=(0, 1)) for label, args in cases]


def _init_cases(rng: np.random.Generator) -> list[Case]:
    sizes_list = [[2, 3, 1], [2, 1], [3, 3, 3], _random_sizes(rng) + [2], [5, 4, 3, 2], [1, 1],
                  [784, 30, 30, 10]]
    return [Case(f"layer_sizes = {s}", (list(s),), validate=_bind(check_init, s)) for s in sizes_list]


def _bind(fn: Callable[..., str | None], sizes: list[int]) -> Callable[[Any], str | None]:
    return lambda received: fn(received, sizes)


def _forward_cases(name: str, rng: np.random.Generator) -> list[Case]:
    cases = []
    for sizes, m, _, dtype, heavy in _nets(rng, float32=True, big=True):
        w, b = _net(rng, sizes, dtype)
        X, _ = _data(rng, sizes, m, dtype=dtype)
        if name == "forward_pass":
            args: tuple = (np.ascontiguousarray(X.T), w, b)
            label = _label(sizes, m, dtype, f"inp of shape {X.T.shape}")
        else:
            args = (X, w, b)
            label = _label(sizes, m, dtype, f"X of shape {X.shape}")
        expected = scratch.forward_pass(X.T, w, b)
        expected = expected if name == "forward_pass" else expected.T
        cases.append(Case(label, args, [expected], guard=(0, 1, 2), heavy=heavy, **_tol(dtype)))
    return cases


def _alternatives(value: Any, n_out: int, scale: Callable[[Any, float], Any]) -> list[Any]:
    """glassnet's answer, plus the per-entry-mean convention when there are several outputs."""
    return [value] if n_out == 1 else [value, scale(value, 1.0 / n_out)]


def _scale_grads(g: Any, s: float) -> Any:
    return tuple([a * s for a in part] for part in g)


def _cost_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for sizes, m, flat, dtype, heavy in _nets(rng, float32=True, big=True):
        w, b = _net(rng, sizes, dtype)
        X, y = _data(rng, sizes, m, flat, dtype)
        J = scratch.cost_function(X, y, w, b)
        label = _label(sizes, m, dtype, f"y of shape {y.shape}")
        cases.append(Case(label, (X, y, w, b), _alternatives(J, sizes[-1], lambda v, s: v * s),
                          guard=(0, 1, 2, 3), heavy=heavy, **_tol(dtype)))
    return cases


def _update_cases(name: str, rng: np.random.Generator) -> list[Case]:
    cases = []
    specs = [([2, 3, 1], 0, 2, 1, np.float64), ([2, 3, 1], 0, 1, 0, np.float64),
             ([2, 3, 1], 1, 0, 2, np.float64), ([3, 3, 3], 1, 0, 2, np.float64),
             ([2, 1], 0, 0, 1, np.float64), ([3, 4, 2], 1, 1, 3, np.float32),
             ([784, 30, 30, 10], 2, 7, 29, np.float64)]
    for sizes, layer, i, j, dtype in specs:
        w, b = _net(rng, sizes, dtype)
        params = w if name == "w_update" else b
        if name == "b_update":
            i, j = min(i, params[layer].shape[0] - 1), 0
        new = float(np.round(rng.standard_normal() * 3, 3))
        expected = [np.array(p, dtype=np.float64) for p in params]
        expected[layer][i, j] = new
        arg = "w" if name == "w_update" else "b"
        label = _label(sizes, None, dtype, f"{name}({arg}, {layer}, {i}, {j}, {new})")
        cases.append(Case(label, (params, layer, i, j, new), [expected], guard=(0,),
                          heavy=sizes[0] > 100, **_tol(dtype)))
    return cases


#: Forward differences agree with the exact gradient to about eps·|J''|; these tolerances
#: accept every step from 1e-3 down to 1e-10 and the central difference.
_NUMERIC_TOL: dict[str, Any] = {"rtol": 2e-2, "atol": 1e-3}


def _gradient_cases(name: str, rng: np.random.Generator) -> list[Case]:
    numeric = name != "backprop"
    cases = []
    big = name in ("gradient_estimator", "backprop")
    for sizes, m, flat, dtype, heavy in _nets(rng, float32=not numeric, big=big, numeric=numeric):
        w, b = _net(rng, sizes, dtype)
        X, y = _data(rng, sizes, m, flat, dtype)
        grads = scratch.backprop(X, y, w, b)
        tol = _NUMERIC_TOL if numeric else _tol(dtype)
        label = _label(sizes, m, dtype, f"y of shape {y.shape}")
        if name in ("gradient_estimator", "backprop"):
            expected = _alternatives(grads, sizes[-1], _scale_grads)
            args: tuple = (X, y, w, b)
        elif name == "one_step_gd":
            lr = float(rng.choice([0.5, 1.0, 2.0]))
            expected = [_step(w, b, g, lr) for g in _alternatives(grads, sizes[-1], _scale_grads)]
            args, label = (X, y, w, b, lr), f"{label}, lr = {lr}"
        else:
            epoch, lr = int(rng.integers(2, 5)), float(rng.choice([0.5, 1.0, 2.0]))
            scales = dict.fromkeys([1.0, 1.0 / sizes[-1]])
            expected = [_descend(X, y, w, b, epoch, lr, s) for s in scales]
            args, label = (X, y, w, b, epoch, lr), f"{label}, epoch = {epoch}, lr = {lr}"
        cases.append(Case(label, args, expected, guard=(0, 1, 2, 3), heavy=heavy, **tol))
    return cases


def _step(w, b, g, lr: float):
    return ([wi - lr * gi for wi, gi in zip(w, g[0], strict=True)],
            [bi - lr * gi for bi, gi in zip(b, g[1], strict=True)])


def _descend(X, y, w, b, epoch: int, lr: float, scale: float):
    for _ in range(epoch):
        w, b = _step(w, b, _scale_grads(scratch.backprop(X, y, w, b), scale), lr)
    return w, b


def build_cases(name: str, seed: int = 17) -> list[Case]:
    """The cases ``check(name, fn)`` runs, in order, for one of the workshop's names."""
    rng = np.random.default_rng(seed)
    if name in ("sigmoid", "step"):
        return _unit_cases(name, rng)
    if name == "perceptron":
        return _perceptron_cases(rng)
    if name == "init_params":
        return _init_cases(rng)
    if name in ("forward_pass", "predict"):
        return _forward_cases(name, rng)
    if name == "cost_function":
        return _cost_cases(rng)
    if name in ("w_update", "b_update"):
        return _update_cases(name, rng)
    return _gradient_cases(name, rng)
