# The two commands of the README: `make demo` (the main job) and `make test` (the whole suite).
# Each sets itself up: a virtual environment in .venv with glassnet installed editable.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench data clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/glassnet scratch --out reports/scratch

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/numeric_vs_backprop.py

clean:
	rm -rf $(VENV) reports build *.egg-info src/*.egg-info
