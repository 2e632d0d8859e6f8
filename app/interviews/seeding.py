"""Seed interview formats from seed/formats.yaml (idempotent: by slug; a changed entry updates the format)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Invalid
from app.interviews import formats
from app.interviews.models import InterviewFormat
from app.interviews.schemas import FormatDoc
from app.questions.seedcheck import load_yaml
from app.resources import data_path

FORMATS_FILE = data_path("seed", "formats.yaml")


@dataclass
class FormatSeedReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    not_published: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"formats: {self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        if self.not_published:
            text += "; left as draft (the bank cannot fill them): " + ", ".join(self.not_published)
        return text


def load_format_docs(path: Path = FORMATS_FILE) -> list[FormatDoc]:
    raw = load_yaml(path) or []
    return [FormatDoc.model_validate(entry) for entry in raw]


async def load_formats(session: AsyncSession, path: Path = FORMATS_FILE) -> FormatSeedReport:
    """Create or update the seed formats; one the bank cannot fill stays a draft (reported)."""
    report = FormatSeedReport()
    for doc in load_format_docs(path):
        fmt = (
            await session.execute(select(InterviewFormat).where(InterviewFormat.slug == doc.slug))
        ).scalar_one_or_none()
        if fmt is not None and formats.doc_of(fmt) == doc:
            report.unchanged += 1
            continue
        try:
            async with session.begin_nested():
                await formats.save_format(session, doc, admin=None, fmt=fmt)
        except Invalid:
            await formats.save_format(
                session, doc.model_copy(update={"status": "draft"}), admin=None, fmt=fmt
            )
            report.not_published.append(doc.slug or doc.title)
        if fmt is None:
            report.created += 1
        else:
            report.updated += 1
    return report
