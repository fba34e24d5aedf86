"""Plot helpers (matplotlib is the optional ``plot`` extra, imported lazily).

Every helper returns the matplotlib figure and saves it when given ``path``.
"""
