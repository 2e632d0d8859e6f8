# Verbs for a fresh machine: `make run` and `make test` set up everything they need.
VENV  ?= .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: setup assets chromium run test e2e lint bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
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
	$(PY) -m bench questions
	$(PY) -m bench autosave

clean:
	rm -rf $(VENV) node_modules static/vendor .pgdata test-artifacts
