"""``glassnet scratch`` and the workshop example script."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from glassnet.cli import main

pytest.importorskip("matplotlib")

PNG = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parents[1]


def _costs(out: str) -> list[float]:
    """The cost column of the printed table."""
    return [float(m.group(2)) for m in re.finditer(r"^\s*(\d+) \|\s+([0-9.]+)$", out, re.M)]


def test_scratch_defaults_train_and_save_pngs(tmp_path: Path, capsys) -> None:
    assert main(["scratch", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    costs = _costs(out)
    assert len(costs) == 11  # epoch 0 and ten rows after it
    assert all(a > b for a, b in zip(costs, costs[1:], strict=False))  # falling
    assert costs[-1] < 0.2 * costs[0]
    accuracy = float(re.search(r"Training accuracy: ([0-9.]+)%", out).group(1))
    assert accuracy >= 95.0
    assert "13 parameters (9 weights, 4 biases)" in out
    for name in ("error_curve.png", "decision_boundary.png"):
        path = tmp_path / name
        data = path.read_bytes()
        assert data[:8] == PNG and len(data) > 10_000
        assert str(path) in out


def test_scratch_numeric_gradient_and_options(tmp_path: Path, capsys) -> None:
    args = ["scratch", "--out", str(tmp_path), "--gradient", "numeric", "--hidden", "4", "2",
            "--epochs", "40", "--print-every", "20", "--samples", "50", "--seed", "3"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Network [2, 4, 2, 1]" in out and "gradient by numeric" in out
    costs = _costs(out)
    assert len(costs) == 3 and costs[-1] < costs[0]
    assert (tmp_path / "decision_boundary.png").read_bytes()[:8] == PNG


@pytest.mark.parametrize(
    "bad", [["--epochs", "0"], ["--lr", "-1"], ["--gradient", "adam"], ["--hidden", "0"]]
)
def test_scratch_rejects_bad_options(bad: list[str], tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["scratch", "--out", str(tmp_path), *bad])
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


def test_scratch_without_matplotlib_says_how_to_install(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    import glassnet.plotting._backend as backend

    def missing() -> None:
        raise ImportError("Plotting needs matplotlib: pip install 'glassnet[plot]'.")

    monkeypatch.setattr(backend, "pyplot", missing)
    assert main(["scratch", "--out", str(tmp_path), "--epochs", "10"]) == 1
    captured = capsys.readouterr()
    assert "Training accuracy" in captured.out
    assert "pip install 'glassnet[plot]'" in captured.err
    assert not (tmp_path / "error_curve.png").exists()


def test_workshop_example_quick(capsys) -> None:
    spec = importlib.util.spec_from_file_location(
        "workshop_challenges", ROOT / "examples" / "workshop_challenges.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--quick"]) == 0
    out = capsys.readouterr().out
    for n in range(1, 6):
        assert f"Challenge {n}" in out
    assert "14 cost evaluations for 13 parameters" in out
    assert "backprop: 1 forward, 1 backward pass" in out
    err = float(re.search(r"relative error vs central difference: ([0-9.e+-]+)", out).group(1))
    assert err < 1e-6


def test_benchmark_quick(tmp_path: Path, capsys) -> None:
    spec = importlib.util.spec_from_file_location(
        "numeric_vs_backprop", ROOT / "benchmarks" / "numeric_vs_backprop.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out_file = tmp_path / "table.md"
    assert module.main(["--quick", "--budget", "0.5", "--out", str(out_file)]) == 0
    table = out_file.read_text()
    assert table.strip() in capsys.readouterr().out
    assert "| [2, 3, 1] | 13 |" in table and "| 14 |" in table
