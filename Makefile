# Two commands run everything: `make run` serves the UI, `make test` runs the tests.
# Each creates .venv/ and installs what it needs on first use (and again when pyproject.toml changes):
# `make run` only what serving needs, `make test` the test tools (Playwright, ruff, ...) as well.
#
#   make run DOCUMENTS=~/texts PORT=8080    serve another folder (its index: index-texts/) on another port
#   make run DOCUMENTS=~/texts INDEX=/srv/ix    ... with the index where you want it

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
# Empty: the CLI's defaults (documents/ and index/, or SEARCHAPP_DOCUMENTS / SEARCHAPP_INDEX).
DOCUMENTS ?=
# Another folder gets an index of its own: serving it over index/ would retire documents/'s texts.
INDEX  ?= $(if $(DOCUMENTS),index-$(notdir $(abspath $(DOCUMENTS))))
PIP    := $(BIN)/python -m pip install --disable-pip-version-check --progress-bar off
SIZE   ?= default
BENCH_ARGS ?=
CHAOS_ARGS ?=
FUZZ_QUERIES ?= 2000
FUZZ_BUDGET ?= 120
FUZZ_DOCUMENTS ?= documents

.PHONY: run test lint format bench chaos hostile fuzz clean

$(BIN)/python:
	@echo "== creating the virtual environment in $(VENV)/"
	$(PYTHON) -m venv $(VENV)
	$(PIP) --quiet --upgrade pip

# What serving needs (Flask, Whoosh, NumPy, ...): all that `make run` installs.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	@echo "== installing searchapp and what serving needs (first run only; about a minute)"
	$(PIP) -e .
	touch $@

# The test tools on top (pytest, ruff, Playwright, ...), gunicorn and the watcher.
$(VENV)/.installed: pyproject.toml $(VENV)/.installed-run
	@echo "== installing the test tools (pytest, ruff, Playwright, ...)"
	$(PIP) -e '.[test,prod,watch]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(PIP) --quiet -e '.[test,prod,watch,bench]'
	touch $@

run: $(VENV)/.installed-run
	@echo "== indexing $(or $(DOCUMENTS),the documents folder), then serving http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	$(BIN)/searchapp serve --host $(HOST) --port $(PORT) \
		$(if $(DOCUMENTS),--documents "$(DOCUMENTS)") $(if $(INDEX),--index "$(INDEX)")

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

CHAOS_ARGS ?=
# A bounded fuzz campaign over HTTP against gunicorn: FUZZ_QUERIES requests or FUZZ_BUDGET seconds.
fuzz: $(VENV)/.installed
	$(BIN)/python -m benchmarks.fuzz --documents $(FUZZ_DOCUMENTS) --queries $(FUZZ_QUERIES) --budget $(FUZZ_BUDGET)

clean:
	rm -rf $(VENV) index build dist
