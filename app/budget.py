"""The connection budget: how many Postgres connections the app processes may open, checked
against the server's `max_connections` when `mlmock serve` starts.

One app process opens at most

    per_process = MLMOCK_DB_POOL_SIZE + MLMOCK_DB_MAX_OVERFLOW + MLMOCK_AUTOSAVE_POOL_SIZE + 1

(SQLAlchemy pool for pages and the sweeper, its overflow, the psycopg pool of the autosave
path, and the events dispatcher's LISTEN connection); defaults 10 + 10 + 10 + 1 = 31. With N processes in all (`--workers` per host/container ×
MLMOCK_DB_REPLICAS hosts/containers with the same settings) the budget must fit:

    N × per_process + MLMOCK_DB_HEADROOM ≤ max_connections − superuser_reserved_connections
                                                             − reserved_connections (PG 16+)

MLMOCK_DB_HEADROOM (default 10) keeps room for `mlmock migrate/seed/sweep/import`, pg_dump,
psql and monitoring. Postgres' default max_connections = 100 (97 usable) fits two processes
at the defaults; more processes need smaller pools (or a bigger max_connections, or PgBouncer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg

from app.config import Settings


class BudgetError(RuntimeError):
    pass


def per_process(settings: Settings) -> int:
    listener = 1  # app/events/dispatcher.py: one LISTEN connection
    return settings.db_pool_size + settings.db_max_overflow + settings.autosave_pool_size + listener


@dataclass(frozen=True)
class Budget:
    processes: int
    per_process: int
    headroom: int
    max_connections: int
    reserved: int

    @property
    def needed(self) -> int:
        return self.processes * self.per_process + self.headroom

    @property
    def available(self) -> int:
        return self.max_connections - self.reserved

    @property
    def fits(self) -> bool:
        return self.needed <= self.available

    def explain(self) -> str:
        return (
            f"{self.processes} process(es) × {self.per_process} connections "
            f"(MLMOCK_DB_POOL_SIZE + MLMOCK_DB_MAX_OVERFLOW + MLMOCK_AUTOSAVE_POOL_SIZE) "
            f"+ {self.headroom} headroom (MLMOCK_DB_HEADROOM) = {self.needed}; the server allows "
            f"{self.available} (max_connections {self.max_connections} − {self.reserved} reserved)"
        )


def read_server_limits(url: str, *, timeout: int = 5) -> tuple[int, int]:
    """(max_connections, reserved slots) of the server behind `url`."""
    libpq = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
    with psycopg.connect(libpq, connect_timeout=timeout, autocommit=True) as conn:
        row = conn.execute(
            "SELECT current_setting('max_connections')::int,"
            " current_setting('superuser_reserved_connections')::int,"
            " coalesce(current_setting('reserved_connections', true), '0')::int"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]) + int(row[2])


def check(url: str, settings: Settings, workers: int) -> Budget:
    """The budget for `workers` processes here (× MLMOCK_DB_REPLICAS); raises BudgetError if it cannot fit."""
    max_connections, reserved = read_server_limits(url)
    budget = Budget(
        processes=workers * settings.db_replicas,
        per_process=per_process(settings),
        headroom=settings.db_headroom,
        max_connections=max_connections,
        reserved=reserved,
    )
    if not budget.fits:
        raise BudgetError(
            "the connection budget does not fit this Postgres server: "
            + budget.explain()
            + ". Lower the pool sizes or the number of workers/replicas, or raise max_connections."
        )
    return budget
