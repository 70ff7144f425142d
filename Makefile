# shopfloor's single entry point. On a bare Debian or Ubuntu machine, as root or with sudo:
#   make demo    install what is missing, then run a cloud, a broker and two hubs locally
#   make test    install what is missing, start PostgreSQL if it is down, run the tests
# Also: make bench [BENCH=checkout|drain], make lint, make fmt, make clean. See README.md.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
export VENV
PYTHON_VENV := $(VENV)/bin/python
# One benchmark by name (bench/<name>.py); empty runs them all.
BENCH ?=
# Extra pytest arguments, e.g. make test PYTEST_ARGS='-x tests/protocols'.
PYTEST_ARGS ?=

.PHONY: help setup services demo test bench lint fmt clean distclean

help:
	@sed -n '1,4p' Makefile | sed 's/^# \{0,1\}//'

setup:
	@bash scripts/setup.sh

services: setup
	@bash scripts/services.sh

demo:
	@bash scripts/demo.sh

# pytest exits 5 when it collects no tests (say, a PYTEST_ARGS filter that matches nothing);
# that is reported, not treated as a failure. Every other exit code is kept.
test: services
	@$(PYTHON_VENV) -m pytest -q -ra $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests"; rc=0; fi; \
	exit $$rc

bench: services
	@$(PYTHON_VENV) bench/run.py $(BENCH)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf var .pytest_cache .hypothesis .ruff_cache build *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
