"""Issue 16, defect 7: the audit log names people (not user UUIDs) and can be filtered by event
and by person."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.anyio


def _rows(html: str) -> list[str]:
    body = html.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"<[^>]+>", " ", r) for r in body.split("<tr")[1:]]


async def test_audit_log_shows_names_and_filters(as_role) -> None:
    admin = await as_role("admin")
    other = await as_role("candidate")  # its login is audited too

    page = await admin.get("/admin/audit")
    assert page.status_code == 200
    shown = " ".join(_rows(page.text))
    assert str(admin.user.id) not in shown  # the actor is named, not a UUID
    assert admin.user.display_name in page.text

    only_logins = await admin.get("/admin/audit", params={"event": "login"})
    rows = _rows(only_logins.text)
    assert rows and all(" login " in f" {' '.join(r.split())} " for r in rows)

    about_other = await admin.get("/admin/audit", params={"person": other.user.email})
    rows = _rows(about_other.text)
    assert rows and all(other.user.display_name in r or other.user.email in r for r in rows)
    assert all(admin.user.display_name not in r for r in rows)

    everything = await admin.get("/admin/audit", params={"event": "", "person": ""})
    assert everything.status_code == 200 and len(_rows(everything.text)) >= len(rows)
