# Tandem: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Browser-side test tools from npm (axe-core), pinned by tests/browser/package-lock.json.
NODE_DIR := tests/browser
AXE := $(NODE_DIR)/node_modules/axe-core/axe.min.js

.PHONY: run test test-postgres lint format install browser-tools demo clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(AXE): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error && touch $@; \
	elif [ "$${CI:-}" = true ]; then \
	  echo "npm is needed for the accessibility tests (apt-get install npm)"; exit 1; \
	else \
	  echo "npm not found: the accessibility tests will be skipped (apt-get install npm)"; \
	fi

install: $(STAMP)

browser-tools: $(AXE)

run: install  ## migrate, create the demo organisation once, serve on 127.0.0.1:$${TANDEM_PORT:-8000}
	$(BIN)/tandem migrate
	$(BIN)/tandem demo
	$(BIN)/tandem serve

test: install browser-tools  ## the whole suite (SQLite; PostgreSQL when TANDEM_TEST_DATABASE_URL is set)
	$(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install browser-tools
	TANDEM_TEST_DATABASE_URL=$${TANDEM_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} $(BIN)/pytest

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache $(NODE_DIR)/node_modules
