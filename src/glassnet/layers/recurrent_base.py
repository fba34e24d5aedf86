"""What SimpleRNN, LSTM and GRU share: arguments, weights, the input projection, the output.

A recurrent layer reads ``x`` of shape ``(batch, timesteps, features)`` one step at a time,
carrying a state ``h`` of shape ``(batch, units)`` that starts at zero. Each cell type (a
subclass) has ``k`` gate blocks (SimpleRNN 1, LSTM 4, GRU 3) and Keras's weight layout::

    kernel            (features, k * units)   input  -> gates
    recurrent_kernel  (units,    k * units)   state  -> gates
    bias              (k * units,)            (GRU with reset_after: (2, k * units))

Everything that does not depend on the cell lives here, so that each cell file holds only its
step equations and their derivatives:

- the input projection of *all* time steps at once, one matmul
  ``(T * batch, features) @ (features, k * units)``, stored time-major ``(T, batch, k*units)``
  so that step ``t`` is one contiguous block;
- after backpropagation through time has produced ``dL/d(projection)`` for every step, the
  kernel gradient, the bias gradient and ``dL/dx`` are again one matmul/reduction each over
  all steps (:meth:`RecurrentLayer._input_backward`);
- ``return_sequences``, ``go_backwards``, input dropout and recurrent dropout.

(LSTM and GRU run their loops on transposed blocks, samples in columns, for speed, and use
only the argument handling, input checks and masks from here; see their class notes.
SimpleRNN, one gate block, uses all of it.)

Dropout follows Keras's cheaper variant (one mask per sequence, reused at every step, Gal &
Ghahramani 2016): ``dropout`` masks the input features, ``recurrent_dropout`` masks the state
``h_{t-1}`` where it enters the recurrent matmul (not where GRU interpolates with it). One
mask of each kind is shared by all gates.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate, activations
from glassnet.layers._weights_config import set_weight_arguments, weight_arguments_config
from glassnet.layers.base import Layer


class RecurrentLayer(Layer):
    """Base of the recurrent layers; a subclass sets ``gates`` and writes the time loop.

    Parameters
    ----------
    units : int
        Size of the state ``h`` (and of each output step).
    activation : str or ActivationFunction, default 'tanh'
    use_bias : bool, default True
    kernel_initializer, recurrent_initializer, bias_initializer : str or initializer
        Keras's defaults: ``'glorot_uniform'``, ``'orthogonal'``, ``'zeros'``.
    kernel_regularizer, recurrent_regularizer, bias_regularizer : optional
    dropout, recurrent_dropout : float in [0, 1), default 0
        Fraction of input features / state units dropped while training (see module notes).
    seed : int, optional
        Seed of the dropout masks (else the model's dropout stream).
    return_sequences : bool, default False
        Output every step ``(batch, T, units)`` instead of the last ``(batch, units)``.
    go_backwards : bool, default False
        Read the sequence last step first; the sequence returned is in that (reversed) order,
        as in Keras.
    return_state : bool, default False
        Also return the final state(s): ``[output, h]`` (LSTM: ``[output, h, c]``), as
        Keras; in a functional model the node has that many outputs.
    stateful : bool, default False
        Each call starts from the final states of the previous one (same batch size), until
        ``reset_states()``; ``layer.states`` holds them. (Training carries no gradient into
        the previous batch, as in Keras.)

    Calling the layer with ``initial_state=[h0]`` (LSTM: ``[h0, c0]``), arrays or tensors of
    shape (batch, units), starts the loop from them instead of zeros (Keras's encoder-decoder);
    backward then also returns ``dL/dh0`` (and ``dL/dc0``).
    unroll : bool, default False
        Accepted and ignored (a graph-compilation hint in Keras; here the loop is Python).
    """

    #: Number of gate blocks ``k`` in the kernels; set by each cell.
    gates: int = 1
    #: Number of state arrays (``h``; LSTM: ``h`` and ``c``).
    state_count: int = 1
    #: The cell's output activation (always set; Layer's is optional).
    activation: activations.ActivationFunction
    use_bias: bool

    # Set in __init__ through setattr: identifiers as given (names, instances, dicts, callables).
    kernel_initializer: Any
    recurrent_initializer: Any
    bias_initializer: Any
    kernel_regularizer: Any
    recurrent_regularizer: Any
    bias_regularizer: Any

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        use_bias: bool = True,
        *,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        **base: Any,
    ) -> None:
        super().__init__(**base)
        owner = type(self).__name__
        units = _validate.check_positive_int(owner, "units", units)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                                 or seed < 0):
            raise ValueError(f"{owner} `seed` must be a non-negative integer or None, got {seed!r}.")
        self.units = int(units)
        set_weight_arguments(self, activation, use_bias, kernel_initializer=kernel_initializer,
                             recurrent_initializer=recurrent_initializer,
                             bias_initializer=bias_initializer,
                             kernel_regularizer=kernel_regularizer,
                             recurrent_regularizer=recurrent_regularizer,
                             bias_regularizer=bias_regularizer)
        self.dropout = _validate.check_rate(owner, "dropout", dropout)
        self.recurrent_dropout = _validate.check_rate(owner, "recurrent_dropout", recurrent_dropout)
        self.seed = None if seed is None else int(seed)
        self.return_sequences = _validate.check_bool(owner, "return_sequences", return_sequences)
        self.return_state = _validate.check_bool(owner, "return_state", return_state)
        self.multi_output = self.return_state  # [output, *final states]
        self.go_backwards = _validate.check_bool(type(self).__name__, "go_backwards", go_backwards)
        self.stateful = _validate.check_bool(owner, "stateful", stateful)
        #: The final states of the last call (``stateful``), each (batch, units); or None.
        self._states: list[np.ndarray] | None = None
        self.unroll = _validate.check_bool(type(self).__name__, "unroll", unroll)
        # Only a layer with dropout draws random numbers (and gets a noise stream).
        self.stochastic = self.dropout > 0.0 or self.recurrent_dropout > 0.0
        #: The model clears this on its first layer: no one needs dL/dx there.
        self.input_grad_needed = True

    def _who(self) -> str:
        """``LSTM 'lstm_1'`` for messages (just ``LSTM`` before a model has named it)."""
        return f"{type(self).__name__} '{self.name}'" if self.name else type(self).__name__

    # ------------------------------------------------------------------ weights
    def bias_shape(self) -> tuple[int, ...]:
        """Shape of ``bias`` (GRU with ``reset_after`` overrides it)."""
        return (self.gates * self.units,)

    def bias_init(self) -> Any:
        """Initializer of ``bias`` (LSTM's ``unit_forget_bias`` overrides it)."""
        return self.bias_initializer

    def _check_rank(self, shape: tuple[int | None, ...]) -> None:
        """``shape`` is a batch shape; anything but 3 axes with known features is an error."""
        if len(shape) != 3 or shape[-1] is None:
            raise ValueError(
                f"{self._who()} expects inputs of shape "
                f"(batch, timesteps, features), got {tuple(shape)}."
            )

    def __call__(self, x: Any, training: Any = None, *more: Any, mask: Any = None,
                 initial_state: Any = None) -> Any:
        from glassnet.layers.input import is_symbolic

        if isinstance(x, (list, tuple)) and initial_state is None and not self.multi_input:
            x, initial_state = x[0], list(x[1:]) or None  # Keras also takes [x, *states]
        if not is_symbolic(x):  # check before building, so the message shows the batch shape
            self._check_rank(np.shape(x))
        if initial_state is not None:  # one node reading [x, *states]
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) \
                else [initial_state]
            if len(states) != self.state_count:
                raise ValueError(
                    f"{self._who()} `initial_state` must be a list of {self.state_count} "
                    f"state(s) of shape (batch, {self.units}), got {len(states)}.")
            self.multi_input = True
            x = [x, *states]
        return super().__call__(x, training=training, mask=mask)

    # ------------------------------------------------------------------ initial and final states
    def _split_states(self, x: Any, mask: Any) -> tuple[np.ndarray, list[np.ndarray] | None, Any]:
        """``(x, initial states or None, mask)`` from what forward received: ``x`` or
        ``[x, *states]`` (then one mask per input, the sequence's kept)."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if not isinstance(x, (list, tuple)):
            self._initial_given = False
            kept = self._states if self.stateful else None
            if kept is not None and kept[0].shape[0] == np.shape(x)[0]:
                return x, [s.astype(self.dtype, copy=False) for s in kept], mask
            return x, None, mask
        seq = np.asarray(x[0])
        states = [np.asarray(s, dtype=self.dtype) for s in x[1:]]
        expected = (seq.shape[0], self.units)
        if len(states) != self.state_count or any(s.shape != expected for s in states):
            raise ValueError(
                f"{self._who()} `initial_state` must be {self.state_count} array(s) of shape "
                f"(batch, units) = {expected}, got shapes {[s.shape for s in states]}.")
        self._initial_given = True
        return seq, states, mask

    def _with_states(self, y: np.ndarray, states: list[np.ndarray]) -> Any:
        """``y``, or ``[y, *final states]`` (each (batch, units)) with ``return_state``; a
        ``stateful`` layer keeps the states for its next call."""
        if self.stateful:
            self._states = [np.array(s) for s in states]
        if not self.return_state:
            return y
        return [y] + [np.ascontiguousarray(s) for s in states]

    @property
    def states(self) -> list[np.ndarray] | None:
        """The states a ``stateful`` layer carries to its next call (None before any)."""
        return None if self._states is None else [s.copy() for s in self._states]

    def reset_states(self) -> None:
        """Start the next call from zero states again (``stateful`` layers)."""
        self._states = None

    def _state_grads(self, grad_y: Any) -> tuple[np.ndarray, list[np.ndarray]]:
        """``(dL/doutput, [dL/dc_T])`` from backward's input. With ``return_state`` the final
        ``h`` is the output's last step, so its gradient joins that step's; LSTM's ``c_T``
        gradient (returned) seeds ``dL/dc`` at the end of the loop."""
        if not self.return_state:
            return grad_y, []
        gy, gh, *rest = grad_y
        gy = np.array(gy, dtype=self.dtype)
        if self.return_sequences:
            gy[:, -1] += gh
        else:
            gy += gh
        return gy, [np.asarray(g, dtype=self.dtype) for g in rest]

    def _with_state_inputs(self, dx: Any, d_states: list[np.ndarray]) -> Any:
        """``dL/dx``, or ``[dL/dx, *dL/d(initial states)]`` when the call was given them."""
        if not getattr(self, "_initial_given", False):
            return dx
        return [dx] + [np.ascontiguousarray(d) for d in d_states]

    def build(self, input_shape, rng=None):
        if isinstance(input_shape, list):  # [x, *initial states]: the sequence's shape
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        self._check_rank((None,) + input_shape)
        super().build(input_shape, rng)
        n_in, width = int(input_shape[-1]), self.gates * self.units
        self.add_param("kernel", (n_in, width), self.kernel_initializer, rng,
                       self.kernel_regularizer)
        self.add_param("recurrent_kernel", (self.units, width), self.recurrent_initializer, rng,
                       self.recurrent_regularizer)
        if self.use_bias:
            self.add_param("bias", self.bias_shape(), self.bias_init(), rng,
                           self.bias_regularizer)
        if self.stochastic and (self.seed is not None or self.noise_rng is None):
            self.noise_rng = np.random.default_rng(self.seed)

    def output_shape(self, input_shape):
        if isinstance(input_shape, list):  # [x, *initial states]
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        self._check_rank((None,) + input_shape)
        out = (input_shape[0], self.units) if self.return_sequences else (self.units,)
        if self.return_state:
            return [out] + [(self.units,)] * self.state_count
        return out

    # ------------------------------------------------------------------ shared forward parts
    def _mask(self, rate: float, shape: tuple[int, ...]) -> np.ndarray:
        """Inverted-dropout scale ``m / (1 - rate)``, ``m ~ Bernoulli(1 - rate)``."""
        keep = 1.0 - rate
        assert self.noise_rng is not None  # build gives a stochastic layer one
        kept = self.noise_rng.random(shape, dtype=np.float32) < keep
        return np.where(kept, np.asarray(1.0 / keep, self.dtype), np.asarray(0.0, self.dtype))

    def _dropout_masks(self, n: int, n_in: int, training: bool
                       ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The input mask (n, in) and the recurrent mask (n, units) of one batch, in that
        order from the noise stream; None where that dropout is off (or not training)."""
        dm = self._mask(self.dropout, (n, n_in)) if training and self.dropout > 0.0 else None
        rm = (self._mask(self.recurrent_dropout, (n, self.units))
              if training and self.recurrent_dropout > 0.0 else None)
        return dm, rm

    def _check_input(self, x: np.ndarray) -> tuple[int, int]:
        """``(batch, timesteps)`` of an input checked against the built layer."""
        n_in = self.params["kernel"].shape[0]
        self._check_rank(x.shape)
        if x.shape[-1] != n_in:
            raise ValueError(
                f"{self._who()} was built for {n_in} features per step, "
                f"but received inputs of shape {tuple(x.shape)}."
            )
        if x.shape[1] == 0:
            raise ValueError(f"{self._who()} needs at least one timestep, "
                             f"got inputs of shape {tuple(x.shape)}.")
        return x.shape[0], x.shape[1]

    def _time_mask(self, mask: Any, n: int, steps: int, columns: bool
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """A padding mask (n, T) as the loops read it, or None when there is none.

        Returns ``skip`` (bool), ``keep`` and ``1 - keep`` (floats), each time-major:
        (T, 1, n) when ``columns`` (samples in columns: LSTM, GRU), else (T, n, 1). A masked
        step (``keep = 0``) leaves the state as it was (Keras's rule), so::

            h_t = h_{t-1}  where masked        dL/dh_{t-1} += dL/dh_t * (1 - keep_t)
        """
        if mask is None:
            return None
        m = np.asarray(mask)
        if m.shape != (n, steps):
            raise ValueError(
                f"{self._who()} got a mask of shape {m.shape}; expected (batch, timesteps) = "
                f"{(n, steps)}.")
        m = m[:, ::-1] if self.go_backwards else m
        keep = np.ascontiguousarray(m.T.astype(bool))  # (T, n)
        keep = keep[:, None, :] if columns else keep[:, :, None]
        kf = keep.astype(self.dtype)
        return ~keep, kf, 1.0 - kf

    def _input_projection(self, x: np.ndarray, training: bool) -> dict[str, Any]:
        """Check ``x``, then ``Xp = x W + b_in`` for all steps in one matmul, time-major.

        Returns the cache that every cell extends: ``x2`` (T*n, in) (the masked, time-major
        input the kernel gradient needs), ``xp`` (T, n, k*units), the masks, and ``rm``.
        """
        n_in = self.params["kernel"].shape[0]
        n, steps = self._check_input(x)
        xs = x[:, ::-1] if self.go_backwards else x
        # (n, T, in) -> (T, n, in): step t becomes one contiguous (n, in) block.
        xt = np.ascontiguousarray(xs.transpose(1, 0, 2), dtype=self.dtype)
        dm, rm = self._dropout_masks(n, n_in, training)
        if dm is not None:
            xt *= dm  # the same mask at every step
        x2 = xt.reshape(steps * n, n_in)
        xp = x2 @ self.params["kernel"]  # (T*n, in) @ (in, k*units) -> (T*n, k*units)
        if self.use_bias:
            b = self.params["bias"]
            xp += b[0] if b.ndim == 2 else b  # the input bias
        return {"x2": x2, "xp": xp.reshape(steps, n, -1), "dm": dm, "rm": rm, "n": n,
                "steps": steps}

    def _state_buffers(self, steps: int, n: int, rm: np.ndarray | None
                       ) -> tuple[np.ndarray, np.ndarray]:
        """``H`` (T+1, n, units) with ``H[0] = 0``, and ``Hin`` (T, n, units): the states as
        they enter the recurrent matmul (``H[:-1]`` itself, or a masked copy)."""
        h = np.empty((steps + 1, n, self.units), dtype=self.dtype)
        h[0] = 0.0
        hin = h[:-1] if rm is None else np.empty((steps, n, self.units), dtype=self.dtype)
        return h, hin

    def _output(self, h: np.ndarray) -> np.ndarray:
        """``(batch, T, units)`` of ``H[1:]``, or the last state ``(batch, units)``."""
        if self.return_sequences:
            return np.ascontiguousarray(h[1:].transpose(1, 0, 2))  # (T, n, u) -> (n, T, u)
        return h[-1].copy()

    # ------------------------------------------------------------------ shared backward parts
    def _upstream(self, grad_y: np.ndarray, steps: int) -> tuple[np.ndarray | None, np.ndarray]:
        """``(G, dh)``: the time-major upstream gradient (or None) and the starting ``dh``."""
        if self.return_sequences:
            g = grad_y.transpose(1, 0, 2)  # (n, T, u) -> (T, n, u), a view
            return g, np.array(g[steps - 1], dtype=self.dtype)
        return None, np.array(grad_y, dtype=self.dtype)

    def _input_backward(self, cache: dict[str, Any], dxp: np.ndarray) -> np.ndarray | None:
        """Kernel and input-bias gradients, and ``dL/dx``, from ``dxp`` = dL/dXp (T, n, k*u).

        Notes
        -----
        With ``X2`` the time-major input (T*n, in) and ``D = dxp`` reshaped to (T*n, k*u)::

            dL/dW    = X2.T @ D           one matmul over every step
            dL/db_in = sum_rows D
            dL/dx    = D @ W.T            (T*n, k*u) @ (k*u, in), then back to (n, T, in)
        """
        steps, n = cache["steps"], cache["n"]
        d2 = dxp.reshape(steps * n, -1)
        np.matmul(cache["x2"].T, d2, out=self.grads["kernel"])  # (in, T*n) @ (T*n, k*u)
        if self.use_bias:
            gb = self.grads["bias"]
            np.sum(d2, axis=0, out=gb[0] if gb.ndim == 2 else gb)
        if not self.input_grad_needed:
            return None
        dx = d2 @ self.params["kernel"].T  # (T*n, k*u) @ (k*u, in) -> (T*n, in)
        dx = dx.reshape(steps, n, -1)
        if cache["dm"] is not None:
            dx *= cache["dm"]
        dx = dx.transpose(1, 0, 2)  # (T, n, in) -> (n, T, in)
        if self.go_backwards:
            dx = dx[:, ::-1]
        return np.ascontiguousarray(dx)

    def _input_grad_columns(self, kernel: np.ndarray, dz: np.ndarray,
                            dm: np.ndarray | None) -> np.ndarray | None:
        """``dL/dx`` (n, T, in) for the loops that keep samples in columns (LSTM, GRU).

        ``dz`` (T, k*u, n) is dL/d(input projection) of every step and ``kernel`` (in, k*u)
        its weights in the same row order: ``dx_t = kernel @ dz_t``, one batched product;
        then the input dropout mask (in, n) and ``go_backwards`` are undone. None when the
        model needs no input gradient (the first layer).
        """
        if not self.input_grad_needed:
            return None
        dx = np.matmul(kernel, dz)  # (in, k*u) @ (T, k*u, n) -> (T, in, n)
        if dm is not None:
            dx *= dm
        dx = dx.transpose(2, 0, 1)  # (n, T, in)
        if self.go_backwards:
            dx = dx[:, ::-1]
        return np.ascontiguousarray(dx)

    def _recurrent_kernel_grad(self, cache: dict[str, Any], drp: np.ndarray) -> None:
        """``dL/dU = Hin.T @ drp`` over every step (drp: dL/d(h_{t-1} U), (T, n, k*u))."""
        steps, n = cache["steps"], cache["n"]
        hin2 = cache["hin"].reshape(steps * n, self.units)
        np.matmul(hin2.T, drp.reshape(steps * n, -1), out=self.grads["recurrent_kernel"])

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            units=self.units,
            **weight_arguments_config(self, ("kernel", "recurrent", "bias")),
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            seed=self.seed,
            return_sequences=self.return_sequences,
            return_state=self.return_state,
            go_backwards=self.go_backwards,
            stateful=self.stateful,
            unroll=self.unroll,
        )
        return config
