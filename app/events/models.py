"""The outbox: every domain event, written in the transaction that caused it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class DomainEvent(Base):
    """One event. `id` orders events (replay: `id > last`, plus late commits: `xid`/`snapshot`);
    `user_ids`/`attempt_id` say who may see it; `handled_at` is set once its after-commit handlers
    ran (at insert when the kind has none)."""

    __tablename__ = "domain_event"
    __table_args__ = (
        # the catch-up scan for events whose handlers have not run (the emitting process died)
        sa.Index("ix_domain_event_pending", "id", postgresql_where=sa.text("handled_at IS NULL")),
        # the replay's look-back for late commits (outbox.events_after)
        sa.Index("ix_domain_event_xid", "xid"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(sa.String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    user_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), default=list, server_default=sa.text("'{}'::uuid[]")
    )
    attempt_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), index=True
    )
    handled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(sa.SmallInteger, default=0, server_default="0")
    # the inserting transaction and the snapshot of the insert: a replay after this event also
    # sends the lower ids whose xid this snapshot does not see (they committed after it; NULL on
    # rows older than the columns)
    xid: Mapped[int | None] = mapped_column(
        sa.BigInteger, server_default=sa.text("(pg_current_xact_id())::text::bigint")
    )
    snapshot: Mapped[str | None] = mapped_column(
        sa.Text, server_default=sa.text("(pg_current_snapshot())::text")
    )
