"""The workshop, hands-on: check your own functions, see the network, get the notebooks.

* :func:`check` runs a learner's function (the slides' ``sigmoid``, ``init_params``,
  ``forward_pass``, ``predict``, ``cost_function``, ``w_update``, ``b_update``,
  ``gradient_estimator``, ``one_step_gd``, ``GD``, ``backprop``, and the perceptron unit
  ``perceptron(x, w, b)`` with its activation ``step(z)``) on many cases and names the
  mistake when it fails; :func:`mistakes` lists the catalogue it knows.
* :func:`composition` writes any glassnet model as the slides' ``f(x) = f_L(…f_1(x))``.
* ``glassnet workshop DIR`` writes the notebooks (:func:`write_notebooks`).

The from-scratch layout keeps ``w[i]`` as ``(n_{i+1}, n_i)``; a Keras ``Dense`` kernel is
its transpose, ``kernel = w[i].T``.

Examples
--------
>>> import numpy as np
>>> from glassnet.workshop import check
>>> result = check("sigmoid", lambda z: 1 / (1 + np.exp(-z)))
>>> bool(result)
True
"""

import os
from pathlib import Path

from glassnet.workshop.check import CheckResult, check
from glassnet.workshop.composition import composition
from glassnet.workshop.mistakes import Mistake, all_mistakes
from glassnet.workshop.reference import REFERENCE


def mistakes(name: str | None = None) -> list[Mistake]:
    """The catalogued mistakes, all of them or those of one function."""
    return [m for m in all_mistakes() if name is None or m.name == name]


def write_notebooks(directory: str | os.PathLike[str], solutions: bool = False,
                    overwrite: bool = False) -> list[Path]:
    """Write the workshop's notebooks; see :func:`glassnet.workshop.notebooks.write_notebooks`."""
    from glassnet.workshop.notebooks import write_notebooks as _write  # needs the workshop extra

    return _write(directory, solutions=solutions, overwrite=overwrite)


__all__ = ["REFERENCE", "CheckResult", "Mistake", "check", "composition", "mistakes", "write_notebooks"]
