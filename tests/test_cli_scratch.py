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
    "bad", [["--epochs", "0"], ["--gradient", "adam"], ["--hidden", "-1"]]
)
def test_scratch_rejects_bad_options(bad: list[str], tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["scratch", "--out", str(tmp_path), *bad])
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        (["--lr", "inf"], "--lr must be a positive finite number, got inf."),
        (["--lr", "-1"], "--lr must be a positive finite number, got -1."),
        (["--lr", "nan"], "--lr must be a positive finite number, got nan."),
        (["--lr", "abc"], "--lr must be a positive finite number, got abc."),
        (["--hidden", "0", "3"], "--hidden 0 means no hidden layer and stands alone"),
    ],
)
def test_scratch_bad_values_fail_in_one_line(bad, fragment, tmp_path: Path, capsys) -> None:
    assert main(["scratch", "--out", str(tmp_path / "o"), *bad]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("glassnet scratch: error: ")
    assert fragment in lines[0]
    assert captured.out == ""  # nothing trained


def test_scratch_out_problems_fail_before_training(tmp_path: Path, capsys) -> None:
    a_file = tmp_path / "taken.txt"
    a_file.write_text("x")
    for out, fragment in ((a_file, "is a file; give a folder"),
                          (Path("/proc/nope"), "cannot create this folder")):
        assert main(["scratch", "--out", str(out)]) == 2
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and "--out" in lines[0] and fragment in lines[0], captured.err
        assert captured.out == ""
    assert a_file.read_text() == "x"


def test_scratch_without_hidden_layer(tmp_path: Path, capsys) -> None:
    assert main(["scratch", "--out", str(tmp_path), "--hidden", "0", "--epochs", "300"]) == 0
    out = capsys.readouterr().out
    assert "Network [2, 1]: 3 parameters (2 weights, 1 biases)" in out
    costs = _costs(out)
    assert costs[-1] < costs[0]


def test_scratch_huge_lr_gets_a_hint(tmp_path: Path, capsys) -> None:
    assert main(["scratch", "--out", str(tmp_path), "--lr", "500", "--epochs", "200"]) == 0
    out = capsys.readouterr().out
    assert "Hint: the cost stalled" in out and "saturated" in out and "--lr 6" in out


def test_scratch_good_run_has_no_hint(tmp_path: Path, capsys) -> None:
    assert main(["scratch", "--out", str(tmp_path), "--epochs", "1500"]) == 0
    assert "Hint" not in capsys.readouterr().out


def test_scratch_error_curve_starts_at_step_zero(tmp_path: Path, monkeypatch) -> None:
    import glassnet.commands.scratch as command

    drawn = {}
    original = command._error_curve

    def spy(costs, path, title):
        fig = original(costs, path, title)
        line = fig.axes[0].lines[0]
        drawn["x"], drawn["y"] = list(line.get_xdata()), list(line.get_ydata())
        return fig

    monkeypatch.setattr(command, "_error_curve", spy)
    assert main(["scratch", "--out", str(tmp_path), "--epochs", "20"]) == 0
    assert drawn["x"][0] == 0 and len(drawn["x"]) == 21
    from glassnet.datasets.toy import make_astronaut
    from glassnet.scratch import cost_function, init_params

    X, y = make_astronaut(n_samples=200, seed=0)
    assert drawn["y"][0] == pytest.approx(cost_function(X, y, *init_params([2, 3, 1], seed=0)))


def test_scratch_slow_run_predicts_its_duration(tmp_path: Path, capsys, monkeypatch) -> None:
    import glassnet.commands.scratch as command

    monkeypatch.setattr(command, "SLOW_RUN_S", 0.0)  # every run counts as slow
    monkeypatch.setattr(command, "NOTE_EVERY_S", 0.0)  # and says how far along it is each chunk
    args = ["scratch", "--out", str(tmp_path), "--gradient", "numeric", "--epochs", "30",
            "--print-every", "10", "--samples", "40"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert re.search(r"About \d+ s to go \([0-9.e-]+ s per epoch\)", out)
    assert len(_costs(out)) == 4  # epochs 0, 10, 20, 30
    assert re.search(r"\.\.\. epoch \d+/30, about \d+ s to go", out)  # captured output is no terminal


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
