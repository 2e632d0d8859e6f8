"""Import and export through HTTP as an admin (API and page), against real Postgres."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.config import get_settings
from app.questions.models import Question, QuestionVersion, Topic
from tests.imports.helpers import BAD_INPUTS, GIFT, XML, generated_gift, question_count

pytestmark = pytest.mark.anyio
PROVENANCE = "source_url=https://example.org/bank&licence=CC-BY-4.0&attribution=Example%20Univ"


async def _import(admin, data: bytes, query: str = ""):  # type: ignore[no-untyped-def]
    return await admin.post(f"/api/v1/imports?{query}", content=data)


async def _versions(db) -> dict[str, tuple[Question, QuestionVersion]]:  # type: ignore[no-untyped-def]
    async with db() as s:
        rows = (
            await s.execute(
                select(Question, QuestionVersion).join(
                    QuestionVersion, QuestionVersion.id == Question.current_version_id
                )
            )
        ).all()
    return {v.title: (q, v) for q, v in rows}


async def test_gift_fixture_imports_with_provenance_as_drafts(as_role, db) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    dry = await _import(admin, GIFT, "dry_run=true&filename=bank.gift")
    assert dry.status_code == 200 and dry.json()["ok"] and not dry.json()["imported"]
    assert dry.json()["counts"]["create"] == 12
    async with db() as s:
        assert await question_count(s) == 0
    r = await _import(admin, GIFT, f"format=gift&{PROVENANCE}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["imported"] and body["counts"] == {"create": 12, "new version": 0, "unchanged": 0, "error": 0}
    assert "optimisation/learning-rates" in body["new_topics"]
    versions = await _versions(db)
    q, v = versions["Learning rate too large"]
    assert (q.status, q.external_id, v.kind, v.tags) == (
        "draft",
        "lr-too-large",
        "single_choice",
        ["gradient-descent", "step-size"],
    )
    assert v.provenance == {
        "origin": "imported",
        "source_url": "https://example.org/bank",
        "licence": "CC-BY-4.0",
        "attribution": "Example Univ",
    }
    assert [o["weight"] for o in v.data["options"]] == [None, None, 25.0]
    assert "<math" in versions["Pi"][1].prompt_html
    assert versions["Pi"][1].data["numeric"] == {
        "value": 3.14,
        "tolerance": 0.005,
        "tolerance_mode": "absolute",
        "unit": None,
    }
    async with db() as s:
        topic = await s.get(Topic, versions["Essay"][0].topic_id)
        assert topic is not None and (topic.slug, topic.name) == ("general", "General")


async def test_xml_fixture_imports_and_publish_flag(as_role, db) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    r = await _import(admin, XML, "publish=true")
    assert r.status_code == 200 and r.json()["counts"]["create"] == 6, r.text
    versions = await _versions(db)
    q, v = versions["Explain backpropagation"]
    assert q.status == "published" and v.rubric["notes"].startswith("- Mentions local derivatives")
    assert v.hints == ["Response template:\n\nForward pass: … Backward pass: …"]
    assert versions["Valid kernels"][1].data["negative_marks"] is True


async def test_reimport_changes_nothing_and_changed_id_is_a_new_version(as_role, db) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    for data in (GIFT, XML):
        assert (await _import(admin, data)).status_code == 200
    async with db() as s:
        before = await question_count(s)
    for data in (GIFT, XML):
        again = (await _import(admin, data)).json()
        assert again["counts"]["create"] == 0 and again["counts"]["new version"] == 0
        assert again["counts"]["unchanged"] == len(again["questions"])
    changed = XML.replace(b"<text>4</text>", b"<text>4.0001</text>")
    r = (await _import(admin, changed)).json()
    assert r["counts"]["new version"] == 1 and r["counts"]["unchanged"] == 5
    async with db() as s:
        assert await question_count(s) == before
        q = (await s.execute(select(Question).where(Question.external_id == "deriv-at-2"))).scalar_one()
        assert q.version_count == 2


@pytest.mark.parametrize(("name", "data", "fmt", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
async def test_bad_input_is_refused_and_changes_nothing(as_role, db, name, data, fmt, message) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    r = await _import(admin, data, f"format={fmt}" if fmt else "")
    assert r.status_code == 422, r.text
    body = r.json()
    problems = [f"{p['where']}: {p['message']}" for p in body["problems"]] + [
        p for q in body["questions"] for p in q["problems"]
    ]
    assert any(message in p for p in problems), problems
    async with db() as s:
        assert await question_count(s) == 0


@pytest.mark.parametrize(
    "data",
    [b"\xef\xbb\xbf::BOM::Starts with a byte order mark.{T}\n", b"::A::First.{T}\r\n\r\n::B::Second.{F}\r\n"],
    ids=["bom", "crlf"],
)
async def test_bom_and_crlf_import_fine(as_role, db, data: bytes) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    r = await _import(admin, data)
    assert r.status_code == 200 and r.json()["imported"], r.text
    titles = set(await _versions(db))
    assert titles in ({"BOM"}, {"A", "B"})


@pytest.mark.slow  # an import at the production size limit (MB bodies)
async def test_over_the_size_limit_is_413(as_role, db) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    limit = get_settings().import_max_bytes
    just_over = b"// padding\n" * (limit // 11) + b"x" * 20  # inside the HTTP limit, over the file limit
    r = await _import(admin, just_over)
    assert r.status_code == 413 and "limit" in r.json()["error"]
    way_over = b"x" * (limit + 200_000)  # refused by the body limit before the app reads it
    r = await _import(admin, way_over)
    assert r.status_code == 413
    async with db() as s:
        assert await question_count(s) == 0


@pytest.mark.slow  # an import at the production limit: 5,001 questions parsed
async def test_too_many_questions_by_default(as_role, db) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    r = await _import(admin, generated_gift(5_001))
    assert r.status_code == 422
    assert "more than 5,000 questions; the limit is 5,000" in r.json()["problems"][0]["message"]
    async with db() as s:
        assert await question_count(s) == 0


async def test_too_many_questions(as_role, app, db) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    app.state.settings = app.state.settings.model_copy(update={"import_max_questions": 3})
    r = await _import(admin, generated_gift(4))
    assert r.status_code == 422 and "the limit is 3" in r.json()["problems"][0]["message"]
    async with db() as s:
        assert await question_count(s) == 0


async def test_export_formats_filters_and_dropped(as_role) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    await _import(admin, GIFT)
    await _import(admin, XML, "publish=true")
    r = await admin.get("/api/v1/exports?format=json&topic=maths-for-ml")
    bank = r.json()
    assert r.status_code == 200 and bank["format_version"] == 1
    assert {q["topic"] for q in bank["questions"]} == {"maths-for-ml/linear-algebra", "maths-for-ml/calculus"}
    assert (await admin.get("/api/v1/exports?format=json&status=published")).headers["x-export-count"] == "6"
    tagged = (await admin.get("/api/v1/exports?format=json&tag=kernels")).json()["questions"]
    assert [q["title"] for q in tagged] == ["Kernel trick"]
    gift_export = await admin.get("/api/v1/exports?format=gift&topic=supervised-learning/kernel-methods")
    assert gift_export.text.startswith("// Not exported (this format cannot hold them): ")
    assert "hints (1 question)" in gift_export.headers["x-export-dropped"]
    xml_export = await admin.get("/admin/exports?format=moodle-xml")
    assert xml_export.status_code == 200 and "<!-- Not exported" in xml_export.text
    assert "attachment" in xml_export.headers["content-disposition"]
    # what the exports hold comes back unchanged (GIFT: only the GIFT-born topics; it has no units or hints)
    for query in ("gift&topic=optimisation", "gift&topic=maths-for-ml/linear-algebra", "moodle-xml"):
        fmt = query.split("&")[0]
        exported = (await admin.get(f"/api/v1/exports?format={query}")).content
        again = (await _import(admin, exported, f"format={fmt}")).json()
        assert again["ok"] and again["counts"]["create"] == 0 and again["counts"]["new version"] == 0, again
    assert (await admin.get("/api/v1/exports?format=pdf")).status_code == 422


async def test_native_json_round_trip_is_byte_identical(as_role, make_database) -> None:  # type: ignore[no-untyped-def]
    from app.db import make_engine, make_sessionmaker
    from app.imports.export import export_bank
    from app.imports.service import ImportOptions, import_file

    admin = await as_role("admin")
    await _import(admin, GIFT)
    await _import(admin, XML)
    rich = {
        "format_version": 1,
        "areas": [
            {
                "slug": "evaluation",
                "name": "Model evaluation",
                "description": "",
                "topics": [{"slug": "metrics", "name": "Metrics", "description": "d"}],
            }
        ],
        "questions": [
            {
                "external_id": "auc-meaning",
                "topic": "evaluation/metrics",
                "title": "What does ROC AUC measure?",
                "kind": "numeric",
                "prompt": "AUC of a random classifier?",
                "numeric": {"value": 0.5, "tolerance": 0.02, "tolerance_mode": "relative", "unit": "ratio"},
                "rubric": {
                    "criteria": [
                        {
                            "name": "Accuracy",
                            "points": 2,
                            "levels": [
                                {"points": 0, "descriptor": "Wrong"},
                                {"points": 2, "descriptor": "Right"},
                            ],
                        }
                    ],
                    "key_points": ["Ranking"],
                    "misconceptions": [
                        {"code": "auc-accuracy", "label": "AUC is accuracy", "description": ""}
                    ],
                    "notes": "n",
                },
                "follow_ups": [{"question": "And for a perfect one?", "expected_answer": "1"}],
                "hints": ["Think of ranking pairs."],
                "difficulty": 3,
                "estimated_minutes": 7,
                "tags": ["auc"],
                "provenance": {
                    "origin": "original",
                    "source_url": None,
                    "licence": "CC0",
                    "attribution": None,
                },
            }
        ],
    }
    assert (await _import(admin, json.dumps(rich).encode(), "format=json")).status_code == 200
    first = (await admin.get("/api/v1/exports?format=json")).content
    # into a fresh database, then out again: the same bytes
    engine = make_engine(make_database("mlmock_roundtrip"), pool_size=1)
    try:
        async with make_sessionmaker(engine)() as s, s.begin():
            preview = await import_file(
                s, first, ImportOptions(), dry_run=False, author_id=None, max_bytes=10**7, max_questions=100
            )
            assert preview.imported, preview.all_problems
        async with make_sessionmaker(engine)() as s:
            second = (await export_bank(s, format="json")).content.encode()
    finally:
        await engine.dispose()
    assert second == first
    assert (
        json.loads(first)["questions"][0]["rubric"]["criteria"][0]["name"] == "Accuracy"
        or b"auc-meaning" in first
    )
    # and back into the same bank: nothing changes
    again = (await _import(admin, first)).json()
    assert again["counts"]["create"] == 0 and again["counts"]["new version"] == 0


async def test_admin_page_preview_shows_problems_and_imports(as_role, db) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    page = await admin.get("/admin/imports")
    assert page.status_code == 200 and 'type="file"' in page.text
    bad = b"::Good::Fine.{T}\n\n::Broken::Unclosed {=a ~b\n"
    files = {"file": ("bank.gift", bad, "text/plain")}
    headers = {"HX-Request": "true"}
    r = await admin.post("/admin/imports", files=files, data={"action": "import"}, headers=headers)
    assert r.status_code == 422 and "line 3: malformed braces" in r.text and "<html" not in r.text
    files = {"file": ("bank.gift", bad.replace(b"~b", b"~b}"), "text/plain")}
    r = await admin.post("/admin/imports", files=files, data={"action": "preview"}, headers=headers)
    assert r.status_code == 200 and "Ready: 2 to create" in r.text
    async with db() as s:
        assert await question_count(s) == 0
    r = await admin.post(
        "/admin/imports", files=files, data={"action": "import", "publish": "on"}, headers=headers
    )
    assert r.status_code == 200 and "Imported bank.gift: 2 created" in r.text
    async with db() as s:
        assert await question_count(s) == 2
    r = await admin.post("/admin/imports", data={"action": "import"}, headers=headers)
    assert r.status_code == 422


async def test_only_admins(as_role) -> None:  # type: ignore[no-untyped-def]
    mentor = await as_role("mentor")
    assert (await mentor.post("/api/v1/imports", content=GIFT)).status_code == 403
    assert (await mentor.get("/api/v1/exports?format=json")).status_code == 403
