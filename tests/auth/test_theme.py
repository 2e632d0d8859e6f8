"""Dark mode remembered per account (issue 16): the toggle saves the choice when signed in and the
server renders it on <html>, on every device of that user, before any script runs."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.anyio

HTML_TAG = re.compile(r"<html[^>]*>")


def html_tag(page: str) -> str:
    match = HTML_TAG.search(page)
    assert match, page[:300]
    return match.group(0)


async def test_the_choice_is_saved_on_the_account_and_rendered_on_every_device(users, make_client) -> None:  # type: ignore[no-untyped-def]
    user, password = await users.create()
    laptop, phone = await make_client(), await make_client()
    await laptop.login(user.email, password)
    await phone.login(user.email, password)
    assert "data-theme" not in html_tag((await phone.get("/interviews")).text)  # follows the system

    r = await laptop.post("/account/theme", data={"theme": "dark"})
    assert r.status_code == 204

    tag = html_tag((await phone.get("/interviews")).text)  # another session of the same user
    assert 'data-theme="dark"' in tag and 'data-theme-saved="account"' in tag
    await laptop.post("/account/theme", data={"theme": "light"})
    assert 'data-theme="light"' in html_tag((await phone.get("/progress")).text)

    assert (await laptop.post("/account/theme", data={"theme": "system"})).status_code == 204
    assert "data-theme" not in html_tag((await phone.get("/progress")).text)


async def test_the_toggle_knows_where_to_save(as_role, client) -> None:  # type: ignore[no-untyped-def]
    signed_in = (await (await as_role("candidate")).get("/interviews")).text
    assert 'class="theme-toggle' in signed_in and 'data-save-url="/account/theme"' in signed_in
    anonymous = (await client.get("/login")).text
    assert 'class="theme-toggle' in anonymous  # per device when signed out
    assert "data-save-url" not in anonymous


async def test_a_bad_value_is_refused_and_changes_nothing(as_role) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    await c.post("/account/theme", data={"theme": "dark"})
    r = await c.post("/account/theme", data={"theme": "purple"})
    assert r.status_code == 422
    assert 'data-theme="dark"' in html_tag((await c.get("/account")).text)


async def test_saving_needs_a_session_and_the_csrf_token(as_role, client) -> None:  # type: ignore[no-untyped-def]
    await client.get("/login")  # an anonymous CSRF token, as a browser has
    r = await client.post("/account/theme", data={"theme": "dark"})
    assert r.status_code in (401, 303)
    c = await as_role("candidate")
    r = await c.post("/account/theme", data={"theme": "dark"}, csrf=False)
    assert r.status_code == 403
    assert "data-theme" not in html_tag((await c.get("/account")).text)


async def test_a_cross_site_post_cannot_change_the_theme(users, make_client) -> None:  # type: ignore[no-untyped-def]
    user, password = await users.create()
    c = await make_client()
    await c.login(user.email, password)
    assert (await c.post("/account/theme", data={"theme": "dark"}, csrf=False)).status_code == 403
    evil = {"Origin": "https://evil.example"}
    assert (await c.post("/account/theme", data={"theme": "dark"}, headers=evil)).status_code == 403
    assert (await c.post("/account/theme", data={"theme": "purple"})).status_code == 422
    assert "data-theme" not in html_tag((await c.get("/interviews")).text)
