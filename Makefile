# motcua: `make demo` serves the product with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
# Two workers (pytest-xdist): the suite takes half the time on the 2-core CI box.
PYTEST_ARGS ?= -n 2
export MOTCUA_HOME := $(CURDIR)

.PHONY: demo test bench lint system-deps install serve clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

system-deps:
	@bash scripts/system-deps.sh $(DEPS)

demo: DEPS := runtime
demo: system-deps $(STAMP)
	$(BIN)/motcua migrate --noinput
	$(BIN)/motcua load_demo --quiet-accounts
	$(BIN)/motcua demo_ca
	BIN=$(BIN) PORT=$(PORT) bash scripts/serve-demo.sh

test: DEPS := runtime test
test: system-deps $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

bench: DEPS := runtime
bench: system-deps $(STAMP)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

clean:
	rm -rf $(VENV) var/motcua.sqlite3*
