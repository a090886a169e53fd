#!/usr/bin/env bash
# Schemathesis against a live gateway: every operation of the OpenAPI document the gateway
# serves at GET /api/openapi.json is fuzzed (examples, coverage, fuzzing and stateful phases,
# valid and invalid input), and the run fails on any 5xx and on any response that breaks the
# document (body, Content-Type or documented headers for its status code); see
# scripts/schemathesis.toml for the checks and the operations left out. A 4xx for bad input
# is expected and fine.
#
#   scripts/schemathesis.sh [sqlite|postgres|both]
#
# The phase defaults to WIKIMIND_TEST_BACKEND, else both, one after the other:
#   sqlite    the gateway on SQLite in a fresh data directory, its worker in process;
#   postgres  the gateway on PostgreSQL + Redis (queue and event bus), `gateway migrate` first,
#             `serve --with-worker`. The PostgreSQL and the Redis are throwaway instances
#             started inside the namespace (see below) on the testkit's usual addresses,
#             postgres://postgres@127.0.0.1:5432/wmtest_schemathesis and redis://127.0.0.1:6379.
#
# Why a network namespace: the fuzzer sends whatever the document allows, e.g.
# POST /api/sources/url or /api/feeds with a random public URL, which makes the gateway (and
# its worker) fetch it; a provider key it may PUT makes the gateway call that provider. So the gateway and
# schemathesis run in a fresh network namespace (`unshare -rn`) that has only a loopback
# interface, brought up here: nothing the fuzzer provokes can leave the machine, and nothing
# else on the machine (the developer's own gateway, PostgreSQL or Redis) can be reached or
# disturbed. The host's PostgreSQL and Redis are unreachable from in there too, hence the
# throwaway instances, which also need no cleanup outside. PostgreSQL refuses to run as root,
# and in `unshare -r` only root is mapped, so it runs in a nested user namespace as the
# postgres user's uid (else nobody's) - same network namespace, no privileges needed. When
# available the namespace also gets its own PID namespace: when the run ends, whatever it
# started is killed by the kernel. Without `unshare` (or when the kernel refuses it) the script
# fails: it never fuzzes a gateway that can reach the network.
#
# Environment:
#   WIKIMIND_GATEWAY_BIN        gateway binary (default target/release/gateway)
#   SCHEMATHESIS_MAX_TIME       seconds of testing per phase (default 150); the examples and
#                               coverage phases run once, fuzzing and stateful testing repeat
#                               until the time is spent. Startup adds about 10-20 s.
#   SCHEMATHESIS_WORKERS        concurrent schemathesis workers (default 1)
#   SCHEMATHESIS_SEED           seed, to reproduce a run (its seed is printed at the end)
#   SCHEMATHESIS_EXTRA_ARGS     more `schemathesis run` options, split on spaces
#                               (e.g. "--include-path-regex ^/api/sources")
#   SCHEMATHESIS_REPORT_DIR     the JUnit report, the document and the logs, one
#                               directory per phase (default target/schemathesis)
#   WIKIMIND_SCHEMATHESIS_VENV  where the pinned schemathesis is installed if the one on PATH is
#                               not that version (default /var/tmp/wikimind-schemathesis-<ver>)
#   WIKIMIND_PG_BIN_DIR         PostgreSQL's bin directory (default the newest
#                               /usr/lib/postgresql/*/bin)
#   WIKIMIND_AUTH_TOKEN         if set, the gateway requires it and schemathesis sends it
#                               (bound to loopback the gateway needs none)
#   CI=true                     a missing PostgreSQL or Redis fails the postgres phase instead
#                               of skipping it
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SELF="$REPO/scripts/schemathesis.sh"
CONFIG="$REPO/scripts/schemathesis.toml"

die() {
    echo "schemathesis.sh: $*" >&2
    exit 2
}

# ---- outside the namespace: tools, then one namespace per phase ----------------------------

ensure_schemathesis() {
    local found
    found=$(command -v schemathesis || true)
    if [[ -n "$found" ]] && "$found" --version 2>/dev/null | grep -qx "schemathesis, version $SCHEMATHESIS_VERSION"; then
        ST_BIN=$found
        return
    fi
    local venv=${WIKIMIND_SCHEMATHESIS_VENV:-/var/tmp/wikimind-schemathesis-$SCHEMATHESIS_VERSION}
    if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qx "schemathesis, version $SCHEMATHESIS_VERSION"; then
        echo "== installing schemathesis==$SCHEMATHESIS_VERSION into $venv =="
        python3 -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
    fi
    ST_BIN="$venv/bin/schemathesis"
}

