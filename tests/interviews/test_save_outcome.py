"""The autosave statement's outcome row decoded into a reply or a refusal (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.errors import Invalid, NotAuthenticated, NotFound
from app.interviews.save_outcome import AttemptClosed, MovedOn, SaveRow, StaleRevision, decode

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
DEADLINE = NOW + timedelta(minutes=5)


def row(outcome: str, **kw: object) -> SaveRow:
    base: dict[str, object] = {
        "outcome": outcome,
        "revision": 3,
        "value": None,
        "saved_at": NOW,
        "save_id": "s-3",
        "state": "in_progress",
        "deadline_at": DEADLINE,
        "expiry_mode": "hard",
        "grace_seconds": 0,
    }
    base.update(kw)
    return SaveRow(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("outcome", "status"), [("saved", "saved"), ("duplicate", "saved"), ("unchanged", "unchanged")]
)
def test_stored_outcomes_are_a_200_with_the_servers_clock(outcome: str, status: str) -> None:
    out = decode(row(outcome), now=NOW, via_token=False)
    assert (out.status, out.revision, out.save_id) == (status, 3, "s-3")
    assert out.remaining_seconds == 300 and out.phase == "open"
    body = out.to_json()
    assert body["deadline_at"] == DEADLINE.isoformat() and body["saved_at"] == NOW.isoformat()


def test_a_stale_save_carries_the_stored_answer() -> None:
    with pytest.raises(StaleRevision) as caught:
        decode(row("stale", value={"text": "theirs"}), now=NOW, via_token=False)
    body = caught.value.to_json()
    assert body["reason"] == "stale" and body["revision"] == 3 and body["value"] == {"text": "theirs"}
    assert body["save_id"] == "s-3" and body["saved_at"] == NOW.isoformat()


@pytest.mark.parametrize(
    ("outcome", "error", "reason"),
    [
        ("closed", AttemptClosed, "closed"),
        ("moved_on", MovedOn, "moved_on"),
        ("not_found", NotFound, None),
        ("wrong_kind", Invalid, None),
    ],
)
def test_refusals(outcome: str, error: type[Exception], reason: str | None) -> None:
    with pytest.raises(error) as caught:
        decode(row(outcome), now=NOW, via_token=False)
    if reason:
        assert caught.value.reason == reason  # type: ignore[attr-defined]


def test_signed_out_says_which_credential() -> None:
    with pytest.raises(NotAuthenticated, match="sign in"):
        decode(row("signed_out"), now=NOW, via_token=False)
    with pytest.raises(NotAuthenticated, match="write scope"):
        decode(row("signed_out"), now=NOW, via_token=True)


def test_an_unknown_outcome_is_a_bug_not_a_reply() -> None:
    with pytest.raises(ValueError, match="unknown outcome"):
        decode(row("teleported"), now=NOW, via_token=False)
