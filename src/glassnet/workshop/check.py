"""``check(name, fn)``: run a learner's function on many cases and say what is wrong.

The result names the first failing case with the expected and received values and shapes
and, when the learner's function behaves like a catalogued mistake, a hint that names
that mistake in the slides' notation.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet.workshop.cases import Case, build_cases
from glassnet.workshop.mistakes import Mistake, mistakes_for
from glassnet.workshop.outcome import Mismatch, Outcome, call, close, normalize, show
from glassnet.workshop.reference import CALLS, REFERENCE, SIGNATURES

#: Names that take no network and so are not matched by argument names.
NAMES = tuple(REFERENCE)


@dataclass
class CheckResult:
    """What :func:`check` found. Truthy exactly when the function passed.

    Attributes
    ----------
    name : str
        The function checked, e.g. ``"forward_pass"``.
    passed : bool
    status : {"passed", "failed", "not done"}
        ``"not done"`` when the function is still the stub (it raises NotImplementedError
        or returns None).
    message : str
        Human-readable verdict: on failure the first failing case, expected and received
        values with their shapes, and the hint.
    hint : str or None
        What went wrong, when the mistake is a known one (or an educated guess).
    mistake : str or None
        The catalogue key of the recognised mistake.
    cases : int
        How many cases were run.
    """

    name: str
    passed: bool
    status: str
    message: str
    hint: str | None = None
    mistake: str | None = None
    cases: int = 0
    _fn: Callable[..., Any] | None = None

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return self.message

    def use(self) -> Callable[..., Any]:
        """The function to carry on with: the learner's once it passed, else glassnet's.

        Prints which one it is when it is glassnet's, so later cells can run either way.
        """
        if self.passed and self._fn is not None:
            return self._fn
        print(f"Until yours passes, the next cells use glassnet's reference {self.name}.")
        return REFERENCE[self.name]


def _arg_names(name: str) -> list[str]:
    sig = inspect.signature(REFERENCE[name])
    return [p for p in sig.parameters][: len(SIGNATURES[name].split(","))]


def _judge(case: Case, outcome: Outcome, name: str) -> tuple[str | None, Any]:
    """The problem with ``outcome`` on ``case`` (None when right) and the normalised value."""
    if outcome.error is not None:
        return f"raised {outcome.error_line}", None
    if outcome.mutated:
        return f"changed its argument `{outcome.mutated}` (the caller's data must stay as it was)", None
    if outcome.shares:
        return "returned arrays that share memory with its input (editing the result would change " \
               "the caller's network)", None
    if case.validate is not None:
        return case.validate(outcome.value), outcome.value
    value = outcome.value
    if name == "GD" and isinstance(value, (list, tuple)) and len(value) == 3:
        value = value[:2]  # also returning the errors is fine
    problem = None
    for expected in case.expected:
        try:
            received = normalize(value, expected)
        except Mismatch as exc:
            problem = problem or str(exc)
            continue
        if not np.all(np.isfinite(np.concatenate([np.ravel(a) for a in _leaves(received)]))):
            return "returned NaN or infinite values", received
        if close(received, expected, case.rtol, case.atol):
            return None, received
        problem = problem or "returned different values"
    return problem, value


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _leaves(v)]
    return [value]


def _signature(case: Case, outcome: Outcome, name: str) -> tuple:
    """How an outcome looks when compared with a mistake's (tolerant to small differences)."""
    if outcome.error is not None:
        return ("error",)
    flags = (outcome.mutated is not None, outcome.shares, outcome.same_object)
    value = outcome.value
    if name == "GD" and isinstance(value, (list, tuple)) and len(value) == 3:
        value = value[:2]
    if not case.expected:
        return ("value", flags, None)
    try:
        return ("value", flags, normalize(value, case.expected[0]))
    except Mismatch as exc:
        return ("mismatch", flags, str(exc))


