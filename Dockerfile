# syntax=docker/dockerfile:1
# Stage 1: front-end assets from the npm lock file.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

# Stage 2: Python dependencies into a venv.
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN python -m venv /venv
COPY pyproject.toml ./
COPY app ./app
RUN /venv/bin/pip install .
COPY --from=assets /src/node_modules ./node_modules
COPY static ./static
RUN /venv/bin/python -m app.web.assets && rm -rf node_modules

# Stage 3: slim runtime as a non-root user.
FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 MLMOCK_ENV=production MLMOCK_HOST=0.0.0.0 MLMOCK_PORT=8000
RUN useradd --system --uid 10001 --home /app mlmock
WORKDIR /app
COPY --from=build /venv /venv
COPY --chown=mlmock:mlmock app ./app
COPY --chown=mlmock:mlmock migrations ./migrations
COPY --chown=mlmock:mlmock templates ./templates
COPY --chown=mlmock:mlmock seed ./seed
COPY --chown=mlmock:mlmock alembic.ini ./
COPY --from=build --chown=mlmock:mlmock /app/static ./static
USER mlmock
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["mlmock", "serve"]
