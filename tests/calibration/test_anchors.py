"""Anchor answers (issue 21) through HTTP: an admin writes or marks them (validated, 422 with
messages), a new mentor's calibration set comes before their first real claim, anchors are mixed
into claims at the configured share, look like any attempt before the submit (queue, review page,
JSON) and show their reference after it; they never reach a candidate nor a result."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.config import get_settings
from app.interviews.models import Attempt, AttemptItem
from app.kit import clock
from app.questions.models import Question
from app.reviews import anchors
from app.reviews.models import ReviewOutcome
from tests import factories
from tests.factories import MakeFormat
from tests.reviews.conftest import ANSWERS, claim, complete_draft, take_interview

pytestmark = pytest.mark.anyio

RATIONALE = "Right threshold but **no** reason why the iteration diverges."
TEXT_ONLY = [{"external_id": "rv-text"}]


@pytest.fixture
def calibration(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    settings = get_settings()
    monkeypatch.setattr(settings, "calibration_set_size", 2)
    # no mixing beyond the set: the draw is keyed by the mentor's (random) id, so with a share here
    # "the claim after the set is the real attempt" failed about one run in ten (seen on CI)
    monkeypatch.setattr(settings, "anchor_share", 0.0)
    yield settings


async def _question_id(db: Any, external_id: str = "rv-text") -> uuid.UUID:
    async with db() as s:
        return (await s.execute(select(Question.id).where(Question.external_id == external_id))).scalar_one()


async def _anchor(admin: Any, question_id: uuid.UUID, format_id: uuid.UUID, **over: Any) -> dict[str, Any]:
    body = {
        "question_id": str(question_id),
        "format_id": str(format_id),
        "answer_text": ANSWERS["free_text"]["text"],
        "levels": [2, 1],
        "recommendation": "lean_yes",
        "rationale": RATIONALE,
    } | over
    r = await admin.post("/api/v1/anchors", json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_anchor_validation_api_and_form(bank: None, make_format: MakeFormat, as_role, db) -> None:
    blind = await make_format(slots=TEXT_ONLY, blind_review=True)
    open_fmt = await make_format(slots=TEXT_ONLY, title="Not blind")
    admin = await as_role("admin")
    qid = await _question_id(db)
    body = {
        "question_id": str(qid),
        "format_id": str(open_fmt.id),
        "answer_text": "  ",
        "levels": [2, 9],
        "recommendation": "maybe",
        "rationale": "short",
    }
    r = await admin.post("/api/v1/anchors", json=body)
    assert r.status_code == 422
    fields = r.json()["fields"]
    assert set(fields) == {"format_id", "answer_text", "level-1", "recommendation", "rationale"}
    assert "blind" in fields["format_id"]
    # an objective question cannot be an anchor
    r = await admin.post(
        "/api/v1/anchors", json=body | {"question_id": str(await _question_id(db, "rv-single"))}
    )
    assert r.status_code == 422 and "question_id" in r.json()["fields"]
    # mentors cannot write anchors
    mentor = await as_role("mentor")
    assert (await mentor.post("/api/v1/anchors", json=body)).status_code == 403
    # the form re-renders with the messages and the admin's input, and keeps nothing
    page = await admin.get(f"/admin/anchors/new?question_id={qid}")
    assert page.status_code == 200 and "Correctness" in page.text
    form = {
        "question_id": str(qid),
        "format_id": str(open_fmt.id),
        "answer_text": "My answer",
        "level-0": "1",
    }
    r = await admin.post("/admin/anchors", data=form)
    assert r.status_code == 422
    for message in (
        "Choose a blind format",
        "Choose the reference level for “Explanation”.",
        "Explain the reference",
    ):
        assert message in r.text
    assert "My answer" in r.text and 'aria-invalid="true"' in r.text
    assert (await admin.get("/api/v1/anchors")).json() == []
    # valid: stored, listed
    form |= {"format_id": str(blind.id), "level-1": "3", "recommendation": "yes", "rationale": RATIONALE}
    r = await admin.post("/admin/anchors", data=form)
    assert r.status_code in (200, 303), r.text
    listed = (await admin.get("/api/v1/anchors")).json()
    assert [(a["reference_levels"], a["reference_recommendation"]) for a in listed] == [([1, 3], "yes")]
    assert "Step size" in (await admin.get("/admin/anchors")).text


async def test_real_answer_marked_as_anchor(bank: None, make_format: MakeFormat, as_role) -> None:
    blind = await make_format(slots=TEXT_ONLY, blind_review=True)
    cand = await as_role("candidate")
    attempt = await take_interview(cand, blind.id)
    admin = await as_role("admin")
    review = await claim(admin)  # the admin finds the item id on the attempt they review
    item_id = review["items"][0]["id"]
    # the admin's page of the attempt offers to mark each written answer as an anchor
    listed = await admin.get(f"/admin/reviews/attempts/{attempt['id']}")
    assert f'href="/admin/anchors/new?item_id={item_id}"' in listed.text
    page = await admin.get(f"/admin/anchors/new?item_id={item_id}")
    assert page.status_code == 200 and "diverges" in page.text  # the candidate's answer, prefilled
    r = await admin.post(
        "/api/v1/anchors",
        json={
            "item_id": item_id,
            "format_id": str(blind.id),
            "answer_text": ANSWERS["free_text"]["text"],
            "levels": [1, 2],
            "recommendation": "no",
            "rationale": RATIONALE,
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["source_item_id"] == item_id
    assert attempt["id"]


async def test_calibration_set_before_first_real_claim(
    bank: None, make_format: MakeFormat, as_role, db, calibration: Any
) -> None:
    blind = await make_format(slots=TEXT_ONLY, blind_review=True)
    admin = await as_role("admin")
    qid = await _question_id(db)
    for levels in ([2, 1], [1, 3], [0, 0]):
        await _anchor(admin, qid, blind.id, levels=levels)
    cand = await as_role("candidate")
    real = await take_interview(cand, blind.id)
    mentor = await as_role("mentor")
    queue = await mentor.get("/reviews")
    assert 'id="calibration-set"' in queue.text and "0 done" in queue.text
    for _ in range(2):
        review = await claim(mentor)
        assert review["attempt"]["id"] != real["id"]
        rid = review["id"]
        before = await mentor.get(f"/reviews/{rid}")
        assert "anchor-reveal" not in before.text and "no</strong> reason" not in before.text
        assert (await mentor.get(f"/api/v1/calibration/reviews/{rid}")).status_code == 404
        r = await mentor.post(f"/api/v1/reviews/{rid}/submit", json=complete_draft(review, levels=(1, 1)))
        assert r.status_code == 200, r.text
        after = await mentor.get(f"/reviews/{rid}")
        assert 'id="anchor-reveal"' in after.text and "<strong>no</strong> reason" in after.text
        assert "Part of your calibration set" in after.text
        shown = (await mentor.get(f"/api/v1/calibration/reviews/{rid}")).json()
        assert shown["calibration_set"] and "<strong>no</strong> reason" in shown["rationale_html"]
        assert [c["reference_level"] for c in shown["criteria"]] in ([2, 1], [1, 3], [0, 0])
        assert [c["mine_level"] for c in shown["criteria"]] == [1, 1]
    # the set is done: the notice is gone and the next claim is the real attempt
    assert 'id="calibration-set"' not in (await mentor.get("/reviews")).text
    assert (await claim(mentor))["attempt"]["id"] == real["id"]


def _normalised(html: str) -> str:
    """A page with what differs between any two attempts blanked: ids, times, numbers, pseudonym."""
    html = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", html)
    html = re.sub(r'id="candidate-label">[^<]*<', 'id="candidate-label">X<', html)
    html = re.sub(r'name="csrf[^"]*" value="[^"]*"', "CSRF", html)
    html = re.sub(r'content="[A-Za-z0-9_\-]{20,}"', "TOKEN", html)
    return re.sub(r"\d+", "0", html)


async def test_mixed_anchor_looks_like_a_real_attempt_until_submitted(
    bank: None, make_format: MakeFormat, as_role, db, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "calibration_set_size", 0)
    monkeypatch.setattr(get_settings(), "anchor_share", 0.5)
    blind = await make_format(slots=TEXT_ONLY, blind_review=True, reviewers_required=2)
    admin = await as_role("admin")
    qid = await _question_id(db)
    for i in range(6):  # six different anchors of one answer text (the pages must look alike)
        await _anchor(admin, qid, blind.id, levels=[i % 3, i // 3])
    cand = await as_role("candidate")
    first = await take_interview(cand, blind.id)
    async with db() as s:
        attempt = await s.get(Attempt, uuid.UUID(first["id"]))
    await factories.clone_attempts(db, attempt.id, 12)
    mentor = await as_role("mentor")
    async with db() as s:
        presented = set((await s.execute(select(anchors.AnchorPresentation.attempt_id))).scalars())
    assert not presented
    real_ids: list[str] = []
    anchor_reviews: list[dict[str, Any]] = []
    real_reviews: list[dict[str, Any]] = []
    for _ in range(12):
        queue_html = (await mentor.get("/reviews")).text
        queue_json = (await mentor.get("/api/v1/reviews/queue")).json()
        for text in (queue_html, str(queue_json)):
            assert RATIONALE not in text and "anchor" not in text.lower() and "calibration-set" not in text
        review = await claim(mentor)
        # the claim takes the head of the queue the mentor just saw, anchor or not
        assert review["attempt"]["id"] == queue_json["items"][0]["attempt_id"]
        async with db() as s:
            is_anchor = (
                await s.get(anchors.AnchorPresentation, uuid.UUID(review["attempt"]["id"]))
            ) is not None
        (anchor_reviews if is_anchor else real_reviews).append(review)
        if not is_anchor:
            real_ids.append(review["attempt"]["id"])
    assert anchor_reviews and real_reviews
    a, r = anchor_reviews[0], real_reviews[0]
    # the JSON: same keys and shapes, the same format and question, a pseudonym, no reference anywhere
    assert a.keys() == r.keys() and a["attempt"].keys() == r["attempt"].keys()
    assert a["attempt"]["format_title"] == r["attempt"]["format_title"] and a["attempt"]["blind"]
    assert [i["title"] for i in a["items"]] == [i["title"] for i in r["items"]]
    assert RATIONALE not in str(a)
    # the page: identical once ids, times, numbers and the pseudonym are blanked
    page_a = (await mentor.get(f"/reviews/{a['id']}")).text
    page_r = (await mentor.get(f"/reviews/{r['id']}")).text
    assert _normalised(page_a) == _normalised(page_r)
    # the reveal API answers alike (404, same body) for both before the submit
    before = [(await mentor.get(f"/api/v1/calibration/reviews/{rv['id']}")) for rv in (a, r)]
    assert [b.status_code for b in before] == [404, 404] and before[0].json() == before[1].json()
    # submitted: the anchor shows its reference, the real one does not
    for rv in (a, r):
        res = await mentor.post(f"/api/v1/reviews/{rv['id']}/submit", json=complete_draft(rv, levels=(1, 1)))
        assert res.status_code == 200, res.text
    page_a = (await mentor.get(f"/reviews/{a['id']}")).text
    assert 'id="anchor-reveal"' in page_a and "<strong>no</strong> reason" in page_a
    assert "anchor-reveal" not in (await mentor.get(f"/reviews/{r['id']}")).text
    assert (await mentor.get(f"/api/v1/calibration/reviews/{a['id']}")).status_code == 200
    assert (await mentor.get(f"/api/v1/calibration/reviews/{r['id']}")).status_code == 404
    # the stand-in attempt never counts and never completes a review set
    async with db() as s:
        stand_in = await s.get(Attempt, uuid.UUID(a["attempt"]["id"]))
        assert stand_in is not None and not stand_in.counted and stand_in.state == "in_review"
        assert await s.get(ReviewOutcome, stand_in.id) is None
    assert cand.user.id != stand_in.user_id
    notifications = await cand.get("/notifications")
    assert notifications.status_code == 200


def test_anchor_turns_share_over_many_claims() -> None:
    """The keyed draw gives the configured share over many claims (here 100,000, per mentor)."""
    for share in (0.05, 0.1, 0.25):
        for _ in range(3):
            mentor = uuid.uuid4()
            turns = sum(anchors.is_anchor_turn("s" * 32, mentor, n, share) for n in range(1, 20_001))
            assert abs(turns / 20_000 - share) < 0.012  # > 5 standard deviations at these sizes
    assert not any(anchors.is_anchor_turn("s" * 32, uuid.uuid4(), n, 0.0) for n in range(1, 1000))


@pytest.mark.slow
async def test_claims_mix_anchors_at_the_configured_share(
    bank: None, make_format: MakeFormat, as_role, db, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "calibration_set_size", 0)
    monkeypatch.setattr(get_settings(), "anchor_share", 0.2)
    blind = await make_format(slots=TEXT_ONLY, blind_review=True)
    admin = await as_role("admin")
    qid = await _question_id(db)
    for i in range(80):  # 80 different anchors (the same one twice is refused)
        await _anchor(admin, qid, blind.id, answer_text=f"{ANSWERS['free_text']['text']} ({i})")
    first = await take_interview(await as_role("candidate"), blind.id)
    claims = 200
    await factories.clone_attempts(db, uuid.UUID(first["id"]), claims)
    mentor = await as_role("mentor")
    got = []
    for _ in range(claims):
        r = await mentor.post("/api/v1/reviews/claims")
        assert r.status_code == 201, r.text
        got.append(r.json()["attempt_id"])
    async with db() as s:
        presented = set(
            str(x) for x in (await s.execute(select(anchors.AnchorPresentation.attempt_id))).scalars()
        )
    share = sum(a in presented for a in got) / claims
    # 200 claims at 0.2: sd ≈ 0.028; the tolerance is > 3.5 sd (the draw is keyed by the mentor's id)
    assert 0.1 <= share <= 0.3, share


async def test_stand_in_attempts_stay_out_of_format_analytics(
    bank: None, make_format: MakeFormat, as_role, db, calibration: Any
) -> None:
    blind = await make_format(slots=TEXT_ONLY, blind_review=True, title="Calibration-shaped format")
    admin = await as_role("admin")
    qid = await _question_id(db)
    for i in range(2):
        await _anchor(admin, qid, blind.id, answer_text=f"{ANSWERS['free_text']['text']} ({i})")
    await take_interview(await as_role("candidate"), blind.id)
    mentor = await as_role("mentor")
    for _ in range(2):  # the calibration set: two stand-in attempts of this format
        review = await claim(mentor)
        r = await mentor.post(
            f"/api/v1/reviews/{review['id']}/submit", json=complete_draft(review, levels=(1, 1))
        )
        assert r.status_code == 200
    csv = (await admin.get(f"/admin/analytics/formats?format_id={blind.id}&export=csv")).text
    row = next(line for line in csv.splitlines() if line.startswith("Calibration-shaped format"))
    started, submitted, _expired, _running, not_counted = row.split(",")[2:7]
    assert (started, submitted, not_counted) == ("1", "1", "0"), row


async def test_calibration_set_comes_first_even_behind_old_attempts(
    bank: None, make_format: MakeFormat, as_role, db, calibration: Any
) -> None:
    blind = await make_format(slots=TEXT_ONLY, blind_review=True)
    admin = await as_role("admin")
    await _anchor(admin, await _question_id(db), blind.id)
    real = await take_interview(await as_role("candidate"), blind.id)
    clock.advance(timedelta(days=3))  # the real attempt has waited three days in the queue
    mentor = await as_role("mentor")
    review = await claim(mentor)
    assert review["attempt"]["id"] != real["id"]
    async with db() as s:
        assert await s.get(anchors.AnchorPresentation, uuid.UUID(review["attempt"]["id"])) is not None


async def test_real_answer_anchor_carries_its_whole_attempt(
    bank: None, make_format: MakeFormat, as_role, db, calibration: Any
) -> None:
    """Marked from a real attempt and presented under that attempt's format, the stand-in has every
    question of it (not a lone one), so its review page is a real one's with other ids and times."""
    calibration.calibration_set_size = 1  # (the fixture's monkeypatch restores it)
    blind = await make_format(blind_review=True)  # free text, single choice, numeric
    source = await take_interview(await as_role("candidate"), blind.id)
    admin = await as_role("admin")
    async with db() as s:
        items = (
            await s.execute(select(AttemptItem).where(AttemptItem.attempt_id == uuid.UUID(source["id"])))
        ).scalars()
        text_item = next(i for i in items if i.kind == "free_text")
    r = await admin.post(
        "/api/v1/anchors",
        json={
            "item_id": str(text_item.id),
            "format_id": str(blind.id),
            "answer_text": ANSWERS["free_text"]["text"],
            "levels": [2, 1],
            "recommendation": "yes",
            "rationale": RATIONALE,
        },
    )
    assert r.status_code == 201, r.text
    mentor = await as_role("mentor")
    a = await claim(mentor)  # the calibration set: the anchor
    assert a["attempt"]["id"] != source["id"]
    assert [i["kind"] for i in a["items"]] == ["free_text", "single_choice", "numeric"]
    page_a = (await mentor.get(f"/reviews/{a['id']}")).text
    res = await mentor.post(f"/api/v1/reviews/{a['id']}/submit", json=complete_draft(a, levels=(1, 1)))
    assert res.status_code == 200, res.text
    shown = (await mentor.get(f"/api/v1/calibration/reviews/{a['id']}")).json()
    assert [(c["reference_level"], c["mine_level"]) for c in shown["criteria"]] == [(2, 1), (1, 1)]
    rv = await claim(mentor)
    assert rv["attempt"]["id"] == source["id"]  # the real attempt the anchor was taken from
    page_r = (await mentor.get(f"/reviews/{rv['id']}")).text
    assert _normalised(page_a) == _normalised(page_r)
    # the figures count the anchor's own answer only: Correctness 1 vs 2 of 2, Explanation 1 vs 1
    figures_page = (await mentor.get("/mentor/calibration")).text
    assert "<strong>25 %</strong>" in figures_page
