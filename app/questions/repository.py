"""Question bank queries. The list costs one query for the page (its total included) and
one for the topic list; a second count runs only for a page past the end. The list statement is
built once per shape of filters (`Shape`) with its values as bound parameters."""

from __future__ import annotations

import functools
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, Row, Select, String, bindparam, cast, func, literal_column, or_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import read_connection
from app.questions import topic_order
from app.questions.models import Question, QuestionVersion
from app.questions.schemas import ListParams

AREA = topic_order.AREA
TOPIC = topic_order.TOPIC


@dataclass
class TopicNode:
    id: int
    parent_id: int | None
    slug: str
    name: str
    description: str
    position: int
    path: str
    children: list[TopicNode] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.name


@dataclass
class TopicTree:
    """Shared by every request that reads the same topic rows (`topic_tree`): read it, never
    change it. `rendered`: what pages render from this tree alone, kept with it (the list filter's
    topic options, app/questions/routes.py)."""

    areas: list[TopicNode]
    by_id: dict[int, TopicNode]
    rendered: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def topics(self) -> list[TopicNode]:
        """Leaf topics in display order (what a question can belong to)."""
        return [t for a in self.areas for t in a.children]

    def label(self, topic_id: int) -> str:
        node = self.by_id.get(topic_id)
        if node is None:
            return ""
        parent = self.by_id.get(node.parent_id) if node.parent_id else None
        return f"{parent.name} › {node.name}" if parent else node.name


_TOPICS = select(
    TOPIC.c.id, TOPIC.c.parent_id, TOPIC.c.slug, TOPIC.c.name, TOPIC.c.description, TOPIC.c.position
).order_by(TOPIC.c.position, TOPIC.c.name)


async def topic_tree(session: AsyncSession) -> TopicTree:
    """All areas and topics in one query (plain rows on the session's connection: no ORM objects).
    The query runs every time; the tree is built once per distinct answer (`_tree`)."""
    rows = (await (await read_connection(session)).execute(_TOPICS)).all()
    return _tree(tuple(map(tuple, rows)))  # plain tuples: compared in C, not by Row.__eq__


@functools.lru_cache(maxsize=8)
def _tree(rows: tuple[Any, ...]) -> TopicTree:
    """The tree of these rows (keyed by their values: any change to a topic is a new tree). The
    list pages read it on every full page; building it was ~5,000 Python bytecodes of the
    candidate's ~58,000 (`python -m bench opcount`)."""
    nodes = {t[0]: TopicNode(t[0], t[1], t[2], t[3], t[4], t[5], t[2]) for t in rows}
    areas = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id else None
        if parent is None:
            areas.append(node)
        else:
            node.path = f"{parent.slug}/{node.slug}"
            parent.children.append(node)
    return TopicTree(areas, nodes)


async def question_counts(session: AsyncSession) -> dict[int, int]:
    """Questions per topic id (for the topic page: only empty topics can be deleted)."""
    stmt = select(Question.topic_id, func.count()).group_by(Question.topic_id)
    return {int(t): int(n) for t, n in (await session.execute(stmt)).all()}


# A search ranked by relevance looks at no more than this many matches: ranking and counting
# every match of a common word ("gradient" is in a fifth of a 100,000-question bank) reads most
# of the table on every keystroke. Past the cap the page says "1000+" and ranks the first
# 1000 matches found; a more specific search (another word, a filter) narrows it.
SEARCH_CAP = 1000
ENGLISH: Any = literal_column("'english'::regconfig")
# The word being typed: a plain word at the very end, after a space (not `-word`, not in quotes).
_LAST_WORD = re.compile(r"(?:^|\s)([^\W_]{3,})$")
_OR = re.compile(r"(?:^|\s)or\s*$", re.IGNORECASE)


@dataclass
class Page:
    rows: list[Row[Any]]
    total: int
    page: int
    per_page: int
    capped: bool = False  # total is SEARCH_CAP: there are more matches than that

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class Shape:
    """What decides a list statement's SQL text; the values go in as bound parameters. One
    statement is built per shape (`_built`) and reused: building and hashing the SQLAlchemy
    expression cost ~29,000 Python bytecodes of a search page's ~136,000."""

    published_only: bool
    sort: str
    tsquery: str | None  # the form of the search (`_search`), None without one
    topic: bool = False
    tag: bool = False
    difficulty: bool = False
    kind: bool = False
    status: bool = False


