"""ix_attempt_live: a partial index on the few live attempts (issue 20), which the analytics
question pages read for the hints given in live interviews

Revision ID: 35e7f01f0f30
Revises: 8c2d5e7f1a39
Create Date: 2026-11-29 22:25:51.497405
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '35e7f01f0f30'
down_revision: str | None = '8c2d5e7f1a39'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_attempt_live', 'attempt', ['id'], unique=False, postgresql_where=sa.text('live'))


def downgrade() -> None:
    op.drop_index('ix_attempt_live', table_name='attempt', postgresql_where=sa.text('live'))
