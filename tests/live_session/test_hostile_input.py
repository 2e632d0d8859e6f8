"""Hostile and careless input on the live session's surfaces: a number that is not ASCII digits
("²" passes str.isdigit() but not int()), an event id past bigint, bodies that are not what the
page's script sends. Each must be an answer of the error contract (or be ignored), never a 500."""

from __future__ import annotations

import uuid

import pytest

from tests.live_session.conftest import LiveApps
from tests.live_session.test_ladder import SCRIPT, ladder_format
from tests.live_session.test_live import open_session, save
from tests.sse import sse

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("after", ["%C2%B2", "99999999999999999999999"])
async def test_a_resume_point_that_is_not_an_event_id_is_ignored(live: LiveApps, after: str) -> None:
    app = await live.started()
    await ladder_format(live)
    b = await live.book(app, app)
    await open_session(b)
    async with sse(app, b.mentor, f"/live/{b.session_id}/events?after={after}") as s:
        assert s.status == 200
        await s.pings(1)  # the stream runs (from now on)


async def test_a_prompt_reference_in_non_ascii_digits_is_refused_with_422(live: LiveApps) -> None:
    app = await live.started()
    await ladder_format(live)
    b = await live.book(app, app)
    attempt = await open_session(b)
    form = {"item_id": attempt["items"][0]["id"], "kind": "hint", "ref": "²", "send_id": uuid.uuid4().hex}
    r = await b.mentor.post(f"/live/{b.session_id}/prompts", data=form, headers=SCRIPT)
    assert r.status_code == 422, r.text
    assert r.json()["fields"] == {"kind": "unknown"}


async def test_notes_bodies_that_are_not_a_save_are_refused_clearly(live: LiveApps) -> None:
    app = await live.started()
    await ladder_format(live)
    b = await live.book(app, app)
    await open_session(b)
    url = f"/live/{b.session_id}/notes"
    json_type = {"Content-Type": "application/json"}
    for body in (b"{not json", b"[1, 2]", b'{"base_revision": "x", "save_id": "a", "text": 3}'):
        r = await b.mentor.post(url, content=body, headers=json_type)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]
    r = await b.mentor.post(url, json={"base_revision": 0, "save_id": "a", "text": "x" * 20_001})
    assert r.status_code == 413, r.text
    r = await b.mentor.post(
        url, json={"base_revision": 0, "save_id": "a", "text": "ok"}, headers=SCRIPT, csrf=False
    )
    assert r.status_code == 403 and r.json()["reason"] == "csrf", r.text
    r = await b.candidate.post(url, json={"base_revision": 0, "save_id": "a", "text": "mine"})
    assert r.status_code == 403, r.text


async def test_a_replay_from_zero_carries_only_the_sessions_own_attempt(live: LiveApps) -> None:
    """Last-Event-ID: 0 replays the whole outbox for this session: never another session's events
    (another candidate's answers), whoever asks; a stranger's replay is a 404."""
    app = await live.started()
    await ladder_format(live)
    mine, theirs = await live.book(app, app), await live.book(app, app)
    a, b = await open_session(mine), await open_session(theirs)
    await save(theirs.candidate, b, b["items"][0], "their secret answer", 0)
    await save(mine.candidate, a, a["items"][0], "my answer", 0)
    for who in (mine.mentor, mine.candidate):
        async with sse(app, who, f"/live/{mine.session_id}/events", headers={"Last-Event-ID": "0"}) as s:
            assert s.status == 200
            ev = await s.until("answer.saved")
            assert ev.payload["value"] == {"text": "my answer"}
            await s.pings(1)
            assert all(e.data.get("attempt_id") in (a["id"], None) for e in s.seen), s.seen
            assert all("their secret" not in str(e.data) for e in s.seen)
    async with sse(
        app, theirs.mentor, f"/live/{mine.session_id}/events", headers={"Last-Event-ID": "0"}
    ) as s:
        assert s.status == 404


async def test_notes_with_an_unpaired_surrogate_are_a_422_not_a_500(live: LiveApps) -> None:
    """`json.loads` accepts "\\ud800"; the driver cannot encode it (this answered 500)."""
    app = await live.started()
    await ladder_format(live)
    b = await live.book(app, app)
    await open_session(b)
    body = b'{"base_revision": 0, "save_id": "a", "text": "eta \\ud800"}'
    r = await b.mentor.post(
        f"/live/{b.session_id}/notes", content=body, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422, r.text
    assert "surrogate" in r.json()["error"]


async def test_refusals_of_the_pages_script_endpoints_are_json_whatever_the_accept_header(
    live: LiveApps,
) -> None:
    """The notes and the follow-up answers are posted by a script (fetch with a JSON body, or a
    beacon with a form body on leaving) that sends no Accept header: a CSRF refusal there, or a
    refusal of the security layer (cross-site, too large) of a JSON body, is the error contract's
    JSON (error, reason), never an HTML page or plain text the script cannot read."""
    app = await live.started()
    await ladder_format(live)
    b = await live.book(app, app)
    attempt = await open_session(b)
    save_body = {"base_revision": 0, "save_id": "a", "text": "ok"}
    urls = [
        (b.mentor, f"/live/{b.session_id}/notes"),
        (b.candidate, f"/attempts/{attempt['id']}/notes"),
        (b.candidate, f"/attempts/{attempt['id']}/items/{attempt['items'][0]['id']}/answer"),
        (b.candidate, f"/api/v1/attempts/{attempt['id']}/items/{attempt['items'][0]['id']}/answer"),
    ]
    for who, url in urls:
        for kw in ({"json": save_body}, {"data": {**save_body, "base_revision": "0"}}):
            r = await who.post(url, csrf=False, **kw)
            assert r.status_code == 403, (url, kw, r.text[:300])
            assert r.headers["content-type"].startswith("application/json"), (url, kw, r.text[:300])
            assert r.json()["reason"] == "csrf"
    # a fetch with a JSON body to a page's path: a script is asking, so JSON
    r = await b.candidate.post(f"/attempts/{attempt['id']}/submit", json={}, csrf=False)
    assert r.status_code == 403 and r.json()["reason"] == "csrf", r.text[:300]
    # refused by the security layer before any route ran: JSON for a JSON body
    url = f"/live/{b.session_id}/notes"
    r = await b.mentor.post(url, json=save_body, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and r.json()["reason"] == "cross_site", r.text[:300]
    r = await b.mentor.post(url, json={**save_body, "text": "x" * 2_000_000})
    assert r.status_code == 413 and r.json()["reason"] == "too_large", r.text[:300]
    # a form's refusal is still a page for the browser
    r = await b.candidate.post(f"/attempts/{attempt['id']}/submit", data={}, csrf=False)
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")


async def test_a_follow_up_over_its_limit_gets_its_own_message_at_any_length(live: LiveApps) -> None:
    """4,001 and 8,001 characters alike: the follow-up's message naming its limit (the parser's
    coarser limit answered the second with a generic 'Some fields are missing or invalid.')."""
    app = await live.started()
    await ladder_format(live)
    b = await live.book(app, app)
    attempt = await open_session(b)
    for n in (4_001, 8_001):
        form = {"item_id": attempt["items"][0]["id"], "kind": "follow_up", "text": "q" * n}
        r = await b.mentor.post(
            f"/live/{b.session_id}/prompts", data={**form, "send_id": uuid.uuid4().hex}, headers=SCRIPT
        )
        assert r.status_code == 422, r.text[:300]
        assert "4000 characters" in r.json()["error"] and r.json()["fields"] == {"text": "too long"}
