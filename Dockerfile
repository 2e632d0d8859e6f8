# syntax=docker/dockerfile:1
# The image runs exactly what tests/test_wheel.py checks: the locked production requirements
# (requirements.lock, with hashes) plus the mlmock wheel, installed --no-deps. The wheel carries
# templates/, static/ (with the built vendor assets), migrations/ + alembic.ini and seed/.

# Stage 1: front-end packages from the npm lock file.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

# Stage 2: build the wheel (assets hashed into static/vendor/ first, so the wheel ships them).
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY requirements.lock ./
RUN python -m venv /build-venv && /build-venv/bin/pip install --require-hashes -r requirements.lock
COPY . .
COPY --from=assets /src/node_modules ./node_modules
RUN /build-venv/bin/python -m app.web.assets \
 && /build-venv/bin/pip wheel --no-deps -w /dist .

# Stage 3: slim runtime, non-root; no compiler, no node, no source tree, no embedded Postgres.
FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    MLMOCK_ENV=production MLMOCK_HOST=0.0.0.0 MLMOCK_PORT=8000
RUN useradd --system --uid 10001 --home-dir /home/mlmock --create-home mlmock
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv /venv && /venv/bin/pip install --require-hashes -r /tmp/requirements.lock \
 && rm /tmp/requirements.lock
COPY --from=build /dist/ /tmp/dist/
RUN /venv/bin/pip install --no-deps /tmp/dist/mlmock-*.whl && rm -rf /tmp/dist
USER mlmock
WORKDIR /home/mlmock
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["mlmock", "serve"]
