"""The reliability suite: every hostile or mutated input runs in a child process with a time
and an address-space limit (see isolate.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # isolate.py
