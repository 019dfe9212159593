"""The lab image's health probe: does the Jupyter server in this container answer its API?

Alone (`python -m workbook lab`, docker-compose.yml) the server answers at :8888/api. Spawned by a
class hub (classroom/) it answers under the student's prefix, /user/<name>/api, on the port the
spawner chose: JupyterHub hands both to the server in JUPYTERHUB_SERVICE_URL (and the prefix in
JUPYTERHUB_SERVICE_PREFIX), and the probe, run by the engine in the container's environment, reads
the same. /api needs no token. Exit 0 when healthy, 1 with the reason otherwise.
"""

import os
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit


def api_url(environ=os.environ) -> str:
    service = urlsplit(environ.get("JUPYTERHUB_SERVICE_URL", ""))
    port = service.port or 8888
    prefix = environ.get("JUPYTERHUB_SERVICE_PREFIX") or service.path or "/"
    path = "/".join(part for part in (prefix.strip("/"), "api") if part)
    return f"http://127.0.0.1:{port}/{path}"


def main() -> int:
    url = api_url()
    try:
        with urllib.request.urlopen(url, timeout=4) as answer:
            answer.read()
    except (urllib.error.URLError, OSError) as exc:
        print(f"lab: {url} does not answer: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
