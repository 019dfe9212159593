#!/usr/bin/env bash
# Entrypoint of the web image: before gunicorn starts, the database is migrated and, on the
# very first start only, seeded and given its admin user (manage.py bootstrap never wipes).
set -o errexit -o nounset -o pipefail

if [ "${1:-}" = gunicorn ]; then
  python /app/project/manage.py bootstrap
fi

exec "$@"
