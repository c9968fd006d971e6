# syntax=docker/dockerfile:1

FROM node:22-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    ENVIRONMENT=production WEB_CONCURRENCY=2
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 firstset
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY api/ api/
COPY migrations/ migrations/
RUN pip install .
COPY --from=frontend /src/frontend/dist /app/frontend/dist
ENV FRONTEND_DIST=/app/frontend/dist VAR_DIR=/app/var
RUN mkdir -p /app/var && chown firstset /app/var
USER firstset
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://127.0.0.1:8000/healthz || exit 1
CMD ["sh", "-c", "firstset migrate && exec firstset serve --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY}"]
