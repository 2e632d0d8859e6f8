from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


async def test_home_and_login(client) -> None:
    r = await client.get("/")
    assert r.status_code == 200
    assert "Mock interviews on ML fundamentals" in r.text
    r = await client.get("/login")
    assert r.status_code == 200
