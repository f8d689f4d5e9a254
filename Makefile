# `make demo` sets up and runs the demo on SQLite; `make test` runs the test suite; `make lint` the lint gate.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: demo test lint install install-dev db run clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt

db: install
	$(BIN)/flask --app wsgi db upgrade

demo: db
	$(BIN)/flask --app wsgi demo
	$(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

# SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (CI sets it). In parallel (pytest-xdist), one
# worker per core; `make test PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= auto
test: install-dev
	FEEDBACK_ENV=testing $(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The gate CI runs before the tests; settings in pyproject.toml (ruff: rule set and format; mypy: the
# domain strict, the services with the defaults).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) instance/feedback.sqlite3*

# Re-extract the Vietnamese source strings and merge them into the English catalogue, then compile.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ugettext --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d translations --statistics
