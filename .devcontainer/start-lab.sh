#!/usr/bin/env bash
# GitHub Codespaces and VS Code Dev Containers run this at each start of the container (the
# project's own `dev` image: the lab's, with the embedded server; the repository mounted as the
# workspace folder): JupyterLab on your workspace my-notebooks/, in the background, on the
# embedded PostgreSQL (no Docker inside).
# Port 8888 is forwarded: the Ports tab opens it. The token is kept in .workbook/lab-token.
set -o errexit -o nounset -o pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
port=8888
state=.workbook
if [ ! -w . ]; then
  echo "start-lab: $(pwd) belongs to uid $(stat -c %u .) and uid $(id -u) cannot write it:" \
    "the workspace and the database could not be saved. Rebuild the container" \
    "(updateRemoteUserUID gives the lab's user your uid)." >&2
  exit 1
fi
mkdir -p "$state"

answers() {
  python - "$port" <<'PY'
import sys, urllib.request
try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api", timeout=2)
except Exception:
    sys.exit(1)
PY
}

if answers; then
  echo "start-lab: JupyterLab already answers on port $port (token in $state/lab-token)."
  exit 0
fi
if [ ! -s "$state/lab-token" ]; then
  (umask 077 && python -c 'import secrets; print(secrets.token_urlsafe(24))' > "$state/lab-token")
fi
JUPYTER_TOKEN=$(cat "$state/lab-token")
export JUPYTER_TOKEN

# Codespaces' port forwarding reaches the lab on 127.0.0.1 under its own host name, which
# Jupyter refuses unless told: remote access is allowed, the token is still required.
nohup python -m workbook lab --no-browser --port "$port" \
  --ServerApp.allow_remote_access=True > "$state/lab.log" 2>&1 &
pid=$!

for _ in $(seq 1 180); do
  if answers; then
    echo "start-lab: JupyterLab on your workspace my-notebooks/ answers on port $port" \
      "(the Ports tab opens it); token: $JUPYTER_TOKEN (also in $state/lab-token)."
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "start-lab: the lab stopped; its output, from $state/lab.log:" >&2
    tail -n 20 "$state/lab.log" >&2
    exit 1
  fi
  sleep 1
done
echo "start-lab: the lab did not answer within 180 s; see $state/lab.log" >&2
exit 1
