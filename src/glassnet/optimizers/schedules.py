"""Learning-rate schedules: ``schedule(step) -> learning rate``.

An optimizer given a schedule as ``learning_rate`` evaluates it at ``optimizer.iterations``
(the number of updates already applied, 0 for the first one), as Keras does. Schedules count
optimizer steps (batches), not epochs.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import Any

from glassnet import _registry, _validate


class LearningRateSchedule(_registry.Configurable):
    """Base class: a callable from the step number to a learning rate (a Python float)."""

    def __call__(self, step: int) -> float:
        raise NotImplementedError

    #: Constructor arguments :meth:`get_config` returns, read from the attributes of the same name.
    config_keys: tuple[str, ...] = ()

    def get_config(self) -> dict[str, Any]:
        """What rebuilds the schedule: ``type(s).from_config(s.get_config())``."""
        if not self.config_keys:
            raise NotImplementedError
        return {key: getattr(self, key) for key in self.config_keys}


def _check_lr(owner: str, value: Any) -> float:
    return _validate.check_number(owner, "initial_learning_rate", value, low=0.0)


class ExponentialDecay(LearningRateSchedule):
    """``lr0 * decay_rate ** (step / decay_steps)``, as Keras's ``ExponentialDecay``.

    Parameters
    ----------
    initial_learning_rate : float
        Learning rate at step 0, ``lr0 >= 0``.
    decay_steps : float
        Number of steps over which the rate is multiplied by ``decay_rate``; ``> 0``.
    decay_rate : float
        Factor per ``decay_steps``; ``> 0``.
    staircase : bool, default False
        Decay in discrete jumps: the exponent becomes ``floor(step / decay_steps)``.

    Notes
    -----
    .. math:: \\eta_t = \\eta_0 \\, r^{t / T}
              \\quad (\\text{staircase: } r^{\\lfloor t / T \\rfloor})
    """

    config_keys = ("initial_learning_rate", "decay_steps", "decay_rate", "staircase")

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        decay_rate: float,
        staircase: bool = False,
        name: str | None = None,
    ) -> None:
        self.name = name
        owner = type(self).__name__
        self.initial_learning_rate = _check_lr(owner, initial_learning_rate)
        self.decay_steps = _validate.check_number(owner, "decay_steps", decay_steps, low=0.0, low_open=True)
        self.decay_rate = _validate.check_number(owner, "decay_rate", decay_rate, low=0.0, low_open=True)
        self.staircase = bool(staircase)

    def __call__(self, step: int) -> float:
        exponent = step / self.decay_steps  # t / T
        if self.staircase:
            exponent = math.floor(exponent)  # floor(t / T)
        return self.initial_learning_rate * self.decay_rate**exponent  # lr0 * r^exponent


class StepDecay(ExponentialDecay):
    """``lr0 * gamma ** (step // step_size)``, as PyTorch's ``StepLR`` (counted in steps).

    The staircase case of :class:`ExponentialDecay`, with PyTorch's parameter names.

    Parameters
    ----------
    initial_learning_rate : float
        Learning rate for steps ``0 .. step_size - 1``.
    step_size : int
        Number of steps between two multiplications by ``gamma``; ``>= 1``.
    gamma : float, default 0.1
        Multiplicative factor; ``> 0``.

    Notes
    -----
    .. math:: \\eta_t = \\eta_0 \\, \\gamma^{\\lfloor t / s \\rfloor}
    """

    def __init__(self, initial_learning_rate: float, step_size: int, gamma: float = 0.1) -> None:
        step_size = _validate.check_number("StepDecay", "step_size", step_size, low=1, integer=True)
        gamma = _validate.check_number("StepDecay", "gamma", gamma, low=0.0, low_open=True)
        super().__init__(initial_learning_rate, step_size, gamma, staircase=True)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "step_size": int(self.decay_steps),
            "gamma": self.decay_rate,
        }


class PiecewiseConstantDecay(LearningRateSchedule):
    """Constant rates between step boundaries, as Keras's ``PiecewiseConstantDecay``.

    Parameters
    ----------
    boundaries : sequence of int
        Strictly increasing step numbers.
    values : sequence of float
        ``len(boundaries) + 1`` learning rates: ``values[0]`` while ``step <= boundaries[0]``,
        ``values[i]`` while ``boundaries[i-1] < step <= boundaries[i]``, ``values[-1]`` after.

    Notes
    -----
    .. math:: \\eta_t = v_i, \\quad i = \\#\\{j : b_j < t\\}
    """

    def __init__(self, boundaries: Sequence[int], values: Sequence[float],
                 name: str | None = None) -> None:
        self.name = name
        owner = type(self).__name__
        self.boundaries = [_validate.check_number(owner, "boundaries", b, integer=True) for b in boundaries]
        self.values = [_validate.check_number(owner, "values", v, low=0.0) for v in values]
        if len(self.values) != len(self.boundaries) + 1:
            raise ValueError(
                f"{owner} needs len(values) == len(boundaries) + 1, got {len(self.boundaries)} "
                f"boundaries and {len(self.values)} values."
            )
        if any(b >= c for b, c in zip(self.boundaries, self.boundaries[1:], strict=False)):
            raise ValueError(f"`boundaries` of {owner} must be strictly increasing, got {self.boundaries}.")

    def __call__(self, step: int) -> float:
        # bisect_left counts the boundaries strictly below `step`.
        return self.values[bisect.bisect_left(self.boundaries, step)]

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": list(self.boundaries), "values": list(self.values)}


class CosineDecay(LearningRateSchedule):
    """Optional linear warm-up from 0, then cosine decay to ``alpha * lr0`` (Keras's formula).

    Parameters
    ----------
    initial_learning_rate : float
        Peak learning rate ``lr0``, reached at the end of the warm-up.
    decay_steps : int
        Length of the cosine part, in steps; ``>= 1``.
    alpha : float, default 0.0
        Final rate as a fraction of ``lr0``, in ``[0, 1]``.
    warmup_steps : int, default 0
        Steps of linear warm-up before the decay starts.

    Notes
    -----
    With warm-up length :math:`W` and decay length :math:`T`:

    .. math::
        \\eta_t = \\eta_0 \\, t / W \\quad (t < W), \\qquad
        \\eta_t = \\eta_0 \\left[(1 - \\alpha) \\tfrac12
        \\left(1 + \\cos \\frac{\\pi \\min(t - W, T)}{T}\\right) + \\alpha\\right] \\quad (t \\ge W)

    With ``warmup_target`` (Keras 3's form) the warm-up goes linearly from
    ``initial_learning_rate`` to ``warmup_target``, and the cosine part decays from
    ``warmup_target``. Without it, the warm-up starts at 0 and ends at
    ``initial_learning_rate`` (Keras with ``initial_learning_rate=0, warmup_target=lr0``;
    Keras itself ignores ``warmup_steps`` when ``warmup_target`` is None).
    """

    config_keys = ("initial_learning_rate", "decay_steps", "alpha", "warmup_steps")

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        warmup_steps: int = 0,
        *,
        warmup_target: float | None = None,
        name: str | None = None,
    ) -> None:
        owner = type(self).__name__
        self.initial_learning_rate = _check_lr(owner, initial_learning_rate)
        self.decay_steps = _validate.check_number(owner, "decay_steps", decay_steps, low=1, integer=True)
        self.alpha = _validate.check_number(owner, "alpha", alpha, low=0.0, high=1.0)
        self.warmup_steps = _validate.check_number(owner, "warmup_steps", warmup_steps, low=0, integer=True)
        self.warmup_target = None if warmup_target is None else _check_lr(owner, warmup_target)
        self.name = name

    def __call__(self, step: int) -> float:
        lr0, warmup = self.initial_learning_rate, self.warmup_steps
        if self.warmup_target is not None:  # Keras 3: lr0 -> warmup_target, then decay from it
            if step < warmup:
                return lr0 + (self.warmup_target - lr0) * step / warmup
            lr0 = self.warmup_target
        elif step < warmup:
            return lr0 * step / warmup  # linear ramp 0 -> lr0
        progress = min(step - warmup, self.decay_steps) / self.decay_steps  # in [0, 1]
        cosine = 0.5 * (1.0 + math.cos(math.pi * progress))  # 1 -> 0
        return lr0 * ((1.0 - self.alpha) * cosine + self.alpha)  # lr0 -> alpha lr0

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        if self.warmup_target is not None:
            config["warmup_target"] = self.warmup_target
        return config


class InverseTimeDecay(LearningRateSchedule):
    """``lr0 / (1 + decay_rate * step / decay_steps)``, as Keras's ``InverseTimeDecay``.

    Parameters
    ----------
    initial_learning_rate : float
    decay_steps : float
        ``> 0``.
    decay_rate : float
        ``>= 0``.
    staircase : bool, default False
        Use ``floor(step / decay_steps)``.
    """

    config_keys = ("initial_learning_rate", "decay_steps", "decay_rate", "staircase")

    def __init__(self, initial_learning_rate: float, decay_steps: float, decay_rate: float,
                 staircase: bool = False, name: str | None = None) -> None:
        owner = type(self).__name__
        self.initial_learning_rate = _check_lr(owner, initial_learning_rate)
        self.decay_steps = _validate.check_float(owner, "decay_steps", decay_steps, min=0.0, min_open=True)
        self.decay_rate = _validate.check_float(owner, "decay_rate", decay_rate, min=0.0)
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step: int) -> float:
        ratio = step / self.decay_steps
        if self.staircase:
            ratio = math.floor(ratio)
        return self.initial_learning_rate / (1.0 + self.decay_rate * ratio)


class PolynomialDecay(LearningRateSchedule):
    """From ``lr0`` to ``end_learning_rate`` along ``(1 - step / decay_steps) ** power``.

    Parameters
    ----------
    initial_learning_rate : float
    decay_steps : int
        ``>= 1``; the rate stays at ``end_learning_rate`` afterwards (unless ``cycle``).
    end_learning_rate : float, default 0.0001
    power : float, default 1.0
    cycle : bool, default False
        Restart the decay with ``decay_steps`` stretched to the next multiple above ``step``.

    Notes
    -----
    Keras's formula: ``(lr0 - end) (1 - min(t, T) / T)^p + end``.
    """

    config_keys = ("initial_learning_rate", "decay_steps", "end_learning_rate", "power", "cycle")

    def __init__(self, initial_learning_rate: float, decay_steps: int,
                 end_learning_rate: float = 0.0001, power: float = 1.0, cycle: bool = False,
                 name: str | None = None) -> None:
        owner = type(self).__name__
        self.initial_learning_rate = _check_lr(owner, initial_learning_rate)
        self.decay_steps = _validate.check_int(owner, "decay_steps", decay_steps, min=1)
        self.end_learning_rate = _check_lr(owner, end_learning_rate)
        self.power = _validate.check_float(owner, "power", power)
        self.cycle = bool(cycle)
        self.name = name

    def __call__(self, step: int) -> float:
        steps = float(self.decay_steps)
        if self.cycle:
            steps *= max(1.0, math.ceil(step / steps))
        else:
            step = min(step, self.decay_steps)
        fraction = 1.0 - step / steps
        end = self.end_learning_rate
        return (self.initial_learning_rate - end) * fraction**self.power + end


_REGISTRY: dict[str, type[LearningRateSchedule]] = {
    "exponential_decay": ExponentialDecay,
    "step_decay": StepDecay,
    "piecewise_constant_decay": PiecewiseConstantDecay,
    "cosine_decay": CosineDecay,
    "inverse_time_decay": InverseTimeDecay,
    "polynomial_decay": PolynomialDecay,
}


def serialize(schedule: LearningRateSchedule) -> dict[str, Any]:
    """``{"class_name": ..., "config": {...}}``, as Keras writes it."""
    return _registry.serialize(schedule)


def deserialize(config: dict[str, Any]) -> LearningRateSchedule:
    """Rebuild a schedule from :func:`serialize`'s output."""
    return _registry.deserialize("learning-rate schedule", _REGISTRY, config)


def get(identifier: LearningRateSchedule | dict[str, Any]) -> LearningRateSchedule:
    """Resolve a schedule instance or a config dict (names need arguments, so none alone).

    Raises
    ------
    ValueError
        For an unknown ``class_name``, listing the valid ones.
    """
    return _registry.resolve("learning-rate schedule", _REGISTRY, LearningRateSchedule, identifier)
