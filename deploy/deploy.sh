#!/usr/bin/env bash
# The deploy, in one script with two halves. cd.yml runs it on GitHub's runner against the real
# server; `python3 run.py rehearse deploy` runs it on the learner's machine against the
# rehearsal's server container. Both start the first half, which checks everything it can
# without touching the server, then sends the files and this very script over one SSH
# connection and runs the second half there (`deploy.sh server DIR`).
#
#   on the caller   every value present; the key is a private key; the server answers SSH with
#                   the pinned host key and accepts the key; .env.prod has its required values
#   on the server   docker and compose answer; a lock (one deploy at a time); registry login;
#                   pull web and proxy by their commit tag; -- nothing has changed until here --
#                   write the files; migrate; start the new web beside the old one and wait for
#                   its health check; retire the old web; the same for the proxy (nginx), whose
#                   containers share the edge's published port; /api/health/ through nginx;
#                   then history and prune. A new web that never becomes healthy is removed and
#                   the old one, which never stopped, goes on answering; a failure after that
#                   puts the previous version back.
#
# The caller's environment (cd.yml fills it from the `production` environment's secrets):
#   SSH_HOST, SSH_USER, SSH_PORT (22)      where to log in
#   SSH_KEY_FILE                           the private key, a file outside the repository
#   SSH_KNOWN_HOSTS_FILE                   the server's host key, as `ssh-keyscan` prints it
#   ENV_PROD_FILE                          the site's settings (.env.prod.example lists them)
#   IMAGE_PREFIX, IMAGE_TAG                <registry>/<owner>/<repository> and the commit SHA
#   REGISTRY_USER, REGISTRY_PASSWORD       a login that may pull those images
#   DEPLOY_DIR (workbook)                  on the server, relative to the user's home
#   DEPLOY_PROJECT (workbook)              the compose project's name on the server
#   DEPLOY_LOCK_WAIT (600), DEPLOY_HEALTH_TIMEOUT (300)   seconds
# Every message starts with "deploy:"; a missing value or an unreachable server stops it with
# exit status 2, a failed deploy (rolled back where possible) with 1.
set -o errexit -o nounset -o pipefail

say() { printf 'deploy: %s\n' "$*"; }
die() {
  printf 'deploy: %s\n' "$*" >&2
  exit "${DIE_STATUS:-2}"
}

REQUIRED_ENV_PROD=(DJANGO_SECRET_KEY DJANGO_ALLOWED_HOSTS POSTGRES_DB POSTGRES_USER POSTGRES_PASSWORD DATABASE_URL)

# ---------------------------------------------------------------------------------------------
# The caller's half

remote() {
  ssh -i "$SSH_KEY_FILE" -p "${SSH_PORT:-22}" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$SSH_KNOWN_HOSTS_FILE" \
    -o ConnectTimeout=15 -o ServerAliveInterval=15 -o LogLevel=ERROR \
    "$SSH_USER@$SSH_HOST" "$@"
}

ssh_problem() {
  local text=$1 where="$SSH_USER@$SSH_HOST port ${SSH_PORT:-22}"
  case $text in
    *"Permission denied"*) echo "$where refused the key in SSH_KEY_FILE (is its public half in ~$SSH_USER/.ssh/authorized_keys?)" ;;
    *"Host key verification failed"* | *"host key"* | *"HOST IDENTIFICATION"*)
      echo "the host key of $SSH_HOST is not the one in SSH_KNOWN_HOSTS (ssh-keyscan it again and compare the fingerprint on the server)" ;;
    *"Could not resolve"*) echo "SSH_HOST $SSH_HOST: no such host name" ;;
    *"refused"* | *"timed out"* | *"No route"* | *"unreachable"*) echo "cannot reach $where over SSH: ${text%%$'\n'*}" ;;
    *) echo "SSH to $where failed: ${text%%$'\n'*}" ;;
  esac
}

