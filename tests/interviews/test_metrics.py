"""/metrics: refused to an anonymous remote caller; after a few saves the counters show."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.config import Settings
from app.main import create_app
from tests.interviews.conftest import start

pytestmark = pytest.mark.anyio

ANSWER_ROUTE = "/attempts/{attempt_id}/items/{item_id}/answer"


def save_body(base: int, revision: int, text: str) -> dict[str, Any]:
    """A save in both autosave protocols: revision-numbered and compare-and-swap (base_revision, save_id)."""
    return {
        "revision": revision,
        "base_revision": base,
        "save_id": f"metrics-{revision}-{text}",
        "text": text,
    }


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(data: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return data.get((name, frozenset(labels.items())), 0.0)


async def scrape(app: Any, client: tuple[str, int] = ("127.0.0.1", 50000), **kw: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=client)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        return await c.get("/metrics", **kw)


async def test_metrics_refused_to_anonymous_remote_callers() -> None:
    settings = Settings(
        env="test", metrics_token="a-metrics-token-of-some-length", metrics_allow_ips="10.1.0.0/16"
    )
    app = create_app(settings, database_url="postgresql://unused/none", background=False)
    remote = ("203.0.113.7", 40000)
    r = await scrape(app, remote)
    assert r.status_code == 403 and "mlmock_" not in r.text
    r = await scrape(app, remote, headers={"Authorization": "Bearer wrong-token-wrong-token"})
    assert r.status_code == 403
    r = await scrape(app, remote, headers={"Authorization": "Bearer a-metrics-token-of-some-length"})
    assert r.status_code == 200 and "mlmock_http_request_duration_seconds" in r.text
    assert (await scrape(app, ("10.1.2.3", 40000))).status_code == 200  # an allowed network
    assert (await scrape(app, ("127.0.0.1", 40000))).status_code == 200  # loopback
    assert (await scrape(app, ("::1", 40000))).status_code == 200


async def test_counters_after_a_few_saves(app, as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    before = samples((await scrape(app)).text)
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    item = next(i for i in a["items"] if i["kind"] == "free_text")
    url = f"/api/v1/attempts/{a['id']}/items/{item['id']}/answer"
    assert (await c.post(url, json=save_body(0, 1, "first"))).status_code == 200
    assert (await c.post(url, json=save_body(1, 2, "second"))).status_code == 200
    stale = await c.post(url, json=save_body(0, 1, "an older tab"))
    assert stale.status_code == 409, stale.text
    # turned away by the admission limit (before the body is read): still counted, by its template
    db = app.state.resources.autosave
    db.in_flight = db.max_in_flight
    try:
        busy = await c.post(url, json=save_body(2, 3, "third"))
    finally:
        db.in_flight = 0
    assert busy.status_code == 503 and busy.json()["reason"] == "busy", busy.text
    assert (await c.get("/healthz")).status_code == 200
    assert (await c.get("/no/such/page/123")).status_code == 404

    r = await scrape(app)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    after = samples(r.text)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("mlmock_autosave_total", outcome="saved") == 2
    assert delta("mlmock_autosave_total", outcome="conflict") == 1
    assert delta("mlmock_autosave_total", outcome="busy") == 1
    # latency by route template, never by raw path
    hist = "mlmock_http_request_duration_seconds_count"
    assert delta(hist, method="POST", route="/api/v1" + ANSWER_ROUTE, status="2xx") == 2
    assert delta(hist, method="POST", route="/api/v1" + ANSWER_ROUTE, status="4xx") == 1
    assert delta(hist, method="POST", route="/api/v1" + ANSWER_ROUTE, status="5xx") == 1
    assert delta(hist, method="GET", route="/healthz", status="2xx") == 1
    assert delta(hist, method="GET", route="unmatched", status="4xx") == 1
    assert not any(a["id"] in dict(labels).get("route", "") for (_, labels) in after)
    # the other families are exported (values depend on what else ran in this process)
    for family in ("mlmock_db_pool_connections", "mlmock_sweeper_runs", "mlmock_import_duration_seconds"):
        assert family in r.text
