"""A bounded schemathesis run against the JSON API of a real server (`mlmock serve`): no server
errors, every response conforms to the OpenAPI document (status, content type, body schema),
and schema-invalid requests are refused.

Sync on purpose: schemathesis drives hypothesis and `requests`; the server is its own process
with its own committed database, signed in with an admin token that has every scope."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from app.config import get_settings
from app.main import create_app

pytestmark = pytest.mark.slow  # schemathesis against a server process

MAX_EXAMPLES = 3  # per operation and mode: bounded, well under a minute in all
CONFORMS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CHECKS = {
    GenerationMode.POSITIVE: CONFORMS,
    GenerationMode.NEGATIVE: [not_a_server_error, content_type_conformance, negative_data_rejection],
}
# The app refuses a NUL character anywhere with 422 (one rule for every field, which an OpenAPI
# document cannot express), so generated text leaves it out.
CONFIG = SchemathesisConfig.from_dict({"generation": {"allow-x00": False}})
# Not checked here: "schema-valid requests are accepted" (positive_data_acceptance). It fails
# where the document under-states a rule: question documents' cross-field rules (a numeric
# question needs a numeric answer), the autosave body (parsed by hand, described in prose) and
# free-string query parameters that only take a few values (exports' `format`).


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _admin_token(url: str) -> str:
    from app.auth import api_tokens, service
    from app.db import make_engine, make_sessionmaker

    engine = make_engine(url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as s:
            admin = await service.create_user(
                s,
                email="schema@example.org",
                display_name="Schema",
                password="schemathesis admin passphrase",
                roles=["candidate", "mentor", "admin"],
            )
            _, raw = await api_tokens.create_api_token(
                s, admin, name="schemathesis", ip=None, scopes=["read", "write", "admin"]
            )
            await s.commit()
    finally:
        await engine.dispose()
    return raw


@pytest.fixture(scope="module")
def server(make_database, tmp_path_factory) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    url = make_database("mlmock_schema")
    token = asyncio.run(_admin_token(url))
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MLMOCK_ENV": "test",
        "MLMOCK_PORT": str(port),
        "MLMOCK_COOKIE_SECURE": "false",
        "MLMOCK_LOG_LEVEL": "WARNING",
    }
    log = Path(tmp_path_factory.mktemp("schema")) / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, log.read_text()
            time.sleep(0.2)
        yield base, token
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _runner(operation, mode, checks, base: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate(base_url=base, headers=headers, checks=checks, timeout=30)

    return run


def test_the_server_does_not_announce_itself(server) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    r = httpx.get(base + "/healthz")
    assert r.status_code == 200 and "server" not in r.headers


def test_json_api_conforms_to_its_openapi_document(server) -> None:  # type: ignore[no-untyped-def]
    base, token = server
    # the document the app serves when docs are on (here built in-process: docs are off in tests)
    doc = create_app(get_settings(), database_url="postgresql://unused/none", background=False).openapi()
    schema = schemathesis.openapi.from_dict(doc, config=CONFIG)
    operations = [op.ok() for op in schema.get_all_operations()]
    assert len(operations) >= 20
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    for operation in operations:
        for mode, checks in CHECKS.items():
            run = _runner(operation, mode, checks, base, headers)
            try:
                run()
            except Unsatisfiable:  # nothing invalid to send (no parameters, no body)
                assert mode is GenerationMode.NEGATIVE, operation.label
            except Exception as exc:  # collect every failure, then report them all
                failures.append(f"{operation.label} ({mode}): {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)
