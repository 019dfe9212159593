# The rehearsal's "server": a Debian machine that accepts SSH as the user `deploy` and nothing
# else, with the Docker CLI and its compose plugin, as DEPLOY.md prepares a real one. It has no
# engine of its own: `rehearse up` gives it the host's Docker socket, so the stacks it starts run
# on the learner's Docker Engine (see workbook/rehearsal.py for what that costs in safety).
#
# No key is baked in: the host key is made when the container starts and the deploy key's public
# half arrives as AUTHORIZED_KEY then, so every rehearsal has keys of its own.
ARG DEBIAN_VERSION=bookworm
FROM debian:${DEBIAN_VERSION}-slim

# Bookworm's own docker.io is 20.10 with compose v1 only; Debian 13 (trixie) packages the CLI
# (26.x) and the compose v2 plugin (2.26), both needing only libc. They come from trixie, pinned
# below bookworm, so nothing else is upgraded.
# hadolint ignore=DL3008
RUN echo "deb http://deb.debian.org/debian trixie main" > /etc/apt/sources.list.d/trixie.list \
 && printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' > /etc/apt/preferences.d/trixie \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        openssh-server curl ca-certificates util-linux apache2-utils \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -t trixie \
        docker-cli docker-compose \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 --shell /bin/bash deploy

COPY server-entrypoint.sh /usr/local/bin/server-entrypoint
# sshd runs as `deploy` itself (port above 1024, its own host key and config), so the container
# has no root process and no one but `deploy` can log in.
USER deploy
WORKDIR /home/deploy
ENTRYPOINT ["server-entrypoint"]
