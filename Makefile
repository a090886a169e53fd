# WikiMind — two commands: `make dev` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
export WIKIMIND_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
export WIKIMIND_TEST_REDIS_URL ?= redis://127.0.0.1:6379

.PHONY: help dev build release web web-deps test test-web e2e bench smoke-prod lint fmt migrate clean openapi-json api-types api-types-check schemathesis

help: ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# npm ci only when package-lock.json changed since the last install.
frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

web-deps: frontend/node_modules/.package-lock.json ## Install the web app's npm packages

web: web-deps ## Build the web app into frontend/dist (embedded in the gateway binary)
	cd frontend && npm run build

dev: web ## Start WikiMind at http://127.0.0.1:7842 on SQLite (offline compiler unless a key is set)
	$(CARGO) run --release --bin gateway -- serve

build: ## Debug build of every crate and test
	$(CARGO) build --workspace --all-targets --locked

release: web ## Release binaries (gateway with the web app embedded, worker)
	$(CARGO) build --release --locked --bin gateway --bin worker

test: ## The whole suite: Rust on SQLite, then on PostgreSQL + Redis, then the web app (unit + browser), then the API against its document
	@echo "== phase 1: SQLite =="
	$(CARGO) nextest run --workspace --locked --no-fail-fast
	$(CARGO) test --workspace --doc --locked
	CARGO=$(CARGO) scripts/test-postgres-phase.sh
	$(MAKE) test-web
	$(MAKE) api-types-check
	$(MAKE) schemathesis

test-web: web ## Web app unit tests (vitest), then the browser suite against the release gateway
	@echo "== web app: unit tests =="
	cd frontend && npm test
	$(MAKE) e2e

e2e: ## Browser suite (Debian chromium, headless) against the release gateway with the web app embedded
	@echo "== web app: browser suite =="
	$(CARGO) build --release --locked --bin gateway --bin fake-llm
	cd frontend && WIKIMIND_GATEWAY_BIN=$(CURDIR)/target/release/gateway \
		WIKIMIND_FAKE_LLM_BIN=$(CURDIR)/target/release/fake-llm npm run e2e

# The web app's API types are generated from the gateway's OpenAPI document.
API_TYPES := frontend/src/api/schema.gen.ts

openapi-json: ## Write the gateway's OpenAPI document to target/openapi.json
	@mkdir -p target
	$(CARGO) run --release --locked --quiet --bin gateway -- openapi > target/openapi.json

api-types: web-deps openapi-json ## Regenerate the web app's API types from the gateway's OpenAPI document
	cd frontend && npx openapi-typescript ../target/openapi.json -o ../$(API_TYPES)

api-types-check: web-deps openapi-json ## Fail when the web app's API types differ from what the document generates
	cd frontend && npx openapi-typescript ../target/openapi.json -o ../target/schema.gen.ts
	@diff -u $(API_TYPES) target/schema.gen.ts \
		&& echo "api types: up to date with the OpenAPI document" \
		|| { echo "api types: $(API_TYPES) is out of date; run make api-types"; exit 1; }

schemathesis: ## Schemathesis against the live release gateway (SQLite, then PostgreSQL + Redis), in a network namespace of its own
	$(CARGO) build --release --locked --bin gateway
	SCHEMATHESIS_MAX_TIME=$${SCHEMATHESIS_MAX_TIME:-60} WIKIMIND_GATEWAY_BIN=$(CURDIR)/target/release/gateway \
		scripts/schemathesis.sh

bench: ## End-to-end benchmarks of the release binaries (prints the tables kept in BENCHMARKS.md)
	$(CARGO) build --release --locked --bin worker
	$(CARGO) bench --locked -p gateway --bench pipeline

.PHONY: fuzz
fuzz: ## Fuzz the PDF, HTML and markdown extractors for FUZZ_SECONDS each (default 60; nightly toolchain, cargo-fuzz)
	FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60) scripts/fuzz.sh

.PHONY: bench-load
bench-load: ## 200 concurrent clients for 60 s, mixed reads and writes, on SQLite and on PostgreSQL + Redis (release binaries)
	$(CARGO) build --release --locked --bin worker
	$(CARGO) bench --locked -p gateway --bench pipeline -- load

.PHONY: eval bench-search bench-reads bench-graph bench-health seed-articles
eval: ## Retrieval evaluation: testdata/eval/questions.json over the corpus on SQLite (recall@k, MRR, citation checks); ARGS='--postgres' to compare, ARGS=--fake-llm to compile through the fake model and count its calls, ARGS=--embeddings for hybrid search and the recall of nearest-passage search
	$(CARGO) bench --locked -p gateway --bench eval -- $(ARGS)

