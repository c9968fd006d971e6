# syntax=docker/dockerfile:1

# --- frontend: the SPA, built once; only dist/ reaches the final image -------------------------
FROM node:22-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# --- builder: a virtual environment with the project and its runtime dependencies -------------
# Same base as the final stage, so the venv's interpreter links stay valid when copied over.
FROM python:3.11-slim-bookworm AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY api/ api/
# Not editable and without the dev extra: the final stage gets no test or lint tools. Byte code
# is compiled here, once, since the running container writes none (PYTHONDONTWRITEBYTECODE).
RUN /opt/venv/bin/pip install ./

# --- runtime -----------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime
# Debian's security updates replace package versions in place, so pinned versions would stop
# the image from building; the base image's tag pins the release instead.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 firstset \
 && useradd --system --uid 10001 --gid firstset --no-log-init --no-create-home \
      --home-dir /app firstset

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ENVIRONMENT=production \
    WEB_CONCURRENCY=2 \
    PORT=8000 \
    VAR_DIR=/app/var \
    FRONTEND_DIST=/app/frontend/dist

WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
# `firstset migrate` finds alembic.ini and migrations/ in the working directory.
COPY alembic.ini ./
COPY migrations/ migrations/
COPY --from=frontend /src/frontend/dist frontend/dist
COPY --chmod=0755 scripts/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN mkdir -p /app/var && chown firstset:firstset /app/var

# Numeric, so an orchestrator can tell it is not root without the image's /etc/passwd.
USER 10001:10001
# Attachments, signing keys and undelivered mail: must outlive the container.
VOLUME ["/app/var"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["api"]
