# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
PYTEST_ARGS ?=
# The suite in parallel (pytest-xdist, a worker per core); tests that start real servers and
# browsers share one worker, one after another (see tests/conftest.py). On PostgreSQL, tests
# marked `exclusive` restart the database server, so they run alone, afterwards.
WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup

# Message catalogues: the .po files are the sources (committed), the .mo files are built.
CATALOGUES := training/translations
PO_FILES   := $(wildcard $(CATALOGUES)/*/LC_MESSAGES/messages.po)
MO_FILES   := $(PO_FILES:.po=.mo)
LRS_VENV   := .venv-lrs

.PHONY: run test test-sqlite test-postgres install lrs system-deps lint clean messages messages-template

$(BIN)/training: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/training $(MO_FILES)

# Compile one language's catalogue; --statistics prints how much of it is translated.
$(CATALOGUES)/%/LC_MESSAGES/messages.mo: $(CATALOGUES)/%/LC_MESSAGES/messages.po $(BIN)/training
	$(BIN)/pybabel compile --statistics -D messages -d $(CATALOGUES) -l $*

# After changing a message in the code or the templates: collect every message into the
# template (messages.pot), merge it into each language's .po (new and changed messages come in
# empty, for a translator), then compile. See docs/translating.md.
POT ?= $(CATALOGUES)/messages.pot

messages-template: $(BIN)/training
	$(BIN)/pybabel extract --no-wrap -F babel.cfg -k lazy_gettext -k _l -k lazy_ngettext:1,2 \
	  --add-location=file --sort-by-file --project=training --copyright-holder="the training platform's authors" \
	  -o $(POT) . > /dev/null

messages: messages-template
	$(BIN)/pybabel update --no-wrap --no-fuzzy-matching --ignore-obsolete -D messages -i $(POT) -d $(CATALOGUES)
	$(MAKE) --no-print-directory $(MO_FILES)

# Ralph, the learning record store the xAPI tests send statements to. It pins its own
# versions of click, FastAPI and others, so it gets its own virtual environment.
$(LRS_VENV)/bin/ralph:
	$(PYTHON) -m venv $(LRS_VENV)
	$(LRS_VENV)/bin/pip install --quiet 'ralph-malph[cli,lrs]==5.1.0' 'requests>=2.31'

lrs: $(LRS_VENV)/bin/ralph

run: install
	$(BIN)/training db upgrade
	$(BIN)/training content check
	@echo
	@echo "Serving http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	@echo "First administrator:  $(BIN)/training users create you@example.org --name 'Your Name' --role admin --password-stdin"
	@echo "Demo data for the reports:  $(BIN)/training demo"
	@echo
	$(BIN)/training serve --dev --host $(HOST) --port $(PORT)

# Debian packages the tests drive (a real browser, PDF tools, a PostgreSQL server) and the
# axe-core accessibility engine from npm; each is installed only when missing.
system-deps:
	@scripts/system-deps

test: install lrs system-deps lint
	$(MAKE) test-sqlite
	scripts/pg-cluster run $(MAKE) test-postgres

# SQLite, with branch coverage of training/ (the floor is fail_under in pyproject.toml).
test-sqlite:
	env -u TRAINING_TEST_DATABASE_URL $(PYTEST) --cov=training --cov-report=term $(PYTEST_ARGS)

test-postgres:
	@test -n "$$TRAINING_TEST_DATABASE_URL" || { echo "TRAINING_TEST_DATABASE_URL is not set"; exit 2; }
	$(PYTEST) -m "not exclusive" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m exclusive $(PYTEST_ARGS)

# Static checks: ruff (lint and format), mypy (types), bandit (security issues). The same
# checks run before each commit with `.venv/bin/pre-commit install` (.pre-commit-config.yaml).
lint: install
	$(BIN)/ruff check training tests bench
	$(BIN)/ruff format --check training tests bench
	$(BIN)/mypy
	$(BIN)/bandit -q -r training -ll

clean:
	rm -rf $(VENV) $(LRS_VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .coverage build *.egg-info $(MO_FILES)
