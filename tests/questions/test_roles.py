"""Acceptance 4: candidates (and mentors) never see drafts, reference answers, rubrics or
correct flags through any page, fragment or API route; only admins write."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from pydantic import BaseModel

from tests.questions.conftest import CHOICE_DOC, counts, make_doc
from tests.test_route_matrix import api_routes

pytestmark = pytest.mark.anyio

SECRETS = [
    "SECRETDRAFTTITLE",
    "SECRETREFERENCE",
    "SECRETCRITERION",
    "SECRETKEYPOINT",
    "SECRETMISCONCEPTION",
    "SECRETFOLLOWUP",
    "SECRETHINT",
    "SECRETFEEDBACK",
    "SECRETRETIRED",
    "SECRETNOTES",
]


def _secret_doc(base: dict, title: str, suffix: str) -> dict:  # type: ignore[type-arg]
    doc = make_doc(base, title=title)
    doc["reference_answer"] = f"The SECRETREFERENCE{suffix} answer."
    doc["rubric"] = {
        "criteria": [
            {
                "name": f"SECRETCRITERION{suffix}",
                "points": 1,
                "levels": [{"points": 0, "descriptor": "no"}, {"points": 1, "descriptor": "yes"}],
            }
        ],
        "key_points": [f"SECRETKEYPOINT{suffix}"],
        "misconceptions": [{"code": "m", "label": f"SECRETMISCONCEPTION{suffix}"}],
        "notes": f"SECRETNOTES{suffix}",
    }
    doc["follow_ups"] = [{"question": "Why?", "expected_answer": f"SECRETFOLLOWUP{suffix}"}]
    doc["hints"] = [f"SECRETHINT{suffix}"]
    return doc


@pytest.fixture
async def bank(as_role, topics):  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    draft = (
        await admin.post("/api/v1/questions", json=_secret_doc(make_doc(), "SECRETDRAFTTITLE question", "D"))
    ).json()
    choice = _secret_doc(CHOICE_DOC, "Published choice question", "P")
    choice["options"] = [
        {"text": "Subtract the gradient", "correct": True, "feedback": "SECRETFEEDBACK yes"},
        {"text": "Add the gradient", "feedback": "SECRETFEEDBACK no"},
    ]
    published = (await admin.post("/api/v1/questions", json=choice)).json()
    assert (await admin.post(f"/api/v1/questions/{published['id']}/publish")).status_code == 200
    retired = (
        await admin.post("/api/v1/questions", json=_secret_doc(make_doc(), "SECRETRETIRED question", "R"))
    ).json()
    await admin.post(f"/api/v1/questions/{retired['id']}/publish")
    await admin.post(f"/api/v1/questions/{retired['id']}/retire")
    return {"admin": admin, "draft": draft["id"], "published": published["id"], "retired": retired["id"]}


def _clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret
    assert not re.search(r'"correct"\s*:', text)
    assert "✔ correct" not in text


async def test_candidate_sees_published_prompt_and_options_only(bank, as_role) -> None:
    for role in ("candidate", "mentor"):
        c = await as_role(role)
        page = await c.get(f"/questions/{bank['published']}")
        assert page.status_code == 200 and "Subtract the gradient" in page.text
        _clean(page.text)
        api = await c.get(f"/api/v1/questions/{bank['published']}")
        assert api.status_code == 200
        body = api.json()
        assert set(body) == {
            "id",
            "version",
            "title",
            "kind",
            "topic",
            "topic_name",
            "difficulty",
            "estimated_minutes",
            "tags",
            "prompt",
            "prompt_html",
            "options",
            "numeric_unit",
        }
        assert all(set(o) == {"text", "text_html"} for o in body["options"])
        _clean(api.text)
        for hidden in ("draft", "retired"):
            assert (await c.get(f"/questions/{bank[hidden]}")).status_code == 404
            assert (await c.get(f"/api/v1/questions/{bank[hidden]}")).status_code == 404
        assert (await c.get(f"/api/v1/questions/{bank['published']}?version=2")).status_code == 404
        listing = await c.get("/api/v1/questions", params={"status": "draft"})
        assert [i["id"] for i in listing.json()["items"]] == [bank["published"]]
        # a search on words that only the reference answer contains finds nothing
        for q in ("SECRETREFERENCEP", "secretreferencep"):
            assert (await c.get("/api/v1/questions", params={"q": q})).json()["total"] == 0
        admin_found = await bank["admin"].get("/api/v1/questions", params={"q": "SECRETREFERENCEP"})
        assert admin_found.json()["total"] == 1


def _query_names(dependant: Any) -> set[str]:
    """The query parameters a route reads, through all its dependencies (a parameter model's fields too)."""
    names: set[str] = set()
    stack = [dependant]
    while stack:
        d = stack.pop()
        for field in d.query_params:
            names |= {field.name, field.alias}
            model = getattr(field.field_info, "annotation", None)
            if isinstance(model, type) and issubclass(model, BaseModel):
                names |= {n for name, f in model.model_fields.items() for n in (name, f.alias) if n}
        stack.extend(d.dependencies)
    return names


async def test_no_get_route_leaks_to_a_candidate(bank, app, as_role, db) -> None:
    """Every GET route, as page and as htmx fragment, with every kind of id filled in, and with each
    of the query parameters below that the route reads (one that it does not read changes nothing)."""
    c = await as_role("candidate")
    fills = {
        "question_id": [bank["draft"], bank["published"], bank["retired"], str(uuid.uuid4())],
        "number": ["1", "2"],
        "topic_id": ["1"],
        "user_id": [str(c.user.id)],
    }
    checked = 0
    for route in api_routes(app):
        if "GET" not in route.methods:
            continue
        reads = _query_names(route.dependant)
        queries = [""] + [
            q for q in ("?q=answer", "?status=draft", "?version=1", "?v=1") if q[1:].split("=")[0] in reads
        ]
        paths = [route.path]
        for name, values in fills.items():
            paths = (
                [p.replace("{" + name + "}", v) for p in paths for v in values]
                if "{" + name in route.path
                else paths
            )
        for path in paths:
            if "{" in path or path in ("/logout",):
                continue
            for headers in ({}, {"HX-Request": "true"}):
                for query in queries:
                    r = await c.get(path + query, headers=headers)
                    _clean(r.text)
                    checked += 1
    assert checked > 50


async def test_only_admins_write(bank, as_role, db) -> None:
    before = await counts(db)
    doc = make_doc()
    for role in ("candidate", "mentor"):
        c = await as_role(role)
        pid = bank["published"]
        attempts = [
            ("POST", "/api/v1/questions", {"json": doc}),
            ("PUT", f"/api/v1/questions/{pid}", {"json": doc}),
            ("POST", f"/api/v1/questions/{pid}/publish", {}),
            ("POST", f"/api/v1/questions/{pid}/retire", {}),
            ("POST", "/admin/questions", {"data": {"title": "x"}}),
            ("POST", f"/admin/questions/{pid}", {"data": {"title": "x"}}),
            ("POST", f"/admin/questions/{pid}/retire", {}),
            ("POST", f"/admin/questions/{bank['draft']}/publish", {}),
            ("POST", f"/admin/questions/{pid}/duplicate", {}),
            ("POST", "/admin/questions/preview", {"data": {"prompt": "x"}}),
            ("POST", "/admin/topics", {"data": {"name": "New area"}}),
            ("POST", "/admin/topics/1/delete", {}),
        ]
        for method, url, kw in attempts:
            r = await c.request(method, url, **kw)
            assert r.status_code == 403, (role, method, url, r.status_code)
            _clean(r.text)
    assert await counts(db) == before
    admin = bank["admin"]
    assert (await admin.get(f"/api/v1/questions/{bank['draft']}")).json()["status"] == "draft"
    assert (await admin.get(f"/api/v1/questions/{bank['retired']}")).json()["status"] == "retired"


async def test_anonymous_gets_nothing(bank, client) -> None:
    for url in ("/questions", f"/questions/{bank['published']}"):
        r = await client.get(url)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    r = await client.get(f"/api/v1/questions/{bank['published']}")
    assert r.status_code == 401
    _clean(r.text)


async def test_admin_sees_everything(bank) -> None:
    admin = bank["admin"]
    page = await admin.get(f"/admin/questions/{bank['published']}")
    for secret in (
        "SECRETREFERENCEP",
        "SECRETCRITERIONP",
        "SECRETKEYPOINTP",
        "SECRETMISCONCEPTIONP",
        "SECRETFOLLOWUPP",
        "SECRETHINTP",
        "SECRETFEEDBACK",
    ):
        assert secret in page.text, secret
    body = (await admin.get(f"/api/v1/questions/{bank['published']}")).json()
    assert body["reference_answer"].startswith("The SECRETREFERENCEP")
    assert body["options"][0]["correct"] is True
    assert body["rubric"]["criteria"][0]["name"] == "SECRETCRITERIONP"
    assert body["document"]["rubric"]["key_points"] == ["SECRETKEYPOINTP"]
    listing = await admin.get("/admin/questions", params={"status": "draft"}, headers={"HX-Request": "true"})
    assert "SECRETDRAFTTITLE" in listing.text and listing.text.lstrip().startswith('<div id="results"')
