# Two commands run everything: `make run` serves the UI, `make test` runs the tests.
# Each creates .venv/ and installs what it needs on first use (and again when pyproject.toml changes).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
SIZE   ?= default
BENCH_ARGS ?=
FUZZ_QUERIES ?= 2000
FUZZ_BUDGET ?= 120
FUZZ_DOCUMENTS ?= documents

.PHONY: run test lint format bench fuzz clean

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

# A bounded fuzz campaign over HTTP against gunicorn: FUZZ_QUERIES requests or FUZZ_BUDGET seconds.
fuzz: $(VENV)/.installed
	$(BIN)/python -m benchmarks.fuzz --documents $(FUZZ_DOCUMENTS) --queries $(FUZZ_QUERIES) --budget $(FUZZ_BUDGET)

clean:
	rm -rf $(VENV) index build dist
