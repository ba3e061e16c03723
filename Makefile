# profile-migrator — see README.md
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test lint rehearse plan bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check layers twin profile_migrator_cli || true

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest

plan: $(STAMP)
	$(BIN)/profile-migrator plan examples/path1-direct-phz.yaml
	$(BIN)/profile-migrator plan examples/path2-profile-phz.yaml

rehearse: $(STAMP)
	$(BIN)/profile-migrator rehearse examples/path1-direct-phz.yaml --report reports/path1
	$(BIN)/profile-migrator rehearse examples/path2-profile-phz.yaml --report reports/path2

bench: $(STAMP)
	$(BIN)/python bench/plan_scale.py

clean:
	rm -rf $(VENV) reports .pytest_cache
