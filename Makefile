# Aerie: one command to run the platform, one to test it.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-kafka kafka lint format bench bench-commands bench-projections bench-load bench-surveys bench-voice bench-growth bench-worker load-client schemas install clean browser

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## make run: embedded PostgreSQL + broker, services, relay, worker, gateway, demo data
## (AERIE_BROKER=kafka make run: on one Apache Kafka node instead of tansu)
run: $(STAMP) $(if $(filter kafka,$(AERIE_BROKER)),kafka)
	@$(BIN)/aerie run

## make browser: the headless Chromium the GraphiQL test drives (from the system's packages)
browser:
	@command -v chromium >/dev/null || (echo "installing chromium (apt) for the browser tests" && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

## make test: installs what it needs, lints, checks the types, runs the whole suite
test: $(STAMP) browser
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/lint-imports --no-cache
	@$(BIN)/mypy
	@$(BIN)/python -m pytest -q

## make kafka: Apache Kafka's server jars (Maven, from deploy/apache-kafka/pom.xml) into .cache/kafka
KAFKA_VERSION := $(shell sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' deploy/apache-kafka/pom.xml)
KAFKA_JARS    := .cache/kafka/$(KAFKA_VERSION)/lib/kafka_2.13-$(KAFKA_VERSION).jar

$(KAFKA_JARS): deploy/apache-kafka/pom.xml
	@command -v mvn >/dev/null || (echo "installing maven (apt) to fetch Apache Kafka" && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null)
	@echo "fetching Apache Kafka $(KAFKA_VERSION) from Maven Central into .cache/kafka (once)"
	@mvn -q -B -f deploy/apache-kafka/pom.xml -Dmaven.repo.local=$(CURDIR)/.cache/maven dependency:copy-dependencies
	@touch $(KAFKA_JARS)

kafka: $(KAFKA_JARS)

## make test-kafka: the end-to-end modules on a three-node Apache Kafka, with the failover and access tests
test-kafka: $(STAMP) kafka
	@AERIE_TEST_BROKER=kafka $(BIN)/python -m pytest -q -m "" tests/e2e

lint: $(STAMP)
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/lint-imports --no-cache
	@$(BIN)/mypy

format: $(STAMP)
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .

## make bench: throughput and latency, printed with the machine they ran on
bench: $(STAMP) load-client
	@$(BIN)/python -m tests.perf.bench
	@$(BIN)/python -m tests.perf.commands
	@$(BIN)/python -m tests.perf.surveys
	@$(BIN)/python -m tests.perf.load
	@$(BIN)/python -m tests.perf.worker_start
	@$(BIN)/python -m tests.perf.voice
	@$(BIN)/python -m tests.perf.followup
	@$(BIN)/python -m tests.perf.growth

## make bench-commands: a command against the agent's history, concurrent writers, a bulk load
bench-commands: $(STAMP)
	@$(BIN)/python -m tests.perf.commands

## make bench-projections: each projection's cost per event (µs in Python, µs in PostgreSQL)
bench-projections: $(STAMP)
	@$(BIN)/python -m tests.perf.projections

## make bench-voice: the escalations projection's throughput and the deadline manager's lag
bench-voice: $(STAMP)
	@$(BIN)/python -m tests.perf.voice

## make bench-growth: the growth projections' throughput in a worker of their own, on the demo
bench-growth: $(STAMP)
	@$(BIN)/python -m tests.perf.growth

## make bench-worker: a projection worker's start and restart after kill -9, to its first applied event
bench-worker: $(STAMP)
	@$(BIN)/python -m tests.perf.worker_start

## make bench-surveys: the satisfaction projection's speed, and its statistics against a recomputation
bench-surveys: $(STAMP)
	@$(BIN)/python -m tests.perf.surveys

## make bench-load: only the gateway under load (wrk as the client), on the demo data
bench-load: $(STAMP) load-client
	@$(BIN)/python -m tests.perf.load

load-client:
	@command -v wrk >/dev/null || (echo "installing wrk (apt) as the load client" && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)

## make schemas: regenerate the checked-in JSON Schemas and the GraphQL SDL
schemas: $(STAMP)
	@$(BIN)/aerie schemas export

clean:
	rm -rf .aerie
