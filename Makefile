# WFA platform. `make demo` runs it locally with demo data; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEPS_STAMP := $(VENV)/.deps-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: help install kafka-jars demo up down test test-unit test-integration test-e2e lint schemas bench clean

help:
	@echo "make demo    install, start Kafka + the four services on embedded chDB, load demo data"
	@echo "make down    stop the services and Kafka"
	@echo "make test    install and run the whole test suite (unit, integration, e2e)"
	@echo "make lint    ruff + mypy"
	@echo "make schemas regenerate JSON Schema + AsyncAPI documents"

$(DEPS_STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11+ is required ($(PYTHON) not found)"; exit 2; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -e ".[dev]"
	@rm -f $(VENV)/.deps-*; touch $@

install: $(DEPS_STAMP)

kafka-jars:
	deploy/kafka/kafka.sh fetch

demo: install kafka-jars
	deploy/demo.sh up

up: demo

down:
	deploy/demo.sh down

test: install kafka-jars
	$(BIN)/python -m pytest tests -ra

test-unit: install
	$(BIN)/python -m pytest tests/unit -q

test-integration: install kafka-jars
	$(BIN)/python -m pytest tests/integration -ra

test-e2e: install kafka-jars
	$(BIN)/python -m pytest tests/e2e -ra

lint: install
	$(BIN)/ruff check services schemas tests deploy
	$(BIN)/ruff format --check services schemas tests deploy
	$(BIN)/mypy

schemas: install
	$(BIN)/python -m schemas.generate

bench: install kafka-jars
	$(BIN)/python -m tests.bench.run

clean: down
	rm -rf var
