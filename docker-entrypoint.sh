#!/bin/sh
# WikiMind container entrypoint.
# With a PostgreSQL database (WIKIMIND_DATABASE_URL, else DATABASE_URL) it applies the migrations
# first, retrying while the database is not yet accepting connections (`gateway migrate` is safe
# to run from several containers at once). SQLite databases are migrated by the binaries
# themselves. Then it runs the command (default: `gateway serve`).
#   WIKIMIND_MIGRATE_ATTEMPTS  tries before giving up (default 30)
#   WIKIMIND_MIGRATE_DELAY     seconds between tries (default 2)
#   WIKIMIND_SKIP_MIGRATE=true skip this step
set -eu

# `docker run IMAGE --help` and the like go to the gateway.
if [ "$#" -eq 0 ]; then
  set -- gateway serve
elif [ "${1#-}" != "$1" ]; then
  set -- gateway "$@"
fi

db_url=${WIKIMIND_DATABASE_URL:-${DATABASE_URL:-}}

needs_migrate() {
  case "${WIKIMIND_SKIP_MIGRATE:-false}" in true | 1 | yes) return 1 ;; esac
  case "$db_url" in postgres://* | postgresql://*) ;; *) return 1 ;; esac
  # Nothing to do before the command if the command is the migration or a health check itself.
  if [ "$1" = gateway ] && { [ "${2:-}" = migrate ] || [ "${2:-}" = healthcheck ]; }; then return 1; fi
  return 0
}

if needs_migrate "$@"; then
  attempts=${WIKIMIND_MIGRATE_ATTEMPTS:-30}
  delay=${WIKIMIND_MIGRATE_DELAY:-2}
  n=1
  until gateway migrate; do
    if [ "$n" -ge "$attempts" ]; then
      echo "docker-entrypoint: gateway migrate failed $n times; giving up" >&2
      exit 1
    fi
    echo "docker-entrypoint: database not ready or migration failed (try $n/$attempts); retrying in ${delay}s" >&2
    n=$((n + 1))
    sleep "$delay"
  done
fi

exec "$@"
