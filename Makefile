# Two commands do everything: `make run` (the main job) and `make test` (the tests).
# Both create or reuse .venv from the pinned requirements.txt.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-$(shell sha256sum requirements.txt | cut -c1-16)
CORES ?= all
# Scripts run by Snakemake must find the venv's python and packages.
export PATH := $(CURDIR)/$(BIN):$(PATH)
export TF_CPP_MIN_LOG_LEVEL := 2
SNAKEMAKE := $(BIN)/snakemake

.PHONY: venv run test lint dryrun pytest workflow-test paper-rehearsal rehearsal test-slurm \
	report benchmarks clean

venv: $(STAMP)

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 required"'
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.requirements-*
	touch $@

# The workflow, then its HTML report (figures and tables with their captions).
run: venv
	$(SNAKEMAKE) --cores $(CORES) --configfile config/config.yaml
	$(SNAKEMAKE) --configfile config/config.yaml --report results/report.html
	@echo "Report: results/report.html"

report: venv
	$(SNAKEMAKE) --configfile config/config.yaml --report results/report.html
	@echo "Report: results/report.html"

lint: venv
	$(SNAKEMAKE) --lint --configfile config/config.yaml
	$(BIN)/snakefmt --check .
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

dryrun: venv
	$(SNAKEMAKE) --dry-run --quiet rules --configfile config/config.yaml
	$(SNAKEMAKE) --dry-run --quiet rules --configfile config/paper.yaml
	$(SNAKEMAKE) --dry-run --quiet rules --configfile config/config.yaml config/null.yaml
	$(SNAKEMAKE) --dry-run --quiet rules --configfile config/config.yaml \
		--workflow-profile profiles/slurm

# pytest's exit status 5 ("no tests collected") is non-zero, so make fails on it too.
# One worker per core (pytest-xdist; tests share no files, ports or state); tests marked
# with one xdist_group share a worker (and so their module's expensive fixtures).
PYTEST_WORKERS ?= auto
pytest: venv
	$(BIN)/python -m pytest -m "not slurm" -n $(PYTEST_WORKERS) --dist loadgroup

# One small real workflow run, in a scratch copy so results/ of the user stays untouched,
# then its HTML report: every report() output with its caption, and a headless-Chromium
# screenshot of the front page (tests/report_check.py; chromium is installed with apt as
# root, otherwise that part is skipped saying why). Report and screenshot are kept in
# $(WORKFLOW_TEST_REPORT).
WORKFLOW_TEST_REPORT ?= $(or $(TMPDIR),/tmp)/eqprecursors-workflow-test-report
workflow-test: venv
	$(BIN)/python tests/run_workflow.py --configfile tests/config/test.yaml \
		--report-out $(WORKFLOW_TEST_REPORT)

# config/paper.yaml end to end against local stand-ins of every service it downloads from, on
# half a year per observatory and two months per mission, one epoch, two tuning trials
# (tests/config/rehearsal.yaml says what is overridden): every rule of both papers runs.
paper-rehearsal: venv
	$(BIN)/python tests/run_rehearsal.py --scale small

# By hand: the same at the paper's own periods and catalog density (hours on 2 cores); writes
# the per-rule table of jobs, wall time and peak RSS to results/rehearsal/full_scale.csv.
rehearsal: venv
	mkdir -p results/rehearsal
	$(BIN)/python tests/run_rehearsal.py --scale full --table results/rehearsal/full_scale.csv

# A real single-node SLURM cluster on 127.0.0.1 (tests/slurm/cluster.sh) runs part of the DAG
# (compared with a local run of the same targets) and a failing rule through profiles/slurm;
# needs root and apt, otherwise skipped: tests/slurm/run_test.sh then prints a banner saying
# why (a skip does not fail make).
test-slurm: venv
	bash tests/slurm/run_test.sh $(BIN)/python

test: lint dryrun pytest workflow-test paper-rehearsal test-slurm

# Every benchmark with its in-run baseline -> results/benchmarks/summary.{json,md}.
.PHONY: bench
bench: venv
	$(BIN)/python benchmarks/run_all.py

benchmarks: bench

clean:
	rm -rf results logs .snakemake
