# duban: `make run` for a local server with demo data, `make test` for what CI runs (README.md).
# Recipes pass the environment through untouched: DATABASE_URL, REDIS_URL, DUBAN_VAR_DIR …

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Written after a successful install; older than a requirements file means install again.
STAMP  := $(VENV)/.installed
# Where `make run` serves, and the address the demo's emails link to (SITE_URL, unless set):
# `make run ADDR=0.0.0.0:8080` (then add the host to ALLOWED_HOSTS).
ADDR     ?= 127.0.0.1:8000
SITE_URL ?= http://$(ADDR)

.PHONY: venv var-dir run test test-clocks lint screenshots compose-check clean

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install -r requirements-dev.txt
	touch $@

# Without DATABASE_URL settings use var/duban.sqlite3, and SQLite does not create the folder.
var-dir:
	mkdir -p "$${DUBAN_VAR_DIR:-var}"

run: venv var-dir
	$(MANAGE) migrate
	$(MANAGE) collectstatic --noinput
	SITE_URL=$(SITE_URL) $(MANAGE) load_demo
	SITE_URL=$(SITE_URL) $(MANAGE) runserver $(ADDR)

lint: venv
	$(BIN)/ruff check .

# The days the date-sensitive tests (marker `dates`) are run on again, besides today: the last
# working day before 春节 2026 (a make-up Saturday), the last day of 2026 and two years from
# today (a year chinese-calendar does not know yet). See tests/conftest.py (--clock).
CLOCKS := 2026-02-14 2026-12-31 $(shell date -d '+2 years' +%F)

# --dist worksteal: a worker that runs out of tests takes some of the other's, so a long test
# (the generated histories take minutes) does not leave one core idle at the end.
# compilemessages is left out: it needs GNU gettext, which is not installed everywhere.
test: lint var-dir
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest -n 2 --dist worksteal --durations=25
	$(MAKE) test-clocks

test-clocks: venv var-dir
	set -e; for day in $(CLOCKS); do \
	  echo "== the date-sensitive tests on $$day"; \
	  $(BIN)/pytest -q -m dates -n 2 --dist worksteal --clock $$day; \
	done

# The user guide's pictures (docs/screenshots/*.jpg), retaken by the browser tests; needs
# Debian's chromium. Commit the ones docs/*.md show (tests/test_docs.py checks both ways).
screenshots: venv var-dir
	rm -f docs/screenshots/*.jpg
	DOCS_SCREENSHOTS=1 $(BIN)/pytest tests/browser -q
	cd docs/screenshots && for f in *.jpg; do grep -qs "screenshots/$$f" ../*.md || rm "$$f"; done

# docker-compose.yml as Compose v1 parses it (`docker-compose config -q`, default and trial
# profiles); needs Debian's docker-compose, which .ci/run installs. No Docker engine is used.
compose-check:
	ops/compose-check.sh

clean:
	rm -rf $(VENV) var
