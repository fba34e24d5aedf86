# The two commands of the README: `make demo` (the main job) and `make test` (the whole suite).
# Each sets itself up: a virtual environment in .venv with glassnet installed editable.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# PyTorch, the numerical referee of the tests: only ever a CPU build. Where pip finds a local
# CPU wheel (this project's machines keep one in /opt/wheels) it is installed; elsewhere the
# torch tests skip, saying why (install a CPU build of torch 2.13 yourself to run them).
TORCH_WHEEL := $(wildcard /opt/wheels/torch-2.13.0+cpu-*.whl)

.PHONY: demo test lint bench data clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

$(VENV)/.interop: $(STAMP)
ifneq ($(TORCH_WHEEL),)
	-$(BIN)/python -m pip install -q $(firstword $(TORCH_WHEEL))
endif
	$(BIN)/python -m pip install -q -e '.[dev,interop,workshop]'
	touch $@

demo: $(STAMP)
	$(BIN)/glassnet demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples

# Fashion-MNIST from Debian's package, best effort (tests that need it skip without it).
data:
	@test -d /usr/share/datasets/fashion-mnist || { command -v apt-get >/dev/null && \
	  [ "$$(id -u)" = 0 ] && { apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || \
	  { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1; }; }; } || \
	  echo "Fashion-MNIST not installed: the tests that need it will skip."

test: lint $(VENV)/.interop data
	$(BIN)/mypy src/glassnet
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) reports build *.egg-info src/*.egg-info
