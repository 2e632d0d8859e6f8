"""The pieces that keep a big import's results from stalling the event loop: they change no result."""

from __future__ import annotations

import json

import pytest

from app.imports.offload import PACK_SLICE, pack, unpack
from app.imports.preview import Preview, Row
from app.kit.heap import release_gradually

pytestmark = pytest.mark.anyio


def _rows(n: int) -> list[Row]:
    return [Row(i, f"line {i}", f"Question «{i}»", "numeric", "a/b", False, "create") for i in range(n)]


async def test_json_body_in_slices_is_the_same_json() -> None:
    preview = Preview(format="gift", rows=_rows(7))
    assert json.loads(preview.json_body(slice_rows=2)) == preview.to_json()
    empty = Preview(format="gift")
    assert json.loads(empty.json_body()) == empty.to_json()


async def test_unpacked_items_keep_their_own_references() -> None:
    rows = _rows(2 * PACK_SLICE + 3)
    items = [(row, (row, f"hash {row.index}")) for row in rows]
    back = await unpack(pack(items))
    assert [r.index for r, _ in back] == [r.index for r in rows]
    assert all(row is candidate[0] for row, candidate in back)  # one object, as before the trip


async def test_release_gradually_empties_the_lists() -> None:
    a, b = list(range(1_000)), [object()]
    await release_gradually(a, b)
    assert a == [] and b == []
