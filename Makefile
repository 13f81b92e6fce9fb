# Two commands for a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PYTEST := $(PY) -m pytest -n 2 -q
export SAFESHARE_DATABASE_URL ?= sqlite:///var/safeshare.db

GOVUK_DIST := node_modules/govuk-frontend/dist/govuk
GOVUK_STATIC := src/safeshare/web/static/govuk
ASSETS := $(GOVUK_STATIC)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: run test test-sqlite test-postgres test-contract test-browser bench install assets chromium postgresql-client migration clean

install: $(INSTALLED) $(ASSETS)

$(INSTALLED): pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(INSTALLED)

# GOV.UK Frontend's stylesheet, script, fonts and images, from the pinned npm package, served at /assets/.
assets: $(ASSETS)

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || (apt-get update && apt-get install -y npm)
	npm ci --no-audit --no-fund
	touch $@

$(ASSETS): node_modules/.package-lock.json
	rm -rf $(GOVUK_STATIC)
	mkdir -p $(GOVUK_STATIC)
	cp $(GOVUK_DIST)/govuk-frontend.min.css $(GOVUK_DIST)/govuk-frontend.min.css.map $(GOVUK_STATIC)/
	cp $(GOVUK_DIST)/govuk-frontend.min.js $(GOVUK_DIST)/govuk-frontend.min.js.map $(GOVUK_STATIC)/
	cp -r $(GOVUK_DIST)/assets/fonts $(GOVUK_DIST)/assets/images $(GOVUK_STATIC)/
	touch $@

# The browser tests drive Debian's Chromium; they never download a browser of their own.
chromium:
	@test -x $(CHROMIUM) || (apt-get update && apt-get install -y chromium) || \
		echo "Chromium could not be installed: the browser tests will be skipped (or fail under CI=true)."

# pg_dump and pg_restore, for `safeshare db backup` and `db restore` on PostgreSQL (and their tests).
postgresql-client:
	@command -v pg_dump >/dev/null || (apt-get update && apt-get install -y postgresql-client) || \
		echo "pg_dump could not be installed: the PostgreSQL backup tests will be skipped (or fail under CI=true)."

run: install
	$(VENV)/bin/safeshare db upgrade
	$(VENV)/bin/safeshare demo load
	@$(PY) -m safeshare.demo_accounts
	$(VENV)/bin/safeshare serve

test: install
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

# The schemathesis contract run (tests/api/test_api_contract.py) takes longer than the suite's budget since the
# account, ledger-witness and two-step routes joined the API: it runs on its own until it is made fast again.
test-sqlite: install chromium
	SAFESHARE_TEST_DATABASE=sqlite $(PYTEST) -m "not contract"

test-postgres: install postgresql-client
	SAFESHARE_TEST_DATABASE=postgresql $(PYTEST) -m "not browser and not contract"

test-contract: install
	SAFESHARE_TEST_DATABASE=sqlite $(PYTEST) -m contract tests/api
	SAFESHARE_TEST_DATABASE=postgresql $(PYTEST) -m contract tests/api

test-browser: install chromium
	SAFESHARE_TEST_DATABASE=sqlite $(PYTEST) -m browser tests/web

bench: install
	$(PY) -m bench.run

# After changing tables: make migration MESSAGE="what changed"
migration: install
	$(PY) -m safeshare.store.autogenerate "$(MESSAGE)"

clean:
	rm -rf $(VENV) var node_modules $(GOVUK_STATIC)
