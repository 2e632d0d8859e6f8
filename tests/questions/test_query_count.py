"""Acceptance 3 (cost): over 10,000 synthetic questions the list page runs a constant number
of SQL queries (≤ 3 for the list itself) whatever the page size, filters or search.

The bank is generated once for this module into a fresh database (bulk path; a test in
test_bulk.py checks it makes the same rows as the service's generator)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.dialects import postgresql

from app.config import get_settings
from app.db import make_engine, make_sessionmaker
from app.interviews.autosave_db import AutosaveDb, autosave_pool
from app.kit.ratelimit import PoolStore
from app.main import create_app
from app.questions.bulk import bulk_synthetic
from app.questions.models import Question
from app.questions.repository import list_statement
from app.questions.schemas import ListParams
from app.runtime import AppResources
from tests.factories import UserFactory
from tests.fixtures import Client

pytestmark = [pytest.mark.anyio, pytest.mark.slow]  # a 10,000-question bank per module
# Not the list's own queries: auth, and the rate limiter (its own connection pool in production).
AUTH_TABLES = ("user_session", "app_user", "api_token", "rate_limit")


@pytest.fixture(scope="module")
async def big_bank(make_database) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    url = make_database("mlmock_qcount")
    engine = make_engine(url, pool_size=1)
    async with make_sessionmaker(engine)() as s:
        await bulk_synthetic(s, 10_000)
        await s.commit()
        assert (await s.execute(select(func.count()).select_from(Question))).scalar_one() == 10_000
        await s.execute(text("ANALYZE"))  # the planner sees the bank's size, as in production
        await s.commit()
    await engine.dispose()
    yield url


@pytest.fixture
async def counted(big_bank: str) -> AsyncIterator[tuple[dict[str, Any], list[str]]]:
    statements: list[str] = []
    app = create_app(get_settings(), database_url=big_bank, background=False)
    engine = make_engine(big_bank, pool_size=4)
    maker = make_sessionmaker(engine)
    unused = AutosaveDb(autosave_pool(big_bank, get_settings()), get_settings())  # pages only here
    app.state.resources = AppResources(engine, maker, unused, PoolStore(big_bank, max_size=2))

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    clients: dict[str, Any] = {}
    for role in ("admin", "candidate"):
        user, password = await UserFactory(app.state.resources.sessionmaker).create(
            roles=["candidate", "mentor", "admin"] if role == "admin" else ["candidate"]
        )
        c = Client(transport=httpx.ASGITransport(app=app), base_url="https://testserver")
        await c.login(user.email, password)
        clients[role] = c
    yield clients, statements
    for c in clients.values():
        await c.aclose()
    await engine.dispose()


async def _list_queries(
    c: Client, statements: list[str], url: str, **kw: Any
) -> tuple[list[str], httpx.Response]:
    statements.clear()
    r = await c.get(url, **kw)
    assert r.status_code == 200, r.text[:500]
    # the session lookup is the same for every page; count what the list itself costs
    own = [s for s in statements if not any(t in s for t in AUTH_TABLES)]
    return own, r


async def test_list_page_query_count_is_constant(counted) -> None:
    clients, statements = counted
    admin = clients["admin"]
    seen = set()
    for per_page in (10, 50, 200):
        for extra in (
            {},
            {"q": "gradient descent"},
            {"difficulty": "2", "kind": "numeric", "sort": "title"},
            {"tag": "kernel", "status": "published", "sort": "difficulty"},
            {"page": "3"},
        ):
            own, r = await _list_queries(
                admin, statements, "/admin/questions", params={"per_page": per_page, **extra}
            )
            assert len(own) <= 3, own
            seen.add(len(own))
            if not extra:
                assert r.text.count("<tr>") == per_page + 1  # header row + a full page
                assert "10000 questions" in r.text
    assert seen == {2}  # rows with their total + the topic list, for every page size
    own, r = await _list_queries(admin, statements, "/admin/questions", params={"per_page": 50})
    row_query = next(s for s in own if "question_version" in s)
    assert "search" not in row_query.split("FROM")[0]  # the tsvector is never selected
    assert "count(*)" in row_query  # the total, in the same statement


async def test_fragment_api_and_practice_list_are_constant_too(counted) -> None:
    clients, statements = counted
    for per_page in (10, 50, 200):
        own, r = await _list_queries(
            clients["admin"],
            statements,
            "/admin/questions",
            params={"per_page": per_page, "q": "kernel"},
            headers={"HX-Request": "true"},
        )
        assert len(own) == 1 and r.text.lstrip().startswith('<div id="results"')
        own, r = await _list_queries(
            clients["candidate"], statements, "/api/v1/questions", params={"per_page": per_page}
        )
        assert len(own) == 1 and len(r.json()["items"]) == per_page
        own, r = await _list_queries(
            clients["candidate"], statements, "/questions", params={"per_page": per_page}
        )
        assert len(own) == 2
        own, r = await _list_queries(
            clients["candidate"],
            statements,
            "/questions",
            params={"per_page": per_page, "q": "kernel"},
            headers={"HX-Request": "true"},
        )
        assert len(own) == 1 and r.text.lstrip().startswith('<div id="results"')
    # past the last page the total needs its own count: still ≤ 3
    own, r = await _list_queries(
        clients["admin"], statements, "/admin/questions", params={"per_page": 200, "page": 999}
    )
    assert len(own) == 3 and "10000 questions" in r.text


async def test_search_over_the_big_bank(counted) -> None:
    clients, _ = counted
    r = await clients["admin"].get("/api/v1/questions", params={"q": "eigenvalues", "per_page": 5})
    body = r.json()
    assert body["total"] > 100 and len(body["items"]) == 5


async def test_prefix_search_uses_the_indexes(big_bank, counted) -> None:
    """A prefix ("424" finds "Synthetic 4241") is answered from the GIN index, never by reading
    every version, for candidates and admins alike. (At 10,000 rows hashing the small question
    table can be the cheaper join; the versions are what a scan would have to read in full.)"""
    clients, _ = counted
    r = await clients["candidate"].get("/questions", params={"q": "424"})
    assert r.status_code == 200 and "Synthetic 4241:" in r.text and "Synthetic 4300:" not in r.text
    r = await clients["admin"].get("/admin/questions", params={"q": "synthetic 424"})
    assert r.status_code == 200 and "Synthetic 4249:" in r.text
    engine = make_engine(big_bank, pool_size=1)
    try:
        async with engine.connect() as conn:
            for q in ("424", "synthetic 424", "heteroscedastic"):
                for published_only in (True, False):
                    stmt = list_statement(ListParams(q=q), published_only=published_only)
                    sql = stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
                    plan = "\n".join((await conn.exec_driver_sql(f"EXPLAIN {sql}")).scalars())
                    assert "Seq Scan on question_version" not in plan, plan
                    assert "ix_question_version_search" in plan, plan
    finally:
        await engine.dispose()


def _index_pages(plan: dict[str, Any], index: str) -> int:
    """Pages a plan (EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)) read from one index."""
    own = plan["Shared Hit Blocks"] + plan["Shared Read Blocks"] if plan.get("Index Name") == index else 0
    return own + sum(_index_pages(child, index) for child in plan.get("Plans", []))


async def test_a_selective_search_reads_a_few_index_pages(big_bank, counted) -> None:
    """New rows enter a GIN index through its pending list, which every search reads in full
    whatever it looks for: after a bulk seed (or an import) with the default 4 MB list, a search
    that finds one question read ~400 index pages at 100,000 questions (most of its time). The
    search indexes keep a short list (flushed into the index as it fills), so a search reads
    the few pages of its own words, for candidates and admins alike."""
    engine = make_engine(big_bank, pool_size=1)
    try:
        async with engine.connect() as conn:
            for q, published_only, index in (
                ("4241", True, "ix_question_version_search_public"),
                ("4241", False, "ix_question_version_search"),
                ("synthetic 4241", False, "ix_question_version_search"),
            ):
                stmt = list_statement(ListParams(q=q), published_only=published_only)
                sql = stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
                explain = f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}"
                plan = (await conn.exec_driver_sql(explain)).scalar_one()[0]["Plan"]
                assert "Synthetic 4241" in str((await conn.exec_driver_sql(str(sql))).all())
                pages = _index_pages(plan, index)
                assert 0 < pages <= 40, (q, index, pages)
    finally:
        await engine.dispose()


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in _nodes(child))]


def _rows_in(node: dict[str, Any]) -> int:
    """Rows a node read from its children (EXPLAIN ANALYZE: rows per loop × loops)."""
    return sum(c["Actual Rows"] * c["Actual Loops"] for c in node.get("Plans", []) if "Subplan Name" not in c)


# (params, published_only, the index the page is read from); 10,000 questions, 50 a page: 200 pages
LISTS: list[tuple[dict[str, Any], bool, str]] = [
    ({"sort": "topic"}, True, "ix_question_published_topic_title"),  # the candidates' page
    ({"sort": "topic", "page": 3}, True, "ix_question_published_topic_title"),
    ({"sort": "topic", "page": 200}, True, "ix_question_published_topic_title"),
    ({"sort": "topic", "topic": 1}, True, "ix_question_published_topic_title"),  # an area
    ({"sort": "topic", "kind": "numeric"}, True, "ix_question_published_topic_title"),
    ({"sort": "topic", "difficulty": 2}, True, "ix_question_published_topic_title"),
    ({}, False, "ix_question_updated"),  # the admins' page
    ({"page": 50}, False, "ix_question_updated"),
    ({"sort": "title"}, False, "ix_question_sort_title"),
    ({"sort": "difficulty"}, False, "ix_question_difficulty_title"),
    ({"sort": "title"}, True, "ix_question_sort_title"),
]


async def test_lists_without_a_search_read_their_page_from_an_index(big_bank, counted) -> None:
    """Without a search, a list's page comes from an index in the list's order: nothing sorts or
    windows the bank (the old plan joined every question to its version, counted them with a
    window and sorted them all: ~1.5 s per candidate page at 100,000 questions), and the versions
    are read for the page's rows only. The total is still a count of the matches."""
    engine = make_engine(big_bank, pool_size=1)
    try:
        async with engine.connect() as conn:
            for params, published_only, index in LISTS:
                stmt = list_statement(ListParams.model_validate(params), published_only=published_only)
                sql = stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
                explain = f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}"
                plan = (await conn.exec_driver_sql(explain)).scalar_one()[0]["Plan"]
                nodes = _nodes(plan)
                assert plan["Actual Rows"] == 50, params
                assert any(n.get("Index Name") == index for n in nodes), (params, plan)
                for node in nodes:
                    if node["Node Type"] in ("Sort", "Incremental Sort", "WindowAgg"):
                        assert _rows_in(node) <= 1000, (params, node["Node Type"], _rows_in(node))
                    if node.get("Relation Name") == "question_version":
                        assert node["Actual Loops"] * node["Actual Rows"] <= 50, (params, node)
    finally:
        await engine.dispose()
