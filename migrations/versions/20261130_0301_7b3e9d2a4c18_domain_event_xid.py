"""Each outbox event records its transaction id and the snapshot it was inserted under, so a
replay after `Last-Event-ID` = N also finds the events with a lower id that committed after N
(issue 20: ids are taken at insert, commits come in another order)

An event with an id below N that committed after N was running, or had no transaction id yet,
when N's insert took its snapshot: it is exactly an event whose `xid` is not visible in N's
`snapshot`. The index on `xid` keeps that look-back to the recent transactions.
Rows written before this migration keep NULL (no late look-back for them).
save_answer() and app/events/outbox.py insert with a column list: they get both by default.

Revision ID: 7b3e9d2a4c18
Revises: a7d3c51e9b04
Create Date: 2026-11-30 03:01:00
"""

from collections.abc import Sequence

from alembic import op


revision: str = '7b3e9d2a4c18'
down_revision: str | None = 'a7d3c51e9b04'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # added NULL then given a default: no rewrite of the existing rows
    op.execute('ALTER TABLE domain_event ADD COLUMN xid bigint, ADD COLUMN snapshot text')
    op.execute(
        'ALTER TABLE domain_event'
        ' ALTER COLUMN xid SET DEFAULT pg_current_xact_id()::text::bigint,'
        ' ALTER COLUMN snapshot SET DEFAULT pg_current_snapshot()::text'
    )
    op.execute('CREATE INDEX ix_domain_event_xid ON domain_event (xid)')


def downgrade() -> None:
    op.execute('DROP INDEX IF EXISTS ix_domain_event_xid')
    op.execute('ALTER TABLE domain_event DROP COLUMN snapshot, DROP COLUMN xid')
