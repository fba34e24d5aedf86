"""glassnet: neural networks written from scratch on NumPy.

The package re-exports nothing heavy; import what you need from its modules:
``glassnet.scratch`` (the workshop), ``glassnet.models``, ``glassnet.layers``,
``glassnet.optimizers``, ``glassnet.losses``, ``glassnet.datasets`` ...
"""

__version__ = "0.1.0"
