#!/usr/bin/env bash
# Second phase of `make test`: the whole suite on PostgreSQL + the Redis queue and event bus.
#
# With CI=true it always runs, so a missing service fails loudly. Elsewhere it is skipped,
# with a message, when PostgreSQL or Redis cannot be reached.
set -euo pipefail

pg_url=${WIKIMIND_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
redis_url=${WIKIMIND_TEST_REDIS_URL:-redis://127.0.0.1:6379}

if [[ "${CI:-}" != "true" ]]; then
    missing=()
    if ! command -v pg_isready >/dev/null || ! pg_isready -q -d "$pg_url"; then
        missing+=("PostgreSQL at $pg_url")
    fi
    if ! command -v redis-cli >/dev/null || [[ "$(redis-cli -u "$redis_url" ping 2>/dev/null)" != "PONG" ]]; then
        missing+=("Redis at $redis_url")
    fi
    if ((${#missing[@]})); then
        echo "SKIPPED: the PostgreSQL + Redis phase needs ${missing[*]} (set WIKIMIND_TEST_DATABASE_URL / WIKIMIND_TEST_REDIS_URL)"
        exit 0
    fi
fi

echo "== phase 2: PostgreSQL + Redis =="
WIKIMIND_TEST_BACKEND=postgres exec "${CARGO:-cargo}" nextest run --workspace --locked --no-fail-fast
