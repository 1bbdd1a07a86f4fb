# Two commands do all set-up on a fresh Debian machine: `make demo` and `make test`.
# Everything installed into .venv comes from constraints.txt (pinned); system packages via apt-get.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Project-local Prefect home, analytics off (PITFALLS.md); see docs/automations.md.
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1
export PM4PY_SHOW_PROGRESS_BAR ?= False

DEMO_LOG := event_logs/demo.csv
DEMO_PROFILE := event_logs/profiles/demo.toml
DEMO_TARGETS := event_logs/demo_targets.toml
DEMO_OUT := reports/demo

.PHONY: demo test install system-deps lint bench clean help

help:
	@echo "make demo   install what is missing, analyse $(DEMO_LOG), write reports to $(DEMO_OUT)/"
	@echo "make test   install what is missing and run the test suite"
	@echo "make lint   ruff, the layer contract (import-linter) and mypy --strict on processmining/"
	@echo "make bench  benchmark kit (see docs/benchmarks.md)"

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found; install Python 3.11+ (apt-get install python3 python3-venv)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { echo "make: could not create $(VENV); on Debian: apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) system-deps

# graphviz's `dot` renders maps; Chromium runs the HTML report test. Installed with apt-get where
# missing and permitted (root or passwordless sudo); otherwise a clear message says what to install.
system-deps:
	@missing=""; command -v dot >/dev/null || missing="$$missing graphviz"; \
	command -v chromium >/dev/null || command -v chromium-browser >/dev/null || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi dejavu || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi; \
	  if [ "$$SUDO" = none ] || ! command -v apt-get >/dev/null; then \
	    echo "make: missing system packages:$$missing. Install them (Debian: sudo apt-get install$$missing) and run make again."; exit 1; \
	  fi; \
	  echo "installing system packages:$$missing"; \
	  $$SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null \
	    || { echo "make: apt-get install$$missing failed"; exit 1; }; \
	fi

# No keygen step: the pseudonymisation key is created on first use (docs/privacy-key.md).
demo: install
	$(BIN)/processmining analyze $(DEMO_LOG) --profile $(DEMO_PROFILE) --targets $(DEMO_TARGETS) --out $(DEMO_OUT)
	@echo "Reports written to $(DEMO_OUT)/ (open $(DEMO_OUT)/report.html or $(DEMO_OUT)/bottlenecks.xlsx)"

test: install
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check processmining automations flows tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy processmining

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .prefect reports/demo .pytest_cache