# The unshare options: a network namespace (required), plus a PID namespace when the kernel
# allows one (then everything started inside dies with the run).
choose_unshare() {
    command -v unshare >/dev/null || die "unshare (util-linux) is missing: refusing to run the gateway without network isolation"
    command -v ip >/dev/null || die "ip (iproute2) is missing: it brings up loopback in the isolated namespace"
    if unshare -rnm --pid --fork --mount-proc --kill-child=SIGTERM true 2>/dev/null; then
        UNSHARE=(unshare -rnm --pid --fork --mount-proc --kill-child=SIGTERM)
        # `unshare --fork` ignores SIGINT and SIGTERM while it waits; killed, it sends its
        # child (the inner script, PID 1 of the namespace) SIGTERM, which cleans up.
        STOP_SIGNAL=KILL
    elif unshare -rnm true 2>/dev/null; then
        UNSHARE=(unshare -rnm)
        STOP_SIGNAL=TERM # unshare exec'd the inner script itself
    else
        unshare -rnm true || true
        die "cannot create a network and mount namespace (unshare -rnm failed): refusing to run the gateway without network isolation"
    fi
}

# Echoes the PostgreSQL bin directory, or fails when PostgreSQL or Redis is missing.
postgres_tools() {
    local bin=${WIKIMIND_PG_BIN_DIR:-}
    if [[ -z "$bin" ]]; then
        bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    fi
    local tool
    for tool in initdb pg_ctl postgres createdb; do
        [[ -x "$bin/$tool" ]] || { echo "PostgreSQL's $tool (WIKIMIND_PG_BIN_DIR=${bin:-unset})"; return 1; }
    done
    command -v redis-server >/dev/null || { echo "redis-server"; return 1; }
    echo "$bin"
}

