# WFA platform. `make demo` runs it locally with demo data; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# uv installs the exact versions pinned in uv.lock. It is bootstrapped with pip into its own
# small venv (.uv/<version>/), so nothing needs to be installed by hand first.
UV_VERSION := 0.13.8
UV_DIR := .uv/$(UV_VERSION)
UV := $(UV_DIR)/bin/uv
DEPS_STAMP := $(VENV)/.deps-$(shell cat pyproject.toml uv.lock | sha1sum | cut -c1-12)
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
# The web app's front-end assets (Chart.js) come from npm at the versions pinned in
# services/web/package-lock.json; the stamp makes the next `make` skip `npm ci` until the lock
# changes.
WEB_DIR := services/web
WEB_STAMP := $(WEB_DIR)/node_modules/.wfa-installed
# The browser tests drive Debian's chromium package (Playwright's own browser download is not
# used); CHROMIUM names another binary.
CHROMIUM ?= /usr/bin/chromium

.PHONY: help install lock kafka-jars web-assets browser kustomize demo demo-cluster up down restart test test-unit test-integration test-e2e test-browser lint schemas bench bench-province clean audit-verify audit-replay province

help:
	@echo "make demo    install, start Kafka + the four services on embedded chDB, load demo data"
	@echo "             (PROVINCE=dki or PROVINCE=small: a generated province's events as well)"
	@echo "make demo-cluster  the demo on a local three-node Kafka cluster (replication 3,"
	@echo "             min.insync.replicas 2; deploy/kafka/kafka.sh cluster kill N to try a failure)"
	@echo "make down    stop the services and Kafka"
	@echo "make restart SERVICE=reporting  restart one service of the running demo (the others keep running)"
	@echo "make test    install and run the whole test suite (unit, integration, e2e, browser)"
	@echo "make test-browser  the browser tests only (headless Chromium; screenshots in var/screenshots/)"
	@echo "make web-assets    install the web app's front-end assets (npm ci in services/web/)"
	@echo "make browser       install Debian's chromium for the browser tests when it is missing"
	@echo "make kustomize     build kustomize $(KUSTOMIZE_VERSION) into var/tools/ (the Kubernetes manifests' tests)"
	@echo "make audit-verify  verify the running demo's sealed audit log (archive and Kafka);"
	@echo "                   deploy/demo.sh audit-verify exits with the verifier's own status"
	@echo "make audit-replay SERVICE=reporting  rebuild a service's projections from offset 0 and diff with the live ones"
	@echo "make province  write a generated province (DKI: 62,000 ASN, 45 OPDs, a month) to the demo's Kafka"
	@echo "                   (PROVINCE_ARGS=\"--asn 3000 --opds 5 --period week\" for another one)"
	@echo "make bench-province  a generated province through every path, each figure beside its"
	@echo "                   baseline (SIZE=dki, the default: 62,000 ASN, a day; SIZE=small: 3,000 ASN"
	@echo "                   in 5 OPDs; PROVINCE_ARGS=\"--period week --skip peak\" for more); the table"
	@echo "                   goes to var/bench/province.json and docs/performance.md"
	@echo "make lint    ruff + mypy + import-linter (the rules of the house)"
	@echo "make schemas regenerate JSON Schema + AsyncAPI documents"
	@echo "make lock    re-resolve uv.lock after editing the dependencies in pyproject.toml"

$(UV):
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11+ is required ($(PYTHON) not found)"; exit 2; }
	@echo "==> Bootstrapping uv $(UV_VERSION) into $(UV_DIR)/ (once)"
	$(PYTHON) -m venv $(UV_DIR)
	$(UV_DIR)/bin/pip install --disable-pip-version-check --progress-bar on "uv==$(UV_VERSION)"

$(DEPS_STAMP): pyproject.toml uv.lock | $(UV)
	@echo "==> Installing the pinned dependencies from uv.lock into $(VENV)/"
	$(UV) sync --locked --extra dev --python $(PYTHON) || { \
	  echo "(after editing the dependencies in pyproject.toml, run 'make lock')" >&2; exit 2; }
	@rm -f $(VENV)/.deps-*; touch $@

install: $(DEPS_STAMP)

lock: | $(UV)
	$(UV) lock

kafka-jars:
	deploy/kafka/kafka.sh fetch

