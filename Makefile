# Entry points: `make run` (serve the pilot's demo), `make test`, `make check`, `make bench`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-drills check lint-js bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Sou needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# `make run PORT=8010 HOST=0.0.0.0` serves elsewhere.
HOST ?= 127.0.0.1
PORT ?= 8000

# The pilot's association and its reserve account (fictitious, valid IBAN), unless set.
run: export SOU_ASSOCIATION_NAME ?= Association Hemen Txanpona
run: export SOU_RESERVE_IBAN ?= FR7630004000031234567890143
run: export SOU_RESERVE_BIC ?= BNPAFRPP
run: $(STAMP)
	$(BIN)/sou db upgrade
	$(BIN)/sou pilot load --if-empty
	$(BIN)/sou serve --host $(HOST) --port $(PORT)

# Tests run in TEST_WORKERS processes (pytest-xdist); TEST_WORKERS=0 runs them in this one.
TEST_WORKERS ?= 2

# Every test but the drills (a ledger killed while posting, SIGTERM and backups under load,
# processes racing, a random walk of the ledger against its model: `-m slow`), which run
# apart, as their own step of .ci/run: `make test-drills`.
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal -m "not slow"

test-drills: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal -m slow

check: $(STAMP) lint-js
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/mypy scripts tests
	$(BIN)/lint-imports

# The browser code's linter, ESLint (eslint.config.js), from the npm registry (package-lock.json).
NODE_STAMP := node_modules/.installed

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "ESLint needs Node.js 20.19+ and npm (Debian: apt-get install nodejs)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

lint-js: $(NODE_STAMP)
	node_modules/.bin/eslint wallet_api/static eslint.config.js

bench: $(STAMP)
	$(BIN)/python scripts/bench_ledger.py
	$(BIN)/python scripts/bench_http.py
	$(BIN)/python scripts/bench_days.py
	$(BIN)/python scripts/bench_selfcheck.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
