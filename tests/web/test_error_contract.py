"""One error contract (issue 15 item 7), seen as a client sees it.

JSON with a `reason` under /api and for `Accept: application/json`; for an htmx partial request
the message replaces the toast area (HX-Retarget + an out-of-band swap that no form's hx-status
rule can redirect); a full page otherwise. One page-or-fragment decision, with `Vary`.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.anyio

HTMX = {"HX-Request": "true"}
MISSING = f"/admin/questions/{uuid.uuid4()}"


def _vary(r) -> set[str]:  # type: ignore[no-untyped-def]
    return {v.strip().lower() for v in r.headers.get("Vary", "").split(",") if v.strip()}


async def test_api_errors_are_json_with_a_reason(as_role) -> None:
    admin = await as_role("admin")
    r = await admin.get(f"/api/v1/questions/{uuid.uuid4()}")
    assert r.status_code == 404
    assert r.json()["reason"] == "not_found" and r.json()["error"]
    r = await admin.get("/api/v1/no-such-endpoint")
    assert r.status_code == 404 and r.json()["reason"] == "not_found"
    r = await admin.post("/api/v1/questions", json={"title": ""})
    assert r.status_code == 422 and r.json()["reason"] == "invalid" and r.json()["fields"]


async def test_a_page_url_answers_json_to_a_script_that_asks_for_it(as_role) -> None:
    admin = await as_role("admin")
    r = await admin.get(MISSING, headers={"Accept": "application/json"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    assert r.json()["reason"] == "not_found"
    assert "accept" in _vary(r)


async def test_a_browser_gets_the_error_page(as_role) -> None:
    admin = await as_role("admin")
    r = await admin.get(MISSING)
    assert r.status_code == 404 and "<html" in r.text and 'id="error-404"' in r.text
    assert "HX-Retarget" not in r.headers
    assert {"accept", "hx-request", "hx-request-type"} <= _vary(r)


async def test_an_htmx_error_goes_to_the_toast_area(as_role) -> None:
    admin = await as_role("admin")
    r = await admin.get(MISSING, headers=HTMX)
    assert r.status_code == 404
    assert r.headers["HX-Retarget"] == "#toasts" and r.headers["HX-Reswap"] == "outerHTML"
    assert "<html" not in r.text and "<h1" not in r.text
    assert 'id="toasts"' in r.text and 'hx-swap-oob="true"' in r.text and 'role="alert"' in r.text
    assert {"accept", "hx-request", "hx-request-type"} <= _vary(r)
    # an htmx POST refused by a dependency (CSRF) lands there too, with its message
    r = await admin.post(f"{MISSING}/publish", headers={**HTMX, "X-CSRFToken": "forged"}, csrf=False)
    assert r.status_code == 403 and r.headers["HX-Retarget"] == "#toasts" and "form expired" in r.text


async def test_an_htmx_history_restore_gets_the_whole_error_page(as_role) -> None:
    admin = await as_role("admin")
    r = await admin.get(MISSING, headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert r.status_code == 404 and "<html" in r.text and "HX-Retarget" not in r.headers


async def test_a_form_refused_in_place_keeps_its_own_target(client) -> None:
    """A route that re-renders its form (422) is not an error toast: the form block, no retarget."""
    await client.get("/login")
    r = await client.post("/login", data={"email": "x@example.org", "password": "wrong"}, headers=HTMX)
    assert r.status_code == 422 and r.text.lstrip().startswith("<form") and "HX-Retarget" not in r.headers


@pytest.mark.parametrize(
    ("headers", "page"),
    [({}, True), (HTMX, False), ({**HTMX, "HX-Request-Type": "full"}, True)],
)
async def test_one_page_or_fragment_decision(as_role, headers, page) -> None:
    """The admin user search and the review queue used to decide by the bare HX-Request header."""
    admin = await as_role("admin")
    for url in ("/admin/users?q=user", "/reviews"):
        r = await admin.get(url, headers=headers)
        assert r.status_code == 200, url
        assert ("<html" in r.text) is page, url
        assert _vary(r) >= {"hx-request", "hx-request-type"}, url


async def test_the_editor_preview_is_a_fragment_with_vary(as_role) -> None:
    admin = await as_role("admin")
    await admin.get("/admin/questions/new")
    r = await admin.post("/admin/questions/preview", data={"prompt": "$x^2$"}, headers=HTMX)
    assert r.status_code == 200 and "<html" not in r.text and "<math" in r.text
    assert _vary(r) >= {"hx-request", "hx-request-type"}


async def test_a_refusal_before_the_app_keeps_the_contract(client) -> None:
    """The security middleware answers some requests itself (a cross-site POST): JSON with a reason."""
    r = await client.post("/api/v1/tokens", json={"name": "x"}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and r.json()["reason"] == "cross_site" and r.json()["error"]


def test_no_route_builds_an_error_body() -> None:
    """Routes raise; only app/web/errors.py turns an error into a body (json_error / error_response)."""
    app_dir = Path(__file__).resolve().parents[2] / "app"
    modules = [*app_dir.rglob("*route*.py"), *app_dir.rglob("api.py")]
    assert modules
    for path in modules:
        if path.parent.name == "home":  # /readyz answers the probe protocol ({"status": …}), not an error
            continue
        text = path.read_text(encoding="utf-8")
        assert '"error":' not in text and "exc.to_json()" not in text, path
