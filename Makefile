# Outreach: `make demo` runs the whole thing locally; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint format bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade --quiet pip

# the demo needs only the runtime dependencies; the tests add their extras
$(VENV)/.runtime: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.runtime $@

# Node.js tools the tests run (Prism), pinned by the lockfile
tests/contract/node_modules/.installed: tests/contract/package-lock.json
	@command -v npm >/dev/null || { echo "make test: the Twilio contract test needs Node.js and npm (apt-get install nodejs npm)" >&2; exit 1; }
	cd tests/contract && npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: $(VENV)/.runtime
	$(BIN)/outreach db upgrade
	$(BIN)/outreach seed-demo
	$(BIN)/outreach dev

test: $(VENV)/.installed tests/contract/node_modules/.installed
	$(BIN)/python tests/tools/ensure_chromium.py
	$(BIN)/pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.installed
	$(BIN)/python bench/dispatch.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache tests/contract/node_modules
