# profile-migrator — see README.md
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam

.PHONY: setup test lint validate build rehearse plan bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# SAM CLI lives in its own venv: its pins must not move moto's or boto3's.
$(SAM):
	test -d $(SAM_VENV) || $(PY) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q --upgrade pip
	$(SAM_VENV)/bin/pip install -q 'aws-sam-cli>=1.170'

validate: $(SAM)
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --template template.yaml
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --template member.yaml

# The Lambda runtime is python3.13 on arm64: sam build refuses another interpreter, so a python3.13 must be
# on the PATH (pyenv's when there is one). Dependencies come from the package index as arm64 wheels; no Docker.
PY313 ?= $(shell for p in $(HOME)/.pyenv/versions/3.13*/bin/python3.13 $$(command -v python3.13); do "$$p" -c '' 2>/dev/null && echo "$$p" && break; done)

build: $(SAM)
	@test -n "$(PY313)" || { echo "make build needs a python3.13 (the Lambda runtime's) on the PATH or in pyenv"; exit 2; }
	PATH="$(dir $(PY313)):$$PATH" SAM_CLI_TELEMETRY=0 $(SAM) build --template template.yaml --build-dir .aws-sam/build
	PATH="$(dir $(PY313)):$$PATH" SAM_CLI_TELEMETRY=0 $(SAM) build --template member.yaml --build-dir .aws-sam/build-member
	$(PY) bench/build_size.py .aws-sam/build

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=layers/common $(BIN)/mypy

test: $(STAMP) validate
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=layers/common $(BIN)/mypy
	# one worker per core: every test builds its own twin (free ports, its own loopback block)
	$(BIN)/pytest -n auto

plan: $(STAMP)
	$(BIN)/profile-migrator plan examples/path1-direct-phz.yaml
	$(BIN)/profile-migrator plan examples/path2-profile-phz.yaml

# The two published estates, each rehearsed by the state machine beside the published replay.
rehearse: $(STAMP)
	$(BIN)/profile-migrator rehearse examples/path1-direct-phz.yaml --report reports/path1-direct-phz
	$(BIN)/profile-migrator rehearse examples/path2-profile-phz.yaml --report reports/path2-profile-phz
	@echo "reports: reports/path1-direct-phz/index.html reports/path2-profile-phz/index.html"

bench: $(STAMP)
	$(BIN)/python bench/plan_scale.py

clean:
	rm -rf $(VENV) $(SAM_VENV) reports .pytest_cache
