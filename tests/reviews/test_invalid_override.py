"""The review page's Submit (a plain form post) with an override the rules refuse — a score but no
reason, or a score above the item's maximum — must re-render the page with the message (422) and
the mentor's input kept. Re-rendering computed the review's percent from that very draft, which
raised ScoringError: 500, and the mentor's form was lost."""

from __future__ import annotations

import pytest

from tests.factories import MakeFormat
from tests.reviews.conftest import claim, take_interview

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("value", "reason", "message"),
    [("0.5", "", "reason"), ("7", "Partial credit for the method.", "Between 0 and")],
)
async def test_a_refused_override_re_renders_the_review_with_its_message(
    make_format: MakeFormat, as_role, value: str, reason: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    fmt = await make_format()
    await take_interview(await as_role("candidate"), fmt.id)
    mentor = await as_role("mentor")
    review = await claim(mentor)
    numeric = next(i for i in review["items"] if i["kind"] == "numeric")
    p = f"i-{numeric['id']}-"
    form = {f"{p}override": value, f"{p}override-reason": reason, "summary": "Kept summary text."}
    r = await mentor.post(f"/reviews/{review['id']}/submit", data=form)
    assert r.status_code == 422, r.text[-2000:]
    assert message in r.text
    kept = (f'value="{value}"', f'value="{float(value)}"')  # the mentor's input kept
    assert any(v in r.text for v in kept) and "Kept summary text." in r.text
    assert (await mentor.get(f"/api/v1/reviews/{review['id']}")).json()["status"] == "claimed"
