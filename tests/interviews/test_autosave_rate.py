"""The autosave flood guard: 429 + Retry-After past a burst far above typing speed; per session."""

from __future__ import annotations

import pytest

from app.config import get_settings
from tests.interviews.conftest import start

pytestmark = pytest.mark.anyio


async def test_autosave_flood_is_429_with_retry_after(as_role, make_format, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(get_settings(), "autosave_burst", 3)
    monkeypatch.setattr(get_settings(), "autosave_rate_per_second", 0.01)
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    item = next(i for i in a["items"] if i["kind"] == "free_text")
    for api in (False, True):
        url = f"{'/api/v1' if api else ''}/attempts/{a['id']}/items/{item['id']}/answer"
        codes = []
        for n in range(1, 3 if not api else 2):
            codes.append((await c.post(url, json={"revision": n, "text": f"v{n}"})).status_code)
        assert 429 not in codes
    url = f"/api/v1/attempts/{a['id']}/items/{item['id']}/answer"
    r = await c.post(url, json={"revision": 9, "text": "flood"})
    assert r.status_code == 429 and r.json()["reason"] == "rate_limited"
    assert int(r.headers["retry-after"]) >= 1
    # another candidate (another session, same IP) is not affected
    other = await as_role("candidate")
    b = await start(other, (await make_format()).id)
    item_b = next(i for i in b["items"] if i["kind"] == "free_text")
    r = await other.post(
        f"/attempts/{b['id']}/items/{item_b['id']}/answer", json={"revision": 1, "text": "ok"}
    )
    assert r.status_code != 429


def test_default_guard_is_far_above_typing_rate() -> None:
    s = get_settings()
    typing = 1 / 0.8  # the page debounces 800 ms
    assert s.autosave_rate_per_second >= 5 * typing and s.autosave_burst >= 20
