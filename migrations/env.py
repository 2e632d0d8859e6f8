"""Alembic environment: synchronous psycopg 3 against the configured URL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool

from app.db import async_url
from app.models import metadata

config = context.config


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL") or os.environ.get("MLMOCK_DATABASE_URL")
    if not url:
        raise RuntimeError("No database URL for migrations")
    return async_url(url)


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
