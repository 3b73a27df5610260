# Two commands do everything: `make run` (demo on SQLite) and `make test` (the whole suite).
# Both install from the hash-checked lock files: requirements.lock (what running needs) and
# requirements-dev.lock (that plus the test tools). `make lock` regenerates them from
# pyproject.toml; `make wheelhouse` builds wheels for a machine without a package index.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PORT ?= 8000
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
UV_VERSION := 0.13.9
# Locked for CPython 3.11.2 on Linux (Debian 12's python3); newer 3.11 and 3.12 install it too.
LOCK_FLAGS := --generate-hashes --python-version 3.11.2 --python-platform x86_64-manylinux_2_36 \
	--annotation-style line --custom-compile-command "make lock" --quiet
# The wheelhouse's target: Debian 12 on x86-64 (glibc 2.36), CPython 3.11.
WHEEL_TARGET := --only-binary :all: --python-version 3.11 --implementation cp \
	--abi cp311 --abi abi3 --abi none --platform any \
	$(foreach p,manylinux_2_36 manylinux_2_34 manylinux_2_28 manylinux_2_17 manylinux2014,--platform $(p)_x86_64)

.PHONY: run test install install-dev lock wheelhouse lint format migrate demo clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(RUN_STAMP): requirements.lock | $(PY)
	$(PIP) install --quiet --require-hashes -r requirements.lock
	touch $@

$(DEV_STAMP): requirements-dev.lock | $(PY)
	$(PIP) install --quiet --require-hashes -r requirements-dev.lock
	touch $@

install: $(RUN_STAMP)

install-dev: $(DEV_STAMP)

lock: | $(PY)
	$(PIP) install --quiet uv==$(UV_VERSION)
	$(VENV)/bin/uv pip compile pyproject.toml $(LOCK_FLAGS) -o requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev $(LOCK_FLAGS) -o requirements-dev.lock

# The wheel of every locked package for WHEEL_TARGET, hash-checked, with the lock file beside
# them: copy the folder to a machine without a package index (docs/deploy.md).
wheelhouse: requirements.lock | $(PY)
	rm -rf wheelhouse
	$(PIP) download --quiet --require-hashes $(WHEEL_TARGET) -r requirements.lock -d wheelhouse
	cp requirements.lock wheelhouse/

migrate: install
	DJANGO_SETTINGS_MODULE=settings.dev $(PY) manage.py migrate --noinput

demo: migrate
	DJANGO_SETTINGS_MODULE=settings.dev $(PY) manage.py demo

run: demo
	DJANGO_SETTINGS_MODULE=settings.dev $(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install-dev lint
	DJANGO_SETTINGS_MODULE=settings.test $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache staticfiles wheelhouse
