"""``glassnet workshop DIR``: the notebooks are written, and they run in a real Jupyter kernel.

The instructor's notebooks run end to end, each in its own kernel. The learners' notebooks
run top to bottom with every exercise still the stub: every check must report "not done
yet" and every later cell must go on with glassnet's reference.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from glassnet.cli import main
from glassnet.workshop.notebooks import END, render, sources

nbformat = pytest.importorskip("nbformat", reason="the workshop extra (nbformat) is not installed")
pytest.importorskip("jupytext", reason="the workshop extra (jupytext) is not installed")

STEMS = [stem for stem, _ in sources()]


def _code(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


def _text_outputs(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        parts.append(out.get("data", {}).get("text/plain", ""))
        if out.get("output_type") == "error":
            parts.append(f"{out['ename']}: {out['evalue']}")
    return "".join(parts)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("workshop")
    assert main(["workshop", str(root / "learner")]) == 0
    assert main(["workshop", str(root / "teacher"), "--solutions"]) == 0
    return root / "learner", root / "teacher"


def test_one_notebook_per_part_of_the_slides(written) -> None:
    learner, teacher = written
    names = sorted(p.name for p in learner.glob("*.ipynb"))
    assert names == sorted(p.name for p in teacher.glob("*.ipynb")) == [f"{s}.ipynb" for s in STEMS]
    text = " ".join(json.dumps(json.loads(p.read_text())["cells"]) for p in learner.glob("*.ipynb"))
    for part in ("Perceptron unit", "-7", "XOR", "f_7", "Astronaut", "Challenge 1", "forward_pass",
                 "predict", "cost_function", "w_update", "gradient_estimator", "one_step_gd",
                 "plt.plot(errors)", "1 forward", "24,790", "Dense(10)", "Further questions",
                 "kernel = w.T"):
        assert part.lower() in text.lower(), part


def test_exercises_hold_stubs_and_are_followed_by_a_check(written) -> None:
    learner, teacher = written
    exercises = 0
    for path in sorted(learner.glob("*.ipynb")):
        code = _code(nbformat.read(path, as_version=4))
        for k, source in enumerate(code):
            if "raise NotImplementedError" in source:
                exercises += 1
                name = re.search(r"^def (\w+)\(", source, re.M).group(1)
                assert f'check("{name}", {name})' in code[k + 1], (path.name, name)
                assert f"{name} = result.use()" in code[k + 1]
    assert exercises == 13  # every checkable function is an exercise
    for path in teacher.glob("*.ipynb"):
        code = "\n".join(_code(nbformat.read(path, as_version=4)))
        assert "raise NotImplementedError" not in code and END not in code


def test_slides_stubs_survive_in_the_learners_version(written) -> None:
    learner, _ = written
    forward = nbformat.read(learner / "04_forward_pass.ipynb", as_version=4)
    stub = next(s for s in _code(forward) if "def forward_pass" in s)
    assert stub.startswith("# Challenge 3\ndef forward_pass(inp, w, b):")
    assert stub.rstrip().endswith("return out")


def test_render_rejects_unbalanced_markers() -> None:
    with pytest.raises(ValueError, match="without"):
        render("x = 1\n# BEGIN SOLUTION\ny = 2\n", solutions=True)
    assert render("def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n", False) == (
        "def f():\n    # your code here: replace this line, run the cell, then the check below\n"
        "    raise NotImplementedError\n")


def test_cli_refuses_to_overwrite_and_bad_dir(written, tmp_path, capsys) -> None:
    learner, _ = written
    capsys.readouterr()
    assert main(["workshop", str(learner)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "exist already" in err[0] and "--force" in err[0]
    a_file = tmp_path / "f.txt"
    a_file.write_text("x")
    assert main(["workshop", str(a_file)]) == 2
    assert "is a file" in capsys.readouterr().err
    assert main(["workshop", str(learner), "--force"]) == 0


# --------------------------------------------------------------------------- real kernel

nbclient = pytest.importorskip("nbclient", reason="the workshop extra (nbclient) is not installed")
pytest.importorskip("ipykernel", reason="the workshop extra (ipykernel) is not installed")


def _kernel_env() -> dict[str, str]:
    """The kernel imports the glassnet under test, wherever the notebook's folder is."""
    import glassnet

    env = dict(os.environ)
    root = str(Path(glassnet.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    return env


def _execute(nb, cwd: Path):
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(cwd)}})
    client.execute(env=_kernel_env())
    return nb


def _quick(nb):
    for cell in nb.cells:
        cell.source = cell.source.replace("n_train = None", "n_train = 2000")
    return nb


@pytest.mark.parametrize("stem", STEMS)
def test_solutions_run_end_to_end(written, stem: str) -> None:
    _, teacher = written
    nb = _execute(_quick(nbformat.read(teacher / f"{stem}.ipynb", as_version=4)), teacher)
    outputs = [_text_outputs(c) for c in nb.cells if c.cell_type == "code"]
    joined = "\n".join(outputs)
    for cell in nb.cells:
        if cell.cell_type == "code" and "check(" in cell.source:
            assert re.search(r"passed all \d+ cases", _text_outputs(cell)), cell.source
            assert "glassnet's reference" not in _text_outputs(cell)
    if stem == "09_keras_mnist":
        assert "Total params: 24,790" in joined and "24,900" in joined
    if stem == "08_backprop":
        assert "numeric : 14 forward passes" in joined and "backprop: 1 forward, 1 backward pass" in joined
    if stem == "01_neurons":
        assert "compute XOR: 0" in joined and "XOR with a hidden layer: [0. 1. 1. 0.]" in joined
    if stem == "02_nn_vs_other_algorithms":
        assert "f(x) = f_7(f_6(f_5(f_4(f_3(f_2(f_1(x)))))))" in joined and "True" in joined


def test_learner_versions_run_top_to_bottom_with_not_done_yet(written) -> None:
    """Every learner notebook, one after the other in one kernel (the stubs untouched)."""
    learner, _ = written
    merged = nbformat.v4.new_notebook()
    for stem in STEMS:
        nb = _quick(nbformat.read(learner / f"{stem}.ipynb", as_version=4))
        merged.cells.extend(c for c in nb.cells if c.cell_type == "code")
    merged.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    _execute(merged, learner)
    checks = [c for c in merged.cells if "check(" in c.source and "result.use()" in c.source]
    assert len(checks) == 13
    for cell in checks:
        text = _text_outputs(cell)
        assert "not done yet" in text and "glassnet's reference" in text, cell.source
    assert not any(o.get("output_type") == "error" for c in merged.cells for o in c.get("outputs", []))
