# Kedang — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint typecheck pytest migrate messages assets clean daily worker

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

## Install, migrate, load the demo on first start, serve on http://$(HOST):$(PORT)
run: migrate
	$(PY) manage.py compilemessages --ignore=.venv -v 0 2>/dev/null || true
	$(PY) manage.py seed_demo --if-empty --customers 300
	$(PY) manage.py seed_demo_followups --if-empty
	$(PY) manage.py seed_demo_complaints --if-empty
	@# the address and the logins come last, once the server listens (not behind Django's start-up lines)
	@$(PY) manage.py demo_banner --host $(HOST) --port $(PORT) --wait 120 &
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver $(HOST):$(PORT)

## The daily job for today (follow-up tasks, expired windows, escalations); idempotent, catches up skipped days
daily: migrate
	$(PY) manage.py run_daily

## The background worker: runs the daily job every day at 06:00 (Asia/Shanghai)
worker: migrate
	$(PY) manage.py run_huey

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: install
	$(VENV)/bin/mypy kedang tests conftest.py

PYTEST := $(VENV)/bin/pytest -q -p no:cacheprovider
## The suite in parallel (one process per core, pytest-xdist), then the browser tests alone, serially
pytest: install
	$(PY) manage.py compilemessages --ignore=.venv -v 0 2>/dev/null || true
	$(PYTEST) -n auto -m "not browser"
	$(PYTEST) -m browser

## Lint, type-check and run every test (browser tests need /usr/bin/chromium; they say when skipped)
test: lint typecheck pytest

## Regenerate the zh-hans translation catalogue after changing UI strings
messages: install
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=assets --ignore=bench

## Refresh the vendored front-end files from the npm registry (versions pinned in assets/package.json)
assets:
	bash assets/vendor.sh

clean:
	rm -rf $(VENV) var/staticfiles