caller() {
  local name missing=()
  for name in SSH_HOST SSH_USER SSH_KEY_FILE SSH_KNOWN_HOSTS_FILE ENV_PROD_FILE IMAGE_PREFIX IMAGE_TAG \
    REGISTRY_USER REGISTRY_PASSWORD; do
    if [ -z "${!name:-}" ]; then missing+=("$name"); fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    die "missing ${missing[*]}: nothing was sent to any server (DEPLOY.md lists every value)"
  fi
  local here compose_file
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  compose_file=${DEPLOY_COMPOSE_FILE:-$here/../docker-compose.prod.yml}
  [ -s "$compose_file" ] || die "no compose file at $compose_file"
  [ -s "$SSH_KEY_FILE" ] || die "SSH_KEY_FILE: no key at $SSH_KEY_FILE"
  ssh-keygen -y -f "$SSH_KEY_FILE" > /dev/null 2>&1 \
    || die "SSH_KEY_FILE does not hold a private key that ssh can read (the whole key, BEGIN and END lines included, mode 600)"
  [ -s "$SSH_KNOWN_HOSTS_FILE" ] || die "SSH_KNOWN_HOSTS_FILE: no host key at $SSH_KNOWN_HOSTS_FILE"
  [ -s "$ENV_PROD_FILE" ] || die "ENV_PROD_FILE: no settings at $ENV_PROD_FILE"
  for name in "${REQUIRED_ENV_PROD[@]}"; do
    grep -Eq "^$name=.+" "$ENV_PROD_FILE" || die "ENV_PROD has no value for $name (.env.prod.example lists every variable)"
  done
  [[ $IMAGE_TAG =~ ^[A-Za-z0-9_.-]{1,128}$ ]] || die "IMAGE_TAG '$IMAGE_TAG' is not a Docker tag"
  [[ $IMAGE_PREFIX =~ ^[a-z0-9.:-]+(/[a-z0-9._-]+)+$ ]] \
    || die "IMAGE_PREFIX '$IMAGE_PREFIX' is not <registry>/<path> in lowercase"

  # Read-only: does the server answer, with the pinned host key, and accept the key?
  local probe previous deploy_dir=${DEPLOY_DIR:-workbook}
  if ! probe=$(remote "sed -n 's/^IMAGE_TAG=//p' $(printf '%q' "$deploy_dir")/.env 2>/dev/null; true" 2>&1); then
    die "$(ssh_problem "$probe")"
  fi
  previous=$probe
  say "server $SSH_USER@$SSH_HOST answers; it runs ${previous:-nothing yet}; deploying $IMAGE_TAG"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "previous=$previous" >> "$GITHUB_OUTPUT"; fi

  # The bundle: kept in a private temporary folder here, unpacked into one on the server, and
  # removed on both sides when the deploy ends.
  bundle=$(mktemp -d)
  trap 'rm -rf "$bundle"' EXIT
  (
    umask 077
    cp "$compose_file" "$bundle/docker-compose.prod.yml"
    cp "$ENV_PROD_FILE" "$bundle/.env.prod"
    cp "${BASH_SOURCE[0]}" "$bundle/deploy.sh"
    printf '%s' "$REGISTRY_PASSWORD" > "$bundle/registry-password"
    {
      printf 'DEPLOY_DIR=%q\n' "$deploy_dir"
      printf 'PROJECT=%q\n' "${DEPLOY_PROJECT:-workbook}"
      printf 'IMAGE_PREFIX=%q\nIMAGE_TAG=%q\n' "$IMAGE_PREFIX" "$IMAGE_TAG"
      printf 'REGISTRY_USER=%q\n' "$REGISTRY_USER"
      printf 'LOCK_WAIT=%q\nHEALTH_TIMEOUT=%q\n' "${DEPLOY_LOCK_WAIT:-600}" "${DEPLOY_HEALTH_TIMEOUT:-300}"
    } > "$bundle/params"
  )
  # shellcheck disable=SC2016  # expanded on the server, not here
  tar -czf - -C "$bundle" . | remote 'set -e; umask 077; d=$(mktemp -d); trap "rm -rf \"$d\"" EXIT; tar -xzf - -C "$d"; bash "$d/deploy.sh" server "$d"'
}

