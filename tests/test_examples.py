"""Every example runs on small settings (its --quick flag), so none rots."""

import importlib
import sys
from pathlib import Path

import pytest

from glassnet.datasets.errors import DatasetError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
QUICK = sorted(p.stem for p in EXAMPLES.glob("*.py") if not p.stem.startswith("_"))


@pytest.mark.parametrize("name", QUICK)
def test_example_runs_quick(name, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    monkeypatch.chdir(tmp_path)  # examples write their plots under ./reports by default
    module = importlib.import_module(name)
    try:
        module.main(["--quick"])
    except DatasetError as exc:
        pytest.skip(f"{name} needs a data set that is not installed here: {exc}")
    finally:
        sys.modules.pop(name, None)