def _matches(case: Case, mine: tuple, theirs: tuple) -> bool:
    if mine[0] != theirs[0]:
        return False
    if mine[0] == "error":
        return True
    if mine[1] != theirs[1]:
        return False
    if mine[0] == "mismatch" or mine[2] is None:
        return mine[2] == theirs[2]
    try:
        return close(mine[2], theirs[2], max(case.rtol, 1e-6), max(case.atol, 1e-6))
    except (ValueError, TypeError):
        return False


def _diagnose(name: str, fn: Callable[..., Any], cases: list[Case], failing: int,
              outcomes: dict[int, Outcome]) -> Mistake | None:
    arg_names = _arg_names(name)
    no_sharing = name in ("w_update", "b_update")
    case, outcome = cases[failing], outcomes[failing]
    known = mistakes_for(name)
    for m in known:
        if m.detect is not None and outcome.error is None and m.detect(outcome.value, case):
            return m
    light = [k for k, c in enumerate(cases) if not c.heavy]
    for k in light:
        if k not in outcomes:
            outcomes[k] = call(fn, cases[k], arg_names, no_sharing)
    learner = {k: _signature(cases[k], outcomes[k], name) for k in light}
    if all(sig[0] == "error" for sig in learner.values()):
        return _error_match(known, cases, light, arg_names, no_sharing, outcomes)
    for m in known:
        if m.detect is not None:
            continue
        if all(_matches(cases[k], learner[k],
                        _signature(cases[k], call(m.impl, cases[k], arg_names, no_sharing), name))
               for k in light):
            return m
    return None


def _error_match(known, cases, light, arg_names, no_sharing, outcomes) -> Mistake | None:
    """A function that fails everywhere matches a mistake failing with the same message."""
    lines = {outcomes[k].error_line for k in light}
    for m in known:
        if m.detect is not None:
            continue
        theirs = {call(m.impl, cases[k], arg_names, no_sharing).error_line for k in light}
        if theirs == lines and "" not in theirs:
            return m
    return None


def _guess(name: str, case: Case, outcome: Outcome, received: Any) -> str | None:
    """An educated hint when no catalogued mistake matches."""
    if outcome.error is not None:
        if isinstance(outcome.error, (ValueError, IndexError)) and "shape" in outcome.error_line:
            return ("shapes do not fit: in the slides' layout w^{(i)} is (n_{i+1}, n_i), b^{(i)} is "
                    "(n_{i+1}, 1) and a batch is (n_i, m), one sample per column.")
        if isinstance(outcome.error, NameError):
            return "a name is not defined here: did you run the cell that defines it?"
        return None
    if outcome.mutated:
        return (f"{name} must leave `{outcome.mutated}` as it was: work on copies "
                f"(copy.deepcopy, or arrays built with - and + rather than -= and +=).")
    if not case.expected:
        return None
    expected = case.expected[0]
    exp_leaves = [np.asarray(a, dtype=float) for a in _leaves(expected)]
    try:
        got = [np.asarray(a, dtype=float) for a in _leaves(received)]
    except (TypeError, ValueError):
        return None
    pairs = list(zip(got, exp_leaves, strict=False))
    if len(got) == len(exp_leaves) and all(g.shape == e.T.shape for g, e in pairs) \
            and any(g.shape != e.shape for g, e in pairs):
        return "the result is transposed: check which axis holds the samples (columns inside the network)."
    if len(got) != len(exp_leaves) or any(g.shape != e.shape for g, e in zip(got, exp_leaves, strict=True)):
        return None
    g, e = np.concatenate([a.ravel() for a in got]), np.concatenate([a.ravel() for a in exp_leaves])
    if np.allclose(g, -e, rtol=1e-3, atol=1e-9) and np.any(e != 0):
        return "every value has the wrong sign."
    big = np.abs(e) > 1e-8 * max(np.abs(e).max(), 1e-300)
    if big.any():
        ratios = g[big] / e[big]
        if np.allclose(ratios, ratios[0], rtol=1e-3) and ratios[0] != 0:
            return f"every value is {ratios[0]:.4g} times the expected one: a constant factor is off."
    if name in CALLS:
        first = CALLS[name][0]
        return (f"{name} usually calls {', '.join(CALLS[name])}; if check('{first}', {first}) passes, "
                f"the difference is in {name} itself: compare it step by step with the slides' formula.")
    return None


