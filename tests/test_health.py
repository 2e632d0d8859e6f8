from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


async def test_healthz_and_readyz(client) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    r = await client.get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ready"


async def test_readyz_503_when_database_unreachable(app, client) -> None:
    from app.db import make_engine

    good = app.state.resources.engine
    app.state.resources.engine = make_engine("postgresql://nobody@127.0.0.1:1/none", pool_size=1)
    try:
        r = await client.get("/readyz")
    finally:
        await app.state.resources.engine.dispose()
        app.state.resources.engine = good
    assert r.status_code == 503 and r.json()["status"] == "unavailable"


async def test_docs_are_off_outside_development(client) -> None:
    assert (await client.get("/docs")).status_code == 404
    assert (await client.get("/openapi.json")).status_code == 404


@pytest.mark.slow  # an outage: waits out the unreachable pool's connection attempt
async def test_readyz_checks_the_autosave_pool_too(app, client) -> None:
    from app.config import get_settings
    from app.interviews.autosave_db import AutosaveDb, autosave_pool

    unreachable = autosave_pool("postgresql://nobody@127.0.0.1:1/none", get_settings())
    await unreachable.open(wait=False)
    working, app.state.resources.autosave = (
        app.state.resources.autosave,
        AutosaveDb(unreachable, get_settings()),
    )
    try:
        r = await client.get("/readyz")
    finally:
        await unreachable.close()
        app.state.resources.autosave = working
    assert r.status_code == 503 and r.json()["status"] == "unavailable" and r.headers["Retry-After"]