def _search(q: str) -> tuple[str, dict[str, str]]:
    """websearch syntax (never raises on user input: quotes, `&|!:*()` and SQL are just text),
    with the last word a prefix ("gradi" finds gradient), still answered by the GIN index.
    Returns the form of the tsquery (`_tsquery`) and its bound values.

    The prefix is stemmed like the stored words ("penalt" → 'penalt':* finds 'penalti'); a
    prefix cut inside a stem's changed ending ("tunin" of 'tune') finds nothing until the
    word is complete."""
    words = q.rstrip()
    last = _LAST_WORD.search(words)
    if last is None or words.count('"') % 2:
        return "web", {"q_web": q}
    # only [^\W_] characters reach to_tsquery: no operator of its syntax can get in
    prefix = last.group(1) + ":*"
    head = words[: last.start(1)]
    if not head.strip():
        return "prefix", {"q_prefix": prefix}
    if _OR.search(head):
        return "or_prefix", {"q_head": _OR.sub("", head), "q_prefix": prefix}
    return "and_prefix", {"q_head": head, "q_prefix": prefix}


def _tsquery(form: str) -> Any:
    def web(name: str) -> Any:
        return func.websearch_to_tsquery(ENGLISH, bindparam(name, type_=String))

    prefix = func.to_tsquery(ENGLISH, bindparam("q_prefix", type_=String))
    if form == "web":
        return web("q_web")
    if form == "prefix":
        return prefix
    return web("q_head").op("||" if form == "or_prefix" else "&&")(prefix)


def _vector(*, published_only: bool) -> Any:
    """What a search matches: candidates search titles and prompts only (weights A, B); a match
    on the reference answer (weight C) would tell them what the answer contains."""
    return QuestionVersion.search_public if published_only else QuestionVersion.search


def _sort_keys(shape: Shape) -> list[tuple[Any, bool]]:
    """(expression, descending) pairs; the question id last so pages never overlap. Titles sort
    by `sort_title`, the current version's lower(title) kept on the question (an index per order)."""
    keys: list[tuple[Any, bool]]
    if shape.sort == "relevance":
        assert shape.tsquery is not None
        rank = func.ts_rank_cd(_vector(published_only=shape.published_only), _tsquery(shape.tsquery))
        keys = [(rank, True), (Question.updated_at, True)]
    elif shape.sort == "difficulty":
        keys = [(Question.current_difficulty, False), (Question.sort_title, False)]
    elif shape.sort == "title":
        keys = [(Question.sort_title, False)]
    elif shape.sort == "topic":
        keys = [(k, False) for k in (*topic_order.TOPIC_ORDER, Question.sort_title)]
    else:
        keys = [(Question.updated_at, True)]
    return [*keys, (Question.id, False)]


def _shape(params: ListParams, *, published_only: bool) -> tuple[Shape, dict[str, Any]]:
    """The shape of these filters' statement and the values it binds."""
    form, found = _search(params.q) if params.q else (None, {})
    values: dict[str, Any] = dict(found)
    shape = Shape(
        published_only,
        params.effective_sort,
        form,
        topic=params.topic is not None,
        tag=params.tag is not None,
        difficulty=params.difficulty is not None,
        kind=params.kind is not None,
        status=not published_only and params.status is not None,
    )
    if shape.topic:
        values["topic"] = params.topic
    if shape.tag:
        values["tag"] = params.tag
    if shape.difficulty:
        values["difficulty"] = params.difficulty
    if shape.kind:
        assert params.kind is not None
        values["kind"] = params.kind.value
    if shape.status:
        values["status"] = params.status
    return shape, values


def list_query(params: ListParams, *, published_only: bool) -> tuple[Select[Any], dict[str, Any]]:
    """The list statement for these filters (built once per shape) and its bound values."""
    shape, values = _shape(params, published_only=published_only)
    values["limit"] = params.per_page
    values["offset"] = (params.page - 1) * params.per_page
    return _built(shape), values


