"""The list in topic order (the candidates' default) without sorting the bank per request.

The order is the topics' (area position and name, topic position and name), then the title
(`sort_title`, the current version's lower(title)), then the id. Topics are few, questions many: the
statement counts each topic's matches (an index-only count per topic, whose sum is the total), ranks
the topics, and reads the page from `ix_question_published_topic_title` in the topics where it falls,
each in title order, skipping the topics before it by their counts instead of reading them.

Topics whose four keys are equal (two areas or topics of the same position and name) form one
group, and a group's questions interleave by title as they always did: the page takes from each of
the group's topics as many rows as the page could need and orders them together."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, bindparam, cast, func, or_, select, true

from app.questions.models import Topic

AREA = Topic.__table__.alias("area")
TOPIC = Topic.__table__
TOPIC_ORDER = (AREA.c.position, AREA.c.name, TOPIC.c.position, TOPIC.c.name)  # then the title


def page(question: Any, filters: list[Any], *, topic: bool) -> tuple[Any, list[Any]]:
    """The page's rows in topic order (`qid`, `total`) as a subquery, and its order. `question`: an
    alias of the question table, `filters`: the conditions on its own columns; `topic`: filtered by
    the topic bound as `topic` (an area: its topics too)."""
    limit = bindparam("limit", type_=Integer)
    offset = bindparam("offset", type_=Integer)
    # how many questions each topic (or area: a question may hang on one) has in this list
    n = select(func.count()).select_from(question).where(question.c.topic_id == TOPIC.c.id, *filters)
    topics = select(
        TOPIC.c.id.label("topic_id"),
        n.scalar_subquery().label("n"),
        func.dense_rank().over(order_by=TOPIC_ORDER).label("g"),
    ).select_from(TOPIC.outerjoin(AREA, AREA.c.id == TOPIC.c.parent_id))
    if topic:
        chosen = bindparam("topic", type_=Integer)
        topics = topics.where(or_(TOPIC.c.id == chosen, TOPIC.c.parent_id == chosen))
    ranked = topics.cte("ranked")
    grouped = select(ranked.c.g, func.sum(ranked.c.n).label("n")).group_by(ranked.c.g).subquery("grouped")
    starts = select(
        grouped.c.g,
        cast(grouped.c.n, BigInteger).label("n"),
        cast(func.sum(grouped.c.n).over(order_by=grouped.c.g) - grouped.c.n, BigInteger).label("start"),
        cast(func.sum(grouped.c.n).over(), BigInteger).label("total"),
    ).cte("starts")
    # each topic of a group the page overlaps: its first rows in title order, as many as the page
    # could need from the group (its other topics' rows may sort before them)
    rows = (
        select(question.c.id.label("qid"), question.c.sort_title.label("title_key"))
        .where(question.c.topic_id == ranked.c.topic_id, *filters)
        .order_by(question.c.sort_title, question.c.id)
        .limit(offset + limit - starts.c.start)
        .lateral("rows")
    )
    hits = (
        select(starts.c.g, starts.c.start, starts.c.total, rows.c.qid, rows.c.title_key)
        .select_from(starts.join(ranked, ranked.c.g == starts.c.g).join(rows, true()))
        .where(starts.c.n > 0, starts.c.start < offset + limit, starts.c.start + starts.c.n > offset)
        .subquery("hits")
    )
    # the rows read start at the first overlapping group's start: number them from there
    position = func.row_number().over(order_by=(hits.c.g, hits.c.title_key, hits.c.qid)) - 1
    numbered = select(
        hits.c.qid,
        hits.c.g,
        hits.c.title_key,
        hits.c.total,
        (position + func.min(hits.c.start).over()).label("pos"),
    ).subquery("numbered")
    window = (
        select(numbered.c.qid, numbered.c.g, numbered.c.title_key, numbered.c.total)
        .where(numbered.c.pos >= offset, numbered.c.pos < offset + limit)
        .subquery("page")
    )
    return window, [window.c.g, window.c.title_key, window.c.qid]
