"""Digits in other scripts ("²", "٣") pass str.isdigit() but not int(): forms that read a number
must answer with their own message, never a 500 (the same defect was fixed in the live, review and
calibration forms; these are the older forms that had it)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.anyio


async def test_token_expiry_in_other_digits_is_refused_with_a_message(as_role: Any) -> None:
    c = await as_role("candidate")
    r = await c.post("/account/tokens", data={"name": "x", "scopes": ["write"], "expires_in_days": "²"})
    assert r.status_code == 422, r.text


async def test_topic_parent_in_other_digits_is_not_a_500(as_role: Any) -> None:
    admin = await as_role("admin")
    r = await admin.post("/admin/topics", data={"name": "Kernels", "parent_id": "²"})
    assert r.status_code in (303, 422), r.text