def list_statement(params: ListParams, *, published_only: bool) -> Select[Any]:
    """The list statement with its values bound (for EXPLAIN and the benchmarks' bare SQL)."""
    stmt, values = list_query(params, published_only=published_only)
    return stmt.params(values)


@functools.lru_cache(maxsize=512)
def _built(shape: Shape) -> Select[Any]:
    """One statement: pick the page and its total from the narrowest tables the filters and sort
    need, then join the current version and topic for those rows only."""
    if shape.sort == "topic" and not (shape.tsquery or shape.tag):
        question = Question.__table__.alias("q")
        page, order = topic_order.page(question, _own_filters(shape, question), topic=shape.topic)
        return _with_columns(page, order)
    keys = _sort_keys(shape)
    if shape.sort == "relevance":
        # rank and count at most SEARCH_CAP + 1 matches (the +1 tells the page there are more)
        hits = (
            _matches(shape)
            .add_columns(*(expr.label(f"k{i}") for i, (expr, _) in enumerate(keys)))
            .limit(SEARCH_CAP + 1)
            .subquery("hits")
        )
        cols = [hits.c[f"k{i}"] for i in range(len(keys))]
        inner = select(hits.c.qid, func.count().over().label("total"), *cols)
        order = [col.desc() if desc else col for col, (_, desc) in zip(cols, keys, strict=True)]
    else:
        # the total is its own count (evaluated once), not a window count: a window over every
        # match would read and sort them all before the first row, where an index in the page's
        # order reads the page alone (ix_question_updated, ix_question_sort_title, …)
        total = select(func.count()).select_from(_matches(shape).subquery("counted")).scalar_subquery()
        inner = _matches(shape, sort=True).add_columns(
            total.label("total"), *(expr.label(f"k{i}") for i, (expr, _) in enumerate(keys))
        )
        order = [expr.desc() if desc else expr for expr, desc in keys]
    page = (
        inner.order_by(*order)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("page")
    )
    return _with_columns(
        page, [page.c[f"k{i}"].desc() if desc else page.c[f"k{i}"] for i, (_, desc) in enumerate(keys)]
    )


def _with_columns(page: Any, order: list[Any]) -> Select[Any]:
    """The page's rows (`page.c.qid`, `page.c.total`) with what the list shows, in `order`."""
    outer = (
        select(
            Question.id,
            Question.status,
            Question.updated_at,
            Question.topic_id,
            QuestionVersion.number.label("version"),
            QuestionVersion.title,
            QuestionVersion.kind,
            QuestionVersion.difficulty,
            QuestionVersion.estimated_minutes,
            QuestionVersion.tags,
            TOPIC.c.slug.label("topic_slug"),
            TOPIC.c.name.label("topic_name"),
            AREA.c.slug.label("area_slug"),
            AREA.c.name.label("area_name"),
            page.c.total,
        )
        .select_from(page)
        .join(Question, Question.id == page.c.qid)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .join(TOPIC, TOPIC.c.id == Question.topic_id)
        .outerjoin(AREA, AREA.c.id == TOPIC.c.parent_id)
        .order_by(*order)
    )
    return outer  # type: ignore[return-value]


def _matches(shape: Shape, *, sort: bool = False) -> Select[Any]:
    """The question ids the filters select, from the narrowest join they need (`sort`: and the
    sort's: the topic order joins the topics)."""
    stmt = select(Question.id.label("qid")).select_from(Question)
    if shape.tsquery or shape.tag:
        # ix_question_current_version_id lets a search go from the matching versions to their
        # questions instead of hashing the whole question table
        stmt = stmt.join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
    if shape.topic or (sort and shape.sort == "topic"):
        stmt = stmt.join(TOPIC, TOPIC.c.id == Question.topic_id).outerjoin(
            AREA, AREA.c.id == TOPIC.c.parent_id
        )
    return stmt.where(*_filters(shape))


