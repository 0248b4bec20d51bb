# Two commands: `make run` (set up and run the app on embedded defaults) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench e2e faults screenshots clean

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

## Set up and run web + worker + scheduler on http://127.0.0.1:5000 with demo data.
run: $(BIN)/.installed
	$(BIN)/python -m app.launch

## Set up and run the test suite (lint and the import layers first), all but the full-size
## journeys (`make e2e`): each of those has a smaller test here that covers what it checks.
test: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(BIN)/.installed-dev
	$(BIN)/python bench/push_throughput.py
	$(BIN)/python bench/money_property.py
	$(BIN)/python bench/pull_journeys.py

## The full-size journeys of every package (the tests marked e2e: every package, exactly once,
## under faults), then the push bench's figures for each package side by side.
e2e: $(BIN)/.installed-dev
	$(BIN)/python -m pytest -q -m e2e $(PYTEST_ARGS)
	$(BIN)/python bench/push_throughput.py --package all
	$(BIN)/python bench/pull_journeys.py
	$(BIN)/python bench/web_connector_sessions.py --cut 3

## Fault injection (worker SIGKILLs, Redis restart, 5xx/429 storms, ...): figures, no asserts.
faults: $(BIN)/.installed-dev
	$(BIN)/python bench/fault_injection.py --quick

## Re-make the README's screenshots from the real demo: `make run` first (in another terminal).
screenshots: $(BIN)/.installed-dev
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf $(VENV) instance .pytest_cache
