#!/usr/bin/env bash
# Smoke test of a running WikiMind stack (used as verify-stack's --smoke command):
# /health, ingest a text note, wait until it is compiled, read the article it produced.
#   BASE_URL             gateway base URL (default http://127.0.0.1:7842)
#   WIKIMIND_AUTH_TOKEN  bearer token for /api (may be empty when auth is disabled)
#   SMOKE_TIMEOUT        seconds to wait for the compilation (default 120)
set -euo pipefail

BASE_URL=${BASE_URL:-http://127.0.0.1:7842}
BASE_URL=${BASE_URL%/}
TIMEOUT=${SMOKE_TIMEOUT:-120}
AUTH=()
if [ -n "${WIKIMIND_AUTH_TOKEN:-}" ]; then AUTH=(-H "Authorization: Bearer $WIKIMIND_AUTH_TOKEN"); fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

say() { echo "smoke: $*"; }
die() { echo "smoke: FAILED: $*" >&2; exit 1; }
command -v curl > /dev/null || die "curl is required"
command -v python3 > /dev/null || die "python3 is required"

# request METHOD PATH [curl args...]: body goes to $TMP/body, prints the HTTP status.
request() {
  local method=$1 path=$2; shift 2
  curl -sS -o "$TMP/body" -w '%{http_code}' --max-time 30 -X "$method" "${AUTH[@]}" "$@" "$BASE_URL$path" \
    || die "$method $path: curl failed"
}
# json EXPR: evaluates a Python expression over the last body (bound to `d`), prints the result.
json() {
  python3 - "$TMP/body" "$1" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
v = eval(sys.argv[2], {"d": d})
print("" if v is None else (json.dumps(v) if isinstance(v, (dict, list)) else v))
PY
}
body() { head -c 600 "$TMP/body"; echo; }

say "GET $BASE_URL/health"
code=$(request GET /health)
[ "$code" = 200 ] || { body; die "/health answered $code"; }
say "  -> $code $(body)"

# The web app is embedded in the binary: a deep link serves its shell, whose hashed script is
# served with a year-long cache.
say "GET $BASE_URL/wiki/some-article (web app)"
code=$(request GET /wiki/some-article)
[ "$code" = 200 ] || die "/wiki/some-article answered $code"
grep -q '<div id="root">' "$TMP/body" || { body; die "the web app is not embedded (no #root in the page)"; }
asset=$(grep -o '/assets/[A-Za-z0-9_.-]*\.js' "$TMP/body" | head -1)
[ -n "$asset" ] || { body; die "the web app page names no script"; }
cache=$(curl -sS -o /dev/null -D - --max-time 30 "$BASE_URL$asset" | tr -d '\r' | sed -n 's/^cache-control: //Ip')
case "$cache" in *immutable*) say "  -> app shell and $asset ($cache)";; *) die "$asset cache-control: '$cache'";; esac

title="Container smoke test $(date -u +%Y%m%dT%H%M%SZ)-$$"
python3 - "$title" > "$TMP/note.json" <<'PY'
import json, sys
content = (
    "Rust is a systems programming language focused on safety, speed and concurrency. "
    "The borrow checker enforces ownership rules at compile time, which prevents data races. "
    "Cargo is the Rust package manager and build tool; it downloads crates from crates.io. "
    "Tokio is an asynchronous runtime for Rust that schedules tasks on a thread pool. "
    "A container image bundles an application with the libraries it needs to run. "
    "Health checks let the orchestrator restart a service that stops answering requests. "
    "This note was written by the WikiMind container smoke test."
)
print(json.dumps({"content": content, "title": sys.argv[1]}))
PY
say "POST $BASE_URL/api/sources/text (title: $title)"
code=$(request POST /api/sources/text -H 'Content-Type: application/json' --data-binary "@$TMP/note.json")
[ "$code" = 202 ] || { body; die "POST /api/sources/text answered $code (expected 202)"; }
id=$(json 'd["source"]["id"]') || { body; die "no source.id in the answer"; }
[ -n "$id" ] || die "empty source id"
say "  -> $code, source $id (status $(json 'd["source"].get("status")'))"

say "polling GET /api/sources/$id until compiled (up to ${TIMEOUT}s)"
deadline=$((SECONDS + TIMEOUT)); last=""
while :; do
  code=$(request GET "/api/sources/$id")
  [ "$code" = 200 ] || { body; die "GET /api/sources/$id answered $code"; }
  status=$(json 'd["status"]')
  if [ "$status" != "$last" ]; then say "  status: $status (after $((SECONDS + TIMEOUT - deadline))s)"; last=$status; fi
  case $status in
    compiled) break ;;
    failed) body; die "source $id failed: $(json 'd.get("error")')" ;;
  esac
  [ "$SECONDS" -lt "$deadline" ] || { body; die "source $id not compiled after ${TIMEOUT}s (status $status)"; }
  sleep 2
done
article=$(json '(d.get("article_ids") or [""])[0]')
[ -n "$article" ] || { body; die "compiled source $id has no article_ids"; }

say "GET $BASE_URL/api/articles/$article"
code=$(request GET "/api/articles/$article")
[ "$code" = 200 ] || { body; die "GET /api/articles/$article answered $code"; }
a_title=$(json 'd.get("title") or ""')
claims=$(json 'len(d.get("claims") or [])')
provider=$(json 'd.get("provider") or ""')
[ -n "$a_title" ] || { body; die "article $article has no title"; }
[ "$claims" -ge 1 ] || { body; die "article $article has no claims"; }
say "  -> title: $a_title; claims: $claims; provider: $provider"
say "first claim: $(json '(d["claims"][0].get("quote") or d["claims"][0].get("text") or "")[:160]')"
say "OK"