# ---------------------------------------------------------------------------------------------
# The server's half: `deploy.sh server DIR`, DIR holding what the caller sent

compose() { docker compose "$@"; }

health_of() {
  docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$1" 2> /dev/null || echo gone
}

# Waits until every container named is healthy; fails at the first unhealthy one or at the timeout.
wait_healthy() {
  local deadline=$((SECONDS + HEALTH_TIMEOUT)) id state pending
  while :; do
    pending=0
    for id in "$@"; do
      state=$(health_of "$id")
      case $state in
        healthy) ;;
        unhealthy | exited | dead | gone) say "container ${id:0:12} is $state"; return 1 ;;
        *) pending=1 ;;
      esac
    done
    [ "$pending" = 0 ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "not healthy after $HEALTH_TIMEOUT s"
      return 1
    fi
    sleep 1
  done
}

site_answers() {
  local port code=""
  port=$(sed -n 's/^WEB_PORT=//p' .env)
  for _ in $(seq 30); do
    code=$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 5 \
      "http://127.0.0.1:${port:-8000}/api/health/" || true)
    if [ "$code" = 200 ]; then return 0; fi
    sleep 1
  done
  say "/api/health/ through nginx answered ${code:-nothing} instead of 200"
  return 1
}

restore_previous_files() {
  local f
  for f in docker-compose.prod.yml .env.prod .env; do
    if [ -f ".previous/$f" ]; then cp -p ".previous/$f" "$f"; else rm -f "$f"; fi
  done
}

# nginx keeps web's addresses for 10 s (its resolver's valid=); a request sent to the address of a
# container that has just stopped would hang until it times out. A reload (HUP) starts workers
# that look the name up again, while the old workers finish what they are answering.
forget_stopped_web() {
  compose kill --signal HUP proxy > /dev/null 2>&1 || true
}

# Starts as many new containers of a service as run now, beside them, on the new files; prints
# the new containers' ids.
start_beside() {
  local service=$1
  shift
  compose up --detach --no-deps --no-recreate --scale "$service=$(($# * 2))" "$service" > /dev/null 2> "$err" \
    || cat "$err" >&2
  comm -13 <(printf '%s\n' "$@") <(compose ps --all --quiet "$service" | sort)
}

