# A student's lab on the hub: the project's `lab` image target, plus jupyterhub-singleuser (the same
# JupyterHub major as the hub). Built by docker-compose.yml from the lab-base service's image.
ARG LAB_IMAGE=workbook-classroom-lab-base
FROM ${LAB_IMAGE}
USER root
COPY requirements-classroom.txt /tmp/requirements-classroom.txt
RUN pip install "$(grep -E '^jupyterhub[><=]' /tmp/requirements-classroom.txt)" && rm /tmp/requirements-classroom.txt
# The student's workspace volume is mounted on /app/my-notebooks, which the lab's user owns in the
# image: a new volume takes that owner on its first start.
USER 1000:1000
CMD ["python", "/app/classroom/lab_start.py"]
