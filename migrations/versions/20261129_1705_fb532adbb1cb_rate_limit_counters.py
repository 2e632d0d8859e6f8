"""rate limit counters (UNLOGGED: no WAL; emptied by a crash, which only resets limits)

Revision ID: fb532adbb1cb
Revises: 7c3e91a4d2b8
Create Date: 2026-11-29 15:52:13.917044
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'fb532adbb1cb'
down_revision: str | None = '7c3e91a4d2b8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rate_limit',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('window_seconds', sa.Integer(), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('prev_hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit')),
    prefixes=['UNLOGGED']
    )


def downgrade() -> None:
    op.drop_table('rate_limit')
