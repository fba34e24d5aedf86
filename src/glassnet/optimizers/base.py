"""The `Optimizer` base: one loop over the parameters, one update rule per subclass.

Like tinygrad's ``Optimizer``, the base owns everything common to all optimizers (the step
counter, the learning rate and its schedule, gradient clipping, per-parameter state, the
config and state round-trips); a subclass writes only ``_update(p, g, slots, buf, lr, t)``,
the rule for one parameter array.

Speed: the model usually hands over ONE flat contiguous vector holding every trainable
weight (layers' params are views into it), so a step is a handful of vectorised NumPy
operations over one big array. Update rules write through ``out=`` into preallocated
buffers and never allocate a temporary, and every scalar is a Python float, so float32
parameters and their state stay float32.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from glassnet import _registry, _validate
from glassnet.optimizers import schedules
from glassnet.optimizers.schedules import LearningRateSchedule

LearningRate = float | LearningRateSchedule


class Optimizer(_registry.Configurable):
    """Base class of every optimizer: updates parameter arrays in place from their gradients.

    Every optimizer takes these options through ``**base``; a subclass adds only its own.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, optional
        Step size ``lr >= 0``, or a schedule evaluated at :attr:`iterations`; ``None`` gives
        the optimizer's Keras default (:attr:`default_learning_rate`).
    clipnorm : float, optional
        Rescale each gradient array whose L2 norm exceeds ``clipnorm`` to that norm.
    clipvalue : float, optional
        Clip every gradient entry to ``[-clipvalue, clipvalue]``.
    global_clipnorm : float, optional
        Rescale all gradients together when their joint L2 norm exceeds ``global_clipnorm``.
    name : str, optional
        Defaults to the lower-case class name (``"sgd"``, ``"adamw"``, ``"rmsprop"``).
    lr : float or LearningRateSchedule, optional
        Keras 2 alias of ``learning_rate``; passing both is an error.
    weight_decay : float, optional
        Decoupled weight decay ``lambda``: before each update ``p <- p - lr lambda p``
        (Keras's rule for every optimizer; AdamW defaults it to 0.004).

    Attributes
    ----------
    iterations : int
        Number of updates applied so far (one per :meth:`step`).

    Notes
    -----
    Per-parameter state ("slots": momentum, moments ...) is created on the first
    :meth:`step`, in each parameter's dtype, and is keyed by *position*: pass the parameters
    in the same order on every call. Clipping follows Keras: at most one of the three options,
    applied to the gradients before the update rule, without modifying the caller's arrays.
    ``clipnorm`` applies per array of the list; when the model passes one flat vector that is
    the same as ``global_clipnorm``.
    """

    #: Names of the per-parameter state arrays of this optimizer (may depend on options).
    slot_names: tuple[str, ...] = ()
    #: Keras's default learning rate of this optimizer (used when none is given).
    default_learning_rate: float = 0.001
    #: Attributes a subclass adds to :meth:`get_config`, under their own names, in this order.
    config_keys: tuple[str, ...] = ()
    #: True for a rule that needs each weight array on its own (a norm per array, as Lamb's
    #: trust ratio): a model then hands over one view per weight instead of one flat vector.
    per_weight: bool = False

    def __init__(
        self,
        learning_rate: LearningRate | None = None,
        *,
        lr: LearningRate | None = None,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
    ) -> None:
        owner = type(self).__name__
        if learning_rate is not None and lr is not None:
            raise ValueError(
                f"{owner} got both `learning_rate`={learning_rate!r} and its alias "
                f"`lr`={lr!r}; pass only one."
            )
        chosen = learning_rate if learning_rate is not None else lr
        self.learning_rate = self.default_learning_rate if chosen is None else chosen
        self.weight_decay = (
            None if weight_decay is None
            else _validate.check_number(owner, "weight_decay", weight_decay, low=0.0)
        )
        self.clipnorm, self.clipvalue, self.global_clipnorm = (
            None if v is None else _validate.check_number(owner, k, v, low=0.0, low_open=True)
            for k, v in (
                ("clipnorm", clipnorm),
                ("clipvalue", clipvalue),
                ("global_clipnorm", global_clipnorm),
            )
        )
        clips = [k for k in ("clipnorm", "clipvalue", "global_clipnorm") if getattr(self, k)]
        if len(clips) > 1:
            raise ValueError(
                f"{owner} accepts at most one of `clipnorm`, `clipvalue`, `global_clipnorm`, "
                f"got {', '.join(f'{k}={getattr(self, k)}' for k in clips)}."
            )
        if name is not None and (not isinstance(name, str) or not name):
            raise ValueError(f"`name` of {owner} must be a non-empty string, got {name!r}.")
        self.name = name or owner.lower()
        self.iterations = 0
        self._built = False  # slots and buffers exist for the parameters seen
        self._slots: list[dict[str, np.ndarray]] | None = None  # one dict per parameter
        self._scratch: list[np.ndarray] = []  # one work buffer per parameter
        self._clip_buffers: list[np.ndarray] = []  # clipped gradients, when clipping

    # -- learning rate ---------------------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        """The current learning rate: the schedule's value at :attr:`iterations`, if any."""
        lr = self._learning_rate
        return float(lr(self.iterations)) if isinstance(lr, LearningRateSchedule) else lr

    @learning_rate.setter
    def learning_rate(self, value: LearningRate | Mapping[str, Any]) -> None:
        if isinstance(value, Mapping):  # a serialized schedule, from get_config
            value = schedules.deserialize(dict(value))
        if isinstance(value, LearningRateSchedule):
            self._learning_rate: LearningRate = value
        else:
            self._learning_rate = _validate.check_number(type(self).__name__, "learning_rate", value, low=0.0)

    @property
    def lr(self) -> float:
        """Keras 2 alias of :attr:`learning_rate`."""
        return self.learning_rate

    @lr.setter
    def lr(self, value: LearningRate) -> None:
        self.learning_rate = value

    @property
    def schedule(self) -> LearningRateSchedule | None:
        """The learning-rate schedule, or None for a constant rate."""
        lr = self._learning_rate
        return lr if isinstance(lr, LearningRateSchedule) else None

    # -- the update ------------------------------------------------------------------------
    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """Update every ``params[i]`` in place from ``grads[i]``; ``iterations += 1``.

        Parameters
        ----------
        params : list of ndarray
            Floating arrays, updated in place (never rebound), in the same order every call.
        grads : list of ndarray
            ``grads[i]`` has the shape of ``params[i]``. Not modified.
        """
        self._check(params, grads)
        lr = self.learning_rate  # evaluated at the number of updates done so far, as Keras
        grads = self._clip(grads)
        assert self._slots is not None  # built by _check
        t = self.iterations + 1  # this update's number, for bias corrections
        if self.weight_decay:  # decoupled decay, before the rule, as Keras: p <- p - lr wd p
            shrink = 1.0 - lr * self.weight_decay
            for p in params:
                p *= shrink
        for p, g, slots, buf in zip(params, grads, self._slots, self._scratch, strict=True):
            if p.dtype == buf.dtype:
                self._update(p, g, slots, buf, lr, t)
            else:  # float16 weights: the rule runs in float32 (see `state_dtype`)
                wide = p.astype(buf.dtype)
                self._update(wide, g.astype(buf.dtype), slots, buf, lr, t)
                with np.errstate(over="ignore"):  # an overflow shows as inf: the step checks
                    np.copyto(p, wide, casting="same_kind")
        self.iterations = t

    def apply_gradients(self, grads_and_vars: Iterable[tuple[np.ndarray, np.ndarray]]) -> int:
        """Keras's entry point: update each ``var`` in place from its ``grad``.

        Parameters
        ----------
        grads_and_vars : iterable of (ndarray, ndarray)
            ``(gradient, variable)`` pairs, in the same order every call.

        Returns
        -------
        int
            :attr:`iterations` after the update.
        """
        pairs = list(grads_and_vars)
        if not all(isinstance(pair, (tuple, list)) and len(pair) == 2 for pair in pairs):
            raise ValueError(f"{type(self).__name__}.apply_gradients expects (gradient, variable) pairs.")
        self.step([v for _, v in pairs], [g for g, _ in pairs])
        return self.iterations

    def _update(
        self,
        p: np.ndarray,
        g: np.ndarray,
        slots: dict[str, np.ndarray],
        buf: np.ndarray,
        lr: float,
        t: int,
    ) -> None:
        """The update rule for one parameter array ``p``, in place.

        ``slots`` holds this parameter's state arrays (by name), ``buf`` is a work array of
        ``p``'s shape and dtype whose content is free to overwrite, ``lr`` the current
        learning rate and ``t`` the 1-based number of this update.
        """
        raise NotImplementedError

    @staticmethod
    def state_dtype(param_dtype: np.dtype) -> np.dtype:
        """The dtype of a parameter's slots and of its update arithmetic.

        float16 parameters keep float32 state, as Keras's mixed precision does: Adam's
        ``v = (1 - beta_2) g^2`` underflows to 0 in float16 for ``|g| < 8e-3``, and its
        default ``epsilon = 1e-7`` is below float16's smallest normal number (6.1e-5), so
        ``m / (sqrt(v) + epsilon)`` overflows float16's 65504 and the weights become inf.
        The update is computed in float32 and rounded once into the float16 weights.
        """
        dtype = np.dtype(param_dtype)
        return np.dtype(np.float32) if dtype == np.float16 else dtype

    def _initial_slot_value(self, slot: str) -> float:
        """Value the slot arrays start from (0; Adagrad overrides)."""
        return 0.0

    # -- checks, clipping, lazy state ------------------------------------------------------
    def _check(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        owner = type(self).__name__
        if len(params) != len(grads):
            raise ValueError(f"{owner}.step got {len(params)} parameter arrays but {len(grads)} gradients.")
        if not self._built:
            self._build(params)
        assert self._slots is not None  # _build creates them; set_state resets _built
        if len(params) != len(self._slots):
            raise ValueError(
                f"{owner} holds state for {len(self._slots)} parameter arrays, got "
                f"{len(params)}; pass the same parameters in the same order every step."
            )
        for i, (p, g, buf) in enumerate(zip(params, grads, self._scratch, strict=True)):
            if p.shape != buf.shape or g.shape != p.shape or (
                    p.dtype != buf.dtype and self.state_dtype(p.dtype) != buf.dtype):
                raise ValueError(
                    f"{owner}: parameter {i} has shape {p.shape} and dtype {p.dtype}, its "
                    f"gradient shape {np.shape(g)}; expected shape {buf.shape}, dtype "
                    f"{buf.dtype} and a gradient of the same shape."
                )

    def _build(self, params: Sequence[np.ndarray]) -> None:
        """Create slots (unless restored by :meth:`set_state`) and work buffers."""
        owner = type(self).__name__
        for i, p in enumerate(params):
            if not isinstance(p, np.ndarray) or p.dtype.kind != "f" or not p.flags.writeable:
                raise TypeError(
                    f"{owner}: parameter {i} must be a writeable floating ndarray (updated in "
                    f"place), got {type(p).__name__} "
                    f"{getattr(p, 'dtype', '')} {getattr(p, 'shape', '')}."
                )
        if self._slots is None:
            self._slots = [
                {s: np.full(p.shape, self._initial_slot_value(s), self.state_dtype(p.dtype))
                 for s in self.slot_names} for p in params
            ]
        else:  # restored by set_state: check against the parameters, adopt their dtype
            if len(self._slots) != len(params):
                raise ValueError(
                    f"{owner} was restored with state for {len(self._slots)} parameter "
                    f"arrays, got {len(params)}."
                )
            for i, (p, slots) in enumerate(zip(params, self._slots, strict=True)):
                for s, value in slots.items():
                    if value.shape != p.shape:
                        raise ValueError(
                            f"{owner}: restored slot '{s}_{i}' has shape {value.shape}, "
                            f"but parameter {i} has shape {p.shape}."
                        )
                    slots[s] = value.astype(self.state_dtype(p.dtype), copy=False)
        self._scratch = [np.empty(p.shape, self.state_dtype(p.dtype)) for p in params]
        self._clip_buffers = []
        self._built = True

    def _clip(self, grads: Sequence[np.ndarray]) -> Sequence[np.ndarray]:
        """Gradients after clipping (Keras's rules); the inputs are never modified."""
        if not (self.clipnorm or self.clipvalue or self.global_clipnorm):
            return grads
        if len(self._clip_buffers) != len(grads):
            self._clip_buffers = [np.empty_like(b) for b in self._scratch]
        bufs = self._clip_buffers
        if self.clipvalue:
            c = self.clipvalue
            return [np.clip(g, -c, c, out=b) for g, b in zip(grads, bufs, strict=True)]  # g in [-c, c]
        sq_norms = [float(np.vdot(g, g)) for g in grads]  # ||g_i||^2
        if self.clipnorm:  # g_i <- g_i * c / max(||g_i||, c)
            scales = [self.clipnorm / max(math.sqrt(n), self.clipnorm) for n in sq_norms]
        else:  # all g_i <- g_i * c / max(||(g_1, ..., g_n)||, c)
            assert self.global_clipnorm is not None  # the only clipping option left
            total = math.sqrt(sum(sq_norms))
            scales = [self.global_clipnorm / max(total, self.global_clipnorm)] * len(grads)
        return [
            g if s == 1.0 else np.multiply(g, s, out=b) for g, s, b in zip(grads, scales, bufs, strict=True)
        ]

    # -- saving ----------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Hyperparameters that rebuild the optimizer: ``type(o).from_config(o.get_config())``.

        A schedule is stored serialized, ``{"class_name": ..., "config": {...}}``.
        """
        lr: LearningRate | dict[str, Any] = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            lr = schedules.serialize(lr)
        config: dict[str, Any] = {
            "name": self.name,
            "learning_rate": lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "clipvalue": self.clipvalue,
            "global_clipnorm": self.global_clipnorm,
        }
        config.update((key, getattr(self, key)) for key in self.config_keys)
        return config

    def get_state(self) -> dict[str, np.ndarray | int | float]:
        """Step counter and slot arrays (copies), for saving in an ``.npz``.

        Returns
        -------
        dict
            ``{"iterations": int, "<slot>_<i>": ndarray, ...}``: slot ``<slot>`` of the
            ``i``-th parameter, e.g. ``"m_0"``, ``"v_0"`` for Adam.
        """
        state: dict[str, np.ndarray | int | float] = {"iterations": int(self.iterations)}
        for i, slots in enumerate(self._slots or []):
            for s, value in slots.items():
                state[f"{s}_{i}"] = value.copy()
        return state

    def set_state(self, state: Mapping[str, np.ndarray | int | float]) -> None:
        """Restore what :meth:`get_state` returned (copied); the next step continues exactly."""
        owner = type(self).__name__
        state = dict(state)
        if "iterations" not in state:
            raise ValueError(f"{owner}.set_state needs an 'iterations' entry, got {sorted(state)}.")
        iterations = state.pop("iterations")
        if isinstance(iterations, np.ndarray) and iterations.ndim == 0:  # as np.load gives it
            iterations = iterations.item()
        iterations = _validate.check_number(owner, "iterations", iterations, low=0, integer=True)
        pattern = re.compile(rf"^({'|'.join(map(re.escape, self.slot_names))})_(\d+)$")
        parsed: dict[int, dict[str, np.ndarray]] = {}
        for key, value in state.items():
            match = pattern.match(key) if self.slot_names else None
            if match is None:
                raise ValueError(
                    f"{owner}.set_state got an unexpected entry {key!r}; expected 'iterations' "
                    f"and '<slot>_<i>' with <slot> in {list(self.slot_names)}."
                )
            parsed.setdefault(int(match[2]), {})[match[1]] = np.array(value, copy=True)
        n = max(parsed, default=-1) + 1
        for i in range(n):
            missing = [s for s in self.slot_names if s not in parsed.get(i, {})]
            if missing:
                raise ValueError(
                    f"{owner}.set_state: parameter {i} lacks slots {', '.join(f'{s}_{i}' for s in missing)}."
                )
        self.iterations = iterations
        self._slots = [parsed[i] for i in range(n)] if n else None
        self._built = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} learning_rate={self._learning_rate!r}>"

