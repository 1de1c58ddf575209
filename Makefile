# The two commands: `make demo` (set up, demo data, serve on http://127.0.0.1:5000) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 5000
# Set to a PostgreSQL URL to run the suite there, e.g. postgresql+psycopg://postgres@127.0.0.1/test
TEST_DATABASE_URL ?=

.PHONY: install system-deps demo test clean

system-deps:
	bash scripts/system-deps.sh

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: system-deps $(VENV)/.installed

demo: install
	$(VENV)/bin/archive init --demo
	$(VENV)/bin/archive run --host $(HOST) --port $(PORT)

test: install
	ARCHIVE_TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest

clean:
	rm -rf $(VENV) instance .pytest_cache
