"""Export a filtered selection of the bank as native JSON, GIFT or Moodle XML."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import any_, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.errors import Invalid
from app.imports import gift_writer, moodle_xml, native_json
from app.imports.common import summarise_dropped
from app.questions.models import STATUSES, Question, QuestionVersion, Topic
from app.questions.native import AreaDoc, BankDoc, QuestionDoc, TopicDoc
from app.questions.service import doc_from_version

MEDIA = {"json": "application/json", "gift": "text/plain; charset=utf-8", "moodle-xml": "application/xml"}
SUFFIX = {"json": "json", "gift": "gift.txt", "moodle-xml": "xml"}


@dataclass
class Export:
    format: str
    content: str
    count: int
    dropped: list[str] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return f"mlmock-questions.{SUFFIX[self.format]}"

    @property
    def media_type(self) -> str:
        return MEDIA[self.format]


async def _known_topic(session: AsyncSession, a_slug: str, t_slug: str) -> None:
    """An unknown --topic is an error, not an empty export."""
    stmt = select(Topic.id).where(Topic.parent_id.is_(None), Topic.slug == a_slug)
    if t_slug:
        area = aliased(Topic)
        stmt = (
            select(Topic.id)
            .join(area, area.id == Topic.parent_id)
            .where(area.slug == a_slug, Topic.slug == t_slug)
        )
    if (await session.execute(stmt.limit(1))).scalar_one_or_none() is None:
        what = f"{a_slug}/{t_slug}" if t_slug else a_slug
        raise Invalid(
            f"Unknown topic {what!r}: use an area slug (e.g. optimisation) or area/topic slugs.",
            fields={"topic": "unknown"},
        )


async def export_bank(
    session: AsyncSession,
    *,
    format: str,
    topic: str | None = None,
    tag: str | None = None,
    status: str | None = None,
) -> Export:
    """The current version of every question matching the filters, in a stable order."""
    if format not in MEDIA:
        raise Invalid(
            f"Unknown format {format!r}; use json, gift or moodle-xml.", fields={"format": "unknown"}
        )
    if status and status not in STATUSES:
        raise Invalid(f"Unknown status {status!r}.", fields={"status": "unknown"})
    area = aliased(Topic)
    stmt = (
        select(Question.external_id, QuestionVersion, Topic, area)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .join(Topic, Topic.id == Question.topic_id)
        .join(area, area.id == Topic.parent_id)
        .order_by(
            area.slug,
            Topic.slug,
            Question.external_id.asc().nulls_last(),
            QuestionVersion.title,
            QuestionVersion.content_hash,
        )
    )
    if topic:
        a_slug, _, t_slug = topic.strip().partition("/")
        stmt = stmt.where(area.slug == a_slug)
        if t_slug:
            stmt = stmt.where(Topic.slug == t_slug)
        await _known_topic(session, a_slug, t_slug)
    if tag:
        stmt = stmt.where(literal(tag.strip()) == any_(QuestionVersion.tags))
    if status:
        stmt = stmt.where(Question.status == status)
    rows = (await session.execute(stmt)).all()
    docs: list[QuestionDoc] = []
    areas: dict[str, AreaDoc] = {}
    names: dict[str, tuple[str, str]] = {}
    for external_id, version, t, a in rows:
        path = f"{a.slug}/{t.slug}"
        docs.append(doc_from_version(version, topic=path, external_id=external_id))
        names[path] = (a.name, t.name)
        area_doc = areas.setdefault(
            a.slug, AreaDoc(slug=a.slug, name=a.name, description=a.description, topics=[])
        )
        if all(x.slug != t.slug for x in area_doc.topics):
            area_doc.topics.append(TopicDoc(slug=t.slug, name=t.name, description=t.description))
    if format == "json":
        content = native_json.dump(BankDoc(areas=list(areas.values()), questions=docs))
        return Export(format, content, len(docs))
    writer = gift_writer.write if format == "gift" else moodle_xml.write
    content, per_question = writer(docs, names)
    dropped = summarise_dropped(per_question)
    if dropped:  # the file itself says what it could not hold
        note = "Not exported (this format cannot hold them): " + "; ".join(dropped)
        if format == "gift":
            content = f"// {note}\n\n{content}"
        else:
            head, _, rest = content.partition("\n")
            content = f"{head}\n<!-- {note} -->\n{rest}"
    return Export(format, content, len(docs), dropped)