# Stops web containers (gunicorn finishes what it answers) and removes them, nginx forgetting them.
retire() {
  if [ $# -eq 0 ]; then return 0; fi
  docker stop --time 30 "$@" > /dev/null
  forget_stopped_web
  docker rm "$@" > /dev/null
}

show_state() {
  compose ps --all || true
  compose logs --no-color --tail 40 web proxy || true
}

server() {
  local stage=$1
  # shellcheck source=/dev/null
  . "$stage/params"
  export DOCKER_CONFIG="$stage/docker-config"  # the registry login lives and dies with this deploy
  local registry=${IMAGE_PREFIX%%/*}

  command -v docker > /dev/null || die "the server has no docker command (DEPLOY.md: Preparing a server)"
  docker version > /dev/null 2>&1 || die "Docker on the server does not answer for $(id -un): is the user in the docker group?"
  compose version > /dev/null 2>&1 || die "the server has no compose plugin: \`docker compose version\` fails"
  command -v curl > /dev/null || die "the server has no curl"
  command -v flock > /dev/null || die "the server has no flock (util-linux)"

  cd "$HOME"
  exec 9> "$HOME/.$(basename "$DEPLOY_DIR").deploy-lock"
  if ! flock --nonblock 9; then
    say "another deploy is running on this server: waiting up to $LOCK_WAIT s"
    flock --wait "$LOCK_WAIT" 9 || die "another deploy still holds the lock after $LOCK_WAIT s; nothing changed"
  fi

  err="$stage/error"
  docker login "$registry" --username "$REGISTRY_USER" --password-stdin < "$stage/registry-password" > /dev/null 2> "$err" \
    || die "cannot log in to the registry $registry: $(head -n 1 "$err")"
  rm -f "$stage/registry-password"

  # The new configuration, staged beside the files it will replace: the lines a person added to
  # .env (WEB_PORT, WEB_BIND) stay, the four the deploy owns are written anew.
  local previous=""
  if [ -f "$DEPLOY_DIR/.env" ]; then previous=$(sed -n 's/^IMAGE_TAG=//p' "$DEPLOY_DIR/.env"); fi
  {
    if [ -f "$DEPLOY_DIR/.env" ]; then
      grep -v -E '^(COMPOSE_FILE|COMPOSE_PROJECT_NAME|IMAGE_PREFIX|IMAGE_TAG)=' "$DEPLOY_DIR/.env" || true
    fi
    printf '%s\n' COMPOSE_FILE=docker-compose.prod.yml "COMPOSE_PROJECT_NAME=$PROJECT" \
      "IMAGE_PREFIX=$IMAGE_PREFIX" "IMAGE_TAG=$IMAGE_TAG"
  } > "$stage/.env"
  (cd "$stage" && compose pull --quiet web proxy) > /dev/null 2> "$err" \
    || die "cannot pull $IMAGE_PREFIX-web and -proxy:$IMAGE_TAG from $registry: $(grep -m 1 -i -E 'error|denied|not found|manifest' "$err" || head -n 1 "$err")"
  docker logout "$registry" > /dev/null 2>&1 || true
  say "pulled $IMAGE_PREFIX-web:$IMAGE_TAG and $IMAGE_PREFIX-proxy:$IMAGE_TAG"

  # ---- from here on the server changes ----
  mkdir -p "$DEPLOY_DIR/.previous"
  chmod 700 "$DEPLOY_DIR"
  cd "$DEPLOY_DIR"
  local f
  rm -f .previous/*
  for f in docker-compose.prod.yml .env.prod .env; do
    if [ -f "$f" ]; then cp -p "$f" ".previous/$f"; fi
  done
  # Readable inside the containers, which get it as a Compose secret (a bind mount, read as their
  # own users), and by nobody else on the server: the folder is the deploy user's alone (above).
  install -m 644 "$stage/.env.prod" .env.prod
  install -m 644 "$stage/docker-compose.prod.yml" docker-compose.prod.yml
  install -m 644 "$stage/.env" .env

  compose up --detach --wait --wait-timeout "$HEALTH_TIMEOUT" db > /dev/null 2> "$err" || {
    restore_previous_files
    DIE_STATUS=1 die "the database did not become healthy: $(tail -n 1 "$err"); files restored"
  }
  say "migrating with the new image"
  if ! compose run --rm --no-deps -T web python project/manage.py migrate --noinput; then
    restore_previous_files
    DIE_STATUS=1 die "migrate failed: the running version was not touched and its files are back"
  fi

  local old_web=() new_web=() old_proxy=() new_proxy=() id
  mapfile -t old_web < <(compose ps --quiet web | sort)
  mapfile -t old_proxy < <(compose ps --quiet proxy | sort)
  if [ ${#old_web[@]} -eq 0 ]; then
    say "first start of web and proxy"
    if [ ${#old_proxy[@]} -gt 0 ]; then compose rm --stop --force proxy > /dev/null 2>&1 || true; fi
    if ! compose up --detach --wait --wait-timeout "$HEALTH_TIMEOUT" --remove-orphans 2> "$err" || ! site_answers; then
      cat "$err" >&2
      show_state
      DIE_STATUS=1 die "$IMAGE_TAG did not become healthy, and there is no earlier version here to return to"
    fi
  else
    # Blue-green on one machine. The new web starts beside the old one (both answer to the name
    # web, which nginx looks up again on a reload), and the old one stops only once the new one
    # is healthy. Then the same for nginx: the new proxy starts in the edge's network namespace
    # beside the old one, both listening on the published port, and the old one stops once the
    # new one is healthy. The port never closes.
    say "starting the new web beside the old one (${#old_web[@]} running)"
    mapfile -t new_web < <(start_beside web "${old_web[@]}")
    if [ ${#new_web[@]} -eq 0 ] || ! wait_healthy "${new_web[@]}"; then
      for id in "${new_web[@]}"; do docker logs --tail 20 "$id" 2>&1 | sed 's/^/  web (new): /' || true; done
      retire "${new_web[@]}"
      restore_previous_files
      DIE_STATUS=1 die "the new web never became healthy: removed it; ${previous:-the version before} kept answering and still does"
    fi
    say "new web healthy; stopping the old one"
    # First nginx looks web up again and finds both; a request it then sends to the old one as it
    # stops fails over to the new one within proxy_connect_timeout.
    forget_stopped_web
    sleep 2
    retire "${old_web[@]}"
    if [ -z "$(compose ps --quiet edge)" ] || [ ${#old_proxy[@]} -eq 0 ]; then
      # A server set up before the edge held the port: its proxy holds it, and gives it up once.
      say "the edge is new on this server: nginx restarts once, with a short gap"
      if [ ${#old_proxy[@]} -gt 0 ]; then
        docker stop --time 30 "${old_proxy[@]}" > /dev/null
        docker rm "${old_proxy[@]}" > /dev/null
      fi
      compose up --detach --no-deps --wait --wait-timeout "$HEALTH_TIMEOUT" edge proxy > /dev/null 2> "$err" \
        || say "proxy: $(tail -n 1 "$err")"
      mapfile -t new_proxy < <(compose ps --quiet proxy)
    else
      say "starting the new proxy beside the old one"
      mapfile -t new_proxy < <(start_beside proxy "${old_proxy[@]}")
      if [ ${#new_proxy[@]} -gt 0 ] && wait_healthy "${new_proxy[@]}"; then
        say "new proxy healthy; stopping the old one"
        # nginx's graceful stop (SIGQUIT): it closes its listening sockets, so every new connection
        # goes to the new proxy, and finishes the requests it holds.
        docker stop --time 30 "${old_proxy[@]}" > /dev/null
        docker rm "${old_proxy[@]}" > /dev/null
      else
        for id in "${new_proxy[@]}"; do docker logs --tail 20 "$id" 2>&1 | sed 's/^/  proxy (new): /' || true; done
        if [ ${#new_proxy[@]} -gt 0 ]; then docker rm --force "${new_proxy[@]}" > /dev/null; fi
        new_proxy=()
      fi
    fi
    if [ ${#new_proxy[@]} -eq 0 ] || ! site_answers; then
      show_state
      restore_previous_files
      if [ -n "$previous" ] && [ "$previous" != "$IMAGE_TAG" ]; then
        compose up --detach --wait --wait-timeout "$HEALTH_TIMEOUT" --remove-orphans || true
        DIE_STATUS=1 die "$IMAGE_TAG failed its health check through nginx: rolled back to $previous"
      fi
      DIE_STATUS=1 die "$IMAGE_TAG failed its health check through nginx"
    fi
  fi

  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $IMAGE_TAG" >> deploy-history.log
  # Prune: dangling layers, and every tag of these images but the one running and the one before.
  local target tag
  for target in web proxy; do
    docker image ls "$IMAGE_PREFIX-$target" --format '{{.Tag}}' | while read -r tag; do
      if [ "$tag" != "$IMAGE_TAG" ] && [ "$tag" != "$previous" ] && [ "$tag" != "<none>" ]; then
        docker image rm "$IMAGE_PREFIX-$target:$tag" > /dev/null 2>&1 || true
      fi
    done
  done
  docker image prune --force > /dev/null
  say "serving $IMAGE_TAG; /api/health/ answers 200 through nginx${previous:+ (before: $previous)}"
}

if [ "${1:-}" = server ]; then
  server "$2"
else
  caller
fi