def check(name: str, fn: Callable[..., Any]) -> CheckResult:
    """Check a learner's workshop function against glassnet's on many cases.

    Parameters
    ----------
    name : str
        One of ``"sigmoid"``, ``"step"``, ``"perceptron"``, ``"init_params"``,
        ``"forward_pass"``, ``"predict"``, ``"cost_function"``, ``"w_update"``,
        ``"b_update"``, ``"gradient_estimator"``, ``"one_step_gd"``, ``"GD"``, ``"backprop"``,
        with the slides' signatures (see :mod:`glassnet.scratch`).
    fn : callable
        The learner's function. Whatever it does (raise, return the wrong type, modify its
        arguments) is reported, never raised.

    Returns
    -------
    CheckResult
        Truthy when every case passed.

    Raises
    ------
    ValueError
        If ``name`` is not one of the workshop's functions.

    Examples
    --------
    >>> import numpy as np
    >>> check("sigmoid", lambda z: 1 / (1 + np.exp(-z))).passed
    True
    >>> print(check("sigmoid", lambda z: 1 / (1 + np.exp(z))).hint)  # doctest: +ELLIPSIS
    sigmoid's sign: ...
    """
    if name not in REFERENCE:
        raise ValueError(f"`name` must be one of {list(REFERENCE)}, got {name!r}.")
    title = SIGNATURES[name]
    if fn is None or not callable(fn):
        return CheckResult(name, False, "not done", f"{title}: not done yet (got {fn!r}, not a function).")
    cases = build_cases(name)
    arg_names = _arg_names(name)
    no_sharing = name in ("w_update", "b_update")
    outcomes: dict[int, Outcome] = {}
    for k, case in enumerate(cases):
        outcome = outcomes[k] = call(fn, case, arg_names, no_sharing)
        if outcome.not_done and not outcome.mutated:
            return CheckResult(name, False, "not done",
                               f"{title}: not done yet. Write the function body where it says "
                               f"'your code here', run that cell, then this one.", _fn=fn, cases=k + 1)
        try:
            problem, received = _judge(case, outcome, name)
        except Exception as exc:  # whatever came back, the checker reports rather than crashes
            problem, received = f"returned something that cannot be compared ({type(exc).__name__})", None
        if problem is None:
            continue
        try:
            found = _diagnose(name, fn, cases, k, outcomes)
            hint = found.hint if found is not None else _guess(name, case, outcome, received)
        except Exception:
            found, hint = None, None
        lines = [f"{title}: failed on case {k + 1} of {len(cases)} ({case.label}): "
                 f"{problem.rstrip('.')}."]
        if case.validate is not None:
            sizes = case.args[0]
            shapes = [(o, i) for i, o in zip(sizes[:-1], sizes[1:], strict=True)]
            lines.append(f"  expected: w of shapes {shapes}, "
                         f"b of shapes {[(o, 1) for o in sizes[1:]]}: random floats, no two rows of a "
                         "w[i] alike, nothing huge")
        if case.expected:
            lines.append(f"  expected: {show(case.expected[0])}")
            if len(case.expected) > 1:
                lines.append("            (or the same with the per-entry mean over the outputs)")
        if outcome.error is None:
            lines.append(f"  received: {show(outcome.value)}")
        if hint:
            lines.append(f"Hint: {hint}")
        return CheckResult(name, False, "failed", "\n".join(lines), hint=hint,
                           mistake=found.key if found else None, cases=k + 1, _fn=fn)
    return CheckResult(name, True, "passed",
                       f"{title}: passed all {len(cases)} cases.", cases=len(cases), _fn=fn)