outer() {
    local phases=${1:-${WIKIMIND_TEST_BACKEND:-both}}
    case "$phases" in
        sqlite | postgres) ;;
        both) phases="sqlite postgres" ;;
        *) die "unknown phase '$phases': expected sqlite, postgres or both" ;;
    esac
    local gw=${WIKIMIND_GATEWAY_BIN:-$REPO/target/release/gateway}
    [[ -x "$gw" ]] || die "no gateway binary at $gw (cargo build --release --bin gateway, or set WIKIMIND_GATEWAY_BIN)"
    gw=$(realpath "$gw")
    [[ -f "$CONFIG" ]] || die "missing $CONFIG"
    command -v curl >/dev/null || die "curl is missing"
    choose_unshare
    ensure_schemathesis

    local report_root=${SCHEMATHESIS_REPORT_DIR:-$REPO/target/schemathesis}
    mkdir -p "$report_root"
    report_root=$(realpath "$report_root")
    RUN_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/wikimind-schemathesis.XXXXXX")
    CHILD=
    trap 'rm -rf "$RUN_ROOT"' EXIT
    # Interrupted, the namespace's own cleanup may still be copying logs out of RUN_ROOT: it
    # is left for it (and named) rather than removed underneath it.
    trap '[[ -n "$CHILD" ]] && kill -"$STOP_SIGNAL" "$CHILD" 2>/dev/null; wait; trap - EXIT;
          echo "interrupted; the run directory $RUN_ROOT is kept"; exit 130' INT TERM

    local phase status failed=() results=()
    for phase in $phases; do
        local pg_bin=
        if [[ "$phase" == postgres ]]; then
            if ! pg_bin=$(postgres_tools); then
                if [[ "${CI:-}" == true ]]; then
                    results+=("schemathesis ($phase): FAILED: $pg_bin is missing")
                    failed+=("$phase")
                else
                    echo "SKIPPED: schemathesis ($phase) needs $pg_bin"
                    results+=("schemathesis ($phase): SKIPPED")
                fi
                continue
            fi
        fi
        echo "== schemathesis $SCHEMATHESIS_VERSION: $phase phase (isolated network namespace: ${UNSHARE[*]}) =="
        rm -rf "${report_root:?}/$phase"
        mkdir -p "$report_root/$phase" "$RUN_ROOT/$phase"
        status=0
        _ST_PHASE=$phase _ST_RUN_DIR="$RUN_ROOT/$phase" _ST_REPORT_DIR="$report_root/$phase" \
            _ST_GATEWAY="$gw" _ST_BIN="$ST_BIN" _ST_PG_BIN="$pg_bin" \
            "${UNSHARE[@]}" -- bash "$SELF" &
        CHILD=$!
        wait "$CHILD" || status=$?
        CHILD=
        if ((status == 0)); then
            results+=("schemathesis ($phase): PASSED")
        else
            results+=("schemathesis ($phase): FAILED (exit $status; reports and logs in $report_root/$phase)")
            failed+=("$phase")
        fi
    done
    printf '%s\n' "${results[@]}"
    ((${#failed[@]} == 0))
}

# ---- inside the namespace ------------------------------------------------------------------

PIDS=()
GATEWAY_PID=
PG_STARTED=

log() { echo "  $*"; }

as_postgres() {
    # A nested user namespace in which we are not root (initdb and postgres refuse root).
    timeout 120 unshare --user --map-user="$PG_UID" --map-group="$PG_GID" -- "$@"
}

inner_cleanup() {
    local status=$?
    set +e
    if [[ -n "$GATEWAY_PID" ]] && kill -0 "$GATEWAY_PID" 2>/dev/null; then
        kill -TERM "$GATEWAY_PID"
        for _ in $(seq 1 50); do kill -0 "$GATEWAY_PID" 2>/dev/null || break; sleep 0.2; done
        if kill -0 "$GATEWAY_PID" 2>/dev/null; then
            echo "  the gateway did not stop within 10 s of SIGTERM; killing it"
            kill -KILL "$GATEWAY_PID"
        fi
    fi
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    if [[ -n "$PG_STARTED" ]]; then
        as_postgres "$_ST_PG_BIN/pg_ctl" -D "$RUN/pg" -m immediate -w -t 20 stop >/dev/null 2>&1
    fi
    wait 2>/dev/null
    cp "$RUN"/logs/*.log "$_ST_REPORT_DIR"/ 2>/dev/null
    exit "$status"
}

wait_for() { # what, seconds, command...
    local what=$1 seconds=$2
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            echo "  $what: not ready after ${seconds} s" >&2
            return 1
        fi
        if [[ -n "$GATEWAY_PID" ]] && ! kill -0 "$GATEWAY_PID" 2>/dev/null; then
            echo "  $what: the gateway exited; the end of its log:" >&2
            tail -n 40 "$RUN/logs/gateway.log" >&2
            return 1
        fi
        sleep 0.2
    done
}

redis_pong() (
    exec 3<>/dev/tcp/127.0.0.1/6379
    printf 'PING\r\n' >&3
    read -r -t 2 line <&3
    [[ "$line" == +PONG* ]]
)

inner() {
    RUN=$_ST_RUN_DIR
    mkdir -p "$RUN/logs" "$RUN/data" "$RUN/home"
    trap inner_cleanup EXIT
    trap 'exit 143' TERM
    trap 'exit 130' INT

    # The namespace: loopback only, and it must be so.
    # Checked from the namespace's own tables: no packet is sent to find out.
    ip link set lo up
    local others
    others=$(ip -o link show | awk -F': ' '$2 != "lo" {print $2}')
    [[ -z "$others" ]] || die "the namespace has interfaces besides lo ($others): refusing to run"
    others=$( (ip -4 route show table all; ip -6 route show table all) | grep -v ' dev lo' || true)
    [[ -z "$others" ]] || die "the namespace routes beyond loopback ($others): refusing to run"
    # Name lookups use files and DNS only (DNS servers are unreachable from here): a host whose
    # nsswitch.conf asks a local daemon over a unix socket (systemd-resolved, avahi, nscd),
    # which a network namespace does not separate, would otherwise resolve names outside it.
    printf 'hosts: files dns\n' >"$RUN/nsswitch.conf"
    mount --bind "$RUN/nsswitch.conf" /etc/nsswitch.conf \
        || die "cannot pin name lookups to files and DNS in the namespace: refusing to run"
    if [[ -d /var/run/nscd ]]; then
        mkdir -p "$RUN/no-nscd"
        mount --bind "$RUN/no-nscd" /var/run/nscd || die "cannot hide nscd from the namespace"
    fi

    local port=7842 base gw=$_ST_GATEWAY
    base="http://127.0.0.1:$port"
    # A clean environment: no provider key, database or queue of the caller's reaches the
    # gateway (no key: the offline compiler answers).
    local env=(
        PATH="$PATH" HOME="$RUN/home" LANG=C.UTF-8
        WIKIMIND_DATA_DIR="$RUN/data"
        WIKIMIND_SERVER__HOST=127.0.0.1 WIKIMIND_SERVER__PORT=$port
        WIKIMIND_BACKUP__DAILY=false
        WIKIMIND_LOG_FORMAT=json RUST_LOG="${RUST_LOG:-info}" RUST_BACKTRACE=1
    )
    [[ -n "${WIKIMIND_AUTH_TOKEN:-}" ]] && env+=(WIKIMIND_AUTH_TOKEN="$WIKIMIND_AUTH_TOKEN")
    local serve=(serve)

    if [[ "$_ST_PHASE" == postgres ]]; then
        PG_UID=$(id -u postgres 2>/dev/null || echo 65534)
        PG_GID=$(id -g postgres 2>/dev/null || echo 65534)
        mkdir -p "$RUN/pg" "$RUN/pgsock" "$RUN/redis"
        chmod 700 "$RUN/pg"
        log "PostgreSQL ($_ST_PG_BIN) on 127.0.0.1:5432 as uid $PG_UID in a nested user namespace"
        as_postgres "$_ST_PG_BIN/initdb" -D "$RUN/pg" -U postgres --auth=trust \
            -E UTF8 --no-locale --no-sync >"$RUN/logs/initdb.log" 2>&1 \
            || { cat "$RUN/logs/initdb.log"; die "initdb failed"; }
        PG_STARTED=1
        as_postgres "$_ST_PG_BIN/pg_ctl" -D "$RUN/pg" -l "$RUN/logs/postgres.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p 5432 -k $RUN/pgsock -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null || { cat "$RUN/logs/postgres.log"; die "PostgreSQL did not start"; }
        "$_ST_PG_BIN/createdb" -h 127.0.0.1 -p 5432 -U postgres wmtest_schemathesis
        log "Redis on 127.0.0.1:6379"
        redis-server --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir "$RUN/redis" \
            --daemonize no >"$RUN/logs/redis.log" 2>&1 &
        PIDS+=($!)
        wait_for "Redis" 30 redis_pong
        env+=(
            WIKIMIND_DATABASE_URL=postgres://postgres@127.0.0.1:5432/wmtest_schemathesis
            WIKIMIND_REDIS_URL=redis://127.0.0.1:6379
            WIKIMIND_REDIS__PREFIX=wmtest-schemathesis
        )
        # PostgreSQL is migrated by `gateway migrate` (as the container entrypoint does);
        # with a Redis queue the gateway runs no worker unless asked to.
        timeout 120 env -i "${env[@]}" "$gw" migrate >>"$RUN/logs/gateway.log" 2>&1 \
            || { tail -n 40 "$RUN/logs/gateway.log"; die "gateway migrate failed"; }
        serve+=(--with-worker)
    fi

    log "gateway ${serve[*]} on $base (data in $RUN/data)"
    env -i "${env[@]}" "$gw" "${serve[@]}" >>"$RUN/logs/gateway.log" 2>&1 &
    GATEWAY_PID=$!
    wait_for "the gateway's /health" 60 curl -fsS -o /dev/null "$base/health"
    local status=0
    curl -fsS -o "$_ST_REPORT_DIR/openapi.json" "$base/api/openapi.json" || status=$?
    ((status == 0)) || die "GET $base/api/openapi.json failed (curl exit $status)"

    local max_time=${SCHEMATHESIS_MAX_TIME:-150}
    local args=(
        --config-file "$CONFIG"
        run "$base/api/openapi.json"
        # The document's own base path (servers) is kept; only the origin is this gateway's.
        --origin "$base"
        --max-time "$max_time"
        # One worker: with several, Hypothesis parses sources in threads at once, which
        # CPython 3.11 can fail with "AST constructor recursion depth mismatch".
        --workers "${SCHEMATHESIS_WORKERS:-1}"
        --report junit --report-dir "$_ST_REPORT_DIR"
    )
    [[ -n "${SCHEMATHESIS_SEED:-}" ]] && args+=(--seed "$SCHEMATHESIS_SEED")
    [[ "${CI:-}" == true ]] && args+=(--no-color)
    [[ -n "${WIKIMIND_AUTH_TOKEN:-}" ]] && args+=(--header "Authorization: Bearer $WIKIMIND_AUTH_TOKEN")
    # Split on spaces without glob expansion (a path regex may hold `*`).
    if [[ -n "${SCHEMATHESIS_EXTRA_ARGS:-}" ]]; then
        local extra
        read -ra extra <<<"$SCHEMATHESIS_EXTRA_ARGS"
        args+=("${extra[@]}")
    fi

    # Run from the run directory, so nothing schemathesis or Hypothesis writes lands in the
    # repository. The hard limit only catches a run that ignores its own --max-time.
    (cd "$RUN" && exec timeout --signal=INT --kill-after=30 $((max_time + 120)) "$_ST_BIN" "${args[@]}") &
    PIDS+=($!)
    wait "${PIDS[-1]}" || status=$?
    if ((status == 124)); then
        echo "  schemathesis overran its time limit by two minutes; stopped"
    fi
    if ! kill -0 "$GATEWAY_PID" 2>/dev/null; then
        echo "  the gateway exited during the run"
        ((status != 0)) || status=1
    fi
    if ((status != 0)); then
        echo "  the end of the gateway's log ($_ST_REPORT_DIR/gateway.log):"
        tail -n 40 "$RUN/logs/gateway.log" | sed 's/^/    /'
    fi
    return "$status"
}

if [[ -n "${_ST_PHASE:-}" ]]; then
    inner
else
    outer "$@"
fi
