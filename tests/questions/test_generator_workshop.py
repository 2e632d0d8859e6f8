"""The generator workshop: the catalogue, and one generator rolled with the author's ranges."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.anyio


async def test_catalogue_and_roll(as_role) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    page = await admin.get("/admin/generators")
    assert page.status_code == 200
    assert len(re.findall(r'href="/admin/generators/[a-z_]+"', page.text)) >= 16

    rolled = await admin.get("/admin/generators/gd_quadratic_step?lo-lr=0.1&hi-lr=0.1")
    assert rolled.status_code == 200
    # three seeds side by side, each with its numbers, answers and worked solution
    assert len(re.findall(r'<article class="roll"', rolled.text)) == 3
    assert rolled.text.count("Worked solution") == 3
    assert len(re.findall(r"<mi>η</mi><mo>=</mo><mn>0.1</mn>", rolled.text)) == 3

    bad = await admin.get(
        "/admin/generators/gd_quadratic_step?lo-lr=0.5&hi-lr=0.1", headers={"HX-Request": "true"}
    )
    assert bad.status_code == 422 and "lr: low must not exceed high" in bad.text
    outside = await admin.get("/admin/generators/gd_quadratic_step?lo-lr=0&hi-lr=5")
    assert outside.status_code == 422 and "must stay within" in outside.text
    assert (await admin.get("/admin/generators/nope")).status_code == 404


async def test_candidates_cannot_open_the_workshop(as_role) -> None:  # type: ignore[no-untyped-def]
    cand = await as_role("candidate")
    assert (await cand.get("/admin/generators")).status_code == 403
