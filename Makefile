# Two commands: `make demo` sets up and runs the demo on SQLite; `make test` runs the test suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: demo test install install-dev db run clean translations

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

# SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (CI sets it).
test: install-dev
	FEEDBACK_ENV=testing $(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance/feedback.sqlite3*

# Re-extract the Vietnamese source strings and merge them into the English catalogue, then compile.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d translations --statistics
