#!/usr/bin/env bash
# Installs pgvector into this machine's PostgreSQL when it lacks it. Debian 12 packages no
# pgvector for its PostgreSQL 15, so it is built from Debian's own source package (trixie's
# `pgvector`, fetched through apt's deb-src, with its archive key) against the server's
# headers (`postgresql-server-dev-N`). Apt's own package lists are left as they were: the
# source list is read into a directory of its own.
set -euo pipefail

major="${1:-$(ls /etc/postgresql | sort -n | tail -1)}"
pg_config="/usr/lib/postgresql/$major/bin/pg_config"
if [ -f "/usr/share/postgresql/$major/extension/vector.control" ]; then
  echo "pgvector: already installed for PostgreSQL $major"
  exit 0
fi

work="$(mktemp -d)"
# apt downloads as its own user where it can write.
chown _apt "$work" 2>/dev/null || true
trap 'rm -rf "$work"' EXIT
if ! dpkg -s "postgresql-server-dev-$major" >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-server-dev-$major"
fi

mkdir -p "$work/lists/partial"
chown -R _apt "$work/lists" 2>/dev/null || true
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
  > "$work/trixie-src.list"
apt_src=(-o "Dir::Etc::sourcelist=$work/trixie-src.list" -o Dir::Etc::sourceparts=/dev/null
  -o "Dir::State::Lists=$work/lists")
apt-get "${apt_src[@]}" update -qq
(cd "$work" && apt-get "${apt_src[@]}" source --download-only -qq pgvector)

tar -xzf "$work"/pgvector_*.orig.tar.gz -C "$work"
make -s -C "$work"/pgvector-*/ PG_CONFIG="$pg_config" >/dev/null
make -s -C "$work"/pgvector-*/ PG_CONFIG="$pg_config" install >/dev/null
echo "pgvector: installed $(sed -n "s/^default_version = '\(.*\)'/\1/p" \
  "/usr/share/postgresql/$major/extension/vector.control") for PostgreSQL $major"
