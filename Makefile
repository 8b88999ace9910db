# Tandem: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-postgres lint format install demo clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install  ## migrate, create the demo organisation once, serve on 127.0.0.1:$${TANDEM_PORT:-8000}
	$(BIN)/tandem migrate
	$(BIN)/tandem demo
	$(BIN)/tandem serve

test: install  ## the whole suite (SQLite; PostgreSQL when TANDEM_TEST_DATABASE_URL is set)
	$(BIN)/pytest

test-postgres: install
	TANDEM_TEST_DATABASE_URL=$${TANDEM_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} $(BIN)/pytest

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
