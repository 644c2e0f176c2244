# AsyncFlow Studio.
#   make run    set up (venv, frontend build), then run Redis, a Celery worker and daphne until Ctrl-C
#   make run-hpc   the same plus an hpc worker for the radical (RADICAL-Pilot, local.localhost) and dask backends
#   make test   linters and type checks (make lint), frontend unit tests, frontend build, the Python suite on
#               SQLite, then the integration and API tests on PostgreSQL when it answers (required when CI=true)
#   make lint   ruff check, ruff format --check, mypy, ESLint, tsc --noEmit and Prettier --check, failing on any finding
#   make format rewrites the files in the house format (ruff format, Prettier)
#   make soak   the fault suites scaled up (1000 runs x 4 steps, ten worker kills...), printing their figures
#   make venv / make frontend / make clean
# Stamps make each step run only when its inputs changed.

SHELL := /bin/sh
.DEFAULT_GOAL := run

VENV        := .venv
PY          := $(VENV)/bin/python
VENV_STAMP  := $(VENV)/.requirements.stamp
PYTHON      ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)

FRONTEND    := frontend
NODE_STAMP  := $(FRONTEND)/node_modules/.package-lock.stamp
DIST_INDEX  := $(FRONTEND)/dist/index.html
FRONTEND_SOURCES := $(shell find $(FRONTEND)/src $(FRONTEND)/public -type f 2>/dev/null) \
	$(wildcard $(FRONTEND)/index.html $(FRONTEND)/package.json $(FRONTEND)/vite.config.* $(FRONTEND)/tsconfig*.json)

CHROMIUM    ?= /usr/bin/chromium

# The PostgreSQL that the integration and API tests run against a second time.
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run run-hpc test lint format soak venv frontend chromium test-postgres clean distclean

run: $(VENV_STAMP) frontend
	$(PY) scripts/run_stack.py

run-hpc: $(VENV_STAMP) frontend
	STUDIO_HPC=1 $(PY) scripts/run_stack.py

venv: $(VENV_STAMP)

$(VENV_STAMP): requirements.txt requirements-dev.txt
	@if [ ! -x $(PY) ]; then \
		if [ -z "$(PYTHON)" ]; then echo "error: neither python3.11 nor python3 is on PATH" >&2; exit 1; fi; \
		echo "==> creating $(VENV) with $(PYTHON)"; \
		"$(PYTHON)" -m venv $(VENV); \
	fi
	$(PY) -m pip install -r requirements-dev.txt
	touch $@

frontend: $(DIST_INDEX)

# A linked node_modules (a git worktree sharing another checkout's) is that checkout's to install: `npm ci` through
# the link would empty the shared copy while the other checkout uses it.
$(NODE_STAMP): $(FRONTEND)/package-lock.json
	@if [ -L $(FRONTEND)/node_modules ]; then \
		echo "==> $(FRONTEND)/node_modules is a link: not reinstalling it (run npm ci where it points)"; \
	else \
		cd $(FRONTEND) && npm ci; \
	fi
	touch $@

$(DIST_INDEX): $(NODE_STAMP) $(FRONTEND_SOURCES)
	cd $(FRONTEND) && npm run build
	touch $@

test: $(VENV_STAMP) $(NODE_STAMP) chromium
	@$(MAKE) --no-print-directory lint
	cd $(FRONTEND) && npm test
	@# The browser tests serve the build, so build before pytest.
	cd $(FRONTEND) && npm run build
	env -u DATABASE_URL $(PY) -m pytest
	@$(MAKE) --no-print-directory test-postgres

# Linters and type checks, failing on any finding (the API contract's checks are in tests/contract).
lint: $(VENV_STAMP) $(NODE_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	cd $(FRONTEND) && npm run lint
	cd $(FRONTEND) && npm run format:check

# Rewrites every file in the house format, so that make lint's format checks pass.
format: $(VENV_STAMP) $(NODE_STAMP)
	$(VENV)/bin/ruff format .
	cd $(FRONTEND) && npx prettier --write .

# The same fault tests as make test, scaled up by STUDIO_SOAK; each prints a "FAULTS ..." line of figures
# (also appended to test-artifacts/faults.jsonl). On PostgreSQL too when it answers (the database-loss suite).
soak: $(VENV_STAMP)
	rm -f test-artifacts/faults.jsonl
	env -u DATABASE_URL STUDIO_SOAK=1 $(PY) -m pytest tests/faults -s -q
	@if $(PY) -c 'import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=3).close()' '$(PG_TEST_URL)' 2>/dev/null; then \
		DATABASE_URL='$(PG_TEST_URL)' STUDIO_SOAK=1 $(PY) -m pytest tests/faults/test_lost_database_connection.py -s -q; \
	fi
	@grep -h . test-artifacts/faults.jsonl

# Debian's chromium for tests/e2e, which look for /usr/bin/chromium (never `playwright install`: no browser downloads here),
# and bubblewrap, so the sandboxed path of executable steps is the one tested.
# Without root they stay missing: the browser tests skip themselves, saying why, and steps run without bwrap.
chromium:
	@if [ -x $(CHROMIUM) ] && command -v bwrap >/dev/null 2>&1; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "==> installing chromium (browser tests) and bubblewrap (step sandbox)"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium bubblewrap; \
	elif [ ! -x $(CHROMIUM) ]; then \
		echo "NOTE: $(CHROMIUM) is missing and this is not root: the browser tests will be skipped"; \
	fi

test-postgres: $(VENV_STAMP)
	@if $(PY) -c 'import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=3).close()' '$(PG_TEST_URL)' 2>/dev/null; then \
		echo "==> integration, API and engine tests against PostgreSQL ($(PG_TEST_URL))"; \
		DATABASE_URL='$(PG_TEST_URL)' $(PY) -m pytest -m "integration or api or services"; \
	elif [ "$$CI" = true ]; then \
		echo "error: PostgreSQL at $(PG_TEST_URL) does not answer, and CI needs the PostgreSQL test run" >&2; \
		exit 1; \
	else \
		echo "SKIPPED: integration and API tests against PostgreSQL: nothing answers at $(PG_TEST_URL)"; \
	fi

# Build outputs and caches; keeps .venv, node_modules and var/ (the dev database and admin password).
clean:
	rm -rf $(FRONTEND)/dist .pytest_cache .ruff_cache .mypy_cache test-artifacts var/logs var/staticfiles var/test asyncflow.session.*
	find . -path ./$(VENV) -prune -o -path ./$(FRONTEND)/node_modules -prune -o \
		-type d -name __pycache__ -exec rm -rf {} +

# Also the installed dependencies: the next make reinstalls them.
distclean: clean
	rm -rf $(VENV) $(FRONTEND)/node_modules
