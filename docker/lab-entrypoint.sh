#!/usr/bin/env bash
# Entrypoint of the lab image: JupyterLab never starts without a token (a blank one is made
# random, a published one refused), and a workspace folder the lab's user cannot write is
# reported with the fix before anyone loses an edit.
set -o errexit -o nounset -o pipefail

# The local stack (docker-compose.yml) hands its secrets over as a file, WORKBOOK_SECRETS_FILE (the
# .env as a Compose secret), never as environment values that `docker inspect` would show: they
# are read here into this process's environment (a value the environment already has wins), and
# the database's password goes into DATABASE_URL when it is given without one.
if [ -n "${WORKBOOK_SECRETS_FILE:-}" ]; then
  if ! [ -r "$WORKBOOK_SECRETS_FILE" ]; then
    echo "lab: cannot read $WORKBOOK_SECRETS_FILE (the .env) as uid $(id -u): set LAB_UID and" \
      "LAB_GID in .env to the ids of the user who owns .env" >&2
    exit 2
  fi
  secret_value() {
    local value
    value=$(sed -n "s/^[[:space:]]*$1[[:space:]]*=//p" "$WORKBOOK_SECRETS_FILE" | tail -n 1)
    value=${value%$'\r'}
    case $value in \"*\" | \'*\') value=${value:1:${#value}-2} ;; esac
    printf '%s' "$value"
  }
  for name in JUPYTER_TOKEN; do
    value=$(secret_value "$name")
    if [ -n "$value" ] && [ -z "${!name:-}" ]; then export "$name=$value"; fi
  done
  password=$(secret_value POSTGRES_PASSWORD)
  case ${DATABASE_URL:-} in
    *://*:*@*) ;;
    *://*@*) if [ -n "$password" ]; then export DATABASE_URL="${DATABASE_URL/@/:$password@}"; fi ;;
  esac
  unset name value password
fi

case " $* " in
  *" workbook lab "* | *" jupyter "* | *" jupyter-lab "* | *" jupyterlab "*)
    token=${JUPYTER_TOKEN:-}
    # The token an earlier .env.example published: anyone can read it, so it opens nothing.
    if [ "$token" = workbook-dev-token-change-me ]; then
      echo "lab: JUPYTER_TOKEN in .env is the value an example file published, which anyone can" \
        "read: leave it blank (the lab then makes a random one at each start) or set your own" \
        "long random value." >&2
      exit 2
    fi
    if [ -z "${token//[[:space:]]/}" ]; then
      token=$(python -c 'import secrets; print(secrets.token_urlsafe(24))')
      export JUPYTER_TOKEN=$token
      echo "lab: open http://127.0.0.1:${LAB_PORT:-8888}/lab?token=$token" \
        "(a token made for this start; set JUPYTER_TOKEN in .env to keep one)"
    else
      # JupyterLab hides a token it did not make itself ("?token=..."): say where it is.
      echo "lab: open http://127.0.0.1:${LAB_PORT:-8888}/lab and log in with JUPYTER_TOKEN from .env" \
        "(or add ?token=<JUPYTER_TOKEN> to the link)."
    fi
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
