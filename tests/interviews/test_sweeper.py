"""The background sweeper (lifespan task), its advisory lock, and `mlmock sweep`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.config import get_settings
from app.interviews import service
from app.interviews.sweeper import sweep_once
from app.kit import clock
from app.main import create_app
from tests.interviews.test_races import live_format

pytestmark = pytest.mark.anyio


async def _open_attempt(live) -> str:  # type: ignore[no-untyped-def]
    fmt = await live_format(live)
    user, _ = await live.users.create()
    async with live.maker() as s:
        from app.auth.models import User

        attempt = await service.start_attempt(s, await s.get(User, user.id), fmt.id)
        await s.commit()
    return str(attempt.id)


async def _state(live, attempt_id: str) -> tuple[str, object, object]:  # type: ignore[no-untyped-def]
    async with live.engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT state, finished_at, deadline_at FROM attempt WHERE id = :i"), {"i": attempt_id}
            )
        ).one()
    return row.state, row.finished_at, row.deadline_at


@pytest.mark.slow  # the app's lifespan with its background jobs: it starts the import parsing process
async def test_lifespan_runs_the_sweeper(live) -> None:  # type: ignore[no-untyped-def]
    attempt_id = await _open_attempt(live)
    clock.advance(timedelta(minutes=11))
    settings = get_settings().model_copy(update={"sweep_interval_seconds": 0.05})
    application = create_app(settings, database_url=live.url, background=True)
    async with application.router.lifespan_context(application):
        for _ in range(100):
            if (await _state(live, attempt_id))[0] != "in_progress":
                break
            await asyncio.sleep(0.05)
    state, finished_at, deadline_at = await _state(live, attempt_id)
    assert state == "expired" and finished_at == deadline_at


async def test_only_one_process_sweeps_at_a_time(live) -> None:  # type: ignore[no-untyped-def]
    async with live.maker() as holder:
        assert await service.sweep(holder) is not None  # holds the lock until its transaction ends
        assert await sweep_once(live.maker) is None
        await holder.rollback()
    assert await sweep_once(live.maker) is not None


@pytest.mark.slow
def test_mlmock_sweep_command(live_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": live_url, "MLMOCK_ENV": "test"}
    r = subprocess.run(
        [sys.executable, "-m", "app.cli", "sweep"], capture_output=True, text=True, env=env, timeout=60
    )
    assert r.returncode == 0, r.stderr
    assert "attempt(s) finalised" in r.stdout


async def _session_ids(live) -> set[str]:  # type: ignore[no-untyped-def]
    async with live.engine.connect() as conn:
        return {str(r[0]) for r in await conn.execute(text("SELECT id FROM user_session"))}


async def test_sweeper_purges_expired_sessions(live) -> None:  # type: ignore[no-untyped-def]
    from app.auth.models import User
    from app.auth.service import start_session
    from app.interviews.sweeper import purge_sessions

    user, _ = await live.users.create()
    async with live.maker() as s:
        await start_session(s, await s.get(User, user.id), ip=None, user_agent="old", replaces=None)
        await s.commit()
    old = await _session_ids(live)
    clock.advance(timedelta(minutes=get_settings().session_idle_minutes + 1))
    async with live.maker() as s:
        await start_session(s, await s.get(User, user.id), ip=None, user_agent="new", replaces=None)
        await s.commit()
    assert await purge_sessions(live.maker) >= 1
    left = await _session_ids(live)
    assert not (old & left) and len(left) >= 1


@pytest.mark.slow
def test_mlmock_sweep_purges_expired_sessions(live_url: str) -> None:
    import psycopg

    libpq = live_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(libpq, autocommit=True) as conn:
        user_id = conn.execute("SELECT id FROM app_user LIMIT 1").fetchone()
        if user_id is None:
            user_id = conn.execute(
                "INSERT INTO app_user (id, email, display_name, password_hash, roles) VALUES "
                "(gen_random_uuid(), 'purge@example.org', 'P', 'x', ARRAY['candidate']) RETURNING id"
            ).fetchone()
        stale = conn.execute(
            "INSERT INTO user_session (id, token_hash, user_id, created_at, last_seen_at) VALUES "
            "(gen_random_uuid(), sha256(gen_random_uuid()::text::bytea), %s, now() - interval '2 days', now() - interval '2 days') "
            "RETURNING id",
            user_id,
        ).fetchone()
    env = {**os.environ, "DATABASE_URL": live_url, "MLMOCK_ENV": "test"}
    r = subprocess.run(
        [sys.executable, "-m", "app.cli", "sweep"], capture_output=True, text=True, env=env, timeout=60
    )
    assert r.returncode == 0, r.stderr
    assert "expired session(s) purged" in r.stdout
    with psycopg.connect(libpq, autocommit=True) as conn:
        assert conn.execute("SELECT 1 FROM user_session WHERE id = %s", stale).fetchone() is None
