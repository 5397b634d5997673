#!/usr/bin/env bash
# The store tests run against PostgreSQL + PostGIS as well as the embedded store. The test setup
# starts its own server on a free local port (tests/pg_server.py); this installs Debian's packages
# when they are missing. Set GRIDWATCH_TEST_DATABASE_URL to test against a server of your own instead.
set -euo pipefail
if [ -n "${GRIDWATCH_TEST_DATABASE_URL:-}" ]; then exit 0; fi
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
  echo "PostGIS is missing and this user cannot install it: apt-get install postgresql-15-postgis-3" >&2
  exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql-15-postgis-3 >/dev/null
