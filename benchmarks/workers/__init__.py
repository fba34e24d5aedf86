"""One worker script per framework; ``run.py`` runs each in its own process."""
