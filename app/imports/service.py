"""Import: analyse a file into a preview (dry run), then write it in one transaction. Flush, never commit.

One entry point, `import_file`: it always analyses first; it writes only when asked and only
when the analysis found no problem at all (all or nothing). Questions go in with COPY, not
one ORM round trip each, so a 10,000-question file takes seconds.

The event loop stays free for everyone else: decoding, parsing, Markdown/LaTeX rendering and
hashing run in another process for a big file (offload.py), the rows are built and formatted
in worker threads and the loop only streams them over the request's connection
(app/questions/bulk_write.py: the questions domain writes its tables), in the request's one transaction. Real imports are serialised by a
transaction-scoped advisory lock taken before the analysis, so a second import sees the first
one's questions and never duplicates them; it waits up to LOCK_WAIT_SECONDS and is then told that another import is running.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
from pydantic import ValidationError
from sqlalchemy import ARRAY, BindParameter, String, any_, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.errors import Conflict, Invalid, TooLarge
from app.imports import gift, moodle_xml, native_json
from app.imports.common import Category, Parsed, ParseResult, Problem, slugify, validation_messages
from app.imports.merge import is_lossy, merge
from app.imports.offload import pack, run_cpu, unpack
from app.imports.preview import ImportOptions, Planned, Preview, Row
from app.kit.heap import release_gradually
from app.questions.bulk_write import write_versions
from app.questions.models import Question, QuestionVersion, Topic
from app.questions.native import AreaDoc, Provenance, QuestionDoc, TopicDoc
from app.questions.service import (
    content_hash,
    doc_from_version,
    ensure_topics,
    render_version,
)
from app.web import metrics

__all__ = ["FORMATS", "ImportOptions", "Preview", "Row", "analyse", "import_file"]

FORMATS = ("gift", "moodle-xml", "json")
PARSERS = {"gift": gift.parse, "moodle-xml": moodle_xml.parse, "json": native_json.parse}
LOCK_KEY = 0x6D6C_6D6F_636B_0001  # pg_advisory_xact_lock key of "an import is writing"
LOCK_WAIT_SECONDS = 120.0


class _Refused(Exception):
    pass


def decode(data: bytes, max_bytes: int) -> str:
    """Bytes → text with \\n newlines; a UTF-8 BOM is dropped. Refusals say why in plain words."""
    if len(data) > max_bytes:
        raise TooLarge(f"The file is {len(data):,} bytes; the import limit is {max_bytes:,} bytes.")
    if not data.strip():
        raise _Refused("The file is empty.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _Refused("The file is UTF-16 text; save it as UTF-8 and try again.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _Refused(
            f"The file is not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); "
            "save it as UTF-8 and try again."
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def detect_format(text: str, filename: str | None) -> str:
    name = (filename or "").lower()
    head = text.lstrip()[:1]
    if head == "<" or name.endswith(".xml"):
        return "moodle-xml"
    if name.endswith(".json") or (head == "{" and '"format_version"' in text[:2000]):
        return "json"
    return "gift"


class _Topics:
    """The topic tree, looked up by slug or by name, plus the topics an import would create."""

    def __init__(self, rows: list[Any], file_areas: list[AreaDoc]) -> None:
        self.areas = {t.id: t for t in rows if t.parent_id is None}
        self.paths = {f"{self.areas[t.parent_id].slug}/{t.slug}" for t in rows if t.parent_id in self.areas}
        self.rows = rows
        self.file_areas = {a.slug: a for a in file_areas}
        self.new: dict[str, AreaDoc] = {}

    def _find(self, name: str, parent: int | None) -> Any:
        slug, folded = slugify(name), name.casefold()
        for t in self.rows:
            if t.parent_id == parent and (t.name.casefold() == folded or t.slug == slug):
                return t
        return None

    def resolve(self, category: Category) -> tuple[str, bool]:
        area = self._find(category.area, None)
        topic = self._find(category.topic, area.id) if area else None
        if area and topic:
            return f"{area.slug}/{topic.slug}", False
        a_slug = area.slug if area else slugify(category.area)
        t_slug = slugify(category.topic)
        new = self.new.setdefault(a_slug, AreaDoc(slug=a_slug, name=category.area, topics=[]))
        if all(t.slug != t_slug for t in new.topics):
            new.topics.append(TopicDoc(slug=t_slug, name=category.topic))
        return f"{a_slug}/{t_slug}", True

    def check_native(self, path: str) -> tuple[bool, str | None]:
        if path in self.paths:
            return False, None
        a_slug, _, t_slug = path.partition("/")
        area = self.file_areas.get(a_slug)
        if area is None or all(t.slug != t_slug for t in area.topics):
            return False, f"unknown topic {path!r}: it is neither in the bank nor in the file's areas"
        new = self.new.setdefault(a_slug, area.model_copy(update={"topics": []}))
        if all(t.slug != t_slug for t in new.topics):
            new.topics.append(next(t for t in area.topics if t.slug == t_slug))
        return True, None


async def analyse(
    session: AsyncSession, data: bytes, opts: ImportOptions, *, max_bytes: int, max_questions: int
) -> tuple[Preview, list[Planned], list[AreaDoc]]:
    """The dry run: what would be created, versioned or skipped, and every problem with its place."""
    started = time.perf_counter()
    # plain rows (id, parent_id, slug, name): safe to read in the worker thread
    topic_rows = list(
        (await session.execute(select(Topic.id, Topic.parent_id, Topic.slug, Topic.name))).all()
    )
    preview, topics, packed = await run_cpu(
        _parse_and_pack, data, opts, topic_rows, max_bytes, max_questions, size=len(data)
    )
    pairs: list[tuple[Row, _Candidate | None]] = await unpack(packed)
    preview.rows = [row for row, _ in pairs]
    candidates = [c for _, c in pairs if c is not None]
    del pairs
    if topics is None:
        return preview, [], []
    planned = await _dedupe(session, candidates, preview.format or "", opts)
    await release_gradually(candidates)  # what is not planned goes now, by slices (app/kit/heap.py)
    preview.new_topics = sorted(f"{a.slug}/{t.slug}" for a in topics.new.values() for t in a.topics)
    preview.seconds = time.perf_counter() - started
    return preview, planned, list(topics.new.values())


_Candidate = tuple[Row, QuestionDoc, dict[str, Any], str]


def _parse_and_pack(
    data: bytes, opts: ImportOptions, topic_rows: list[Any], max_bytes: int, max_questions: int
) -> tuple[Preview, _Topics | None, list[bytes]]:
    """_parse_and_prepare, its rows and candidates packed in slices (offload.pack): each row with
    its candidate, which refers to that same row, so a row stays one object after unpacking."""
    preview, topics, candidates = _parse_and_prepare(data, opts, topic_rows, max_bytes, max_questions)
    ready = {id(c[0]): c for c in candidates}
    pairs = [(row, ready.get(id(row))) for row in preview.rows]
    preview.rows = []
    return preview, topics, pack(pairs)


def _parse_and_prepare(
    data: bytes, opts: ImportOptions, topic_rows: list[Any], max_bytes: int, max_questions: int
) -> tuple[Preview, _Topics | None, list[_Candidate]]:
    """The CPU part of the analysis (decode, parse, render, hash): in another process (offload.py)."""
    preview = Preview(format=opts.format, skip_invalid=opts.skip_invalid)
    try:
        text_ = decode(data, max_bytes)
    except _Refused as exc:
        preview.problems.append(Problem("file", str(exc)))
        return preview, None, []
    fmt = opts.format or detect_format(text_, opts.filename)
    if fmt not in PARSERS:
        raise Invalid(
            f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.", fields={"format": "unknown"}
        )
    preview.format = fmt
    # the reader stops one question past the limit: a file of 50,000 tiny questions is refused
    # after 5,001 of them, not after all (the worker is shared by every import)
    parsed: ParseResult = PARSERS[fmt](text_, limit=max_questions)
    preview.problems += parsed.problems
    preview.notes += parsed.notes
    if parsed.more:
        preview.problems.insert(
            0,
            Problem(
                "file", f"The file has more than {max_questions:,} questions; the limit is {max_questions:,}."
            ),
        )
        return preview, None, []
    if not parsed.items and not parsed.problems:  # (a file of descriptions only has none either)
        preview.problems.append(Problem("file", f"No questions found in this {fmt} file."))
    try:
        prov = Provenance(
            origin="imported",
            source_url=opts.source_url or None,
            licence=opts.licence or None,
            attribution=opts.attribution or None,
        )
    except ValidationError as exc:
        preview.problems += [Problem("provenance", m) for m in validation_messages(exc)]
        return preview, None, []
    keep_native_provenance = fmt == "json" and not (opts.source_url or opts.licence or opts.attribution)
    topics = _Topics(topic_rows, parsed.areas)
    candidates: list[_Candidate] = []
    for item in parsed.items:
        row, ready = _prepare(item, topics, prov, keep_native_provenance)
        preview.rows.append(row)
        if ready is not None:
            candidates.append((row, *ready))
    return preview, topics, candidates


def _prepare(
    item: Parsed, topics: _Topics, prov: Provenance, keep_provenance: bool
) -> tuple[Row, tuple[QuestionDoc, dict[str, Any], str] | None]:
    row = Row(
        item.index, item.where, item.title, item.kind, "", False, "error", [str(p) for p in item.problems]
    )
    row.warnings = [f"{item.where}: {w}" for w in item.notes]
    doc = item.doc
    if doc is None:
        return row, None
    if item.category is not None:
        row.topic, row.topic_new = topics.resolve(item.category)
    else:
        row.topic = doc.topic
        row.topic_new, problem = topics.check_native(doc.topic)
        if problem:
            row.problems.append(f"{item.where}: {problem}")
    doc = doc.model_copy(update={"topic": row.topic, **({} if keep_provenance else {"provenance": prov})})
    try:
        rendered = render_version(doc)
    except Invalid as exc:
        row.problems += [f"{item.where}: {f}: {m}" for f, m in exc.fields.items()]
        return row, None
    if row.problems:
        return row, None
    return row, (doc, rendered, content_hash(doc))


@dataclass
class _Existing:
    question_id: uuid.UUID
    version_count: int
    status: str
    hash: str
    version: QuestionVersion | None  # loaded for lossy formats only
    topic: str


def _texts(values: list[str]) -> BindParameter[Any]:
    # one array parameter: an IN list of 1,000 values is compiled and bound one by one on the loop
    array: ARRAY[Any] = ARRAY(String())
    return bindparam("values", values, type_=array)


async def _dedupe(
    session: AsyncSession, candidates: list[_Candidate], fmt: str, opts: ImportOptions
) -> list[Planned]:
    """Load what matches (external ids, content hashes), then plan in a worker thread."""
    ids = [d.external_id for _, d, _, _ in candidates if d.external_id]
    hashes = list({h for _, _, _, h in candidates})
    existing: dict[str, _Existing] = {}
    area = aliased(Topic)
    for chunk in range(0, len(ids), 1000):
        stmt = (
            select(Question.external_id, Question.id, Question.version_count, Question.status)
            .add_columns(QuestionVersion if is_lossy(fmt) else QuestionVersion.content_hash)
            .add_columns(area.slug, Topic.slug)
            .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
            .join(Topic, Topic.id == Question.topic_id)
            .join(area, area.id == Topic.parent_id)
            .where(Question.external_id == any_(_texts(ids[chunk : chunk + 1000])))
        )
        for e, qid, n, status, v, a_slug, t_slug in (await session.execute(stmt)).all():
            version = v if isinstance(v, QuestionVersion) else None
            h = version.content_hash if version is not None else v
            existing[e] = _Existing(qid, n, status, h, version, f"{a_slug}/{t_slug}")
    known: dict[str, tuple[uuid.UUID, str]] = {}  # content hash of any stored version → (question, status)
    for chunk in range(0, len(hashes), 1000):
        stmt2 = (
            select(QuestionVersion.content_hash, Question.id, Question.status)
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(QuestionVersion.content_hash == any_(_texts(hashes[chunk : chunk + 1000])))
        )
        known |= {h: (qid, status) for h, qid, status in (await session.execute(stmt2)).all()}
    keep_provenance = not (opts.source_url or opts.licence or opts.attribution)
    return await anyio.to_thread.run_sync(
        _plan, candidates, existing, known, fmt, opts.publish, keep_provenance
    )


def _plan(
    candidates: list[_Candidate],
    existing: dict[str, _Existing],
    known: dict[str, tuple[uuid.UUID, str]],
    fmt: str,
    publish: bool,
    keep_provenance: bool,
) -> list[Planned]:
    planned: list[Planned] = []
    seen_ids: dict[str, int] = {}
    seen_hashes: dict[str, int] = {}
    for row, doc, rendered, h in candidates:
        ext = doc.external_id
        if ext and ext in seen_ids:
            row.problems.append(f"{row.where}: external id {ext!r} is also used by question {seen_ids[ext]}")
            continue
        if ext:
            seen_ids[ext] = row.index
            if ext in existing:
                planned += _plan_existing(row, doc, rendered, h, existing[ext], fmt, publish, keep_provenance)
                continue
        elif h in known:
            row.action, row.note = "unchanged", "already in the bank"
            if publish and known[h][1] == "draft":
                row.note = "already in the bank, draft, will be published"
                planned.append(Planned(None, {}, h, known[h][0], publish_only=True))
            continue
        elif h in seen_hashes:
            row.action, row.note = "unchanged", f"same as question {seen_hashes[h]} in this file"
            continue
        seen_hashes.setdefault(h, row.index)
        row.action = "create"
        planned.append(Planned(doc, rendered, h))
    return planned


def _plan_existing(
    row: Row,
    doc: QuestionDoc,
    rendered: dict[str, Any],
    h: str,
    found: _Existing,
    fmt: str,
    publish: bool,
    keep_provenance: bool,
) -> list[Planned]:
    """Unchanged, or a new version; a lossy format changes only what it carries."""
    if found.version is not None:  # GIFT / Moodle XML
        stored = doc_from_version(found.version, topic=found.topic, external_id=doc.external_id)
        changes, merged, problem = merge(stored, doc, fmt)
        if problem:
            row.problems.append(f"{row.where}: merged with the stored version: {problem}")
            return []
        if row.topic != found.topic:
            changes.append("topic")
            merged = (merged or stored).model_copy(update={"topic": row.topic})
        if merged is not None and not keep_provenance:
            merged = merged.model_copy(update={"provenance": doc.provenance})
        if merged is not None:
            try:
                rendered = render_version(merged)
            except Invalid as exc:
                row.problems += [f"{row.where}: {f}: {m}" for f, m in exc.fields.items()]
                return []
            doc, h = merged, content_hash(merged)
        row.changes = changes
        changed = merged is not None and h != found.hash
    else:
        changed = h != found.hash
    if changed:
        row.action = "new version"
        return [Planned(doc, rendered, h, found.question_id, found.version_count)]
    row.action = "unchanged"
    if publish and found.status == "draft":
        row.note = "draft, will be published"
        return [Planned(None, {}, h, found.question_id, found.version_count, publish_only=True)]
    return []


async def _write(
    session: AsyncSession,
    planned: list[Planned],
    new_areas: list[AreaDoc],
    *,
    publish: bool,
    author_id: uuid.UUID | None,
) -> None:
    """The questions domain writes its own tables (app/questions/bulk_write.py); imports only plan."""
    if new_areas:
        await ensure_topics(session, new_areas)
    await write_versions(
        session,
        [p for p in planned if p.doc is not None],
        publish=publish,
        author_id=author_id,
        publish_drafts=[p.question_id for p in planned if p.publish_only and p.question_id is not None],
    )


async def _lock_imports(session: AsyncSession, wait_seconds: float, say: Callable[[str], None]) -> None:
    """Serialise real imports (until this transaction ends); refuse clearly after wait_seconds."""
    deadline = time.monotonic() + wait_seconds
    lock = text("SELECT pg_try_advisory_xact_lock(:key)")
    waiting = False
    while not (await session.execute(lock, {"key": LOCK_KEY})).scalar_one():
        if not waiting:
            say("another import is being written; waiting for it to finish …")
            waiting = True
        if time.monotonic() >= deadline:
            raise Conflict(
                "Another import is still being written; nothing was imported. Try again when it has finished."
            )
        await anyio.sleep(0.1)


async def import_file(
    session: AsyncSession,
    data: bytes,
    opts: ImportOptions,
    *,
    dry_run: bool,
    author_id: uuid.UUID | None,
    max_bytes: int,
    max_questions: int,
    lock_wait: float = LOCK_WAIT_SECONDS,
    progress: Callable[[str], None] | None = None,
) -> Preview:
    """Analyse a file; unless dry_run, write it when (and only when) it has no problem at all.

    `progress` (the CLI's stderr) hears each phase of a long import.
    """
    say = progress or (lambda _: None)
    started = time.perf_counter()
    if not dry_run:
        await _lock_imports(session, lock_wait, say)
    say(f"reading and checking {len(data):,} bytes …")
    preview, planned, new_areas = await analyse(
        session, data, opts, max_bytes=max_bytes, max_questions=max_questions
    )
    if not dry_run and preview.ok:
        say(f"{len(preview.rows):,} questions checked; writing {len(planned):,} …")
        await _write(session, planned, new_areas, publish=opts.publish, author_id=author_id)
        preview.imported = True
    await release_gradually(planned)
    preview.seconds = time.perf_counter() - started
    metrics.IMPORT_DURATION.labels(
        preview.format or "unknown", "dry_run" if dry_run else "import", "ok" if preview.ok else "problems"
    ).observe(preview.seconds)
    return preview
