"""``glassnet compare`` and ``glassnet.compare``: same split, one table, plots."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from glassnet import compare as cmp
from glassnet.cli import main

pytest.importorskip("matplotlib")

PNG = b"\x89PNG\r\n\x1a\n"
COLUMNS = ["model", "key", "library", "test_accuracy", "train_time_s", "predict_time_s",
           "n_params", "params_counted", "status", "settings", "note"]
GLASSNET_KEYS = ["mlp-workshop", "mlp-tuned"]
SKLEARN_KEYS = ["logreg", "knn", "linear-svc", "svc-rbf", "random-forest", "hist-gb"]
HAVE_SKLEARN = cmp.have_sklearn()


def _png(path: Path, min_width: int) -> None:
    import matplotlib.image as mpimg

    data = path.read_bytes()
    assert data[:8] == PNG and len(data) > 10_000, path
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[1] >= min_width and img.shape[0] > 200, img.shape
    assert img.std() > 0.01, f"{path} looks blank"


def _read(out: Path) -> tuple[list[dict[str, str]], dict]:
    with open(out / "results.csv", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        rows = list(reader)
    doc = json.loads((out / "results.json").read_text())
    assert {"dataset", "n_train", "n_test", "n_features", "n_classes", "n_jobs", "backend",
            "results"} <= doc.keys()
    assert [r["model"] for r in doc["results"]] == [r["model"] for r in rows]
    return rows, doc


def test_compare_toy_moons_quick_end_to_end(tmp_path: Path, capsys) -> None:
    assert main(["compare", "--dataset", "toy-moons", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    rows, doc = _read(tmp_path)
    assert doc["dataset"] == "toy-moons" and doc["n_features"] == 2 and doc["n_classes"] == 2
    assert doc["n_train"] == 225 and doc["n_test"] == 75  # quick: 300 points, 75/25
    keys = [r["key"] for r in rows]
    assert keys == GLASSNET_KEYS + SKLEARN_KEYS  # no CNN for 2-D points
    for r in rows:
        if r["library"] == "glassnet" or HAVE_SKLEARN:
            assert r["status"] == "ok", r
            assert 0.0 <= float(r["test_accuracy"]) <= 1.0
            assert float(r["train_time_s"]) > 0 and float(r["predict_time_s"]) >= 0
            assert int(r["n_params"]) > 0
        else:
            assert r["status"] == "skipped" and "pip install 'glassnet[sklearn]'" in r["note"]
    by_key = {r["key"]: r for r in rows}
    assert int(by_key["mlp-workshop"]["n_params"]) == 2 * 30 + 30 + 30 * 30 + 30 + 30 * 2 + 2
    assert float(by_key["mlp-tuned"]["test_accuracy"]) > 0.8  # the moons are learnable
    if HAVE_SKLEARN:
        assert int(by_key["logreg"]["n_params"]) == 3  # 2 weights + 1 intercept
        assert by_key["knn"]["params_counted"] == "stored training values"
        assert int(by_key["knn"]["n_params"]) == 225 * 2
    md = (tmp_path / "results.md").read_text()
    assert md.count("\n| ") == len(rows) + 1 and "| model | test accuracy |" in md
    assert "| model | test accuracy |" in out  # the table is printed too
    _png(tmp_path / "comparison.png", 800)
    _png(tmp_path / "boundaries.png", 800)
    assert str(tmp_path / "boundaries.png") in out


def test_compare_two_jobs_with_loky(tmp_path: Path, capsys) -> None:
    pytest.importorskip("joblib")
    models = ["mlp-workshop", "knn"] if HAVE_SKLEARN else ["mlp-workshop", "mlp-tuned"]
    args = ["compare", "--dataset", "toy-blobs", "--quick", "--n-jobs", "2",
            "--models", *models, "--out", str(tmp_path)]
    assert main(args) == 0
    assert "2 jobs" in capsys.readouterr().out
    rows, doc = _read(tmp_path)
    assert doc["n_jobs"] == 2 and doc["backend"] == "loky" and doc["n_classes"] == 4
    assert [r["key"] for r in rows] == models
    assert all(r["status"] == "ok" and 0 <= float(r["test_accuracy"]) <= 1 for r in rows)
    _png(tmp_path / "boundaries.png", 400)  # fitted models came back from the workers


def test_without_sklearn_the_glassnet_models_still_run(monkeypatch) -> None:
    monkeypatch.setattr(cmp.lineup, "have_sklearn", lambda: False)  # where model_specs looks
    data = cmp.load_dataset("toy-circles", quick=True)
    rows = cmp.compare(data, quick=True)
    status = {r["key"]: r["status"] for r in rows}
    assert status == {**dict.fromkeys(GLASSNET_KEYS, "ok"), **dict.fromkeys(SKLEARN_KEYS, "skipped")}
    assert all(cmp.SKLEARN_HINT in r["note"] for r in rows if r["status"] == "skipped")
    assert "skipped: scikit-learn is not installed" in cmp.results_table(rows)


def test_image_line_up_has_a_cnn_and_skips_svc_on_large_sets() -> None:
    rng = np.random.default_rng(0)
    big = cmp.Dataset("mnist", np.zeros((cmp.SVC_MAX_TRAIN + 1, 784), np.float32),
                      rng.integers(0, 10, cmp.SVC_MAX_TRAIN + 1), np.zeros((5, 784), np.float32),
                      np.arange(5), tuple("0123456789"), (28, 28))
    specs = {s.key: s for s in cmp.model_specs(big)}
    assert "cnn" in specs
    assert (specs["cnn"].skip is None) == (cmp.conv_layers() is not None)
    if HAVE_SKLEARN:
        assert "kernel matrix grows as n²" in specs["svc-rbf"].skip
        assert specs["hist-gb"].skip is None


def test_unknown_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="`name` must be one of digits, mnist"):
        cmp.load_dataset("cifar10")
    data = cmp.load_dataset("toy-moons", quick=True)
    with pytest.raises(ValueError, match=r"Unknown model keys \['xgboost'\]; valid keys: mlp-workshop"):
        cmp.compare(data, models=["xgboost"])


@pytest.mark.parametrize("bad", [["--dataset", "cifar"], ["--n-jobs", "0"], ["--threads", "-1"],
                                 ["--models", "xgboost"], ["--max-train", "0"]])
def test_compare_rejects_bad_options(bad: list[str], tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["compare", "--out", str(tmp_path), *bad])
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


def test_compare_quick_astronaut_workshop_mlp_learns_the_band(tmp_path: Path, capsys) -> None:
    """--quick on a toy set keeps the epochs (it only shrinks the set), so the workshop MLP
    learns: seeds 0-3 tried, 0.947-1.0 test accuracy (logistic regression ~0.81, as no
    straight line separates the band)."""
    for seed in (0, 1, 2):
        out = tmp_path / str(seed)
        assert main(["compare", "--dataset", "toy-astronaut", "--quick", "--seed", str(seed),
                     "--out", str(out)]) == 0
        rows, _ = _read(out)
        acc = {r["key"]: float(r["test_accuracy"]) for r in rows if r["status"] == "ok"}
        assert acc["mlp-workshop"] >= 0.9, (seed, acc)
        assert acc["mlp-workshop"] > min(acc.values()) or len(acc) == 1, (seed, acc)
        if HAVE_SKLEARN:
            assert acc["mlp-workshop"] > acc["logreg"], (seed, acc)
    text = capsys.readouterr().out
    assert "[1/8]" in text and "s left" in text  # progress with an estimate of the time left
    # The boundary panel is not one colour: the model predicts both classes over the plane.
    data = cmp.load_dataset("toy-astronaut", quick=True)
    model = cmp.GlassnetClassifier("workshop", cmp.model_specs(data, quick=True)[0]
                                   .build().epochs).fit(data.x_train, data.y_train, n_classes=2)
    grid = np.stack(np.meshgrid(np.linspace(0, 1, 30), np.linspace(0, 1, 30)), -1).reshape(-1, 2)
    assert set(model.predict(grid)) == {0, 1}
    assert data.feature_names == ("height", "fitness")


def test_compare_cnn_on_images_and_a_clear_error_on_points(tmp_path: Path, capsys) -> None:
    assert main(["compare", "--dataset", "toy-moons", "--models", "cnn", "--out",
                 str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "argument --models" in err and "cnn needs image data" in err
    assert len(err.strip().splitlines()) == 1 and not any(tmp_path.iterdir())
    if cmp.conv_layers() is None:
        pytest.skip("this glassnet has no Conv2D")
    assert main(["compare", "--dataset", "digits", "--models", "cnn", "--quick", "--out",
                 str(tmp_path)]) == 0
    rows, _ = _read(tmp_path)
    assert [r["key"] for r in rows] == ["cnn"] and rows[0]["status"] == "ok"
    assert float(rows[0]["test_accuracy"]) > 0.5  # 10 classes: chance is 0.1


def test_compare_refuses_an_unwritable_out_before_training(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SystemExit) as exc:
        main(["compare", "--dataset", "toy-moons", "--out", str(blocker)])
    assert exc.value.code == 2
    assert "argument --out" in capsys.readouterr().err
    assert main(["compare", "--dataset", "toy-moons", "--out", "/proc/glassnet-report"]) == 2
    captured = capsys.readouterr()
    assert "argument --out" in captured.err and "Training" not in captured.out


def test_compare_help_examples_parse_and_the_toy_one_runs(tmp_path: Path, monkeypatch,
                                                          capsys) -> None:
    import re
    import shlex

    from glassnet.cli import build_parser
    from glassnet.commands import compare as command

    examples = [shlex.split(re.split(r"\s{3,}", line.strip())[0])[1:]
                for line in command.EPILOG.splitlines() if line.startswith("  glassnet")]
    assert len(examples) == 4
    parser = build_parser()
    for argv in examples:
        parser.parse_args(argv)  # every flag exists and every value is valid
    toy = next(a for a in examples if "toy-astronaut" in a)
    monkeypatch.chdir(tmp_path)
    assert main([*toy, "--quick"]) == 0
    assert (tmp_path / "reports" / "compare" / "boundaries.png").is_file()


def test_compare_unusable_backend_is_one_line_before_training(tmp_path: Path, capsys) -> None:
    try:
        import ray  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("ray is installed here")
    assert main(["compare", "--dataset", "toy-moons", "--backend", "ray", "--out",
                 str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert "argument --backend" in captured.err and "pip install 'ray'" in captured.err
    assert "Training" not in captured.out
    with pytest.raises(SystemExit):
        main(["compare", "--backend", "nope", "--out", str(tmp_path)])
    assert "argument --backend: invalid choice" in capsys.readouterr().err
