"""SimpleRNN: the Elman recurrence ``h_t = f(x_t W + h_{t-1} U + b)``."""

from __future__ import annotations

import numpy as np

from glassnet.layers.recurrent_base import RecurrentLayer


class SimpleRNN(RecurrentLayer):
    """Fully connected recurrent layer (Keras's ``SimpleRNN``).

    The other arguments: see :class:`~glassnet.layers.recurrent_base.RecurrentLayer`.

    Parameters
    ----------
    units : int
    activation : str, default 'tanh'

    Notes
    -----
    Shapes: ``x_t`` (batch, in), ``h_t`` (batch, u), ``W`` (in, u), ``U`` (u, u), ``b`` (u,);
    ``h_0 = 0``. Forward, for t = 1..T::

        z_t = x_t W + b + h_{t-1} U         x W + b for all t in one matmul first
        h_t = f(z_t)

    Backpropagation through time, t = T..1, with ``dh`` the gradient reaching ``h_t`` (the
    upstream ``dL/dy_t`` plus what step t+1 sent back)::

        dz_t     = f'(z_t) * dh
        dh_{t-1} = dz_t U.T               the only matmul inside the loop
        dL/dU    = sum_t h_{t-1}.T dz_t   one matmul over all steps after the loop
        dL/dW    = sum_t x_t.T dz_t,  dL/db = sum_t,batch dz_t,  dL/dx_t = dz_t W.T

    Parameters: ``in*u + u*u + u``.
    """

    gates = 1

    def forward(self, x, training=False, mask=None):
        x, initial, mask = self._split_states(x, mask)
        cache = self._input_projection(x, training)
        steps, n, rm = cache["steps"], cache["n"], cache["rm"]
        masked = self._time_mask(mask, n, steps, columns=False)  # None: no padding
        u_mat = self.params["recurrent_kernel"]
        z = cache["xp"]  # (T, n, u): becomes z_t in place, step by step
        h, hin = self._state_buffers(steps, n, rm)
        if initial is not None:
            h[0] = initial[0]  # h_0 given (n, u)
        for t in range(steps):
            if rm is not None:
                np.multiply(h[t], rm, out=hin[t])
            z[t] += hin[t] @ u_mat  # (n, u) @ (u, u) -> (n, u)
            self.activation.forward_into(z[t], h[t + 1])
            if masked is not None:  # a padded step keeps the state
                np.copyto(h[t + 1], h[t], where=masked[0][t])
        cache.update(z=z, h=h, hin=hin, masked=masked)
        self._cache = cache
        return self._with_states(self._output(h), [h[-1]])

    def backward(self, grad_y):
        c = self._cache
        steps, rm, z, h = c["steps"], c["rm"], c["z"], c["h"]
        u_mat = self.params["recurrent_kernel"]
        grad_y, _ = self._state_grads(grad_y)
        to_h0 = getattr(self, "_initial_given", False)  # dL/dh_0 wanted too
        g, dh = self._upstream(grad_y, steps)
        dz = np.empty_like(z)  # (T, n, u): dL/dz_t for every step
        masked = c["masked"]
        for t in range(steps - 1, -1, -1):
            if g is not None and t < steps - 1:
                dh += g[t]
            if masked is not None:  # a padded step hands dL/dh_t straight to h_{t-1}
                passed = dh * masked[2][t]
                dh = dh * masked[1][t]
            self.activation.backward_into(z[t], h[t + 1], dh, dz[t])
            if t > 0 or to_h0:
                dh = dz[t] @ u_mat.T  # (n, u) @ (u, u) -> dL/dh_{t-1}
                if rm is not None:
                    dh *= rm
                if masked is not None:
                    dh += passed
        self._recurrent_kernel_grad(c, dz)
        return self._with_state_inputs(self._input_backward(c, dz), [dh])
