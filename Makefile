# LeadFlow. `make demo` serves the demo company on SQLite with in-process tasks; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEV_ENV := DJANGO_DEBUG=1
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Test processes (pytest-xdist); each has its own test database. 0 runs the suite in one process.
PYTEST_WORKERS ?= 2

.PHONY: demo test lint install serve migrate messages clean bench

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "LeadFlow needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

install: $(INSTALLED)

migrate: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput

demo: migrate
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	$(DEV_ENV) $(BIN)/python manage.py serve --addr $(HOST):$(PORT)

# The app on the current database without seeding; fires the beat schedule in-process unless a broker is set.
serve: migrate
	$(DEV_ENV) $(BIN)/python manage.py serve --addr $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(DEV_ENV) $(BIN)/mypy .
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

test: lint
	$(DEV_ENV) $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

messages: install
	$(DEV_ENV) $(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=tests --ignore=bench
	$(DEV_ENV) $(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles leadflow.sqlite3 .pytest_cache .mypy_cache .ruff_cache

# Workloads 1-2 of spec/benchmarks.md beside their references on a scratch copy of DATABASE_URL (PostgreSQL):
# `make bench` (full size) or `make bench SIZE=smoke` (tiny, < 60 s). Writes bench/results/latest.json.
SIZE ?= full
bench: install
	$(BIN)/python -m bench --size $(SIZE)
