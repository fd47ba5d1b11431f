# The two commands a newcomer needs: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8000
# The address make serve listens on; a host behind a proxy on another machine sets its own.
SERVE_HOST ?= 127.0.0.1
SANDBOX_PORT ?= 8001
DEMO_USER ?= demo
DEMO_PASSWORD ?= taskip-demo
# uv lives in its own small venv so a bare machine needs nothing but a Python to start.
UV := .tools/bin/uv
UV_VERSION := 0.13.8
PY := .venv/bin/python
# Python 3.13 per .python-version: pyenv's if present, else whatever python3.13/3.12 is on PATH.
PYTHON ?= $(shell p=$$(pyenv prefix 3.13 2>/dev/null) && echo $$p/bin/python3.13 || command -v python3.13 || command -v python3.12)

.PHONY: help install run test lint bench serve worker chromium postgres-redis screenshots mutate

help:
	@echo "make run    - install, seed the sandbox API, start sandbox + dashboard + a worker (Ctrl-C stops all)"
	@echo "make test   - install everything and run lint + the whole test suite"
	@echo "make install | bench | serve | worker | mutate | screenshots"

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install -q uv==$(UV_VERSION)

# Bytecode compiled once at install, and caches written: where PYTHONDONTWRITEBYTECODE is set (as
# on this machine) every process would compile Django and the rest from source, 2.4 s per start
# against 0.6 s, and pytest would rewrite the asserts of every plugin's modules (hypothesis,
# schemathesis: 330 modules, ~3 s) in each of its workers. A test run starts dozens of processes.
unexport PYTHONDONTWRITEBYTECODE
install: $(UV)
	$(UV) sync --frozen --compile-bytecode --python "$(PYTHON)"
	$(PY) -m compileall -q taskip_admin contacts sandbox tests manage.py

# Browser tests drive Debian's Chromium; Playwright cannot download its own browser here.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get -o DPkg::Lock::Timeout=300 install -y chromium; \
	  else sudo apt-get -o DPkg::Lock::Timeout=300 install -y chromium; fi; \
	fi

# The store tests start their own PostgreSQL and Redis servers from Debian's packages.
postgres-redis:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get -o DPkg::Lock::Timeout=300 install -y $$missing; \
	  else sudo apt-get -o DPkg::Lock::Timeout=300 install -y $$missing; fi; \
	fi

run: install
	@mkdir -p var
	DJANGO_DEBUG=true $(PY) manage.py migrate --noinput -v0
	DJANGO_DEBUG=true $(PY) manage.py createstaff $(DEMO_USER) --role admin --password "$(DEMO_PASSWORD)" --update
	@echo ""
	@echo "  Dashboard: http://127.0.0.1:$(PORT)/   login: $(DEMO_USER) / $(DEMO_PASSWORD)"
	@echo "  Sandbox TaskIP API: http://127.0.0.1:$(SANDBOX_PORT)/api/public-v1/contact (X-Secret-Key: sandbox-secret)"
	@echo "  Background jobs (bulk invite/edit, export, import): one db_worker beside them."
	@echo "  Ctrl-C stops all three."
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	TASKIP_SECRET_KEY=sandbox-secret $(PY) manage.py sandbox --port $(SANDBOX_PORT) --seed 200 & \
	DJANGO_DEBUG=true TASKIP_BASE_URL=http://127.0.0.1:$(SANDBOX_PORT) TASKIP_SECRET_KEY=sandbox-secret \
	  $(PY) manage.py runserver 127.0.0.1:$(PORT) & \
	DJANGO_DEBUG=true TASKIP_BASE_URL=http://127.0.0.1:$(SANDBOX_PORT) TASKIP_SECRET_KEY=sandbox-secret \
	  $(PY) manage.py db_worker --no-startup-delay & \
	wait

lint: install
	.venv/bin/ruff check .

# The whole suite on SQLite (the default deployment), then the view tests again with the
# dashboard's database on PostgreSQL (the several-hosts deployment): they are the tests that
# read and write it (sessions, users, permissions, the audit log).
# Four xdist workers on two cores: most tests wait on a server (the sandbox, Chromium, a worker,
# a rate-limit window), so four keep both cores busy. A file stays on one worker, so its shared
# sandbox starts once; files go out in collection order, slow ones first (tests/conftest.py).
# Random order (pytest-randomly, seed printed) so no test leans on another's state. The view
# tests run a second time with the dashboard's database on PostgreSQL.
TEST_WORKERS ?= 4
test: install chromium postgres-redis lint
	DJANGO_ALLOW_ASYNC_UNSAFE=true .venv/bin/pytest -p randomly -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder
	DJANGO_ALLOW_ASYNC_UNSAFE=true .venv/bin/pytest -p randomly -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder \
	  tests/views --dashboard-db=postgres

bench: install chromium
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m tests.bench

# Mutation testing ([tool.mutmut] in pyproject.toml): mutates contacts/views/, forms.py and
# taskip/, runs the fast tests against each mutant and lists the mutants no test noticed.
# Slow (tens of minutes on 2 cores); not part of `make test`. MUTATE_TIMEOUT caps the run, and a
# later run picks up where an interrupted one stopped. One child: with two, mutants that survive
# alone came back killed (docs/mutation-testing.md).
MUTATE_TIMEOUT ?= 3600
mutate: install
	-DJANGO_ALLOW_ASYNC_UNSAFE=true timeout --foreground $(MUTATE_TIMEOUT) .venv/bin/mutmut run --max-children 1
	@echo "Surviving mutants (see one with: .venv/bin/mutmut show NAME):"
	@.venv/bin/mutmut results | grep -v ": not checked$$" || true
	@.venv/bin/mutmut export-cicd-stats >/dev/null && $(PY) -c 'import json; s = json.load(open("mutants/mutmut-cicd-stats.json")); done = s["killed"] + s["survived"] + s["timeout"]; print(f"mutation score: {s["killed"] + s["timeout"]}/{done} killed ({done} of {s["total"]} mutants checked)")'

# README screenshots (list, edit form, invite dialog, dark mode, a phone) from the running pages.
screenshots: install chromium
	$(PY) -m tests.browser.screenshots docs/screenshots

# Sized for 2 cores: a process per core, 32 threads each because a page mostly waits ~100 ms on
# TaskIP. Under make bench's 32 staff it had the lower p95 in four paired runs against 4x16
# (182-211 ms against 197-215): half the processes make half the list cache's API calls. The two
# are close: make bench, which compares them, has also put 4x16 ahead (183 against 195 ms).
serve: install
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py migrate --noinput -v0
	.venv/bin/gunicorn taskip_admin.wsgi --bind $(SERVE_HOST):$(PORT) --worker-class gthread \
	  --workers 2 --threads 32 --no-control-socket --access-logfile - --timeout 30

# A background worker (django-tasks-db); run as many as needed, on any host, beside make serve.
worker: install
	DJANGO_DEBUG=false $(PY) manage.py migrate --noinput -v0
	DJANGO_DEBUG=false $(PY) manage.py db_worker
