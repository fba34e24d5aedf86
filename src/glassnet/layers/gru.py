"""GRU: the gated recurrent unit (Cho et al. 2014), Keras's two formulations."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate, activations
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
    reset_after : bool, default True
        Keras 3's default (and cuDNN's/PyTorch's form): the reset gate multiplies the
        *projected* state, and there are two biases. False is the original form of Cho et al.
    **kwargs
        Everything else of :class:`~glassnet.layers.recurrent_base.RecurrentLayer`:
        ``kernel_initializer`` (default ``'glorot_uniform'``), ``recurrent_initializer``
        (``'orthogonal'``), ``bias_initializer`` (``'zeros'``), the regularizers,
        ``return_sequences``, ``dropout``, ``name`` ...

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

    **How the loop runs** (for speed; the weights and gradients stay in Keras's layout): on
    the transposed problem, samples in columns, so that every gate block ``[z]``, ``[r]``,
    ``[h]`` of a step is a contiguous ``(u, batch)`` block (column blocks of a
    ``(batch, 3u)`` array cost several times more per NumPy call). The input projection of
    all steps is one batched product ``[W^T, b_i] @ [x_t; 1]``; each step is one product
    ``[U^T, b_r] @ [h_{t-1}; 1]`` (reset_after; the ones row carries ``b_r``), or
    ``U_{z,r}^T h`` and ``U_h^T (r h)`` without it. After the loop every weight gradient is
    one batched product summed over the steps: ``[dW; db_i] = sum_t [x_t; 1] dxp_t^T``,
    ``[dU; db_r] = sum_t [h_{t-1}; 1] drp_t^T``.

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
        *,
        reset_after: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(units, activation, use_bias, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = _validate.check_bool(type(self).__name__, "reset_after", reset_after)

    def bias_shape(self) -> tuple[int, ...]:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    # ------------------------------------------------------------------ forward
    def forward(self, x, training=False, mask=None):
        x, initial, mask = self._split_states(x, mask)
        u, reset_after = self.units, self.reset_after
        x1, dm, rm = self._stacked_input(x, training)  # (T, in+1, n): [x_t; 1]
        steps, n = x1.shape[0], x1.shape[2]
        masked = self._time_mask(mask, n, steps, columns=True)  # None: no padding
        w_in, u_rec = self._loop_weights()
        zp = np.matmul(w_in, x1)  # (T, 3u, n): x_t W + b_i, all steps; becomes the pre-activations
        # hs[t] = [h_{t-1}; 1] (u+1, n): the ones row carries b_r through the recurrent product.
        hs = np.empty((steps + 1, u + 1, n), dtype=self.dtype)
        hs[0, :u] = 0.0 if initial is None else initial[0].T  # h_0
        hs[:, u] = 1.0
        hin = hs if rm is None else hs.copy()  # the state as the recurrent product reads it
        if rm is not None:
            hin[0, :u] *= rm
        keep = self.keep_cache  # inference only: one step's gates and side buffers, reused
        a = np.empty((steps if keep else 1, 3 * u, n), dtype=self.dtype)  # gates [z, r, hh]
        # reset_after: h_{t-1} U + b_r (3u rows); else r_t * hin_{t-1} (u rows)
        side = np.empty((steps if keep else 1, 3 * u if reset_after else u, n), dtype=self.dtype)
        rh = None if reset_after else np.empty((u, n), dtype=self.dtype)  # U_h^T (r h)
        rzr = None if reset_after else np.empty((2 * u, n), dtype=self.dtype)  # U_zr^T h
        act, rec = self.activation, self.recurrent_activation
        for t in range(steps):
            k = t if keep else 0
            zt, at, st, h_in = zp[t], a[k], side[k], hin[t]
            if reset_after:
                np.dot(u_rec, h_in, out=st)  # [U^T, b_r] @ [h; 1]: (3u, u+1) @ (u+1, n)
                zt[:2 * u] += st[:2 * u]
                rec.forward_into(zt[:2 * u], at[:2 * u])  # z, r
                np.multiply(at[u:2 * u], st[2 * u:], out=at[2 * u:])  # r * [rp]_h (scratch)
                zt[2 * u:] += at[2 * u:]
            else:
                zt[:2 * u] += np.dot(u_rec[:2 * u], h_in[:u], out=rzr)  # (2u, u) @ (u, n)
                rec.forward_into(zt[:2 * u], at[:2 * u])
                np.multiply(at[u:2 * u], h_in[:u], out=st)  # r * h_{t-1}
                zt[2 * u:] += np.dot(u_rec[2 * u:], st, out=rh)  # U_h^T (r h): (u, u) @ (u, n)
            act.forward_into(zt[2 * u:], at[2 * u:])  # hh
            hh, h_next = at[2 * u:], hs[t + 1, :u]
            # h = z h_{t-1} + (1 - z) hh = hh + z (h_{t-1} - hh)
            np.subtract(hs[t, :u], hh, out=h_next)
            h_next *= at[:u]
            h_next += hh
            if masked is not None:  # a padded step keeps the state
                np.copyto(h_next, hs[t, :u], where=masked[0][t])
            if rm is not None:
                np.multiply(h_next, rm, out=hin[t + 1, :u])
        self._cache = {"x1": x1, "zp": zp, "a": a, "side": side, "hs": hs, "hin": hin,
                       "dm": dm, "rm": rm, "masked": masked} if keep else None
        states = hs[:, :u]  # (T+1, u, n), h_0 first
        if self.return_sequences:  # (T, u, n) -> (n, T, u)
            y = np.ascontiguousarray(states[1:].transpose(2, 0, 1))
        else:
            y = np.ascontiguousarray(states[-1].T)
        return self._with_states(y, [states[-1].T])

    def _stacked_input(self, x, training):
        """``x`` (n, T, in) checked, as the loop reads it: ``x1[t] = [x_t^T; 1]`` of shape
        ``(in + 1, n)`` (samples in columns), input dropout applied; the masks (in, n), (u, n)."""
        n, steps = self._check_input(x)
        n_in = x.shape[-1]
        xs = x[:, ::-1] if self.go_backwards else x
        x1 = np.empty((steps, n_in + 1, n), dtype=self.dtype)
        x1[:, :n_in] = xs.transpose(1, 2, 0)
        x1[:, n_in] = 1.0
        dm, rm = self._dropout_masks(n, n_in, training)
        if dm is not None:
            dm = dm.T  # (in, n): the columns are samples here
            x1[:, :n_in] *= dm  # the same mask at every step
        return x1, dm, None if rm is None else rm.T

    def _loop_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """``[W^T, b_i]`` (3u, in+1) and the recurrent weights the loop multiplies by:
        ``[U^T, b_r]`` (3u, u+1) with ``reset_after``, else ``U^T`` (3u, u)."""
        bias = self.params["bias"] if self.use_bias else np.zeros(
            self.bias_shape(), dtype=self.dtype)
        b_in = bias[0] if self.reset_after else bias
        w_in = np.concatenate([self.params["kernel"].T, b_in[:, None]], axis=1)
        u_t = self.params["recurrent_kernel"].T  # (3u, u)
        if self.reset_after:
            return w_in, np.concatenate([u_t, bias[1][:, None]], axis=1)
        return w_in, np.ascontiguousarray(u_t)

    # ------------------------------------------------------------------ backward
    def backward(self, grad_y):
        cv = self._cache
        x1, zp, a, side, hs, hin, rm = (cv["x1"], cv["zp"], cv["a"], cv["side"], cv["hs"],
                                        cv["hin"], cv["rm"])
        steps, n = x1.shape[0], x1.shape[2]
        u, reset_after = self.units, self.reset_after
        u_mat = self.params["recurrent_kernel"]  # (u, 3u)
        act, rec = self.activation, self.recurrent_activation
        grad_y, _ = self._state_grads(grad_y)
        to_h0 = getattr(self, "_initial_given", False)  # dL/dh_0 wanted too
        if self.return_sequences:  # (n, T, u) -> (T, u, n)
            g = np.ascontiguousarray(grad_y.transpose(1, 2, 0), dtype=self.dtype)
            dh = g[steps - 1].copy()
        else:
            g, dh = None, np.array(grad_y.T, dtype=self.dtype, order="C")  # a copy: written below
        dxp = np.empty_like(zp)  # (T, 3u, n): dL/d(x_t W + b_i)
        drp: Any = np.empty_like(zp) if reset_after else None  # dL/d(h_{t-1} U + b_r)
        da = np.empty((2 * u, n), dtype=self.dtype)  # dL/d[z, r] of one step
        work = np.empty((u, n), dtype=self.dtype)
        drh: Any = None if reset_after else np.empty((u, n), dtype=self.dtype)
        masked = cv["masked"]
        for t in range(steps - 1, -1, -1):
            if g is not None and t < steps - 1:
                dh += g[t]
            if masked is not None:  # a padded step hands dL/dh_t straight to h_{t-1}
                passed = dh * masked[2][t]
                dh *= masked[1][t]
            zt, at, dxt = zp[t], a[t], dxp[t]
            zg, r, hh = at[:u], at[u:2 * u], at[2 * u:]
            np.subtract(hs[t, :u], hh, out=da[:u])
            da[:u] *= dh  # dz = dh (h_{t-1} - hh)
            np.subtract(1.0, zg, out=work)
            work *= dh  # dhh = dh (1 - z)
            act.backward_into(zt[2 * u:], hh, work, dxt[2 * u:])
            dah = dxt[2 * u:]  # dL/d(candidate pre-activation)
            if reset_after:
                np.multiply(dah, side[t, 2 * u:], out=da[u:])  # dr = dah [rp]_h
            else:
                np.dot(u_mat[:, 2 * u:], dah, out=drh)  # dL/d(r h_{t-1}) = U_h dah
                np.multiply(drh, hin[t, :u], out=da[u:])  # dr
            rec.backward_into(zt[:2 * u], at[:2 * u], da, dxt[:2 * u])
            if reset_after:
                drt = drp[t]
                drt[:2 * u] = dxt[:2 * u]
                np.multiply(dah, r, out=drt[2 * u:])
            if t > 0 or to_h0:
                if reset_after:
                    dhin = np.dot(u_mat, drt)  # (u, 3u) @ (3u, n)
                else:
                    dhin = np.dot(u_mat[:, :2 * u], dxt[:2 * u])  # (u, 2u) @ (2u, n)
                    drh *= r
                    dhin += drh
                if rm is not None:
                    dhin *= rm
                dh *= zg  # the direct path z_t h_{t-1} (unmasked, as Keras)
                dh += dhin
                if masked is not None:
                    dh += passed
        self._weight_grads(cv, dxp, drp)
        dx = self._input_grad_columns(self.params["kernel"], dxp, cv["dm"])
        return self._with_state_inputs(dx, [dh.T])

    def _weight_grads(self, cv, dxp, drp) -> None:
        """Every weight gradient from the per-step ``dxp`` (and ``drp``), summed over steps in
        Keras's layout: ``[dW; db_i] = sum_t [x_t; 1] dxp_t^T`` (in+1, 3u), and with
        ``reset_after`` ``[dU; db_r] = sum_t [hin_{t-1}; 1] drp_t^T`` (u+1, 3u); without it
        ``dU_{z,r} = sum_t hin_{t-1} [dxp_t]_{z,r}^T``, ``dU_h = sum_t (r h)_t [dxp_t]_h^T``."""
        u, n_in, grads = self.units, cv["x1"].shape[1] - 1, self.grads
        steps = cv["x1"].shape[0]
        d_in = np.add.reduce(np.matmul(cv["x1"], dxp.transpose(0, 2, 1)), axis=0)  # (in+1, 3u)
        grads["kernel"][...] = d_in[:n_in]
        if self.reset_after:
            d_rec = np.add.reduce(np.matmul(cv["hin"][:steps], drp.transpose(0, 2, 1)), axis=0)
            grads["recurrent_kernel"][...] = d_rec[:u]
            if self.use_bias:
                grads["bias"][0] = d_in[n_in]
                grads["bias"][1] = d_rec[u]
            return
        hin = cv["hin"][:steps, :u]  # (T, u, n)
        grads["recurrent_kernel"][:, :2 * u] = np.add.reduce(
            np.matmul(hin, dxp[:, :2 * u].transpose(0, 2, 1)), axis=0)
        grads["recurrent_kernel"][:, 2 * u:] = np.add.reduce(
            np.matmul(cv["side"], dxp[:, 2 * u:].transpose(0, 2, 1)), axis=0)
        if self.use_bias:
            grads["bias"][...] = d_in[n_in]

    def get_config(self):
        config = super().get_config()
        config.update(recurrent_activation=activations.serialize(self.recurrent_activation),
                      reset_after=self.reset_after)
        return config
