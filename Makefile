# Two commands run everything: `make run` serves the UI, `make test` runs the tests.
# Each creates .venv/ and installs what it needs on first use (and again when pyproject.toml changes).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
SIZE   ?= default
BENCH_ARGS ?=
CHAOS_ARGS ?=

.PHONY: run test lint format bench chaos clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,prod,watch]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,prod,watch,bench]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/searchapp serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks.run --size $(SIZE) $(BENCH_ARGS)

# Fault trials (kill -9 at every commit phase, a full disk, dead lock owners, two adds at once);
# CHAOS_ARGS="--kills 1 --adds 10" for a smaller budget. The suite runs a small one.
chaos: $(VENV)/.installed
	timeout 1800 $(BIN)/python -m benchmarks.chaos $(CHAOS_ARGS)

clean:
	rm -rf $(VENV) index build dist
