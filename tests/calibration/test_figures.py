"""Per-mentor calibration figures: the formulas against hand-computed values and the `krippendorff`
package, and the mentor's and the admin's pages through HTTP."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import krippendorff
import numpy as np
import pytest

from app.calibration import figures
from app.calibration.figures import CriterionScore, Pair
from app.config import get_settings
from tests.calibration.test_anchors import TEXT_ONLY, _anchor, _question_id
from tests.factories import MakeFormat
from tests.reviews.conftest import claim, complete_draft

MON = datetime(2026, 11, 16, 9, tzinfo=UTC)


def test_deviation_and_bias_hand_computed() -> None:
    week2 = MON + timedelta(days=7)
    scores = [
        CriterionScore("A", 1, 2, 2, MON),  # d = -1/2
        CriterionScore("B", 3, 1, 3, MON + timedelta(days=2)),  # d = +2/3
        CriterionScore("A", 2, 2, 2, week2),  # d = 0
        CriterionScore("B", 0, 3, 3, week2),  # d = -1
    ]
    f = figures.mentor_figures(scores, [], anchor_reviews=2)
    assert f.overall.mad == pytest.approx(13 / 24) and f.overall.bias == pytest.approx(-5 / 24)
    a, b = f.criteria
    assert (a.label, a.n, a.mad, a.bias) == ("A", 2, pytest.approx(0.25), pytest.approx(-0.25))
    assert (b.mad, b.bias) == (pytest.approx(5 / 6), pytest.approx(-1 / 6))
    assert [w.week.day for w in f.weeks] == [16, 23]
    assert f.weeks[0].anchors.mad == pytest.approx((0.5 + 2 / 3) / 2)
    assert f.weeks[1].anchors.bias == pytest.approx(-0.5)
    assert figures.mentor_figures([], [], 0).overall.mad is None


def test_agreement_with_anchors_is_alpha_over_level_pairs() -> None:
    scores = [
        CriterionScore("A", 1, 2, 2, MON, mine_level=1, reference_level=2),
        CriterionScore("A", 1, 1, 2, MON, mine_level=1, reference_level=1),
        CriterionScore("B", 2, 2, 3, MON, mine_level=2, reference_level=2),
    ]
    f = figures.mentor_figures(scores, [], anchor_reviews=2)
    # units (1,2), (1,1), (2,2): the alpha of units (1,1), (2,2), (1,2) = 4/9
    assert f.with_anchors.alpha == pytest.approx(4 / 9) and f.with_anchors.pairs == 3
    assert f.weeks[0].with_anchors == f.with_anchors
    assert "Agreement with anchors (alpha)" in figures.trend_series(f.weeks)


def test_agreement_hand_computed_and_none() -> None:
    # units (1,1), (2,2), (1,2): alpha = 4/9 (as app/analytics' test)
    pairs = [Pair(1, 1, MON), Pair(2, 2, MON), Pair(1, 2, MON)]
    got = figures.agreement(pairs)
    assert got.alpha == pytest.approx(4 / 9) and got.pairs == 3
    assert figures.agreement([]) == figures.Agreement(None, 0)
    assert figures.agreement([Pair(1, 1, MON)]).alpha is None  # no variation


def test_agreement_matches_krippendorff_on_random_pairs() -> None:
    rng = random.Random(21)
    for _ in range(20):
        pairs = [Pair(rng.randint(0, 3), rng.randint(0, 3), MON) for _ in range(rng.randint(5, 40))]
        data = np.array([[p.mine for p in pairs], [p.other for p in pairs]], dtype=float)
        expected = krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal")
        got = figures.agreement(pairs).alpha
        assert got == pytest.approx(expected, abs=1e-9)


@pytest.mark.anyio
async def test_mentor_and_admin_pages_show_the_figures(
    bank: None, make_format: MakeFormat, as_role, db, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "calibration_set_size", 1)
    blind = await make_format(slots=TEXT_ONLY, blind_review=True)
    admin = await as_role("admin")
    await _anchor(admin, await _question_id(db), blind.id, levels=[2, 1])
    mentor = await as_role("mentor")
    assert 'id="no-figures"' in (await mentor.get("/mentor/calibration")).text
    review: dict[str, Any] = await claim(mentor)
    r = await mentor.post(
        f"/api/v1/reviews/{review['id']}/submit", json=complete_draft(review, levels=(1, 1))
    )
    assert r.status_code == 200, r.text
    # Correctness 1 against 2 of 2 points: -50 %; Explanation 1 against 1: 0 → MAD 25 %, bias -25 %
    page = await mentor.get("/mentor/calibration")
    assert page.status_code == 200
    assert "<strong>25 %</strong>" in page.text and "<strong>-25 %</strong>" in page.text
    assert "more severe than the reference" in page.text and "<svg" in page.text
    admin_page = await admin.get("/admin/analytics/calibration")
    assert admin_page.status_code == 200 and mentor.user.display_name in admin_page.text
    assert (await mentor.get("/admin/analytics/calibration")).status_code == 403
