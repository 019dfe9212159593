#!/usr/bin/env bash
# Entrypoint of the lab image: JupyterLab never starts without a token, and a workspace folder
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
    # JupyterLab hides a token it did not make itself ("?token=..."): say where it is.
    echo "lab: open http://127.0.0.1:${LAB_PORT:-8888}/lab and log in with JUPYTER_TOKEN from .env" \
      "(or add ?token=<JUPYTER_TOKEN> to the link)."
    ;;
esac

# `user:` in docker-compose.yml may name a uid the image was not built for: keep a usable home.
if [ ! -w "${HOME:-/nonexistent}" ]; then
  export HOME=/tmp/lab-home
  mkdir -p "$HOME"
fi

workspace=/app/my-notebooks
if [ -d "$workspace" ] && [ ! -w "$workspace" ]; then
  owner=$(stat -c %u:%g "$workspace")
  if [ "${owner%%:*}" = 0 ]; then
    fix="on the host, give the folder to the lab's user (sudo chown -R $(id -u):$(id -g) my-notebooks), or set LAB_UID and LAB_GID in .env to the ids of the non-root user who owns it"
  else
    fix="set LAB_UID=${owner%%:*} and LAB_GID=${owner##*:} in .env and run \`docker compose up --build\`"
  fi
  echo "lab: my-notebooks/ belongs to uid:gid $owner and uid $(id -u) cannot write it, so the" \
    "exercise copies cannot be made or saved: $fix." >&2
fi

exec "$@"
