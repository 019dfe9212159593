#!/usr/bin/env bash
# Entrypoint of the lab image: JupyterLab never starts without a token, and a notebooks folder
# the lab's user cannot write is reported with the fix before anyone loses an edit.
set -o errexit -o nounset -o pipefail

case " $* " in
  *" workbook lab "* | *" jupyter "* | *" jupyter-lab "* | *" jupyterlab "*)
    token=${JUPYTER_TOKEN:-}
    if [ -z "${token//[[:space:]]/}" ]; then
      echo "lab: JUPYTER_TOKEN is empty; JupyterLab never runs without a token." \
        "Set JUPYTER_TOKEN in .env to a long random value, e.g." \
        "python3 -c 'import secrets; print(secrets.token_urlsafe(24))'" >&2
      exit 2
    fi
    ;;
esac

# `user:` in docker-compose.yml may name a uid the image was not built for: keep a usable home.
if [ ! -w "${HOME:-/nonexistent}" ]; then
  export HOME=/tmp/lab-home
  mkdir -p "$HOME"
fi

notebooks=/app/notebooks
if [ -d "$notebooks" ] && [ ! -w "$notebooks" ]; then
  echo "lab: notebooks/ belongs to uid:gid $(stat -c %u:%g "$notebooks") and uid $(id -u) cannot write it," \
    "so saving a notebook will fail. Set LAB_UID and LAB_GID in .env to the numbers \`id -u\` and" \
    "\`id -g\` print on the host, then run \`docker compose up --build\`." >&2
fi

exec "$@"
