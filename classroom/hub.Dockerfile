# The hub: JupyterHub, its proxy (configurable-http-proxy, Debian's package), DockerSpawner, the class list
# authenticator, the idle culler and the spawn hook (studentdb.py). No workbook code: the labs have it.
ARG PYTHON_VERSION=3.12
FROM python:${PYTHON_VERSION}-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
# configurable-http-proxy as Debian packages it (4.5, with Node.js): no npm, no node_modules tree.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends node-configurable-http-proxy \
 && rm -rf /var/lib/apt/lists/* \
 && configurable-http-proxy --version
COPY requirements-classroom.txt /srv/classroom/
RUN pip install -r /srv/classroom/requirements-classroom.txt "psycopg2-binary>=2.9.11,<2.10"
COPY classroom/jupyterhub_config.py classroom/classlist.py classroom/studentdb.py classroom/grading_lab.py /srv/classroom/
ARG HUB_UID=10002
# data/ holds the cookie secret on the hubdata volume: made here, so a new volume takes its owner.
RUN useradd --system --uid "${HUB_UID}" --home-dir /srv/jupyterhub --create-home --shell /usr/sbin/nologin hub \
 && install -d -o hub -g hub -m 700 /srv/jupyterhub/data
WORKDIR /srv/jupyterhub
USER ${HUB_UID}
EXPOSE 8000
CMD ["jupyterhub", "-f", "/srv/classroom/jupyterhub_config.py"]
