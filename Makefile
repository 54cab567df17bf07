# The two commands: `make run` (the app, a worker, beat and the local QBO sandbox) and
# `make test` (the whole suite). Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint format migrate clean

$(STAMP): pyproject.toml requirements.lock qbo_sandbox/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# The app with its dev tools, and the local QuickBooks sandbox (its own distribution, in
	# qbo_sandbox/) with what its tests use; production installs only the app.
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock \
		-e './qbo_sandbox[test]' -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py bootstrap_demo
	@echo "qbsync: http://localhost:8000  (QuickBooks sandbox UI: http://localhost:8001)"
	DEBUG=1 PATH="$(BIN):$$PATH" $(BIN)/honcho --procfile Procfile.dev start

test: install
	$(BIN)/pytest
	# The QuickBooks app in a project that isn't qbsync (examples/minimal/).
	cd examples/minimal && $(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var/ staticfiles/ tests/artifacts/
