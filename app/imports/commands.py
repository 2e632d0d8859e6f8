"""`mlmock import` / `mlmock export`: the same services in their own transaction."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

import app.models  # noqa: F401  (every table registered, so foreign keys resolve)
from app.config import Settings, get_settings
from app.db import make_engine, make_sessionmaker
from app.errors import AppError, TooLarge
from app.imports.export import Export, export_bank
from app.imports.service import ImportOptions, Preview, import_file


def report(preview: Preview, *, dry_run: bool, rows: bool) -> str:
    c = preview.counts
    lines = []
    if rows:
        for r in preview.rows:
            action = "error" if r.problems else r.action
            changes = f"  (changes: {', '.join(r.changes)})" if r.changes else ""
            note = f"  ({r.note})" if r.note else ""
            lines.append(f"{r.index:>5}  {action:<11}  {r.kind:<15}  {r.topic:<40}  {r.title}{changes}{note}")
    if preview.new_topics:
        lines.append("new topics: " + ", ".join(preview.new_topics))
    lines += [f"note: {n}" for n in preview.notes]
    lines += [f"warning: {w}" for r in preview.rows for w in r.warnings]
    skipped = {id(r) for r in preview.skipped}
    lines += [f"skipped: {p}" for r in preview.rows if id(r) in skipped for p in r.problems]
    problems = [str(p) for p in preview.problems] if preview.skip_invalid else preview.all_problems
    lines += [f"problem: {p}" for p in problems]
    summary = (
        f"{c['create']} to create, {c['new version']} new versions, {c['unchanged']} unchanged"
        f" ({preview.format or 'unknown format'}, {preview.seconds:.2f} s)"
    )
    if skipped:
        summary += f"; {len(skipped)} invalid question{'s' if len(skipped) != 1 else ''} skipped"
    if preview.imported:
        lines.append("imported: " + summary.replace("to create", "created"))
    elif preview.ok:
        lines.append(("dry run: " if dry_run else "") + summary)
    return "\n".join(lines)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def read_file(path: Path) -> bytes:
    """The file's bytes; a file over the limit is refused before it is read."""
    limit = get_settings().import_max_bytes
    size = path.stat().st_size
    if size > limit:
        raise TooLarge(f"the file is {size:,} bytes; the import limit is {limit:,} bytes")
    return path.read_bytes()


async def run_import(url: str, data: bytes, opts: ImportOptions, *, dry_run: bool) -> tuple[bool, str]:
    """Import a file in one transaction; (ok, report). Nothing is written unless ok."""
    settings = get_settings()
    engine = make_engine(url, pool_size=1)
    try:
        return await _import_in_transaction(engine, data, opts, dry_run=dry_run, settings=settings)
    except (DBAPIError, OSError) as exc:  # a database that is down or refuses: a message, no traceback
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return False, f"the database refused the import ({reason}); nothing was imported"
    finally:
        await engine.dispose()


async def _import_in_transaction(
    engine: AsyncEngine, data: bytes, opts: ImportOptions, *, dry_run: bool, settings: Settings
) -> tuple[bool, str]:
    async with make_sessionmaker(engine)() as session, session.begin():
        try:
            preview = await import_file(
                session,
                data,
                opts,
                dry_run=dry_run,
                author_id=None,
                max_bytes=settings.import_max_bytes,
                max_questions=settings.import_max_questions,
                progress=_progress,
            )
        except AppError as exc:
            await session.rollback()  # all or nothing, whatever the service wrote before failing
            return False, exc.message
        if not preview.ok or dry_run:
            await session.rollback()
        return preview.ok, report(preview, dry_run=dry_run, rows=dry_run)


async def run_export(
    url: str, *, format: str, topic: str | None, tag: str | None, status: str | None
) -> Export:
    engine = make_engine(url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session:
            return await export_bank(session, format=format, topic=topic, tag=tag, status=status)
    finally:
        await engine.dispose()
