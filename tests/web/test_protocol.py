"""Small protocol hardening: 405 carries Allow, /readyz keeps the schema revision for admins,
the admin user search treats % and _ literally, the OpenAPI document covers the JSON API only."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/me", "/login"])
async def test_405_says_which_methods_are_allowed(client, path) -> None:
    await client.get("/login")
    r = await client.request("PUT", path)
    assert r.status_code == 405
    allowed = {m.strip() for m in r.headers["Allow"].split(",")}
    assert "GET" in allowed and "PUT" not in allowed


async def test_readyz_shows_the_revision_to_admins_only(client, as_role) -> None:
    r = await client.get("/readyz")
    assert r.status_code == 200 and r.json() == {"status": "ready"}
    candidate = await as_role("candidate")
    assert "revision" not in (await candidate.get("/readyz")).json()
    admin = await as_role("admin")
    body = (await admin.get("/readyz")).json()
    assert body["status"] == "ready" and len(body["revision"]) >= 12


async def test_admin_user_search_treats_wildcards_literally(as_role, users) -> None:
    await users.create(email="under_score@example.org", name="Percent 100% sure")
    await users.create(email="underXscore@example.org", name="Plain")
    admin = await as_role("admin")

    async def found(q: str) -> set[str]:
        return {u["email"] for u in (await admin.get("/api/v1/admin/users", params={"q": q})).json()}

    assert await found("under_score") == {"under_score@example.org"}
    assert await found("100%") == {"under_score@example.org"}
    assert await found("%") == {"under_score@example.org"}
    assert await found("_") == {"under_score@example.org"}
    assert await found("\\") == set()
    page = await admin.get("/admin/users", params={"q": "under_"})
    assert "under_score@example.org" in page.text and "underXscore" not in page.text


async def test_openapi_documents_the_json_api_only(app) -> None:
    doc = app.openapi()
    assert doc["paths"] and all(p.startswith("/api/") for p in doc["paths"])
    me = doc["paths"]["/api/v1/me"]["get"]["responses"]
    assert {"200", "401", "403", "429"} <= set(me)
    assert me["401"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}


async def test_every_documented_error_body_carries_a_reason(app, client) -> None:
    # the error contract (app/web/errors.py) always writes `reason`, so the document requires it:
    # a client may branch on it without checking that it is there
    schema = app.openapi()["components"]["schemas"]["ErrorBody"]
    assert set(schema["required"]) == {"error", "reason"}
    assert schema["properties"]["reason"]["type"] == "string"
    body = (await client.get("/api/v1/me")).json()
    assert set(schema["required"]) <= set(body)
