"""analytics generation: a token the refresher changes, so pages can cache per generation

Revision ID: a7c41e0b9d22
Revises: e4b7a2c91f3d
Create Date: 2026-11-29 18:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'a7c41e0b9d22'
down_revision: str | None = 'e4b7a2c91f3d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('analytics_generation',
    sa.Column('id', sa.SmallInteger(), nullable=False),
    sa.Column('token', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_generation'))
    )
    op.execute("INSERT INTO analytics_generation (id, token) VALUES (1, gen_random_uuid())")


def downgrade() -> None:
    op.drop_table('analytics_generation')