def _filters(shape: Shape) -> list[Any]:
    where = _own_filters(shape, Question.__table__)
    if shape.tsquery:
        tsq = _tsquery(shape.tsquery)
        where.append(_vector(published_only=shape.published_only).op("@@")(tsq))  # a GIN index either way
    if shape.topic:
        topic = bindparam("topic", type_=Integer)
        where.append(or_(TOPIC.c.id == topic, TOPIC.c.parent_id == topic))
    if shape.tag:
        tags = cast(array([bindparam("tag", type_=String)]), postgresql.ARRAY(String(63)))
        where.append(QuestionVersion.tags.op("@>")(tags))  # the GIN index on tags
    return where


def _own_filters(shape: Shape, question: Any) -> list[Any]:
    """The filters on the question table's own columns (`question`: the table or an alias)."""
    where: list[Any] = []
    if shape.published_only:
        where.append(question.c.status == literal_column("'published'"))  # the partial index's predicate
    elif shape.status:
        where.append(question.c.status == bindparam("status", type_=String))
    if shape.difficulty:
        where.append(question.c.current_difficulty == bindparam("difficulty", type_=Integer))
    if shape.kind:
        where.append(question.c.current_kind == bindparam("kind", type_=String))
    if not (shape.tsquery or shape.tag) and (shape.sort != "updated" or shape.difficulty or shape.kind):
        # what joining the current version kept (a search and a tag filter still join it): only
        # questions that have one (sort_title is NULL without)
        where.append(question.c.sort_title.is_not(None))
    return where


async def list_questions(session: AsyncSession, params: ListParams, *, published_only: bool) -> Page:
    """One query for the page and its total; a count query only when the page is past the end."""
    # Plain columns, executed as Core on the session's connection: the ORM's row loading adds
    # nothing to column rows but cost (the bank list is the most requested page). An ORM execute
    # would first flush pending changes: so does this (app/db.py, read_connection).
    conn = await read_connection(session)
    stmt, values = list_query(params, published_only=published_only)
    rows = list((await conn.execute(stmt, values)).all())
    if rows:
        total = int(rows[0].total)
    elif params.page == 1:
        total = 0
    else:
        total = await _count(conn, params, published_only=published_only)
    capped = total > SEARCH_CAP and params.effective_sort == "relevance"
    return Page(rows, SEARCH_CAP if capped else total, params.page, params.per_page, capped)


async def _count(conn: Any, params: ListParams, *, published_only: bool) -> int:
    """The total for a page past the end (built per call: a rare request)."""
    shape, values = _shape(params, published_only=published_only)
    matches = _matches(shape)
    if shape.sort == "relevance":
        matches = matches.limit(SEARCH_CAP + 1)
    count = select(func.count()).select_from(matches.subquery())
    return int((await conn.execute(count, values)).scalar_one())


def topic_path_of(row: Any) -> str:
    return f"{row.area_slug}/{row.topic_slug}" if row.area_slug else str(row.topic_slug)


async def get_question(session: AsyncSession, question_id: uuid.UUID) -> Question | None:
    return await session.get(Question, question_id)


async def get_version(
    session: AsyncSession, question: Question, number: int | None
) -> QuestionVersion | None:
    """A chosen version, or the current one."""
    if number is None:
        if question.current_version_id is None:
            return None
        return await session.get(QuestionVersion, question.current_version_id)
    stmt = select(QuestionVersion).where(
        QuestionVersion.question_id == question.id, QuestionVersion.number == number
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_versions(session: AsyncSession, question_id: uuid.UUID) -> list[QuestionVersion]:
    stmt = (
        select(QuestionVersion)
        .where(QuestionVersion.question_id == question_id)
        .order_by(QuestionVersion.number.desc())
    )
    return list((await session.execute(stmt)).scalars().all())


async def topic_label(session: AsyncSession, topic_id: int) -> tuple[str, str]:
    """(path, name) of a topic."""
    stmt = (
        select(TOPIC.c.slug, TOPIC.c.name, AREA.c.slug.label("area_slug"))
        .select_from(TOPIC)
        .outerjoin(AREA, AREA.c.id == TOPIC.c.parent_id)
        .where(TOPIC.c.id == topic_id)
    )
    row = (await session.execute(stmt)).one()
    path = f"{row.area_slug}/{row.slug}" if row.area_slug else row.slug
    return path, row.name
