#!/usr/bin/env bash
# Smoke test of the production compose stack, run by `make verify-stack` on the host with
# BASE_URL set to the gateway's published port: the ingest → compile → read round trip of
# scripts/container-smoke.sh, then `docker compose logs` must show JSON log lines from the
# gateway carrying request ids and from the worker carrying job ids.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/container-smoke.sh

work=${WORK:-/var/tmp/wikimind-ctr}
if [[ ! -f "$work/env.sh" ]]; then
    echo "prod smoke: $work/env.sh not found (not run by verify-stack.sh?)" >&2
    exit 1
fi
# env.sh exports the podman socket and defines the compose binary as an alias.
# shellcheck disable=SC1091
source "$work/env.sh"
compose=$(sed -n "s/^alias docker-compose=//p" "$work/env.sh" | tr -d "'")
logs=$(mktemp)
trap 'rm -f "$logs"' EXIT
"$compose" -p "${PROJECT_NAME:-verify-stack}" -f docker-compose.prod.yml logs --no-color --no-log-prefix gateway >"$logs.gateway"
"$compose" -p "${PROJECT_NAME:-verify-stack}" -f docker-compose.prod.yml logs --no-color --no-log-prefix worker >"$logs.worker"

python3 - "$logs.gateway" "$logs.worker" <<'PY'
import json, sys

def json_lines(path):
    out = []
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out

def field(record, name):
    return (record.get("span") or {}).get(name) or (record.get("fields") or {}).get(name)

gateway, worker = json_lines(sys.argv[1]), json_lines(sys.argv[2])
with_request = [r for r in gateway if field(r, "request_id")]
with_job = [r for r in worker if field(r, "job_id")]
print(f"prod smoke: gateway JSON log lines: {len(gateway)}, with a request id: {len(with_request)}")
print(f"prod smoke: worker JSON log lines: {len(worker)}, with a job id: {len(with_job)}")
if with_request:
    print("prod smoke: e.g.", json.dumps(with_request[-1])[:300])
if with_job:
    print("prod smoke: e.g.", json.dumps(with_job[-1])[:300])
if not with_request or not with_job:
    sys.exit("prod smoke: FAILED: expected JSON logs with request ids (gateway) and job ids (worker)")
print("prod smoke: logs OK")
PY
rm -f "$logs.gateway" "$logs.worker"
