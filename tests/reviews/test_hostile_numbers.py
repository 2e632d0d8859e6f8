"""A number typed in other digits ("²", "١") passes str.isdigit() but not int(): the annotation
form must refuse it as a bad offset (422 with a message), not answer 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import MakeFormat
from tests.reviews.test_annotations import HTMX, annotated_review


@pytest.mark.anyio
async def test_annotation_offsets_in_non_ascii_digits_are_not_a_500(
    make_format: MakeFormat, as_role: Any
) -> None:
    _, mentor, review, item_id = await annotated_review(make_format, as_role)
    url = f"/reviews/{review['id']}/items/{item_id}/annotations"
    r = await mentor.post(url, data={"start": "²", "end": "٣", "comment": "Why?"}, headers=HTMX)
    assert r.status_code == 422, r.text
