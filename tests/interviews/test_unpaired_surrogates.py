"""A JSON body may escape half of a surrogate pair ("\\ud800"): `json.loads` accepts it, but the
result is not text Postgres (or any UTF-8 encoder) can store. The autosave (page and API) and the
scratchpad read their JSON themselves and answered 500 (UnicodeEncodeError in the driver); they
answer 422 with a message now and store nothing. A properly paired emoji is still saved."""

from __future__ import annotations

import pytest

from tests.interviews.conftest import MakeFormat, saving, start

pytestmark = pytest.mark.anyio
JSON = {"Content-Type": "application/json"}
LONE = ['"a\\ud800b"', '"a\\uDC00"', '"\\ud83d"']  # a high half, a low half, a pair cut short


@pytest.mark.parametrize("text", LONE)
async def test_an_answer_with_an_unpaired_surrogate_is_a_422(
    make_format: MakeFormat, as_role, text: str
) -> None:  # type: ignore[no-untyped-def]
    fmt = await make_format()
    cand = await as_role("candidate")
    attempt = await start(cand, fmt.id)
    item = next(i for i in attempt["items"] if i["kind"] == "free_text")
    for prefix in ("", "/api/v1"):
        url = f"{prefix}/attempts/{attempt['id']}/items/{item['id']}/answer"
        body = f'{{"base_revision": 0, "save_id": "s{prefix}", "text": {text}}}'
        r = await cand.post(url, content=body.encode(), headers=JSON)
        assert r.status_code == 422, r.text
        assert "surrogate" in r.json()["error"]
    got = (await cand.get(f"/api/v1/attempts/{attempt['id']}")).json()
    assert next(i for i in got["items"] if i["id"] == item["id"])["revision"] == 0  # nothing stored
    # a real pair (an emoji escaped as two halves) is one character and is stored
    url = f"/api/v1/attempts/{attempt['id']}/items/{item['id']}/answer"
    r = await cand.post(
        url, content=b'{"base_revision": 0, "save_id": "ok", "text": "ok \\ud83d\\ude00"}', headers=JSON
    )
    assert r.status_code == 200 and r.json()["revision"] == 1, r.text
    got = (await cand.get(f"/api/v1/attempts/{attempt['id']}")).json()
    assert next(i for i in got["items"] if i["id"] == item["id"])["answer"] == {"text": "ok \U0001f600"}


@pytest.mark.parametrize("text", LONE)
async def test_scratchpad_notes_with_an_unpaired_surrogate_are_a_422(
    make_format: MakeFormat, as_role, text: str
) -> None:  # type: ignore[no-untyped-def]
    fmt = await make_format()
    cand = await as_role("candidate")
    attempt = await start(cand, fmt.id)
    url = f"/attempts/{attempt['id']}/notes"
    body = f'{{"base_revision": 0, "save_id": "n1", "text": {text}}}'
    r = await cand.post(url, content=body.encode(), headers=JSON)
    assert r.status_code == 422, r.text
    assert "surrogate" in r.json()["error"]
    r = await cand.post(url, json={**saving(0, "n2"), "text": "eta = 0.1 \U0001f600"})
    assert r.status_code == 200 and r.json()["revision"] == 1, r.text


# the same halves as raw bytes (ED A0 80 is U+D800 in "UTF-8" as a lenient encoder writes it):
# json.loads(bytes) decodes with surrogatepass, so they reached the driver without any escape
RAW = [b"a\xed\xa0\x80b", b"\xed\xb0\x80", b"caf\xe9"]  # a high half, a low half, Latin-1 bytes


@pytest.mark.parametrize("raw", RAW)
async def test_a_save_whose_bytes_are_not_utf8_is_a_422(make_format: MakeFormat, as_role, raw: bytes) -> None:  # type: ignore[no-untyped-def]
    fmt = await make_format()
    cand = await as_role("candidate")
    attempt = await start(cand, fmt.id)
    item = next(i for i in attempt["items"] if i["kind"] == "free_text")
    urls = [
        f"/attempts/{attempt['id']}/items/{item['id']}/answer",
        f"/api/v1/attempts/{attempt['id']}/items/{item['id']}/answer",
        f"/attempts/{attempt['id']}/notes",
    ]
    for n, url in enumerate(urls):
        body = b'{"base_revision": 0, "save_id": "r%d", "text": "' % n + raw + b'"}'
        r = await cand.post(url, content=body, headers=JSON)
        assert r.status_code == 422, (url, r.status_code, r.text)
        assert r.json()["error"]
    got = (await cand.get(f"/api/v1/attempts/{attempt['id']}")).json()
    assert next(i for i in got["items"] if i["id"] == item["id"])["revision"] == 0  # nothing stored
