"""attempt_item.flagged and attempt_scratchpad: the candidate's review flags and private notes

Existing items are unflagged; attempts have no notes until the candidate types some.

Revision ID: a7c3e9f1b2d4
Revises: b6c2e8f41a07
Create Date: 2026-11-29 19:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision: str = 'a7c3e9f1b2d4'
down_revision: str | None = 'b6c2e8f41a07'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'attempt_item', sa.Column('flagged', sa.Boolean(), server_default=sa.text('false'), nullable=False)
    )
    op.create_table(
        'attempt_scratchpad',
        sa.Column('attempt_id', sa.Uuid(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('revision', sa.BigInteger(), nullable=False),
        sa.Column('save_id', sa.String(length=64), nullable=True),
        sa.Column('recent_saves', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('saved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('shared_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['attempt_id'], ['attempt.id'], name=op.f('fk_attempt_scratchpad_attempt_id_attempt'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('attempt_id', name=op.f('pk_attempt_scratchpad')),
    )


def downgrade() -> None:
    op.drop_table('attempt_scratchpad')
    op.drop_column('attempt_item', 'flagged')