$(WEB_STAMP): $(WEB_DIR)/package.json $(WEB_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js 18+ with npm is required (npm not found)"; exit 2; }
	@echo "==> Installing the web app's pinned front-end assets into $(WEB_DIR)/node_modules/"
	cd $(WEB_DIR) && npm ci --no-audit --no-fund
	@touch $@

web-assets: $(WEB_STAMP)

browser:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	command -v apt-get >/dev/null || { \
	  echo "Chromium is required for the browser tests: install it, or set CHROMIUM=/path/to/chromium" >&2; exit 2; }; \
	SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	echo "==> Installing Debian's chromium for the browser tests (once)"; \
	$$SUDO apt-get update && \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

# The Kubernetes manifests (deploy/k8s) are rendered by kustomize in the tests
# (tests/unit/test_k8s_manifests.py): the pinned version is built once from the Go module proxy
# with go install (about a minute and a half on a fresh machine) into var/tools/.
KUSTOMIZE_VERSION := v5.8.1
KUSTOMIZE_DIR := var/tools/kustomize-$(KUSTOMIZE_VERSION)
KUSTOMIZE := $(KUSTOMIZE_DIR)/kustomize

$(KUSTOMIZE):
	@command -v go >/dev/null || { echo "Go 1.24+ is required to build kustomize (go not found); or set KUSTOMIZE=/path/to/kustomize when running the tests" >&2; exit 2; }
	@echo "==> Building kustomize $(KUSTOMIZE_VERSION) into $(KUSTOMIZE_DIR)/ (once)"
	mkdir -p $(KUSTOMIZE_DIR)
	# one more try after a pause: a module download that failed once is not the end of a test run
	GOBIN="$(abspath $(KUSTOMIZE_DIR))" go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION) \
	  || { sleep 10; GOBIN="$(abspath $(KUSTOMIZE_DIR))" go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION); }

kustomize: $(KUSTOMIZE)

# PROVINCE=dki or PROVINCE=small also writes a generated province's events (see deploy/demo.sh)
PROVINCE ?=

demo: install kafka-jars web-assets
	PROVINCE="$(PROVINCE)" PROVINCE_ARGS="$(PROVINCE_ARGS)" deploy/demo.sh up

# The same demo on a three-node KRaft cluster (deploy/kafka/kafka.sh cluster), its data in
# var/data-cluster/; `make down` stops it.
demo-cluster: install kafka-jars web-assets
	KAFKA_CLUSTER=1 PROVINCE="$(PROVINCE)" PROVINCE_ARGS="$(PROVINCE_ARGS)" deploy/demo.sh up

up: demo

down:
	deploy/demo.sh down

SERVICE ?= reporting

restart:
	deploy/demo.sh restart $(SERVICE)

test: install kafka-jars web-assets browser kustomize
	$(BIN)/python -m pytest tests -n 2 --dist loadfile -ra --durations=25

test-unit: install kustomize
	$(BIN)/python -m pytest tests/unit -q

test-integration: install kafka-jars
	$(BIN)/python -m pytest tests/integration -n 2 --dist loadfile -ra

test-e2e: install kafka-jars
	$(BIN)/python -m pytest tests/e2e -n 2 --dist loadfile -ra

test-browser: install kafka-jars web-assets browser
	$(BIN)/python -m pytest tests/browser -ra

# The demo script owns the ports (ELIGIBILITY_PORT, REPORTING_PORT, AUDIT_PORT, KAFKA_PORT, as
# for `make demo`). make answers 2 for any failed recipe, so the verifier's status 1 ("found
# something") is printed here; `deploy/demo.sh audit-verify` exits with it unchanged.
audit-verify: install
	@deploy/demo.sh audit-verify; status=$$?; \
	if [ $$status -ne 0 ]; then \
	  echo "wfa-audit-verify exited $$status (1: it found something, 2: it could not verify)" >&2; \
	fi; \
	exit $$status

audit-replay: install
	deploy/demo.sh audit-replay $(SERVICE)

lint: install
	$(BIN)/ruff check kernel operations services schemas tests deploy
	$(BIN)/ruff format --check kernel operations services schemas tests deploy
	$(BIN)/mypy
	$(BIN)/lint-imports

schemas: install
	$(BIN)/python -m schemas.generate

bench: install kafka-jars
	$(BIN)/python -m tests.bench.run $(BENCH_ARGS)

# A generated province through every path on a private broker and chDB (tests/bench/province.py):
# SIZE=dki (62,000 ASN in 45 OPDs, a day; about an hour), SIZE=small (3,000 ASN in 5 OPDs, a
# day; minutes); PROVINCE_ARGS adds or overrides options (--period week, --skip peak, ...).
SIZE ?= dki
BENCH_PROVINCE_SIZE_dki := --asn 62000 --opds 45
BENCH_PROVINCE_SIZE_small := --asn 3000 --opds 5

bench-province: install kafka-jars
	@[ -n "$(BENCH_PROVINCE_SIZE_$(SIZE))" ] || { echo "SIZE is dki or small (PROVINCE_ARGS for others)" >&2; exit 2; }
	$(BIN)/python -m tests.bench.province $(BENCH_PROVINCE_SIZE_$(SIZE)) $(PROVINCE_ARGS)

# A generated province (DKI by default: 62,000 ASN in 45 OPDs, December 2025 with its Nataru
# window) written straight to the demo's broker; PROVINCE_ARGS for others, e.g.
# PROVINCE_ARGS="--asn 3000 --opds 5 --period week". `wfa-province load --rate 170` drives the
# attendance API instead (see `wfa-province --help`).
KAFKA_PORT ?= 9092
PROVINCE_ARGS ?=

province: install
	KAFKA_BOOTSTRAP="$${KAFKA_BOOTSTRAP:-127.0.0.1:$(KAFKA_PORT)}" $(BIN)/wfa-province write $(PROVINCE_ARGS)

clean: down
	rm -rf var
