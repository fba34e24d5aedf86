"""LSTM: long short-term memory (Hochreiter & Schmidhuber 1997), Keras's formulation."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import activations, initializers
from glassnet.layers.recurrent_base import RecurrentLayer


class LSTM(RecurrentLayer):
    """Long short-term memory layer (Keras's ``LSTM``).

    Parameters
    ----------
    units : int
    activation : str, default 'tanh'
        ``g`` below: the candidate and the cell-output squashing.
    recurrent_activation : str, default 'sigmoid'
        ``s`` below: the three gates.
    use_bias : bool, default True
    kernel_initializer, recurrent_initializer, bias_initializer : str or initializer
    unit_forget_bias : bool, default True
        Start the forget-gate bias at 1 (the rest of the bias from ``bias_initializer``),
        Jozefowicz et al. 2015, as Keras.
    **kwargs
        Everything else of :class:`~glassnet.layers.recurrent_base.RecurrentLayer`
        (``return_sequences``, ``dropout``, regularizers, ``name`` ...).

    Notes
    -----
    Keras's layout: ``kernel`` (in, 4u), ``recurrent_kernel`` (u, 4u), ``bias`` (4u,), the
    four column blocks in the gate order **i, f, c, o** (input, forget, candidate, output).
    With ``h_0 = c_0 = 0`` and ``[.]_k`` the k-th block of u columns, for t = 1..T::

        z_t = x_t W + b + h_{t-1} U               (batch, 4u)
        i_t = s([z_t]_i)    f_t = s([z_t]_f)    o_t = s([z_t]_o)
        c~_t = g([z_t]_c)
        c_t = f_t * c_{t-1} + i_t * c~_t
        h_t = o_t * g(c_t)

    Backward through time, t = T..1, with ``dh`` reaching ``h_t`` and ``dc`` reaching ``c_t``
    from step t+1::

        do   = dh * g(c_t)
        dc  += g'(c_t) * (dh * o_t)
        di   = dc * c~_t      df = dc * c_{t-1}      dc~ = dc * i_t
        dz_t = [s'(.) di, s'(.) df, g'(.) dc~, s'(.) do]        (batch, 4u)
        dc_{t-1} = dc * f_t
        dh_{t-1} = dz_t U.T

    and, after the loop, ``dU = sum_t h_{t-1}.T dz_t``, ``dW = sum_t x_t.T dz_t``,
    ``db = sum dz_t``, ``dx_t = dz_t W.T`` (one matmul or reduction each).
    Parameters: ``4 (in*u + u*u + u)``.

    PyTorch's ``nn.LSTM`` computes the same functions with gate order i, f, g, o in the rows of
    ``weight_ih_l0`` (4u, in) = ``kernel.T`` and ``weight_hh_l0`` = ``recurrent_kernel.T``;
    its two biases add up to ``bias``.
    """

    gates = 4

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        unit_forget_bias: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)

    def bias_init(self) -> Any:
        if not self.unit_forget_bias:
            return self.bias_initializer
        init, u = initializers.get(self.bias_initializer), self.units

        def forget_bias_one(shape, rng, dtype):  # [init(u), ones(u), init(2u)], as Keras
            return np.concatenate([init((u,), rng=rng, dtype=dtype), np.ones(u, dtype=dtype),
                                   init((2 * u,), rng=rng, dtype=dtype)])

        return forget_bias_one

    def forward(self, x, training=False):
        cache = self._input_projection(x, training)
        steps, n, rm = cache["steps"], cache["n"], cache["rm"]
        u, u_mat = self.units, self.params["recurrent_kernel"]
        act, rec = self.activation, self.recurrent_activation
        z = cache["xp"]  # (T, n, 4u): becomes z_t in place, step by step
        a = np.empty_like(z)  # gate values [i, f, c~, o]
        c = np.empty((steps + 1, n, u), dtype=self.dtype)
        c[0] = 0.0
        gc = np.empty((steps, n, u), dtype=self.dtype)  # g(c_t)
        ic = np.empty((n, u), dtype=self.dtype)  # i_t * c~_t, one step's work array
        h, hin = self._state_buffers(steps, n, rm)
        for t in range(steps):
            if rm is not None:
                np.multiply(h[t], rm, out=hin[t])
            zt, at = z[t], a[t]
            zt += hin[t] @ u_mat  # (n, u) @ (u, 4u) -> (n, 4u)
            # s over the whole contiguous row block, then g overwrites the c~ block: cheaper
            # than s on two strided blocks. No temporaries: written straight into a_t.
            rec.forward_into(zt, at)  # i, f, (c~), o
            act.forward_into(zt[:, 2 * u:3 * u], at[:, 2 * u:3 * u])  # c~
            np.multiply(at[:, u:2 * u], c[t], out=c[t + 1])  # f * c_{t-1}
            np.multiply(at[:, :u], at[:, 2 * u:3 * u], out=ic)
            c[t + 1] += ic  # + i * c~
            act.forward_into(c[t + 1], gc[t])
            np.multiply(at[:, 3 * u:], gc[t], out=h[t + 1])  # o * g(c_t)
        cache.update(z=z, a=a, c=c, gc=gc, h=h, hin=hin)
        self._cache = cache
        return self._output(h)

    def backward(self, grad_y):
        cv = self._cache
        steps, n, rm = cv["steps"], cv["n"], cv["rm"]
        z, a, c, gc = cv["z"], cv["a"], cv["c"], cv["gc"]
        u, u_mat = self.units, self.params["recurrent_kernel"]
        act, rec = self.activation, self.recurrent_activation
        g, dh = self._upstream(grad_y, steps)
        dc = np.zeros((n, u), dtype=self.dtype)
        da = np.empty((n, 4 * u), dtype=self.dtype)  # dL/d[i, f, c~, o] of one step
        work = np.empty((2, n, u), dtype=self.dtype)  # one step's temporaries
        dz = np.empty_like(z)  # (T, n, 4u)
        for t in range(steps - 1, -1, -1):
            if g is not None and t < steps - 1:
                dh += g[t]
            zt, at, dzt = z[t], a[t], dz[t]
            i, f, cc, o = (at[:, k * u:(k + 1) * u] for k in range(4))
            np.multiply(dh, gc[t], out=da[:, 3 * u:])  # do
            np.multiply(dh, o, out=work[0])
            dc += act.backward_into(c[t + 1], gc[t], work[0], work[1])  # g'(c_t) dh o
            np.multiply(dc, i, out=da[:, 2 * u:3 * u])  # dc~
            np.multiply(dc, cc, out=da[:, :u])  # di
            np.multiply(dc, c[t], out=da[:, u:2 * u])  # df
            dc *= f  # dL/dc_{t-1}
            rec.backward_into(zt, at, da, dzt)  # s' for i, f, (c~), o; contiguous
            act.backward_into(zt[:, 2 * u:3 * u], cc, da[:, 2 * u:3 * u], dzt[:, 2 * u:3 * u])
            if t > 0:
                dh = dzt @ u_mat.T  # (n, 4u) @ (4u, u) -> dL/dh_{t-1}
                if rm is not None:
                    dh *= rm
        self._recurrent_kernel_grad(cv, dz)
        return self._input_backward(cv, dz)

    def get_config(self):
        config = super().get_config()
        config.update(recurrent_activation=activations.serialize(self.recurrent_activation),
                      unit_forget_bias=self.unit_forget_bias)
        return config
