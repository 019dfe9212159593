#!/usr/bin/env bash
# Entrypoint of the web image: before gunicorn serves, the database is migrated and, on the
# very first start only, seeded and given its admin user (manage.py bootstrap never wipes).
# gunicorn runs the bootstrap itself, in its master process once the app is loaded and before
# the port opens (docker/gunicorn.conf.py, on_starting): one Python start instead of two.
# Any other command runs as given, without it.
set -o errexit -o nounset -o pipefail

if [ "${1:-}" = gunicorn ]; then
  export WEB_BOOTSTRAP=1
fi

exec "$@"
