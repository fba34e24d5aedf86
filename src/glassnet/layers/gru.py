"""GRU: the gated recurrent unit (Cho et al. 2014), Keras's two formulations."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import activations
from glassnet.layers.recurrent_base import RecurrentLayer


class GRU(RecurrentLayer):
    """Gated recurrent unit layer (Keras's ``GRU``).

    Parameters
    ----------
    units : int
    activation : str, default 'tanh'
        ``g`` below: the candidate state.
    recurrent_activation : str, default 'sigmoid'
        ``s`` below: the update and reset gates.
    use_bias : bool, default True
    kernel_initializer, recurrent_initializer, bias_initializer : str or initializer
    reset_after : bool, default True
        Keras 3's default (and cuDNN's/PyTorch's form): the reset gate multiplies the
        *projected* state, and there are two biases. False is the original form of Cho et al.
    **kwargs
        Everything else of :class:`~glassnet.layers.recurrent_base.RecurrentLayer`.

    Notes
    -----
    Keras's layout: ``kernel`` W (in, 3u), ``recurrent_kernel`` U (u, 3u), column blocks in the
    gate order **z, r, h** (update, reset, candidate). ``h_0 = 0``. For t = 1..T, with
    ``[.]_k`` the k-th block of u columns:

    ``reset_after=True`` (default): ``bias`` (2, 3u), row 0 ``b_i`` (input), row 1 ``b_r``
    (recurrent)::

        xp = x_t W + b_i,   rp = h_{t-1} U + b_r            (batch, 3u) each
        z_t = s([xp]_z + [rp]_z)
        r_t = s([xp]_r + [rp]_r)
        hh_t = g([xp]_h + r_t * [rp]_h)
        h_t = z_t * h_{t-1} + (1 - z_t) * hh_t

    ``reset_after=False``: ``bias`` (3u,), only on the input side::

        xp = x_t W + b
        z_t = s([xp]_z + h_{t-1} U_z),   r_t = s([xp]_r + h_{t-1} U_r)
        hh_t = g([xp]_h + (r_t * h_{t-1}) U_h)
        h_t = z_t * h_{t-1} + (1 - z_t) * hh_t

    Backward through time (``reset_after=True``), t = T..1, ``dh`` reaching ``h_t``::

        dhh = dh * (1 - z_t)                 dz = dh * (h_{t-1} - hh_t)
        dah = g'(.) dhh                      (candidate pre-activation)
        dr  = dah * [rp]_h
        dxp = [s'(.) dz, s'(.) dr, dah]                 -> dW, db_i, dx (after the loop)
        drp = [s'(.) dz, s'(.) dr, dah * r_t]           -> dU, db_r     (after the loop)
        dh_{t-1} = dh * z_t + drp U.T

    For ``reset_after=False`` the candidate block differs: ``d(r h) = dah U_h.T``,
    ``dr = d(r h) * h_{t-1}``, and ``dh_{t-1} = dh * z_t + [dxp]_{z,r} U_{z,r}.T + d(r h) * r_t``;
    ``dU_{z,r} = sum_t h_{t-1}.T [dxp]_{z,r}``, ``dU_h = sum_t (r_t h_{t-1}).T dah``.
    Parameters: ``3 (in*u + u*u + 2u)`` with reset_after, ``3 (in*u + u*u + u)`` without.

    Comparing with PyTorch: ``nn.GRU`` is the ``reset_after=True`` form
    (``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``), but its
    gate order is **r, z, n**. So ``weight_ih_l0`` (3u, in) is ``kernel.T`` with the first two
    blocks of u rows swapped, likewise ``weight_hh_l0`` from ``recurrent_kernel``;
    ``bias_ih_l0`` is ``bias[0]`` and ``bias_hh_l0`` is ``bias[1]``, both with the z and r
    blocks swapped.
    """

    gates = 3

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        reset_after: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)

    def bias_shape(self) -> tuple[int, ...]:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    # ------------------------------------------------------------------ forward
    def forward(self, x, training=False):
        cache = self._input_projection(x, training)
        steps, n, rm = cache["steps"], cache["n"], cache["rm"]
        u, u_mat = self.units, self.params["recurrent_kernel"]
        act, rec = self.activation, self.recurrent_activation
        z = cache["xp"]  # (T, n, 3u): becomes the three pre-activations in place
        a = np.empty_like(z)  # gate values [z, r, hh]
        h, hin = self._state_buffers(steps, n, rm)
        # reset_after: [rp]_h of every step; else r_t * h_{t-1} (both (T, n, u))
        side = np.empty((steps, n, u), dtype=self.dtype)
        b_rec = self.params["bias"][1] if self.use_bias and self.reset_after else None
        for t in range(steps):
            if rm is not None:
                np.multiply(h[t], rm, out=hin[t])
            zt, at = z[t], a[t]
            if self.reset_after:
                rp = hin[t] @ u_mat  # (n, u) @ (u, 3u) -> (n, 3u)
                if b_rec is not None:
                    rp += b_rec
                zt[:, :2 * u] += rp[:, :2 * u]
                rec.forward_into(zt[:, :2 * u], at[:, :2 * u])  # z, r
                side[t] = rp[:, 2 * u:]
                zt[:, 2 * u:] += at[:, u:2 * u] * side[t]  # + r * [rp]_h
            else:
                zt[:, :2 * u] += hin[t] @ u_mat[:, :2 * u]  # (n, u) @ (u, 2u)
                rec.forward_into(zt[:, :2 * u], at[:, :2 * u])
                np.multiply(at[:, u:2 * u], hin[t], out=side[t])  # r * h_{t-1}
                zt[:, 2 * u:] += side[t] @ u_mat[:, 2 * u:]  # (n, u) @ (u, u)
            act.forward_into(zt[:, 2 * u:], at[:, 2 * u:])  # hh
            hh = at[:, 2 * u:]
            # h = z h_{t-1} + (1 - z) hh = hh + z (h_{t-1} - hh)
            np.subtract(h[t], hh, out=h[t + 1])
            h[t + 1] *= at[:, :u]
            h[t + 1] += hh
        cache.update(z=z, a=a, h=h, hin=hin, side=side)
        self._cache = cache
        return self._output(h)

    # ------------------------------------------------------------------ backward
    def backward(self, grad_y):
        cv = self._cache
        steps, n, rm = cv["steps"], cv["n"], cv["rm"]
        z, a, h, hin, side = cv["z"], cv["a"], cv["h"], cv["hin"], cv["side"]
        u, u_mat = self.units, self.params["recurrent_kernel"]
        act, rec = self.activation, self.recurrent_activation
        g, dh = self._upstream(grad_y, steps)
        da = np.empty((n, 2 * u), dtype=self.dtype)  # dL/d[z, r] of one step
        dxp = np.empty_like(z)  # (T, n, 3u): dL/d(x W + b_i)
        drp = np.empty_like(z) if self.reset_after else None  # dL/d(h U + b_r)
        work = np.empty((n, u), dtype=self.dtype)  # dh * (1 - z_t)
        for t in range(steps - 1, -1, -1):
            if g is not None and t < steps - 1:
                dh += g[t]
            zt, at, dxt = z[t], a[t], dxp[t]
            zg, r, hh = at[:, :u], at[:, u:2 * u], at[:, 2 * u:]
            np.subtract(h[t], hh, out=da[:, :u])
            da[:, :u] *= dh  # dz
            np.subtract(1.0, zg, out=work)
            work *= dh
            act.backward_into(zt[:, 2 * u:], hh, work, dxt[:, 2 * u:])  # dah
            dah = dxt[:, 2 * u:]
            if self.reset_after:
                np.multiply(dah, side[t], out=da[:, u:])  # dr = dah * [rp]_h
            else:
                drh = dah @ u_mat[:, 2 * u:].T  # (n, u) @ (u, u): dL/d(r h_{t-1})
                np.multiply(drh, hin[t], out=da[:, u:])  # dr
            rec.backward_into(zt[:, :2 * u], at[:, :2 * u], da, dxt[:, :2 * u])
            if self.reset_after:
                drt = drp[t]
                drt[:, :2 * u] = dxt[:, :2 * u]
                np.multiply(dah, r, out=drt[:, 2 * u:])
            if t > 0:
                if self.reset_after:
                    dhin = drt @ u_mat.T  # (n, 3u) @ (3u, u)
                else:
                    dhin = dxt[:, :2 * u] @ u_mat[:, :2 * u].T  # (n, 2u) @ (2u, u)
                    dhin += drh * r
                if rm is not None:
                    dhin *= rm
                dh *= zg  # the direct path z_t * h_{t-1} (unmasked, as Keras)
                dh += dhin
        if self.reset_after:
            self._recurrent_kernel_grad(cv, drp)
            if self.use_bias:
                np.sum(drp.reshape(steps * n, -1), axis=0, out=self.grads["bias"][1])
        else:
            gu = self.grads["recurrent_kernel"]
            d2 = dxp.reshape(steps * n, 3 * u)
            gu[:, :2 * u] = hin.reshape(steps * n, u).T @ d2[:, :2 * u]  # (u, T*n) @ (T*n, 2u)
            gu[:, 2 * u:] = side.reshape(steps * n, u).T @ d2[:, 2 * u:]  # (u, T*n) @ (T*n, u)
        return self._input_backward(cv, dxp)

    def get_config(self):
        config = super().get_config()
        config.update(recurrent_activation=activations.serialize(self.recurrent_activation),
                      reset_after=self.reset_after)
        return config
