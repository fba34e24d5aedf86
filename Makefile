# The two commands of the README: `make demo` (the main job) and `make test` (the whole suite).
# Each sets itself up: a virtual environment in .venv with glassnet installed editable.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# PyTorch, the numerical referee of the tests: only ever a CPU build, found through pip's own
# configuration (a folder of wheels in PIP_FIND_LINKS, or PIP_EXTRA_INDEX_URL set to PyTorch's
# CPU index). Where pip finds none, the torch tests skip, saying why.
TORCH ?= torch==2.13.0+cpu

.PHONY: demo test lint docs bench data clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

$(VENV)/.interop: $(STAMP)
	$(BIN)/python -m pip install -q '$(TORCH)' || echo "$(TORCH) not found by pip: the torch tests will skip."
	$(BIN)/python -m pip install -q -e '.[dev,interop,workshop]'
	touch $@

$(VENV)/.docs: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[docs]'
	touch $@

demo: $(STAMP)
	$(BIN)/glassnet demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples

# The documentation site, from docs/ and the docstrings, into site/; strict: a broken link,
# reference or docstring fails the build.
docs: $(VENV)/.docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# Fashion-MNIST from Debian's package, best effort (tests that need it skip without it).
data:
	@test -d /usr/share/datasets/fashion-mnist || { command -v apt-get >/dev/null && \
	  [ "$$(id -u)" = 0 ] && { apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || \
	  { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1; }; }; } || \
	  echo "Fashion-MNIST not installed: the tests that need it will skip."

test: lint docs $(VENV)/.interop data
	$(BIN)/mypy src/glassnet
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) reports build site *.egg-info src/*.egg-info
