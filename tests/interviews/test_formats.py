"""Formats: admin CRUD pages, publishing refused when the bank cannot fill them, the seed formats."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.interviews.models import InterviewFormat
from app.interviews.seeding import load_format_docs, load_formats
from app.questions.seeding import load_seed
from tests.interviews.conftest import TOPIC

pytestmark = pytest.mark.anyio

FORM = {
    "title": "Admin-made format",
    "description": "Made in the admin pages",
    "slots": f"- {{topic: {TOPIC}, count: 2, kinds: [numeric]}}\n- {{external_id: t-text-0}}\n",
    "time_limit_minutes": "15",
    "soft_limit_minutes": "3",
    "navigation": "linear",
    "expiry_mode": "grace",
    "grace_seconds": "90",
    "reviewers_required": "2",
    "attempts_allowed": "1",
    "blind_review": "on",
    "auto_release": "on",
    "status": "published",
}


async def test_admin_creates_edits_and_closes_a_format(as_role, bank, db) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    assert (await admin.get("/admin/formats/new")).status_code == 200
    r = await admin.post("/admin/formats/new", data=FORM)
    assert r.status_code == 303, r.text
    fmt_url = r.headers["location"].split("?")[0]
    page = await admin.get(fmt_url)
    assert "Admin-made format" in page.text and "external_id: t-text-0" in page.text
    async with db() as s:
        fmt = (await s.execute(select(InterviewFormat))).scalar_one()
        assert (fmt.time_limit_seconds, fmt.soft_limit_seconds, fmt.navigation) == (900, 180, "linear")
        assert (fmt.expiry_mode, fmt.grace_seconds, fmt.reviewers_required) == ("grace", 90, 2)
        assert fmt.blind_review and fmt.attempts_allowed == 1 and fmt.status == "published"
        assert fmt.auto_release
    listing = await admin.get("/admin/formats")
    assert "Admin-made format" in listing.text
    candidate = await as_role("candidate")
    assert "Admin-made format" in (await candidate.get("/interviews")).text
    assert (await candidate.get("/admin/formats")).status_code == 403
    r = await admin.post(fmt_url, data={**FORM, "title": "Renamed", "status": "closed"})
    assert r.status_code == 303
    assert "Renamed" not in (await candidate.get("/interviews")).text


async def test_invalid_input_re_renders_with_messages(as_role, bank, db) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    bad = {**FORM, "slots": "- {count: 0}", "time_limit_minutes": "0", "reviewers_required": "5"}
    r = await admin.post("/admin/formats/new", data=bad, headers={"HX-Request": "true"})
    assert r.status_code == 422
    assert 'id="slots-error"' in r.text and 'id="time_limit_minutes-error"' in r.text
    assert 'id="reviewers_required-error"' in r.text
    r = await admin.post("/admin/formats/new", data={**FORM, "slots": "- [unclosed"})
    assert r.status_code == 422 and "Not valid YAML" in r.text
    async with db() as s:
        assert (await s.execute(select(InterviewFormat))).first() is None


async def test_publishing_a_format_the_bank_cannot_fill_is_refused(as_role, bank, db) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    greedy = {**FORM, "slots": f"- {{topic: {TOPIC}, count: 3, kinds: [numeric]}}"}
    r = await admin.post("/admin/formats/new", data=greedy)
    assert r.status_code == 422
    assert "cannot fill slot 1" in r.text and "only 2 are available" in r.text
    async with db() as s:
        assert (await s.execute(select(InterviewFormat))).first() is None  # nothing half-saved
    r = await admin.post("/admin/formats/new", data={**greedy, "status": "draft"})
    assert r.status_code == 303  # a draft may wait for the bank to grow


@pytest.mark.slow  # seeds the whole bank
async def test_seed_formats_load_idempotently_on_the_seed_bank(db) -> None:  # type: ignore[no-untyped-def]
    docs = load_format_docs()
    assert len(docs) >= 4
    async with db() as s:
        await load_seed(s)
        first = await load_formats(s)
        assert first.created == len(docs) and not first.not_published, str(first)
        second = await load_formats(s)
        assert second.created == 0 and second.updated == 0 and second.unchanged == len(docs)
        formats = (await s.execute(select(InterviewFormat))).scalars().all()
        assert {f.slug for f in formats} >= {
            "fundamentals-screen",
            "gradient-descent-deep-dive",
            "learning-theory-round",
            "rapid-fire",
            "written-explanations",
        }
        assert all(f.status == "published" for f in formats)
        await s.rollback()


async def test_publishing_an_edited_format_the_bank_cannot_fill_is_refused(as_role, bank, db) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    greedy = {**FORM, "slots": f"- {{topic: {TOPIC}, count: 3, kinds: [numeric]}}"}
    r = await admin.post("/admin/formats/new", data={**greedy, "status": "draft"})
    fmt_url = r.headers["location"].split("?")[0]
    r = await admin.post(fmt_url, data={**greedy, "title": "Now published", "status": "published"})
    assert r.status_code == 422 and "cannot fill slot 1" in r.text
    async with db() as s:
        fmt = (await s.execute(select(InterviewFormat))).scalar_one()
        assert fmt.status == "draft" and fmt.title == "Admin-made format"  # unchanged


async def test_a_taken_slug_is_refused_and_nothing_is_saved(as_role, db) -> None:  # type: ignore[no-untyped-def]
    """The slug's unique constraint answers 422 on the form (new and edited format); the first stays."""
    admin = await as_role("admin")
    await admin.get("/admin/formats/new")
    draft = {**FORM, "status": "draft", "slug": "same-slug"}
    first = await admin.post("/admin/formats/new", data=draft)
    assert first.status_code == 303, first.text
    r = await admin.post(
        "/admin/formats/new", data={**draft, "title": "Second"}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 422 and 'id="slug-error"' in r.text
    other = await admin.post("/admin/formats/new", data={**draft, "slug": "other-slug", "title": "Other"})
    other_url = other.headers["location"].split("?")[0]
    r = await admin.post(other_url, data={**draft, "title": "Renamed"}, headers={"HX-Request": "true"})
    assert r.status_code == 422 and 'id="slug-error"' in r.text
    async with db() as s:
        rows = (await s.execute(select(InterviewFormat.slug, InterviewFormat.title))).all()
    assert sorted(rows) == [("other-slug", "Other"), ("same-slug", FORM["title"])]
