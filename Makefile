# crownlog — every target creates or refreshes .venv from pyproject.toml when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint bench venv clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "crownlog needs Python 3.11 or newer (set PYTHON=python3.11)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

## make run: the service on its embedded defaults (SQLite, bundled demo sources, offline)
run: venv
	$(BIN)/crownlog db upgrade
	@echo "crownlog: serving the demo at http://127.0.0.1:8000/ (Ctrl-C stops)"
	$(BIN)/crownlog serve --demo

## make test: the whole test suite (PostgreSQL tests need CROWNLOG_TEST_POSTGRES_URL)
test: venv
	$(BIN)/pytest -n 2 --dist loadfile

lint: venv
	$(BIN)/ruff check service jobs tests bench migrations setup.py
	$(BIN)/ruff format --check service jobs tests bench migrations setup.py
	$(BIN)/mypy

## make bench: every benchmark in bench/ (each prints a table and one JSON line)
BENCHMARKS := append rebuild rebuild_folds poll api extraction_report scale
bench: venv
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@set -e; for name in $(BENCHMARKS); do \
	  echo "== bench/$$name.py"; $(BIN)/python bench/$$name.py; \
	done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
