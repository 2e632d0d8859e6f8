"""docker-compose.yml, deploy/Caddyfile and the Dockerfile cannot run here (no Docker engine):
check what they promise — services, health checks, a budget that fits, the wheel install."""

from __future__ import annotations

import re

import yaml

from app.budget import Budget
from app.config import ROOT


def test_compose_stack() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"db", "migrate", "app", "proxy"}
    assert services["db"]["image"].startswith("postgres:") and "healthcheck" in services["db"]
    assert services["migrate"]["command"] == ["mlmock", "migrate"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    app = services["app"]
    assert app["deploy"]["replicas"] == 2 and "/readyz" in " ".join(app["healthcheck"]["test"])
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "ports" not in app  # only the proxy is published
    proxy = services["proxy"]
    assert proxy["image"].startswith("caddy:") and "healthcheck" in proxy
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"
    mounted = [v.split(":")[0] for v in proxy["volumes"] if v.startswith("./")]
    assert all((ROOT / m).is_file() for m in mounted) and mounted

    env = app["environment"]
    assert env["MLMOCK_ENV"] == "production" and int(env["MLMOCK_DB_REPLICAS"]) == app["deploy"]["replicas"]
    max_connections = int(re.search(r"max_connections=(\d+)", " ".join(services["db"]["command"]))[1])  # type: ignore[index]
    budget = Budget(
        processes=int(env["MLMOCK_DB_REPLICAS"]) * int(env["MLMOCK_WORKERS"]),
        per_process=int(env["MLMOCK_DB_POOL_SIZE"])
        + int(env["MLMOCK_DB_MAX_OVERFLOW"])
        + int(env["MLMOCK_AUTOSAVE_POOL_SIZE"]),
        headroom=10,
        max_connections=max_connections,
        reserved=3,
    )
    assert budget.fits, budget.explain()


def test_caddy_proxies_to_every_replica_and_hides_metrics() -> None:
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert "dynamic a app 8000" in caddyfile and "respond /metrics 404" in caddyfile
    assert "header_up X-Forwarded-For {remote_host}" in caddyfile  # a client cannot pick its IP
    assert caddyfile.count("{") == caddyfile.count("}")


def test_dockerfile_installs_the_locked_requirements_and_the_wheel() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    runtime = dockerfile[dockerfile.index("AS runtime") :]
    assert "--require-hashes -r /tmp/requirements.lock" in runtime
    assert "pip install --no-deps /tmp/dist/mlmock-*.whl" in runtime
    assert "COPY --from=build /dist/" in runtime and "COPY . " not in runtime  # no source tree
    assert "USER mlmock" in runtime and "requirements-dev.lock" not in dockerfile
    assert "pip wheel --no-deps" in dockerfile and "app.web.assets" in dockerfile
