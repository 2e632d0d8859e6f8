"""An import's rows into Postgres with COPY, formatted in a worker thread: the event loop only sends bytes.

Batched INSERT/UPDATE statements cost the loop their parameter processing (SQLAlchemy binds,
psycopg adaptation, a JSON dump per JSONB value): for 10,000 questions, seconds of loop time
in slices of tens of milliseconds, each one a delay for every candidate's autosave (issue 12).
Here the rows become COPY text in a worker thread, and the loop streams the bytes over the
request's own connection, so the write stays in the request's one transaction.

The questions' pointers to their new versions (the foreign keys go both ways) are copied into a
temporary table and applied with one UPDATE … FROM.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import anyio
from sqlalchemy import ARRAY, JSON, Table, text
from sqlalchemy.ext.asyncio import AsyncSession

SEND = 1 << 20  # bytes per write to the connection
ROWS = 1_000  # rows per COPY statement: each stays far below the statement timeout

POINTERS = ("id", "current_version_id", "version_count", "topic_id", "updated_at", "status")
MAKE_POINTERS = text(
    """
CREATE TEMPORARY TABLE import_pointer (
    id uuid PRIMARY KEY, current_version_id uuid NOT NULL, version_count int NOT NULL,
    topic_id int NOT NULL, updated_at timestamptz NOT NULL, status varchar(16))
"""
)
APPLY_POINTERS = text(
    """
UPDATE question q SET current_version_id = p.current_version_id, version_count = p.version_count,
       topic_id = p.topic_id, updated_at = p.updated_at, status = coalesce(p.status, q.status)
FROM import_pointer p WHERE q.id = p.id
"""
)
DROP_POINTERS = text("DROP TABLE import_pointer")


def _escape(s: str) -> str:
    """COPY text format: backslash, tab, newline and carriage return escaped."""
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _array_item(v: Any) -> str:
    if v is None:
        return "NULL"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _field(v: Any, kind: str) -> str:
    if v is None:
        return "\\N"
    if kind == "json":
        s = json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    elif kind == "array":
        s = "{" + ",".join(_array_item(x) for x in v) + "}"
    elif isinstance(v, bool):
        s = "t" if v else "f"
    elif isinstance(v, datetime):
        s = v.isoformat()
    elif isinstance(v, str | int | float | uuid.UUID):
        s = str(v)
    else:
        raise TypeError(f"no COPY text form for {type(v).__name__}")
    return _escape(s)


def copy_text(columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> bytes:
    """Rows as COPY text for (name, kind) columns; kind is "json", "array" or "plain"."""
    lines = ["\t".join(_field(row[name], kind) for name, kind in columns) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _columns(table: Table, names: list[str]) -> list[tuple[str, str]]:
    kinds = {
        c.name: "json" if isinstance(c.type, JSON) else "array" if isinstance(c.type, ARRAY) else "plain"
        for c in table.columns
    }
    return [(n, kinds[n]) for n in names]


async def _send(session: AsyncSession, table: str, columns: list[tuple[str, str]], payload: bytes) -> None:
    raw = (await (await session.connection()).get_raw_connection()).driver_connection
    assert raw is not None
    names = ", ".join(n for n, _ in columns)
    async with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for i in range(0, len(payload), SEND):
            await copy.write(payload[i : i + SEND])


async def copy_rows(session: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> None:
    """COPY rows (dicts with the same keys, the table's column names) into the table."""
    if not rows:
        return
    await session.flush()  # anything the session still holds goes first
    columns = _columns(table, list(rows[0]))
    for i in range(0, len(rows), ROWS):
        payload = await anyio.to_thread.run_sync(copy_text, columns, rows[i : i + ROWS])
        await _send(session, table.name, columns, payload)


async def point_questions(session: AsyncSession, pointers: list[dict[str, Any]]) -> None:
    """Each question's current version, version count, topic, update time and (if given) status."""
    if not pointers:
        return
    columns = [(n, "plain") for n in POINTERS]
    payload = await anyio.to_thread.run_sync(
        lambda: copy_text(columns, [{n: p.get(n) for n in POINTERS} for p in pointers])
    )
    await session.execute(MAKE_POINTERS)
    await _send(session, "import_pointer", columns, payload)
    await session.execute(APPLY_POINTERS)
    await session.execute(DROP_POINTERS)