bench-search: ## Search latency p50/p99 at 1,000, 10,000 and 100,000 seeded articles (and how far results agree with exhaustive ranking), and the time to ingest one more note at each size, SQLite and PostgreSQL (skipped if unreachable); ARGS=--hybrid with embeddings (and the recall of nearest-passage search)
	$(CARGO) bench --locked -p gateway --bench search -- $(ARGS)

bench-reads: ## Article list, article page and search: requests per second and CPU per request of the release gateway (32 connections) at 50 and 10,000 seeded articles, SQLite and PostgreSQL, beside a bare handler serving the same bytes (the ceiling); ARGS='--sizes 50 --seconds 5 --backends sqlite'
	$(CARGO) bench --locked -p gateway --bench reads -- $(ARGS)

bench-health: ## Health run times at 1,000 and 10,000 seeded articles, SQLite and PostgreSQL, with the fake model (ARGS=--offline for the offline check)
	$(CARGO) bench --locked -p gateway --bench health -- $(ARGS)

bench-graph: release ## The Graph screen in headless Chromium on 10,000 seeded articles (GRAPH_DATA_DIR to reuse a seeded data directory)
	@dir="$$(realpath -m "$${GRAPH_DATA_DIR:-target/bench-graph}")"; \
	if [ ! -d "$$dir/wiki" ]; then mkdir -p "$$dir" && $(CARGO) bench --locked -p gateway --bench search -- seed --count 10000 --data-dir "$$dir"; fi; \
	cd frontend && GRAPH_DATA_DIR="$$dir" GRAPH_LIMIT=10000 node e2e/bench-graph.mjs

seed-articles: ## Add N (default 1000) synthetic articles to the wiki in DATA_DIR, e.g. `make seed-articles N=10000 DATA_DIR=/tmp/big`
	@test -n "$(DATA_DIR)" || { echo "set DATA_DIR=/path/to/data-dir (never your real wiki by accident)"; exit 1; }
	$(CARGO) bench --locked -p gateway --bench search -- seed --count $(or $(N),1000) --data-dir $(DATA_DIR)

smoke-prod: ## Production shape as real processes (gateway without worker + 2 workers, PostgreSQL, Redis) and its faults; restarts the local Redis and PostgreSQL
	$(CARGO) build --release --locked --bin gateway --bin worker --bin smoke-prod
	WIKIMIND_BIN_DIR=target/release target/release/smoke-prod

lint: web-deps ## fmt check and clippy with warnings denied; the web app's eslint and type check
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	cd frontend && npm run lint && npm run typecheck

fmt: ## Format the code
	$(CARGO) fmt --all

migrate: ## Apply migrations to the configured database
	$(CARGO) run --bin gateway -- migrate

clean: ## Remove build output
	$(CARGO) clean

# ---- Containers (production stack: docker-compose.prod.yml) --------------------------------
COMPOSE ?= docker compose
PROD_COMPOSE := $(COMPOSE) -f docker-compose.prod.yml

.PHONY: docker-build deploy-up deploy-stop deploy-logs deploy-ps

docker-build: ## Build the container image of the production stack
	$(PROD_COMPOSE) build

deploy-up: ## Start the production stack in the background (needs POSTGRES_PASSWORD, WIKIMIND_AUTH_TOKEN)
	$(PROD_COMPOSE) up -d

deploy-stop: ## Stop the production stack (containers and volumes are kept)
	$(PROD_COMPOSE) stop

deploy-logs: ## Follow the logs of the production stack
	$(PROD_COMPOSE) logs -f

deploy-ps: ## Show the services of the production stack and their health
	$(PROD_COMPOSE) ps

# The container check builds the real Dockerfile and runs the prod stack with podman and
# stand-in base images (see the README of verify-stack.sh), then ingests through the port.
# The stand-ins include a `postgres` image but none of pgvector's, so the check runs the stack's
# PostgreSQL without it (vectors by exact scan; pgvector itself is tested by `make test`).
VERIFY_STACK ?= $(firstword $(wildcard ../shared/containers/verify-stack.sh /work/shared/containers/verify-stack.sh))

.PHONY: verify-stack
verify-stack: ## Build the image and check the prod compose stack end to end (podman; needs root)
	@test -n "$(VERIFY_STACK)" || { echo "verify-stack.sh not found: set VERIFY_STACK=/path/to/verify-stack.sh"; exit 1; }
	POSTGRES_PASSWORD=$${POSTGRES_PASSWORD:-ci-only-not-secret} WIKIMIND_AUTH_TOKEN=$${WIKIMIND_AUTH_TOKEN:-ci-only-token-not-a-secret-0123456789} \
		WIKIMIND_POSTGRES_IMAGE=$${WIKIMIND_POSTGRES_IMAGE:-postgres:16-alpine} \
		$(VERIFY_STACK) --project . --compose docker-compose.prod.yml --smoke 'bash scripts/prod-stack-smoke.sh'
# ---- end of containers ---------------------------------------------------------------------
