# Two commands for a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PYTEST := $(PY) -m pytest -n 2 -q
export SAFESHARE_DATABASE_URL ?= sqlite:///var/safeshare.db

.PHONY: run test test-sqlite test-postgres bench install migration clean

install: $(INSTALLED)

$(INSTALLED): pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(INSTALLED)

run: install
	$(VENV)/bin/safeshare db upgrade
	$(VENV)/bin/safeshare demo load
	@$(PY) -m safeshare.demo_accounts
	$(VENV)/bin/safeshare serve

test: install
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: install
	SAFESHARE_TEST_DATABASE=sqlite $(PYTEST)

test-postgres: install
	SAFESHARE_TEST_DATABASE=postgresql $(PYTEST) -m "not browser"

bench: install
	$(PY) -m bench.run

# After changing tables: make migration MESSAGE="what changed"
migration: install
	$(PY) -m safeshare.store.autogenerate "$(MESSAGE)"

clean:
	rm -rf $(VENV) var
