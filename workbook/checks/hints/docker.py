"""Hints and "why it works" lines for 01-docker-1-hands-on and 01-docker-2-project."""

from ...i18n import N_

HINTS = {
    "name_parts": [
        N_(
            "Read a name from the left: a first part with a dot, a colon (a port) or `localhost` before a "
            "slash is a registry; anything else means Docker Hub, docker.io."
        ),
        N_(
            "On Docker Hub a name with no slash is an official image, in the namespace `library`; no `:tag` "
            "means `latest`. Another registry adds no namespace of its own: `None` where the name has none."
        ),
        N_(
            '"postgres:18" → registry "docker.io", namespace "library", name "postgres", tag "18"; '
            '"localhost:5000/workbook-web" → "localhost:5000", None, "workbook-web", "latest".'
        ),
    ],
    "q2": [
        N_(
            "Docker reuses a layer while its instruction and the files it copies are "
            "unchanged; from the first "
            "layer that changes on, every later step runs again."
        ),
        N_("Copy only requirements.txt first, run pip install, and copy the rest of the code after it."),
        N_(
            "FROM, WORKDIR, `COPY requirements.txt ./`, `RUN pip install -r requirements.txt`, "
            "`COPY . .`, CMD."
        ),
    ],
    "q1": [
        N_(
            "Split off the digest at `@` first; then decide whether the part before the first `/` is a "
            "registry (it holds a dot or a colon, or is `localhost`)."
        ),
        N_(
            "A `:` after the last `/` starts the tag (a colon before it belongs to a registry's port). "
            "No tag and no digest means `latest`."
        ),
        N_(
            "On docker.io a path without `/` gets `library/` in front; the namespace is "
            "everything before the "
            "last `/` of the path, the name what follows it."
        ),
    ],
    "rebuilds": [
        N_(
            "Walk the web target's stages from the top: the first COPY or ADD whose files include the "
            "changed one is the first step that runs again; every step after it runs again too."
        ),
        N_(
            "requirements-site.txt is copied before `pip install`, the code only after it; a file that "
            ".dockerignore leaves out, or that the web target never copies, changes nothing."
        ),
        N_(
            "A changed requirements file means install (and everything after it); a file the web stage "
            "copies after the install (code under project/, its entrypoint) means code; a file it never "
            "copies, or that .dockerignore leaves out, means nothing."
        ),
    ],
    "healthcheck": [
        N_(
            "Add a service named as the host in web's DATABASE_URL, from the official postgres image, with "
            "its password taken from .env (`${POSTGRES_PASSWORD:?...}`), never written in the file."
        ),
        N_(
            "Give it a healthcheck that asks PostgreSQL itself (`pg_isready -U ...`), and in web's "
            "depends_on name it with `condition: service_healthy`."
        ),
        N_(
            "Publish no port for it (the services reach it as db:5432 on compose's network) and keep its "
            "data in a named volume."
        ),
    ],
    "q3": [
        N_(
            "Start from the service's own depends_on, then add what each of those depends on, until nothing "
            "new turns up."
        ),
        N_(
            "Iterating over depends_on gives the names whether it is a list or a mapping; keep a set of "
            "services found and a list still to look at."
        ),
    ],
    "run_command": [
        N_(
            "docker run [options] IMAGE: -d for the background, --name for the name, -p to publish a port "
            "(host first, container last), -v to mount a volume."
        ),
        N_("-p 127.0.0.1:8081:8000 publishes the container's 8000 on the host's 8081, on loopback only."),
        N_("-v visits:/data mounts the named volume visits (a name, not a path) at /data."),
    ],
}

WHY = {
    "name_parts": N_(
        "Docker fills in what a name leaves out: docker.io for the registry, library/ for an "
        "official image, latest for the tag."
    ),
    "q2": N_(
        "the install layer depends only on requirements.txt now, so a code change invalidates the cache "
        "from COPY . . onwards."
    ),
    "q1": N_(
        "a registry is told apart by its dot, colon or localhost; the tag is the colon after the last "
        "slash; a digest names one image for good."
    ),
    "rebuilds": N_(
        "Docker reuses every layer up to the first step whose instruction or copied files "
        "changed, and runs that step and all after it again."
    ),
    "healthcheck": N_(
        "service_healthy makes compose start web only once PostgreSQL answers, and an "
        "unpublished port keeps the database reachable from the compose network alone."
    ),
    "q3": N_(
        "compose follows depends_on through every service, so a service waits for the services its own "
        "dependencies wait for."
    ),
    "run_command": N_(
        "a published port is HOST:CONTAINER, read from the host's side; a volume is found by its name and "
        "outlives the container, a bind mount by its path."
    ),
}
