"""Every example: its --help, its --out folder (checked before any work), and a run.

The lessons themselves are asserted in test_lessons.py, which runs most examples; the ones it
does not run end to end are run here at their smallest size.
"""

import importlib
import sys
from pathlib import Path

import pytest

from glassnet.datasets.errors import DatasetError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.py")
               if not p.stem.startswith("_") and p.stem not in ("workshop_challenges",
                                                                 "transformer_encoder"))


@pytest.fixture
def load(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    monkeypatch.chdir(tmp_path)
    loaded = []

    def get(name):
        loaded.append(name)
        return importlib.import_module(name)

    yield get
    for name in loaded:
        sys.modules.pop(name, None)


@pytest.mark.parametrize("name", NAMES)
def test_example_help_names_out_and_seed(name, load, capsys):
    with pytest.raises(SystemExit) as exc:
        load(name).main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "--out" in text and f"reports/{name}" in text and "--seed" in text


@pytest.mark.parametrize("name", NAMES)
def test_example_refuses_an_unwritable_out_before_any_work(name, load, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(SystemExit) as exc:
        load(name).main(["--out", str(blocker / "sub")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--out" in err and "is a file" in err
    assert "Traceback" not in err


def test_no_example_writes_into_docs():
    for name in NAMES:
        text = (EXAMPLES / f"{name}.py").read_text()
        assert '"docs"' not in text and "docs/img" not in text, name


def _run_quick(load, name, tmp_path, capsys, *argv):
    try:
        load(name).main(["--quick", "--out", str(tmp_path / "out"), *argv])
    except DatasetError as exc:
        pytest.skip(f"{name} needs a data set that is not installed here: {exc}")
    text = capsys.readouterr().out
    saved = [line.removeprefix("Saved ") for line in text.splitlines() if line.startswith("Saved ")]
    assert saved, "the example must print the paths it wrote"
    for path in saved:
        assert Path(path).is_file() and Path(path).is_relative_to(tmp_path / "out"), path
    return text


def test_cnn_fashion_mnist_quick_runs_and_saves_results(load, tmp_path, capsys):
    text = _run_quick(load, "cnn_fashion_mnist", tmp_path, capsys, "--model", "baseline")
    assert "results.json" in text


@pytest.mark.slow
def test_fashion_mnist_mlp_quick_runs_both_models(load, tmp_path, capsys):
    text = _run_quick(load, "fashion_mnist_mlp", tmp_path, capsys)
    assert "workshop MLP" in text and "tuned MLP" in text
